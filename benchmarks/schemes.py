"""``python -m benchmarks.schemes``: the least work that reaches a spike-time bar, scheme by scheme.

Two bars: 1e-3 ms for accurate throughput (would a scheme need less work than rk4?), and
0.05 ms at a network's step of 0.1 ms (the second table).

Accurate throughput (section d of ``python -m benchmarks``) is the rate of
neuron-ms at a spike-time error of at most 1e-3 ms.  Its cost is set by how
many evaluations of the six rates a scheme needs per simulated ms at the
largest step that meets the bar: one evaluation costs three exponentials and
three divisions per neuron, and the rest of a step is a few multiply-adds.
This script measures that for rk4 and for the candidates, on the reference
protocol of section c (one neuron, Iext = 10 uA/cm^2, 100 ms from -65 mV with
steady gates, 7 spikes; error against the scipy reference), in float64:

- ``rk4``: the classical Runge-Kutta method (4 evaluations a step), as hh_brainpy runs it;
- ``rk5``: Butcher's fifth-order Runge-Kutta method (6 evaluations a step);
- ``rl2``, ``rl3``, ``rl4``: the Rush-Larsen multistep schemes of order 2-4
  (Coudiere, Douanla-Lontsi & Pierre, "Rush-Larsen time-stepping methods of
  high order for stiff problems in cardiac electrophysiology", ETNA 48, 2018),
  one evaluation a step.  Every HH variable is quasi-linear,
  ``dx/dt = a(y) x + b(y)`` (for V: ``a = -(gNa m^3 h + gK n^4 + gL)/C``), and
  each step solves it exactly with ``a`` and ``b`` extrapolated from the last
  k steps (Adams-Bashforth weights, plus the commutator correction of order
  3 and 4).  A step also costs four ``expm1`` (one per variable), which the
  evaluation count leaves out.  The first k - 1 steps are rk4 steps.

- ``exp1``, ``expmid``, ``etd2``, ``etd3``, ``etd4``: one-step exponential schemes with the
  linear part taken from the same quasi-linear form at the start of the step (its diagonal):
  exponential Euler (BrainPy's ``exp_auto`` for this model; 1 evaluation), the exponential
  midpoint rule (a half exponential-Euler step, then the full step from the midpoint's ``a`` and
  ``b``; 2), and Cox & Matthews' ETD2RK (2), ETD3RK (3) and ETDRK4 (4; ``hb.HH``'s default
  method).  They need no history, so they can step a network neuron inside one network step;
  the second table puts them, and the Rush-Larsen schemes, at the network's step of 0.1 ms in 1-4
  sub-steps, against a bar of 0.05 ms (half that step).

- adaptive stepping, the best case: one neuron stepped by scipy's embedded
  Runge-Kutta pairs (``solve_ivp`` RK23, RK45, DOP853) at several tolerances,
  every evaluation counted, rejected steps included.  A population stepped in
  lockstep on SIMD lanes needs at least as many (the busiest neuron of a
  vector sets the count), plus the error control.

The rates are those of the independent reference (``tests/reference.py``).
Writes ``benchmarks/results/schemes.md``.  No figure here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.workloads import REFERENCE_PROTOCOL, _error, crossing_times, reference_spike_times
from tests.reference import CM, EK, EL, ENA, GK, GL, GNA, rates, rhs, steady_state_at

ROOT = Path(__file__).resolve().parents[1]
DTS = [0.01, 0.02, 0.025, 0.04, 0.05, 0.0625, 0.075, 0.08, 0.1, 0.125]
BAR = 1e-3  # ms


def derivative(y: list[float], iext: float) -> list[float]:
    """dy/dt of y = (V, m, h, n): the reference's right-hand side."""
    return rhs(0.0, y, iext)


def linear_form(y: list[float], iext: float) -> tuple[list[float], list[float]]:
    """``(a, b)`` with dy/dt = a y + b, variable by variable (the quasi-linear form)."""
    v, m, h, n = y
    am, bm, ah, bh, an, bn = rates(v)
    g_na, g_k = GNA * m**3 * h, GK * n**4
    a = [-(g_na + g_k + GL) / CM, -(am + bm), -(ah + bh), -(an + bn)]
    b = [(g_na * ENA + g_k * EK + GL * EL + iext) / CM, am, ah, an]
    return a, b


