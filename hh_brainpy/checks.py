r"""Input validation: each check names the parameter and the allowed range.

Nothing in hh_brainpy is allowed to fail silently into NaN.  Bad arguments
raise ``TypeError`` (wrong kind) or ``ValueError`` (wrong value) here, before
anything is compiled; a run that still produces a non-finite value raises
:class:`NonFiniteError` naming the time (see :func:`check_finite_trace`).

Stability limits
----------------
Explicit Runge-Kutta methods are only conditionally stable, and the HH system
is stiff during a spike (the membrane time constant ``C / (gNa m^3 h + gK n^4
+ gL)`` falls to a few hundredths of a ms).  ``checks.DIVERGES_FROM`` holds the
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

import dataclasses
import math
import numbers
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from hh_brainpy.kinetics import Q10, T_REF
from hh_brainpy.params import DEFAULT_PARAMS, TEMPERATURE_RANGE, as_float_array, check_params

__all__ = [
    "METHODS", "EXPONENTIAL_METHODS", "PER_VARIABLE_METHODS", "SDE_METHODS",
    "DIVERGES_FROM", "GATE_DIVERGES_FROM", "TEMPERATURE_RANGE", "NonFiniteError", "max_stable_dt",
    "check_method", "check_dt", "check_dt_for_method", "check_duration",
    "check_params", "check_size", "check_gate", "check_state", "check_finite_trace",
    "check_record_every", "check_window", "check_memory", "available_memory", "check_real", "check_int",
    "RunPlan", "plan_run", "NEURON_DEFAULT_METHOD", "check_neuron_method",
]

# Measured as described in the module docstring, per method: (dt at divergence, ms; phi * dt at
# divergence when the gates set the limit, for warm neurons).  Methods of one family share their
# stability polynomial and the gate value.  None: exponential Euler did not diverge up to 0.3 ms.
_MEASURED: dict[str, tuple[float | None, float | None]] = {
    "euler": (0.07, 0.257),
    "rk2": (0.065, 0.419), "midpoint": (0.065, 0.419), "heun2": (0.065, 0.419), "ralston2": (0.065, 0.419),
    "rk3": (0.08, 0.392), "heun3": (0.09, 0.392), "ralston3": (0.085, 0.392), "ssprk3": (0.08, 0.392),
    "rk4": (0.085, 0.486), "ralston4": (0.09, 0.486), "rk4_38rule": (0.09, 0.486),
    "exp_auto": (None, None), "exp_euler": (None, None), "exp_euler_auto": (None, None),
    "exponential_euler": (None, None),
}
#: Smallest step (ms) at which each method diverged with the default parameters.
DIVERGES_FROM: dict[str, float | None] = {method: v[0] for method, v in _MEASURED.items()}
#: ``phi * dt`` at divergence where the gates set the limit (warm neurons).
GATE_DIVERGES_FROM: dict[str, float | None] = {method: v[1] for method, v in _MEASURED.items()}
#: The ``bp.odeint`` methods hh_brainpy accepts (fixed step), by BrainPy's names.
#:
#: >>> import hh_brainpy as hb
#: >>> "rk4" in hb.METHODS and "exp_auto" in hb.METHODS
#: True
METHODS = tuple(DIVERGES_FROM)
#: Methods that solve each variable's linear part exactly (``bp.odeint``'s exponential Euler).
EXPONENTIAL_METHODS = frozenset({"exp_auto", "exp_euler", "exp_euler_auto", "exponential_euler"})
#: Methods that :class:`hh_brainpy.HH` steps variable by variable (``bp.JointEq``), as ``bp.dyn.HH`` does:
#: the exponential ones (their linearisation is per variable) and the explicit Runge-Kutta methods of
#: one or two stages.  For those XLA compiles one loop per variable that evaluates only that variable's
#: rates, which measured 1.2-1.8x faster than the stacked state at 1e5-1e6 neurons; from three stages
#: on, the stacked state (:func:`hh_brainpy.kinetics.vector_field`) is faster.
PER_VARIABLE_METHODS = EXPONENTIAL_METHODS | {"euler", "rk2", "midpoint", "heun2", "ralston2"}
#: Of :data:`hh_brainpy.METHODS`, those ``bp.sdeint`` also has (for ``HH(noise=...)``).
SDE_METHODS = ("euler", "exp_auto", "exp_euler", "exp_euler_auto", "exponential_euler")

#: The default method of :class:`hh_brainpy.HH`: exponential Runge-Kutta in sub-steps
#: (:mod:`hh_brainpy.exponential_rk`); stable at any step, so it has no step limit here.
NEURON_DEFAULT_METHOD = "etdrk4"

_SAFETY = 0.6  # fraction of the divergence step that is accepted
_GRID = 0.005  # ms; the accepted step is rounded down to this grid
_EXP_MAX_DT = 0.25  # ms, for exponential methods (tested to 0.3 ms)
_DEFAULT_STIFFNESS = (DEFAULT_PARAMS.gNa + DEFAULT_PARAMS.gK + DEFAULT_PARAMS.gL) / DEFAULT_PARAMS.C


class NonFiniteError(FloatingPointError):
    """A simulation produced NaN or infinity; the message says where and when.

    Raised by :func:`hh_brainpy.simulate`, :class:`hh_brainpy.HHRunner`, :func:`hh_brainpy.integrate`
    and :func:`hh_brainpy.sweep` when V becomes NaN or infinite, with the neuron (or grid point) and
    the time in the message.  A subclass of ``FloatingPointError``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> try:
    ...     hb.simulate(5.0, Iext=1e6, dt=0.01)
    ... except hb.NonFiniteError as error:
    ...     print(type(error).__name__)
    NonFiniteError
    """


def _is_real_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _as_python_float(x: Any) -> float:
    """``float(x)``; a float32/float16 becomes the decimal it prints as (``np.float32(0.01)`` -> 0.01)."""
    x = np.asarray(x)[()] if isinstance(x, np.ndarray) else x
    if isinstance(x, np.floating) and x.dtype.itemsize < 8:
        return float(np.format_float_positional(x, unique=True))
    return float(x)


def check_method(method: Any) -> str:
    """Return ``method`` if hh_brainpy supports it, else raise ``ValueError`` listing :data:`hh_brainpy.METHODS`."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, one of {', '.join(METHODS)}; got {method!r}")
    if method not in DIVERGES_FROM:
        raise ValueError(f"unknown method {method!r}; use one of: {', '.join(METHODS)}")
    return method


