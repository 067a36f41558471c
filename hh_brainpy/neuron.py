r"""``HH``: the Hodgkin-Huxley neuron as a BrainPy ``NeuGroup``."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
from brainpy.context import share

from hh_brainpy import kinetics as k
from hh_brainpy.checks import (
    PER_VARIABLE_METHODS,
    SDE_METHODS,
    NonFiniteError,
    check_dt,
    check_gate,
    check_memory,
    check_method,
    check_params,
    check_size,
    max_stable_dt,
)
from hh_brainpy.params import DEFAULT_PARAMS as _D
from hh_brainpy.params import FIELD_NAMES, HHParams

__all__ = ["HH"]

# V, m, h, n, spike, t_last_spike, input, 9 parameters and an rk4 step's temporaries, in float64
_BYTES_PER_NEURON = 40 * 8
_INIT_CHOICES = ("steady", "rest", "zeros", "random")
_INIT_TEXT = "'steady', 'rest', 'zeros', 'random' (with seed) or a dict of V, m, h, n"


class HH(k.RateMethods, bp.NeuGroup):
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

    **Coming from bp.dyn.HH.**  The constructor is ``bp.dyn.HH``'s: the same
    positional order (size, sharding, keep_size, mode, name, method, init_var,
    ENa, gNa, EK, gK, EL, gL, V_th, C, V_initializer, m/h/n_initializer,
    noise) and BrainPy initializers for every parameter and state.  Two
    defaults differ, on purpose:

    - *method*: ``'rk4'`` (``'exp_auto'`` when ``noise`` is given, as rk4 has
      no SDE form), not ``'exp_auto'``.  The step ``dt`` of the runner is the
      network's step; the neuron integrates it in :meth:`substeps` sub-steps
      of its method, as many as the stability limit needs (2 at BrainPy's
      default 0.1 ms, 200 at 10 ms).  Measured at dt = 0.1 ms, 100 ms at
      Iext = 10 from V = -65 mV: spike times within 0.0028 ms of the scipy
      reference (linearly interpolated samples), against 4.27 ms for
      ``bp.dyn.HH`` with exponential Euler; the cost is 8 evaluations of the
      rates per step instead of 1.  ``method='exp_auto'`` reproduces
      ``bp.dyn.HH`` to round-off.
    - *initial state*: V = -65 mV with the gates at steady state, the same on
      every run, not ``Uniform(-70, -60)``; pass
      ``V_initializer=bp.init.Uniform(-70., -60.)`` for BrainPy's.

    Parameters
    ----------
    size : int or tuple of int
        Number (shape) of neurons.
    sharding, keep_size, mode, name
        As for every BrainPy ``NeuGroup``.
    method : str, optional
        ``bp.odeint`` method (see :data:`hh_brainpy.METHODS`); default ``'rk4'``,
        or ``'exp_auto'`` with ``noise``.
    init_var : bool
        Set up the state now (default True); else call :meth:`reset_state` later.
    ENa, EK, EL : float, array or initializer
        Reversal potentials, mV (defaults 50, -77, -54.387).
    gNa, gK, gL : float, array or initializer
        Maximal conductances, mS/cm^2 (defaults 120, 36, 0.03; BrainPy's gL).
    V_th : float, array or initializer
        Spike threshold, mV (default 20).
    C : float, array or initializer
        Membrane capacitance, uF/cm^2 (default 1).
    V_initializer, m_initializer, h_initializer, n_initializer : initializer or array, optional
        Initial V (mV) and gates, as in ``bp.dyn.HH``; a gate not given starts at
        its steady state for the initial V.
    noise : float, array or callable, optional
        Noise intensity of each variable's Wiener term (as ``bp.dyn.HH``: ``bp.sdeint``).
    temperature : float, array or initializer
        Temperature, deg C (default 6.3, where :math:`\phi = 1`); allowed -5 to 50.
    dt : float, optional
        The neuron's own step, ms.  Default: BrainPy's shared ``dt`` (the
        runner's) at each step.  Either way it is integrated in :meth:`substeps`.
    init : str or dict, optional
        Instead of the initializers: ``'steady'`` (V = ``V_init``, gates at
        their steady state for that V; the default), ``'rest'`` (the resting
        state at zero current), ``'zeros'`` (V = m = h = n = 0, as in the
        document this package grew from), ``'random'`` (V uniform in
        ``V_range`` from ``seed``, gates at steady state) or a dict with
        ``V`` and optionally ``m``, ``h``, ``n`` (missing gates at steady state).
    V_init : float
        Initial V for ``init='steady'``, mV (default -65).
    seed : int, optional
        Seed for ``init='random'`` (required there).
    V_range : (float, float)
        Range of the random initial V, mV (default (-70, -60)).
    input_var : bool
        Keep an ``input`` variable, added to the current and zeroed after each
        step (default True, as the legacy ``bp.neurons.HH``).
    check_finite : bool
        Raise :class:`hh_brainpy.NonFiniteError` (naming the neuron and the
        time) as soon as V becomes NaN or infinite, under any BrainPy runner.
        Default False: no check, no cost.

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

    #: Set True in a subclass for instantaneous sodium activation, ``m = m_inf(V)``
    #: (as in Wang & Buzsaki 1996): the current uses ``m_inf(V)`` and the ``m``
    #: variable follows it.  See :class:`hh_brainpy.models.WangBuzsakiHH`.
    instantaneous_m: bool = False

    def __init__(
        self,
        size: int | Sequence[int],
        sharding: Any = None,
        keep_size: bool = False,
        mode: bm.Mode | None = None,
        name: str | None = None,
        method: str | None = None,
        init_var: bool = True,
        ENa: Any = _D.ENa,
        gNa: Any = _D.gNa,
        EK: Any = _D.EK,
        gK: Any = _D.gK,
        EL: Any = _D.EL,
        gL: Any = _D.gL,
        V_th: Any = _D.V_th,
        C: Any = _D.C,
        V_initializer: Any = None,
        m_initializer: Any = None,
        h_initializer: Any = None,
        n_initializer: Any = None,
        noise: Any = None,
        *,
        temperature: Any = _D.temperature,
        dt: float | None = None,
        init: str | Mapping[str, Any] | None = None,
        V_init: float = -65.0,
        seed: int | None = None,
        V_range: tuple[float, float] = (-70.0, -60.0),
        input_var: bool = True,
        check_finite: bool = False,
    ) -> None:
        check_size(size)
        n = int(np.prod(size if isinstance(size, (tuple, list)) else (size,)))
        check_memory(n * _BYTES_PER_NEURON, f"the state of {n} neurons", "use fewer neurons")
        raw = {"gNa": gNa, "ENa": ENa, "gK": gK, "EK": EK, "gL": gL, "EL": EL, "C": C,
               "temperature": temperature, "V_th": V_th}
        check_params(raw)
        method = self._choose_method(method, noise)
        super().__init__(size=size, keep_size=keep_size, mode=mode, name=name,
                         sharding=sharding, method=method)
        for key, value in raw.items():
            _check_shape(key, value, self.varshape)
            setattr(self, key, self.init_param(value))
        check_params({key: bm.as_numpy(_value(getattr(self, key))) for key in raw})
        self._stiffness()  # remember the concrete values
        self.dt = None if dt is None else check_dt(dt)
        self._initializers = self._check_initializers(
            init, seed, {"V": V_initializer, "m": m_initializer, "h": h_initializer, "n": n_initializer})
        self._init = self._initializers.pop("init")
        self.V_init, self.seed, self.V_range = float(V_init), seed, (float(V_range[0]), float(V_range[1]))
        self.input_var, self.check_finite = bool(input_var), bool(check_finite)
        self.noise = bp.init.noise(noise, self.varshape, num_vars=4)
        self.integral = self._make_integral(method)
        if init_var:
            self._reset_when_constructed()

    def _make_integral(self, method: str) -> Any:
        if self.noise is not None:
            return bp.sdeint(method=method, f=self.derivative, g=self.noise, dt=self.dt)
        return bp.odeint(method=method, f=self.dY if self._stacked else self.derivative, dt=self.dt)

    @staticmethod
    def _choose_method(method: str | None, noise: Any) -> str:
        if method is None:  # rk4 for the ODE; with noise, bp.dyn.HH's exp_auto (rk4 has no SDE form)
            return "exp_auto" if noise is not None else "rk4"
        method = check_method(method)
        if noise is not None and method not in SDE_METHODS:
            raise ValueError(f"noise needs a stochastic method, one of {', '.join(SDE_METHODS)}; got {method!r}")
        return method

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make a subclass's ``__init__`` set up the state after it has run to its end.

        A subclass whose rates read attributes it sets after
        ``super().__init__()`` (the usual BrainPy pattern) then works: the
        steady-state gates are computed once the whole constructor is done.
        """
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def constructed_then_reset(self: HH, *args: Any, **kw: Any) -> None:
            init(self, *args, **kw)
            if type(self).__dict__.get("__init__") is constructed_then_reset or _outermost_init(type(self)) is cls:
                self._finish_construction()

        cls.__init__ = constructed_then_reset  # type: ignore[method-assign]

    def _reset_when_constructed(self) -> None:
        self.__dict__["_pending_reset"] = True
        if _outermost_init(type(self)) is HH:
            self._finish_construction()

    def _finish_construction(self) -> None:
        if self.__dict__.pop("_pending_reset", False):
            self.reset_state(self.mode)

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
        if self.instantaneous_m:
            m = self.m_inf(V)
        return k.dVdt(V, m, h, n, I, self.gNa, self.ENa, self.gK, self.EK, self.gL, self.EL, self.C)

    def dm(self, m: Any, t: Any, V: Any) -> Any:
        """Sodium activation, 1/ms (scaled by the temperature factor; 0 when ``instantaneous_m``)."""
        if self.instantaneous_m:
            return jnp.zeros_like(m)
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
        """The right-hand side on the stacked state ``Y = [V, m, h, n]`` (:func:`hh_brainpy.kinetics.vector_field`)."""
        return k.vector_field(Y, I, self.params, self.rates, instantaneous_m=self.instantaneous_m,
                              key=t if self._rates_take_key() else None)

    @property
    def params(self) -> HHParams:
        """The parameters as one :class:`hh_brainpy.HHParams` (the values the next step uses)."""
        return HHParams(**{name: _value(self.__dict__[name]) for name in FIELD_NAMES})

    @contextlib.contextmanager
    def using(self, params: HHParams) -> Iterator[None]:
        """Within the block, the model's parameters are ``params`` (e.g. the traced arguments of a compiled loop).

        Parameters held in ``bm.Variable`` are left alone: BrainPy passes those
        into compiled code itself.
        """
        saved = {}
        for name in FIELD_NAMES:
            if not isinstance(self.__dict__[name], bm.Variable):
                saved[name] = self.__dict__[name]
                object.__setattr__(self, name, getattr(params, name))
        self.__dict__["_outside"] = saved
        try:
            yield
        finally:
            del self.__dict__["_outside"]
            for name, value in saved.items():
                object.__setattr__(self, name, value)

    @property
    def _stacked(self) -> bool:
        # dm, dh, dn overridden in a subclass: step them as written, variable by variable.
        own = all(getattr(type(self), name) is getattr(HH, name) for name in ("dm", "dh", "dn"))
        return own and self.method not in PER_VARIABLE_METHODS and self.noise is None

    # -- state --------------------------------------------------------------------------------
    @staticmethod
    def _check_initializers(init: Any, seed: int | None, given: dict[str, Any]) -> dict[str, Any]:
        given = {key: value for key, value in given.items() if value is not None}
        if init is not None and "V" in given:
            raise ValueError("give the initial V either as init=... or as V_initializer=..., not both")
        if init is None:
            init = "initializers" if "V" in given else "steady"
        elif isinstance(init, Mapping):
            unknown = set(init) - {"V", "m", "h", "n"}
            if "V" not in init or unknown:
                raise ValueError(f"init as a dict needs 'V' and may have 'm', 'h', 'n'; got keys {sorted(init)}")
            check_params({"V": init["V"]})
            for gate in ("m", "h", "n"):
                if gate in init:
                    check_gate(gate, init[gate])
            init = dict(init)
        elif not isinstance(init, str) or init not in _INIT_CHOICES:
            raise ValueError(f"init must be one of {_INIT_TEXT}; got {init!r}")
        if init == "random" and seed is None:
            raise ValueError("init='random' needs an explicit seed (an int), so that runs are reproducible")
        for key, value in given.items():
            if callable(value):
                continue
            if key == "V":
                check_params({"V_initializer": value})
            else:
                check_gate(key, value)
        return {"init": init, **given}

    def _initial_V(self, batch_or_mode: Any) -> Any:
        if "V" in self._initializers:
            return self.init_variable(self._initializers["V"], batch_or_mode)
        if isinstance(self._init, dict):
            V0 = jnp.broadcast_to(jnp.asarray(self._init["V"], dtype=bm.float_), self.varshape)
        elif self._init == "zeros":
            V0 = jnp.zeros(self.varshape, dtype=bm.float_)
        elif self._init == "random":
            rng = np.random.default_rng(self.seed)
            V0 = jnp.asarray(rng.uniform(*self.V_range, size=self.varshape), dtype=bm.float_)
        elif self._init == "rest":
            V0 = jnp.broadcast_to(jnp.asarray(self._resting_V(), dtype=bm.float_), self.varshape)
        else:
            V0 = jnp.full(self.varshape, self.V_init, dtype=bm.float_)
        return self.init_variable(V0, batch_or_mode)

    def _resting_V(self) -> np.ndarray:
        """The resting potential at zero current (mV): the zero of the steady-state current, by bisection."""
        p = self.params
        lo, hi = np.full(np.shape(p.gL), -120.0), np.full(np.shape(p.gL), 40.0)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            m, h, n = (np.asarray(getattr(self, f"{x}_inf")(mid)) for x in "mhn")
            current = np.asarray(k.dVdt(mid, m, h, n, 0.0, p.gNa, p.ENa, p.gK, p.EK, p.gL, p.EL, p.C))
            lo, hi = np.where(current > 0, mid, lo), np.where(current > 0, hi, mid)
        return 0.5 * (lo + hi)

    def _initial_gate(self, gate: str, V: Any, batch_or_mode: Any) -> Any:
        if gate in self._initializers:
            return self.init_variable(self._initializers[gate], batch_or_mode)
        if isinstance(self._init, dict) and gate in self._init:
            value = jnp.broadcast_to(jnp.asarray(self._init[gate], dtype=bm.float_), self.varshape)
        elif self._init == "zeros":
            value = jnp.zeros(self.varshape, dtype=bm.float_)
        else:
            return bm.Variable(getattr(self, f"{gate}_inf")(V.value), batch_axis=V.batch_axis)
        return self.init_variable(value, batch_or_mode)

    def reset_state(self, batch_or_mode: Any = None, **kwargs: Any) -> None:
        """Set V, m, h, n to the initial state chosen by ``init`` (or the initializers); clear spikes and input.

        A variable that already exists with the same shape and dtype gets the
        new value in place, so loops compiled over it stay valid.
        """
        self._assign("V", self._initial_V(batch_or_mode))
        for gate in ("m", "h", "n"):
            self._assign(gate, self._initial_gate(gate, self.V, batch_or_mode))
        self._assign("spike", self.init_variable(partial(bm.zeros, dtype=bool), batch_or_mode))
        # strongly typed, as update() writes it: a weak-typed start would make the compiled loop retrace once
        self._assign("t_last_spike",
                     self.init_variable(partial(bm.full, fill_value=-1e7, dtype=bm.float_), batch_or_mode))
        if self.input_var:
            self._assign("input", self.init_variable(bp.init.ZeroInit(), batch_or_mode))

    def _assign(self, name: str, new: bm.Variable) -> None:
        old = self.__dict__.get(name)
        if isinstance(old, bm.Variable) and old.shape == new.shape and old.dtype == new.dtype:
            old.value = new.value
        else:
            object.__setattr__(self, name, new)

    def restart(self, params: HHParams, *, init: Any = "steady", V_init: float = -65.0,
                seed: int | None = None) -> None:
        """Give the model new parameters and a new initial state (in place), and reset it to that state."""
        checked = self._check_initializers(init, seed, {})
        for name in FIELD_NAMES:
            _check_shape(name, getattr(params, name), self.varshape)
            setattr(self, name, self.init_param(getattr(params, name)))
        self._initializers, self._init = {}, checked["init"]
        self.V_init, self.seed = float(V_init), seed
        self.reset_state(self.mode)

    # -- dynamics -----------------------------------------------------------------------------
    def _stiffness(self) -> dict[str, Any]:
        """The parameters that set the stability limit, as concrete arrays.

        Inside ``using`` these are the model's own values.  A parameter held in a
        ``bm.Variable`` is traced inside compiled code; there the values last
        seen outside it are used (the sub-step count of a trained parameter is
        fixed when its step is compiled).
        """
        stored = {**self.__dict__, **self.__dict__.get("_outside", {})}
        try:
            values = {key: bm.as_numpy(_value(stored[key])) for key in ("gNa", "gK", "gL", "C", "temperature")}
        except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
            return self.__dict__["_concrete_stiffness"]
        self.__dict__["_concrete_stiffness"] = values
        return values

    def substeps(self, dt: float) -> int:
        """Sub-steps of the method inside one step ``dt`` (ms): as many as its stability limit needs.

        With the default parameters rk4 takes 1 sub-step up to 0.05 ms and 2 at
        BrainPy's default dt = 0.1 ms; exponential Euler 1 up to 0.25 ms.
        """
        limit = max_stable_dt(self.method, **self._stiffness())
        return max(1, math.ceil(check_dt(dt) / limit - 1e-9))

    def _step_dt(self) -> Any:
        return self.dt if self.dt is not None else share.load("dt")

    def _advance(self, V: Any, t: Any, I: Any, dt: Any) -> tuple[Any, Any, Any, Any]:  # noqa: E741
        """``(V, m, h, n)`` after ``dt``, in as many sub-steps of the method as it needs."""
        count = self.substeps(float(dt)) if isinstance(dt, (int, float)) else 1
        if count == 1 and not self._stacked:  # one step of the per-variable scheme: no stacking needed
            return tuple(self.integral(V, self.m.value, self.h.value, self.n.value, t, I, dt))
        h_dt = dt / count

        def one(j: Any, Y: Any) -> Any:
            tj = t + j * h_dt
            if self._stacked:
                return self.integral(Y, tj, I, h_dt)
            return jnp.stack(jnp.broadcast_arrays(*self.integral(*Y, tj, I, h_dt)))

        Y = jnp.stack(jnp.broadcast_arrays(V, self.m.value, self.h.value, self.n.value))
        Y = one(0, Y) if count == 1 else jax.lax.fori_loop(0, count, one, Y)
        return Y[0], Y[1], Y[2], Y[3]

    def update(self, x: Any = None) -> Any:
        """Advance one step of ``dt`` with external current ``x`` (uA/cm^2); return the spikes."""
        t = share.load("t")
        dt = self._step_dt()
        I = 0.0 if x is None else x  # noqa: E741
        if self.input_var:
            I = I + self.input.value  # noqa: E741
        I = self.sum_current_inputs(self.V.value, init=I)  # noqa: E741
        V_old = self.V.value
        V, m, h, n = self._advance(V_old, t, I, dt)
        if self.instantaneous_m:
            m = self.m_inf(V)
        V = V + self.sum_delta_inputs()
        spike = jnp.logical_and(V_old < self.V_th, V >= self.V_th)
        frac = (self.V_th - V_old) / jnp.where(spike, V - V_old, 1.0)
        self.t_last_spike.value = jnp.where(spike, t + dt * frac, self.t_last_spike.value)
        self.V.value = V
        self.m.value = m
        self.h.value = h
        self.n.value = n
        self.spike.value = spike
        if self.check_finite:
            jax.debug.callback(_raise_if_not_finite, V, t, self.name)
        return spike

    def clear_input(self, *args: Any, **kwargs: Any) -> None:
        """Zero the ``input`` variable after each step (as the legacy ``bp.neurons.HH``)."""
        if self.input_var:
            self.input.value = bm.zeros_like(self.input.value)

    def return_info(self) -> Any:
        """What projections read from this group: its spikes."""
        return self.spike


