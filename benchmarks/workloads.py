"""One measurement per call, run in a fresh process: ``python -m benchmarks.workloads '<json>'``.

The JSON names a function of this module and its keyword arguments; the
result is printed as one JSON line.  A fresh process per measurement keeps
JAX's compile caches, XLA flags and OpenMP settings of one tool from leaking
into another's figure.  Times are wall-clock seconds (``time.perf_counter``)
with the result on the host (``block_until_ready``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_PROTOCOL = {"duration": 100.0, "Iext": 10.0}


# -- accuracy --------------------------------------------------------------------------------
def reference_spike_times() -> list[float]:
    """0 mV crossings of the independent scipy reference (LSODA, rtol = atol = 1e-10), 100 ms from rest.

    Read from ``benchmarks/data/reference_spikes.json`` (its README says where the numbers come from;
    a test re-solves the reference and compares).
    """
    data = json.loads((ROOT / "benchmarks" / "data" / "reference_spikes.json").read_text())
    assert data["protocol"]["duration_ms"] == REFERENCE_PROTOCOL["duration"]
    assert data["protocol"]["Iext_uA_cm2"] == REFERENCE_PROTOCOL["Iext"]
    return list(data["spike_times_ms"])


def crossing_times(ts: np.ndarray, V: np.ndarray, m: np.ndarray, h: np.ndarray, n: np.ndarray) -> np.ndarray:
    """0 mV upward crossings on the cubic Hermite interpolant of V and dV/dt (dV/dt from the state).

    The same routine for every tool, so that the figure measures the integrator,
    not the interpolation (error O(dt^4), below 1e-6 ms at dt = 0.1 ms).
    """
    from hh_brainpy import analysis
    from hh_brainpy import kinetics as k
    from hh_brainpy.params import DEFAULT_PARAMS as P

    V, m, h, n = (np.asarray(x, dtype=float) for x in (V, m, h, n))
    dVdt = np.asarray(k.dVdt(V, m, h, n, REFERENCE_PROTOCOL["Iext"], P.gNa, P.ENa, P.gK, P.EK, P.gL, P.EL, P.C))
    return np.asarray(analysis.spike_times(ts, V, 0.0, dVdt))


def _error(times: np.ndarray, reference: list[float]) -> float | None:
    """Largest |t - t_ref| in ms, or None when the spike counts differ."""
    times = np.asarray(times)
    if times.size != len(reference) or not np.all(np.isfinite(times)):
        return None
    return float(np.max(np.abs(times - np.asarray(reference))))


def hh_brainpy_spike_errors(methods: list[str], dts: list[float], x64: bool = False) -> dict:
    """Largest spike-time error of ``hb.integrate`` for each method and dt (float32 unless x64)."""
    import brainpy.math as bm

    if x64:
        bm.enable_x64()
    import hh_brainpy as hb
    from hh_brainpy import kinetics as k

    reference = reference_spike_times()
    out: dict[str, dict[str, Any]] = {}
    y0 = (-65.0, float(k.m_inf(-65.0)), float(k.h_inf(-65.0)), float(k.n_inf(-65.0)))
    for method in methods:
        out[method] = {}
        for dt in dts:
            try:
                hb.checks.check_dt_for_method(dt, method)
            except ValueError:
                out[method][str(dt)] = "refused"
                continue
            ts, V, m, h, n = hb.integrate(y0, REFERENCE_PROTOCOL["duration"], dt=dt, method=method,
                                          Iext=REFERENCE_PROTOCOL["Iext"])
            out[method][str(dt)] = _error(crossing_times(ts, V, m, h, n), reference)
    return out


def brian2_spike_errors(methods: list[str], dts: list[float]) -> dict:
    """Largest spike-time error of Brian2 (runtime, cython) for each method and dt."""
    from benchmarks import peers

    reference = reference_spike_times()
    out: dict[str, dict[str, Any]] = {}
    for method in methods:
        out[method] = {}
        for dt in dts:
            try:
                tr = peers.brian2_trace(method, dt, REFERENCE_PROTOCOL["duration"], REFERENCE_PROTOCOL["Iext"])
            except Exception as exc:  # Brian2 stops a run whose state turns invalid
                out[method][str(dt)] = f"diverged ({type(exc).__name__})"
                continue
            if not np.all(np.isfinite(tr["V"])):
                out[method][str(dt)] = "diverged (NaN)"
                continue
            ts = np.arange(tr["V"].size) * dt
            out[method][str(dt)] = _error(crossing_times(ts, tr["V"], tr["m"], tr["h"], tr["n"]), reference)
    return out


def neuron_spike_errors(dts: list[float]) -> dict:
    """Largest spike-time error of NEURON's ``hh``, fixed step: backward Euler and Crank-Nicolson."""
    from benchmarks import peers

    reference = reference_spike_times()
    out: dict[str, dict[str, Any]] = {}
    for name, order in (("backward Euler", 0), ("Crank-Nicolson", 2)):
        out[name] = {}
        for dt in dts:
            tr = peers.neuron_trace(dt, REFERENCE_PROTOCOL["duration"], REFERENCE_PROTOCOL["Iext"], order)
            if not np.all(np.isfinite(tr["V"])):
                out[name][str(dt)] = "diverged (NaN)"
                continue
            ts = np.arange(tr["V"].size) * dt
            out[name][str(dt)] = _error(crossing_times(ts, tr["V"], tr["m"], tr["h"], tr["n"]), reference)
    return out


