r"""Excitability of the HH model: F-I curve, rheobase, steady-state I-V, fixed points and their stability.

Currents in uA/cm^2, rates in Hz, potentials in mV.  F-I curves run as ONE
population with a vector of currents (one compilation), as Brian2's
``IF_curve_Hodgkin_Huxley`` example does with unconnected neurons.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_int, check_real
from hh_brainpy.integrator import derivative
from hh_brainpy.params import COUNTING_V_TH, DEFAULT_DT, as_float_array, check_params, membrane_values
from hh_brainpy.sweeps import sweep

__all__ = ["fi_curve", "rheobase", "steady_state_current", "fixed_point", "resting_state", "stability", "vn_nullclines",
           "reduced_vn_derivatives"]


def fi_curve(currents: Any, *, duration: float = 500.0, transient: float = 100.0, dt: float = DEFAULT_DT,
             method: str = "rk4", V_th: float = COUNTING_V_TH, threshold: float | None = None,
             **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """Firing rate (Hz) against constant current: :func:`hh_brainpy.sweep` over ``Iext``, as arrays.

    Spikes are upward crossings of ``V_th`` (mV, default 0: see
    ``hh_brainpy.params.COUNTING_V_TH``) after ``transient`` ms, counted
    over the remaining ``duration - transient`` ms.  ``threshold`` is the
    former name of ``V_th``.  ``**params`` are held fixed (any of gNa, ENa,
    gK, EK, gL, EL, C, temperature).

    Parameters
    ----------
    currents : sequence of float
        Constant currents, uA/cm^2 (1-D, non-empty).
    duration : float
        Simulated time per current, ms (default 500).
    transient : float
        Time left out before counting, ms (default 100).
    dt : float
        Integration step, ms (default 0.01).
    method : str
        One of :data:`hh_brainpy.METHODS` (default ``"rk4"``).
    V_th : float
        Counting level, mV (default 0).
    **params
        Membrane parameters held fixed.

    Returns
    -------
    currents, rates : ndarrays of shape (N,)

    Raises
    ------
    ValueError
        Empty or non-finite currents, a bad duration, step or parameter (named).

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> I, rate = hb.excitability.fi_curve([0.0, 10.0], duration=300.0)
    >>> rate.round(1).tolist()
    [0.0, 75.0]
    """
    currents = np.atleast_1d(as_float_array(currents, "currents"))
    if currents.ndim != 1 or currents.size == 0:
        raise ValueError(f"currents must be a non-empty 1-D sequence (uA/cm^2), got shape {currents.shape}")
    check_params({"Iext": currents})
    duration = check_real("duration", duration, low=0.0, low_open=True)
    if threshold is not None:
        threshold = check_real("threshold", threshold)
    result = sweep({"Iext": currents}, duration, dt=dt, method=method, fixed=params, transient=transient,
                   V_th=V_th if threshold is None else threshold)
    return currents, result.rate


def rheobase(low: float = 0.0, high: float = 30.0, *, tol: float = 0.01, batch: int = 16,
             duration: float = 300.0, transient: float = 100.0, dt: float = DEFAULT_DT, **params: Any) -> float:
    """Smallest constant current (uA/cm^2) that gives repetitive firing, to within ``tol``.

    Repetitive firing means at least two spikes after ``transient`` ms (so a
    single onset spike does not count).  Each round runs ``batch`` currents
    spread over the bracket as one population (:func:`fi_curve`) and keeps the
    sub-interval where firing starts; the bracket shrinks ``batch - 1``-fold a round.

    Parameters
    ----------
    low, high : float
        The bracket, uA/cm^2: ``low`` must not fire repetitively, ``high`` must (default 0 and 30).
    tol : float
        Width of the final bracket, uA/cm^2 (default 0.01).
    batch : int
        Currents per round (>= 3; default 16).
    duration, transient : float
        Simulated time and the part left out before counting, ms (default 300 and 100).
    dt : float
        Integration step, ms (default 0.01).
    **params
        Membrane parameters.

    Returns
    -------
    float
        The upper end of the final bracket, uA/cm^2.

    Raises
    ------
    ValueError
        If ``high`` does not fire repetitively or ``low`` already does.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> round(hb.excitability.rheobase(3.0, 6.0, tol=0.05), 1)
    4.1
    """
    low, high = check_real("low", low), check_real("high", high)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    batch = check_int("batch", batch, 3)
    duration = check_real("duration", duration, low=0.0, low_open=True)
    transient = check_real("transient", transient, low=0.0)
    window = duration - transient
    if not high > low:
        raise ValueError(f"rheobase needs high > low, got low={low}, high={high}")
    while high - low > tol:
        grid = np.linspace(low, high, batch)
        _, rates = fi_curve(grid, duration=duration, transient=transient, dt=dt, **params)
        fires = rates * window / 1000.0 >= 2
        if not fires[-1]:
            raise ValueError(_no_firing_at_high(grid, fires, high, params))
        if fires[0]:
            raise ValueError(f"already repetitive firing at low = {low} uA/cm^2; lower low")
        j = int(np.argmax(fires))
        low, high = float(grid[j - 1]), float(grid[j])
    return high


def _no_firing_at_high(grid: np.ndarray, fires: np.ndarray, high: float, params: dict[str, Any]) -> str:
    """Why ``high`` gives no repetitive firing: too low, or beyond the firing range (depolarization block)."""
    if fires.any():
        lo, hi = grid[np.flatnonzero(fires)[[0, -1]]]
        return (f"no repetitive firing at high = {high:g} uA/cm^2: the membrane is in depolarization block there "
                f"(it fires between about {lo:.3g} and {hi:.3g} uA/cm^2 on this grid); give a high within that range")
    V = fixed_point(high, V_range=(-100.0, 100.0), **params)[0]
    if V > -40.0:
        return (f"no repetitive firing at high = {high:g} uA/cm^2: the membrane sits depolarized at {V:.1f} mV "
                "(depolarization block) and none of the currents tried fires; try a lower high")
    return f"no repetitive firing at high = {high:g} uA/cm^2: the current is too low; raise high"


def steady_state_current(V: Any, **params: Any) -> np.ndarray:
    r"""Steady-state I-V relation: the current (uA/cm^2) that holds V with every gate at :math:`x_\infty(V)`.

    :math:`I_{ss}(V) = g_{Na} m_\infty^3 h_\infty (V-E_{Na}) + g_K n_\infty^4 (V-E_K) + g_L (V-E_L)`.

    Parameters
    ----------
    V : float or array
        Membrane potentials, mV.
    **params
        Membrane parameters (default :data:`hh_brainpy.DEFAULT_PARAMS`).

    Returns
    -------
    ndarray like V
        :math:`I_{ss}(V) = g_{Na} m_\infty^3 h_\infty (V-E_{Na}) + g_K n_\infty^4 (V-E_K) + g_L (V-E_L)`, uA/cm^2.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> I = hb.excitability.steady_state_current([-70.68, -60.0])
    >>> bool(abs(I[0]) < 0.01), bool(I[1] > 0)
    (True, True)
    """
    gNa, ENa, gK, EK, gL, EL, _, _ = membrane_values(params)
    V = jnp.asarray(V, dtype=float)
    m, h, n = k.steady_gates(V)
    I_ion = k.I_Na(V, m, h, gNa, ENa) + k.I_K(V, n, gK, EK) + k.I_L(V, gL, EL)
    return np.asarray(I_ion)


def fixed_point(Iext: float, *, V_range: tuple[float, float] = (-100.0, 0.0), **params: Any) -> np.ndarray:
    """The resting state ``(V, m, h, n)`` at constant ``Iext``: the root of I_ss(V) = Iext in ``V_range``.

    The HH steady-state I-V curve is monotone for the default parameters, so
    the root is unique; it is found by bisection to 1e-12 mV.

    Parameters
    ----------
    Iext : float
        Constant current, uA/cm^2.
    V_range : (float, float)
        Where to look for the root, mV (default -100 to 0).
    **params
        Membrane parameters.

    Returns
    -------
    ndarray, shape (4,)
        ``(V, m, h, n)``: mV, then the gates at their steady state.

    Raises
    ------
    ValueError
        No root of the I-V relation in ``V_range``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> round(float(hb.excitability.fixed_point(0.0)[0]), 2)
    -70.68
    """
    Iext = check_real("Iext", Iext)
    try:
        lo, hi = (check_real("V_range", v) for v in V_range)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"V_range must be two finite potentials (low, high) in mV, got {V_range!r}") from exc
    if not hi > lo:
        raise ValueError(f"V_range must be (low, high) with high > low, got {V_range!r}")
    f_lo = steady_state_current(lo, **params) - Iext
    f_hi = steady_state_current(hi, **params) - Iext
    if f_lo * f_hi > 0:
        raise ValueError(f"no steady state with V in {V_range} mV at Iext = {Iext} uA/cm^2")
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        f_mid = steady_state_current(mid, **params) - Iext
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    V = 0.5 * (lo + hi)
    return np.array([V, *(float(x) for x in k.steady_gates(V))])


def resting_state(Iext: float = 0.0, **params: Any) -> dict[str, float]:
    """The fixed point at ``Iext`` as an ``init`` dict for :class:`hh_brainpy.HH` / :func:`hh_brainpy.simulate`.

    Parameters
    ----------
    Iext : float
        Constant current, uA/cm^2 (default 0).
    **params
        Membrane parameters.

    Returns
    -------
    dict
        ``{"V": ..., "m": ..., "h": ..., "n": ...}``, mV and dimensionless.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> start = hb.excitability.resting_state()
    >>> res = hb.simulate(10.0, Iext=0.0, init=start)
    >>> bool(abs(float(res.V[-1, 0]) - start["V"]) < 1e-3)
    True
    """
    V, m, h, n = fixed_point(Iext, **params)
    return {"V": float(V), "m": float(m), "h": float(h), "n": float(n)}


def stability(Iext: float, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """Fixed point at ``Iext`` and the eigenvalues (1/ms) of the full 4-variable Jacobian there.

    The resting state is stable while every eigenvalue has a negative real
    part; repetitive firing sets in where a complex pair crosses zero (a Hopf
    bifurcation, Rinzel & Miller 1980).

    Parameters
    ----------
    Iext : float
        Constant current, uA/cm^2.
    **params
        Membrane parameters.

    Returns
    -------
    fixed_point : ndarray, shape (4,)
        ``(V, m, h, n)`` at rest.
    eigenvalues : ndarray of complex, shape (4,)
        Of the Jacobian there, 1/ms; rest is stable when every real part is negative.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> _, ev = hb.excitability.stability(0.0)
    >>> bool(ev.real.max() < 0)
    True
    >>> _, ev = hb.excitability.stability(10.0)
    >>> bool(ev.real.max() > 0)
    True
    """
    y = fixed_point(Iext, **params)
    p = membrane_values(params)
    Iext = float(Iext)

    def f(state: Any) -> Any:
        return jnp.stack(derivative(*state, 0.0, Iext, *p))

    J = np.asarray(jax.jacfwd(f)(jnp.asarray(y)))
    return y, np.linalg.eigvals(J)


def reduced_vn_derivatives(V: Any, n: Any, Iext: float, *, h_plus_n: float | None = None,
                           **params: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""dV/dt and dn/dt of the reduced (V, n) system: m = m_inf(V), h = ``h_plus_n`` - n (Rinzel 1985).

    ``h_plus_n`` defaults to :math:`h_\infty + n_\infty` at -65 mV (about 0.91).

    Parameters
    ----------
    V, n : float or array
        Membrane potential (mV) and potassium activation, broadcast together.
    Iext : float
        Constant current, uA/cm^2.
    h_plus_n : float, optional
        The constant h + n (default: its value at rest).
    **params
        Membrane parameters.

    Returns
    -------
    dVdt, dndt : ndarrays
        mV/ms and 1/ms.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> dV, dn = hb.excitability.reduced_vn_derivatives(-60.0, 0.35, 0.0)
    >>> bool(dV < 0)
    True
    """
    gNa, ENa, gK, EK, gL, EL, C, T = membrane_values(params)
    if h_plus_n is None:
        h_plus_n = float(k.h_inf(-65.0) + k.n_inf(-65.0))
    V, n = jnp.asarray(V, dtype=float), jnp.asarray(n, dtype=float)
    h = jnp.clip(h_plus_n - n, 0.0, 1.0)
    dV = k.dVdt(V, k.m_inf(V), h, n, Iext, gNa, ENa, gK, EK, gL, EL, C)
    dn = k.gate_derivative(n, k.n_alpha(V), k.n_beta(V), k.temperature_factor(T))
    return np.asarray(dV), np.asarray(dn)


