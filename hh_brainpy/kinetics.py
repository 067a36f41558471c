r"""Rate functions, steady states and ionic currents of the Hodgkin-Huxley model.

Every entry point of the package (:data:`hh_brainpy.integral`,
:class:`hh_brainpy.HH`, the runner) takes its equations from this module, so
each equation is written once.  All functions are pure functions of arrays,
safe under ``jax.jit``, ``jax.vmap`` and ``jax.grad``.

Notes
-----
The rates, in 1/ms with V in mV (Hodgkin & Huxley 1952, with the modern sign
convention and rest shifted to -65 mV, as in BrainPy's ``bp.dyn.HH``):

.. math::

    \alpha_m(V) &= \frac{0.1\,(V+40)}{1-\exp(-(V+40)/10)}, &
    \beta_m(V)  &= 4\,\exp(-(V+65)/18), \\
    \alpha_h(V) &= 0.07\,\exp(-(V+65)/20), &
    \beta_h(V)  &= \frac{1}{1+\exp(-(V+35)/10)}, \\
    \alpha_n(V) &= \frac{0.01\,(V+55)}{1-\exp(-(V+55)/10)}, &
    \beta_n(V)  &= 0.125\,\exp(-(V+65)/80).

**Temperature.**  Every rate is multiplied by
:math:`\phi(T) = Q_{10}^{(T-T_{ref})/10}` with :math:`Q_{10}=3` and
:math:`T_{ref}=6.3` deg C (:func:`temperature_factor`), the factor of NEURON's
``hh.mod`` and of Hodgkin & Huxley's own temperature correction.  Steady
states do not change with temperature; time constants shrink by :math:`\phi`.

**Singular points.**  As written, ``m_alpha`` is 0/0 at V = -40 mV and
``n_alpha`` at V = -55 mV.  Both have the form :math:`c\,u/(e^u-1)` with
:math:`u = -(V-V_0)/10`, whose limit at :math:`u=0` is :math:`c` (1.0 and
0.1 per ms).  :func:`x_over_expm1` evaluates :math:`u/(e^u-1)` with ``expm1``
away from 0 and with its Taylor series :math:`1-u/2+u^2/12-u^4/720` for
:math:`|u|<10^{-2}` (truncation error below :math:`10^{-16}`), using the
"double where" so that no branch ever divides by zero.  This keeps the value
*and* its gradient finite and continuous in float32 and float64;
``brainpy.math.exprel`` gives the right value but a NaN gradient at exactly 0.

**All six at once.**  :func:`rates` returns the six rates from three
exponentials instead of six, the form every simulation loop uses.  The
identities are exact: with :math:`E = e^{-(V+40)/10}`,
:math:`e^{-(V+35)/10} = E\,e^{1/2}` and :math:`e^{-(V+55)/10} = E\,e^{-3/2}`;
with :math:`F = e^{-(V+65)/80}`, :math:`e^{-(V+65)/20} = F^4`.  Only
:math:`\beta_m` needs an exponential of its own.  The two singular rates are
:math:`u/(e^u-1)` with :math:`e^u` taken from :math:`E`
(:func:`x_over_em1_given_exp`), which is accurate to a few units in the last
place for :math:`|u| \ge 0.1` and uses the Taylor series below.  The tests
compare :func:`rates` with the six functions over -200 to 200 mV (relative
difference below 1e-14 in float64 and 2e-6 in float32).

References
----------
.. [1] Hodgkin, A. L. & Huxley, A. F. (1952). A quantitative description of
   membrane current and its application to conduction and excitation in
   nerve. J. Physiol. 117(4):500-544.
.. [2] NEURON's built-in ``hh`` mechanism, ``src/nrnoc/hh.mod`` (q10 = 3 from 6.3 deg C).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from hh_brainpy.params import HHParams

__all__ = [
    "x_over_expm1", "x_over_em1_given_exp", "exponentials", "rates", "computed_once", "in_own_buffers",
    "m_alpha", "m_beta", "m_inf", "m_tau",
    "h_alpha", "h_beta", "h_inf", "h_tau",
    "n_alpha", "n_beta", "n_inf", "n_tau",
    "steady_state", "steady_gates", "time_constant", "gate_derivative",
    "Q10", "T_REF", "temperature_factor",
    "I_Na", "I_K", "I_L", "dVdt", "vector_field", "RATE_NAMES", "RateMethods",
]

ArrayLike = Any

# Below this |u| the series replaces u / expm1(u); see the module Notes.
_SERIES_BELOW = 1e-2


def x_over_expm1(u: ArrayLike) -> ArrayLike:
    r"""Return :math:`u/(e^u-1)`, finite with a finite gradient at ``u = 0`` (value 1).

    Use it for any rate of the form :math:`c\,(V-V_0)/(1-e^{-(V-V_0)/s})`,
    which is 0/0 at :math:`V = V_0`: with :math:`u = -(V-V_0)/s` it equals
    :math:`c\,s\,u/(e^u-1)`, i.e. ``c * s * x_over_expm1(-(V - V0) / s)``.
    Written directly, the rate is NaN at exactly :math:`V_0` (and its gradient
    is NaN there even through ``brainpy.math.exprel``).

    Parameters
    ----------
    u : float or array
        The argument, dimensionless.

    Returns
    -------
    array like u

    Examples
    --------
    A subclass of :class:`hh_brainpy.HH` with a shifted sodium activation,
    :math:`\alpha_m = 0.1(V+35)/(1-e^{-(V+35)/10})`:

    >>> import hh_brainpy as hb
    >>> from hh_brainpy.kinetics import x_over_expm1
    >>> class Shifted(hb.HH):
    ...     def m_alpha(self, V):
    ...         return 0.1 * 10.0 * x_over_expm1(-(V + 35.0) / 10.0)
    >>> float(Shifted(1).m_alpha(-35.0))   # the limit c * s = 1.0 per ms, not NaN
    1.0
    """
    u = jnp.asarray(u)
    small = jnp.abs(u) < _SERIES_BELOW
    u_safe = jnp.where(small, jnp.ones_like(u), u)
    exact = u_safe / jnp.expm1(u_safe)
    u2 = u * u
    series = 1.0 - 0.5 * u + u2 / 12.0 - u2 * u2 / 720.0
    return jnp.where(small, series, exact)


# Below this |u| the series replaces u / (e^u - 1) in x_over_em1_given_exp.
_SERIES_BELOW_GIVEN_EXP = 0.1


def x_over_em1_given_exp(u: ArrayLike, exp_u: ArrayLike) -> ArrayLike:
    r"""Return :math:`u/(e^u-1)` when :math:`e^u` is already known (``exp_u``).

    For :math:`|u| \ge 0.1` it divides by ``exp_u - 1``: the cancellation costs at
    most a factor 10 of the rounding error of ``exp_u`` (about 1e-15 relative in
    float64, 1e-6 in float32).  For :math:`|u| < 0.1` it uses the Taylor series
    :math:`1 - u/2 + u^2/12 - u^4/720 + u^6/30240 - u^8/1209600`, whose
    truncation error there is below :math:`2\times10^{-18}`.  Value and gradient
    stay finite, with the same "double where" as :func:`x_over_expm1`.

    Parameters
    ----------
    u : float or array
        The argument, dimensionless.
    exp_u : float or array
        :math:`e^u`, computed by the caller.

    Returns
    -------
    array like u

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from hh_brainpy import kinetics as k
    >>> u = jnp.array([0.0, 1.0])
    >>> [round(float(x), 6) for x in k.x_over_em1_given_exp(u, jnp.exp(u))]
    [1.0, 0.581977]
    """
    u = jnp.asarray(u)
    small = jnp.abs(u) < _SERIES_BELOW_GIVEN_EXP
    u_safe = jnp.where(small, jnp.ones_like(u), u)
    em1_safe = jnp.where(small, jnp.ones_like(u), exp_u - 1.0)
    u2 = u * u
    series = 1.0 - 0.5 * u + u2 * (1.0 / 12.0 + u2 * (-1.0 / 720.0 + u2 * (1.0 / 30240.0 - u2 / 1209600.0)))
    return jnp.where(small, series, u_safe / em1_safe)


_E_HALF = math.exp(0.5)
_E_MINUS_THREE_HALVES = math.exp(-1.5)


def exponentials(V: ArrayLike) -> ArrayLike:
    r"""The three exponentials behind the six rates, stacked on a new axis 0.

    :math:`[e^{-(V+40)/10},\ e^{-(V+65)/80},\ e^{-(V+65)/18}]` at V (mV); see the
    module Notes, "All six at once".

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array of shape (3,) + V.shape

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> [round(float(e), 4) for e in k.exponentials(-40.0)]
    [1.0, 0.7316, 0.2494]
    """
    V = jnp.asarray(V)
    return jnp.exp(jnp.stack([-(V + 40.0) / 10.0, -(V + 65.0) / 80.0, -(V + 65.0) / 18.0]))


def rates(V: ArrayLike, *, key: ArrayLike = None) -> tuple[ArrayLike, ...]:
    r"""All six rates at V (mV), in 1/ms: ``(m_alpha, m_beta, h_alpha, h_beta, n_alpha, n_beta)``.

    The same functions as :func:`m_alpha` ... :func:`n_beta`, evaluated from
    three exponentials (:func:`exponentials`; see the module Notes, "All six at
    once"); this is the form the integrators use, because exponentials dominate
    the cost of a step.  ``key``: a traced scalar of the calling loop (the time);
    with it the exponentials are computed into a buffer of their own
    (:func:`computed_once`), the same values, faster in large CPU loops.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.
    key : scalar array, optional
        A traced scalar of the calling loop (see above).

    Returns
    -------
    tuple of six arrays like V
        1/ms, at 6.3 deg C.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> [round(float(r), 4) for r in k.rates(-65.0)]
    [0.2236, 4.0, 0.07, 0.0474, 0.0582, 0.125]
    """
    V = jnp.asarray(V)
    if key is None:  # one compiled function: a step that asks for the rates many times traces them once
        return _rates_jit(V)
    return _rates_from_exponentials(V, computed_once(exponentials, V, key))


def _rates_from_exponentials(V: ArrayLike, exps: ArrayLike) -> tuple[ArrayLike, ...]:
    E, F, B = exps
    u = -(V + 40.0) / 10.0
    F2 = F * F
    return (
        x_over_em1_given_exp(u, E),
        4.0 * B,
        0.07 * (F2 * F2),
        1.0 / (1.0 + E * _E_HALF),
        0.1 * x_over_em1_given_exp(u - 1.5, E * _E_MINUS_THREE_HALVES),
        0.125 * F,
    )


_rates_jit = jax.jit(lambda V: _rates_from_exponentials(V, exponentials(V)))


#: Below this many elements :func:`computed_once` is a plain call (a conditional costs more than it saves).
_OWN_BUFFER_FROM = 512


def computed_once(fn: Callable[[Any], Any], x: Any, key: ArrayLike = None) -> Any:
    """``fn(x)``, computed into buffers of its own when ``key`` is given and that is faster: the same values.

    :func:`in_own_buffers` when ``key`` (a scalar, such as the loop's time) is
    given, a plain ``fn(x)`` without it: the switch by which :func:`rates`
    and :func:`vector_field` let their caller choose.

    Parameters
    ----------
    fn : callable
        An elementwise function of one argument.
    x : array or pytree of arrays
        Its argument.
    key : scalar, optional
        Given: use :func:`in_own_buffers`.

    Returns
    -------
    array or pytree
        ``fn(x)``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from hh_brainpy import kinetics as k
    >>> float(k.computed_once(jnp.exp, jnp.array(0.0), key=0.0))
    1.0
    """
    if key is None or jnp.ndim(key) != 0:
        return fn(x)
    return in_own_buffers(fn, x)


def in_own_buffers(fn: Callable[[Any], Any], x: Any) -> Any:
    """``fn(x)``, computed into buffers of its own on the CPU: the same values, computed once.

    XLA on the CPU fuses an elementwise producer into each of its consumers
    and so computes it once per consumer: in a Runge-Kutta stage of
    :func:`vector_field` the exponentials were computed twice (the rows of m,
    h and n each need two of the three), and in an ETDRK4 step every stage
    was recomputed inside each variable of the next.  The result of a
    conditional is always materialised, so ``fn`` runs as the taken branch of
    one whose predicate XLA cannot fold (True, behind
    ``jax.lax.optimization_barrier``); the other branch returns zeros and is
    never taken.  Differentiable and batchable as any conditional with an
    unbatched predicate.  Measured on a 2-core CPU: rk4 at 1e5 neurons
    1.4-1.6x faster; the ETDRK4 step of :class:`hh_brainpy.HH` 5-10x faster.

    A plain ``fn(x)`` where the trick does not pay: fewer than 512 elements
    in the largest array, or a backend other than the CPU (on a GPU a
    conditional would synchronise the device).

    Parameters
    ----------
    fn : callable
        An elementwise function of one argument.
    x : array or pytree of arrays
        Its argument.

    Returns
    -------
    array or pytree
        ``fn(x)``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from hh_brainpy import kinetics as k
    >>> k.in_own_buffers(lambda v: (jnp.exp(v), -v), jnp.zeros(1024))[0][:2].tolist()
    [1.0, 1.0]
    """
    size = max((jnp.size(leaf) for leaf in jax.tree_util.tree_leaves(x)), default=0)
    if size < _OWN_BUFFER_FROM or jax.default_backend() != "cpu":
        return fn(x)
    # fn is traced once; the taken branch replays its jaxpr, the other returns zeros of its shapes
    closed, shapes = jax.make_jaxpr(fn, return_shape=True)(x)
    out_tree = jax.tree_util.tree_structure(shapes)

    def taken_branch(leaves: list[Any]) -> Any:
        return jax.tree_util.tree_unflatten(out_tree, jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *leaves))

    def zeros(_: list[Any]) -> Any:
        return jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

    taken = jax.lax.optimization_barrier(jnp.asarray(True))
    return jax.lax.cond(taken, taken_branch, zeros, jax.tree_util.tree_leaves(x))


# -- sodium activation m ---------------------------------------------------------------
def m_alpha(V: ArrayLike) -> ArrayLike:
    r"""Opening rate of m, 1/ms: :math:`0.1(V+40)/(1-e^{-(V+40)/10})`, equal to 1 at V = -40 mV.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Rate, 1/ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.m_alpha(-65.0)), 4)
    0.2236
    >>> float(k.m_alpha(-40.0))  # the 0/0 point, its limit
    1.0
    """
    return x_over_expm1(-(V + 40.0) / 10.0)


def m_beta(V: ArrayLike) -> ArrayLike:
    r"""Closing rate of m, 1/ms: :math:`4 e^{-(V+65)/18}`.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Rate, 1/ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.m_beta(-65.0)), 4)
    4.0
    """
    return 4.0 * jnp.exp(-(V + 65.0) / 18.0)


# -- sodium inactivation h -------------------------------------------------------------
def h_alpha(V: ArrayLike) -> ArrayLike:
    r"""Opening rate of h, 1/ms: :math:`0.07 e^{-(V+65)/20}`.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Rate, 1/ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.h_alpha(-65.0)), 4)
    0.07
    """
    return 0.07 * jnp.exp(-(V + 65.0) / 20.0)


def h_beta(V: ArrayLike) -> ArrayLike:
    r"""Closing rate of h, 1/ms: :math:`1/(1+e^{-(V+35)/10})`.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Rate, 1/ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.h_beta(-65.0)), 4)
    0.0474
    """
    return 1.0 / (1.0 + jnp.exp(-(V + 35.0) / 10.0))


# -- potassium activation n ------------------------------------------------------------
def n_alpha(V: ArrayLike) -> ArrayLike:
    r"""Opening rate of n, 1/ms: :math:`0.01(V+55)/(1-e^{-(V+55)/10})`, equal to 0.1 at V = -55 mV.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Rate, 1/ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.n_alpha(-65.0)), 4)
    0.0582
    >>> round(float(k.n_alpha(-55.0)), 6)  # the 0/0 point, its limit
    0.1
    """
    return 0.1 * x_over_expm1(-(V + 55.0) / 10.0)


def n_beta(V: ArrayLike) -> ArrayLike:
    r"""Closing rate of n, 1/ms: :math:`0.125 e^{-(V+65)/80}`.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Rate, 1/ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.n_beta(-65.0)), 4)
    0.125
    """
    return 0.125 * jnp.exp(-(V + 65.0) / 80.0)


# -- temperature -----------------------------------------------------------------------------
#: Temperature coefficient of every rate (Hodgkin & Huxley 1952, part IV; NEURON's ``hh.mod``).
Q10 = 3.0
#: Temperature (deg C) at which the rates above hold: the squid axon experiments.
T_REF = 6.3


def temperature_factor(temperature: ArrayLike) -> ArrayLike:
    r"""Rate multiplier :math:`\phi = 3^{(T - 6.3)/10}` at ``temperature`` T in deg C (1 at 6.3 deg C).

    Parameters
    ----------
    temperature : float or array
        deg C.

    Returns
    -------
    array
        Dimensionless.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.temperature_factor(16.3)), 6)
    3.0
    """
    return Q10 ** ((jnp.asarray(temperature) - T_REF) / 10.0)


# -- steady states and time constants ------------------------------------------------------
def steady_state(alpha: ArrayLike, beta: ArrayLike) -> ArrayLike:
    r"""Steady-state open fraction :math:`x_\infty = \alpha/(\alpha+\beta)`, dimensionless.

    Parameters
    ----------
    alpha, beta : float or array
        Opening and closing rates, 1/ms.

    Returns
    -------
    array

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> float(k.steady_state(1.0, 3.0))
    0.25
    """
    return alpha / (alpha + beta)


def time_constant(alpha: ArrayLike, beta: ArrayLike) -> ArrayLike:
    r"""Relaxation time constant :math:`\tau_x = 1/(\alpha+\beta)`, ms.

    Parameters
    ----------
    alpha, beta : float or array
        Opening and closing rates, 1/ms.

    Returns
    -------
    array
        ms.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> float(k.time_constant(1.0, 3.0))
    0.25
    """
    return 1.0 / (alpha + beta)


def m_inf(V: ArrayLike) -> ArrayLike:
    """Steady state of m at V (mV).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Steady-state value, dimensionless (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.m_inf(-65.0)), 4)
    0.0529
    """
    return steady_state(m_alpha(V), m_beta(V))


def h_inf(V: ArrayLike) -> ArrayLike:
    """Steady state of h at V (mV).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Steady-state value, dimensionless (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.h_inf(-65.0)), 4)
    0.5961
    """
    return steady_state(h_alpha(V), h_beta(V))


def n_inf(V: ArrayLike) -> ArrayLike:
    """Steady state of n at V (mV).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Steady-state value, dimensionless (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.n_inf(-65.0)), 4)
    0.3177
    """
    return steady_state(n_alpha(V), n_beta(V))


def m_tau(V: ArrayLike) -> ArrayLike:
    """Time constant of m at V (mV), in ms.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Time constant, ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.m_tau(-65.0)), 4)
    0.2368
    """
    return time_constant(m_alpha(V), m_beta(V))


def h_tau(V: ArrayLike) -> ArrayLike:
    """Time constant of h at V (mV), in ms.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Time constant, ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.h_tau(-65.0)), 4)
    8.516
    """
    return time_constant(h_alpha(V), h_beta(V))


def n_tau(V: ArrayLike) -> ArrayLike:
    """Time constant of n at V (mV), in ms.

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    array like V
        Time constant, ms (at 6.3 deg C).

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.n_tau(-65.0)), 4)
    5.4586
    """
    return time_constant(n_alpha(V), n_beta(V))


@jax.jit
def steady_gates(V: ArrayLike) -> tuple[ArrayLike, ArrayLike, ArrayLike]:
    """``(m_inf, h_inf, n_inf)`` at V (mV), as one compiled function.

    The same values as the three functions; one compilation instead of one per
    operation when V is a plain number (a start from steady gates).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.

    Returns
    -------
    tuple of three arrays like V

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> [round(float(x), 4) for x in k.steady_gates(-65.0)]
    [0.0529, 0.5961, 0.3177]
    """
    return m_inf(V), h_inf(V), n_inf(V)


def gate_derivative(x: ArrayLike, alpha: ArrayLike, beta: ArrayLike, phi: ArrayLike = 1.0) -> ArrayLike:
    r"""First-order gating kinetics :math:`dx/dt = \phi\,[\alpha (1-x) - \beta x]`, in 1/ms.

    ``phi`` is the temperature factor (:func:`temperature_factor`), 1 at 6.3 deg C.

    Parameters
    ----------
    x : float or array
        The gate, in [0, 1].
    alpha, beta : float or array
        Opening and closing rates at 6.3 deg C, 1/ms.
    phi : float or array
        Temperature factor (default 1).

    Returns
    -------
    array
        dx/dt, 1/ms.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> float(k.gate_derivative(0.25, 1.0, 3.0))  # at its steady state
    0.0
    """
    return phi * (alpha * (1.0 - x) - beta * x)


# -- ionic currents, uA/cm^2 ------------------------------------------------------------------
def I_Na(V: ArrayLike, m: ArrayLike, h: ArrayLike, gNa: ArrayLike, ENa: ArrayLike) -> ArrayLike:
    r"""Sodium current :math:`g_{Na} m^3 h (V-E_{Na})`, uA/cm^2 (outward positive).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.
    m, h : float or array
        Sodium gates.
    gNa : float or array
        Maximal conductance, mS/cm^2.
    ENa : float or array
        Reversal potential, mV.

    Returns
    -------
    array
        uA/cm^2.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> float(k.I_Na(0.0, 0.5, 0.5, 120.0, 50.0))
    -375.0
    """
    return gNa * (m * m * m * h) * (V - ENa)


def I_K(V: ArrayLike, n: ArrayLike, gK: ArrayLike, EK: ArrayLike) -> ArrayLike:
    r"""Potassium current :math:`g_K n^4 (V-E_K)`, uA/cm^2 (outward positive).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.
    n : float or array
        Potassium gate.
    gK : float or array
        Maximal conductance, mS/cm^2.
    EK : float or array
        Reversal potential, mV.

    Returns
    -------
    array
        uA/cm^2.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> float(k.I_K(0.0, 0.5, 36.0, -77.0))
    173.25
    """
    n2 = n * n
    return gK * (n2 * n2) * (V - EK)


def I_L(V: ArrayLike, gL: ArrayLike, EL: ArrayLike) -> ArrayLike:
    r"""Leak current :math:`g_L (V-E_L)`, uA/cm^2 (outward positive).

    Parameters
    ----------
    V : float or array
        Membrane potential, mV.
    gL : float or array
        Leak conductance, mS/cm^2.
    EL : float or array
        Leak reversal potential, mV.

    Returns
    -------
    array
        uA/cm^2.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> round(float(k.I_L(-64.387, 0.03, -54.387)), 6)
    -0.3
    """
    return gL * (V - EL)


def dVdt(
    V: ArrayLike, m: ArrayLike, h: ArrayLike, n: ArrayLike, Iext: ArrayLike,
    gNa: ArrayLike, ENa: ArrayLike, gK: ArrayLike, EK: ArrayLike,
    gL: ArrayLike, EL: ArrayLike, C: ArrayLike,
) -> ArrayLike:
    r"""Current balance :math:`dV/dt = (I_{ext} - I_{Na} - I_K - I_L)/C`, in mV/ms.

    Parameters
    ----------
    V, m, h, n : float or array
        The state: mV and the three gates.
    Iext : float or array
        External current, uA/cm^2.
    gNa, ENa, gK, EK, gL, EL, C : float or array
        The parameters, in the units of :class:`hh_brainpy.HHParams`.

    Returns
    -------
    array
        mV/ms.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> float(k.dVdt(-54.387, 0.0, 0.0, 0.0, 1.0, 120.0, 50.0, 36.0, -77.0, 0.03, -54.387, 1.0))
    1.0
    """
    I_ion = I_Na(V, m, h, gNa, ENa) + I_K(V, n, gK, EK) + I_L(V, gL, EL)
    return (Iext - I_ion) / C


def vector_field(
    Y: ArrayLike, Iext: ArrayLike, p: HHParams, rates: Callable[..., tuple] = rates,
    *, instantaneous_m: bool = False, key: ArrayLike = None,
) -> ArrayLike:
    r"""The whole system on a stacked state: ``Y = [V, m, h, n]`` (axis 0) to ``[dV, dm, dh, dn]``.

    .. math::

        C\,\dot V = I_{ext} - I_{Na} - I_K - I_L, \qquad
        \dot x = \phi(T)\,[\alpha_x(V)(1-x) - \beta_x(V)\,x], \quad x \in \{m, h, n\},

    in mV/ms and 1/ms, with ``Iext`` in uA/cm^2 and the parameters ``p`` (an
    :class:`hh_brainpy.HHParams`, passed as data) in the units given there.
    ``rates(V)`` returns the six rates ``(m_alpha, m_beta, h_alpha, h_beta,
    n_alpha, n_beta)`` in 1/ms; default :func:`rates`.  This is the one
    right-hand side that the functional integrator, :class:`hh_brainpy.HH`,
    the sweeps and the fits all step.  With ``instantaneous_m`` the sodium
    current uses :math:`m_\infty(V)` and ``dm`` is 0 (Wang & Buzsaki 1996).
    ``key`` (the stage's time, traced) is passed on as ``rates(V, key=key)``;
    give it only with :func:`rates` or a function that takes it.

    Parameters
    ----------
    Y : array, shape (4, ...)
        ``[V, m, h, n]``: mV and the gates.
    Iext : float or array
        External current, uA/cm^2.
    p : HHParams
        The parameters.
    rates, instantaneous_m, key : callable, bool, scalar array
        See above (defaults :func:`rates`, False and None).

    Returns
    -------
    array like Y
        ``[dV, dm, dh, dn]``: mV/ms and 1/ms.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import hh_brainpy as hb
    >>> from hh_brainpy import kinetics as k
    >>> V = -65.0
    >>> Y = jnp.array([V, *k.steady_gates(V)])
    >>> dY = k.vector_field(Y, 0.0, hb.DEFAULT_PARAMS)
    >>> [round(float(d), 3) for d in dY]  # gates at rest; V drifts toward -70.7 mV
    [-2.861, 0.0, 0.0, 0.0]
    """
    V, m, h, n = Y
    m_a, m_b, h_a, h_b, n_a, n_b = rates(V) if key is None else rates(V, key=key)
    phi = temperature_factor(p.temperature)
    m_used = steady_state(m_a, m_b) if instantaneous_m else m
    return jnp.stack([
        dVdt(V, m_used, h, n, Iext, p.gNa, p.ENa, p.gK, p.EK, p.gL, p.EL, p.C),
        jnp.zeros_like(m) if instantaneous_m else gate_derivative(m, m_a, m_b, phi),
        gate_derivative(h, h_a, h_b, phi),
        gate_derivative(n, n_a, n_b, phi),
    ])


#: The names of the six rate functions, in the order :func:`rates` returns them.
RATE_NAMES = ("m_alpha", "m_beta", "h_alpha", "h_beta", "n_alpha", "n_beta")


class RateMethods:
    """The six rates and the steady states as methods of a neuron class; override any of them in a subclass.

    ``rates(V)`` evaluates all six from three exponentials (:func:`rates`) while none is
    overridden, and calls the methods otherwise.  Both :class:`hh_brainpy.HH` and
    :class:`hh_brainpy.state.HH` take their kinetics from here.

    Examples
    --------
    A subclass of :class:`hh_brainpy.HH` with sodium activation shifted by 5 mV overrides two methods;
    every step then calls them:

    >>> import hh_brainpy as hb
    >>> from hh_brainpy import kinetics as k
    >>> class Shifted(hb.HH):
    ...     def m_alpha(self, V):
    ...         return k.m_alpha(V + 5.0)
    ...     def m_beta(self, V):
    ...         return k.m_beta(V + 5.0)
    >>> neu = Shifted(1)
    >>> round(float(neu.m_inf(-65.0)), 4) == round(float(k.m_inf(-60.0)), 4)
    True
    """

    def m_alpha(self, V: ArrayLike) -> ArrayLike:
        """Opening rate of m at V (mV), 1/ms (:func:`m_alpha`)."""
        return m_alpha(V)

    def m_beta(self, V: ArrayLike) -> ArrayLike:
        """Closing rate of m at V (mV), 1/ms (:func:`m_beta`)."""
        return m_beta(V)

    def h_alpha(self, V: ArrayLike) -> ArrayLike:
        """Opening rate of h at V (mV), 1/ms (:func:`h_alpha`)."""
        return h_alpha(V)

    def h_beta(self, V: ArrayLike) -> ArrayLike:
        """Closing rate of h at V (mV), 1/ms (:func:`h_beta`)."""
        return h_beta(V)

    def n_alpha(self, V: ArrayLike) -> ArrayLike:
        """Opening rate of n at V (mV), 1/ms (:func:`n_alpha`)."""
        return n_alpha(V)

    def n_beta(self, V: ArrayLike) -> ArrayLike:
        """Closing rate of n at V (mV), 1/ms (:func:`n_beta`)."""
        return n_beta(V)

    def m_inf(self, V: ArrayLike) -> ArrayLike:
        """Steady state of m at V (mV), from this class's rates."""
        return steady_state(self.m_alpha(V), self.m_beta(V))

    def h_inf(self, V: ArrayLike) -> ArrayLike:
        """Steady state of h at V (mV), from this class's rates."""
        return steady_state(self.h_alpha(V), self.h_beta(V))

    def n_inf(self, V: ArrayLike) -> ArrayLike:
        """Steady state of n at V (mV), from this class's rates."""
        return steady_state(self.n_alpha(V), self.n_beta(V))

    def rates(self, V: ArrayLike, *, key: ArrayLike = None) -> tuple[ArrayLike, ...]:
        """``(m_alpha, m_beta, h_alpha, h_beta, n_alpha, n_beta)`` at V (mV), 1/ms (``key``: see :func:`rates`)."""
        if all(getattr(type(self), name) is getattr(RateMethods, name) for name in RATE_NAMES):
            return rates(V, key=key)
        return tuple(getattr(self, name)(V) for name in RATE_NAMES)
