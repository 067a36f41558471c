r"""``HH``: the Hodgkin-Huxley neuron as a BrainPy ``NeuGroup``, built as ``bp.dyn.HH`` is."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import (
    NEURON_DEFAULT_METHOD,
    check_dt,
    check_memory,
    check_neuron_method,
    check_params,
    check_real,
    check_size,
)
from hh_brainpy.exponential_rk import ExponentialRK4, diagonal_jacobian, joint_value_and_diagonal
from hh_brainpy.initial_state import InitialState
from hh_brainpy.neuron_state import NeuronState, check_shape, value_of
from hh_brainpy.neuron_step import NeuronStep, StabilityWarning
from hh_brainpy.params import DEFAULT_PARAMS as _D

__all__ = ["HH", "StabilityWarning"]

# V, m, h, n, spike, input, 9 parameters and a step's temporaries, in float64
_BYTES_PER_NEURON = 40 * 8
# bp.dyn.HH initialises its parameters in this order (an initializer may draw from bm.random)
_PARAMETER_ORDER = ("ENa", "EK", "EL", "gNa", "gK", "gL", "C", "V_th", "temperature")


def _six_rates(model: Any, V: Any) -> tuple[Any, ...]:
    """The six rates at V for the gate equations: the model's own methods, three exponentials for HH's.

    This package's ``rates`` (:class:`hh_brainpy.kinetics.RateMethods`, or a model's of
    :mod:`hh_brainpy.models`) computes the six from fewer exponentials, and calls the six methods
    when a subclass overrides any of them.  A ``rates`` of the user's own (which may mean
    something else) is not called: the six methods are.
    """
    fn = getattr(type(model), "rates", None)
    if inspect.isfunction(fn) and fn.__module__.startswith("hh_brainpy."):
        return fn(model, V)
    return tuple(getattr(model, name)(V) for name in k.RATE_NAMES)


class HH(NeuronStep, NeuronState, k.RateMethods, bp.NeuGroup):
    r"""A group of Hodgkin-Huxley neurons: ``bp.dyn.HH``'s class, with accurate numerics underneath.

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
    -40 and -55 mV are handled there) and :math:`\phi(T) = 3^{(T-6.3)/10}`.

    **A subclass is the model.**  As in ``bp.dyn.HH``: the constructor sets
    the parameters, builds ``self.integral`` from :attr:`derivative`
    (``bp.JointEq(self.dV, self.dm, self.dh, self.dn)``) and, with
    ``init_var=True``, ends with ``self.reset_state(self.mode)``.  Nothing runs
    after it: what a subclass assigns after ``super().__init__()`` stands, and
    every step calls the subclass's ``dV``, ``dm``, ``dh``, ``dn`` (or
    ``derivative``), its rate methods and ``m_inf``/``h_inf``/``n_inf``, with
    whatever method.  Attributes are read when a step is traced; a runner of
    this package compiles anew when a plain attribute changes.

    **Methods.**  Any method name BrainPy accepts (``'exp_auto'``, ``'rk4'``,
    ...) is BrainPy's method, stepped once per network step exactly as
    ``bp.dyn.HH`` steps it: the input ``I`` (the argument of ``update``,
    the ``input`` variable and the projections' currents) is evaluated once
    at the step's start.  A named explicit method asked for a step beyond its
    measured stability limit warns (:class:`hh_brainpy.StabilityWarning`) and is still
    run.  The default, ``'etdrk4'``, is this package's:
    ``hh_brainpy.exponential_rk.ExponentialRK4``, fourth order,
    in ``ceil(dt / max_substep)`` sub-steps (1 at BrainPy's dt = 0.1 ms, 100 at
    10 ms), with the projections' currents evaluated at every stage so that a
    synaptic conductance enters the exactly integrated linear part.  The count
    depends on dt only, so a trajectory is smooth in the parameters; the
    scheme stays stable for stiff subclasses and strong conductances.  Measured
    at dt = 0.1 ms, 100 ms at Iext = 10 from V = -65 mV (float64): spike times
    within 0.012 ms of the scipy reference (7e-4 ms with ``max_substep=0.05``),
    against 4.3 ms for ``bp.dyn.HH`` (exponential Euler); a step costs about
    three of ``bp.dyn.HH``'s (float32, 1e4-1e5 neurons; ``python -m benchmarks``,
    section g), most of it the four evaluations of the model a fourth-order
    step needs.

    **Spikes** are upward crossings of ``V_th``: in any sub-step of the default
    method (so a coarse dt loses none, though a step holds one spike flag), or
    between the step's start and end with a named method, as ``bp.dyn.HH``.
    With ``spike_times=True`` the variable ``t_last_spike`` holds the last
    crossing's time, linearly interpolated.  A V that turns NaN or infinite
    warns once (:class:`hh_brainpy.NonFiniteWarning`) naming the
    neuron and the time, or raises with ``check_finite=True``.

    **Initial state.**  ``bp.dyn.HH``'s: V drawn from ``Uniform(-70, -60)``
    through ``brainpy.math.random`` (the same draws in the same order, so the
    same seed builds the same network; ``reset_state`` draws again), gates at
    the steady state of the subclass's own rates.  The ``init`` keyword gives
    the package's deterministic starts (see ``hh_brainpy.initial_state``);
    :func:`hh_brainpy.simulate` starts at -65 mV with steady gates.

    Parameters
    ----------
    size, sharding, keep_size, mode, name
        As for every BrainPy ``NeuGroup``.
    method : str, optional
        ``'etdrk4'`` (the default; ``'exp_auto'`` with ``noise``) or any
        ``bp.odeint`` method (``bp.sdeint`` with ``noise``).
    init_var : bool
        Set up the state now (default True); else call ``reset_state()`` later.
    ENa, EK, EL : float, array or initializer
        Reversal potentials, mV (defaults 50, -77, -54.387).
    gNa, gK, gL : float, array or initializer
        Maximal conductances, mS/cm^2 (defaults 120, 36, 0.03; BrainPy's gL).
    V_th : float, array or initializer
        Spike threshold, mV (default 20).
    C : float, array or initializer
        Membrane capacitance, uF/cm^2 (default 1).
    V_initializer, m_initializer, h_initializer, n_initializer : initializer or array, optional
        As ``bp.dyn.HH``: V from ``bp.init.Uniform(-70, -60)`` unless given;
        a gate not given starts at its steady state for the initial V.
    noise : float, array or callable, optional
        Noise intensity of each variable's Wiener term (``bp.sdeint``, as ``bp.dyn.HH``).
    temperature : float, array or initializer
        Temperature, deg C (default 6.3, where :math:`\phi = 1`); allowed -5 to 50.
    dt : float, optional
        The neuron's own step, ms.  Default: BrainPy's shared ``dt`` at each step.
    max_substep : float
        Largest sub-step of the default method, ms (default 0.1).
    init, V_init, seed, V_range
        The package's named starts instead of the initializers:
        ``'steady'`` (V = ``V_init``, default -65 mV; ``V_init`` alone implies
        it), ``'rest'``, ``'zeros'``, ``'random'`` (with ``seed``, V uniform in
        ``V_range``) or a dict.
    input_var : bool
        Keep an ``input`` variable, added to the current and zeroed after each
        step (default True, as the legacy ``bp.neurons.HH``).
    check_finite : bool
        Raise :class:`hh_brainpy.NonFiniteError` when V becomes non-finite
        (default False: warn once).
    spike_times : bool
        Keep ``t_last_spike`` (ms), the interpolated time of the last crossing (default False).

    Examples
    --------
    >>> import brainpy as bp
    >>> import hh_brainpy as hb
    >>> neu = hb.HH(3, init="steady")
    >>> runner = bp.DSRunner(neu, monitors=['V'], inputs=('input', 10.), dt=0.01, progress_bar=False)
    >>> runner.run(5.0).shape
    (500, 3)

    References
    ----------
    .. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544.
    .. [2] Cox, S. M. & Matthews, P. C. (2002). J. Comput. Phys. 176:430-455.
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
        max_substep: float = 0.1,
        init: str | Mapping[str, Any] | None = None,
        V_init: float | None = None,
        seed: int | None = None,
        V_range: tuple[float, float] = (-70.0, -60.0),
        input_var: bool = True,
        check_finite: bool = False,
        spike_times: bool = False,
    ) -> None:
        check_size(size)
        n = int(np.prod(size if isinstance(size, (tuple, list)) else (size,)))
        check_memory(n * _BYTES_PER_NEURON, f"the state of {n} neurons", "use fewer neurons")
        raw = {"ENa": ENa, "EK": EK, "EL": EL, "gNa": gNa, "gK": gK, "gL": gL, "C": C, "V_th": V_th,
               "temperature": temperature}
        check_params(raw)
        method = check_neuron_method(method, noise)
        max_substep = check_real("max_substep", max_substep, low=0.0, low_open=True)
        super().__init__(size=size, keep_size=keep_size, mode=mode, name=name, sharding=sharding, method=method)
        for key in _PARAMETER_ORDER:
            check_shape(key, raw[key], self.varshape)
            setattr(self, key, self.init_param(raw[key]))
        check_params({key: bm.as_numpy(value_of(getattr(self, key))) for key in raw})
        self.dt = None if dt is None else check_dt(dt)
        self.initial_state = InitialState.from_arguments(
            init, {"V": V_initializer, "m": m_initializer, "h": h_initializer, "n": n_initializer},
            V_init=V_init, seed=seed, V_range=V_range)
        self.input_var, self.check_finite, self.spike_times = bool(input_var), bool(check_finite), bool(spike_times)
        if noise is not None and not callable(noise):
            check_params({"noise": noise})
            if np.any(np.asarray(noise, dtype=float) < 0):
                raise ValueError(f"noise (the noise amplitude, mV/sqrt(ms)) must be >= 0, got {noise!r}")
        self.noise = bp.init.noise(noise, self.varshape, num_vars=4)
        self.integral = self._make_integral(method, max_substep)
        self.__dict__["_built_integral"] = (self.integral,)  # (see NeuronStep._named_step)
        if init_var:
            self.reset_state(self.mode)

    def _make_integral(self, method: str, max_substep: float) -> Any:
        """``bp.sdeint`` with noise, the package's ETDRK4 for ``'etdrk4'``, else BrainPy's ``bp.odeint``."""
        if self.noise is not None:
            return bp.sdeint(method=method, f=self.derivative, g=self.noise)
        if method == NEURON_DEFAULT_METHOD:
            return ExponentialRK4(self.derivative_with_inputs, max_substep, self._value_and_diagonal)
        return bp.odeint(method=method, f=self.derivative)

    # -- the equations: override any of these in a subclass ---------------------------------
    def dV(self, V: Any, t: Any, m: Any, h: Any, n: Any, I: Any) -> Any:  # noqa: E741
        """Membrane equation, mV/ms (:func:`hh_brainpy.kinetics.dVdt`); ``m_inf(V)`` when ``instantaneous_m``."""
        if self.instantaneous_m:
            m = self.m_inf(V)
        return k.dVdt(V, m, h, n, I, self.gNa, self.ENa, self.gK, self.EK, self.gL, self.EL, self.C)

    def dm(self, m: Any, t: Any, V: Any) -> Any:
        """Sodium activation, 1/ms (scaled by the temperature factor; 0 when ``instantaneous_m``)."""
        if self.instantaneous_m:
            return jnp.zeros_like(m)
        alpha, beta = _six_rates(self, V)[0:2]
        return k.gate_derivative(m, alpha, beta, k.temperature_factor(self.temperature))

    def dh(self, h: Any, t: Any, V: Any) -> Any:
        """Sodium inactivation, 1/ms (scaled by the temperature factor)."""
        alpha, beta = _six_rates(self, V)[2:4]
        return k.gate_derivative(h, alpha, beta, k.temperature_factor(self.temperature))

    def dn(self, n: Any, t: Any, V: Any) -> Any:
        """Potassium activation, 1/ms (scaled by the temperature factor)."""
        alpha, beta = _six_rates(self, V)[4:6]
        return k.gate_derivative(n, alpha, beta, k.temperature_factor(self.temperature))

    @property
    def derivative(self) -> bp.JointEq:
        """The joint right-hand side ``(V, m, h, n, t, I) -> [dV, dm, dh, dn]``, as ``bp.dyn.HH``."""
        return bp.JointEq(self.dV, self.dm, self.dh, self.dn)

    def derivative_with_inputs(self, V: Any, m: Any, h: Any, n: Any, t: Any, x: Any) -> Any:
        """:attr:`derivative` with ``I = x`` plus the projections' currents at this V (the default method's f)."""
        return self.derivative(V, m, h, n, t, self.sum_current_inputs(V, init=x))

    def _value_and_diagonal(self, y: Any, t: Any, x: Any) -> Any:
        """``(f, diag)`` of :meth:`derivative_with_inputs` for the default method: by equation when it is a JointEq."""
        found = joint_value_and_diagonal(self.derivative, y, t, lambda ys: (self.sum_current_inputs(ys[0], init=x),))
        if found is None:  # a derivative of the user's own form: the whole system, one variable at a time
            return diagonal_jacobian(self.derivative_with_inputs, y, t, x)
        return found

    def clear_input(self, *args: Any, **kwargs: Any) -> None:
        """Zero the ``input`` variable after each step (as the legacy ``bp.neurons.HH``)."""
        if self.input_var:
            self.input.value = bm.zeros_like(self.input.value)

    def return_info(self) -> Any:
        """What projections read from this group: its spikes."""
        return self.spike


HH._equations_of = HH  # the equations the stacked vector field reproduces (NeuronStep._named_step)