def _value(x: Any) -> Any:
    return x.value if isinstance(x, bm.Variable) else x


def _check_shape(name: str, value: Any, varshape: tuple[int, ...]) -> None:
    """A per-neuron parameter must broadcast to the group's shape; say which, and how long it should be."""
    if callable(value) or isinstance(value, bm.Variable):
        return
    shape = np.shape(value)
    try:
        if np.broadcast_shapes(shape, varshape) == tuple(varshape):
            return
    except ValueError:
        pass
    raise ValueError(f"{name} has shape {shape} (length {shape[0] if shape else 1}); this group of "
                     f"{int(np.prod(varshape))} neurons needs a scalar or shape {tuple(varshape)}")


def _outermost_init(cls: type) -> type:
    """The class whose ``__init__`` an instance of ``cls`` runs first."""
    return next(c for c in cls.__mro__ if "__init__" in c.__dict__)


def _raise_if_not_finite(V: Any, t: Any, name: str) -> None:
    V = np.asarray(V)
    if not np.all(np.isfinite(V)):
        neuron = int(np.argmax(~np.isfinite(V.reshape(-1))))
        raise NonFiniteError(
            f"{name}: V became non-finite at t = {float(t):.6g} ms (neuron {neuron}). "
            "Check the parameters and the input current, or reduce dt."
        )
