"""Running an HH group: ``HHRunner`` (around ``bp.DSRunner``) and ``simulate``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
from brainpy.context import share
from tqdm.auto import tqdm

from hh_brainpy.checks import NonFiniteError, check_dt_for_method, check_duration, check_finite_trace
from hh_brainpy.neuron import HH
from hh_brainpy.params import DEFAULT_DT, DEFAULT_IEXT, PARAM_NAMES
from hh_brainpy.result import HHResult
from hh_brainpy.stimulus import Stimulus, as_stimulus

__all__ = ["HHRunner", "simulate", "DEFAULT_MONITORS"]

#: What a runner records unless told otherwise.
DEFAULT_MONITORS = ("V", "m", "h", "n", "spike")
_STATE = ("V", "m", "h", "n")
_PARAMS = (*PARAM_NAMES, "V_th")
_CHUNK_BYTES = 64 * 2**20  # recorded values held at once by a chunked run


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
        Show a progress bar (tqdm) over the run's chunks.  Default False.

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
            progress_bar=False,
        )
        self.progress_bar = progress_bar
        self._compiled: dict[int, Any] = {}

    def _apply_input(self) -> None:
        current = self.stimulus(share.load("t"))
        self.model.input.value = self.model.input.value + jnp.broadcast_to(current, self.model.input.shape)

    def _snapshot(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(bm.as_numpy(getattr(self.model, name).value)) for name in self.monitors}

    def run(
        self,
        duration: float,
        *,
        record_every: int = 1,
        window: tuple[float, float] | None = None,
        chunk_steps: int | None = None,
    ) -> HHResult:
        """Advance the model by ``duration`` ms (continuing from its current state) and return the record.

        The run proceeds in chunks of ``chunk_steps`` steps; after each chunk
        the samples to keep are copied out and the rest is dropped, so memory
        grows with the samples kept, not with the steps taken.  Each chunk is
        checked for NaN and infinity, so a run that blows up stops there with
        an error naming the neuron and the time.

        Parameters
        ----------
        duration : float
            ms, a whole number of steps.
        record_every : int
            Keep every ``record_every``-th step (the state at that step; spikes
            are OR-ed over the steps in between, so none is lost).  Default 1.
        window : (float, float), optional
            Keep only samples with ``t0 <= t <= t1`` (ms, model time).
        chunk_steps : int, optional
            Steps per chunk.  Default: as many as fit in 64 MiB of recorded
            values (``steps x neurons x monitors x 8 bytes``), rounded to a
            multiple of ``record_every``; the whole run when nothing is monitored.
        """
        dt = self.dt
        steps = check_duration(duration, dt)
        if self.stimulus.t_end is not None and self._runner.t0 + (self._runner.i0 + steps) * dt > (
            self.stimulus.t_end + 1e-9
        ):
            raise ValueError(
                f"the current array ends at t = {self.stimulus.t_end} ms, before the run's end; "
                "give a longer array or a shorter duration"
            )
        if isinstance(record_every, bool) or not isinstance(record_every, int) or not 1 <= record_every <= steps:
            raise ValueError(f"record_every must be an int in [1, {steps}] (the run's steps), got {record_every!r}")
        if steps % record_every:
            raise ValueError(
                f"duration = {duration} ms is {steps} steps, not a multiple of record_every = {record_every}; "
                f"use e.g. duration = {steps // record_every * record_every * dt:.10g} ms"
            )
        t_start = self._runner.t0 + self._runner.i0 * dt
        sample_steps = np.arange(0, steps + 1, record_every)
        keep = np.ones(sample_steps.size, dtype=bool)
        if window is not None:
            t0, t1 = (float(w) for w in window)
            t_end = t_start + steps * dt
            if not (math.isfinite(t0) and math.isfinite(t1) and t_start - 1e-9 <= t0 < t1 <= t_end + 1e-9):
                raise ValueError(f"window must satisfy {t_start:g} <= t0 < t1 <= {t_end:g} ms (this run), got {window}")
            t = t_start + sample_steps * dt
            keep = (t >= t0 - 1e-9) & (t <= t1 + 1e-9)
        chunk = self._chunk_steps(chunk_steps, record_every)

        n_neurons = self.model.input.size
        initial = self._snapshot()
        kept = {name: np.empty((int(keep.sum()), n_neurons), dtype=value.dtype) for name, value in initial.items()}
        position = 0
        if keep[0]:
            for name, value in initial.items():
                kept[name][0] = value.reshape(-1)
            position = 1
        pending_spikes = np.zeros(n_neurons, dtype=np.int64)  # spikes since the last sample
        done = 0
        with tqdm(total=steps, unit="step", disable=not self.progress_bar, desc="hh_brainpy") as bar:
            while done < steps:
                n = min(chunk, steps - done)
                records = self._advance(n)
                step_ids = done + 1 + np.arange(n)  # row j holds the state after step done + j + 1
                self._check_chunk(records, t_start + step_ids * dt, t_start + done * dt)
                ends = np.flatnonzero(step_ids % record_every == 0)
                mask = keep[step_ids[ends] // record_every]
                for name, values in records.items():
                    if name == "spike":
                        counts = np.concatenate([np.zeros((1, n_neurons), np.int64), np.cumsum(values, axis=0)])
                        at_ends = counts[ends + 1]
                        blocks = np.diff(at_ends, axis=0, prepend=np.zeros((1, n_neurons), np.int64))
                        if ends.size:
                            blocks[0] += pending_spikes
                        sample = blocks > 0
                        last = ends[-1] + 1 if ends.size else 0
                        pending_spikes = (pending_spikes if not ends.size else 0) + counts[n] - counts[last]
                    else:
                        sample = values[ends]
                    kept[name][position:position + int(mask.sum())] = sample[mask]
                position += int(mask.sum())
                done += n
                bar.update(n)
        ts = t_start + sample_steps[keep] * dt
        return HHResult(
            ts=ts, dt=dt, method=self.model.method, params=self._params(), record_every=record_every,
            Iext=self._current_at(ts) if set(_STATE) <= set(self.monitors) else None,
            **{name: kept.get(name) for name in (*_STATE, "spike")},
        )

    def _advance(self, n: int) -> dict[str, np.ndarray]:
        """Run ``n`` steps; return the monitored values after each, shape ``(n, neurons)``.

        The loop is compiled once per chunk length and kept, so a second run of
        the same length (or the next chunk of a long run) starts at once.
        ``DSRunner.run`` traces and compiles anew on every call (about 0.5 to
        1 s, and some memory that is not returned).  The loop does what
        ``DSRunner`` does in a step: set the shared t, i and dt, apply the
        input, update the model, read the monitors, clear the input.
        """
        if n not in self._compiled:
            self._compiled[n] = bm.jit(self._chunk_loop)
        i0 = self._runner.i0
        records = self._compiled[n](jnp.arange(i0, i0 + n))
        self._runner.i0 = i0 + n
        return {name: np.asarray(records[name]).reshape(n, -1) for name in self.monitors}

    def _chunk_loop(self, indices: Any) -> dict[str, Any]:
        def body(i: Any) -> dict[str, Any]:
            share.save(t=self._runner.t0 + i * self.dt, i=i, dt=self.dt)
            self._apply_input()
            self.model.update()
            values = {name: getattr(self.model, name).value for name in self.monitors}
            self.model.clear_input()
            return values

        return bm.for_loop(body, indices)

    def _chunk_steps(self, chunk_steps: int | None, record_every: int) -> int:
        if chunk_steps is None:
            if not self.monitors:  # nothing recorded: one chunk, whatever the length
                return 2**62
            per_step = self.model.input.size * len(self.monitors) * 8
            chunk_steps = max(1, _CHUNK_BYTES // per_step)
            return max(record_every, chunk_steps // record_every * record_every)
        if isinstance(chunk_steps, bool) or not isinstance(chunk_steps, int) or chunk_steps < 1:
            raise ValueError(f"chunk_steps must be an int >= 1, got {chunk_steps!r}")
        return chunk_steps

    def _check_chunk(self, records: dict[str, np.ndarray], ts: np.ndarray, t_from: float) -> None:
        """Stop at the first non-finite value: at its step if recorded, else within this chunk."""
        check_finite_trace(ts, {name: records[name] for name in _STATE if name in records})
        for name in _STATE:
            value = self._snapshot_state(name)[0]
            if not np.all(np.isfinite(value)):
                neuron = int(np.argmax(~np.isfinite(value)))
                raise NonFiniteError(
                    f"{name} became non-finite between t = {t_from:.6g} and {ts[-1]:.6g} ms (neuron {neuron}); "
                    "record V to get the exact step. Check the parameters and the input current, or reduce dt."
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
    record_every: int = 1,
    window: tuple[float, float] | None = None,
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
    record_every, window
        Keep every ``record_every``-th step and/or only samples in ``window``
        (ms); see :meth:`HHRunner.run`.
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
    return HHRunner(model, Iext=Iext, monitors=monitors, dt=dt, progress_bar=progress_bar).run(
        duration, record_every=record_every, window=window)
