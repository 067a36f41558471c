"""Input validation: each check names the parameter and the allowed range.

Nothing in hh_brainpy is allowed to fail silently into NaN.  Bad arguments
raise ``TypeError`` (wrong kind) or ``ValueError`` (wrong value) here, before
anything is compiled; a run that still produces a non-finite value raises
:class:`NonFiniteError` naming the time (see :func:`check_finite_trace`).

Stability limits
----------------
Explicit Runge-Kutta methods are only conditionally stable, and the HH system
is stiff during a spike (the membrane time constant ``C / (gNa m^3 h + gK n^4
+ gL)`` falls to a few hundredths of a ms).  :data:`DIVERGES_FROM` holds the
smallest step (ms, on a 0.005 ms grid) at which each method was seen to
diverge, or let a gate leave [0, 1], with the default parameters in float64:
100 ms at Iext = 0, 10 and 50 uA/cm^2, from rest and from V = m = h = n = 0.
We accept steps up to 60 % of it, rounded down to 0.005 ms (rk4: diverges from
0.085 ms, accepted up to 0.05 ms; Euler: 0.07 and 0.04 ms).  Stiffness scales
with ``(gNa + gK + gL) / C``, so when that ratio exceeds the default's the limit
shrinks in proportion; it never grows.

Warmer neurons have faster gates: every rate is multiplied by
:math:`\phi = 3^{(T-6.3)/10}`.  Up to about 20 deg C the membrane still sets the
limit; above it the gates do, and the divergence step falls as ``1/phi``.
:data:`GATE_DIVERGES_FROM` holds ``phi * dt`` at divergence, the smallest seen
at 30, 37 and 45 deg C (same protocol, 30 ms, 0.001 ms grid; rk4: 0.036 ms at
30 deg C, 0.018 at 37, 0.008 at 45).  The accepted step is also at most 60 % of
``GATE_DIVERGES_FROM / phi``; for rk4 at 37 deg C that is 0.0099 ms.
Exponential-Euler methods solve each linear part exactly and did not diverge
up to 0.3 ms; they are accepted up to 0.25 ms (accuracy is another matter:
see the README).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from hh_brainpy.params import DEFAULT_PARAMS

__all__ = [
    "METHODS", "DIVERGES_FROM", "GATE_DIVERGES_FROM", "TEMPERATURE_RANGE", "NonFiniteError", "max_stable_dt",
    "check_method", "check_dt", "check_dt_for_method", "check_duration",
    "check_params", "check_size", "check_gate", "check_finite_trace",
]

# Measured as described in the module docstring (ms); None: no divergence up to 0.3 ms.
DIVERGES_FROM: dict[str, float | None] = {
    "euler": 0.07,
    "rk2": 0.065, "midpoint": 0.065, "heun2": 0.065, "ralston2": 0.065,
    "rk3": 0.08, "heun3": 0.09, "ralston3": 0.085, "ssprk3": 0.08,
    "rk4": 0.085, "ralston4": 0.09, "rk4_38rule": 0.09,
    "exp_auto": None, "exp_euler": None, "exp_euler_auto": None, "exponential_euler": None,
}
# phi * dt at divergence when the gates set the limit (warm neurons); methods of one
# family share their stability polynomial and the value.
GATE_DIVERGES_FROM: dict[str, float | None] = {
    "euler": 0.257,
    "rk2": 0.419, "midpoint": 0.419, "heun2": 0.419, "ralston2": 0.419,
    "rk3": 0.392, "heun3": 0.392, "ralston3": 0.392, "ssprk3": 0.392,
    "rk4": 0.486, "ralston4": 0.486, "rk4_38rule": 0.486,
    "exp_auto": None, "exp_euler": None, "exp_euler_auto": None, "exponential_euler": None,
}
#: The ``bp.odeint`` methods hh_brainpy accepts (fixed step).
METHODS = tuple(DIVERGES_FROM)

_SAFETY = 0.6  # fraction of the divergence step that is accepted
_GRID = 0.005  # ms; the accepted step is rounded down to this grid
_EXP_MAX_DT = 0.25  # ms, for exponential methods (tested to 0.3 ms)
#: Allowed temperatures, deg C (outside them the q10 extrapolation is meaningless).
TEMPERATURE_RANGE = (-5.0, 50.0)
_DEFAULT_STIFFNESS = (DEFAULT_PARAMS.gNa + DEFAULT_PARAMS.gK + DEFAULT_PARAMS.gL) / DEFAULT_PARAMS.C


class NonFiniteError(FloatingPointError):
    """A simulation produced NaN or infinity; the message says where and when."""


def _is_real_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _as_float_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, bool) or isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}") from exc
    return arr


def check_method(method: Any) -> str:
    """Return ``method`` if hh_brainpy supports it, else raise ``ValueError`` listing :data:`METHODS`."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, one of {', '.join(METHODS)}; got {method!r}")
    if method not in DIVERGES_FROM:
        raise ValueError(f"unknown method {method!r}; use one of: {', '.join(METHODS)}")
    return method


def check_dt(dt: Any) -> float:
    """Return ``dt`` as a float if it is a finite number > 0 ms, else raise."""
    if not _is_real_number(dt) and not (isinstance(dt, np.ndarray) and dt.ndim == 0):
        raise TypeError(f"dt must be a real number of ms, got {dt!r}")
    dt = float(dt)
    if not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be finite and > 0 ms, got {dt}")
    return dt