# -- cost of a step ------------------------------------------------------------------------
def step_cost(repeats: int = 2000) -> dict:
    """Microseconds per step: an eager odeint loop, ``hb.integral`` from Python, compiled ``integrate``."""
    import brainpy as bp
    import brainpy.math as bm
    import jax

    import hh_brainpy as hb

    # The original document's integrator: a bp.odeint function of its own, called eagerly.
    def dV(V, t, m, h, n, Iext, gNa, ENa, gK, EK, gL, EL, C):
        return (-gNa * m**3 * h * (V - ENa) - gK * n**4 * (V - EK) - gL * (V - EL) + Iext) / C

    def dm(m, t, V):
        return 0.1 * (V + 40) / (1 - bm.exp(-(V + 40) / 10)) * (1 - m) - 4.0 * bm.exp(-(V + 65) / 18) * m

    def dh(h, t, V):
        return 0.07 * bm.exp(-(V + 65) / 20.0) * (1 - h) - 1 / (1 + bm.exp(-(V + 35) / 10)) * h

    def dn(n, t, V):
        return 0.01 * (V + 55) / (1 - bm.exp(-(V + 55) / 10)) * (1 - n) - 0.125 * bm.exp(-(V + 65) / 80) * n

    eager = bp.odeint(bp.JointEq(dV, dm, dh, dn), method="rk4", dt=0.01)
    args = (10.0, 120.0, 50.0, 36.0, -77.0, 0.03, -54.387, 1.0)

    def loop(step: Any, count: int) -> float:
        V, m, h, n = -65.0, 0.05, 0.6, 0.32
        for i in range(3):  # warm-up (compiles the jitted step)
            V, m, h, n = step(V, m, h, n, i * 0.01, *args)
        jax.block_until_ready(V)
        t0 = time.perf_counter()
        for i in range(count):
            V, m, h, n = step(V, m, h, n, i * 0.01, *args)
        jax.block_until_ready(V)
        return (time.perf_counter() - t0) / count * 1e6

    eager_us = loop(eager, max(20, repeats // 20))
    integral_us = loop(hb.integral, repeats)
    y0 = (-65.0, 0.05, 0.6, 0.32)
    hb.integrate(y0, 100.0)  # compile
    t0 = time.perf_counter()
    hb.integrate(y0, 100.0)
    integrate_us = (time.perf_counter() - t0) / 10000 * 1e6
    return {"eager odeint loop": eager_us, "hb.integral from Python": integral_us,
            "hb.integrate (compiled, 100 ms)": integrate_us}


# -- throughput ------------------------------------------------------------------------------
class _Drive:
    """A network holding one neuron group and feeding it a constant current via ``update(x)``."""

    def __new__(cls, neu: Any, current: Any) -> Any:
        import brainpy as bp

        class Drive(bp.DynSysGroup):
            def __init__(self) -> None:
                super().__init__()
                self.neu = neu

            def update(self) -> Any:
                return self.neu(current)

        return Drive()


def _two_runs(run: Any, duration: float, group: Any, neuron_steps: int) -> dict[str, float]:
    """Neuron-steps per second of a first ``run(duration)`` (with compilation) and of a second one."""
    rates = []
    for _ in range(2):
        t0 = time.perf_counter()
        run(duration)
        group.V.value.block_until_ready()
        rates.append(neuron_steps / (time.perf_counter() - t0))
    return {"first": rates[0], "again": rates[1]}


def throughput_jax(n: int, steps: int, methods: list[str], dt: float = 0.01) -> dict:
    """Neuron-steps per second of ``hb.HH`` under ``hb.HHRunner`` and of ``bp.dyn.HH`` under ``bp.DSRunner``.

    Both float32, both at the same method and dt, both fed Iext = 10 and
    recording nothing (spikes are computed, as in any run).  ``first`` includes
    tracing and compilation; ``again`` is a second run of the same length on
    the same runner, which is what a user pays per call after the first.
    """
    import brainpy as bp
    import brainpy.math as bm

    import hh_brainpy as hb

    bm.set_dt(dt)
    out: dict[str, Any] = {}
    for method in methods:
        row: dict[str, Any] = {}
        hh = hb.HH(n, method=method, V_init=-65.0)
        runner = hb.HHRunner(hh, Iext=10.0, dt=dt, monitors=())
        row["hh_brainpy"] = _two_runs(runner.run, steps * dt, hh, n * steps)
        theirs = bp.dyn.HH(n, method=method, V_initializer=bp.init.Constant(-65.0))
        ds = bp.DSRunner(_Drive(theirs, 10.0), dt=dt, progress_bar=False)
        row["bp.dyn.HH"] = _two_runs(ds.run, steps * dt, theirs, n * steps)
        out[method] = row
    return out


def throughput_sweep(n: int, steps: int, method: str = "rk4", dt: float = 0.01) -> dict:
    """Neuron-steps per second of ``hb.sweep`` over ``n`` currents, sharded over all JAX devices."""
    import jax

    import hh_brainpy as hb

    grid = {"Iext": np.linspace(0.0, 20.0, n)}
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        result = hb.sweep(grid, steps * dt, dt=dt, method=method)
        times.append(time.perf_counter() - t0)
    return {"devices": len(jax.devices()), "first": n * steps / times[0], "again": n * steps / times[1],
            "spikes": int(result.spike_count.sum())}


def ceiling_c(n: int, steps: int, dt: float) -> dict:
    """Neuron-steps per second of the same rk4 step written by hand in C, on every core.

    ``benchmarks/ceiling/hh_rk4.c``, built with the system's C compiler
    (``-O3 -march=native -ffast-math -fopenmp``; on x86 the vector width JAX is
    given in section d) and run on the sweep benchmark's grid.  Its spike total
    is reported so that the figure can be checked to be the same computation.
    """
    import os
    import platform
    import shutil
    import subprocess
    import tempfile

    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return {"error": "no C compiler on PATH"}
    flags = ["-O3", "-march=native", "-ffast-math", "-fopenmp"]
    if platform.machine() in ("x86_64", "AMD64"):
        wide = "avx512f" in Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else False
        flags.append(f"-mprefer-vector-width={512 if wide else 256}")
    env = {**os.environ, "OMP_NUM_THREADS": str(os.cpu_count() or 1)}
    with tempfile.TemporaryDirectory() as folder:
        exe = str(Path(folder) / "hh_rk4")
        subprocess.run([cc, *flags, str(ROOT / "benchmarks" / "ceiling" / "hh_rk4.c"), "-o", exe, "-lm"],
                       check=True, capture_output=True)
        runs = [json.loads(subprocess.run([exe, str(n), str(steps), str(dt)], env=env, check=True,
                                          capture_output=True, text=True).stdout) for _ in range(2)]
    return {"run": n * steps / min(r["run_s"] for r in runs), "spikes": runs[-1]["spikes"],
            "threads": int(env["OMP_NUM_THREADS"]), "flags": " ".join(flags)}


def throughput_brian2(mode: str, threads: int, n: int, steps: int, method: str = "rk4", dt: float = 0.01) -> dict:
    """Neuron-steps per second of the same neurons in Brian2 (see :func:`benchmarks.peers.brian2_throughput`)."""
    from benchmarks import peers

    r = peers.brian2_throughput(mode, threads, method, n, steps * dt, dt)
    return {"run": n * steps / r["run_s"], "total": n * steps / r["total_s"]}


def throughput_neuron(n: int, steps: int, dt: float = 0.01) -> dict:
    """Neuron-steps per second of ``n`` NEURON ``hh`` compartments (Crank-Nicolson fixed step)."""
    from benchmarks import peers

    r = peers.neuron_throughput(n, steps * dt, dt)
    return {"run": n * steps / r["run_s"]}


# -- COBAHH ------------------------------------------------------------------------------------
def simulate_calls(duration: float = 100.0) -> dict:
    """ms per ``hb.simulate(duration)`` call: the first, then with new parameters, current and start, then a new kind
    of stimulus (a step, which compiles its own loop)."""
    import hh_brainpy as hb

    def timed(**kwargs: Any) -> float:
        t0 = time.perf_counter()
        hb.simulate(duration, **kwargs)
        return (time.perf_counter() - t0) * 1000.0

    first = timed()
    again = [timed(gK=30.0 + i, Iext=9.0 + i, V_init=-65.0 + i) for i in range(5)]
    step = timed(Iext=hb.stimulus.step(10.0, 10.0, 60.0))
    return {"first_ms": first, "again_ms": float(np.median(again)), "new_stimulus_kind_ms": step}


def _run_network(net: Any, num: int, duration: float, dt: float) -> dict:
    """Wall time of ``bp.DSRunner.run`` of a network with groups ``E`` and ``I``, and the mean rate.

    ``DSRunner.run`` traces and compiles its loop on every call, so the loop's own time is estimated
    as the run of ``duration`` less a run of one step (which compiles the same step): ``wall_s``;
    ``total_s`` is the whole first call.
    """
    import brainpy as bp

    runner = bp.DSRunner(net, monitors={"E": net.E.spike, "I": net.I.spike}, dt=dt, progress_bar=False)
    t0 = time.perf_counter()
    runner.run(duration)
    total = time.perf_counter() - t0
    spikes = int(np.asarray(runner.mon["E"]).sum() + np.asarray(runner.mon["I"]).sum())
    t0 = time.perf_counter()
    runner.run(dt)
    one_step = time.perf_counter() - t0
    return {"wall_s": total - one_step, "total_s": total, "rate_hz": spikes / num / (duration / 1000.0)}


def cobahh_hh_brainpy(num: int = 4000, duration: float = 1000.0, dt: float = 0.1) -> dict:
    """The COBAHH network from ``hb.models.COBAHH`` (TraubMilesHH, an HH subclass), exp_auto."""
    import brainpy.math as bm

    from hh_brainpy.models import COBAHH

    bm.set_dt(dt)
    return _run_network(COBAHH(num, p=0.02 * 4000 / num), num, duration, dt)


def cobahh_scan(num: int = 4000, duration: float = 1000.0, dt: float = 0.1) -> dict:
    """``hb.models.cobahh_scan.run_cobahh``: ``hb.models.COBAHH`` run as one compiled loop."""
    from hh_brainpy.models.cobahh_scan import run_cobahh

    t0 = time.perf_counter()
    run = run_cobahh(num, duration, dt=dt)
    total = time.perf_counter() - t0
    spikes = int(run.spike.sum())
    return {"wall_s": run.wall_s, "total_s": total, "rate_hz": spikes / num / (duration / 1000.0),
            "overflow_steps": run.overflow_steps}


def cobahh_brainpy_ltc(num: int = 4000, duration: float = 1000.0, dt: float = 0.1) -> dict:
    """BrainPy's own build: ``bp.dyn.CondNeuGroupLTC`` with INa_TM1991, IK_TM1991 and IL channels."""
    import brainevent
    import brainpy as bp
    import brainpy.math as bm

    from hh_brainpy.models import cobahh

    if cobahh.portable_event_backend() == "jax_raw":  # this benchmark process only: BrainPy's own build
        brainevent.config.set_backend("cpu", "jax_raw")
    bm.set_dt(dt)

    class TM(bp.dyn.CondNeuGroupLTC):
        def __init__(self, size: int, V0: np.ndarray) -> None:
            super().__init__(size, V_th=-20.0, V_initializer=bm.asarray(V0))
            self.INa = bp.dyn.INa_TM1991(size, g_max=100.0, V_sh=-63.0, E=50.0)
            self.IK = bp.dyn.IK_TM1991(size, g_max=30.0, V_sh=-63.0, E=-90.0)
            self.IL = bp.dyn.IL(size, E=-60.0, g_max=0.05)

    # the package's COBAHH wiring, with BrainPy's channel-based neurons in place of TraubMilesHH
    net = cobahh.COBAHH(num, p=0.02 * 4000 / num, group=TM)
    return _run_network(net, num, duration, dt)


def cobahh_brian2(mode: str, threads: int, num: int = 4000, duration: float = 1000.0, dt: float = 0.1) -> dict:
    """Brian2's COBAHH (see :func:`benchmarks.peers.brian2_cobahh`)."""
    from benchmarks import peers

    return peers.brian2_cobahh(mode, threads, num, duration, dt)


def clamp_vs_simulate(n: int, steps: int, dt: float = 0.01) -> dict:
    """Seconds of ``hb.voltage_clamp`` (n step levels) and of ``hb.simulate`` (n neurons, rk4), same steps.

    Both record V, m, h, n at every step; ``again`` is a second call (compiled code reused).
    """
    import hh_brainpy as hb

    levels = np.linspace(-60.0, 40.0, n)
    out: dict[str, Any] = {"n": n, "steps": steps}
    for label, call in (("voltage_clamp", lambda: hb.voltage_clamp(levels, duration=steps * dt, dt=dt)),
                        ("simulate", lambda: hb.simulate(steps * dt, size=n, dt=dt, monitors=("V", "m", "h", "n")))):
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        out[label] = {"first": times[0], "again": times[1]}
    out["ratio"] = out["voltage_clamp"]["again"] / out["simulate"]["again"]
    return out


def cable_vs_neuron(n: int = 1000, duration: float = 20.0, batch: int = 1000, neuron_batch: int = 100,
                    dt: float = 0.01) -> dict:
    """Compartment-steps per second of one HH cable of ``n`` compartments and of a batch of cables.

    hh_brainpy: ``cable.propagate`` (one cable, V recorded at 5 sites) and ``jax.vmap`` of
    ``cable.cable_trajectory`` over ``batch`` cables of different Ri (V at one site).  NEURON: one
    section of ``nseg = n`` with ``hh``, Crank-Nicolson (``secondorder = 1``), and ``neuron_batch``
    such sections in one model.  Each timing is a second run (compiled / set up).
    """
    import jax
    import jax.numpy as jnp

    from hh_brainpy import cable as cb

    steps = int(round(duration / dt))
    axon = cb.Cable(n=n)
    out: dict[str, Any] = {"n": n, "steps": steps, "batch": batch, "neuron_batch_size": neuron_batch}
    sites = [x * float(axon.length) for x in (0.1, 0.3, 0.5, 0.7, 0.9)]
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        cb.propagate(duration, cable=axon, dt=dt, record=sites)
        times.append(time.perf_counter() - t0)
    out["hh_brainpy_single"] = n * steps / times[1]
    params = cb.squid_axon_params()
    state = cb.initial_state(axon, params, -65.0)
    inj = (jnp.asarray([0]), jnp.asarray([20_000.0]), jnp.asarray([0.0]), jnp.asarray([0.2]))

    @jax.jit
    def many(Ri: Any) -> Any:
        def one(r: Any) -> Any:
            import dataclasses

            return cb.cable_trajectory(state, inj, dataclasses.replace(axon, Ri=r), params, dt, steps,
                                       record=jnp.asarray([n // 2]))[1]
        return jax.vmap(one)(Ri)

    Ri = jnp.linspace(30.0, 40.0, batch)
    many(Ri).block_until_ready()
    t0 = time.perf_counter()
    many(Ri).block_until_ready()
    out["hh_brainpy_batch"] = batch * n * steps / (time.perf_counter() - t0)
    try:
        from neuron import h
    except ImportError:
        return out
    h.load_file("stdrun.hoc")
    for label, count in (("neuron_single", 1), ("neuron_batch", neuron_batch)):
        sections = []
        for j in range(count):
            sec = h.Section(name=f"{label}{j}")
            sec.L, sec.diam, sec.nseg, sec.Ra, sec.cm = float(axon.length), 2 * float(axon.radius), n, 35.4, 1.0
            sec.insert("hh")
            sections.append(sec)
        h.usetable_hh, h.celsius, h.secondorder, h.dt = 0, 18.5, 1, dt
        rates = []
        for _ in range(2):
            h.finitialize(-65.0)
            t0 = time.perf_counter()
            h.continuerun(duration)
            rates.append(count * n * steps / (time.perf_counter() - t0))
        out[label] = rates[1]
        for sec in sections:
            h.delete_section(sec=sec)
    return out



# -- the swap: hb.HH where a BrainPy user meets it -------------------------------------------------
def swap(sizes: dict[str, int], default_sizes: list[int], dt: float = 0.1) -> dict:
    """Seconds per run of ``bp.dyn.HH`` and ``hb.HH`` (default; ``exp_auto``) in a user's loop and under DSRunner.

    ``sizes`` maps N to the steps run there; the default method and the floor (four right-hand-side
    evaluations a step) only at ``default_sizes``.  All in this one process (see ``benchmarks.user_loop``),
    with the spike-time errors at ``dt`` beside them.
    """
    import brainpy as bp

    import hh_brainpy as hb
    from benchmarks import user_loop as ul

    assert dt == ul.DT
    models = {"bp.dyn.HH": lambda n: bp.dyn.HH(n), "hb.HH": lambda n: hb.HH(n),
              "exp_auto": lambda n: hb.HH(n, method="exp_auto")}
    out: dict[str, Any] = {"times": {}}
    for size_text, steps in sizes.items():
        size = int(size_text)
        row: dict[str, Any] = {"steps": steps}
        for loop, timer in (("for_loop", ul.best_time), ("DSRunner", ul.best_time_runner)):
            row[loop] = {name: timer(make, size, steps) for name, make in models.items()
                         if name != "hb.HH" or size in default_sizes}
        if size in default_sizes:
            row["floor"] = ul.floor_time(size, steps)
        out["times"][size_text] = row
    out["spike_error_ms"] = {name: ul.spike_error(name) for name in models}
    return out

if __name__ == "__main__":
    job = json.loads(sys.argv[1])
    result = globals()[job.pop("name")](**job)
    print(json.dumps(result))
