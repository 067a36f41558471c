"""A converged reference for BrainPy programs: BrainPy's own HH class, rk4 in sub-steps of at most 2.5 us.

``converged(cls)`` takes a neuron class written for ``bp.dyn.HH`` (BrainPy's or a user's subclass of
it) and returns one whose ``update`` integrates the class's own ``derivative`` with classical RK4 in
``ceil(dt / 0.0025)`` sub-steps of each network step, evaluating the projections' currents at every
sub-step (the input the network holds for the step, ``g (E - V)``, follows V within it).  It never
imports hh_brainpy, so it checks the package against BrainPy's equations, not against itself.
"""

from __future__ import annotations

import math

import brainpy as bp
import jax
import jax.numpy as jnp
from brainpy.context import share

#: ms; the largest sub-step of the reference (rk4's error there is far below any tolerance used).
SUBSTEP = 0.0025


class ConvergedUpdate:
    """Mixin for a ``bp.dyn.HH`` class: ``update`` sub-steps ``self.derivative`` with rk4 at <= 2.5 us."""

    def __init__(self, *args, **kwargs):
        kwargs["method"] = "rk4"
        super().__init__(*args, **kwargs)

    def update(self, x=None):
        t, dt = share.load("t"), share.load("dt")
        x = 0.0 if x is None else x
        if hasattr(self, "input"):
            x = x + self.input.value
        count = max(1, math.ceil(dt / SUBSTEP - 1e-9))
        h = dt / count
        f = self.derivative

        def rhs(V, m, h_, n, tt):
            return f(V, m, h_, n, tt, self.sum_current_inputs(V, init=x))

        def rk4(i, y):
            tt = t + i * h
            k1 = rhs(*y, tt)
            k2 = rhs(*(a + 0.5 * h * b for a, b in zip(y, k1, strict=True)), tt + 0.5 * h)
            k3 = rhs(*(a + 0.5 * h * b for a, b in zip(y, k2, strict=True)), tt + 0.5 * h)
            k4 = rhs(*(a + h * b for a, b in zip(y, k3, strict=True)), tt + h)
            stages = zip(y, k1, k2, k3, k4, strict=True)
            return tuple(a + h / 6.0 * (b + 2.0 * c + 2.0 * d + e) for a, b, c, d, e in stages)

        y0 = tuple(jnp.asarray(v.value) for v in (self.V, self.m, self.h, self.n))
        V, m, h_, n = jax.lax.fori_loop(0, count, rk4, y0)
        V = V + self.sum_delta_inputs()
        self.spike.value = jnp.logical_and(self.V.value < self.V_th, V >= self.V_th)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h_, n
        if hasattr(self, "input"):
            self.input.value = jnp.zeros_like(self.input.value)
        return self.spike.value


def converged(cls: type) -> type:
    """``cls`` (a bp.dyn.HH or a subclass of it) with the converged update."""
    return type(f"Converged{cls.__name__}", (ConvergedUpdate, cls), {})


class LegacyInputHH(bp.dyn.HH):
    """``bp.dyn.HH`` with the legacy ``bp.neurons.HH``'s ``input`` variable (for programs that write it)."""

    def reset_state(self, batch_size=None, **kwargs):
        super().reset_state(batch_size, **kwargs)
        self.input = self.init_variable(bp.init.ZeroInit(), batch_size)
