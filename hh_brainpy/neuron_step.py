"""One step of :class:`hh_brainpy.HH`: integrate with the model's method, detect spikes, watch for NaN.

A mixin of ``HH``.  With the default method (``hh_brainpy.exponential_rk.ExponentialRK4``)
the projections' currents are evaluated at every stage and a crossing in any sub-step is a
spike; with a named BrainPy method the step is ``bp.dyn.HH``'s: the input is taken at the step's
start and a spike is a crossing between the step's ends.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp
from brainpy.context import share

from hh_brainpy.checks import DIVERGES_FROM, PER_VARIABLE_METHODS, max_stable_dt
from hh_brainpy.exponential_rk import ExponentialRK4, crossing
from hh_brainpy.finite_watch import watch
from hh_brainpy.integrator import stacked_integral
from hh_brainpy.kinetics import RATE_NAMES
from hh_brainpy.neuron_state import value_of

__all__ = ["NeuronStep", "StabilityWarning"]


class StabilityWarning(UserWarning):
    """A named explicit method is asked for a step beyond its measured stability limit.

    Issued once by :class:`hh_brainpy.HH` built with a named explicit method (``"rk4"``, ``"euler"``,
    ...) and a step beyond :func:`hh_brainpy.max_stable_dt`: it runs as BrainPy would, and the
    warning says which step is safe.  A subclass of ``UserWarning``.

    Examples
    --------
    >>> import warnings
    >>> import brainpy as bp
    >>> import hh_brainpy as hb
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     runner = bp.DSRunner(hb.HH(1, method="rk4"), dt=0.1, progress_bar=False)
    ...     _ = runner.run(1.0)
    >>> any(issubclass(w.category, hb.StabilityWarning) for w in caught)
    True
    """


class NeuronStep:
    """Mixin: ``update`` (one step of ``dt``) for a group with ``V``, ``m``, ``h``, ``n``, ``spike``."""

    def update(self, x: Any = None) -> Any:
        """Advance one step of ``dt`` with external current ``x`` (uA/cm^2); return the spikes."""
        t = share.load("t")
        t_known = t is not None  # a loop of the user's may step ``update`` without sharing t, as bp.dyn.HH allows
        t = t if t_known else 0.0  # the equations do not depend on t; only spike times do
        dt = self.dt if self.dt is not None else share.load("dt")
        x = 0.0 if x is None else x
        if self.input_var:
            x = x + self.input.value
        V0 = self.V.value
        y0 = (V0, self.m.value, self.h.value, self.n.value)
        if isinstance(self.integral, ExponentialRK4):
            (V, m, h, n), spike, t_spike = self.integral.advance(y0, t, dt, (x,), threshold=self.V_th)
        else:
            self._warn_if_unstable(dt)
            V, m, h, n = self._named_step(y0, t, self.sum_current_inputs(V0, init=x), dt)
            spike, t_spike = jnp.zeros(jnp.shape(V), dtype=bool), jnp.full(jnp.shape(V), jnp.nan)
        if self.instantaneous_m:
            m = self.m_inf(V)
        V_stepped = V
        V = V + self.sum_delta_inputs()
        start = V_stepped if isinstance(self.integral, ExponentialRK4) else V0
        jump, fraction = crossing(start, V, self.V_th)  # the step's own crossing (named methods) or a delta input
        t_jump = t + dt if isinstance(self.integral, ExponentialRK4) else t + dt * fraction
        spike, t_spike = jnp.logical_or(spike, jump), jnp.where(jump, t_jump, t_spike)
        if not t_known:
            t_spike = jnp.full(jnp.shape(V), jnp.nan)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        self.spike.value = spike
        if self.spike_times:
            self.t_last_spike.value = jnp.where(spike, t_spike, self.t_last_spike.value)
        if not self.__dict__.get("_checked_by_runner", False):
            watch(V, t, self, raise_error=self.check_finite)
        return spike

    #: The class whose equations :func:`hh_brainpy.kinetics.vector_field` is (set to ``HH`` where it is defined).
    _equations_of: type | None = None

    def _named_step(self, y0: tuple[Any, ...], t: Any, current: Any, dt: Any) -> tuple[Any, ...]:
        """One step of a named BrainPy method: ``self.integral``, or the same method on the stacked state.

        With a Runge-Kutta method of three or more stages, and while the equations are this
        package's own (no method of the model's equations or rates overridden, in its class or
        on the instance; ``self.integral`` the one the constructor built; no noise, no
        instantaneous m), BrainPy's method steps :func:`hh_brainpy.integrator.dY`, the same
        system as :attr:`derivative` with the state stacked as ``[V, m, h, n]``: the same
        method and the same arithmetic, about 1.6x faster at 1e5 neurons on a 2-core CPU (its
        three exponentials are computed once per stage, not once per gate).  Anything else is
        ``self.integral(V, m, h, n, t, I, dt)``, as ``bp.dyn.HH`` steps.
        """
        if not self._steps_own_equations():
            return self.integral(*y0, t, current, dt)
        Y = jnp.stack(jnp.broadcast_arrays(*y0))
        params = (self.gNa, self.ENa, self.gK, self.EK, self.gL, self.EL, self.C, self.temperature)
        Y = stacked_integral(self.method)(Y, t, current, *(value_of(p) for p in params), dt=dt)
        return Y[0], Y[1], Y[2], Y[3]

    def _steps_own_equations(self) -> bool:
        own = type(self)._equations_of
        if own is None or self.method in PER_VARIABLE_METHODS or self.noise is not None or self.instantaneous_m:
            return False
        if self.__dict__.get("_built_integral", (None,))[0] is not self.integral:
            return False
        names = ("dV", "dm", "dh", "dn", "derivative", "rates", *RATE_NAMES)
        return all(name not in self.__dict__ and getattr(type(self), name, None) is getattr(own, name, None)
                   for name in names)

    def _warn_if_unstable(self, dt: Any) -> None:
        if DIVERGES_FROM.get(self.method) is None or isinstance(dt, jax.core.Tracer):
            return
        limit = max_stable_dt(self.method, **self._stiffness())
        if float(dt) > limit * (1 + 1e-9) and not self.__dict__.get("_warned_unstable", False):
            self.__dict__["_warned_unstable"] = True
            warnings.warn(
                f"{self.name}: dt = {float(dt):g} ms is beyond the stability limit of method {self.method!r} "
                f"for these parameters (dt <= {limit:.4g} ms; it diverges from about {DIVERGES_FROM[self.method]} "
                f"ms with the default parameters). It is run as asked; the default method ('etdrk4') "
                "sub-steps and stays stable.", StabilityWarning, stacklevel=3)

