"""``python -m benchmarks``: hh_brainpy side by side with bp.dyn.HH, Brian2 and NEURON, in one run.

Writes ``benchmarks/results/benchmarks.md`` (tables, with the machine, the
versions and the command), ``benchmarks.json`` (every number) and two plots.
Sections:

a) cost of one step: an eager ``odeint`` loop, ``hb.integral`` from Python,
   the compiled ``hb.integrate``;
b) throughput (neuron-steps per second) for N = 1, 1e3, 1e5, 1e6;
c) largest spike-time error against the scipy reference, per method and dt;
d) accurate throughput: neuron-ms per second at spike-time error <= 1e-3 ms, and
   its ceiling on the machine: the same rk4 step in hand-written C (``benchmarks/ceiling``;
   ``python -m benchmarks.schemes`` weighs other schemes against rk4);
e) COBAHH, 4000 neurons, 1 s at dt = 0.1 ms;
f) per-call overhead of ``hb.simulate`` (first vs again), and the main job
   (the README's first command) against ``python -c "import brainpy"``;
g) the swap: ``hb.HH`` (default and ``exp_auto``) for ``bp.dyn.HH`` at dt = 0.1 ms in a
   user's ``bm.for_loop`` and under ``bp.DSRunner``, N = 1e3 to 1e6, with spike-time errors.

Each measurement runs in a fresh process (:mod:`benchmarks.workloads`).
Brian2 and NEURON come from ``pip install -e ".[bench]"``; without them their
rows say so.  ``--smoke`` runs tiny sizes only (for CI: it checks that the
suite runs, not how fast).  No figure here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DTS = [0.01, 0.025, 0.05, 0.1]
HB_METHODS = ["euler", "rk2", "rk3", "rk4", "exp_auto"]
THROUGHPUT_METHODS = ["euler", "rk2", "rk4", "exp_auto"]
BRIAN2_METHODS = ["euler", "rk2", "rk4", "exp_euler"]
ACCURATE = 1e-3  # ms, the spike-time error bar of section d
TWO_DEVICES = "--xla_force_host_platform_device_count=2"
WIDE_VECTORS = "--xla_cpu_prefer_vector_width=512"
# The swap (section g): hb.HH's default within this factor of bp.dyn.HH's time at this spike-time error, exp_auto
SWAP_GOALS = {"default": 1.5, "error_ms": 0.05, "exp_auto": 1.0}


def _run(job: dict[str, Any], xla_flags: str | None = None, timeout: float = 1800.0) -> Any:
    """Run one workload in a fresh interpreter; return its JSON result or {'error': ...}."""
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "benchmarks.workloads", json.dumps(job)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("{", "["))]
    if proc.returncode or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit {proc.returncode}"}
    return json.loads(lines[-1])


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
        "platform": platform.platform(),
        **{name: _version(name) for name in ("hh-brainpy", "brainpy", "jax", "jaxlib", "numpy", "brian2", "neuron")},
    }


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "spike count differs"
    if isinstance(x, str):
        return x
    if isinstance(x, dict) and "error" in x:
        return "failed: " + x["error"][:80]
    return f"{x:.{digits}g}"


# -- the sections -------------------------------------------------------------------------------
def section_steps(smoke: bool) -> dict:
    return _run({"name": "step_cost", "repeats": 200 if smoke else 5000})


def section_throughput(smoke: bool, peers: dict[str, bool]) -> dict:
    sizes = {1: 2000, 1000: 200} if smoke else {1: 20000, 1000: 5000, 100000: 500, 1000000: 100}
    methods = ["rk4", "exp_auto"] if smoke else THROUGHPUT_METHODS
    out: dict[str, Any] = {"steps": {str(n): s for n, s in sizes.items()}, "jax": {}, "sweep": {}, "brian2": {},
                           "neuron": {}}
    for n, steps in sizes.items():
        out["jax"][str(n)] = _run({"name": "throughput_jax", "n": n, "steps": steps, "methods": methods})
    big = 1000 if smoke else 100000  # the state of 1e5 neurons still fits in the caches
    steps = sizes[big]
    for label, flags in (("1 device", None), ("2 host devices", TWO_DEVICES),
                         ("2 host devices, 512-bit vectors", f"{TWO_DEVICES} {WIDE_VECTORS}")):
        out["sweep"][label] = _run({"name": "throughput_sweep", "n": big, "steps": steps}, flags)
    if peers["brian2"]:
        for mode, threads in (("cython", 1), ("cpp_standalone", 1), ("cpp_standalone", 2)):
            label = mode if mode == "cython" else f"{mode}, {threads} thread{'s' * (threads > 1)}"
            out["brian2"][label] = {str(n): _run({"name": "throughput_brian2", "mode": mode, "threads": threads,
                                                  "n": n, "steps": s}) for n, s in sizes.items()}
    if peers["neuron"]:
        for n, s in sizes.items():
            if n <= 100000:
                out["neuron"][str(n)] = _run({"name": "throughput_neuron", "n": n, "steps": s})
    return out


def section_accuracy(smoke: bool, peers: dict[str, bool]) -> dict:
    dts = DTS[::3] if smoke else DTS
    out: dict[str, Any] = {
        "hh_brainpy float32": _run({"name": "hh_brainpy_spike_errors", "methods": HB_METHODS, "dts": dts}),
        "hh_brainpy float64": _run({"name": "hh_brainpy_spike_errors", "methods": HB_METHODS, "dts": dts,
                                    "x64": True}),
    }
    if peers["brian2"]:
        out["Brian2 (cython)"] = _run({"name": "brian2_spike_errors", "methods": BRIAN2_METHODS, "dts": dts})
    if peers["neuron"]:
        out["NEURON hh"] = _run({"name": "neuron_spike_errors", "dts": dts})
    return out


def _best_dt(errors: dict[str, Any]) -> float | None:
    ok = [float(dt) for dt, e in errors.items() if isinstance(e, float) and e <= ACCURATE]
    return max(ok) if ok else None


def section_accurate_throughput(smoke: bool, accuracy: dict, peers: dict[str, bool]) -> dict:
    """For each tool and method, the largest dt within 1e-3 ms, then neuron-ms per second at N = 1e5."""
    n, duration = (1000, 2.0) if smoke else (100000, 10.0)
    out: dict[str, Any] = {}
    ceiling = None
    hb_errors = accuracy["hh_brainpy float32"]
    for method in ("rk4", "rk2", "exp_auto"):
        dt = _best_dt(hb_errors.get(method, {})) if "error" not in hb_errors else None
        if dt is None:
            out[f"hh_brainpy {method}"] = {"dt": None}
            continue
        steps = round(duration / dt)
        runner = _run({"name": "throughput_jax", "n": n, "steps": steps, "methods": [method], "dt": dt})
        sweep = _run({"name": "throughput_sweep", "n": n, "steps": steps, "method": method, "dt": dt},
                     f"{TWO_DEVICES} {WIDE_VECTORS}")
        out[f"hh_brainpy {method}"] = {
            "dt": dt, "error": hb_errors[method][str(dt)],
            "hb.HHRunner": None if "error" in runner else runner[method]["hh_brainpy"]["again"] * dt,
            "(bp.dyn.HH, same method and dt)": (
                None if "error" in runner else runner[method]["bp.dyn.HH"]["again"] * dt),
            "hb.sweep, 2 host devices, 512-bit vectors": None if "error" in sweep else sweep["again"] * dt,
        }
        if method == "rk4":  # the ceiling: the same step in hand-written, vectorised C on every core
            c = _run({"name": "ceiling_c", "n": n, "steps": steps, "dt": dt})
            ceiling = {"method": method, "dt": dt, "error": hb_errors[method][str(dt)], "c": c,
                       "sweep_spikes": None if "error" in sweep else sweep["spikes"]}
    b2 = accuracy.get("Brian2 (cython)")
    if peers["brian2"] and b2 and "error" not in b2:
        for method in ("rk4", "exp_euler"):
            dt = _best_dt(b2.get(method, {}))
            if dt is None:
                out[f"Brian2 {method}"] = {"dt": None}
                continue
            r = _run({"name": "throughput_brian2", "mode": "cpp_standalone", "threads": 2, "n": n,
                      "steps": round(duration / dt), "method": method, "dt": dt})
            out[f"Brian2 {method}"] = {"dt": dt, "error": b2[method][str(dt)],
                                       "cpp_standalone, 2 threads": None if "error" in r else r["run"] * dt}
    nrn = accuracy.get("NEURON hh")
    if peers["neuron"] and nrn and "error" not in nrn:
        dt = _best_dt(nrn.get("Crank-Nicolson", {}))
        entry: dict[str, Any] = {"dt": dt}
        if dt is not None:
            r = _run({"name": "throughput_neuron", "n": n, "steps": round(duration / dt), "dt": dt})
            entry["error"] = nrn["Crank-Nicolson"][str(dt)]
            entry["fixed step"] = None if "error" in r else r["run"] * dt
        out["NEURON Crank-Nicolson"] = entry
    return {"n": n, "duration_ms": duration, "rows": out, "ceiling": ceiling}


COBAHH_ROW = "hh_brainpy COBAHH (TraubMilesHH, exp_auto, bp.DSRunner)"
BRIAN2_ROW = "Brian2 cpp_standalone, 2 threads"


def section_cobahh(smoke: bool, peers: dict[str, bool]) -> dict:
    size = {"num": 400, "duration": 50.0} if smoke else {"num": 4000, "duration": 1000.0}
    out = {
        COBAHH_ROW: _run({"name": "cobahh_hh_brainpy", **size}),
        "hh_brainpy run_cobahh (models.COBAHH as one compiled loop)": _run({"name": "cobahh_scan", **size}),
        "BrainPy CondNeuGroupLTC (INa/IK_TM1991, exp_auto)": _run({"name": "cobahh_brainpy_ltc", **size}),
    }
    if peers["brian2"]:
        for mode, threads in (("cython", 1), ("cpp_standalone", 1), ("cpp_standalone", 2)):
            plural = "s" * (threads > 1)
            label = "Brian2 cython" if mode == "cython" else f"Brian2 cpp_standalone, {threads} thread{plural}"
            out[label] = _run({"name": "cobahh_brian2", "mode": mode, "threads": threads, **size})
    return {"size": size, "rows": out}


MAIN_JOB = ["-m", "hh_brainpy", "simulate", "--duration", "100", "--dt", "0.01", "--Iext", "10", "--method", "rk4",
            "--force", "--out"]


def _process_wall(args: list[str], repeats: int, env: dict[str, str] | None = None) -> float:
    """Median whole-process wall time (s) of ``python args``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=True,
                       env=None if env is None else {**os.environ, **env})
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def section_overhead(smoke: bool, out: Path) -> dict:
    repeats = 1 if smoke else 5
    calls = _run({"name": "simulate_calls", "duration": 10.0 if smoke else 100.0})
    figure = out / "main_job.png"
    job = [*MAIN_JOB, str(figure)]
    # Cold: JAX's compilation cache off, so every run compiles (a user's first run).  Warm: the
    # command's own cache filled by one untimed run first (every later run).
    cold = _process_wall(job, repeats, env={"HH_BRAINPY_NO_CACHE": "1"})
    _process_wall(job, 1)
    warm = _process_wall(job, repeats)
    figure.unlink(missing_ok=True)
    import_brainpy = _process_wall(["-c", "import brainpy"], repeats)
    return {"simulate": calls, "main_job_s": warm, "main_job_cold_s": cold, "import_brainpy_s": import_brainpy,
            "repeats": repeats}


