"""The benchmark suite runs end to end (tiny sizes) and reports every section; no time is asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests import reference as ref

ROOT = Path(__file__).resolve().parents[1]


def test_the_frozen_reference_spike_times_equal_a_fresh_solution():
    """benchmarks/data/reference_spikes.json holds the scipy reference's spike times (to 1e-6 ms).

    LSODA at rtol = atol = 1e-10 reproduces them to a few 1e-8 ms across scipy versions and machines
    (3.3e-8 ms between scipy 1.11 and 1.17); 1e-6 ms is still 50 times below the best error any
    integrator in the benchmarks is credited with (5e-5 ms).
    """
    data = json.loads((ROOT / "benchmarks" / "data" / "reference_spikes.json").read_text())
    protocol = data["protocol"]
    fresh = ref.solve(ref.steady_state_at(), protocol["duration_ms"], protocol["Iext_uA_cm2"])["spikes"]
    assert len(fresh) == len(data["spike_times_ms"]) == 7
    assert max(abs(a - b) for a, b in zip(fresh, data["spike_times_ms"], strict=True)) < 1e-6


@pytest.mark.slow
def test_the_benchmark_suite_smoke_run_reports_every_section(tmp_path):
    """The benchmark suite runs end to end at tiny sizes and reports every section (about 45 s)."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = (tmp_path / "smoke.md").read_text()
    for heading in ("## a) Cost of one step", "## b) Throughput", "## c) Largest spike-time error",
                    "## d) Accurate throughput", "## e) COBAHH", "## f) Per-call overhead"):
        assert heading in report
    assert "failed:" not in report, report
    results = json.loads((tmp_path / "smoke.json").read_text())
    assert all(v > 0 for v in results["steps"].values())
    for per_method in results["throughput"]["jax"].values():
        for row in per_method.values():
            assert row["hh_brainpy"]["again"] > 0 and row["bp.dyn.HH"]["again"] > 0
    # rk4 at dt = 0.01 ms meets the accuracy bar in float32 and float64 (against the scipy reference)
    for precision in ("hh_brainpy float32", "hh_brainpy float64"):
        assert results["accuracy"][precision]["rk4"]["0.01"] < 1e-3
    overhead = results["overhead"]
    assert overhead["simulate"]["again_ms"] > 0 and overhead["main_job_s"] > 0 and overhead["import_brainpy_s"] > 0
    ceiling = results["accurate"]["ceiling"]  # the hand-written C step counts the sweep's spikes
    if "error" not in ceiling["c"]:
        assert abs(ceiling["c"]["spikes"] - ceiling["sweep_spikes"]) <= max(2, ceiling["sweep_spikes"] // 1000)
    for row in results["cobahh"]["rows"].values():
        assert math.isfinite(row["rate_hz"]) and row["rate_hz"] > 0


@pytest.mark.parametrize(("scheme", "order"), [("rk4", 4), ("rk5", 5), ("rl2", 2), ("rl3", 3), ("rl4", 4), ("exp1", 1),
                                               ("expmid", 2), ("etd2", 2), ("etd3", 3), ("etd4", 4)])
def test_the_candidate_schemes_converge_with_their_order(scheme, order):
    """benchmarks.schemes' schemes (sub-threshold, 5 ms at Iext = 2): error of V vs dt has slope order +- 0.5."""
    from scipy.integrate import solve_ivp

    from benchmarks import schemes

    y0 = ref.steady_state_at()
    exact = solve_ivp(ref.rhs, (0, 5.0), y0, method="DOP853", rtol=1e-13, atol=1e-13, args=(2.0,)).y[0, -1]
    # rk5 at 0.0125 ms is already at float64 round-off (1e-14 mV)
    dts = np.array([0.1, 0.05, 0.025]) if order == 5 else np.array([0.05, 0.025, 0.0125])
    errors = [abs(schemes.trajectory(scheme, dt, 5.0, 2.0, y0)[-1, 0] - exact) for dt in dts]
    assert np.polyfit(np.log(dts), np.log(errors), 1)[0] == pytest.approx(order, abs=0.5)