def vn_nullclines(Iext: float, *, V_range: tuple[float, float] = (-85.0, 50.0), points: int = 400,
                  **params: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(V, n, dV/dt, dn/dt)`` of the reduced (V, n) system on a ``points`` x ``points`` grid, for plotting.

    V spans ``V_range`` (mV) and n spans [0, 1]; pass the tuple to
    :func:`hh_brainpy.plotting.plot_phase` as ``nullclines=``.

    Parameters
    ----------
    Iext : float
        Constant current, uA/cm^2.
    V_range : (float, float)
        The V axis, mV (default -85 to 50).
    points : int
        Grid points per axis (default 400).
    **params
        Membrane parameters.

    Returns
    -------
    V, n, dVdt, dndt : ndarrays of shape (points, points)
        The grid and the derivatives on it; contour ``dVdt`` and ``dndt`` at 0 for the nullclines.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> V, n, dV, dn = hb.excitability.vn_nullclines(0.0, points=50)
    >>> V.shape, dV.shape
    ((50, 50), (50, 50))
    """
    Iext = check_real("Iext", Iext)
    points = check_int("points", points, 2)
    V, n = np.meshgrid(np.linspace(*V_range, points), np.linspace(0.0, 1.0, points))
    dV, dn = reduced_vn_derivatives(V, n, Iext, **params)
    return V, n, dV, dn
