"""The HH cable as a BrainPy dynamical system: one axon, stepped by ``bp.DSRunner`` inside any network.

:class:`HHCable` holds the cable's state as ``bm.Variable`` s (``V``, ``m``, ``h``, ``n``, one value per
compartment) and steps it with :func:`hh_brainpy.cable.cable_step`, the step :func:`hh_brainpy.cable.propagate`
uses, at the network's ``dt`` (``bp.share``).  Currents reach it in nA per compartment, as the argument of
``update`` or added to ``cable.input`` by other parts of the network (cleared after each step, as a
``NeuGroup``'s input is); ``cable.spike`` flags the compartments whose V crossed 0 mV upwards in the step.
"""

from __future__ import annotations

from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp

from hh_brainpy.cable import SCHEMES, Cable, cable_step, initial_state, squid_axon_params
from hh_brainpy.params import COUNTING_V_TH, HHParams

__all__ = ["HHCable"]


class HHCable(bp.DynamicalSystem):
    """An unbranched Hodgkin-Huxley axon for BrainPy networks.

    Parameters
    ----------
    cable : Cable, optional
        Geometry (default :class:`hh_brainpy.cable.Cable`: the squid giant axon, 500 compartments).
    params : HHParams, optional
        The membrane (default: the paper's at 18.5 deg C); one value or one per compartment.
    scheme : {'cn', 'be'}
        Crank-Nicolson (default) or backward Euler for V.
    V_init : float, optional
        Initial V (mV), gates at steady state there; default the membrane's resting state.

    Examples
    --------
    >>> import brainpy as bp, hh_brainpy as hb
    >>> axon = hb.cable_group.HHCable(hb.cable.Cable(length=20_000.0, n=200))
    >>> runner = bp.DSRunner(axon, inputs=None, monitors={"V_end": lambda: axon.V[-1]}, dt=0.01,
    ...                      progress_bar=False)
    """

    def __init__(self, cable: Cable | None = None, params: HHParams | None = None, *, scheme: str = "cn",
                 V_init: float | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.cable = Cable() if cable is None else cable
        if not isinstance(self.cable, Cable):
            raise TypeError(f"cable must be a hh_brainpy.cable.Cable, got {type(self.cable).__name__}")
        self.params = squid_axon_params() if params is None else HHParams.from_overrides(params)
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be 'cn' (Crank-Nicolson) or 'be' (backward Euler), got {scheme!r}")
        self.scheme = scheme
        self.V_init = V_init
        self.varshape = (self.cable.n,)
        self.reset_state()

    def reset_state(self, *args: Any, **kwargs: Any) -> None:
        """Every compartment back to the initial state; no input, no spike."""
        V, m, h, n = initial_state(self.cable, self.params, self.V_init)
        self.V = bm.Variable(V)
        self.m = bm.Variable(m)
        self.h = bm.Variable(h)
        self.n = bm.Variable(n)
        self.input = bm.Variable(jnp.zeros(self.varshape, dtype=V.dtype))
        self.spike = bm.Variable(jnp.zeros(self.varshape, dtype=bool))

    def update(self, x: Any = None) -> Any:
        """One step at the network's dt with ``x`` nA (per compartment, or one value for all) plus ``input``."""
        dt = bp.share.load("dt")
        current = self.input.value if x is None else self.input.value + jnp.broadcast_to(bm.as_jax(x), self.varshape)
        V_old = self.V.value
        V, m, h, n = cable_step((V_old, self.m.value, self.h.value, self.n.value), current, self.cable, self.params,
                                dt, self.scheme)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        self.spike.value = (V_old < COUNTING_V_TH) & (V >= COUNTING_V_TH)
        self.input.value = jnp.zeros_like(self.input.value)
        return V

    def clear_input(self) -> None:
        """Drop the accumulated input current (``update`` does this itself after each step)."""
        self.input.value = jnp.zeros_like(self.input.value)
