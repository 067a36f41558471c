"""Initial states of :class:`hh_brainpy.HH`: BrainPy's initializers, or the package's named starts.

Two ways to say where a group starts, checked here once:

- BrainPy's: ``V_initializer`` (default ``bp.init.Uniform(-70, -60)``, drawn
  from ``brainpy.math.random`` exactly as ``bp.dyn.HH`` draws it, so the same
  seed gives the same network) and ``m/h/n_initializer`` (default: the steady
  state :math:`x_\\infty(V)` of the model's own rates);
- the package's ``init``: ``'steady'`` (V = ``V_init``, gates at steady
  state), ``'rest'`` (the resting state at zero current), ``'zeros'``
  (V = m = h = n = 0), ``'random'`` (V uniform in ``V_range`` from NumPy's
  generator seeded with ``seed``) or a dict ``{'V': ..., 'm': ..., ...}``.
  :func:`hh_brainpy.simulate` and :class:`hh_brainpy.HHRunner` use
  ``'steady'`` at -65 mV, the seed protocol's start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import brainpy as bp
import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import check_gate
from hh_brainpy.params import check_params

__all__ = ["InitialState", "INIT_CHOICES", "check_drawn_state"]

#: The named starts of ``init``.
INIT_CHOICES = ("steady", "rest", "zeros", "random")
_INIT_TEXT = "'steady', 'rest', 'zeros', 'random' (with seed) or a dict of V, m, h, n"


@dataclasses.dataclass(frozen=True)
class InitialState:
    """Where a group starts: ``init`` (a name, a dict or None) and BrainPy initializers per variable."""

    init: Any
    initializers: Mapping[str, Any]
    V_init: float = -65.0
    seed: int | None = None
    V_range: tuple[float, float] = (-70.0, -60.0)

    @classmethod
    def from_arguments(cls, init: Any, initializers: Mapping[str, Any], *, V_init: Any = None,
                       seed: int | None = None, V_range: Any = (-70.0, -60.0)) -> InitialState:
        """Check the arguments; BrainPy's ``Uniform(-70, -60)`` for V when none of ``init``, V and ``V_init`` is given.

        ``V_init`` (mV) alone means ``init='steady'`` at that V; with ``init='steady'`` it defaults to -65.
        """
        given = {key: value for key, value in initializers.items() if value is not None}
        if init is not None and "V" in given:
            raise ValueError("give the initial V either as init=... or as V_initializer=..., not both")
        if isinstance(init, Mapping):
            unknown = set(init) - {"V", "m", "h", "n"}
            if "V" not in init or unknown:
                raise ValueError(f"init as a dict needs 'V' and may have 'm', 'h', 'n'; got keys {sorted(init)}")
            check_params({"V": init["V"]})
            for gate in ("m", "h", "n"):
                if gate in init:
                    check_gate(gate, init[gate])
            init = dict(init)
        elif init is not None and (not isinstance(init, str) or init not in INIT_CHOICES):
            raise ValueError(f"init must be one of {_INIT_TEXT}; got {init!r}")
        if init == "random" and seed is None:
            raise ValueError("init='random' needs an explicit seed (an int), so that runs are reproducible")
        if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise TypeError(f"seed must be a non-negative int (or None), got {seed!r}")
        for key, value in given.items():
            if callable(value):
                continue
            if key == "V":
                check_params({"V_initializer": value})
            else:
                check_gate(key, value)
        if init is None and "V" not in given:
            if V_init is not None:  # a V_init alone asks for the package's 'steady' start there
                init = "steady"
            else:
                given["V"] = bp.init.Uniform(-70.0, -60.0)  # bp.dyn.HH's default, drawn from bm.random
        V_init = -65.0 if V_init is None else V_init
        check_params({"V_init": V_init})
        try:
            low, high = (float(v) for v in V_range)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"V_range must be two potentials (low, high) in mV, got {V_range!r}") from exc
        if not (np.isfinite(low) and np.isfinite(high) and low <= high):
            raise ValueError(f"V_range must be finite with low <= high (mV), got {V_range!r}")
        return cls(init, given, float(V_init), seed, (low, high))

    def V(self, model: Any) -> Any:
        """The initial V of ``model`` (varshape), mV, or the initializer to draw it with."""
        if "V" in self.initializers:
            return self.initializers["V"]
        shape = model.varshape
        if isinstance(self.init, dict):
            return _fit_to(self.init["V"], shape, "init['V']")
        if self.init == "zeros":
            return jnp.zeros(shape, dtype=bp.math.float_)
        if self.init == "random":
            values = np.random.default_rng(self.seed).uniform(*self.V_range, size=shape)
            return jnp.asarray(values, dtype=bp.math.float_)
        if self.init == "rest":
            return jnp.broadcast_to(jnp.asarray(resting_potential(model), dtype=bp.math.float_), shape)
        return jnp.full(shape, self.V_init, dtype=bp.math.float_)

    def gate(self, name: str, model: Any) -> Any:
        """The initial value (or initializer) of gate ``name``; None for the steady state at the initial V."""
        if name in self.initializers:
            return self.initializers[name]
        if isinstance(self.init, dict) and name in self.init:
            return _fit_to(self.init[name], model.varshape, f"init[{name!r}]")
        if self.init == "zeros":
            return jnp.zeros(model.varshape, dtype=bp.math.float_)
        return None


def _fit_to(value: Any, shape: tuple[int, ...], name: str) -> Any:
    """``value`` broadcast to the group's ``shape``, or an error naming ``name`` and the shapes."""
    arr = np.asarray(value, dtype=float)
    try:
        np.broadcast_shapes(arr.shape, tuple(shape))
        if np.broadcast_shapes(arr.shape, tuple(shape)) != tuple(shape):
            raise ValueError
    except ValueError:
        raise ValueError(f"{name} has shape {arr.shape}, which does not fit the group's shape {tuple(shape)}; "
                         "give one number or one value per neuron") from None
    return jnp.broadcast_to(jnp.asarray(arr, dtype=bp.math.float_), shape)


