"""Figures from an :class:`hh_brainpy.HHResult` or arrays.  Each helper returns its Axes and never shows.

A leaf of the package: it imports nothing of hh_brainpy.  ``matplotlib.pyplot`` is imported inside
each helper, so that ``import hh_brainpy`` does not start matplotlib (a third of a second, and a
backend choice) for users who never plot.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_trace", "plot_gates", "plot_raster", "plot_fi", "plot_phase", "plot_clamp"]


def plot_trace(result: Any, neuron: int = 0, axes: Any = None) -> Any:
    """V (top) and m, h, n (bottom) of one neuron against the run's own time axis (ms).

    Parameters
    ----------
    result : HHResult
        A simulation result with V recorded.
    neuron : int
        Which neuron to draw.
    axes : pair of matplotlib Axes, optional
        Where to draw; a new figure with two stacked panels if omitted.

    Returns
    -------
    ndarray of 2 Axes

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> axes = hb.plotting.plot_trace(hb.simulate(20.0))
    >>> [ax.get_ylabel() for ax in axes]
    ['V (mV)', 'gate']
    """
    import matplotlib.pyplot as plt

    if result.V is None:
        raise ValueError("plot_trace needs V; record it with monitors=('V', ...)")
    _check_neuron(neuron, result.V.shape[1])
    if axes is None:
        _, axes = plt.subplots(2, 1, sharex=True, figsize=(8, 5), height_ratios=(2, 1))
    ax_v, ax_g = axes
    ax_v.plot(result.ts, result.V[:, neuron], color="k", lw=1)
    ax_v.set_ylabel("V (mV)")
    ax_v.set_title(f"Hodgkin-Huxley neuron {neuron}: {result.method}, dt = {result.dt} ms")
    plot_gates(result, neuron=neuron, ax=ax_g)
    ax_g.set_xlim(result.ts[0], result.ts[-1])
    return np.asarray(axes)


def _check_neuron(neuron: Any, count: int) -> None:
    if isinstance(neuron, (bool, np.bool_)) or not isinstance(neuron, (int, np.integer)):
        raise TypeError(f"neuron must be an int index, got {neuron!r}")
    if not -count <= neuron < count:
        raise ValueError(f"neuron = {neuron} is out of range: this result holds {count} neuron(s), 0 to {count - 1}")


def plot_gates(result: Any, neuron: int = 0, ax: Any = None) -> Any:
    """m, h and n of one neuron against time (ms). Returns the Axes.

    Parameters
    ----------
    result : HHResult
        A result with m, h and n recorded.
    neuron : int
        Which neuron (default 0).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> ax = hb.plotting.plot_gates(hb.simulate(20.0))
    >>> [line.get_label() for line in ax.get_lines()]
    ['m', 'h', 'n']
    """
    import matplotlib.pyplot as plt

    for name in ("m", "h", "n"):
        if getattr(result, name) is not None:
            _check_neuron(neuron, getattr(result, name).shape[1])

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.5))
    for name, color in (("m", "tab:red"), ("h", "tab:green"), ("n", "tab:blue")):
        trace = getattr(result, name)
        if trace is not None:
            ax.plot(result.ts, trace[:, neuron], color=color, lw=1, label=name)
    ax.set_xlabel("t (ms)")
    ax.set_ylabel("gate")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False, fontsize="small")
    return ax


def plot_raster(ts: Any, spike: Any, ax: Any = None, **kwargs: Any) -> Any:
    """Spike raster: a dot at (t, neuron) for each True in ``spike`` (shape (T, N)). Returns the Axes.

    Parameters
    ----------
    ts : array, shape (T,)
        Sample times, ms.
    spike : array of bool, shape (T, N)
        Spikes.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.simulate(50.0, Iext=[8.0, 12.0], size=2)
    >>> ax = hb.plotting.plot_raster(res.ts, res.spike)
    >>> ax.get_xlabel()
    't (ms)'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    step, neuron = np.nonzero(np.asarray(spike))
    ax.plot(np.asarray(ts)[step], neuron, "|", markersize=kwargs.pop("markersize", 3), **kwargs)
    ax.set_xlabel("t (ms)")
    ax.set_ylabel("neuron")
    return ax


