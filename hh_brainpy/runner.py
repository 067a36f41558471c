"""Running an HH group: ``HHRunner`` (around ``bp.DSRunner``) and ``simulate``."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
from brainpy.context import share
from tqdm.auto import tqdm

from hh_brainpy.checks import (
    NonFiniteError,
    RunPlan,
    check_dt,
    check_dt_for_method,
    check_finite_trace,
    check_method,
    check_params,
    check_size,
    interruptible_chunk,
    plan_run,
)
from hh_brainpy.neuron import HH
from hh_brainpy.params import DEFAULT_DT, DEFAULT_IEXT, FIELD_NAMES, HHParams
from hh_brainpy.result import HHResult
from hh_brainpy.stimulus import Stimulus, as_stimulus

__all__ = ["HHRunner", "simulate", "DEFAULT_MONITORS"]

#: What a runner records unless told otherwise.
DEFAULT_MONITORS = ("V", "m", "h", "n", "spike")
_STATE = ("V", "m", "h", "n")
_CHUNK_BYTES = 64 * 2**20  # recorded values held at once by a chunked run
_KEEP_RUNNERS = 8  # simulate() keeps this many (model, compiled loop) pairs for reuse
_RUNNERS: dict[tuple[Any, ...], HHRunner] = {}


class HHRunner:
    """Run an :class:`HH` group with an external current and record its state.

    Parameters
    ----------
    model : HH
        The neurons to run (an ``HH`` or a subclass).
    Iext : float, array or Stimulus
        External current, uA/cm^2: a constant, one value per neuron, or a
        protocol from :mod:`hh_brainpy.stimulus` (step, ramp, array over time).
        Default 10 (the seed protocol, as everywhere in the package).
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
    >>> res = hb.HHRunner(hb.HH(1, V_init=-65.0), Iext=10.0, dt=0.01).run(20.0)
    >>> res.V.shape, len(res.spike_times()[0])
    ((2001, 1), 2)
    """

    def __init__(
        self,
        model: HH,
        *,
        Iext: Any = DEFAULT_IEXT,
        monitors: Sequence[str] = DEFAULT_MONITORS,
        dt: float | None = None,
        progress_bar: bool = False,
    ) -> None:
        if not isinstance(model, HH):
            raise TypeError(f"model must be an hh_brainpy.HH (or subclass), got {type(model).__name__}")
        if isinstance(monitors, str) or not all(isinstance(name, str) for name in monitors):
            raise TypeError(f"monitors must be a sequence of names from {DEFAULT_MONITORS}, got {monitors!r}")
        unknown = set(monitors) - set(DEFAULT_MONITORS)
        if unknown:
            raise ValueError(f"monitors must be among {DEFAULT_MONITORS}, got unknown {sorted(unknown)}")
        if dt is None:
            dt = model.dt if model.dt is not None else DEFAULT_DT
        elif model.dt is not None and abs(check_dt(dt) - model.dt) > 1e-15:
            raise ValueError(f"dt = {dt} ms differs from the model's own dt = {model.dt} ms; give one")
        self.dt = check_dt_for_method(dt, model.method, **model._stiffness())
        self.model = model
        self.stimulus: Stimulus = as_stimulus(Iext)
        self.monitors = tuple(dict.fromkeys(monitors))
        self._runner = bp.DSRunner(model, monitors=[], dt=self.dt, progress_bar=False)
        self.progress_bar = progress_bar
        # Parameters, stimulus and state reach the compiled loop as data, so JAX's own cache (keyed by
        # shapes, dtypes and the stimulus's kind) covers them. Anything else the model's equations read
        # (a subclass's phi or VT, instantaneous_m) is fixed when a loop is traced: one loop per value.
        self._loops: dict[tuple[Any, ...], Any] = {}

    def restart(self, Iext: Any) -> None:
        """Start the next run at t = 0 with the current ``Iext`` (the model's state is not touched)."""
        self.stimulus = as_stimulus(Iext)
        self._runner.i0 = 0

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
        an error naming the neuron and the time.  The model's parameters and
        the stimulus are read at the start of each ``run`` and enter the
        compiled loop as data: change ``model.gK`` or ``runner.stimulus`` and
        the next run uses the new values, without compiling again.

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
            Steps per chunk.  Default: the whole run when it is short, else a
            round number of steps of at most 2e6 neuron-steps (so that Ctrl-C
            is answered within a fraction of a second) and at most 64 MiB of
            recorded values (``steps x neurons x monitors x 8 bytes``), rounded
            to a multiple of ``record_every``.
        """
        recorded = self.model.params
        params = self._checked_params(recorded)
        stimulus = as_stimulus(self.stimulus)
        plan = self._plan(duration, record_every, window, chunk_steps, stimulus)
        kept = self._collect(plan, params, stimulus)
        run = plan.run
        ts = plan.t_start + np.arange(run.first, run.last + 1) * run.record_every * self.dt
        return HHResult(
            ts=ts, dt=self.dt, method=self.model.method, params=_as_numpy(recorded), record_every=run.record_every,
            Iext=self._current_at(stimulus, ts) if set(_STATE) <= set(self.monitors) else None,
            **{name: kept.get(name) for name in (*_STATE, "spike")},
        )

    def _checked_params(self, params: HHParams) -> HHParams:
        """The model's parameters ``params``, checked (finite, in range), as arrays."""
        check_params({name: np.asarray(bm.as_numpy(getattr(params, name))) for name in FIELD_NAMES})
        return jax.tree_util.tree_map(lambda x: jnp.asarray(bm.as_jax(x), dtype=bm.float_), params)

    def _plan(self, duration: float, record_every: Any, window: Any, chunk_steps: Any, stimulus: Stimulus) -> _Plan:
        """The run's one check (:func:`hh_brainpy.checks.plan_run`), the stimulus's end, and the chunks."""
        t_start = self._runner.t0 + self._runner.i0 * self.dt
        self._check_shapes(stimulus, t_start)
        n_neurons = int(np.prod(self.model.varshape))
        run = plan_run(duration, self.dt, self.model.method, stiffness=self.model._stiffness(),
                       record_every=record_every, window=window, t_start=t_start,
                       bytes_per_sample=n_neurons * len(self.monitors) * 8,
                       way_out="record fewer samples (record_every=..., window=..., fewer monitors or neurons)")
        if stimulus.t_end is not None and t_start + run.steps * self.dt > stimulus.t_end + 1e-9:
            raise ValueError(
                f"the current array ends at t = {stimulus.t_end} ms, before the run's end at "
                f"{t_start + run.steps * self.dt:g} ms; give a longer array or a shorter duration"
            )
        return _Plan(run, self._chunk_steps(chunk_steps, run.record_every, run.steps), t_start, n_neurons)

    def _check_shapes(self, stimulus: Stimulus, t_start: float) -> None:
        """The model's state has the group's shape (no batch axis) and the current fits the group."""
        shape = tuple(self.model.varshape)
        state = tuple(np.shape(self.model.V.value))
        if state != shape:
            raise ValueError(f"HHRunner steps a non-batching group: the model's V has shape {state}, not its "
                             f"size {shape} (reset with a batch size?); call model.reset_state() without one, "
                             "or run a batched model with bp.DSRunner")
        current = tuple(np.shape(stimulus(t_start)))
        try:
            fits = np.broadcast_shapes(current, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"Iext has shape {current} at t = {t_start:g} ms, which does not fit the group's "
                             f"{shape} neurons; give one current or one per neuron")

    def _collect(self, plan: _Plan, params: HHParams, stimulus: Stimulus) -> dict[str, np.ndarray]:
        """Step the plan chunk by chunk; keep the planned samples (spikes OR-ed between them)."""
        run = plan.run
        initial = self._snapshot()
        kept = {name: np.empty((run.samples, plan.n_neurons), dtype=value.dtype)
                for name, value in initial.items()}
        position = 0
        if run.first == 0:
            for name, value in initial.items():
                kept[name][0] = value.reshape(-1)
            position = 1
        pending = np.zeros(plan.n_neurons, dtype=np.int64)  # spikes since the last sample
        done = 0
        with tqdm(total=run.steps, unit="step", disable=not self.progress_bar, desc="hh_brainpy") as bar:
            while done < run.steps:
                n = min(plan.chunk, run.steps - done)
                records = self._advance(n, params, stimulus)
                step_ids = done + 1 + np.arange(n)  # row j holds the state after step done + j + 1
                self._check_chunk(records, plan.t_start + step_ids * self.dt, plan.t_start + done * self.dt)
                ends = np.flatnonzero(step_ids % run.record_every == 0)
                index = step_ids[ends] // run.record_every
                mask = (index >= run.first) & (index <= run.last)
                for name, values in records.items():
                    if name == "spike":
                        sample, pending = _or_spikes(values, ends, pending)
                    else:
                        sample = values[ends]
                    kept[name][position:position + int(mask.sum())] = sample[mask]
                position += int(mask.sum())
                done += n
                bar.update(n)
        return kept

    def _advance(self, n: int, params: HHParams, stimulus: Stimulus) -> dict[str, np.ndarray]:
        """Run ``n`` steps; return the monitored values after each, shape ``(n, neurons)``.

        The loop is compiled once per chunk length, dtype and kind of stimulus,
        and kept: the parameters, the stimulus's numbers and the state are its
        arguments.  It does what ``DSRunner`` does in a step: set the shared t,
        i and dt, apply the input, update the model, read the monitors, clear
        the input.  (``DSRunner.run`` traces and compiles anew on every call.)
        """
        i0 = self._runner.i0
        key = attribute_key(self.model)
        loop = self._loops.pop(key, None) or bm.jit(self._chunk_loop)
        self._loops[key] = loop
        while len(self._loops) > _KEEP_RUNNERS:
            self._loops.pop(next(iter(self._loops)))
        records = loop(params, stimulus, jnp.arange(i0, i0 + n))
        self._runner.i0 = i0 + n
        return {name: np.asarray(records[name]).reshape(n, -1) for name in self.monitors}

    def _chunk_loop(self, params: HHParams, stimulus: Stimulus, indices: Any) -> dict[str, Any]:
        model = self.model

        def body(i: Any) -> dict[str, Any]:
            t = self._runner.t0 + i * self.dt
            share.save(t=t, i=i, dt=self.dt)
            current = jnp.broadcast_to(stimulus(t), model.varshape)
            model.update(current)
            values = {name: getattr(model, name).value for name in self.monitors}
            model.clear_input()
            return values

        with model.using(params):
            return bm.for_loop(body, indices)

    def _chunk_steps(self, chunk_steps: int | None, record_every: int, steps: int) -> int:
        if chunk_steps is None:
            n_neurons = int(np.prod(self.model.varshape))
            chunk_steps = interruptible_chunk(n_neurons, steps)  # Ctrl-C is seen between chunks
            if self.monitors:
                chunk_steps = min(chunk_steps, max(1, _CHUNK_BYTES // (n_neurons * len(self.monitors) * 8)))
            return max(record_every, chunk_steps // record_every * record_every)
        bad_type = isinstance(chunk_steps, (bool, np.bool_)) or not isinstance(chunk_steps, numbers.Integral)
        if bad_type or chunk_steps < 1:
            raise ValueError(f"chunk_steps must be an int >= 1, got {chunk_steps!r}")
        return int(chunk_steps)

    def _check_chunk(self, records: dict[str, np.ndarray], ts: np.ndarray, t_from: float) -> None:
        """Stop at the first non-finite value: at its step if recorded, else within this chunk."""
        check_finite_trace(ts, {name: records[name] for name in _STATE if name in records})
        for name in _STATE:
            value = np.asarray(bm.as_numpy(getattr(self.model, name).value)).reshape(-1)
            if not np.all(np.isfinite(value)):
                neuron = int(np.argmax(~np.isfinite(value)))
                raise NonFiniteError(
                    f"{name} became non-finite between t = {t_from:.6g} and {ts[-1]:.6g} ms (neuron {neuron}); "
                    "record V to get the exact step. Check the parameters and the input current, or reduce dt."
                )

    def _current_at(self, stimulus: Stimulus, ts: np.ndarray) -> np.ndarray | None:
        if self.model.current_inputs:
            return None  # synaptic currents are not recorded, so dV/dt cannot be rebuilt
        values = np.asarray(_evaluate(stimulus, jnp.asarray(ts))).reshape(ts.size, -1)
        return np.broadcast_to(values, (ts.size, int(np.prod(self.model.varshape)))).copy()


_PLAIN = (bool, int, float, complex, str, bytes, type(None), np.generic)
_LARGEST_HASHED = 1 << 20  # elements; a larger plain array attribute is keyed by identity


def _fingerprint(value: Any) -> Any:
    """A hashable stand-in for a plain attribute value; None for what a trace does not bake in."""
    if isinstance(value, bm.Variable) or callable(value) or isinstance(value, bp.DynamicalSystem):
        return None
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, (np.ndarray, jax.Array)) and not isinstance(value, jax.core.Tracer):
        if value.size > _LARGEST_HASHED:
            return ("array-id", id(value))
        array = np.asarray(value)
        return ("array", array.shape, str(array.dtype), array.tobytes())
    if isinstance(value, (tuple, list)):
        parts = tuple(_fingerprint(v) for v in value)
        return None if any(p is None for p in parts) else (type(value).__name__, parts)
    return None


def attribute_key(model: Any) -> tuple[Any, ...]:
    """The plain attributes that a traced step of ``model`` may read, as a hashable key.

    Instance attributes and class-level settings of the model's own classes
    (numbers, strings, small arrays, tuples of them), except the nine
    parameters, which reach compiled code as data.  A changed key means that
    a loop compiled before would run stale values.
    """
    items = []
    classes = [c for c in type(model).__mro__ if c.__module__.split(".")[0] not in ("brainpy", "builtins")]
    for cls in reversed(classes):
        for name, value in vars(cls).items():
            if not name.startswith("__") and (print_ := _fingerprint(value)) is not None:
                items.append((cls.__qualname__, name, print_))
    for name, value in vars(model).items():
        if name in FIELD_NAMES or name.startswith(("_warned", "_checked_by_runner")):
            continue
        print_ = _fingerprint(value)
        if print_ is not None:
            items.append(("", name, print_))
    return tuple(items)


@dataclasses.dataclass(frozen=True)
class _Plan:
    """A checked :class:`hh_brainpy.checks.RunPlan`, with where it starts, its chunk length and its neurons."""

    run: RunPlan
    chunk: int
    t_start: float
    n_neurons: int


def _or_spikes(values: np.ndarray, ends: np.ndarray, pending: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spikes OR-ed over the steps up to each sample ``ends``; the count left after the last one."""
    n, n_neurons = values.shape
    counts = np.concatenate([np.zeros((1, n_neurons), np.int64), np.cumsum(values, axis=0)])
    blocks = np.diff(counts[ends + 1], axis=0, prepend=np.zeros((1, n_neurons), np.int64))
    if ends.size:
        blocks[0] += pending
    last = ends[-1] + 1 if ends.size else 0
    pending = (pending if not ends.size else 0) + counts[n] - counts[last]
    return blocks > 0, pending


@jax.jit
def _evaluate(stimulus: Stimulus, ts: Any) -> Any:
    return jax.vmap(stimulus)(ts)


def _as_numpy(params: HHParams) -> dict[str, Any]:
    out = {}
    for name in FIELD_NAMES:
        value = np.asarray(bm.as_numpy(getattr(params, name)), dtype=float)
        out[name] = float(value) if value.ndim == 0 else value.reshape(-1)
    return out


def simulate(
    duration: float, *, dt: float = DEFAULT_DT, Iext: Any = DEFAULT_IEXT, method: str = "rk4",
    init: str | Mapping[str, Any] = "steady", V_init: float = -65.0, size: int = 1, seed: int | None = None,
    monitors: Sequence[str] = DEFAULT_MONITORS, progress_bar: bool = False, record_every: int = 1,
    window: tuple[float, float] | None = None, **params: Any,
) -> HHResult:
    """Simulate ``size`` HH neurons for ``duration`` ms in one call.

    Parameters
    ----------
    duration : float
        Simulated time, ms (a whole number of steps).
    dt, method
        Integration step (ms, default 0.01) and method (default ``'rk4'``).
    Iext : float, array or Stimulus
        External current, uA/cm^2.  Default 10 (the seed protocol).
    init, V_init, seed
        Initial state: ``'steady'`` (V = ``V_init`` = -65 mV, gates at steady
        state; the default), ``'rest'`` (the resting state at zero current),
        ``'zeros'``, ``'random'`` (needs ``seed``) or a dict; see :class:`HH`.
    size, monitors, progress_bar
        Number of neurons (1), what to record (V, m, h, n, spike), a tqdm bar (off).
    record_every, window
        Keep every ``record_every``-th step and/or only samples in ``window``
        (ms); see :meth:`HHRunner.run`.
    **params
        ``gNa``, ``ENa``, ``gK``, ``EK``, ``gL``, ``EL``, ``C``, ``temperature``,
        ``V_th``: scalars, or one value per neuron (arrays or lists).

    Returns
    -------
    HHResult
        Traces of shape ``(steps + 1, size)`` on ``ts = arange(steps + 1) * dt``.
        The model and its compiled loop are kept for the next call with the
        same size, method, dt and monitors, which then compiles nothing.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.simulate(100.0)
    >>> [round(float(t), 2) for t in res.spike_times(0.0)[0][:2]]
    [2.09, 16.46]
    """
    p = HHParams.from_overrides(**params)
    key = (check_size(size) if isinstance(size, tuple) else (check_size(size),), check_method(method), check_dt(dt),
           tuple(monitors) if not isinstance(monitors, str) else monitors, bool(jax.config.jax_enable_x64))
    runner = _RUNNERS.pop(key, None)
    if runner is None:
        model = HH(size, method=method, dt=dt, init=init, V_init=V_init, seed=seed, **dataclasses.asdict(p))
        runner = HHRunner(model, Iext=Iext, monitors=monitors, dt=dt, progress_bar=progress_bar)
    else:  # the same shapes, method and dt: reuse the model and its compiled loop with new data
        runner.model.restart(p, init=init, V_init=V_init, seed=seed)
        runner.restart(Iext)
        runner.progress_bar = progress_bar
    result = runner.run(duration, record_every=record_every, window=window)
    _RUNNERS[key] = runner
    while len(_RUNNERS) > _KEEP_RUNNERS:
        _RUNNERS.pop(next(iter(_RUNNERS)))
    return result