# Explicit Runge-Kutta tableaux: (rows of A, weights).
TABLEAUX = {
    "rk4": ([[], [0.5], [0.0, 0.5], [0.0, 0.0, 1.0]], [1 / 6, 1 / 3, 1 / 3, 1 / 6]),
    "rk5": ([[], [1 / 4], [1 / 8, 1 / 8], [0.0, -1 / 2, 1.0], [3 / 16, 0.0, 0.0, 9 / 16],
             [-3 / 7, 2 / 7, 12 / 7, -12 / 7, 8 / 7]], [7 / 90, 0.0, 32 / 90, 12 / 90, 32 / 90, 7 / 90]),
}
ADAMS_BASHFORTH = {2: [3 / 2, -1 / 2], 3: [23 / 12, -16 / 12, 5 / 12], 4: [55 / 24, -59 / 24, 37 / 24, -9 / 24]}


def rk_step(tableau: tuple, y: list[float], dt: float, iext: float) -> list[float]:
    rows, weights = tableau
    ks: list[list[float]] = []
    for row in rows:
        stage = [y[i] + dt * sum(a * k[i] for a, k in zip(row, ks, strict=True)) for i in range(4)]
        ks.append(derivative(stage, iext))
    return [y[i] + dt * sum(w * k[i] for w, k in zip(weights, ks, strict=True)) for i in range(4)]


def rl_step(history: list[tuple[list[float], list[float]]], y: list[float], dt: float) -> list[float]:
    """One Rush-Larsen step of order len(history); history[0] is the newest (a, b)."""
    k = len(history)
    weights = ADAMS_BASHFORTH[k]
    out = []
    for i in range(4):
        a = [h[0][i] for h in history]
        b = [h[1][i] for h in history]
        alpha = sum(w * x for w, x in zip(weights, a, strict=True))
        beta = sum(w * x for w, x in zip(weights, b, strict=True))
        if k == 3:
            beta += dt / 12 * (a[0] * b[1] - a[1] * b[0])
        elif k == 4:
            beta += dt / 12 * (a[0] * (3 * b[1] - b[2]) - (3 * a[1] - a[2]) * b[0])
        z = dt * alpha
        phi = math.expm1(z) / z if abs(z) > 1e-12 else 1.0 + z / 2  # (e^z - 1) / z
        out.append(y[i] + dt * phi * (alpha * y[i] + beta))
    return out


def _phi(z: float) -> tuple[float, float, float]:
    """(phi1, phi2, phi3)(z), from their series near 0 (float64)."""
    if abs(z) < 1e-2:  # six terms: truncation below 1e-15
        return tuple(sum(z**k / math.factorial(k + j) for k in range(6)) for j in (1, 2, 3))
    em1 = math.expm1(z)
    return em1 / z, (em1 - z) / z**2, (em1 - z - z * z / 2) / z**3


def _exp_euler(y: list[float], a: list[float], b: list[float], h: float) -> list[float]:
    return [y[i] + h * _phi(h * a[i])[0] * (a[i] * y[i] + b[i]) for i in range(4)]


def one_step(scheme: str, y: list[float], h: float, iext: float) -> list[float]:
    """One step of an exponential one-step scheme; the linear part L = a(y) of the quasi-linear form."""
    L, b0 = linear_form(y, iext)
    if scheme == "exp1":
        return _exp_euler(y, L, b0, h)
    if scheme == "expmid":
        return _exp_euler(y, *linear_form(_exp_euler(y, L, b0, h / 2), iext), h)

    def N(x: list[float]) -> list[float]:  # the nonlinear rest f(x) - L x
        f = derivative(x, iext)
        return [f[i] - L[i] * x[i] for i in range(4)]

    phi = [_phi(h * Li) for Li in L]
    half = [_phi(h * Li / 2)[0] for Li in L]
    E, E2 = [math.exp(h * Li) for Li in L], [math.exp(h * Li / 2) for Li in L]
    n0 = b0  # N(y) = f(y) - L y = b
    if scheme == "etd2":
        p = [E[i] * y[i] + h * phi[i][0] * n0[i] for i in range(4)]
        n1 = N(p)
        return [p[i] + h * phi[i][1] * (n1[i] - n0[i]) for i in range(4)]
    a = [E2[i] * y[i] + h / 2 * half[i] * n0[i] for i in range(4)]
    na = N(a)
    if scheme == "etd3":
        nmid = na
        nc = N([E[i] * y[i] + h * phi[i][0] * (2 * na[i] - n0[i]) for i in range(4)])
    else:  # etd4
        nb = N([E2[i] * y[i] + h / 2 * half[i] * na[i] for i in range(4)])
        nmid = [(na[i] + nb[i]) / 2 for i in range(4)]
        nc = N([E2[i] * a[i] + h / 2 * half[i] * (2 * nb[i] - n0[i]) for i in range(4)])
    # both end as y1 = E y + h [(p1 - 3 p2 + 4 p3) N0 + 4 (p2 - 2 p3) N_mid + (4 p3 - p2) N_c]
    return [E[i] * y[i] + h * ((p1 - 3 * p2 + 4 * p3) * n0[i] + 4 * (p2 - 2 * p3) * nmid[i] + (4 * p3 - p2) * nc[i])
            for i, (p1, p2, p3) in enumerate(phi)]


