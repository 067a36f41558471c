r"""``HH``: the Hodgkin-Huxley neuron as a BrainPy ``NeuGroup``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
from brainpy.context import share

from hh_brainpy import kinetics as k
from hh_brainpy.checks import (
    check_dt_for_method,
    check_gate,
    check_method,
    check_params,
    check_size,
)
from hh_brainpy.integrator import EXPONENTIAL_METHODS
from hh_brainpy.params import DEFAULT_PARAMS as _D

__all__ = ["HH"]

_RATE_METHODS = ("m_alpha", "m_beta", "h_alpha", "h_beta", "n_alpha", "n_beta")
_INIT_CHOICES = "'rest', 'zeros', 'random' (with seed) or a dict of V, m, h, n"


class HH(bp.NeuGroup):
    r"""A group of Hodgkin-Huxley neurons, usable anywhere BrainPy takes a neuron.

    Notes
    -----
    Each neuron integrates (ms, mV, mS/cm^2, uF/cm^2, uA/cm^2)

    .. math::

        C \frac{dV}{dt} &= -g_{Na} m^3 h (V-E_{Na}) - g_K n^4 (V-E_K) - g_L (V-E_L) + I, \\
        \frac{dx}{dt} &= \phi(T)\,[\alpha_x(V)(1-x) - \beta_x(V)\,x], \quad x \in \{m, h, n\}, \\
        \alpha_m &= \frac{0.1(V+40)}{1-e^{-(V+40)/10}}, \quad \beta_m = 4 e^{-(V+65)/18}, \\
        \alpha_h &= 0.07 e^{-(V+65)/20}, \quad \beta_h = \frac{1}{1+e^{-(V+35)/10}}, \\
        \alpha_n &= \frac{0.01(V+55)}{1-e^{-(V+55)/10}}, \quad \beta_n = 0.125 e^{-(V+65)/80},

    with the rate functions of :mod:`hh_brainpy.kinetics` (their 0/0 points at
    -40 and -55 mV are handled there) and :math:`\phi(T) = 3^{(T-6.3)/10}`.  ``I`` is the sum of the argument of
    :meth:`update`, the ``input`` variable and BrainPy's current-input
    functions (projections), evaluated once per step at the step's start, as
    ``bp.dyn.HH`` does.  A spike is an upward crossing of ``V_th`` within a
    step, so an action potential gives exactly one spike; ``t_last_spike``
    holds its time, linearly interpolated inside the step.

    To change the gating kinetics, subclass and override the six rate methods
    (``m_alpha`` ... ``n_beta``); steady states and the equations follow.
    While none of them is overridden, :meth:`rates` evaluates all six from
    three exponentials (:func:`hh_brainpy.kinetics.rates`).  Runge-Kutta
    methods step the four variables as one stacked array (:meth:`dY`), which
    XLA compiles to about half the work; exponential-Euler methods step
    :attr:`derivative`, variable by variable.

    Parameters
    ----------
    size : int or tuple of int
        Number (shape) of neurons.
    gNa, gK, gL : float, array or initializer
        Maximal conductances, mS/cm^2 (defaults 120, 36, 0.03; BrainPy's gL).
    ENa, EK, EL : float, array or initializer
        Reversal potentials, mV (defaults 50, -77, -54.387).
    C : float, array or initializer
        Membrane capacitance, uF/cm^2 (default 1).
    temperature : float, array or initializer
        Temperature, deg C (default 6.3, where :math:`\phi = 1`); allowed -5 to 50.
    V_th : float, array or initializer
        Spike threshold, mV (default 20).
    method : str
        ``bp.odeint`` method (default ``'rk4'``; see :data:`hh_brainpy.METHODS`).
    dt : float, optional
        Step in ms.  Default: BrainPy's shared ``dt`` (the runner's) at each
        step.  Either way a step beyond the method's stability limit raises.
    init : str or dict
        Initial state: ``'rest'`` (V = ``V_init``, gates at their steady state
        for that V; the default), ``'zeros'`` (V = m = h = n = 0, as in the
        document this package grew from), ``'random'`` (V uniform in
        ``V_range`` from ``seed``, gates at steady state) or a dict with
        ``V`` and optionally ``m``, ``h``, ``n`` (missing gates at steady state).
    V_init : float
        Initial V for ``init='rest'``, mV (default -65).
    seed : int, optional
        Seed for ``init='random'`` (required there).
    V_range : (float, float)
        Range of the random initial V, mV (default (-70, -60)).
    keep_size, mode, name, sharding
        As for every BrainPy ``NeuGroup``.

    Examples
    --------
    >>> import brainpy as bp
    >>> import hh_brainpy as hb
    >>> neu = hb.HH(3)
    >>> runner = bp.DSRunner(neu, monitors=['V'], inputs=('input', 10.), dt=0.01, progress_bar=False)
    >>> runner.run(5.0).shape
    (500, 3)

    References
    ----------
    .. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        *,
        gNa: Any = _D.gNa,
        ENa: Any = _D.ENa,
        gK: Any = _D.gK,
        EK: Any = _D.EK,
        gL: Any = _D.gL,
        EL: Any = _D.EL,
        C: Any = _D.C,
        temperature: Any = _D.temperature,
        V_th: Any = _D.V_th,
        method: str = "rk4",
        dt: float | None = None,
        init: str | Mapping[str, Any] = "rest",
        V_init: float = -65.0,
        seed: int | None = None,
        V_range: tuple[float, float] = (-70.0, -60.0),
        keep_size: bool = False,
        mode: bm.Mode | None = None,
        name: str | None = None,
        sharding: Any = None,
    ) -> None:
        check_size(size)
        raw = {"gNa": gNa, "ENa": ENa, "gK": gK, "EK": EK, "gL": gL, "EL": EL, "C": C,
               "temperature": temperature, "V_th": V_th}
        check_params(raw)
        super().__init__(size=size, keep_size=keep_size, mode=mode, name=name,
                         sharding=sharding, method=check_method(method))
        for key, value in raw.items():
            setattr(self, key, self.init_param(value))
        check_params({key: bm.as_numpy(getattr(self, key)) for key in raw})
        self.dt = None if dt is None else check_dt_for_method(dt, method, **self._stiffness())
        self._init = self._check_init(init, seed)
        self.V_init = float(V_init)
        self.seed = seed
        self.V_range = (float(V_range[0]), float(V_range[1]))
        self.integral = bp.odeint(method=method, f=self.dY if self._stacked else self.derivative, dt=self.dt)
        self._checked_dt: float | None = self.dt
        self.reset_state(self.mode)

    # -- gating kinetics: override these six in a subclass to change the model --------
    def m_alpha(self, V: Any) -> Any:
        """Opening rate of m, 1/ms (:func:`hh_brainpy.kinetics.m_alpha`)."""
        return k.m_alpha(V)

    def m_beta(self, V: Any) -> Any:
        """Closing rate of m, 1/ms (:func:`hh_brainpy.kinetics.m_beta`)."""
        return k.m_beta(V)

    def h_alpha(self, V: Any) -> Any:
        """Opening rate of h, 1/ms (:func:`hh_brainpy.kinetics.h_alpha`)."""
        return k.h_alpha(V)

    def h_beta(self, V: Any) -> Any:
        """Closing rate of h, 1/ms (:func:`hh_brainpy.kinetics.h_beta`)."""
        return k.h_beta(V)

    def n_alpha(self, V: Any) -> Any:
        """Opening rate of n, 1/ms (:func:`hh_brainpy.kinetics.n_alpha`)."""
        return k.n_alpha(V)

    def n_beta(self, V: Any) -> Any:
        """Closing rate of n, 1/ms (:func:`hh_brainpy.kinetics.n_beta`)."""
        return k.n_beta(V)

    def rates(self, V: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
        """``(m_alpha, m_beta, h_alpha, h_beta, n_alpha, n_beta)`` at V, 1/ms."""
        if self._textbook_rates:
            return k.rates(V)
        return (self.m_alpha(V), self.m_beta(V), self.h_alpha(V), self.h_beta(V),
                self.n_alpha(V), self.n_beta(V))

    @property
    def _textbook_rates(self) -> bool:
        return all(getattr(type(self), name) is getattr(HH, name) for name in _RATE_METHODS)

    # -- derived from the rates --------------------------------------------------------------
    def m_inf(self, V: Any) -> Any:
        """Steady state of m at V."""
        return k.steady_state(self.m_alpha(V), self.m_beta(V))

    def h_inf(self, V: Any) -> Any:
        """Steady state of h at V."""
        return k.steady_state(self.h_alpha(V), self.h_beta(V))

    def n_inf(self, V: Any) -> Any:
        """Steady state of n at V."""
        return k.steady_state(self.n_alpha(V), self.n_beta(V))

    def dV(self, V: Any, t: Any, m: Any, h: Any, n: Any, I: Any) -> Any:  # noqa: E741
        """Membrane equation, mV/ms (:func:`hh_brainpy.kinetics.dVdt`)."""
        return k.dVdt(V, m, h, n, I, self.gNa, self.ENa, self.gK, self.EK, self.gL, self.EL, self.C)

    def dm(self, m: Any, t: Any, V: Any) -> Any:
        """Sodium activation, 1/ms (scaled by the temperature factor)."""
        return k.gate_derivative(m, *self.rates(V)[0:2], k.temperature_factor(self.temperature))

    def dh(self, h: Any, t: Any, V: Any) -> Any:
        """Sodium inactivation, 1/ms (scaled by the temperature factor)."""
        return k.gate_derivative(h, *self.rates(V)[2:4], k.temperature_factor(self.temperature))

    def dn(self, n: Any, t: Any, V: Any) -> Any:
        """Potassium activation, 1/ms (scaled by the temperature factor)."""
        return k.gate_derivative(n, *self.rates(V)[4:6], k.temperature_factor(self.temperature))

    @property
    def derivative(self) -> bp.JointEq:
        """The joint right-hand side ``(V, m, h, n, t, I) -> [dV, dm, dh, dn]``."""
        return bp.JointEq(self.dV, self.dm, self.dh, self.dn)

    def dY(self, Y: Any, t: Any, I: Any) -> Any:  # noqa: E741
        """The same right-hand side on the stacked state ``Y = [V, m, h, n]`` (axis 0)."""
        V, m, h, n = Y
        m_a, m_b, h_a, h_b, n_a, n_b = self.rates(V)
        phi = k.temperature_factor(self.temperature)
        return jnp.stack([
            self.dV(V, t, m, h, n, I),
            k.gate_derivative(m, m_a, m_b, phi),
            k.gate_derivative(h, h_a, h_b, phi),
            k.gate_derivative(n, n_a, n_b, phi),
        ])

    @property
    def _stacked(self) -> bool:
        # dm, dh, dn overridden in a subclass: step them as written, variable by variable.
        own = all(getattr(type(self), name) is getattr(HH, name) for name in ("dm", "dh", "dn"))
        return own and self.method not in EXPONENTIAL_METHODS

    # -- state --------------------------------------------------------------------------------
    @staticmethod
    def _check_init(init: Any, seed: int | None) -> Any:
        if isinstance(init, Mapping):
            unknown = set(init) - {"V", "m", "h", "n"}
            if "V" not in init or unknown:
                raise ValueError(f"init as a dict needs 'V' and may have 'm', 'h', 'n'; got keys {sorted(init)}")
            check_params({"V": init["V"]})
            for gate in ("m", "h", "n"):
                if gate in init:
                    check_gate(gate, init[gate])
            return dict(init)
        if init not in ("rest", "zeros", "random"):
            raise ValueError(f"init must be {_INIT_CHOICES}; got {init!r}")
        if init == "random" and seed is None:
            raise ValueError("init='random' needs an explicit seed (an int), so that runs are reproducible")
        return init

    def _initial_V(self) -> Any:
        if isinstance(self._init, dict):
            return jnp.broadcast_to(jnp.asarray(self._init["V"], dtype=bm.float_), self.varshape)
        if self._init == "zeros":
            return jnp.zeros(self.varshape, dtype=bm.float_)
        if self._init == "random":
            rng = np.random.default_rng(self.seed)
            return jnp.asarray(rng.uniform(*self.V_range, size=self.varshape), dtype=bm.float_)
        return jnp.full(self.varshape, self.V_init, dtype=bm.float_)

    def _initial_gate(self, gate: str, V: Any) -> Any:
        if isinstance(self._init, dict) and gate in self._init:
            return jnp.broadcast_to(jnp.asarray(self._init[gate], dtype=bm.float_), self.varshape)
        if self._init == "zeros":
            return jnp.zeros(self.varshape, dtype=bm.float_)
        return getattr(self, f"{gate}_inf")(V)

    def reset_state(self, batch_or_mode: Any = None, **kwargs: Any) -> None:
        """Set V, m, h, n to the initial state chosen by ``init``; clear spikes and input."""
        V0 = self._initial_V()
        self.V = self.init_variable(V0, batch_or_mode)
        for gate in ("m", "h", "n"):
            setattr(self, gate, self.init_variable(self._initial_gate(gate, V0), batch_or_mode))
        self.spike = self.init_variable(partial(bm.zeros, dtype=bool), batch_or_mode)
        # strongly typed, as update() writes it: a weak-typed start would make the compiled loop retrace once
        self.t_last_spike = self.init_variable(partial(bm.full, fill_value=-1e7, dtype=bm.float_), batch_or_mode)
        self.input = self.init_variable(bp.init.ZeroInit(), batch_or_mode)

    # -- dynamics -----------------------------------------------------------------------------
    def _stiffness(self) -> dict[str, Any]:
        return {key: bm.as_numpy(getattr(self, key)) for key in ("gNa", "gK", "gL", "C", "temperature")}

    def _step_dt(self) -> Any:
        if self.dt is not None:
            return self.dt
        dt = share.load("dt")
        if isinstance(dt, (int, float)) and dt != self._checked_dt:
            check_dt_for_method(dt, self.method, **self._stiffness())
            self._checked_dt = float(dt)
        return dt

    def update(self, x: Any = None) -> Any:
        """Advance one step of ``dt`` with external current ``x`` (uA/cm^2); return the spikes."""
        t = share.load("t")
        dt = self._step_dt()
        I = self.input.value if x is None else x + self.input.value  # noqa: E741
        I = self.sum_current_inputs(self.V.value, init=I)  # noqa: E741
        V_old = self.V.value
        if self._stacked:
            Y = jnp.stack([V_old, self.m.value, self.h.value, self.n.value])
            V, m, h, n = self.integral(Y, t, I, dt)
        else:
            V, m, h, n = self.integral(V_old, self.m.value, self.h.value, self.n.value, t, I, dt)
        V = V + self.sum_delta_inputs()
        spike = jnp.logical_and(V_old < self.V_th, V >= self.V_th)
        frac = (self.V_th - V_old) / jnp.where(spike, V - V_old, 1.0)
        self.t_last_spike.value = jnp.where(spike, t + dt * frac, self.t_last_spike.value)
        self.V.value = V
        self.m.value = m
        self.h.value = h
        self.n.value = n
        self.spike.value = spike
        return spike

    def clear_input(self, *args: Any, **kwargs: Any) -> None:
        """Zero the ``input`` variable after each step (as the legacy ``bp.neurons.HH``)."""
        self.input.value = bm.zeros_like(self.input.value)

    def return_info(self) -> Any:
        """What projections read from this group: its spikes."""
        return self.spike
