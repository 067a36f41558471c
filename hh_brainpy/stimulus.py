"""External current protocols, in uA/cm^2, as functions of time (ms).

A :class:`Stimulus` is evaluated once per integration step at the step's start
time ``t``; the integrator holds it constant over the step, as BrainPy's
runners do with their inputs.  Values may be scalars or per-neuron arrays.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import check_dt, check_params

__all__ = ["Stimulus", "constant", "step", "ramp", "from_array", "as_stimulus"]


@dataclasses.dataclass(frozen=True)
class Stimulus:
    """A current protocol: ``stimulus(t)`` gives Iext (uA/cm^2) at time t (ms).

    A ``Stimulus`` is a JAX pytree whose leaves are its numbers (``data``):
    compiled loops take it as an argument, so a new protocol of the same kind
    and shapes runs in the loop already compiled, and never a stale one.

    Attributes
    ----------
    fn : callable
        ``fn(t, **data) -> Iext``, jit-safe.  The builders below use
        module-level functions, so two protocols of one kind share a compiled loop.
    description : str
        Human-readable summary, used in plots and ``repr``.
    t_end : float or None
        Last time (ms) the protocol defines; ``None`` for all times.
    data : dict of arrays
        The protocol's numbers (amplitudes, times, samples), passed to ``fn``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> pulse = hb.stimulus.step(10.0, start=5.0, stop=15.0)
    >>> [float(pulse(t)) for t in (0.0, 5.0, 14.99, 15.0)]
    [0.0, 10.0, 10.0, 0.0]
    >>> pulse.t_end is None
    True
    """

    fn: Callable[..., Any]
    description: str
    t_end: float | None = None
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __call__(self, t: Any) -> Any:
        """Return Iext (uA/cm^2) at time ``t`` (ms)."""
        return self.fn(t, **self.data)

    def __repr__(self) -> str:
        return f"Stimulus({self.description})"


def _flatten(stim: Stimulus) -> tuple[tuple[Any], tuple[Any, tuple[str, ...]]]:
    keys = tuple(sorted(stim.data))
    return (tuple(stim.data[key] for key in keys),), (stim.fn, keys)


def _unflatten(aux: tuple[Any, tuple[str, ...]], children: tuple[Any]) -> Stimulus:
    fn, keys = aux
    return Stimulus(fn, "(traced)", None, dict(zip(keys, children[0], strict=True)))


jax.tree_util.register_pytree_node(Stimulus, _flatten, _unflatten)


def _value(name: str, value: Any) -> Any:
    check_params({name: value})
    return jnp.asarray(value, dtype=float)


def _time(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite time in ms, got {value!r}")
    return float(value)


def _constant(t: Any, amplitude: Any) -> Any:
    return amplitude + 0.0 * t


def _step(t: Any, amplitude: Any, baseline: Any, start: Any, stop: Any) -> Any:
    return jnp.where((t >= start) & (t < stop), amplitude, baseline)


def _ramp(t: Any, start_value: Any, end_value: Any, start: Any, stop: Any) -> Any:
    frac = jnp.clip((t - start) / (stop - start), 0.0, 1.0)
    return start_value + (end_value - start_value) * frac


def _sampled(t: Any, values: Any, t0: Any, dt: Any) -> Any:
    i = jnp.clip(jnp.floor((t - t0) / dt + 1e-6).astype(jnp.int32), 0, values.shape[0] - 1)
    return values[i]


def constant(amplitude: Any) -> Stimulus:
    """A constant current ``amplitude`` (uA/cm^2; scalar or one per neuron).

    Parameters
    ----------
    amplitude : float or array of shape (N,)
        The current, uA/cm^2, finite.

    Returns
    -------
    Stimulus

    Raises
    ------
    ValueError
        A non-finite amplitude.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> float(hb.stimulus.constant(10.0)(42.0))
    10.0
    """
    return Stimulus(_constant, f"constant {amplitude} uA/cm^2", data={"amplitude": _value("Iext", amplitude)})


def _interval(start: Any, stop: Any, kind: str) -> tuple[float, float]:
    start, stop = _time("start", start), _time("stop", stop)
    if stop <= start:
        raise ValueError(f"{kind} needs stop > start (ms), got start={start}, stop={stop}")
    return start, stop


def step(amplitude: Any, start: float, stop: float, baseline: Any = 0.0) -> Stimulus:
    """``amplitude`` for ``start <= t < stop`` (ms), ``baseline`` otherwise (uA/cm^2).

    Parameters
    ----------
    amplitude : float or array of shape (N,)
        The current during the step, uA/cm^2.
    start, stop : float
        When the step begins and ends, ms (``start < stop``).
    baseline : float or array of shape (N,)
        The current outside it, uA/cm^2 (default 0).

    Returns
    -------
    Stimulus

    Raises
    ------
    ValueError
        Non-finite values, or ``stop <= start``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.simulate(30.0, Iext=hb.stimulus.step(10.0, 10.0, 20.0))
    >>> [round(float(t), 1) for t in res.spike_times()[0]]
    [12.3]
    """
    start, stop = _interval(start, stop, "step")
    return Stimulus(
        _step, f"step {amplitude} uA/cm^2 from {start} to {stop} ms (baseline {baseline})",
        data={"amplitude": _value("amplitude", amplitude), "baseline": _value("baseline", baseline),
              "start": jnp.asarray(start), "stop": jnp.asarray(stop)},
    )


def ramp(start_value: Any, end_value: Any, start: float, stop: float) -> Stimulus:
    """Linear ramp from ``start_value`` at ``start`` to ``end_value`` at ``stop`` (ms), held outside.

    Parameters
    ----------
    start_value, end_value : float or array of shape (N,)
        The current at ``start`` and at ``stop``, uA/cm^2.
    start, stop : float
        The ramp's ends, ms (``start < stop``).

    Returns
    -------
    Stimulus

    Raises
    ------
    ValueError
        Non-finite values, or ``stop <= start``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> r = hb.stimulus.ramp(0.0, 20.0, start=0.0, stop=100.0)
    >>> [float(r(t)) for t in (-1.0, 50.0, 200.0)]
    [0.0, 10.0, 20.0]
    """
    start, stop = _interval(start, stop, "ramp")
    return Stimulus(
        _ramp, f"ramp {start_value} -> {end_value} uA/cm^2 over {start}-{stop} ms",
        data={"start_value": _value("start_value", start_value), "end_value": _value("end_value", end_value),
              "start": jnp.asarray(start), "stop": jnp.asarray(stop)},
    )


def from_array(values: Any, dt: float, t0: float = 0.0) -> Stimulus:
    """Sampled current: ``values[i]`` (shape ``(T,)`` or ``(T, N)``) holds on ``[t0 + i dt, t0 + (i+1) dt)``.

    Parameters
    ----------
    values : array of shape (T,) or (T, N)
        The samples, uA/cm^2, finite.
    dt : float
        Their spacing, ms (> 0); need not equal the integration step.
    t0 : float
        Time of the first sample, ms (default 0).

    Returns
    -------
    Stimulus
        Defined up to ``t_end = t0 + T dt``; a run must not outlast it.

    Raises
    ------
    ValueError
        Non-finite samples, a bad shape or a non-positive ``dt``.

    Examples
    --------
    >>> import numpy as np
    >>> import hh_brainpy as hb
    >>> s = hb.stimulus.from_array(np.array([0.0, 5.0, 10.0]), dt=1.0)
    >>> [float(s(t)) for t in (0.5, 1.5, 2.5)], s.t_end
    ([0.0, 5.0, 10.0], 3.0)
    """
    dt = check_dt(dt)
    t0 = _time("t0", t0)
    arr = np.asarray(values, dtype=float) if not isinstance(values, (str, bytes)) else np.asarray([])
    if arr.ndim == 0 or arr.shape[0] < 1:
        raise ValueError("from_array needs values with a leading time axis of length >= 1")
    check_params({"Iext": arr})
    n = arr.shape[0]
    return Stimulus(_sampled, f"array of {n} samples at dt = {dt} ms", t_end=t0 + n * dt,
                    data={"values": jnp.asarray(arr), "t0": jnp.asarray(t0), "dt": jnp.asarray(dt)})


def as_stimulus(Iext: Any) -> Stimulus:
    """Turn a number, per-neuron array or :class:`Stimulus` into a :class:`Stimulus`.

    Parameters
    ----------
    Iext : float, array of shape (N,), or Stimulus
        A constant current (uA/cm^2), one per neuron, or a protocol (returned as it is).

    Returns
    -------
    Stimulus

    Raises
    ------
    ValueError
        A non-finite current.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> hb.stimulus.as_stimulus(5.0).description
    'constant 5.0 uA/cm^2'
    """
    if isinstance(Iext, Stimulus):
        return Iext
    if callable(Iext):
        raise TypeError("Iext must be a number, an array or an hh_brainpy Stimulus (see hh_brainpy.stimulus)")
    return constant(Iext)