# -- the report -------------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def report(results: dict, command: str) -> str:
    m = results["machine"]
    lines = [
        "# hh_brainpy benchmarks",
        "",
        f"Written by `{command}` on {results['date']} in {results['wall_s']:.0f} s.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; {m['platform']}; Python {m['python']}.",
        "Versions: " + ", ".join(f"{k} {m[k]}" for k in ("hh-brainpy", "brainpy", "jax", "jaxlib", "numpy",
                                                          "brian2", "neuron")) + ".",
        "",
        "All JAX figures are float32 on the CPU. Every measurement ran in a fresh process. Throughput is",
        "neuron-steps per second (higher is better); `first` includes tracing and compilation, `again` is",
        "a second run of the same length on the same runner.",
        "",
        "## a) Cost of one step, called from Python (µs per step)",
        "",
    ]
    steps = results["steps"]
    if "error" in steps:
        lines.append(_fmt(steps))
    else:
        lines += _table(["loop", "µs per step"], [[k, f"{v:.3g}"] for k, v in steps.items()])
    tp = results["throughput"]
    lines += ["", "## b) Throughput, neuron-steps per second (dt = 0.01 ms, Iext = 10 µA/cm², N uncoupled neurons)",
              "", "`hb.HH` under `hb.HHRunner` vs `bp.dyn.HH` under `bp.DSRunner`, same method, recording nothing:", ""]
    rows = []
    for n, per in tp["jax"].items():
        if "error" in per:
            rows.append([n, _fmt(per), "", "", "", "", ""])
            continue
        for method, r in per.items():
            ours, theirs = r["hh_brainpy"], r["bp.dyn.HH"]
            rows.append([n, method, _fmt(ours["first"]), _fmt(ours["again"]), _fmt(theirs["first"]),
                         _fmt(theirs["again"]), f"{ours['again'] / theirs['again']:.2f}x"])
    lines += _table(["N", "method", "hh_brainpy first", "hh_brainpy again", "bp.dyn.HH first", "bp.dyn.HH again",
                     "ratio (again)"], rows)
    big = 1000 if results.get("smoke") else 100000
    lines += ["", f"`hb.sweep` (one compiled scan, population sharded over JAX devices), rk4, N = {big}:", ""]
    lines += _table(["XLA setting", "first", "again"],
                    [[k, _fmt(v.get("first")) if "error" not in v else _fmt(v), _fmt(v.get("again", ""))]
                     for k, v in tp["sweep"].items()])
    if tp["brian2"]:
        lines += ["", "Brian2, rk4 (`run`: the simulation loop only; `total`: with code generation and",
                  "compilation):", ""]
        rows = []
        for label, per in tp["brian2"].items():
            for n, r in per.items():
                rows.append([label, n, _fmt(r.get("run")) if "error" not in r else _fmt(r), _fmt(r.get("total", ""))])
        lines += _table(["Brian2 target", "N", "run", "total"], rows)
    else:
        lines += ["", "Brian2: skipped (not installed; `pip install -e \".[bench]\"`)."]
    if tp["neuron"]:
        lines += ["", "NEURON `hh`, one compartment per neuron, Crank-Nicolson fixed step, one thread:", ""]
        lines += _table(["N", "run"], [[n, _fmt(r.get("run")) if "error" not in r else _fmt(r)]
                                        for n, r in tp["neuron"].items()])
    else:
        lines += ["", "NEURON: skipped (not installed; `pip install -e \".[bench]\"`)."]
    acc = results["accuracy"]
    lines += ["", "## c) Largest spike-time error against the reference (ms)", "",
              "100 ms from rest at Iext = 10 µA/cm², 7 spikes; the reference is `tests/reference.py` (scipy LSODA,",
              "rtol = atol = 1e-10). Crossings of 0 mV are located the same way for every tool (cubic Hermite on V and",
              "dV/dt). `refused`: beyond the method's stability limit, hh_brainpy raises instead of running.", ""]
    for tool, per in acc.items():
        if "error" in per:
            lines += [f"{tool}: {_fmt(per)}", ""]
            continue
        dts = list(next(iter(per.values())).keys())
        lines += [f"**{tool}**", ""]
        lines += _table(["method"] + [f"dt = {d}" for d in dts], [[meth] + [_fmt(e) for e in row.values()]
                                                                 for meth, row in per.items()])
        lines.append("")
    at = results["accurate"]
    lines += [f"## d) Accurate throughput: neuron-ms simulated per second at spike-time error ≤ {ACCURATE} ms",
              "", f"N = {at['n']}, {at['duration_ms']} ms; each row at the largest dt of section c within the bar.", ""]
    rows = []
    for tool, r in at["rows"].items():
        if r.get("dt") is None:
            rows.append([tool, "no dt meets the bar", "", "", ""])
            continue
        for how, value in r.items():
            if how in ("dt", "error"):
                continue
            rows.append([tool, str(r["dt"]), _fmt(r["error"]), how, _fmt(value)])
    lines += _table(["tool and method", "dt (ms)", "error (ms)", "run by", "neuron-ms per s"], rows)
    if at.get("ceiling") is not None:
        lines += _report_ceiling(at["ceiling"])
        lines += _report_ceiling_ratios(at["ceiling"], at["rows"].get("hh_brainpy rk4", {}))
    cob = results["cobahh"]
    lines += ["", f"## e) COBAHH, {cob['size']['num']} neurons, {cob['size']['duration']:g} ms at dt = 0.1 ms", "",
              "Wall time of the simulation loop, and in brackets of the whole call with code generation or tracing",
              "and compilation, and the mean rate. BrainPy's `DSRunner.run` traces and compiles on every call: its",
              "loop is the run of 1 s less a run of one step.", ""]
    rows = []
    for tool, r in cob["rows"].items():
        if "error" in r:
            rows.append([tool, _fmt(r), ""])
            continue
        wall = f"{r['wall_s']:.2f}" + (f" ({r['total_s']:.1f})" if "total_s" in r else "")
        rows.append([tool, wall, f"{r['rate_hz']:.1f}"])
    lines += _table(["build", "wall (s)", "mean rate (Hz)"], rows)
    ours, brian = cob["rows"].get(COBAHH_ROW, {}), cob["rows"].get(BRIAN2_ROW, {})
    if "wall_s" in ours and "wall_s" in brian:
        ratio = ours["wall_s"] / brian["wall_s"]
        lines += ["", f"`hb.models.COBAHH` under `bp.DSRunner`, loop: {ratio:.2f}x Brian2 cpp_standalone with "
                  f"2 threads (goal <= 1.0x: {'met' if ratio <= 1.0 else '**missed**'})."]
    if "clamp" in results:
        lines += _report_clamp(results["clamp"])
    if "cable" in results:
        lines += _report_cable(results["cable"])
    if "swap" in results:
        lines += _report_swap(results["swap"])
    if "overhead" in results:
        lines += _report_overhead(results["overhead"])
    return "\n".join(lines) + "\n"


