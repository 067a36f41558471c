"""The state and the parameters of :class:`hh_brainpy.HH`: set up, reset, restarted, swapped for traced data.

A mixin of ``HH``: it holds what ``bp.dyn.HH.reset_state`` does (draw V, put
the gates at the steady state of the model's own rates) and what the
package's runner needs (the nine parameters as one :class:`hh_brainpy.HHParams`,
swapped for the traced arguments of a compiled loop).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax
import numpy as np

from hh_brainpy.initial_state import InitialState, check_drawn_state
from hh_brainpy.params import FIELD_NAMES, HHParams, check_params

__all__ = ["NeuronState", "check_shape", "value_of"]


class NeuronState:
    """Mixin: state variables (``V``, ``m``, ``h``, ``n``, ``spike``, ``input``) and parameters as data."""

    @property
    def params(self) -> HHParams:
        """The parameters as one :class:`hh_brainpy.HHParams` (the values the next step uses)."""
        return HHParams(**{name: value_of(self.__dict__[name]) for name in FIELD_NAMES})

    @contextlib.contextmanager
    def using(self, params: HHParams) -> Iterator[None]:
        """Within the block, the nine parameters are ``params`` (e.g. the traced arguments of a compiled loop).

        Parameters held in ``bm.Variable`` are left alone: BrainPy passes those
        into compiled code itself.  A step traced in the block skips the
        in-loop finite check: the caller (the runner) checks what it records.
        """
        saved = {}
        self.__dict__["_checked_by_runner"] = True  # the runner checks each chunk itself
        for name in FIELD_NAMES:
            if not isinstance(self.__dict__[name], bm.Variable):
                saved[name] = self.__dict__[name]
                object.__setattr__(self, name, getattr(params, name))
        try:
            yield
        finally:
            self.__dict__["_checked_by_runner"] = False
            for name, value in saved.items():
                object.__setattr__(self, name, value)

    def _stiffness(self) -> dict[str, Any]:
        """``gNa, gK, gL, C, temperature`` as concrete arrays (the defaults where they are traced)."""
        try:
            return {key: np.asarray(bm.as_numpy(value_of(self.__dict__[key])))
                    for key in ("gNa", "gK", "gL", "C", "temperature")}
        except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
            return {}

    def reset_state(self, batch_or_mode: Any = None, **kwargs: Any) -> None:
        """Draw V (and any gate given an initializer), put the other gates at steady state; clear spikes and input.

        As ``bp.dyn.HH.reset_state``: each call draws again.  A variable that
        already exists with the same shape and dtype gets the new value in
        place, so loops compiled over it stay valid.
        """
        start = self.initial_state
        self._assign("V", self.init_variable(start.V(self), batch_or_mode))
        for gate in ("m", "h", "n"):
            value = start.gate(gate, self)
            if value is None:
                new = bm.Variable(self._steady_gate(gate, self.V.value), batch_axis=self.V.batch_axis)
            else:
                new = self.init_variable(value, batch_or_mode)
            self._assign(gate, new)
        self._assign("spike", self.init_variable(partial(bm.zeros, dtype=bool), batch_or_mode))
        if self.input_var:
            self._assign("input", self.init_variable(bp.init.ZeroInit(), batch_or_mode))
        if self.spike_times:
            self._assign("t_last_spike",
                         self.init_variable(partial(bm.full, fill_value=-1e7, dtype=bm.float_), batch_or_mode))
        check_drawn_state(self)

    def _steady_gate(self, gate: str, V: Any) -> Any:
        try:
            return getattr(self, f"{gate}_inf")(V)
        except AttributeError as exc:
            raise AttributeError(
                f"{type(self).__name__}.{gate}_inf failed while HH.__init__ set up the state ({exc}). As in "
                "bp.dyn.HH, the state is set up at the end of HH.__init__: set the attributes your rates read "
                "before calling super().__init__(), or pass init_var=False and call reset_state() afterwards."
            ) from exc

    def _assign(self, name: str, new: bm.Variable) -> None:
        old = self.__dict__.get(name)
        if isinstance(old, bm.Variable) and old.shape == new.shape and old.dtype == new.dtype:
            old.value = new.value
        else:
            object.__setattr__(self, name, new)

    def restart(self, params: HHParams, *, init: Any = "steady", V_init: float = -65.0,
                seed: int | None = None) -> None:
        """Give the model new parameters and a new initial state (in place), and reset it to that state."""
        if not isinstance(params, HHParams):
            raise TypeError(f"params must be an hh_brainpy.HHParams, got {type(params).__name__}")
        values = {name: getattr(params, name) for name in FIELD_NAMES}
        check_params(values)
        start = InitialState.from_arguments(init, {}, V_init=V_init, seed=seed)
        for name, value in values.items():
            check_shape(name, value, self.varshape)
            setattr(self, name, self.init_param(value))
        self.initial_state = start
        self.reset_state(self.mode)



def value_of(x: Any) -> Any:
    """The value of a ``bm.Variable``, or ``x`` itself."""
    return x.value if isinstance(x, bm.Variable) else x


def check_shape(name: str, value: Any, varshape: tuple[int, ...]) -> None:
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
