"""Spike analysis on recorded traces: NumPy in, NumPy out.

Times are in ms, potentials in mV, rates in Hz (spikes per second).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hh_brainpy.checks import check_real
from hh_brainpy.params import COUNTING_V_TH

__all__ = ["rate_from_counts", "spike_times", "firing_rate", "interspike_intervals", "cv_isi"]


def _hermite_root(t0: np.ndarray, h: np.ndarray, v0: np.ndarray, v1: np.ndarray,
                  d0: np.ndarray, d1: np.ndarray, threshold: float) -> np.ndarray:
    """Solve p(s) = threshold on [0, 1] for the cubic Hermite p through (v0, d0 h), (v1, d1 h)."""
    m0, m1 = d0 * h, d1 * h
    lo, hi = np.zeros_like(v0), np.ones_like(v0)
    s = (threshold - v0) / (v1 - v0)  # linear guess

    def p(s: np.ndarray) -> np.ndarray:
        s2, s3 = s * s, s * s * s
        return ((2 * s3 - 3 * s2 + 1) * v0 + (s3 - 2 * s2 + s) * m0
                + (-2 * s3 + 3 * s2) * v1 + (s3 - s2) * m1) - threshold

    def dp(s: np.ndarray) -> np.ndarray:
        s2 = s * s
        return (6 * s2 - 6 * s) * v0 + (3 * s2 - 4 * s + 1) * m0 + (-6 * s2 + 6 * s) * v1 + (3 * s2 - 2 * s) * m1

    # Newton steps kept inside a shrinking bracket (p(0) < 0 <= p(1)): converges in a few steps.
    for _ in range(30):
        f = p(s)
        lo = np.where(f < 0, s, lo)
        hi = np.where(f >= 0, s, hi)
        deriv = dp(s)
        newton = s - f / np.where(deriv > 0, deriv, np.inf)
        inside = (newton > lo) & (newton < hi) & (deriv > 0)
        s = np.where(inside, newton, 0.5 * (lo + hi))
    return t0 + s * h


def spike_times(ts: Any, V: Any, V_th: float = COUNTING_V_TH, dVdt: Any = None, *,
                threshold: float | None = None) -> Any:
    """Times (ms) of the upward crossings of ``V_th`` (mV) by the sampled voltage.

    Parameters
    ----------
    ts : array, shape (T,)
        Sample times, ms, increasing.
    V : array, shape (T,) or (T, N)
        Membrane potential, mV.
    V_th : float
        Crossing level, mV.  Default 0 (``hh_brainpy.params.COUNTING_V_TH``).
    threshold : float, optional
        The former name of ``V_th``, still accepted.
    dVdt : array like V, optional
        dV/dt at the samples, mV/ms.  When given, each crossing is located on
        the cubic Hermite interpolant of (V, dV/dt) between the two samples
        that bracket it (error O(dt^4)).  Otherwise by linear interpolation
        (error O(dt^2): about 2.4e-5 ms at dt = 0.01 ms on the HH upstroke).

    Returns
    -------
    array or list of arrays
        For 1-D ``V``, an array of crossing times; for 2-D, one array per neuron.

    Examples
    --------
    >>> import numpy as np
    >>> from hh_brainpy.analysis import spike_times
    >>> ts = np.arange(5.0)
    >>> spike_times(ts, np.array([-10.0, -5.0, 5.0, -5.0, 5.0]))
    array([1.5, 3.5])
    """
    threshold = check_real("V_th", V_th if threshold is None else threshold)
    ts = np.asarray(ts, dtype=float)
    V = np.asarray(V, dtype=float)
    if V.ndim == 2:
        D = None if dVdt is None else np.asarray(dVdt, dtype=float)
        return [spike_times(ts, V[:, i], threshold, None if D is None else D[:, i]) for i in range(V.shape[1])]
    if V.shape != ts.shape:
        raise ValueError(f"V must have shape (T,) or (T, N) with T = len(ts) = {ts.size}, got {V.shape}")
    k = np.nonzero((V[:-1] < threshold) & (V[1:] >= threshold))[0]
    t0, h, v0, v1 = ts[k], ts[k + 1] - ts[k], V[k], V[k + 1]
    if dVdt is None:
        return t0 + h * (threshold - v0) / (v1 - v0)
    d = np.asarray(dVdt, dtype=float)
    return _hermite_root(t0, h, v0, v1, d[k], d[k + 1], threshold)


def _per_neuron(times: Any) -> list[np.ndarray]:
    return [np.asarray(times)] if isinstance(times, np.ndarray) else [np.asarray(t) for t in times]


def rate_from_counts(counts: Any, duration: float) -> np.ndarray:
    """Firing rate in Hz of spike ``counts`` over ``duration`` ms: ``counts / duration * 1000``.

    Parameters
    ----------
    counts : int or array of int
        Spike counts.
    duration : float
        The window they were counted over, ms (> 0).

    Returns
    -------
    ndarray
        Rates, Hz.

    Raises
    ------
    ValueError
        A non-positive or non-finite ``duration``.

    Examples
    --------
    >>> from hh_brainpy.analysis import rate_from_counts
    >>> rate_from_counts([5, 10], 200.0)
    array([25., 50.])
    """
    duration = check_real("duration", duration, low=0.0, low_open=True)
    return np.asarray(counts, dtype=float) * 1000.0 / duration


def firing_rate(times: Any, duration: float) -> np.ndarray:
    """Mean firing rate in Hz of each neuron's spike ``times`` over ``duration`` ms (:func:`rate_from_counts`).

    Parameters
    ----------
    times : array or list of arrays
        Spike times, ms: one array (one neuron) or one per neuron, as :func:`spike_times` returns.
    duration : float
        The window, ms (> 0).

    Returns
    -------
    ndarray, shape (N,)
        Rates, Hz.

    Raises
    ------
    ValueError
        A non-positive or non-finite ``duration``.

    Examples
    --------
    >>> import numpy as np
    >>> from hh_brainpy.analysis import firing_rate
    >>> firing_rate([np.array([10.0, 30.0, 50.0]), np.array([])], 100.0)
    array([30.,  0.])
    """
    return rate_from_counts([t.size for t in _per_neuron(times)], duration)


def interspike_intervals(times: Any) -> list[np.ndarray]:
    """Inter-spike intervals (ms), one array per neuron.

    Parameters
    ----------
    times : array or list of arrays
        Spike times, ms: one array (one neuron) or one per neuron.

    Returns
    -------
    list of ndarray
        The differences of consecutive spike times, ms.

    Examples
    --------
    >>> import numpy as np
    >>> from hh_brainpy.analysis import interspike_intervals
    >>> interspike_intervals(np.array([2.0, 16.5, 31.0]))
    [array([14.5, 14.5])]
    """
    return [np.diff(t) for t in _per_neuron(times)]


def cv_isi(times: Any) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals per neuron (NaN with < 2 intervals).

    Parameters
    ----------
    times : array or list of arrays
        Spike times, ms: one array (one neuron) or one per neuron.

    Returns
    -------
    ndarray, shape (N,)
        Standard deviation over mean of the intervals (dimensionless); 0 for a regular train.

    Examples
    --------
    >>> import numpy as np
    >>> from hh_brainpy.analysis import cv_isi
    >>> cv_isi([np.array([0.0, 10.0, 20.0, 30.0]), np.array([5.0])])
    array([ 0., nan])
    """
    out = []
    for isi in interspike_intervals(times):
        out.append(float(np.std(isi) / np.mean(isi)) if isi.size >= 2 else np.nan)
    return np.array(out)