def _report_ceiling(ceiling: dict) -> list[str]:
    c = ceiling["c"]
    lines = ["", f"The ceiling for {ceiling['method']} at dt = {ceiling['dt']} ms on this machine: the same step "
             "written by hand in C (`benchmarks/ceiling/hh_rk4.c`), vectorised and on every core, same grid:", ""]
    if "error" in c:
        return [*lines, f"not measured: {_fmt(c)}"]
    rows = [[f"C, `{c['flags']}`, {c['threads']} OpenMP threads", _fmt(c["run"] * ceiling["dt"]), str(c["spikes"])],
            ["hb.sweep (above)", "", str(ceiling["sweep_spikes"])]]
    return [*lines, *_table(["build", "neuron-ms per s", "spikes (same grid)"], rows)]


def section_swap(smoke: bool) -> dict:
    if smoke:
        return {"goals": SWAP_GOALS, **_run({"name": "swap", "sizes": {"1000": 20}, "default_sizes": [1000]})}
    sizes = {"1000": 1000, "10000": 1000, "100000": 1000, "1000000": 100}
    return {"goals": SWAP_GOALS, **_run({"name": "swap", "sizes": sizes, "default_sizes": [1000, 10000, 100000]})}


def _report_swap(swap: dict) -> list[str]:
    lines = ["", "## g) The swap: `hb.HH` for `bp.dyn.HH` in a user's loop and under `bp.DSRunner`", "",
             "dt = 0.1 ms, float32, Iext = 10, nothing recorded; seconds per run (best of three compiled runs, "
             "all in one process) and the ratio to `bp.dyn.HH` in the same loop. `floor`: four evaluations of "
             "the model's right-hand side a step and nothing else, the least a fourth-order one-step scheme "
             "costs (`benchmarks/user_loop.py`).", ""]
    if "error" in swap:
        return [*lines, _fmt(swap)]
    rows = []
    for size, row in swap["times"].items():
        for loop in ("for_loop", "DSRunner"):
            base = row[loop]["bp.dyn.HH"]
            cells = [f"{int(size):.0e}", str(row["steps"]), loop, f"{base:.3f}"]
            for name in ("hb.HH", "exp_auto"):
                t = row[loop].get(name)
                cells.append("" if t is None else f"{t:.3f} ({t / base:.2f}x)")
            floor = row.get("floor") if loop == "for_loop" else None
            cells.append("" if floor is None else f"{floor:.3f} ({floor / base:.2f}x)")
            rows.append(cells)
    lines += _table(["N", "steps", "loop", "bp.dyn.HH (s)", "hb.HH default", "hb.HH exp_auto", "floor"], rows)
    errors = swap["spike_error_ms"]
    lines += ["", "Largest spike-time error over 100 ms at dt = 0.1 ms against the scipy reference (ms): "
              + ", ".join(f"{name} {_fmt(e)}" for name, e in errors.items()) + ".", ""]
    default = [t["hb.HH"] / t["bp.dyn.HH"] for row in swap["times"].values()
               for t in row.values() if isinstance(t, dict) and "hb.HH" in t]
    exp_auto = [row["for_loop"]["exp_auto"] / row["for_loop"]["bp.dyn.HH"] for row in swap["times"].values()]
    goals = swap["goals"]
    rows = [[f"default <= {goals['default']}x bp.dyn.HH, error <= {goals['error_ms']} ms",
             f"{min(default):.2f}-{max(default):.2f}x; {_fmt(errors['hb.HH'])} ms",
             "met" if max(default) <= goals["default"] and errors["hb.HH"] <= goals["error_ms"] else "**missed**"],
            [f"exp_auto <= {goals['exp_auto']}x bp.dyn.HH in a user's loop",
             f"{min(exp_auto):.2f}-{max(exp_auto):.2f}x",
             "met" if max(exp_auto) <= goals["exp_auto"] else "**missed**"]]
    return [*lines, *_table(["goal", "measured", ""], rows)]