def resting_potential(model: Any) -> np.ndarray:
    """The resting potential of ``model`` at zero current (mV): the zero of its steady-state current, by bisection.

    Uses the model's own ``m_inf``, ``h_inf``, ``n_inf`` and ``dV`` (a subclass's
    kinetics and currents count), searching -120 to 40 mV.
    """
    lo = np.full(model.varshape, -120.0)
    hi = np.full(model.varshape, 40.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        gates = [np.asarray(getattr(model, f"{x}_inf")(jnp.asarray(mid))) for x in "mhn"]
        current = np.asarray(model.dV(jnp.asarray(mid), 0.0, *gates, 0.0))
        lo, hi = np.where(current > 0, mid, lo), np.where(current > 0, hi, mid)
    return 0.5 * (lo + hi)


def check_drawn_state(model: Any) -> None:
    """After a reset: V finite and each gate in [0, 1], whatever initializer drew them (concrete values only)."""
    try:
        values = {name: np.asarray(getattr(model, name).value) for name in ("V", "m", "h", "n")}
    except Exception:  # traced inside compiled code: nothing concrete to check
        return
    if not np.all(np.isfinite(values["V"])):
        raise ValueError(f"{model.name}: the initial V must be finite (mV); the V initializer gave non-finite values")
    for gate in ("m", "h", "n"):
        arr = values[gate]
        if not np.all((arr >= 0.0) & (arr <= 1.0)):
            bad = arr[~((arr >= 0.0) & (arr <= 1.0))].reshape(-1)[0]
            raise ValueError(f"{model.name}: initial {gate} must lie in [0, 1] (a gate's open fraction); "
                             f"the {gate} initializer gave {bad!r}")
