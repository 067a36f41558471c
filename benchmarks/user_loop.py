"""``python -m benchmarks.user_loop [N ...]``: hb.HH against bp.dyn.HH in a BrainPy user's own loop.

The loop a network user writes: ``bm.for_loop`` over ``neu.update(10.0)`` (``t`` shared each step),
compiled once with ``bm.jit``; dt = 0.1 ms, 1000 steps (100 ms), float32, nothing recorded.  Each
time is the best of three compiled runs; the three models run side by side in one process, so
only their ratios mean anything (measure on a quiet machine).  Unit: seconds per 100 ms of
network time for N neurons.  Default sizes 1e3, 1e4, 1e5.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

STEPS, DT, IEXT, REPEATS = 1000, 0.1, 10.0, 3


def best_time(make: Callable[[int], Any], size: int) -> float:
    """Best wall time (s) of the compiled 1000-step loop over ``make(size)``."""
    import brainpy as bp
    import brainpy.math as bm
    import jax

    bm.random.seed(0)
    with bm.environment(dt=DT):
        neu = make(size)

        def step(i: Any) -> None:
            bp.share.save(t=i * DT, i=i)
            neu.update(IEXT)

        run = bm.jit(lambda: bm.for_loop(step, bm.arange(STEPS), progress_bar=False))
        run()
        jax.block_until_ready(neu.V.value)
        best = float("inf")
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            run()
            jax.block_until_ready(neu.V.value)
            best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    import brainpy as bp

    import hh_brainpy as hb

    sizes = [int(float(a)) for a in (sys.argv[1:] if argv is None else argv)] or [1000, 10_000, 100_000]
    print("| N | bp.dyn.HH (exp_auto) | hb.HH default | hb.HH(method='exp_auto') |\n|---|---|---|---|")
    for size in sizes:
        base = best_time(lambda n: bp.dyn.HH(n), size)
        default = best_time(lambda n: hb.HH(n), size)
        exp_auto = best_time(lambda n: hb.HH(n, method="exp_auto"), size)
        print(f"| {size:.0e} | {base:.3f} s | {default:.3f} s ({default / base:.2f}x) | "
              f"{exp_auto:.3f} s ({exp_auto / base:.2f}x) |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
