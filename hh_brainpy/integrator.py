r"""The functional Hodgkin-Huxley integrator: ``integral`` and ``make_integral``.

:data:`integral` is a ``brainpy.odeint`` integrator (classical 4th-order
Runge-Kutta, ``dt = 0.01`` ms) that a user steps in a loop of their own::

    import brainpy as bp
    from hh_brainpy import integral

    V, m, h, n = 0., 0., 0., 0.
    for t in bp.math.arange(0, 100, integral.dt):
        V, m, h, n = integral(V, m, h, n, t, 10., 120., 50., 36., -77., 0.03, -54.387, 1.)

The right-hand side joins :func:`dV`, :func:`dm`, :func:`dh` and :func:`dn`
(``bp.JointEq``), each built from :mod:`hh_brainpy.kinetics`;
:class:`hh_brainpy.HH` uses the same kinetics.

Compiled loops (:func:`integrate`, :func:`trajectory`, :func:`hh_brainpy.sweep`)
step the same equations on one stacked state ``Y = [V, m, h, n]``
(:func:`dY`, built by :func:`make_step`).  The arithmetic is the same; the
difference is how XLA compiles it: with four separate variables each
Runge-Kutta stage becomes about six array loops, with one stacked array it
becomes one, and a step runs about twice as fast (see ``benchmarks/``).
Exponential-Euler methods linearise each variable on its own, so for them
:func:`make_step` keeps the four variables of :data:`derivative`.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any, NamedTuple

import brainpy as bp
import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import (
    EXPONENTIAL_METHODS,
    check_dt_for_method,
    check_finite_trace,
    check_method,
    check_params,
    check_state,
    interruptible_chunk,
    plan_run,
)
from hh_brainpy.params import DEFAULT_DT, DEFAULT_IEXT, PARAM_NAMES, HHParams
from hh_brainpy.params import DEFAULT_PARAMS as _D

__all__ = [
    "dV", "dm", "dh", "dn", "derivative", "dY", "EXPONENTIAL_METHODS", "make_step",
    "make_integral", "integral", "integrate", "trajectory", "Trajectory",
]


def dV(
    V: Any, t: Any, m: Any, h: Any, n: Any,
    Iext: Any = DEFAULT_IEXT,
    gNa: Any = _D.gNa, ENa: Any = _D.ENa, gK: Any = _D.gK, EK: Any = _D.EK,
    gL: Any = _D.gL, EL: Any = _D.EL, C: Any = _D.C,
) -> Any:
    r"""Membrane equation :math:`C\,dV/dt = I_{ext} - I_{Na} - I_K - I_L`, in mV/ms.

    ``Iext`` in uA/cm^2, conductances in mS/cm^2, potentials in mV, ``C`` in
    uF/cm^2; see :func:`hh_brainpy.kinetics.dVdt`.  ``t`` is unused (the
    system is autonomous) and present for ``bp.odeint``.
    """
    return k.dVdt(V, m, h, n, Iext, gNa, ENa, gK, EK, gL, EL, C)


def dm(m: Any, t: Any, V: Any, temperature: Any = _D.temperature) -> Any:
    r"""Sodium activation :math:`dm/dt = \phi(T)[\alpha_m(V)(1-m) - \beta_m(V)\,m]`, 1/ms (T in deg C)."""
    return k.gate_derivative(m, *k.rates(V)[0:2], k.temperature_factor(temperature))


def dh(h: Any, t: Any, V: Any, temperature: Any = _D.temperature) -> Any:
    r"""Sodium inactivation :math:`dh/dt = \phi(T)[\alpha_h(V)(1-h) - \beta_h(V)\,h]`, 1/ms (T in deg C)."""
    return k.gate_derivative(h, *k.rates(V)[2:4], k.temperature_factor(temperature))


def dn(n: Any, t: Any, V: Any, temperature: Any = _D.temperature) -> Any:
    r"""Potassium activation :math:`dn/dt = \phi(T)[\alpha_n(V)(1-n) - \beta_n(V)\,n]`, 1/ms (T in deg C)."""
    return k.gate_derivative(n, *k.rates(V)[4:6], k.temperature_factor(temperature))


#: The whole system, ``derivative(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C, temperature)``
#: returning ``[dV, dm, dh, dn]``.
derivative = bp.JointEq(dV, dm, dh, dn)


def dY(
    Y: Any, t: Any,
    Iext: Any = DEFAULT_IEXT,
    gNa: Any = _D.gNa, ENa: Any = _D.ENa, gK: Any = _D.gK, EK: Any = _D.EK,
    gL: Any = _D.gL, EL: Any = _D.EL, C: Any = _D.C, temperature: Any = _D.temperature,
) -> Any:
    r"""The whole system on a stacked state: ``Y = [V, m, h, n]`` (axis 0) to ``[dV, dm, dh, dn]``.

    :func:`hh_brainpy.kinetics.vector_field` with the parameters spelled out
    as ``bp.odeint`` needs them (units as in :class:`hh_brainpy.HHParams`).
    """
    return k.vector_field(Y, Iext, HHParams(gNa, ENa, gK, EK, gL, EL, C, temperature), key=t)


@functools.cache
def stacked_integral(method: str) -> Any:
    """``bp.odeint(dY, method=method)``, built once per method; called as ``f(Y, t, Iext, *params, dt=dt)``.

    The form in which :class:`hh_brainpy.HH` steps its own equations with a named
    Runge-Kutta method of three or more stages (see
    :data:`hh_brainpy.checks.PER_VARIABLE_METHODS`): BrainPy's method on the stacked
    state, with ``dt`` given at each call.
    """
    return bp.odeint(dY, method=method)


def make_step(method: str, dt: float) -> Any:
    """One step on the stacked state: ``step(Y, t, Iext, gNa, ENa, gK, EK, gL, EL, C, temperature) -> Y``.

    ``Y = [V, m, h, n]`` stacked along axis 0.  Runge-Kutta methods integrate
    :func:`dY`; exponential methods integrate :data:`derivative` variable by
    variable (their linearisation is per variable).  No checks: validate
    ``method`` and ``dt`` first (:func:`integrate` does).
    """
    if method not in EXPONENTIAL_METHODS:
        return bp.odeint(dY, method=method, dt=dt)
    joint = bp.odeint(derivative, method=method, dt=dt)

    def step(Y: Any, t: Any, *args: Any) -> Any:
        return jnp.stack(joint(*Y, t, *args))

    return step


def make_integral(method: str = "rk4", dt: float = DEFAULT_DT, *, jit: bool = True) -> Any:
    r"""Build the functional HH integrator for any ``bp.odeint`` method and step.

    Notes
    -----
    The system integrated, in ms, mV, mS/cm^2, uF/cm^2 and uA/cm^2:

    .. math::

        C \frac{dV}{dt} &= -g_{Na} m^3 h (V-E_{Na}) - g_K n^4 (V-E_K) - g_L (V-E_L) + I_{ext}, \\
        \frac{dx}{dt} &= \alpha_x(V)(1-x) - \beta_x(V)\,x, \quad x \in \{m, h, n\},

    with the six rate functions of :mod:`hh_brainpy.kinetics` (Hodgkin & Huxley 1952).

    Parameters
    ----------
    method : str
        A ``brainpy.odeint`` method (``'rk4'``, ``'euler'``, ``'rk2'``,
        ``'exp_auto'``, ...; see :data:`hh_brainpy.METHODS`).  Default ``'rk4'``.
    dt : float
        Integration step, ms.  Always explicit: BrainPy freezes ``dt`` when an
        integrator is created and would otherwise take its global default of
        0.1 ms, a step at which rk4 diverges for this model.  A step beyond the
        method's stability limit (:func:`hh_brainpy.max_stable_dt`) raises
        ``ValueError``.
    jit : bool
        Compile the one-step update with ``jax.jit`` (default): microseconds a
        call instead of milliseconds of eager dispatch, the same arithmetic.

    Returns
    -------
    ODEIntegrator
        Called as ``integral(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C)``
        (the arguments after ``t`` are optional, defaults as
        :class:`hh_brainpy.HHParams` and ``Iext = 10`` uA/cm^2), it returns ``(V, m, h, n)``
        one step ``integral.dt`` later, broadcast to the inputs' shape.

        Only ``method`` and ``dt`` are checked, here: each call is the hot path
        of a Python loop (~20 us) and checks **nothing** (state, parameters,
        stability for stiffer or warmer parameters).  :func:`integrate` is the
        same step compiled, with every argument checked.

    Examples
    --------
    >>> from hh_brainpy import make_integral
    >>> euler = make_integral("euler", dt=0.005)
    >>> V, m, h, n = euler(-65.0, 0.05, 0.6, 0.32, 0.0)
    >>> bool(V > -65.0)
    True

    References
    ----------
    .. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544.
    .. [2] Kutta, W. (1901). Z. Math. Phys. 46:435-453 (the classical RK4).
    """
    integ = bp.odeint(derivative, method=check_method(method), dt=check_dt_for_method(dt, method))
    if jit:
        integ.set_integral(_jit_positional(integ.integral))
    return integ


def _jit_positional(step: Any) -> Any:
    """Compile ``step(**kwargs)`` with ``jax.jit`` behind a positional call.

    ``ODEIntegrator`` calls its step with keyword arguments; jit's fast C++
    dispatch path is taken only for positional ones, so the keywords are put
    in signature order here (missing ones take their defaults).

    Parameters after ``t`` are usually the same Python floats on every call
    (gNa, ENa, ...).  Each Python float costs a host-to-device transfer per
    call, so those are converted once and kept (weakly typed, exactly as jit
    would convert them, and per x64 setting); ``t`` and the state are passed
    as given.  This halves the cost of a call from Python.
    """
    sig = inspect.signature(step)
    names = tuple(sig.parameters)
    defaults = {name: p.default for name, p in sig.parameters.items() if p.default is not p.empty}
    constant = frozenset(names[names.index("t") + 1:]) if "t" in names else frozenset()
    compiled = jax.jit(lambda *args: step(**dict(zip(names, args, strict=True))))
    as_weak_array = jax.jit(lambda x: x)  # a Python float becomes a weakly typed array, as in jit
    caches: dict[bool, dict[float, Any]] = {False: {}, True: {}}  # per x64 setting

    def convert(value: Any, cache: dict[float, Any]) -> Any:
        if type(value) is not float or not math.isfinite(value):  # NaN != NaN: it would never be found again
            return value
        array = cache.get(value)
        if array is None:
            if len(cache) > 4096:
                cache.clear()
            array = cache[value] = as_weak_array(value)
        return array

    @functools.wraps(step)
    def call(**kwargs: Any) -> Any:
        cache = caches[bool(jax.config.jax_enable_x64)]
        return compiled(*[
            (convert(kwargs[name], cache) if name in constant else kwargs[name]) if name in kwargs
            else convert(defaults[name], cache)
            for name in names
        ])

    return call


#: The functional Hodgkin-Huxley integrator: ``bp.odeint``, rk4, dt = 0.01 ms (``integral.dt``),
#: one step per call, to be stepped in a loop of your own:
#: ``integral(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C[, temperature]) -> (V, m, h, n)``.
#:
#: It integrates :math:`C\,dV/dt = -g_{Na} m^3 h (V-E_{Na}) - g_K n^4 (V-E_K) - g_L (V-E_L) + I_{ext}`
#: and :math:`dx/dt = \alpha_x(V)(1-x) - \beta_x(V)\,x` for x in m, h, n, with the rates of
#: :mod:`hh_brainpy.kinetics` (Hodgkin & Huxley 1952).  Arguments: V in mV and the gates in [0, 1];
#: t in ms; Iext in uA/cm^2; gNa, gK, gL in mS/cm^2; ENa, EK, EL in mV; C in uF/cm^2; temperature in
#: deg C (default 6.3).  Returns the state after one step.  Calls are not checked (a loop's cost);
#: :func:`make_integral` builds it for other methods and steps, and :func:`integrate` is the
#: checked, compiled loop.
#:
#: >>> import hh_brainpy as hb
#: >>> V, m, h, n = -65.0, 0.0529, 0.5961, 0.3177
#: >>> for i in range(250):  # 2.5 ms at 10 uA/cm^2
#: ...     V, m, h, n = hb.integral(V, m, h, n, i * hb.integral.dt, 10.0, 120.0, 50.0, 36.0, -77.0, 0.03,
#: ...                              -54.387, 1.0)
#: >>> bool(V > 0.0)  # the first upstroke is under way
#: True
integral = make_integral("rk4", DEFAULT_DT)


class Trajectory(NamedTuple):
    """What :func:`integrate` returns: the time axis and the four states, time first.

    ``ts`` has shape (T,) (ms, ``T = steps + 1``, starting at 0 with the
    initial state); ``V`` (mV), ``m``, ``h``, ``n`` have shape ``(T, *shape of y0)``.
    It unpacks as ``ts, V, m, h, n = integrate(...)``.
    """

    ts: np.ndarray
    V: np.ndarray
    m: np.ndarray
    h: np.ndarray
    n: np.ndarray


def integrate(
    y0: tuple[Any, Any, Any, Any],
    duration: float,
    *,
    dt: float = DEFAULT_DT,
    method: str = "rk4",
    Iext: Any = DEFAULT_IEXT,
    params: HHParams | None = None,
    **overrides: Any,
) -> Trajectory:
    """Integrate from ``y0 = (V, m, h, n)`` for ``duration`` ms in one compiled loop.

    The same step as :func:`make_integral`, run by ``jax.lax.scan`` under
    ``jax.jit`` instead of a Python loop; no BrainPy runner is involved.  The
    parameters enter the compiled loop as data, so new values of the same
    shape reuse it.

    Parameters
    ----------
    y0 : tuple of 4 array_like
        Initial V (mV, finite) and m, h, n (in [0, 1]); scalars or arrays of one shape.  A gate
        given as ``None`` starts at its steady state at the initial V
        (:func:`hh_brainpy.kinetics.steady_gates`), computed in the compiled loop.
    duration : float
        Simulated time, ms (a whole number of steps).
    dt, method : float, str
        Step, ms, and integration method.  Default 0.01 and ``'rk4'``.
    Iext : array_like
        Constant external current, uA/cm^2.  Default 10.
    params : HHParams, optional
        The parameters (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` (``gNa``,
        ``ENa``, ``gK``, ``EK``, ``gL``, ``EL``, ``C``, ``temperature``) apply on top of it.

    Returns
    -------
    Trajectory
        ``(ts, V, m, h, n)``: ``ts`` of shape (T,) with ``T = steps + 1`` (ms,
        starting at 0, the initial state); the states of shape ``(T, *shape of y0)``.

    Raises
    ------
    NonFiniteError
        If a state became NaN or infinite; names the first time and neuron.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> ts, V, m, h, n = hb.integrate((-65.0, None, None, None), 20.0, Iext=10.0)
    >>> V.shape, round(float(V.max()), 1)
    ((2001,), 41.1)
    """
    p = HHParams.from_overrides(params, **overrides)
    y0 = check_state(y0, steady_allowed=True)
    check_params({"Iext": Iext})
    y0 = _broadcast_state(y0, Iext, p)
    plan = _plan_trajectory(y0, duration, dt, method, p)
    V, m, h, n = _integrate_in_chunks(tuple(_as_real(y) for y in y0), _as_real(Iext), p, plan.dt, method, plan.steps)
    ts = np.arange(plan.steps + 1) * plan.dt
    check_finite_trace(ts, {"V": V, "m": m, "h": h, "n": n})
    return Trajectory(ts, V, m, h, n)


def _broadcast_state(y0: tuple[Any, ...], Iext: Any, p: HHParams) -> tuple[Any, ...]:
    """``y0`` broadcast to the population that the state, ``Iext`` and per-neuron parameters describe together."""
    shapes = {f"y0[{i}]": np.shape(y) for i, y in enumerate(y0) if y is not None}
    shapes["Iext"] = np.shape(Iext)
    shapes.update({name: np.shape(getattr(p, name)) for name in PARAM_NAMES})
    try:
        shape = np.broadcast_shapes(*shapes.values())
    except ValueError:
        given = ", ".join(f"{name} {s}" for name, s in shapes.items() if s != ())
        raise ValueError(f"the initial state, Iext and the per-neuron parameters must have shapes that broadcast "
                         f"together (one value, or one per neuron); got {given}") from None
    return tuple(None if y is None else np.broadcast_to(np.asarray(y, dtype=float), shape) for y in y0)


def _integrate_in_chunks(y0: tuple[Any, ...], Iext: Any, p: HHParams, dt: float, method: str,
                         steps: int) -> list[np.ndarray]:
    """The compiled loop in chunks of :func:`~hh_brainpy.checks.interruptible_chunk` steps, so that Ctrl-C
    is answered between them; every chunk starts from where the last ended (the system is autonomous)."""
    chunk = interruptible_chunk(int(np.size(y0[0])), steps)  # y0 already has the population's shape
    pieces: list[list[np.ndarray]] = []
    done = 0
    while done < steps or not pieces:
        n = min(chunk, steps - done)
        states = [np.asarray(x) for x in _integrate_compiled(y0, Iext, p, dt, method, n)]
        pieces.append(states if not pieces else [x[1:] for x in states])
        y0 = tuple(x[-1] for x in states)
        done += n
    return [np.concatenate([piece[j] for piece in pieces]) for j in range(4)]


def _plan_trajectory(y0: tuple[Any, ...], duration: float, dt: float, method: str, p: HHParams) -> Any:
    """The checked :class:`~hh_brainpy.checks.RunPlan` of a run that keeps every step of ``y0``'s shape."""
    size = int(np.prod(np.broadcast_shapes(*(np.shape(y) for y in y0 if y is not None))))
    return plan_run(duration, dt, method, stiffness=p.membrane(), bytes_per_sample=4 * size * 8,
                    what="the trajectory (V, m, h, n at every step)",
                    way_out="integrate a shorter duration, or use simulate(..., record_every=..., window=...)")


def _as_real(x: Any) -> np.ndarray | None:
    """``x`` as a NumPy array of JAX's float type, which a jitted call takes as it is (``None`` stays).

    ``jnp.asarray`` on a Python number would compile a conversion of its own, a
    noticeable part of a short command-line run.
    """
    return None if x is None else np.asarray(x, dtype=jax.dtypes.canonicalize_dtype(float))


def trajectory(y0: Any, steps: int, Iext: Any, p: HHParams, *, dt: float, method: str = "rk4") -> tuple[Any, ...]:
    """The states after 0, 1, ..., ``steps`` steps, as a pure JAX function (no checks, no jit).

    This is :func:`integrate`'s loop, for use inside ``jax.grad``, ``jax.jacfwd``,
    ``jax.vmap`` or a ``jax.jit`` of your own: it is differentiable with respect
    to ``y0``, ``Iext`` and every parameter.  Check the arguments first
    (:func:`integrate` does); a step beyond the stability limit is not refused here.

    Parameters
    ----------
    y0 : tuple of 4 arrays
        Initial ``(V, m, h, n)``; a gate given as ``None`` starts at its steady state at V.
    steps : int
        Number of steps (static).
    Iext : array
        Constant external current, uA/cm^2.
    p : HHParams
        The parameters, as data (leaves may be traced); a tuple in
        :data:`hh_brainpy.params.PARAM_NAMES` order is accepted too.
    dt : float
        Step, ms (static).
    method : str
        ``bp.odeint`` method (static).  Default ``'rk4'``.

    Returns
    -------
    tuple of 4 arrays
        V, m, h, n of shape ``(steps + 1, *shape of y0)``.
    """
    step = make_step(method, dt)
    values = p.values() if isinstance(p, HHParams) else tuple(p)
    V0 = jnp.asarray(y0[0])
    steady = k.steady_gates(V0) if any(y is None for y in y0[1:]) else (None, None, None)
    y0 = (V0, *(x if y is None else y for y, x in zip(y0[1:], steady, strict=True)))
    Y0 = jnp.stack(jnp.broadcast_arrays(*(jnp.asarray(y) for y in y0)))

    def body(Y: Any, i: Any) -> Any:
        Y = step(Y, i * dt, Iext, *values)
        return Y, Y

    _, Ys = jax.lax.scan(body, Y0, jnp.arange(steps))
    Ys = jnp.concatenate([Y0[None], Ys])
    return tuple(Ys[:, j] for j in range(4))


@functools.partial(jax.jit, static_argnums=(3, 4, 5))
def _integrate_compiled(y0: Any, Iext: Any, p: HHParams, dt: float, method: str, steps: int) -> Any:
    return trajectory(y0, steps, Iext, p, dt=dt, method=method)
