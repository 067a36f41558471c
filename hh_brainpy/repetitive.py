r"""Repetitive firing under constant current: where it starts, where it stops, and the bistable range.

With the paper's constants at 6.3 deg C the HH membrane has two thresholds for sustained firing
(Hodgkin & Huxley 1952, Fig. 23; Rinzel & Miller 1980):

- the **Hopf points** :math:`I_1 \approx 9.78` and :math:`I_2 \approx 154.5` uA/cm^2, where rest loses
  (and regains) stability: a complex pair of eigenvalues of the Jacobian at the fixed point crosses
  the imaginary axis.  The lower one is subcritical, so firing starts at a finite rate;
- the **fold of cycles** near 6.26 uA/cm^2, the lowest current at which a stable periodic orbit
  (repetitive firing) exists.  Between it and :math:`I_1` rest and firing coexist: a step from rest
  gives a few spikes or none, a membrane already firing keeps firing.

:func:`hopf_currents` finds the Hopf points from the eigenvalues (bisection to 1e-6 uA/cm^2).
:func:`cycle_fold` finds the fold by simulation with continuation: every round runs a batch of
currents as one population, each starting on the orbit of the lowest current known to fire, and keeps
the bracket where firing stops; the frequency of that lowest orbit is the frequency at onset.
:func:`spike_onset_current` is the smallest current step from rest that gives one spike.

References
----------
.. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544, Fig. 23 (repetitive responses).
.. [2] Rinzel, J. & Miller, R. N. (1980). Numerical calculation of stable and unstable periodic
   solutions to the Hodgkin-Huxley equations. Math. Biosci. 49:27-59.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_int, check_real, plan_run
from hh_brainpy.excitability import fixed_point, steady_state_current
from hh_brainpy.integrator import derivative, make_step
from hh_brainpy.params import COUNTING_V_TH, DEFAULT_DT, HHParams
from hh_brainpy.shocks import batched_bisection

__all__ = ["hopf_currents", "leading_real_part", "CycleFold", "cycle_fold", "spike_onset_current"]


def _fixed_point_V(currents: np.ndarray, p: HHParams) -> np.ndarray:
    """V (mV) of the fixed point at each current: the root of I_ss(V) = I in [-100, 0] mV, by vector bisection."""
    lo, hi = np.full(currents.shape, -100.0), np.full(currents.shape, 0.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = steady_state_current(mid, **p.membrane()) < currents
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def leading_real_part(Iext: Any, *, params: HHParams | None = None, **overrides: Any) -> np.ndarray:
    """The largest real part (1/ms) of a complex eigenvalue pair of the Jacobian at rest, per current.

    ``Iext`` (uA/cm^2) may be a number or an array; ``-inf`` where rest has no complex pair.

    Parameters
    ----------
    Iext : float or array
        Constant currents, uA/cm^2.
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    ndarray like Iext

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> re = hb.repetitive.leading_real_part([0.0, 20.0], params=hb.paper.paper_params())
    >>> bool(re[0] < 0 < re[1])
    True
    """
    p = HHParams.from_overrides(params, **overrides)
    currents = np.asarray(Iext, dtype=float)
    V = _fixed_point_V(currents.ravel(), p)
    states = np.stack([V, *(np.asarray(g, dtype=float) for g in k.steady_gates(V))], axis=1)
    lam = np.linalg.eigvals(_jacobians(states, currents.ravel(), p))
    growth = np.where(np.abs(lam.imag) > 1e-12, lam.real, -np.inf).max(axis=1)
    return growth.reshape(currents.shape)


@jax.jit
def _jacobians(states: Any, currents: Any, p: HHParams) -> Any:
    values = p.values()

    def f(state: Any, I: Any) -> Any:
        return jnp.stack(derivative(*state, 0.0, I, *values))

    return jax.vmap(jax.jacfwd(f))(states, currents)


def hopf_currents(low: float = 0.0, high: float = 300.0, *, step: float = 1.0, tol: float = 1e-6,
                  params: HHParams | None = None, **overrides: Any) -> np.ndarray:
    """Currents (uA/cm^2) in [low, high] where rest's leading complex pair crosses the imaginary axis.

    A grid of ``step`` locates each sign change of :func:`leading_real_part`; rounds of 64 points
    refine it to ``tol``.  With the paper's constants at 6.3 deg C: about ``[9.78, 154.5]``.

    Parameters
    ----------
    low, high : float
        The range searched, uA/cm^2 (default 0 to 300).
    step : float
        Grid spacing of the first pass, uA/cm^2 (default 1).
    tol : float
        Final precision, uA/cm^2 (default 1e-6).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    ndarray
        The Hopf currents, increasing, uA/cm^2.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> [round(float(I), 2) for I in hb.repetitive.hopf_currents(params=hb.paper.paper_params())]
    [9.78, 154.52]
    """
    low, high = check_real("low", low), check_real("high", high)
    step = check_real("step", step, low=0.0, low_open=True)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    if not high > low:
        raise ValueError(f"hopf_currents needs high > low, got low={low}, high={high}")
    p = HHParams.from_overrides(params, **overrides)
    grid = np.arange(low, high + step / 2, step)
    growth = leading_real_part(grid, params=p)
    found = []
    for i in np.flatnonzero(np.sign(growth[:-1]) != np.sign(growth[1:])):
        a, b = grid[i], grid[i + 1]
        while b - a > tol:
            sub = np.linspace(a, b, 64)
            g = leading_real_part(sub, params=p)
            j = int(np.argmax(np.sign(g) != np.sign(g[0])))
            a, b = sub[j - 1], sub[j]
        found.append(0.5 * (a + b))
    return np.array(found)


@functools.partial(jax.jit, static_argnums=(3, 4, 5, 6))
def _late_spikes(Y0: Any, Iext: Any, p: HHParams, steps: int, count_from: int, dt: float, method: str) -> Any:
    """Final state, upward ``COUNTING_V_TH`` crossings from step ``count_from`` on, and the time from the
    first of them to the last (ms)."""
    step = make_step(method, dt)
    values = p.values()

    def body(carry: Any, i: Any) -> Any:
        Y, count, t_first, t_last = carry
        Y1 = step(Y, i * dt, Iext, *values)
        up = (Y[0] < COUNTING_V_TH) & (Y1[0] >= COUNTING_V_TH) & (i >= count_from)
        t_cross = (i + (COUNTING_V_TH - Y[0]) / (Y1[0] - Y[0])) * dt
        t_first = jnp.where(up & (count == 0), t_cross, t_first)
        t_last = jnp.where(up, t_cross, t_last)
        return (Y1, count + up, t_first, t_last), None

    zeros = jnp.zeros_like(Y0[0])
    (Y, count, t_first, t_last), _ = jax.lax.scan(body, (Y0, zeros.astype(jnp.int32), zeros, zeros),
                                                  jnp.arange(steps))
    return Y, count, t_last - t_first


class CycleFold(NamedTuple):
    """What :func:`cycle_fold` returns.

    ``current``: the lowest current found to sustain firing (uA/cm^2); ``below``: the highest found not
    to (``current - below <= tol``); ``rate``: the mean firing rate there over the last ``window`` ms, Hz.

    Attributes
    ----------
    current : float
        uA/cm^2.
    below : float
        uA/cm^2.
    rate : float
        Hz.

    Examples
    --------
    >>> from hh_brainpy.repetitive import CycleFold
    >>> fold = CycleFold(6.26, 6.25, 50.4)
    >>> round(fold.current - fold.below, 2)
    0.01
    """

    current: float
    below: float
    rate: float


def cycle_fold(*, start: float | None = None, tol: float = 0.01, batch: int = 8, settle: float = 1000.0,
               window: float = 200.0, dt: float = DEFAULT_DT, method: str = "rk4", params: HHParams | None = None,
               **overrides: Any) -> CycleFold:
    """The lowest constant current with sustained repetitive firing (the fold of cycles), and its rate.

    Starts on the orbit at ``start`` (default: 1 uA/cm^2 above the lower Hopf point, where only firing is
    stable), then narrows [0, start] by continuation: each candidate current runs ``settle`` ms from the
    orbit of the lowest current known to fire, and fires if it crosses 0 mV at least twice in the last
    ``window`` ms.  Near the fold an orbit that no longer exists is left slowly; ``settle`` bounds how
    slowly (the error this leaves is measured in the tests against longer runs).

    Parameters
    ----------
    start : float, optional
        A current where only firing is stable, uA/cm^2.
    tol, batch : float, int
        Final precision, uA/cm^2, and candidate currents per round, >= 3 (default 0.01 and 8).
    settle, window : float
        ms (default 1000 and 200).
    dt, method : float, str
        Integration step, ms, and one of :data:`hh_brainpy.METHODS` (default 0.01 and ``"rk4"``).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    CycleFold

    Raises
    ------
    ValueError
        Bad arguments (named), or no firing at ``start``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> fold = hb.repetitive.cycle_fold(tol=0.05, settle=500.0, params=hb.paper.paper_params())
    >>> 6.1 < fold.current < 6.4
    True
    """
    p = HHParams.from_overrides(params, **overrides)
    tol, batch = check_real("tol", tol, low=0.0, low_open=True), check_int("batch", batch, 3)
    window = check_real("window", window, low=0.0, low_open=True)
    plan = plan_run(check_real("settle", settle, low=window, low_open=True), dt, method, stiffness=p.membrane())
    start = check_real("start", _above_hopf(p) if start is None else start, low=0.0, low_open=True)
    count_from = plan.steps - int(round(window / plan.dt))
    dtype = jax.dtypes.canonicalize_dtype(float)

    def run(Y0: np.ndarray, currents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Y, count, span = _late_spikes(np.asarray(Y0, dtype=dtype), np.asarray(currents, dtype=dtype), p,
                                      plan.steps, count_from, plan.dt, method)
        count = np.asarray(count)
        rate = 1000.0 * (count - 1) / np.where(count >= 2, np.asarray(span, dtype=float), np.inf)
        return np.asarray(Y), count >= 2, rate

    kicked = fixed_point(start, **p.membrane()) + np.array([20.0, 0.0, 0.0, 0.0])
    Y, fires, rate = run(kicked[:, None], np.array([start]))
    if not fires[0]:
        raise ValueError(f"no sustained firing at start = {start:g} uA/cm^2; give a higher start")
    return _continue_down(run, Y[:, 0], start, float(rate[0]), tol, batch)


def _above_hopf(p: HHParams) -> float:
    """1 uA/cm^2 above the lower Hopf current, where only firing is stable."""
    hopf = hopf_currents(0.0, 200.0, step=1.0, tol=1e-3, params=p)
    if hopf.size == 0:
        raise ValueError("rest never loses stability between 0 and 200 uA/cm^2: no repetitive firing to start from")
    return float(hopf[0]) + 1.0


def _continue_down(run: Any, orbit: np.ndarray, high: float, high_rate: float, tol: float, batch: int) -> CycleFold:
    """Narrow [0, high] to the lowest firing current, each round from the orbit of the lowest one known to fire."""
    low = 0.0
    while high - low > tol:
        grid = np.linspace(low, high, batch + 1)[:-1]
        Y, fires, rate = run(np.repeat(orbit[:, None], batch, axis=1), grid)
        if fires.any():
            j = int(np.argmax(fires))
            low = float(grid[j - 1]) if j > 0 else low
            high, orbit, high_rate = float(grid[j]), Y[:, j], float(rate[j])
        else:
            low = float(grid[-1])
    return CycleFold(high, low, high_rate)


def spike_onset_current(*, high: float = 20.0, tol: float = 0.01, batch: int = 16, window: float = 100.0,
                        dt: float = DEFAULT_DT, method: str = "rk4", params: HHParams | None = None,
                        **overrides: Any) -> float:
    """The smallest current step (uA/cm^2) from rest that gives at least one spike (0 mV crossing).

    Each round runs ``batch`` currents in [0, ``high``] as one population for ``window`` ms.

    Parameters
    ----------
    high : float
        The largest current tried, uA/cm^2 (default 20).
    tol : float
        Final precision, uA/cm^2 (default 0.01).
    batch : int
        Currents per round (>= 3; default 16).
    window : float
        Time each current runs, ms (default 100).
    dt, method, params, **overrides
        As for :func:`cycle_fold`.

    Returns
    -------
    float
        uA/cm^2.

    Raises
    ------
    ValueError
        No spike up to ``high``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> round(hb.repetitive.spike_onset_current(tol=0.05, params=hb.paper.paper_params()), 1)
    2.2
    """
    p = HHParams.from_overrides(params, **overrides)
    high = check_real("high", high, low=0.0, low_open=True)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    batch = check_int("batch", batch, 3)
    window = check_real("window", window, low=0.0, low_open=True)
    plan = plan_run(window, dt, method, stiffness=p.membrane())
    rest = fixed_point(0.0, **p.membrane())
    dtype = jax.dtypes.canonicalize_dtype(float)

    def fires(currents: np.ndarray) -> np.ndarray:
        Y0 = np.repeat(rest[:, None], currents.size, axis=1).astype(dtype)
        _, count, _ = _late_spikes(Y0, currents.ravel().astype(dtype), p, plan.steps, 0, plan.dt, method)
        return (np.asarray(count) >= 1).reshape(currents.shape)

    onset = float(batched_bisection(fires, np.zeros(1), np.full(1, high), tol, batch)[0])
    if not np.isfinite(onset):
        raise ValueError(f"no spike at high = {high:g} uA/cm^2 within {window:g} ms; raise high")
    return onset
