"""External current protocols, in uA/cm^2, as functions of time (ms).

A :class:`Stimulus` is evaluated once per integration step at the step's start
time ``t``; the integrator holds it constant over the step, as BrainPy's
runners do with their inputs.  Values may be scalars or per-neuron arrays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import check_dt, check_params

__all__ = ["Stimulus", "constant", "step", "ramp", "from_array", "as_stimulus"]


@dataclasses.dataclass(frozen=True)
class Stimulus:
    """A current protocol: ``stimulus(t)`` gives Iext (uA/cm^2) at time t (ms).

    Attributes
    ----------
    fn : callable
        ``fn(t) -> Iext``, jit-safe.
    description : str
        Human-readable summary, used in plots and ``repr``.
    t_end : float or None
        Last time (ms) the protocol defines; ``None`` for all times.
    """

    fn: Callable[[Any], Any]
    description: str
    t_end: float | None = None

    def __call__(self, t: Any) -> Any:
        """Return Iext (uA/cm^2) at time ``t`` (ms)."""
        return self.fn(t)

    def __repr__(self) -> str:
        return f"Stimulus({self.description})"


def _value(name: str, value: Any) -> Any:
    check_params({name: value})
    return jnp.asarray(value, dtype=float) if np.ndim(value) else float(value)


def constant(amplitude: Any) -> Stimulus:
    """A constant current ``amplitude`` (uA/cm^2; scalar or one per neuron)."""
    a = _value("Iext", amplitude)
    return Stimulus(lambda t: a + 0.0 * t, f"constant {amplitude} uA/cm^2")


def step(amplitude: Any, start: float, stop: float, baseline: Any = 0.0) -> Stimulus:
    """``amplitude`` for ``start <= t < stop`` (ms), ``baseline`` otherwise (uA/cm^2)."""
    a, b = _value("amplitude", amplitude), _value("baseline", baseline)
    check_params({"start": start, "stop": stop})
    if stop <= start:
        raise ValueError(f"step needs stop > start, got start={start}, stop={stop}")
    return Stimulus(
        lambda t: jnp.where((t >= start) & (t < stop), a, b),
        f"step {amplitude} uA/cm^2 from {start} to {stop} ms (baseline {baseline})",
    )


def ramp(start_value: Any, end_value: Any, start: float, stop: float) -> Stimulus:
    """Linear ramp from ``start_value`` at ``start`` to ``end_value`` at ``stop`` (ms), held outside."""
    a, b = _value("start_value", start_value), _value("end_value", end_value)
    check_params({"start": start, "stop": stop})
    if stop <= start:
        raise ValueError(f"ramp needs stop > start, got start={start}, stop={stop}")

    def fn(t: Any) -> Any:
        frac = jnp.clip((t - start) / (stop - start), 0.0, 1.0)
        return a + (b - a) * frac

    return Stimulus(fn, f"ramp {start_value} -> {end_value} uA/cm^2 over {start}-{stop} ms")


def from_array(values: Any, dt: float, t0: float = 0.0) -> Stimulus:
    """Sampled current: ``values[i]`` (shape ``(T,)`` or ``(T, N)``) holds on ``[t0 + i dt, t0 + (i+1) dt)``."""
    dt = check_dt(dt)
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0 or arr.shape[0] < 1:
        raise ValueError("from_array needs values with a leading time axis of length >= 1")
    check_params({"Iext": arr})
    data = jnp.asarray(arr)
    n = arr.shape[0]

    def fn(t: Any) -> Any:
        i = jnp.clip(jnp.floor((t - t0) / dt + 1e-6).astype(jnp.int32), 0, n - 1)
        return data[i]

    return Stimulus(fn, f"array of {n} samples at dt = {dt} ms", t_end=t0 + n * dt)


def as_stimulus(Iext: Any) -> Stimulus:
    """Turn a number, per-neuron array or :class:`Stimulus` into a :class:`Stimulus`."""
    if isinstance(Iext, Stimulus):
        return Iext
    if callable(Iext):
        raise TypeError("Iext must be a number, an array or an hh_brainpy Stimulus (see hh_brainpy.stimulus)")
    return constant(Iext)
