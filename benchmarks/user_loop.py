"""``python -m benchmarks.user_loop [N ...]``: hb.HH against bp.dyn.HH where a BrainPy user meets them.

Two loops a network user writes, at BrainPy's dt = 0.1 ms, 100 ms, float32, Iext = 10 uA/cm^2,
nothing recorded: ``bm.for_loop`` over ``neu.update(10.0)`` (``t`` shared each step, compiled once
with ``bm.jit``), and ``bp.DSRunner`` over a group that feeds the neuron its current.  Each time is
the best of three compiled runs; the models run side by side in one process, so only their ratios
mean anything (measure on a quiet machine).  Unit: seconds per 100 ms of network time for N
neurons.  Default sizes 1e3, 1e4, 1e5.

Beside them, ``floor``: four evaluations of ``hb.HH``'s right-hand side a step (each into buffers
of its own, as the default method computes them) and nothing else.  A fourth-order one-step scheme
evaluates the model at least four times a step, so this is the least the default can cost here.

:func:`spike_error` gives the other half of the trade: the largest spike-time error over 100 ms
against the scipy reference at dt = 0.1 ms, for ``bp.dyn.HH`` and the two ``hb.HH`` methods.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.workloads import _Drive

STEPS, DT, IEXT, REPEATS = 1000, 0.1, 10.0, 3


def _best(run: Callable[[], Any], value: Callable[[], Any]) -> float:
    import jax

    run()
    jax.block_until_ready(value())
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        run()
        jax.block_until_ready(value())
        best = min(best, time.perf_counter() - t0)
    return best


def best_time(make: Callable[[int], Any], size: int, steps: int = STEPS) -> float:
    """Best wall time (s) of the user's compiled ``steps``-step loop over ``make(size)``."""
    import brainpy as bp
    import brainpy.math as bm

    bm.random.seed(0)
    with bm.environment(dt=DT):
        neu = make(size)

        def step(i: Any) -> None:
            bp.share.save(t=i * DT, i=i)
            neu.update(IEXT)

        run = bm.jit(lambda: bm.for_loop(step, bm.arange(steps), progress_bar=False))
        return _best(run, lambda: neu.V.value)


def best_time_runner(make: Callable[[int], Any], size: int, steps: int = STEPS) -> float:
    """Best wall time (s) of ``bp.DSRunner.run`` over ``steps`` steps of ``make(size)`` (compiled once)."""
    import brainpy as bp
    import brainpy.math as bm

    bm.random.seed(0)
    neu = make(size)
    runner = bp.DSRunner(_Drive(neu, IEXT), dt=DT, progress_bar=False)
    return _best(lambda: runner.run(steps * DT), lambda: neu.V.value)


def floor_time(size: int, steps: int = STEPS) -> float:
    """Best wall time (s) of four evaluations of ``hb.HH``'s right-hand side a step, and nothing else."""
    import jax
    import jax.numpy as jnp

    import hh_brainpy as hb
    from hh_brainpy.kinetics import computed_once

    neu = hb.HH(size, V_init=-65.0)
    y0 = tuple(jnp.asarray(v.value) for v in (neu.V, neu.m, neu.h, neu.n))

    @jax.jit
    def loop(y: Any) -> Any:
        def step(i: Any, ys: Any) -> Any:
            t = i * DT
            for _ in range(4):
                fs = computed_once(lambda zs: tuple(neu.derivative_with_inputs(*zs, t, IEXT)), ys, t)
                ys = tuple(v + 1e-3 * f for v, f in zip(ys, fs, strict=True))
            return ys
        return jax.lax.fori_loop(0, steps, step, y)

    out: list[Any] = [y0]

    def run() -> None:
        out[0] = loop(y0)

    return _best(run, lambda: out[0])


def spike_error(model: str, dt: float = DT) -> float | None:
    """Largest spike-time error (ms) over 100 ms at ``dt``, float32: ``'bp.dyn.HH'``, ``'hb.HH'`` or ``'exp_auto'``.

    One neuron from -65 mV with steady gates at Iext = 10, monitored at every step; crossings of
    0 mV on the cubic Hermite interpolant of the monitored state (``benchmarks.workloads``).
    None when the spike count differs from the reference's.
    """
    import brainpy as bp
    import numpy as np

    import hh_brainpy as hb
    from benchmarks.workloads import REFERENCE_PROTOCOL, _error, crossing_times, reference_spike_times
    from hh_brainpy import kinetics as k

    if model == "bp.dyn.HH":
        neu = bp.dyn.HH(1, V_initializer=bp.init.Constant(-65.0), m_initializer=bp.init.Constant(float(k.m_inf(-65.0))),
                        h_initializer=bp.init.Constant(float(k.h_inf(-65.0))),
                        n_initializer=bp.init.Constant(float(k.n_inf(-65.0))))
    else:
        neu = hb.HH(1, V_init=-65.0, **({} if model == "hb.HH" else {"method": model}))
    runner = bp.DSRunner(_Drive(neu, IEXT), monitors={key: getattr(neu, key) for key in ("V", "m", "h", "n")}, dt=dt,
                         progress_bar=False)
    runner.run(REFERENCE_PROTOCOL["duration"])
    start = (-65.0, float(k.m_inf(-65.0)), float(k.h_inf(-65.0)), float(k.n_inf(-65.0)))
    ts = np.concatenate([[0.0], np.asarray(runner.mon.ts) + dt])
    states = [np.concatenate([[x0], np.asarray(runner.mon[key])[:, 0]]) for x0, key in zip(start, "Vmhn", strict=True)]
    return _error(crossing_times(ts, *states), reference_spike_times())


def main(argv: list[str] | None = None) -> int:
    import brainpy as bp

    import hh_brainpy as hb

    sizes = [int(float(a)) for a in (sys.argv[1:] if argv is None else argv)] or [1000, 10_000, 100_000]
    print("| N | loop | bp.dyn.HH (exp_auto) | hb.HH default | hb.HH(method='exp_auto') | floor |\n"
          "|---|---|---|---|---|---|")
    for size in sizes:
        for loop, timer in (("for_loop", best_time), ("DSRunner", best_time_runner)):
            base = timer(lambda n: bp.dyn.HH(n), size)
            default = timer(lambda n: hb.HH(n), size)
            exp_auto = timer(lambda n: hb.HH(n, method="exp_auto"), size)
            floor = floor_time(size)
            print(f"| {size:.0e} | {loop} | {base:.3f} s | {default:.3f} s ({default / base:.2f}x) | "
                  f"{exp_auto:.3f} s ({exp_auto / base:.2f}x) | {floor:.3f} s ({floor / base:.2f}x) |", flush=True)
    print("\nspike-time error (ms), dt = 0.1 ms, 100 ms:",
          {m: spike_error(m) for m in ("bp.dyn.HH", "hb.HH", "exp_auto")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