def _report_ceiling_ratios(ceiling: dict, rk4: dict) -> list[str]:
    c, sweep, runner = ceiling["c"], rk4.get("hb.sweep, 2 host devices, 512-bit vectors"), rk4.get("hb.HHRunner")
    if "error" in c or not sweep or not runner:
        return []
    to_ceiling, to_sweep = sweep / (c["run"] * ceiling["dt"]), runner / sweep
    met = "met" if to_ceiling >= 0.9 and to_sweep >= 0.9 else "**missed**"
    return ["", f"Unit: neuron-ms per second (the C program reports neuron-steps per second; times dt). `hb.sweep` "
            f"{to_ceiling:.2f}x the C ceiling, `hb.HHRunner` {to_sweep:.2f}x `hb.sweep` (goal >= 0.9x each: {met})."]


def _report_overhead(ov: dict) -> list[str]:
    calls = ov["simulate"]
    lines = ["", "## f) Per-call overhead and the main job", ""]
    if "error" in calls:
        lines.append(f"`hb.simulate`: {_fmt(calls)}")
    else:
        lines += _table(["`hb.simulate(100.0)` call", "ms"], [
            ["first (traces and compiles)", f"{calls['first_ms']:.0f}"],
            ["again, new gK, Iext and V_init (median of 5)", f"{calls['again_ms']:.1f}"],
            ["a new kind of stimulus (a step: its own loop)", f"{calls['new_stimulus_kind_ms']:.0f}"]])
    lines += ["", f"Whole-process wall time, median of {ov['repeats']} (`python {' '.join(MAIN_JOB)} FILE`; "
              f"cold: JAX's compilation cache off, as on a first run; warm: the command's cache filled):", ""]
    base = ov["import_brainpy_s"]
    rows = [["`python -c \"import brainpy\"`", f"{base:.2f}", "1.00x"]]
    for label, key in (("main job, cold", "main_job_cold_s"), ("main job, warm", "main_job_s")):
        if key in ov:
            rows.append([label, f"{ov[key]:.2f}", f"{ov[key] / base:.2f}x"])
    lines += _table(["process", "wall (s)", "ratio to import brainpy"], rows)
    return lines