def check_neuron_method(method: Any, noise: Any = None) -> str:
    """The method of an :class:`hh_brainpy.HH`: None for the default (``'etdrk4'``; ``'exp_auto'`` with noise),
    else any method ``bp.odeint`` (with ``noise``: ``bp.sdeint``) accepts."""
    import brainpy as bp  # here, so that checks stays importable without BrainPy's integrators loaded

    if method is None:
        return "exp_auto" if noise is not None else NEURON_DEFAULT_METHOD
    if not isinstance(method, str):
        raise TypeError(f"method must be a string (a bp.odeint method or 'etdrk4'), got {method!r}")
    if noise is not None:
        allowed = tuple(bp.integrators.sde.get_supported_methods())
        if method not in allowed:
            raise ValueError(f"noise needs a stochastic method, one of {', '.join(allowed)}; got {method!r}")
        return method
    allowed = (NEURON_DEFAULT_METHOD, *bp.integrators.ode.get_supported_methods())
    if method not in allowed:
        raise ValueError(f"unknown method {method!r}; use one of: {', '.join(allowed)}")
    return method


def check_dt(dt: Any) -> float:
    """Return ``dt`` as a float if it is a finite number > 0 ms, else raise."""
    if not _is_real_number(dt) and not (isinstance(dt, np.ndarray) and dt.ndim == 0 and dt.dtype.kind in "fiu"):
        raise TypeError(f"dt must be a real number of ms, got {dt!r}")
    dt = _as_python_float(dt)
    if not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be finite and > 0 ms, got {dt}")
    return dt


def max_stable_dt(method: str, **params: Any) -> float:
    r"""Largest step (ms) accepted for ``method`` with these parameters.

    Parameters
    ----------
    method : str
        One of :data:`hh_brainpy.METHODS`.
    **params
        Any of ``gNa``, ``gK``, ``gL`` (mS/cm^2), ``C`` (uF/cm^2) and
        ``temperature`` (deg C), scalars or per-neuron arrays; the stiffest
        neuron sets the limit.  Missing ones take the defaults; others are ignored.

    Returns
    -------
    float
        ``0.6 *`` the measured divergence step of ``checks.DIVERGES_FROM``, rounded
        down to 0.005 ms (0.25 ms for exponential methods), divided by ``stiffness / default
        stiffness`` when the parameters are stiffer than the defaults, where
        stiffness is ``(gNa + gK + gL) / C``; and no more than
        ``0.6 * GATE_DIVERGES_FROM[method] / phi`` with the temperature factor
        :math:`\phi = 3^{(T-6.3)/10}` of the warmest neuron.

    Raises
    ------
    ValueError
        An unknown method, or parameters outside their ranges.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> hb.max_stable_dt("rk4"), round(hb.max_stable_dt("rk4", gNa=240.0), 4)  # stiffer: smaller
    (0.05, 0.0283)
    """
    if method == NEURON_DEFAULT_METHOD:
        return math.inf
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
    phi = Q10 ** ((float(np.max(T)) - T_REF) / 10.0)
    return min(base / max(ratio, 1.0), _SAFETY * GATE_DIVERGES_FROM[method] / phi)