def trajectory(scheme: str, dt: float, duration: float, iext: float, y0: Sequence[float]) -> np.ndarray:
    """The (T, 4) trajectory of ``scheme``; NaN rows from where it diverges."""
    steps = round(duration / dt)
    out = np.full((steps + 1, 4), np.nan)
    out[0] = y = list(y0)
    order = int(scheme[2]) if scheme.startswith("rl") else 0
    history: list[tuple[list[float], list[float]]] = []
    for i in range(steps):
        if order:
            history = [linear_form(y, iext), *history][:order]
        try:
            if scheme in ONE_STEP_EVALUATIONS:
                y = one_step(scheme, y, dt, iext)
            else:
                y = rl_step(history, y, dt) if len(history) == order > 0 else rk_step(
                    TABLEAUX["rk4" if order else scheme], y, dt, iext)
        except (OverflowError, ValueError, ZeroDivisionError):
            break
        if not all(math.isfinite(x) and abs(x) < 1e6 for x in y):
            break
        out[i + 1] = y
    return out


def run(scheme: str, dt: float) -> np.ndarray:
    """The trajectory of the reference protocol (section c of ``python -m benchmarks``)."""
    return trajectory(scheme, dt, REFERENCE_PROTOCOL["duration"], REFERENCE_PROTOCOL["Iext"], steady_state_at())


EVALUATIONS = {"rk4": 4, "rk5": 6, "rl2": 1, "rl3": 1, "rl4": 1}
ONE_STEP_EVALUATIONS = {"exp1": 1, "expmid": 2, "etd2": 2, "etd3": 3, "etd4": 4}
NETWORK_DT, NETWORK_BAR = 0.1, 0.05  # ms: a network's step, and half of it


def measure() -> dict[str, dict[float, float | str]]:
    reference = reference_spike_times()
    table: dict[str, dict[float, float | str]] = {}
    for scheme in EVALUATIONS:
        table[scheme] = {}
        for dt in DTS:
            y = run(scheme, dt)
            if not np.all(np.isfinite(y)):
                table[scheme][dt] = "diverged"
                continue
            error = _error(crossing_times(np.arange(len(y)) * dt, *y.T), reference)
            table[scheme][dt] = "spike count differs" if error is None else error
    return table


def measure_at_network_step(substeps: Sequence[int] = (1, 2, 3, 4)) -> dict[str, dict[int, float | str]]:
    """Spike-time error at the network's step (0.1 ms) with each scheme sub-stepped ``k`` times."""
    reference = reference_spike_times()
    table: dict[str, dict[int, float | str]] = {}
    for scheme in [*ONE_STEP_EVALUATIONS, "rl3", "rl4"]:
        table[scheme] = {}
        for k in substeps:
            y = run(scheme, NETWORK_DT / k)[::k]
            if not np.all(np.isfinite(y)):
                table[scheme][k] = "diverged"
                continue
            error = _error(crossing_times(np.arange(len(y)) * NETWORK_DT, *y.T), reference)
            table[scheme][k] = "spike count differs" if error is None else error
    return table