def max_stable_dt(method: str, **params: Any) -> float:
    """Largest step (ms) accepted for ``method`` with these parameters.

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    **params
        Any of ``gNa``, ``gK``, ``gL`` (mS/cm^2), ``C`` (uF/cm^2) and
        ``temperature`` (deg C), scalars or per-neuron arrays; the stiffest
        neuron sets the limit.  Missing ones take the defaults; others are ignored.

    Returns
    -------
    float
        ``0.6 *`` the measured divergence step of :data:`DIVERGES_FROM`, rounded
        down to 0.005 ms (0.25 ms for exponential methods), divided by ``stiffness / default
        stiffness`` when the parameters are stiffer than the defaults, where
        stiffness is ``(gNa + gK + gL) / C``; and no more than
        ``0.6 * GATE_DIVERGES_FROM[method] / phi`` with the temperature factor
        :math:`\phi = 3^{(T-6.3)/10}` of the warmest neuron.
    """
    check_method(method)
    diverges = DIVERGES_FROM[method]
    if diverges is None:
        return _EXP_MAX_DT
    base = math.floor(_SAFETY * diverges / _GRID + 1e-9) * _GRID
    g = sum(
        np.asarray(params.get(name, getattr(DEFAULT_PARAMS, name)), dtype=float)
        for name in ("gNa", "gK", "gL")
    )
    C = np.asarray(params.get("C", DEFAULT_PARAMS.C), dtype=float)
    ratio = float(np.max(g / C)) / _DEFAULT_STIFFNESS
    T = np.asarray(params.get("temperature", DEFAULT_PARAMS.temperature), dtype=float)
    phi = 3.0 ** ((float(np.max(T)) - 6.3) / 10.0)
    return min(base / max(ratio, 1.0), _SAFETY * GATE_DIVERGES_FROM[method] / phi)


def check_dt_for_method(dt: Any, method: str, **params: Any) -> float:
    """Check ``dt`` and refuse a step beyond ``method``'s stability limit, with advice."""
    dt = check_dt(dt)
    limit = max_stable_dt(method, **params)
    if dt > limit * (1 + 1e-12):
        raise ValueError(
            f"dt = {dt} ms is beyond the stability limit of method {method!r} for these "
            f"parameters (dt <= {limit:.4g} ms; with the default parameters it diverges from about "
            f"{DIVERGES_FROM[method]} ms). Use dt <= {limit:.4g} ms, or an exponential method "
            f"such as 'exp_auto', which stays stable up to {_EXP_MAX_DT} ms."
        )
    return dt


def check_duration(duration: Any, dt: float) -> int:
    """Return the number of steps in ``duration`` ms; it must be > 0, finite and a multiple of dt."""
    if not _is_real_number(duration):
        raise TypeError(f"duration must be a real number of ms, got {duration!r}")
    duration = float(duration)
    if not math.isfinite(duration) or duration <= 0:
        raise ValueError(f"duration must be finite and > 0 ms, got {duration}")
    steps = round(duration / dt)
    if steps < 1 or abs(steps * dt - duration) > 1e-9 * max(1.0, duration):
        raise ValueError(
            f"duration = {duration} ms is not a whole number of steps of dt = {dt} ms; "
            f"use e.g. duration = {max(steps, 1) * dt:.10g} ms"
        )
    return int(steps)


def check_params(params: Mapping[str, Any]) -> None:
    """Check model parameters: finite; ``C`` > 0; conductances >= 0; temperature in [-5, 50] deg C.

    Callables (BrainPy initializers) are skipped here; :class:`hh_brainpy.HH`
    checks them once initialised.
    """
    for name, value in params.items():
        if callable(value):
            continue
        arr = _as_float_array(value, name)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got {value!r}")
        if name == "C" and np.any(arr <= 0):
            raise ValueError(f"C (membrane capacitance, uF/cm^2) must be > 0, got {value!r}")
        if name == "temperature" and np.any((arr < TEMPERATURE_RANGE[0]) | (arr > TEMPERATURE_RANGE[1])):
            raise ValueError(
                f"temperature must lie in [{TEMPERATURE_RANGE[0]:g}, {TEMPERATURE_RANGE[1]:g}] deg C, got {value!r}"
            )
        if name.startswith("g") and np.any(arr < 0):
            raise ValueError(f"{name} (maximal conductance, mS/cm^2) must be >= 0, got {value!r}")


def check_size(size: Any) -> Any:
    """Check a population size: an int >= 1 or a tuple of them."""
    dims = size if isinstance(size, (tuple, list)) else (size,)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"size must be an int >= 1 or a tuple of them, got {size!r}")
        if d < 1:
            raise ValueError(f"size must be >= 1 in every dimension, got {size!r}")
    return size


def check_gate(name: str, value: Any) -> None:
    """Check that an initial gate value lies in [0, 1]."""
    arr = _as_float_array(value, name)
    if not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"initial {name} must lie in [0, 1] (a gate's open fraction), got {value!r}")


def check_finite_trace(ts: np.ndarray, traces: Mapping[str, Any]) -> None:
    """Raise :class:`NonFiniteError` naming the first time (and neuron) where a trace is not finite."""
    for name, values in traces.items():
        arr = np.asarray(values)
        if arr.dtype == bool or np.all(np.isfinite(arr)):
            continue
        bad = ~np.isfinite(arr.reshape(arr.shape[0], -1))
        step = int(np.argmax(bad.any(axis=1)))
        neuron = int(np.argmax(bad[step]))
        raise NonFiniteError(
            f"{name} became non-finite at t = {float(ts[step]):.6g} ms (step {step}, neuron "
            f"{neuron}). Check the parameters and the input current, or reduce dt."
        )