def _report_cable(cable: dict) -> list[str]:
    lines = ["", "## The HH cable against NEURON (compartment-steps per second; higher is better)", ""]
    if "error" in cable:
        return [*lines, _fmt(cable)]
    lines += [f"One cable of {cable['n']} compartments for {cable['steps']} steps of 0.01 ms (Crank-Nicolson "
              f"both); a batch of {cable['batch']} such cables for hh_brainpy (`jax.vmap`), of "
              f"{cable['neuron_batch_size']} sections in one model for NEURON.", ""]
    rows = [["one cable", _fmt(cable["hh_brainpy_single"]), _fmt(cable.get("neuron_single", "not installed"))],
            ["a batch", _fmt(cable["hh_brainpy_batch"]), _fmt(cable.get("neuron_batch", "not installed"))]]
    lines += _table(["case", "hh_brainpy", "NEURON"], rows)
    if "neuron_single" in cable:
        lines += ["", f"Ratios: one cable {cable['hh_brainpy_single'] / cable['neuron_single']:.2f}x NEURON's "
                  f"throughput (goal: its time at most 2x, i.e. >= 0.5x); batch "
                  f"{cable['hh_brainpy_batch'] / cable['neuron_batch']:.2f}x (goal >= 5x)."]
    return lines


def _report_clamp(clamp: dict) -> list[str]:
    lines = ["", "## Voltage clamp against simulate (seconds per call, same steps and N, every sample kept)", "",
             f"N = {clamp.get('n', '?')} step levels / neurons, {clamp.get('steps', '?')} steps of 0.01 ms; "
             "`simulate` runs rk4.", ""]
    if "error" in clamp:
        return [*lines, _fmt(clamp)]
    rows = [[label, _fmt(clamp[label]["first"]), _fmt(clamp[label]["again"])]
            for label in ("voltage_clamp", "simulate")]
    return [*lines, *_table(["call", "first (s)", "again (s)"], rows), "",
            f"Ratio voltage_clamp / simulate (again): {clamp['ratio']:.2f}x (goal: at most 1x)."]