def check_dt_for_method(dt: Any, method: str, **params: Any) -> float:
    """Check ``dt`` and refuse a step beyond ``method``'s stability limit, with advice."""
    dt = check_dt(dt)
    limit = max_stable_dt(method, **params)
    if dt > limit * (1 + 1e-12):
        if DIVERGES_FROM.get(method) is None:
            raise ValueError(
                f"dt = {dt} ms is beyond the largest step tested for method {method!r} "
                f"(dt <= {_EXP_MAX_DT} ms; exponential Euler stayed stable up to 0.3 ms). Use dt <= {limit:.4g} ms."
            )
        raise ValueError(
            f"dt = {dt} ms is beyond the stability limit of method {method!r} for these "
            f"parameters (dt <= {limit:.4g} ms; with the default parameters it diverges from about "
            f"{DIVERGES_FROM[method]} ms). Use dt <= {limit:.4g} ms, or an exponential method "
            f"such as 'exp_auto', which stays stable up to {_EXP_MAX_DT} ms."
        )
    return dt


def check_duration(duration: Any, dt: float) -> int:
    """Return the number of steps in ``duration`` ms; it must be > 0, finite and a multiple of dt."""
    dt = check_dt(dt)
    if not _is_real_number(duration):
        raise TypeError(f"duration must be a real number of ms, got {duration!r}")
    duration = _as_python_float(duration)
    if not math.isfinite(duration) or duration <= 0:
        raise ValueError(f"duration must be finite and > 0 ms, got {duration}")
    steps = round(duration / dt)
    if steps < 1 or abs(steps * dt - duration) > 1e-9 * max(1.0, duration):
        raise ValueError(
            f"duration = {duration} ms is not a whole number of steps of dt = {dt} ms; "
            f"use e.g. duration = {max(steps, 1) * dt:.10g} ms"
        )
    return int(steps)


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
    arr = as_float_array(value, name)
    if not np.all((arr >= 0) & (arr <= 1)):
        raise ValueError(f"initial {name} must lie in [0, 1] (a gate's open fraction), got {value!r}")


def check_state(y0: Any, *, steady_allowed: bool = False) -> tuple[Any, Any, Any, Any]:
    """Check an initial state ``(V, m, h, n)``: four entries, V finite (mV), gates in [0, 1].

    With ``steady_allowed`` a gate may be ``None`` (the caller starts it at its steady state).
    """
    if isinstance(y0, (str, bytes)) or not hasattr(y0, "__len__") or len(y0) != 4:
        raise ValueError(f"y0 must be (V, m, h, n): four scalars or arrays, got {y0!r}")
    if y0[0] is None:
        raise ValueError("initial V must be given (mV), got None")
    V = as_float_array(y0[0], "V")
    if not np.all(np.isfinite(V)):
        raise ValueError(f"initial V must be finite (mV), got {y0[0]!r}")
    for name, value in zip("mhn", y0[1:], strict=True):
        if value is None and steady_allowed:
            continue
        check_gate(name, value)
    given = [y for y in y0 if y is not None]
    try:
        np.broadcast_shapes(*(np.shape(y) for y in given))
    except ValueError as exc:
        shapes = [np.shape(y) for y in given]
        raise ValueError(f"y0's V, m, h, n must have one shape (or broadcast), got {shapes}") from exc
    return tuple(y0)


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


def check_record_every(record_every: Any, steps: int, dt: float) -> int:
    """``record_every`` as an int in [1, steps] dividing ``steps``; else an error suggesting a duration."""
    if isinstance(record_every, (bool, np.bool_)) or not isinstance(record_every, numbers.Integral):
        raise TypeError(f"record_every must be an int in [1, {steps}] (the run's steps), got {record_every!r}")
    record_every = int(record_every)
    if not 1 <= record_every <= steps:
        raise ValueError(f"record_every must be an int in [1, {steps}] (the run's steps), got {record_every!r}")
    if steps % record_every:
        raise ValueError(
            f"the run is {steps} steps, not a multiple of record_every = {record_every}; "
            f"use e.g. duration = {steps // record_every * record_every * dt:.10g} ms"
        )
    return record_every


def check_window(window: Any, t_start: float, t_end: float) -> tuple[float, float]:
    """A recording window ``(t0, t1)`` with ``t_start <= t0 < t1 <= t_end`` (ms)."""
    try:
        t0, t1 = (float(w) for w in window)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"window must be two times (t0, t1) in ms, got {window!r}") from exc
    if not (math.isfinite(t0) and math.isfinite(t1) and t_start - 1e-9 <= t0 < t1 <= t_end + 1e-9):
        raise ValueError(f"window must satisfy {t_start:g} <= t0 < t1 <= {t_end:g} ms (this run), got {window!r}")
    return t0, t1


