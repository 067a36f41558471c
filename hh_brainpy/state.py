r"""The package's Hodgkin-Huxley neuron for ``brainpy.state`` (brainstate, brainunit, braintools).

:class:`HH` is a ``brainpy.state.Neuron``, like ``brainpy.state.HH``, so it
drops into any ``brainpy.state`` network (``AlignPostProj`` with ``Expon`` and
``COBA``/``CUBA``, ``brainstate.transform.for_loop``, ``brainstate.nn``
modules).  It steps the package's one right-hand side
(:func:`hh_brainpy.kinetics.vector_field`), with a choice of method:

- ``'rk4'`` (the default): classical Runge-Kutta in as many sub-steps of the
  environment's ``dt`` as its stability limit needs (1 up to 0.05 ms, 2 at
  0.1 ms), like :class:`hh_brainpy.HH`;
- ``'exp_euler'``: exponential Euler with the gates frozen for V and V frozen
  for the gates, the scheme of ``brainpy.state.HH`` (first order), for parity.

Units are ``brainpy.state.HH``'s: potentials in mV, conductances in mS,
capacitance in uF and currents in uA, all per the same (unstated) membrane
area, so that ``mS * mV / uF = mV/ms``; temperatures in deg C.  Each
parameter may be a brainunit quantity of that dimension (any scale:
``0.12 * u.siemens`` is 120 mS) or a plain number in those units; a quantity
of another dimension raises ``ValueError`` naming the parameter and the unit.
``V`` is a quantity in mV, ``m``, ``h``, ``n`` are dimensionless.

Spikes are upward crossings of ``V_th``, one per action potential, passed
through the surrogate ``spk_fun`` (as ``brainpy.state.HH`` does:
``spk_fun(v) * (1 - spk_fun(v_prev))`` with ``v = (V - V_th) / |V_th|``; the
absolute value keeps the sign right for a negative threshold), so gradients
flow through them.

This module needs ``brainpy.state`` (BrainPy 2.8.2 with ``brainpy_state``, or
BrainPy 2.9); importing it elsewhere raises ``ImportError`` saying so, and the
rest of hh_brainpy does not import it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    import brainstate
    import braintools
    import brainunit as u
    from brainpy.state import Neuron as _Neuron
except ImportError as exc:  # pragma: no cover - depends on the installed BrainPy
    raise ImportError(
        "hh_brainpy.state needs brainpy.state with brainstate, brainunit and braintools: BrainPy 2.8.2 or newer "
        f"(Python 3.11: brainpy 2.8.2 + brainpy_state; Python 3.12+: brainpy 2.9). Import failed with: {exc}"
    ) from exc

import brainpy as bp
import jax
import jax.numpy as jnp

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_dt, check_int, check_params, max_stable_dt
from hh_brainpy.params import DEFAULT_PARAMS, HHParams

__all__ = ["HH", "STATE_METHODS"]

#: Methods of :class:`HH`: classical Runge-Kutta (sub-stepped) and brainpy.state's exponential Euler.
STATE_METHODS = ("rk4", "exp_euler")

# brainpy.state.HH's defaults (shared, stateless objects)
_UNIFORM_V = braintools.init.Uniform(-70.0 * u.mV, -60.0 * u.mV)
_RELU_GRAD = braintools.surrogate.ReluGrad()
_UNITS = {"ENa": u.mV, "EK": u.mV, "EL": u.mV, "V_th": u.mV, "gNa": u.msiemens, "gK": u.msiemens,
          "gL": u.msiemens, "C": u.ufarad}
_UNIT_NAMES = {"ENa": "mV", "EK": "mV", "EL": "mV", "V_th": "mV", "gNa": "mS", "gK": "mS", "gL": "mS", "C": "uF"}


def _in_units(name: str, value: Any, shape: tuple[int, ...]) -> Any:
    """``value`` as a plain number or array in the documented unit of ``name``."""
    if callable(value) and not isinstance(value, u.Quantity):
        value = braintools.init.param(value, shape)
    if isinstance(value, u.Quantity):
        try:
            value = value.to_decimal(_UNITS[name])
        except Exception as exc:  # brainunit's UnitMismatchError and friends
            raise ValueError(f"{name} must be a quantity in {_UNIT_NAMES[name]} (or a plain number of "
                             f"{_UNIT_NAMES[name]}), got {value!r}") from exc
    if not isinstance(value, jax.core.Tracer):  # traced (under jax.grad): checked by the caller
        check_params({name: np.asarray(value)})
    return jnp.asarray(value, dtype=brainstate.environ.dftype())


def _parameter(name: str) -> property:
    """``neu.<name>``: read as a quantity in its unit; written as in ``brainpy.state.HH`` (checked, any scale)."""

    def get(self: HH) -> Any:
        value = getattr(self.params, name)
        return value if name == "temperature" else value * _UNITS[name]

    def set_(self: HH, value: Any) -> None:
        if name == "temperature":
            if isinstance(value, u.Quantity):
                raise ValueError(f"temperature must be a plain number of deg C, got {value!r}")
            if not isinstance(value, jax.core.Tracer):
                check_params({"temperature": value})
        else:
            value = _in_units(name, value, self.varshape)
        self.params = dataclasses.replace(self.params, **{name: value})

    unit = "deg C" if name == "temperature" else _UNIT_NAMES[name]
    return property(get, set_, doc=f"{name} ({unit}); the next step uses a new value.")


def _in_unit(value: Any, unit: Any, what: str, example: str) -> Any:
    """``value`` as a plain number of ``unit``; a quantity of another dimension raises naming ``what``."""
    if not isinstance(value, u.Quantity):
        return value
    try:
        return value.to_decimal(unit)
    except u.UnitMismatchError:
        raise u.UnitMismatchError(f"{what} must be in units of {unit} (e.g. {example}), got {value.unit}") from None


class HH(k.RateMethods, _Neuron):
    r"""Hodgkin-Huxley neurons for ``brainpy.state``, on hh_brainpy's equations and integrators.

    .. math::

        C \frac{dV}{dt} &= -g_{Na} m^3 h (V-E_{Na}) - g_K n^4 (V-E_K) - g_L (V-E_L) + I, \\
        \frac{dx}{dt} &= \phi(T)\,[\alpha_x(V)(1-x) - \beta_x(V)\,x], \quad x \in \{m, h, n\},

    with the rates of :mod:`hh_brainpy.kinetics` (Hodgkin & Huxley 1952) and
    :math:`\phi(T) = 3^{(T-6.3)/10}`.  ``I`` is the update's ``x`` plus the
    current inputs of the projections (uA), evaluated once per step.

    Parameters
    ----------
    in_size : int or tuple of int
        Number (shape) of neurons.
    ENa, EK, EL : quantity or float
        Reversal potentials, mV (defaults 50, -77, -54.387).
    gNa, gK, gL : quantity or float
        Maximal conductances, mS (defaults 120, 36, 0.03).
    V_th : quantity or float
        Spike threshold, mV (default 20).
    C : quantity or float
        Capacitance, uF (default 1).
    V_initializer, m_initializer, h_initializer, n_initializer : callable or array
        Initial state, as in ``brainpy.state.HH`` (default V uniform in
        [-70, -60] mV; gates not given start at their steady state).
    spk_fun : callable
        Surrogate spike function (default ``braintools.surrogate.ReluGrad()``).
    spk_reset : str
        ``'soft'`` or ``'hard'`` (kept for the ``brainpy.state`` interface; V is never reset).
    name : str, optional
        Module name.
    method : str
        ``'rk4'`` (default) or ``'exp_euler'`` (:data:`STATE_METHODS`).
    temperature : float
        Deg C (default 6.3; allowed -5 to 50).
    substeps : int, optional
        rk4 sub-steps per step.  Default: as many as the stability limit needs
        for these parameters (:meth:`substeps`); give it when the parameters
        are traced (e.g. under ``jax.grad``), where they cannot be inspected.

    Examples
    --------
    >>> import brainstate, braintools, brainunit as u
    >>> from hh_brainpy.state import HH
    >>> neu = HH(1, V_initializer=braintools.init.Constant(-65.0 * u.mV))
    >>> brainstate.nn.init_all_states(neu)  # doctest: +ELLIPSIS
    HH(...)
    >>> with brainstate.environ.context(dt=0.01 * u.ms):
    ...     spikes = brainstate.transform.for_loop(lambda i: neu(10.0 * u.uA), jnp.arange(2000))
    >>> int((spikes > 0).sum())   # 20 ms at 10 uA: two action potentials
    2
    """

    ENa, EK, EL, V_th = (_parameter(name) for name in ("ENa", "EK", "EL", "V_th"))
    gNa, gK, gL, C = (_parameter(name) for name in ("gNa", "gK", "gL", "C"))
    temperature = _parameter("temperature")

    def __init__(
        self,
        in_size: Any,
        ENa: Any = 50.0 * u.mV,
        gNa: Any = 120.0 * u.msiemens,
        EK: Any = -77.0 * u.mV,
        gK: Any = 36.0 * u.msiemens,
        EL: Any = -54.387 * u.mV,
        gL: Any = 0.03 * u.msiemens,
        V_th: Any = 20.0 * u.mV,
        C: Any = 1.0 * u.ufarad,
        V_initializer: Callable[..., Any] = _UNIFORM_V,
        m_initializer: Callable[..., Any] | None = None,
        h_initializer: Callable[..., Any] | None = None,
        n_initializer: Callable[..., Any] | None = None,
        spk_fun: Callable[..., Any] = _RELU_GRAD,
        spk_reset: str = "soft",
        name: str | None = None,
        *,
        method: str = "rk4",
        temperature: float = DEFAULT_PARAMS.temperature,
        substeps: int | None = None,
    ) -> None:
        super().__init__(in_size, name=name, spk_fun=spk_fun, spk_reset=spk_reset)
        if method not in STATE_METHODS:
            raise ValueError(f"method must be one of {STATE_METHODS}, got {method!r}")
        self.method = method
        self._substeps = None if substeps is None else check_int("substeps", substeps, 1)
        values = {name: _in_units(name, value, self.varshape) for name, value in
                  {"ENa": ENa, "gNa": gNa, "EK": EK, "gK": gK, "EL": EL, "gL": gL, "V_th": V_th, "C": C}.items()}
        if isinstance(temperature, u.Quantity):
            raise ValueError(f"temperature must be a plain number of deg C, got {temperature!r}")
        if not isinstance(temperature, jax.core.Tracer):
            check_params({"temperature": temperature})
        self.params = HHParams(**values, temperature=temperature)
        self.V_initializer = V_initializer
        self.m_initializer, self.h_initializer, self.n_initializer = m_initializer, h_initializer, n_initializer

    def _exact_rates(self, V: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
        # the six rate functions (not kinetics.rates' shared exponentials): brainpy.state.HH's floats
        return tuple(getattr(self, name)(V) for name in k.RATE_NAMES)

    def dY(self, Y: Any, t: Any, I: Any) -> Any:  # noqa: E741
        """:func:`hh_brainpy.kinetics.vector_field` on ``Y = [V (mV), m, h, n]`` with current ``I`` (uA)."""
        return k.vector_field(Y, I, self.params, self.rates)

    # -- state ------------------------------------------------------------------------------------
    def _initial(self, batch_size: int | None) -> tuple[Any, Any, Any, Any]:
        V = braintools.init.param(self.V_initializer, self.varshape, batch_size)
        V = V if isinstance(V, u.Quantity) else V * u.mV
        V_mV = V.to_decimal(u.mV)
        gates = []
        for gate, init in (("m", self.m_initializer), ("h", self.h_initializer), ("n", self.n_initializer)):
            gates.append(getattr(self, f"{gate}_inf")(V_mV) if init is None
                         else jnp.asarray(braintools.init.param(init, self.varshape, batch_size)))
        if not isinstance(V_mV, jax.core.Tracer) and not np.all(np.isfinite(np.asarray(V_mV))):
            raise ValueError("the initial V must be finite (mV); the V initializer gave non-finite values")
        for gate, value in zip("mhn", gates, strict=True):
            inside = isinstance(value, jax.core.Tracer) or np.all((np.asarray(value) >= 0) & (np.asarray(value) <= 1))
            if not inside:
                raise ValueError(f"initial {gate} must lie in [0, 1] (a gate's open fraction); its initializer "
                                 f"gave values outside it")
        return (V, *gates)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Create V (mV), m, h, n from the initializers (gates at steady state unless given)."""
        V, m, h, n = self._initial(batch_size)
        self.V = brainstate.HiddenState(V)
        self.m, self.h, self.n = brainstate.HiddenState(m), brainstate.HiddenState(h), brainstate.HiddenState(n)
        self.spike = brainstate.ShortTermState(jnp.zeros_like(m))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Set V, m, h, n back to their initial values."""
        V, m, h, n = self._initial(batch_size)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        self.spike.value = jnp.zeros_like(m)

    # -- dynamics ---------------------------------------------------------------------------------
    def substeps(self, dt: float) -> int:
        """rk4 sub-steps inside one step ``dt`` (ms): as many as the stability limit needs; 1 for exp_euler."""
        if self.method == "exp_euler":
            return 1
        if self._substeps is not None:
            return self._substeps
        leaves = {name: getattr(self.params, name) for name in ("gNa", "gK", "gL", "C", "temperature")}
        if any(isinstance(x, jax.core.Tracer) for x in leaves.values()):
            raise ValueError("the parameters are traced (under jax.grad or jit), so the rk4 sub-steps cannot be "
                             "worked out from them; give HH(..., substeps=n)")
        stiffness = {name: np.asarray(x) for name, x in leaves.items()}
        return max(1, math.ceil(check_dt(dt) / max_stable_dt("rk4", **stiffness) - 1e-9))

    def get_spike(self, V: Any = None) -> Any:
        """The surrogate of ``(V - V_th) / |V_th|`` (V in mV)."""
        V = self.V.value if V is None else V
        V_th = self.params.V_th
        return self.spk_fun((V.to_decimal(u.mV) - V_th) / jnp.maximum(jnp.abs(V_th), 1.0))

    def update(self, x: Any = 0.0 * u.uA) -> Any:
        """Advance one ``brainstate.environ`` step with current ``x`` (uA); return the surrogate spikes."""
        last_V = self.V.value
        current = self.sum_current_inputs(x, last_V)
        current = _in_unit(current, u.uA, "the input current (the argument of update, plus the projections' "
                           "currents)", "5.0 * u.uA")
        dt = float(_in_unit(u.Quantity(brainstate.environ.get_dt()), u.ms, "brainstate.environ's dt",
                            "brainstate.environ.set(dt=0.01 * u.ms)"))
        Y = jnp.stack(jnp.broadcast_arrays(last_V.to_decimal(u.mV), self.m.value, self.h.value, self.n.value))
        Y = self._exp_euler(Y, current, dt) if self.method == "exp_euler" else self._rk4(Y, current, dt)
        V = self.sum_delta_inputs(Y[0] * u.mV)
        self.V.value, self.m.value, self.h.value, self.n.value = V, Y[1], Y[2], Y[3]
        # The event is V crossing V_th in this step; the previous step's side only gates it (no gradient),
        # else a spike count's surrogate gradient telescopes over each action potential and can flip sign.
        self.spike.value = self.get_spike(V) * jax.lax.stop_gradient(1.0 - self.get_spike(last_V))
        return self.spike.value

    def _rk4(self, Y: Any, current: Any, dt: float) -> Any:
        count = self.substeps(dt)
        step = bp.odeint(self.dY, method="rk4", dt=dt / count)
        return jax.lax.fori_loop(0, count, lambda j, Y: step(Y, 0.0, current), Y)

    def _exp_euler(self, Y: Any, current: Any, dt: float) -> Any:
        """brainpy.state.HH's scheme: each variable's linear part solved exactly, the others frozen."""
        p = self.params
        V0, m0, h0, n0 = Y
        phi = k.temperature_factor(p.temperature)
        rates = self._exact_rates(V0)

        def dV(V: Any) -> Any:
            return k.dVdt(V / u.mV, m0, h0, n0, current, p.gNa, p.ENa, p.gK, p.EK, p.gL, p.EL, p.C) * (u.mV / u.ms)

        def gate(x0: Any, alpha: Any, beta: Any) -> Any:
            return brainstate.nn.exp_euler_step(lambda x: k.gate_derivative(x, alpha, beta, phi) / u.ms, x0)

        V = brainstate.nn.exp_euler_step(dV, V0 * u.mV).to_decimal(u.mV)
        return jnp.stack([V, gate(m0, *rates[0:2]), gate(h0, *rates[2:4]), gate(n0, *rates[4:6])])
