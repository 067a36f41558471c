"""Running an HH group: ``HHRunner`` (around ``bp.DSRunner``) and ``simulate``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
from brainpy.context import share

from hh_brainpy.checks import check_dt_for_method, check_duration, check_finite_trace
from hh_brainpy.neuron import HH
from hh_brainpy.params import DEFAULT_DT, DEFAULT_IEXT, PARAM_NAMES
from hh_brainpy.result import HHResult
from hh_brainpy.stimulus import Stimulus, as_stimulus

__all__ = ["HHRunner", "simulate", "DEFAULT_MONITORS"]

#: What a runner records unless told otherwise.
DEFAULT_MONITORS = ("V", "m", "h", "n", "spike")
_STATE = ("V", "m", "h", "n")
_PARAMS = (*PARAM_NAMES, "V_th")


class HHRunner:
    """Run an :class:`HH` group with an external current and record its state.

    Parameters
    ----------
    model : HH
        The neurons to run (an ``HH`` or a subclass).
    Iext : float, array or Stimulus
        External current, uA/cm^2: a constant, one value per neuron, or a
        protocol from :mod:`hh_brainpy.stimulus` (step, ramp, array over time).
        Default 0.
    monitors : sequence of str
        Variables to record, from ``'V'``, ``'m'``, ``'h'``, ``'n'``,
        ``'spike'``.  Default all five.
    dt : float, optional
        Step, ms.  Default: the model's own ``dt`` if it has one, else 0.01.
    progress_bar : bool
        Show BrainPy's progress bar.  Default False.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.HHRunner(hb.HH(1), Iext=10.0, dt=0.01).run(20.0)
    >>> res.V.shape, len(res.spike_times()[0])
    ((2001, 1), 2)
    """

    def __init__(
        self,
        model: HH,
        *,
        Iext: Any = 0.0,
        monitors: Sequence[str] = DEFAULT_MONITORS,
        dt: float | None = None,
        progress_bar: bool = False,
    ) -> None:
        if not isinstance(model, HH):
            raise TypeError(f"model must be an hh_brainpy.HH (or subclass), got {type(model).__name__}")
        unknown = set(monitors) - set(DEFAULT_MONITORS)
        if unknown:
            raise ValueError(f"monitors must be among {DEFAULT_MONITORS}, got unknown {sorted(unknown)}")
        if dt is None:
            dt = model.dt if model.dt is not None else DEFAULT_DT
        elif model.dt is not None and abs(dt - model.dt) > 1e-15:
            raise ValueError(f"dt = {dt} ms differs from the model's own dt = {model.dt} ms; give one")
        self.dt = check_dt_for_method(dt, model.method, **model._stiffness())
        self.model = model
        self.stimulus: Stimulus = as_stimulus(Iext)
        self.monitors = tuple(monitors)
        self._runner = bp.DSRunner(
            model,
            monitors=list(self.monitors),
            inputs=self._apply_input,
            dt=self.dt,
            progress_bar=progress_bar,
        )

    def _apply_input(self) -> None:
        current = self.stimulus(share.load("t"))
        self.model.input.value = self.model.input.value + jnp.broadcast_to(current, self.model.input.shape)

    def _snapshot(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(bm.as_numpy(getattr(self.model, name).value)) for name in self.monitors}

    def run(self, duration: float) -> HHResult:
        """Advance the model by ``duration`` ms (continuing from its current state) and return the record."""
        steps = check_duration(duration, self.dt)
        if self.stimulus.t_end is not None and self._runner.t0 + (self._runner.i0 + steps) * self.dt > (
            self.stimulus.t_end + 1e-9
        ):
            raise ValueError(
                f"the current array ends at t = {self.stimulus.t_end} ms, before the run's end; "
                "give a longer array or a shorter duration"
            )
        t_start = self._runner.t0 + self._runner.i0 * self.dt
        first = self._snapshot()
        self._runner.run(steps * self.dt)
        ts = t_start + np.arange(steps + 1) * self.dt
        traces = {}
        for name in self.monitors:
            recorded = np.asarray(self._runner.mon[name])
            traces[name] = np.concatenate([first[name][None], recorded], axis=0).reshape(steps + 1, -1)
        check_finite_trace(ts, traces)
        check_finite_trace(ts[-1:], {name: self._snapshot_state(name) for name in _STATE})
        return HHResult(
            ts=ts, dt=self.dt, method=self.model.method, params=self._params(),
            Iext=self._current_at(ts) if set(_STATE) <= set(self.monitors) else None,
            **{name: traces.get(name) for name in (*_STATE, "spike")},
        )

    def _snapshot_state(self, name: str) -> np.ndarray:
        return np.asarray(bm.as_numpy(getattr(self.model, name).value)).reshape(1, -1)

    def _current_at(self, ts: np.ndarray) -> np.ndarray | None:
        if self.model.current_inputs:
            return None  # synaptic currents are not recorded, so dV/dt cannot be rebuilt
        values = np.asarray(jax.vmap(self.stimulus)(jnp.asarray(ts))).reshape(ts.size, -1)
        return np.broadcast_to(values, (ts.size, self.model.input.size)).copy()

    def _params(self) -> dict[str, Any]:
        out = {}
        for name in _PARAMS:
            value = np.asarray(bm.as_numpy(getattr(self.model, name)))
            out[name] = float(value) if value.ndim == 0 else value.reshape(-1)
        return out


def simulate(
    duration: float,
    *,
    dt: float = DEFAULT_DT,
    Iext: Any = DEFAULT_IEXT,
    method: str = "rk4",
    init: str | Mapping[str, Any] = "rest",
    V_init: float = -65.0,
    size: int = 1,
    seed: int | None = None,
    monitors: Sequence[str] = DEFAULT_MONITORS,
    progress_bar: bool = False,
    **params: Any,
) -> HHResult:
    """Simulate ``size`` HH neurons for ``duration`` ms in one call.

    Parameters
    ----------
    duration : float
        Simulated time, ms (a whole number of steps).
    dt : float
        Step, ms.  Default 0.01.
    Iext : float, array or Stimulus
        External current, uA/cm^2.  Default 10 (the seed protocol).
    method : str
        Integration method.  Default ``'rk4'``.
    init : str or dict
        ``'rest'`` (V = ``V_init``, gates at steady state), ``'zeros'``
        (V = m = h = n = 0), ``'random'`` (needs ``seed``) or a dict of V, m, h, n.
    V_init : float
        Initial V for ``init='rest'``, mV.  Default -65.
    size : int
        Number of neurons.  Default 1.
    seed : int, optional
        Seed for ``init='random'``.
    monitors : sequence of str
        What to record.  Default V, m, h, n and spike.
    progress_bar : bool
        Show a progress bar.  Default False.
    **params
        Model parameters (``gNa``, ``ENa``, ``gK``, ``EK``, ``gL``, ``EL``, ``C``, ``V_th``).

    Returns
    -------
    HHResult
        Traces of shape ``(steps + 1, size)`` on ``ts = arange(steps + 1) * dt``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.simulate(100.0)
    >>> [round(float(t), 2) for t in res.spike_times(0.0)[0][:2]]
    [2.09, 16.46]
    """
    unknown = set(params) - set(_PARAMS)
    if unknown:
        raise TypeError(f"unknown model parameter(s) {sorted(unknown)}; allowed: {', '.join(_PARAMS)}")
    model = HH(size, method=method, dt=dt, init=init, V_init=V_init, seed=seed, **params)
    return HHRunner(model, Iext=Iext, monitors=monitors, dt=dt, progress_bar=progress_bar).run(duration)
