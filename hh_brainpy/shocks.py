r"""Brief shocks: threshold, all-or-none, refractoriness and anode-break excitation (HH 1952, Part III).

The paper stimulates its computed membrane with *instantaneous* shocks: a brief current that moves
a charge :math:`Q` onto the membrane displaces V by :math:`\Delta V = Q/C` in no time, while the gates,
which cannot follow an instant, keep their values.  So every protocol here is an initial-value
problem of the free membrane (``Iext = 0``):

- a **shock** of depolarization :math:`\Delta V` from rest: V = rest + ΔV, the gates at rest
  (Figs. 12-13); the **threshold** is the smallest ΔV that gives an action potential;
- **refractoriness** (Fig. 20): a conditioning shock at t = 0, then a test shock added to V at
  ``interval`` ms; the test threshold against the interval, infinite in the absolute refractory
  period;
- **anode break** (Fig. 22): release from a long hyperpolarization of H mV, that is V = rest - H
  with every gate at its steady state there; the smallest H that still gives an action potential.

**What counts as an action potential.**  The response to a shock is regenerative when V, after the
shock, rises at least :data:`RISE` (10 mV) above the value the shock left *and* above
:data:`V_AP` (0 mV).  Below threshold V only falls back (at most a few mV of local response); above it,
the sodium current drives V up by tens of mV, so the result does not depend on the two constants
within wide limits.  A shock that itself lifts V above 0 mV is not counted unless V then rises further.

Every protocol runs as one batch of membranes in one compiled loop (``rk4``, ``dt = 0.01`` ms by
default), and a threshold is found by batched bisection: each round tries ``batch`` amplitudes
across the bracket at once and keeps the sub-interval where the response turns regenerative.

References
----------
.. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544, Part III: membrane action
   potentials (Figs. 12-13), refractory period (Fig. 20), anode break excitation (Fig. 22).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_duration, check_int, check_real, plan_run
from hh_brainpy.excitability import fixed_point
from hh_brainpy.integrator import Trajectory, integrate, make_step
from hh_brainpy.params import DEFAULT_DT, HHParams, as_float_array

__all__ = ["RISE", "V_AP", "is_action_potential", "shock_response", "shock_threshold", "refractory_thresholds",
           "RefractoryCurve", "anode_break_response", "anode_break_threshold"]

#: A regenerative response rises at least this far (mV) above the potential the shock left ...
RISE = 10.0
#: ... and above this potential (mV).
V_AP = 0.0
#: Largest depolarization or hyperpolarization a shock may apply, mV.
MAX_SHOCK = 200.0


def is_action_potential(V_after_shock: Any, peak: Any) -> np.ndarray:
    """Whether a response that starts at ``V_after_shock`` (mV) and peaks at ``peak`` is regenerative.

    True where ``peak >= max(V_after_shock + RISE, V_AP)``.

    Parameters
    ----------
    V_after_shock : float or array
        The potential the shock left, mV.
    peak : float or array
        The highest V that followed, mV.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> from hh_brainpy.shocks import is_action_potential
    >>> is_action_potential([-58.0, -58.0], [-40.0, 30.0])
    array([False,  True])
    """
    V0, peak = np.asarray(V_after_shock), np.asarray(peak)
    return peak >= np.maximum(V0 + RISE, V_AP)


def _rest(p: HHParams) -> np.ndarray:
    """The resting state ``(V, m, h, n)`` at Iext = 0 of the parameters ``p``."""
    return fixed_point(0.0, **p.membrane())


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _peaks(Y0: Any, p: HHParams, steps: int, dt: float, method: str) -> Any:
    """The largest V of the free membrane (Iext = 0) from ``Y0`` (4, N) over ``steps`` steps."""
    step = make_step(method, dt)
    values = p.values()

    def body(carry: Any, i: Any) -> Any:
        Y, peak = carry
        Y = step(Y, i * dt, 0.0, *values)
        return (Y, jnp.maximum(peak, Y[0])), None

    (_, peak), _ = jax.lax.scan(body, (Y0, Y0[0]), jnp.arange(steps))
    return peak


class _Setup(NamedTuple):
    p: HHParams
    steps: int
    dt: float
    method: str


def _setup(params: HHParams | None, overrides: dict[str, Any], window: Any, dt: Any, method: str) -> _Setup:
    p = HHParams.from_overrides(params, **overrides)
    window = check_real("window", window, low=0.0, low_open=True)
    plan = plan_run(window, dt, method, stiffness=p.membrane())
    return _Setup(p, plan.steps, plan.dt, method)


def _regenerative(Y0: np.ndarray, s: _Setup) -> np.ndarray:
    dtype = jax.dtypes.canonicalize_dtype(float)
    peak = np.asarray(_peaks(np.asarray(Y0, dtype=dtype), s.p, s.steps, s.dt, s.method))
    return is_action_potential(Y0[0], peak)


def batched_bisection(fires: Callable[[np.ndarray], np.ndarray], low: np.ndarray, high: np.ndarray, tol: float,
            batch: int) -> np.ndarray:
    """Per problem, the smallest amplitude in [low, high] where ``fires`` turns True (inf if never).

    ``fires(A)`` takes amplitudes of shape (K, batch) and returns bools of that shape.  The first
    round's grid locates the lowest amplitude that fires (a problem where none does gets inf); the
    later rounds refine the bracket just below it.
    """
    low, high = np.array(low, dtype=float), np.array(high, dtype=float)
    found = np.ones(low.shape, dtype=bool)
    first = True
    while True:
        grid = low[:, None] + (high - low)[:, None] * np.linspace(0.0, 1.0, batch)[None, :]
        f = fires(grid)
        if first:
            found = f.any(axis=1)
            first = False
        j = np.where(f.any(axis=1), np.argmax(f, axis=1), batch - 1)
        j = np.clip(j, 1, batch - 1)
        rows = np.arange(len(low))
        low, high = grid[rows, j - 1], grid[rows, j]
        if np.all(high - low <= tol):
            return np.where(found, high, np.inf)


def shock_response(depolarization: Any, duration: float = 20.0, *, dt: float = DEFAULT_DT, method: str = "rk4",
                   params: HHParams | None = None, **overrides: Any) -> Trajectory:
    """The free membrane after instantaneous shocks of ``depolarization`` mV from rest (Figs. 12-13).

    One trace per depolarization (negative values hyperpolarize), ``Iext = 0``, gates at rest.

    Parameters
    ----------
    depolarization : float or sequence of float
        The shocks, mV (within +-200; negative values hyperpolarize).
    duration : float
        Time followed after the shock, ms (default 20).
    dt : float
        Integration step, ms (default 0.01).
    method : str
        One of :data:`hh_brainpy.METHODS` (default ``"rk4"``).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    Trajectory
        ``(ts, V, m, h, n)``, states of shape (T, N); see :func:`hh_brainpy.integrate`.

    Raises
    ------
    ValueError
        A shock that is not finite or beyond +-200 mV; a bad step or duration.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> r = hb.shock_response([5.0, 8.0], 15.0, params=hb.paper.paper_params())
    >>> [bool(v > 0) for v in r.V.max(axis=0)]
    [False, True]
    """
    p = HHParams.from_overrides(params, **overrides)
    dV = np.atleast_1d(as_float_array(depolarization, "depolarization"))
    if dV.ndim != 1 or not np.all(np.isfinite(dV)) or np.any(np.abs(dV) > MAX_SHOCK):
        raise ValueError(f"depolarization must be a finite potential or 1-D sequence of them within "
                         f"+-{MAX_SHOCK:g} mV, got {depolarization!r}")
    V, m, h, n = _rest(p)
    return integrate((V + dV, np.full_like(dV, m), np.full_like(dV, h), np.full_like(dV, n)), duration,
                     dt=dt, method=method, Iext=0.0, params=p)


def shock_threshold(*, tol: float = 1e-3, high: float = 50.0, batch: int = 16, window: float = 50.0,
                    dt: float = DEFAULT_DT, method: str = "rk4", params: HHParams | None = None,
                    **overrides: Any) -> float:
    """The threshold depolarization (mV) of an instantaneous shock from rest, to within ``tol``.

    The paper's computation puts it between 6 and 7 mV at 6.3 deg C.  The response is followed for
    ``window`` ms (default 50; near threshold the action potential starts late).

    Parameters
    ----------
    tol : float
        Width of the final bracket, mV (default 0.001).
    high : float
        The largest shock tried, mV (default 50).
    batch : int
        Candidate shocks run together per bisection round (>= 3; default 16).
    window : float
        Time the response is followed, ms (default 50).
    dt : float
        Integration step, ms (default 0.01).
    method : str
        One of :data:`hh_brainpy.METHODS` (default ``"rk4"``).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    float
        The threshold depolarization, mV.

    Raises
    ------
    ValueError
        If a shock of ``high`` mV gives no action potential (lower the temperature, or check gNa).

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> round(hb.shock_threshold(tol=0.01, params=hb.paper.paper_params()), 1)
    6.5
    """
    tol = check_real("tol", tol, low=0.0, low_open=True)
    high = check_real("high", high, low=0.0, low_open=True, high=MAX_SHOCK)
    batch = check_int("batch", batch, 3)
    s = _setup(params, overrides, window, dt, method)
    rest = _rest(s.p)

    def fires(A: np.ndarray) -> np.ndarray:
        Y0 = np.broadcast_to(rest[:, None], (4, A.size)).copy()
        Y0[0] += A.ravel()
        return _regenerative(Y0, s).reshape(A.shape)

    threshold = float(batched_bisection(fires, np.zeros(1), np.full(1, high), tol, batch)[0])
    if not np.isfinite(threshold):
        raise ValueError(f"a shock of high = {high:g} mV gives no action potential from rest; "
                         "no threshold below it")
    return threshold


class RefractoryCurve(NamedTuple):
    """What :func:`refractory_thresholds` returns: test threshold (mV) against interval (ms).

    ``threshold`` is ``inf`` where no test shock up to ``high`` gives an action potential
    (absolute refractoriness); ``resting_threshold`` is the threshold without conditioning.

    Attributes
    ----------
    interval : ndarray
        Test intervals, ms.
    threshold : ndarray
        Test thresholds, mV (``inf`` where none fires).
    resting_threshold : float
        Threshold from rest, mV.

    Examples
    --------
    >>> import numpy as np
    >>> from hh_brainpy.shocks import RefractoryCurve
    >>> curve = RefractoryCurve(np.array([5.0, 10.0]), np.array([np.inf, 13.0]), 6.5)
    >>> curve.absolute_refractory_period, curve.relative.tolist()
    (5.0, [inf, 2.0])
    """

    interval: np.ndarray
    threshold: np.ndarray
    resting_threshold: float

    @property
    def relative(self) -> np.ndarray:
        """Test threshold divided by the resting threshold (below 1: supernormal)."""
        return self.threshold / self.resting_threshold

    @property
    def absolute_refractory_period(self) -> float:
        """The longest interval (ms) with no response up to ``high``; 0 if every interval responds."""
        blocked = ~np.isfinite(self.threshold)
        return float(self.interval[blocked].max()) if blocked.any() else 0.0


def refractory_thresholds(intervals: Any, *, conditioning: float = 15.0, tol: float = 0.05, high: float = 100.0,
                          batch: int = 12, window: float = 50.0, dt: float = DEFAULT_DT, method: str = "rk4",
                          params: HHParams | None = None, **overrides: Any) -> RefractoryCurve:
    """Threshold of a test shock ``interval`` ms after a conditioning shock (Fig. 20), to within ``tol`` mV.

    The conditioning shock (``conditioning`` mV, above threshold) fires an action potential at t = 0;
    at each interval (a whole number of ``dt``, > 0) the test shock adds to V whatever the membrane is
    doing then, and the response is followed for ``window`` ms.  All intervals and candidate
    amplitudes run as one batch per bisection round.

    Parameters
    ----------
    intervals : float or sequence of float
        Times from the conditioning shock to the test shock, ms (> 0, after the conditioning action
        potential's peak, each a whole number of ``dt``).
    conditioning : float
        The conditioning shock, mV (default 15; must fire).
    tol : float
        Width of the final bracket, mV (default 0.05).
    high : float
        The largest test shock, mV (default 100); none up to it counts as absolutely refractory.
    batch, window, dt, method, params, **overrides
        As for :func:`shock_threshold`.

    Returns
    -------
    RefractoryCurve
        ``interval`` (ms), ``threshold`` (mV, ``inf`` where refractory) and ``resting_threshold`` (mV).

    Raises
    ------
    ValueError
        Intervals that are not positive, or that fall before the conditioning peak; a conditioning
        shock that does not fire.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> curve = hb.refractory_thresholds([4.0, 12.0], tol=0.5, params=hb.paper.paper_params())
    >>> bool(curve.threshold[0] == float("inf")), bool(curve.relative[1] > 1)
    (True, True)
    """
    s = _setup(params, overrides, window, dt, method)
    intervals = np.atleast_1d(as_float_array(intervals, "intervals"))
    if intervals.ndim != 1 or intervals.size == 0 or not np.all(np.isfinite(intervals)) or np.any(intervals <= 0):
        raise ValueError(f"intervals must be a 1-D sequence of positive times (ms), got {intervals!r}")
    conditioning = check_real("conditioning", conditioning, low=0.0, low_open=True, high=MAX_SHOCK)
    high = check_real("high", high, low=0.0, low_open=True, high=MAX_SHOCK)
    tol, batch = check_real("tol", tol, low=0.0, low_open=True), check_int("batch", batch, 3)
    states = _conditioned_states(intervals, conditioning, s)  # (4, K)

    def fires(A: np.ndarray) -> np.ndarray:
        Y0 = np.repeat(states[:, :, None], A.shape[1], axis=2)
        Y0[0] += A
        return _regenerative(Y0.reshape(4, -1), s).reshape(A.shape)

    K = len(intervals)
    threshold = batched_bisection(fires, np.zeros(K), np.full(K, high), tol, batch)
    resting = shock_threshold(tol=tol, high=high, batch=batch, window=window, dt=s.dt, method=s.method, params=s.p)
    return RefractoryCurve(intervals, threshold, resting)


def _conditioned_states(intervals: np.ndarray, conditioning: float, s: _Setup) -> np.ndarray:
    """The membrane ``intervals`` ms after a conditioning shock that fires, shape (4, K)."""
    index = np.array([check_duration(float(t), s.dt) for t in intervals])
    shocked = _rest(s.p) + np.array([conditioning, 0, 0, 0])
    if not _regenerative(shocked[:, None], s)[0]:
        raise ValueError(f"the conditioning shock of {conditioning:g} mV gives no action potential; raise it")
    run = integrate(tuple(shocked), float(index.max()) * s.dt, dt=s.dt, method=s.method, Iext=0.0, params=s.p)
    peak_time = run.ts[int(np.argmax(run.V))]
    if np.any(index * s.dt <= peak_time):
        raise ValueError(f"intervals must come after the conditioning action potential's peak "
                         f"({peak_time:g} ms here), got {intervals.min():g} ms")
    return np.stack([run.V[index], run.m[index], run.h[index], run.n[index]])


def anode_break_response(hyperpolarization: Any, duration: float = 30.0, *, dt: float = DEFAULT_DT,
                         method: str = "rk4", params: HHParams | None = None, **overrides: Any) -> Trajectory:
    """The membrane released at t = 0 from a long hyperpolarization of ``hyperpolarization`` mV (Fig. 22).

    V starts at rest - H with every gate at its steady state there (the hyperpolarization held long
    enough for the gates to settle); ``Iext = 0`` after release.  One trace per value of H (mV, >= 0).

    Parameters
    ----------
    hyperpolarization : float or sequence of float
        How far below rest V was held, mV (0 to 200).
    duration : float
        Time followed after the release, ms (default 30).
    dt, method, params, **overrides
        As for :func:`shock_response`.

    Returns
    -------
    Trajectory
        ``(ts, V, m, h, n)``, states of shape (T, N); see :func:`hh_brainpy.integrate`.

    Raises
    ------
    ValueError
        A hyperpolarization outside [0, 200] mV; a bad step or duration.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> r = hb.anode_break_response([1.0, 30.0], params=hb.paper.paper_params())
    >>> [bool(v > 0) for v in r.V.max(axis=0)]
    [False, True]
    """
    p = HHParams.from_overrides(params, **overrides)
    H = np.atleast_1d(as_float_array(hyperpolarization, "hyperpolarization"))
    if H.ndim != 1 or not np.all(np.isfinite(H)) or np.any((H < 0) | (H > MAX_SHOCK)):
        raise ValueError(f"hyperpolarization must be in [0, {MAX_SHOCK:g}] mV (a 1-D sequence or a number), "
                         f"got {hyperpolarization!r}")
    V = _rest(p)[0] - H
    m, h, n = (np.asarray(x, dtype=float) for x in k.steady_gates(V))
    return integrate((V, m, h, n), duration, dt=dt, method=method, Iext=0.0, params=p)


def anode_break_threshold(*, tol: float = 0.01, high: float = 60.0, batch: int = 16, window: float = 50.0,
                          dt: float = DEFAULT_DT, method: str = "rk4", params: HHParams | None = None,
                          **overrides: Any) -> float:
    """The smallest long-held hyperpolarization (mV) whose release gives an action potential.

    Parameters
    ----------
    tol : float
        Width of the final bracket, mV (default 0.01).
    high : float
        The largest hyperpolarization tried, mV (default 60).
    batch, window, dt, method, params, **overrides
        As for :func:`shock_threshold`.

    Returns
    -------
    float
        The threshold hyperpolarization, mV.

    Raises
    ------
    ValueError
        If release from ``high`` mV gives none.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> round(hb.anode_break_threshold(tol=0.05, params=hb.paper.paper_params()), 1)
    3.0
    """
    tol = check_real("tol", tol, low=0.0, low_open=True)
    high = check_real("high", high, low=0.0, low_open=True, high=MAX_SHOCK)
    batch = check_int("batch", batch, 3)
    s = _setup(params, overrides, window, dt, method)
    rest_V = _rest(s.p)[0]

    def fires(A: np.ndarray) -> np.ndarray:
        V = rest_V - A.ravel()
        Y0 = np.stack([V, *(np.asarray(x, dtype=float) for x in k.steady_gates(V))])
        return _regenerative(Y0, s).reshape(A.shape)

    threshold = float(batched_bisection(fires, np.zeros(1), np.full(1, high), tol, batch)[0])
    if not np.isfinite(threshold):
        raise ValueError(f"release from a hyperpolarization of high = {high:g} mV gives no action potential")
    return threshold
