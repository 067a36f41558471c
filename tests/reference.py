"""An independent Hodgkin-Huxley reference: NumPy right-hand side + ``scipy.integrate.solve_ivp``.

Written from the published equations (Hodgkin & Huxley 1952, as in the README), not from
hh_brainpy (it must never import it, or shared bugs would cancel).  Solved with LSODA at
rtol = atol = 1e-10; spike times are solve_ivp events on the dense output.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.integrate import solve_ivp

GNA, ENA, GK, EK, GL, EL, CM = 120.0, 50.0, 36.0, -77.0, 0.03, -54.387, 1.0


def _linoid(a: float, v: float, v0: float, k: float) -> float:
    """a (v - v0) / (1 - exp(-(v - v0)/k)), with its limit a k at v = v0."""
    x = v - v0
    if abs(x) < 1e-9 * k:
        return a * k * (1.0 + x / (2.0 * k))
    return a * x / (1.0 - math.exp(-x / k))


def rates(v: float) -> tuple[float, float, float, float, float, float]:
    """(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n) in 1/ms at v (mV)."""
    am = _linoid(0.1, v, -40.0, 10.0)
    bm = 4.0 * math.exp(-(v + 65.0) / 18.0)
    ah = 0.07 * math.exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    an = _linoid(0.01, v, -55.0, 10.0)
    bn = 0.125 * math.exp(-(v + 65.0) / 80.0)
    return am, bm, ah, bh, an, bn


def rhs(t: float, y: np.ndarray, iext: float, gna: float = GNA, gk: float = GK,
        gl: float = GL, cm: float = CM, el: float = EL, celsius: float = 6.3) -> list[float]:
    """dy/dt for y = (V, m, h, n); gate rates scaled by q10 = 3 from 6.3 deg C."""
    v, m, h, n = y
    am, bm, ah, bh, an, bn = rates(v)
    q = 3.0 ** ((celsius - 6.3) / 10.0)
    i_ion = gna * m**3 * h * (v - ENA) + gk * n**4 * (v - EK) + gl * (v - el)
    return [(iext - i_ion) / cm, q * (am * (1 - m) - bm * m), q * (ah * (1 - h) - bh * h),
            q * (an * (1 - n) - bn * n)]


def steady_state_at(v: float = -65.0) -> tuple[float, float, float, float]:
    """V with each gate at its steady state alpha / (alpha + beta)."""
    am, bm, ah, bh, an, bn = rates(v)
    return v, am / (am + bm), ah / (ah + bh), an / (an + bn)


@functools.cache
def solve(y0: tuple[float, ...], t_end: float, iext: float = 10.0, threshold: float = 0.0,
          gna: float = GNA, gk: float = GK, gl: float = GL, cm: float = CM, el: float = EL,
          celsius: float = 6.3) -> dict:
    """Solve to t_end (ms); return {'sol': dense solution, 'spikes': upward crossings of threshold}."""
    def crossing(t: float, y: np.ndarray, *args: float) -> float:
        return y[0] - threshold

    crossing.direction = 1.0
    sol = solve_ivp(rhs, (0.0, t_end), y0, method="LSODA", rtol=1e-10, atol=1e-10,
                    dense_output=True, events=crossing, args=(iext, gna, gk, gl, cm, el, celsius))
    assert sol.success, sol.message
    spikes = np.asarray(sol.t_events[0])
    # A start exactly on the threshold (V0 = 0 mV) is not a crossing from below.
    return {"sol": sol, "spikes": spikes[spikes > 0.0]}