def available_memory() -> int:
    """Bytes this process may still allocate: the least of the free system memory (MemAvailable),
    the room left under its address-space limit (RLIMIT_AS) and under its cgroup's memory limit."""
    limits = [_free_system_memory()]
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append(max(0, soft - _status_bytes("VmSize:")))
    except (ImportError, OSError, ValueError):
        pass
    limits.extend(_cgroup_room())
    return int(min(limits))


def _free_system_memory() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2**62


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (e.g. ``VmSize:``) in bytes; 0 where there is none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cgroup_room() -> list[int]:
    """Bytes left under this process's cgroup memory limit (v2, else v1); empty where there is no limit."""
    pairs = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
             ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    for limit_file, usage_file in pairs:
        try:
            with open(limit_file) as f:
                limit = f.read().strip()
            with open(usage_file) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            return [max(0, int(limit) - usage)]
        return []
    return []


def check_memory(nbytes: int, what: str, way_out: str) -> None:
    """Refuse a run that would hold ``nbytes`` of ``what`` when that exceeds the memory available now."""
    free = available_memory()
    if nbytes > free:
        raise MemoryError(
            f"{what} would need {nbytes / 2**30:.3g} GiB, more than the {free / 2**30:.3g} GiB this process may "
            f"still allocate (free memory, its address-space limit and its cgroup limit); {way_out}"
        )


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False) -> float:
    """A finite real scalar within ``[low, high]`` (``(low, high]`` with ``low_open``), else an error naming it."""
    if not _is_real_number(value) and not (isinstance(value, np.ndarray) and value.ndim == 0
                                           and value.dtype.kind in "fiu"):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    x = _as_python_float(value)
    bad = not math.isfinite(x) or (low is not None and (x <= low if low_open else x < low)) or (
        high is not None and x > high)
    if bad:
        if low is None and high is None:
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be finite and in {'(' if low_open else '['}{lo}, {hi}], got {value!r}")
    return x


def check_int(name: str, value: Any, low: int) -> int:
    """An int >= ``low`` (NumPy integers too; not bools), else an error naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


#: Neuron-steps one compiled chunk may take (about 0.1-0.5 s here with rk4 or etdrk4): the bound on how
#: long Ctrl-C waits, since Python sees a signal only between compiled calls.
INTERRUPT_WORK = 2_000_000
#: Chunk lengths, in steps: round numbers, so that a run of a round duration divides into equal chunks
#: and compiles one loop, not two.
_NICE_STEPS = tuple(m * 10**e for e in range(2, 6) for m in (1, 2, 5)) + (10**6,)


def interruptible_chunk(n_neurons: int, steps: int) -> int:
    """Steps per compiled chunk for ``n_neurons``: all ``steps`` when they fit :data:`INTERRUPT_WORK`, else
    the largest round length (100, 200, 500, 1000, ...) that does (at least 100)."""
    budget = INTERRUPT_WORK // max(1, int(n_neurons))
    if steps <= budget:
        return max(1, int(steps))
    fitting = [c for c in _NICE_STEPS if c <= budget]
    return fitting[-1] if fitting else _NICE_STEPS[0]


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """What a run steps (``steps`` of ``dt``) and keeps: samples ``first..last``, sample i after i * record_every."""

    dt: float
    steps: int
    record_every: int
    first: int
    last: int

    @property
    def samples(self) -> int:
        """How many samples are kept."""
        return max(0, self.last - self.first + 1)


def plan_run(duration: Any, dt: Any, method: str, *, stiffness: Mapping[str, Any] | None = None,
             record_every: Any = 1, window: Any = None, t_start: float = 0.0, bytes_per_sample: int = 0,
             what: str = "the recorded samples",
             way_out: str = "record fewer samples (record_every=..., window=...)") -> RunPlan:
    """The one check of a run: dt (for the method and the ``stiffness`` parameters), duration, decimation,
    window and memory (``bytes_per_sample`` times the samples kept); returns the :class:`RunPlan`."""
    method = method if method == NEURON_DEFAULT_METHOD else check_method(method)
    dt = check_dt_for_method(dt, method, **dict(stiffness or {}))
    steps = check_duration(duration, dt)
    record_every = check_record_every(record_every, steps, dt)
    first, last = 0, steps // record_every
    if window is not None:
        t0, t1 = check_window(window, t_start, t_start + steps * dt)
        period = record_every * dt
        first = max(0, math.ceil((t0 - t_start) / period - 1e-9))
        last = min(last, math.floor((t1 - t_start) / period + 1e-9))
        if first > last:
            raise ValueError(f"window {window!r} holds no sample of this run: samples fall every {period:g} ms "
                             f"from t = {t_start:g} ms; widen the window or record more often (record_every)")
    plan = RunPlan(dt, steps, record_every, first, last)
    check_memory(plan.samples * bytes_per_sample, what, way_out)
    return plan
