"""Command line: ``hh-brainpy simulate ...`` runs one neuron and writes a figure (and a CSV)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hh_brainpy.checks import METHODS
from hh_brainpy.params import DEFAULT_DT, DEFAULT_IEXT, DEFAULT_PARAMS

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hh-brainpy``."""
    parser = argparse.ArgumentParser(
        prog="hh-brainpy",
        description="Simulate the Hodgkin-Huxley neuron (BrainPy/JAX). Units: ms, mV, mS/cm^2, "
        "uF/cm^2, uA/cm^2.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser(
        "simulate",
        help="run one neuron under a constant current and plot V, m, h, n",
        description="Run one HH neuron from rest (V = -65 mV, gates at steady state) under a "
        "constant current; write the two-panel figure (V; m, h, n) and optionally a CSV.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    sim.add_argument("--duration", type=float, default=100.0, help="simulated time, ms")
    sim.add_argument("--dt", type=float, default=DEFAULT_DT, help="integration step, ms")
    sim.add_argument("--Iext", type=float, default=DEFAULT_IEXT, help="external current, uA/cm^2")
    sim.add_argument("--method", default="rk4", choices=METHODS, metavar="METHOD",
                     help=f"integration method, one of: {', '.join(METHODS)}")
    sim.add_argument("--init", default="rest", choices=("rest", "zeros"),
                     help="initial state: rest, or V = m = h = n = 0 as in the original document")
    for name in ("gNa", "ENa", "gK", "EK", "gL", "EL", "C"):
        sim.add_argument(f"--{name}", type=float, default=getattr(DEFAULT_PARAMS, name),
                         help="model parameter (see hh_brainpy.HHParams for units)")
    sim.add_argument("--out", default="hh.png", help="figure file (PNG, PDF, SVG ...)")
    sim.add_argument("--csv", default=None, help="also write t, V, m, h, n, spike to this CSV")
    sim.add_argument("--float64", action="store_true", help="compute in float64 (default float32)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hh-brainpy`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import brainpy.math as bm
    import matplotlib.pyplot as plt

    from hh_brainpy.runner import simulate

    if args.float64:
        bm.enable_x64()
    params = {name: getattr(args, name) for name in ("gNa", "ENa", "gK", "EK", "gL", "EL", "C")}
    try:
        result = simulate(args.duration, dt=args.dt, Iext=args.Iext, method=args.method,
                          init=args.init, **params)
    except (ValueError, TypeError, FloatingPointError) as exc:
        print(f"hh-brainpy: error: {exc}", file=sys.stderr)
        return 2
    axes = result.plot()
    axes[0].figure.savefig(args.out, dpi=120, bbox_inches="tight")
    plt.close(axes[0].figure)
    times = result.spike_times(0.0)[0]
    print(f"simulated {result.duration:g} ms at dt = {result.dt} ms ({result.method}); "
          f"{times.size} spikes (0 mV crossings); figure: {args.out}")
    if args.csv:
        result.save(args.csv)
        print(f"trace: {args.csv}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