def _save(fig: Any, ax: Any, xlabel: str, ylabel: str, path: Path) -> str:
    """Label, save (120 dpi) and close a figure; return its file name."""
    import matplotlib.pyplot as plt

    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path.name


def plots(results: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, ax = plt.subplots(figsize=(6, 4))
    tp = results["throughput"]
    for tool in ("hh_brainpy", "bp.dyn.HH"):
        for method in ("rk4", "exp_auto"):
            pts = [(int(n), per[method][tool]["again"]) for n, per in tp["jax"].items()
                   if "error" not in per and method in per]
            if pts:
                style = "-" if tool == "hh_brainpy" else "--"
                ax.loglog(*zip(*pts, strict=True), marker="o", ls=style, label=f"{tool} {method}")
    for label, per in tp["brian2"].items():
        pts = [(int(n), r["run"]) for n, r in per.items() if "error" not in r]
        if pts:
            ax.loglog(*zip(*pts, strict=True), marker="s", ls=":", label=f"Brian2 {label} rk4")
    pts = [(int(n), r["run"]) for n, r in tp["neuron"].items() if "error" not in r]
    if pts:
        ax.loglog(*zip(*pts, strict=True), marker="^", ls=":", label="NEURON hh (CN)")
    written.append(_save(fig, ax, "neurons N", "neuron-steps per second", out / "throughput.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    for tool, per in results["accuracy"].items():
        if "error" in per:
            continue
        for method, row in per.items():
            pts = [(float(dt), e) for dt, e in row.items() if isinstance(e, float) and e > 0]
            if pts:
                ax.loglog(*zip(*pts, strict=True), marker="o", label=f"{tool}: {method}")
    ax.axhline(ACCURATE, color="k", lw=0.8, ls="--")
    written.append(_save(fig, ax, "dt (ms)", "largest spike-time error (ms)", out / "accuracy.png"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check that the suite runs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    peers = {"brian2": _have("brian2"), "neuron": _have("neuron")}
    start = time.perf_counter()
    results: dict[str, Any] = {"machine": _machine(), "date": datetime.date.today().isoformat(), "peers": peers,
                               "smoke": args.smoke}
    for key, fn in (("steps", lambda: section_steps(args.smoke)),
                    ("throughput", lambda: section_throughput(args.smoke, peers)),
                    ("accuracy", lambda: section_accuracy(args.smoke, peers))):
        print(f"[benchmarks] {key} ...", flush=True)
        results[key] = fn()
    print("[benchmarks] accurate throughput ...", flush=True)
    results["accurate"] = section_accurate_throughput(args.smoke, results["accuracy"], peers)
    print("[benchmarks] cobahh ...", flush=True)
    results["cobahh"] = section_cobahh(args.smoke, peers)
    print("[benchmarks] voltage clamp ...", flush=True)
    results["clamp"] = _run({"name": "clamp_vs_simulate", "n": 10 if args.smoke else 100,
                             "steps": 1000 if args.smoke else 10000})
    print("[benchmarks] cable ...", flush=True)
    results["cable"] = _run({"name": "cable_vs_neuron", "n": 100 if args.smoke else 1000,
                             "duration": 2.0 if args.smoke else 20.0, "batch": 10 if args.smoke else 1000,
                             "neuron_batch": 2 if args.smoke else 100})
    print("[benchmarks] the swap ...", flush=True)
    results["swap"] = section_swap(args.smoke)
    print("[benchmarks] overhead ...", flush=True)
    results["overhead"] = section_overhead(args.smoke, args.out)
    results["wall_s"] = time.perf_counter() - start
    command = "python -m benchmarks" + (" --smoke" if args.smoke else "")
    name = "smoke" if args.smoke else "benchmarks"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=1))
    (args.out / f"{name}.md").write_text(report(results, command))
    if not args.smoke:
        plots(results, args.out)
    print(f"[benchmarks] wrote {args.out / (name + '.md')} in {results['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
