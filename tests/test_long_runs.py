"""Long runs in bounded memory: decimation, windows, chunks, early failure, reproducibility."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy.checks import INTERRUPT_WORK
from hh_brainpy.runner import _CHUNK_BYTES

CURRENTS = np.array([0.0, 6.0, 10.0, 25.0])


def _seed_hh(n):
    """n neurons at the seed protocol's start (-65 mV, steady gates), stepped with rk4 as simulate() does."""
    return hb.HH(n, V_init=-65.0, method="rk4")


@pytest.fixture(scope="module")
def every_step():
    return hb.simulate(60.0, size=4, Iext=CURRENTS)


@pytest.mark.parametrize(("record_every", "chunk_steps"), [(10, 2000), (7, 1001), (25, None)])
def test_a_decimated_run_keeps_exactly_every_kth_state(every_step, record_every, chunk_steps):
    """Chunk boundaries need not align with samples; the kept states are the same numbers."""
    steps = 6000 // record_every * record_every
    res = hb.HHRunner(_seed_hh(4), Iext=CURRENTS).run(steps * 0.01, record_every=record_every, chunk_steps=chunk_steps)
    assert res.record_every == record_every
    np.testing.assert_array_equal(res.ts, every_step.ts[:steps + 1:record_every])
    for name in ("V", "m", "h", "n"):
        np.testing.assert_array_equal(getattr(res, name), getattr(every_step, name)[:steps + 1:record_every])


@pytest.mark.parametrize(("record_every", "chunk_steps"), [(10, None), (7, 1001), (50, 1450)])
def test_decimation_loses_no_spike(every_step, record_every, chunk_steps):
    """A sample's spike flag is the OR over the steps since the previous sample."""
    steps = 6000 // record_every * record_every
    res = hb.HHRunner(_seed_hh(4), Iext=CURRENTS).run(steps * 0.01, record_every=record_every, chunk_steps=chunk_steps)
    full = every_step.spike[:steps + 1]
    blocks = full[1:].reshape(-1, record_every, 4).any(axis=1)
    np.testing.assert_array_equal(res.spike[1:], blocks)
    np.testing.assert_array_equal(res.spike.sum(axis=0), full.sum(axis=0))
    assert res.spike.sum() > 10


def test_a_window_keeps_only_its_samples(every_step):
    res = hb.HHRunner(_seed_hh(4), Iext=CURRENTS).run(60.0, record_every=5, window=(20.0, 30.0), chunk_steps=2222)
    assert res.ts[0] == pytest.approx(20.0) and res.ts[-1] == pytest.approx(30.0)
    np.testing.assert_array_equal(res.V, every_step.V[2000:3001:5])
    # spike times from the kept window are the ones of the full run in that window
    inside = [t[(t > 20.0) & (t < 30.0)] for t in every_step.spike_times(0.0)]
    for ours, theirs in zip(res.spike_times(0.0), inside, strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_a_chunk_holds_at_most_64_mib_of_records_and_bounded_work():
    runner = hb.HHRunner(_seed_hh(100_000), Iext=10.0, monitors=("V", "spike"))
    chunk = runner._chunk_steps(None, 10, 10**6)
    assert chunk % 10 == 0 and chunk * 100_000 * 2 * 8 <= _CHUNK_BYTES
    assert hb.HHRunner(_seed_hh(1), Iext=10.0)._chunk_steps(None, 1, 10**7) * 5 * 8 <= _CHUNK_BYTES
    # nothing recorded: still chunks of at most INTERRUPT_WORK neuron-steps, so Ctrl-C is seen
    quiet = hb.HHRunner(_seed_hh(100), Iext=10.0, monitors=())
    assert quiet._chunk_steps(None, 1, 3 * 10**6) * 100 <= INTERRUPT_WORK
    assert quiet._chunk_steps(None, 1, 1000) == 1000  # a short run stays one chunk


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"record_every": 0}, "record_every"),
        ({"record_every": 3}, "not a multiple of record_every"),
        ({"window": (5.0, 2.0)}, "window"),
        ({"window": (0.0, 50.0)}, "window"),
        ({"chunk_steps": 0}, "chunk_steps"),
    ],
)
def test_bad_recording_options_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        hb.HHRunner(_seed_hh(1), Iext=10.0).run(10.0, **kwargs)


def test_a_run_that_blows_up_stops_at_that_chunk_and_names_neuron_and_time():
    """From t = 30 ms neuron 2 gets 1e300 uA/cm^2; the run stops in the chunk where V overflows."""
    values = np.zeros((10_001, 3))
    values[3000:, 2] = 1e300
    runner = hb.HHRunner(_seed_hh(3), Iext=hb.stimulus.from_array(values, 0.01), monitors=("V", "spike"))
    with pytest.raises(hb.NonFiniteError, match=r"V became non-finite at t = 30\.0[0-9]* ms \(step [0-9]+, neuron 2\)"):
        runner.run(100.0, chunk_steps=1000)
    assert runner._runner.i0 == 4000  # stopped after the fourth of ten chunks

    spikes_only = hb.HHRunner(_seed_hh(3), Iext=hb.stimulus.from_array(values, 0.01), monitors=("spike",))
    with pytest.raises(hb.NonFiniteError, match=r"between t = 30 and 40 ms \(neuron 2\)"):
        spikes_only.run(100.0, chunk_steps=1000)


def test_the_same_seed_gives_the_same_run_and_a_reset_replays_it():
    a = hb.simulate(20.0, size=5, init="random", seed=7)
    b = hb.simulate(20.0, size=5, init="random", seed=7)
    c = hb.simulate(20.0, size=5, init="random", seed=8)
    np.testing.assert_array_equal(a.V, b.V)
    assert not np.array_equal(a.V, c.V)
    model = hb.HH(5, init="random", seed=7, method="rk4")
    runner = hb.HHRunner(model, Iext=10.0)
    first = runner.run(20.0)
    model.reset_state()
    again = hb.HHRunner(model, Iext=10.0).run(20.0)
    np.testing.assert_array_equal(first.V, again.V)
    np.testing.assert_array_equal(first.V, a.V)


def test_importing_hh_brainpy_leaves_float32_the_default():
    code = "import jax, hh_brainpy, brainpy.math as bm; print(jax.config.jax_enable_x64, bm.float_)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == "False" and "float32" in out


def test_the_memory_benchmark_smoke_run_stays_within_its_stated_bound(tmp_path):
    from benchmarks import memory

    out = tmp_path / "memory.md"
    assert memory.main(["--smoke", "--out", str(out)]) == 0
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and "neurons" in line]
    assert len(rows) == 2
    for row in rows:
        extra = float(row.split("|")[6])
        assert extra < 256.0