def report_network_step(table: dict[str, dict[int, float | str]]) -> list[str]:
    """The second table: error and rate evaluations per network step of 0.1 ms."""
    counts = list(next(iter(table.values())))
    lines = ["", f"At a network's step, dt = {NETWORK_DT} ms, in k sub-steps: largest spike-time error (ms);",
             f"the bar is {NETWORK_BAR} ms. The cheapest scheme that meets it sets the work per network step",
             "(rate evaluations; `exp1` is BrainPy's exponential Euler, one evaluation):", "",
             "| scheme | evaluations a sub-step | " + " | ".join(f"k = {k}" for k in counts)
             + " | cheapest meeting the bar: evaluations a network step |", "|" + "---|" * (len(counts) + 3)]
    for scheme, row in table.items():
        per = ONE_STEP_EVALUATIONS.get(scheme, EVALUATIONS.get(scheme))
        cells = [v if isinstance(v, str) else f"{v:.2g}" for v in row.values()]
        good = [k for k, e in row.items() if not isinstance(e, str) and e <= NETWORK_BAR]
        lines.append(f"| {scheme} | {per} | " + " | ".join(cells) + f" | {min(good) * per if good else 'none'} |")
    return lines


ADAPTIVE = {"RK23": [1e-5, 1e-6], "RK45": [1e-4, 1e-5, 1e-6], "DOP853": [1e-4, 1e-5, 1e-6]}


def measure_adaptive() -> list[dict]:
    """Evaluations per simulated ms and spike-time error of scipy's adaptive pairs (atol = rtol / 100)."""
    from scipy.integrate import solve_ivp

    def crossing(t: float, y: np.ndarray, iext: float) -> float:
        return y[0]

    crossing.direction = 1  # type: ignore[attr-defined]
    reference = reference_spike_times()
    duration, iext = REFERENCE_PROTOCOL["duration"], REFERENCE_PROTOCOL["Iext"]
    rows = []
    for method, tolerances in ADAPTIVE.items():
        for rtol in tolerances:
            sol = solve_ivp(rhs, (0.0, duration), steady_state_at(), method=method, rtol=rtol, atol=rtol / 100,
                            args=(iext,), events=crossing)
            rows.append({"method": method, "rtol": rtol, "per_ms": sol.nfev / duration,
                         "error": _error(sol.t_events[0], reference)})
    return rows


def report(table: dict[str, dict[float, float | str]], seconds: float, adaptive: list[dict] | None = None,
           network: dict[str, dict[int, float | str]] | None = None) -> str:
    lines = ["# Candidate schemes for accurate throughput", "",
             f"Written by `python -m benchmarks.schemes` in {seconds:.0f} s (float64 NumPy; see the module",
             "docstring for the schemes and the protocol). Largest spike-time error (ms) against the scipy",
             "reference, 7 spikes in 100 ms:", ""]
    lines += ["| scheme | " + " | ".join(f"dt = {dt}" for dt in DTS) + " |", "|" + "---|" * (len(DTS) + 1)]
    for scheme, row in table.items():
        cells = (v if isinstance(v, str) else f"{v:.2g}" for v in row.values())
        lines.append(f"| {scheme} | " + " | ".join(cells) + " |")
    lines += ["", f"Rate evaluations per simulated ms at the largest dt of the table with error ≤ {BAR} ms",
              "(exponentials: 3 an evaluation, and for the Rush-Larsen schemes 4 `expm1` a step):", "",
              "| scheme | evaluations a step | dt (ms) | error (ms) | evaluations per ms | exponentials per ms |",
              "|---|---|---|---|---|---|"]
    for scheme, row in table.items():
        good = [dt for dt, e in row.items() if not isinstance(e, str) and e <= BAR]
        if not good:
            lines.append(f"| {scheme} | {EVALUATIONS[scheme]} | none meets the bar | | | |")
            continue
        dt = max(good)
        exponentials = 3 * EVALUATIONS[scheme] + (4 if scheme.startswith("rl") else 0)
        lines.append(f"| {scheme} | {EVALUATIONS[scheme]} | {dt} | {row[dt]:.2g} | "
                     f"{EVALUATIONS[scheme] / dt:.0f} | {exponentials / dt:.0f} |")
    if adaptive:
        lines += ["", "Adaptive stepping, one neuron (the best case; see the module docstring):", "",
                  "| pair | rtol | evaluations per ms | error (ms) |", "|---|---|---|---|"]
        for r in adaptive:
            error = "spike count differs" if r["error"] is None else f"{r['error']:.2g}"
            lines.append(f"| {r['method']} | {r['rtol']:g} | {r['per_ms']:.0f} | {error} |")
    if network:
        lines += report_network_step(network)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.schemes", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "schemes.md")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    table, adaptive, network = measure(), measure_adaptive(), measure_at_network_step()
    args.out.write_text(report(table, time.perf_counter() - t0, adaptive, network))
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