def plot_fi(currents: Any, rates: Any, ax: Any = None, **kwargs: Any) -> Any:
    """F-I curve: firing rate (Hz) against current (uA/cm^2). Returns the Axes.

    Parameters
    ----------
    currents : array
        uA/cm^2.
    rates : array
        Hz.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> ax = hb.plotting.plot_fi([0.0, 5.0, 10.0], [0.0, 55.0, 75.0])
    >>> ax.get_ylabel()
    'firing rate (Hz)'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(currents, rates, "o-", markersize=3, **kwargs)
    ax.set_xlabel("Iext (uA/cm$^2$)")
    ax.set_ylabel("firing rate (Hz)")
    return ax


def plot_phase(result: Any, neuron: int = 0, ax: Any = None, *, nullclines: Any = None) -> Any:
    """Trajectory in the (V, n) plane; with ``nullclines`` also the reduced system's nullclines.

    ``nullclines`` is ``(V, n, dV, dn)`` on a grid, as returned by
    :func:`hh_brainpy.excitability.vn_nullclines` (m = m_inf(V),
    h = h_inf + n_inf at rest - n).  Returns the Axes.

    Parameters
    ----------
    result : HHResult
        A result with V and n recorded.
    neuron : int
        Which neuron (default 0).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    nullclines : tuple of four arrays, optional
        See above.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> ax = hb.plotting.plot_phase(hb.simulate(30.0), nullclines=hb.excitability.vn_nullclines(10.0, points=60))
    >>> ax.get_xlabel()
    'V (mV)'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    if result is not None:
        ax.plot(result.V[:, neuron], result.n[:, neuron], color="k", lw=0.8, label="trajectory")
    if nullclines is not None:
        V, n, dV, dn = nullclines
        ax.contour(V, n, dV, levels=[0.0], colors="tab:red")
        ax.contour(V, n, dn, levels=[0.0], colors="tab:blue")
        ax.plot([], [], color="tab:red", label="dV/dt = 0")
        ax.plot([], [], color="tab:blue", label="dn/dt = 0")
    ax.set_xlabel("V (mV)")
    ax.set_ylabel("n")
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    return ax


def plot_clamp(result: Any, axes: Any = None, *, what: str = "conductances") -> Any:
    """A voltage-clamp family: the command (top) and gNa, gK (``what="conductances"``, mS/cm^2) or
    INa, IK (``"currents"``, uA/cm^2, inward negative) below, every trace of the family.

    ``result`` is a :class:`hh_brainpy.clamp.ClampResult`.  Returns the two Axes.

    Parameters
    ----------
    result : ClampResult
        A clamp family.
    axes : pair of matplotlib Axes, optional
        Where to draw; a new figure if omitted.
    what : str
        ``"conductances"`` (default) or ``"currents"``.

    Returns
    -------
    ndarray of 2 Axes

    Raises
    ------
    ValueError
        Any other ``what``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> axes = hb.plotting.plot_clamp(hb.voltage_clamp([-40.0, 0.0], duration=5.0))
    >>> len(axes)
    2
    """
    import matplotlib.pyplot as plt

    if what not in ("conductances", "currents"):
        raise ValueError(f"what must be 'conductances' or 'currents', got {what!r}")
    if axes is None:
        _, axes = plt.subplots(2, 1, sharex=True, figsize=(8, 5), height_ratios=(1, 2))
    ax_v, ax_g = axes
    ax_v.plot(result.ts, result.V, color="k", lw=1)
    ax_v.set_ylabel("command (mV)")
    first, second = ("gNa", "gK") if what == "conductances" else ("INa", "IK")
    unit = "mS/cm$^2$" if what == "conductances" else "uA/cm$^2$"
    ax_g.plot(result.ts, getattr(result, first), color="tab:red", lw=1)
    ax_g.plot(result.ts, getattr(result, second), color="tab:blue", lw=1)
    ax_g.plot([], [], color="tab:red", label=first)
    ax_g.plot([], [], color="tab:blue", label=second)
    ax_g.set_ylabel(f"{what} ({unit})")
    ax_g.set_xlabel("t (ms)")
    ax_g.set_xlim(result.ts[0], result.ts[-1])
    ax_g.legend(loc="upper right", frameon=False)
    return np.asarray(axes)
