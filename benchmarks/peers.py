"""The same Hodgkin-Huxley neuron (and COBAHH network) in Brian2 and NEURON.

Each function builds the model from the equations in the README (BrainPy's
parameter set: gL = 0.03 mS/cm^2, EL = -54.387 mV), runs it and returns plain
NumPy data or a wall time; :mod:`benchmarks.workloads` calls them in a fresh
process each.  Neither simulator is a dependency of hh_brainpy: install them
with ``pip install -e ".[bench]"``.  Brian2 2.9 needs numpy < 2.3 (it calls
``ndarray.ptp``), which that extra pins.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import numpy as np

# -- Brian2 -----------------------------------------------------------------------------
# Units per cm^2 of membrane; exprel handles the 0/0 points at -40 and -55 mV.
_BRIAN2_HH = """
dv/dt = (I - gNa*m**3*h*(v - ENa) - gK*n**4*(v - EK) - gL*(v - EL)) / Cm : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I : amp/meter**2
"""

BRIAN2_METHODS = {"rk4": "rk4", "rk2": "rk2", "euler": "euler", "exp_euler": "exponential_euler"}


def _brian2_setup(mode: str, threads: int, build_dir: str) -> Any:
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "numpy" if mode == "numpy" else "cython"
    if mode == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads
    return b2


def _brian2_group(b2: Any, n: int, method: str, dt: float, Iext: float) -> Any:
    namespace = {
        "gNa": 120 * b2.msiemens / b2.cm**2, "ENa": 50 * b2.mV, "gK": 36 * b2.msiemens / b2.cm**2,
        "EK": -77 * b2.mV, "gL": 0.03 * b2.msiemens / b2.cm**2, "EL": -54.387 * b2.mV,
        "Cm": 1 * b2.ufarad / b2.cm**2,
    }
    b2.defaultclock.dt = dt * b2.ms
    group = b2.NeuronGroup(n, _BRIAN2_HH, method=BRIAN2_METHODS[method], namespace=namespace,
                           threshold="v > 20*mV", refractory="v > 20*mV")
    v0 = -65.0
    am, bm = 1.0 / np.expm1(-(v0 + 40) / 10) * (-(v0 + 40) / 10), 4 * np.exp(-(v0 + 65) / 18)
    ah, bh = 0.07 * np.exp(-(v0 + 65) / 20), 1 / (1 + np.exp(-(v0 + 35) / 10))
    an, bn = 0.1 / np.expm1(-(v0 + 55) / 10) * (-(v0 + 55) / 10), 0.125 * np.exp(-(v0 + 65) / 80)
    group.v = v0 * b2.mV
    group.m, group.h, group.n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    group.I = Iext * b2.uA / b2.cm**2
    return group


def brian2_trace(method: str, dt: float, duration: float, Iext: float = 10.0) -> dict[str, np.ndarray]:
    """One neuron from rest; V, m, h, n at every step (runtime mode, cython)."""
    with tempfile.TemporaryDirectory() as tmp:
        b2 = _brian2_setup("cython", 1, tmp)
        group = _brian2_group(b2, 1, method, dt, Iext)
        mon = b2.StateMonitor(group, ["v", "m", "h", "n"], record=0)
        b2.run(duration * b2.ms)
        # StateMonitor samples at the start of each step: t = 0, dt, ...
        out = {"V": np.asarray(mon.v[0] / b2.mV), "m": np.asarray(mon.m[0]), "h": np.asarray(mon.h[0]),
               "n": np.asarray(mon.n[0])}
    # append the final state, so the trace covers [0, duration]
    out = {key: np.append(value, np.asarray(getattr(group, "v" if key == "V" else key))[0]
                          / (b2.mV if key == "V" else 1)) for key, value in out.items()}
    return {key: np.asarray(value, dtype=float) for key, value in out.items()}


def _brian2_timed_run(b2: Any, net: Any, spikes: Any, mode: str, duration: float, dt: float, tmp: str,
                      warmup_steps: int) -> tuple[float, float, int]:
    """Run ``net`` for ``duration`` ms; return (loop seconds, seconds with code generation, spikes).

    cpp_standalone: build, compile and run the binary; the loop time is what it
    reports.  Runtime targets: a first run of ``warmup_steps`` steps generates
    and compiles the code, then the timed run follows.
    """
    t0 = time.perf_counter()
    if mode == "cpp_standalone":
        net.run(duration * b2.ms)
        b2.device.build(directory=tmp, compile=True, run=True, debug=False)
        total = time.perf_counter() - t0
        loop = float(b2.device._last_run_time)
        count = int(spikes.num_spikes)
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
        return loop, total, count
    net.run(warmup_steps * dt * b2.ms)
    before = int(spikes.num_spikes)
    t1 = time.perf_counter()
    net.run(duration * b2.ms)
    loop = time.perf_counter() - t1
    return loop, time.perf_counter() - t0, int(spikes.num_spikes) - before


def brian2_throughput(mode: str, threads: int, method: str, n: int, duration: float, dt: float = 0.01) -> dict:
    """Wall time of ``duration`` ms of ``n`` uncoupled neurons (Iext spread over 0-20 uA/cm^2).

    ``run_s`` excludes code generation and compilation: for runtime mode it is
    a second run after a short first one; for cpp_standalone it is the time
    the compiled binary reports for its main loop.
    """
    with tempfile.TemporaryDirectory() as tmp:
        b2 = _brian2_setup(mode, threads, tmp)
        group = _brian2_group(b2, n, method, dt, 10.0)
        group.I = np.linspace(0, 20, n) * b2.uA / b2.cm**2
        spikes = b2.SpikeMonitor(group, record=False)
        net = b2.Network(group, spikes)
        run_s, total, count = _brian2_timed_run(b2, net, spikes, mode, duration, dt, tmp, warmup_steps=10)
    return {"run_s": run_s, "total_s": total, "spikes": count}


_BRIAN2_COBAHH = """
dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) - g_na*m**3*h*(v - ENa) - g_kd*n**4*(v - EK))/Cm : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dge/dt = -ge/taue : siemens
dgi/dt = -gi/taui : siemens
alpha_m = 1.28/exprel((13*mV - v + VT)/(4*mV))/ms : Hz
beta_m = 1.4/exprel((v - VT - 40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz
alpha_n = 0.16/exprel((15*mV - v + VT)/(5*mV))/ms : Hz
beta_n = 0.5*exp((10*mV - v + VT)/(40*mV))/ms : Hz
"""


def brian2_cobahh(mode: str, threads: int, num: int = 4000, duration: float = 1000.0, dt: float = 0.1) -> dict:
    """The COBAHH benchmark (Brette et al. 2007) in Brian2, with the constants of ``hb.models.COBAHH``.

    Exponential Euler at ``dt``; spikes are crossings of -20 mV (3 ms refractory
    period for the detection only, as in Brian2's example).  ``wall_s`` excludes
    code generation and compilation, ``total_s`` includes them.
    """
    with tempfile.TemporaryDirectory() as tmp:
        b2 = _brian2_setup(mode, threads, tmp)
        area = 20000 * b2.umetre**2
        ns = {
            "Cm": 1 * b2.ufarad * b2.cm**-2 * area, "gl": 5e-5 * b2.siemens * b2.cm**-2 * area,
            "El": -60 * b2.mV, "EK": -90 * b2.mV, "ENa": 50 * b2.mV,
            "g_na": 100 * b2.msiemens * b2.cm**-2 * area, "g_kd": 30 * b2.msiemens * b2.cm**-2 * area,
            "VT": -63 * b2.mV, "taue": 5 * b2.ms, "taui": 10 * b2.ms, "Ee": 0 * b2.mV, "Ei": -80 * b2.mV,
            "we": 6 * b2.nS, "wi": 67 * b2.nS,
        }
        b2.defaultclock.dt = dt * b2.ms
        b2.seed(0)
        P = b2.NeuronGroup(num, _BRIAN2_COBAHH, threshold="v > -20*mV", refractory=3 * b2.ms,
                           method="exponential_euler", namespace=ns)
        num_e = int(round(num * 0.8))
        Pe, Pi = P[:num_e], P[num_e:]
        p = 0.02 * 4000 / num
        Ce = b2.Synapses(Pe, P, on_pre="ge += we", namespace=ns)
        Ci = b2.Synapses(Pi, P, on_pre="gi += wi", namespace=ns)
        Ce.connect(p=p)
        Ci.connect(p=p)
        P.v = "El + (randn()*5 - 5)*mV"
        P.ge = "(randn()*1.5 + 4)*10*nS"
        P.gi = "(randn()*12 + 20)*10*nS"
        spikes = b2.SpikeMonitor(P, record=False)
        net = b2.Network(P, Ce, Ci, spikes)
        wall, total, count = _brian2_timed_run(b2, net, spikes, mode, duration, dt, tmp, warmup_steps=1)
    return {"wall_s": wall, "total_s": total, "rate_hz": count / num / (duration / 1000.0)}


# -- NEURON -------------------------------------------------------------------------------
_AREA_UM2 = 1e4  # one compartment of 10^4 um^2: 1 uA/cm^2 is 1e-4 nA


def _neuron_cells(n: int, Iext: np.ndarray, celsius: float = 6.3) -> tuple[Any, list]:
    from neuron import h

    h.load_file("stdrun.hoc")
    h.celsius = celsius
    h.usetable_hh = 0
    keep = []
    diam = float(np.sqrt(_AREA_UM2 / np.pi))
    for i in range(n):
        sec = h.Section(name=f"soma{i}")
        sec.L = sec.diam = diam
        sec.cm = 1.0
        sec.insert("hh")
        seg = sec(0.5)
        seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl, seg.hh.el = 0.12, 0.036, 0.00003, -54.387
        sec.ena, sec.ek = 50.0, -77.0
        stim = h.IClamp(seg)
        stim.delay, stim.dur, stim.amp = 0.0, 1e9, float(Iext[i]) * _AREA_UM2 * 1e-5
        keep.append((sec, stim))
    return h, keep


def neuron_trace(dt: float, duration: float, Iext: float = 10.0, secondorder: int = 2) -> dict[str, np.ndarray]:
    """One NEURON ``hh`` compartment from rest, fixed step (Crank-Nicolson by default); V, m, h, n."""
    h, keep = _neuron_cells(1, np.array([Iext]))
    seg = keep[0][0](0.5)
    h.secondorder = secondorder
    h.dt = dt
    h.steps_per_ms = 1.0 / dt
    rec = {key: h.Vector().record(ref) for key, ref in
           (("V", seg._ref_v), ("m", seg.hh._ref_m), ("h", seg.hh._ref_h), ("n", seg.hh._ref_n))}
    h.finitialize(-65.0)
    h.continuerun(duration)
    return {key: np.asarray(vec, dtype=float) for key, vec in rec.items()}


def neuron_throughput(n: int, duration: float, dt: float = 0.01, secondorder: int = 2) -> dict:
    """Wall time of ``duration`` ms of ``n`` NEURON ``hh`` compartments, fixed step, one thread."""
    h, keep = _neuron_cells(n, np.linspace(0, 20, n))
    h.secondorder = secondorder
    h.dt = dt
    h.steps_per_ms = 1.0 / dt
    h.finitialize(-65.0)
    t0 = time.perf_counter()
    h.continuerun(duration)
    return {"run_s": time.perf_counter() - t0, "total_s": time.perf_counter() - t0, "spikes": None}


def thread_env(threads: int) -> dict[str, str]:
    """Environment for a child process limited to ``threads`` OpenMP threads."""
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    return env
