r"""Parameter sweeps: a grid of HH neurons run as one population, sharded over every JAX device.

``sweep({"Iext": np.linspace(0, 20, 100_000)}, 1000.0)`` is an F-I curve over
1e5 currents in one call.  Every grid point is one independent neuron, so the
population is split along its only axis over a one-dimensional
``jax.sharding.Mesh`` of all devices (``NamedSharding(mesh, P("points"))``)
and each device integrates its share with no communication; XLA (GSPMD)
partitions the compiled loop.  The result does not depend on the number of
devices (tested with 1 and 4 CPU host devices).

Devices
-------
- CPU cores: JAX shows one CPU device unless told otherwise; start Python with
  ``XLA_FLAGS=--xla_force_host_platform_device_count=<cores>`` to get one per core.
- GPUs and TPUs: all local accelerators are used as they are.
- Several hosts: call ``jax.distributed.initialize(...)`` on every process
  first, then call :func:`sweep` with the same arguments on every process.
  ``jax.devices()`` then lists the devices of all hosts, the grid is split over
  all of them, and each process receives the whole result (gathered with
  ``jax.experimental.multihost_utils.process_allgather``).  This path follows
  JAX's documented multi-controller model but is untested here (one host).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from hh_brainpy import kinetics as k
from hh_brainpy.analysis import rate_from_counts
from hh_brainpy.checks import (
    NonFiniteError,
    check_memory,
    check_params,
    check_real,
    interruptible_chunk,
    plan_run,
)
from hh_brainpy.integrator import make_step
from hh_brainpy.params import (
    COUNTING_V_TH,
    DEFAULT_DT,
    DEFAULT_IEXT,
    DEFAULT_PARAMS,
    SETTABLE,
    HHParams,
    as_float_array,
    split_varied_and_fixed,
)

__all__ = ["SweepResult", "sweep"]



@dataclasses.dataclass(frozen=True, eq=False)
class SweepResult:
    """The outcome of :func:`sweep`, labelled by the grid.

    Attributes
    ----------
    axes : dict of str to ndarray
        The swept values, one 1-D array per parameter, in the order given; the
        result arrays have shape ``tuple(len(v) for v in axes.values())``.
    spike_count : ndarray of int
        Upward crossings of ``V_th`` after ``transient`` ms.
    rate : ndarray
        Firing rate, Hz: ``spike_count / (duration - transient)``.
    duration, transient, dt : float
        ms.
    n_devices : int
        How many devices the grid was split over.
    ts, V : ndarray or None
        With ``record_every``: sample times (ms) and V (mV) of shape
        ``(len(ts),) + grid shape`` (time first, as :class:`hh_brainpy.HHResult`).

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> out = hb.sweep({"Iext": [0.0, 10.0]}, 100.0, transient=20.0)
    >>> out.axes["Iext"].tolist(), out.spike_count.tolist()
    ([0.0, 10.0], [0, 5])
    """

    axes: dict[str, np.ndarray]
    spike_count: np.ndarray
    rate: np.ndarray
    duration: float
    transient: float
    dt: float
    n_devices: int
    ts: np.ndarray | None = None
    V: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid's shape."""
        return self.spike_count.shape

    def points(self) -> list[dict[str, float]]:
        """Every grid point as a dict of parameter values, in the result's flat (C) order."""
        return [dict(zip(self.axes, values, strict=True)) for values in itertools.product(*self.axes.values())]


def sweep(
    grid: Mapping[str, Sequence[float]], duration: float, *, dt: float = DEFAULT_DT, method: str = "rk4",
    fixed: Mapping[str, Any] | None = None, V_init: float = -65.0, V_th: float = COUNTING_V_TH,
    threshold: float | None = None, transient: float = 0.0, record_every: int | None = None,
    devices: Sequence[Any] | None = None,
) -> SweepResult:
    """Run one neuron per point of a parameter grid, sharded over ``devices``, and count spikes.

    Parameters
    ----------
    grid : mapping of str to 1-D array_like
        Values of each swept parameter (any of ``gNa, ENa, gK, EK, gL, EL, C,
        temperature`` and ``Iext``); the grid is their Cartesian product.
    duration : float
        Simulated time, ms (a whole number of steps).
    dt, method
        Step (ms, default 0.01) and integration method (default ``'rk4'``).
    fixed : mapping, optional
        Values of parameters not swept (defaults: :class:`hh_brainpy.HHParams`, Iext = 10).
    V_init : float
        Initial V (mV) of every neuron, gates at their steady state.  Default -65.
    V_th : float
        Spike-counting threshold, mV (``threshold``, its former name, is still
        accepted).  Default 0: see ``hh_brainpy.params.COUNTING_V_TH``.
    transient : float
        Spikes before this time (ms) are not counted.  Default 0.
    record_every : int, optional
        Also return V every ``record_every`` steps, a divisor of the steps
        (memory: grid size times samples).  Default: spikes only.
    devices : sequence of jax.Device, optional
        Devices to split the grid over.  Default: ``jax.devices()``, all of them.

    Returns
    -------
    SweepResult
        Raises :class:`hh_brainpy.NonFiniteError` instead if V of any point
        becomes NaN or infinite, naming the point, its values and the time.

    Examples
    --------
    >>> import numpy as np
    >>> import hh_brainpy as hb
    >>> res = hb.sweep({"Iext": [0.0, 5.0, 10.0]}, 100.0, transient=20.0)
    >>> res.spike_count.tolist(), res.rate.tolist()
    ([0, 5, 5], [0.0, 62.5, 62.5])
    """
    level = V_th if threshold is None else check_real("threshold", threshold)
    axes, fixed = _check_grid(grid, fixed)
    shape = tuple(v.size for v in axes.values())
    params, Iext = _grid_params(axes, fixed, shape)
    n_points = int(np.prod(shape))
    plan = _plan(duration, dt, method, params, n_points, transient, level, V_init, record_every, devices)
    sharded, padded_Iext, V0 = _shard(params, Iext, plan.V_init, n_points, plan.devices)
    if plan.record_every is None:
        outputs = _run_counting(sharded, padded_Iext, V0, plan.steps, dt, plan.method, plan.V_th,
                                plan.transient_steps)
    else:
        outputs = _run(sharded, padded_Iext, V0, plan.steps, dt, plan.method, plan.V_th, plan.transient_steps,
                       plan.record_every)
    return _result(outputs, axes, shape, plan, float(duration), float(transient), float(dt))


class _Plan(NamedTuple):
    method: str
    steps: int
    transient_steps: int
    V_th: float
    V_init: float
    record_every: int | None
    devices: list[Any]


def _plan(duration: float, dt: float, method: str, params: HHParams, n_points: int, transient: float, V_th: float,
          V_init: float, record_every: int | None, devices: Sequence[Any] | None) -> _Plan:
    """The run's one check (:func:`hh_brainpy.checks.plan_run`, with the memory of V if recorded), and the rest."""
    run = plan_run(duration, dt, method, stiffness=params.membrane(),
                   record_every=1 if record_every is None else record_every,
                   bytes_per_sample=0 if record_every is None else n_points * 8,
                   what="the recorded V of the sweep", way_out="record V less often (record_every=...), or sweep "
                   "fewer points")
    return _Plan(method, run.steps, _check_transient(transient, duration, run.dt), check_real("V_th", V_th),
                 check_real("V_init", V_init), None if record_every is None else run.record_every,
                 _check_devices(devices))


def _result(outputs: Any, axes: dict[str, np.ndarray], shape: tuple[int, ...], plan: _Plan, duration: float,
            transient: float, dt: float) -> SweepResult:
    """Gather the devices' outputs, raise on a non-finite point, label the counts and traces by the grid."""
    count, bad_at, V = outputs
    n_points = int(np.prod(shape))
    count, bad_at, V = _gather(count), _gather(bad_at)[:n_points], (None if V is None else _gather(V))
    _raise_if_not_finite(bad_at, axes, shape, dt)
    spike_count = count[:n_points].reshape(shape).astype(int)
    return SweepResult(
        axes=axes, spike_count=spike_count, rate=rate_from_counts(spike_count, duration - transient),
        duration=duration, transient=transient, dt=dt, n_devices=len(plan.devices),
        ts=None if V is None else np.arange(V.shape[0]) * plan.record_every * dt,
        V=None if V is None else V[:, :n_points].reshape(V.shape[0], *shape),
    )


def _grid_params(axes: dict[str, np.ndarray], fixed: Mapping[str, Any],
                 shape: tuple[int, ...]) -> tuple[HHParams, np.ndarray]:
    """The grid as one population: an :class:`HHParams` and the currents, a column per swept value.

    A parameter the grid does not vary stays one number (a 0-d leaf, passed as data like the
    columns): the compiled step then reads 1 number instead of a column of a value repeated
    at every point, which at 1e5 points costs about 10-30% of the sweep's time.
    """
    mesh = dict(zip(axes, (v.reshape(-1) for v in np.meshgrid(*axes.values(), indexing="ij")), strict=True))
    n_points = int(np.prod(shape))

    def leaf(name: str) -> np.ndarray:
        value = np.asarray(mesh.get(name, fixed.get(name, _default(name))), dtype=float)
        return value if value.ndim == 0 else np.broadcast_to(value, (n_points,))

    columns = {name: leaf(name) for name in SETTABLE}
    Iext = columns.pop("Iext")
    return dataclasses.replace(DEFAULT_PARAMS, **columns, V_th=np.zeros(())), Iext


def _shard(params: HHParams, Iext: np.ndarray, V_init: float, n_points: int,
           devices: list[Any]) -> tuple[HHParams, Any, Any]:
    """Pad the columns to a multiple of the devices and place each share on its device; numbers on every device."""
    padded = -(-n_points // len(devices)) * len(devices)
    dtype = jnp.result_type(float)
    mesh = Mesh(np.array(devices), ("points",))
    split, everywhere = NamedSharding(mesh, P("points")), NamedSharding(mesh, P())

    def place(column: Any) -> Any:
        column = np.asarray(column, dtype=dtype)
        if column.ndim == 0:
            return jax.device_put(column, everywhere)
        return jax.device_put(np.concatenate([column, np.repeat(column[-1:], padded - n_points)]), split)

    return jax.tree_util.tree_map(place, params), place(Iext), place(np.full(n_points, V_init))


def _raise_if_not_finite(bad_at: np.ndarray, axes: dict[str, np.ndarray], shape: tuple[int, ...], dt: float) -> None:
    if np.any(bad_at >= 0):
        point = int(np.argmax(bad_at >= 0))
        values_at = {name: float(axis[i]) for (name, axis), i in zip(axes.items(), np.unravel_index(point, shape),
                                                                       strict=True)}
        raise NonFiniteError(
            f"V became non-finite at t = {bad_at[point] * dt:.6g} ms at grid point {point} {values_at} "
            f"({int(np.sum(bad_at >= 0))} of {bad_at.size} points). Check the parameters, or reduce dt."
        )


def _check_devices(devices: Sequence[Any] | None) -> list[Any]:
    if devices is not None and (isinstance(devices, (str, bytes)) or not isinstance(devices, Sequence)):
        raise TypeError(f"devices must be a list of jax.Device, got {type(devices).__name__}")
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must name at least one JAX device")
    for d in devices:
        if not isinstance(d, jax.Device):
            raise TypeError(f"devices must be a list of jax.Device (from jax.devices()), got {d!r}")
    seen = set()
    for d in devices:
        if d in seen:
            raise ValueError(f"devices must be distinct; {d} is listed more than once")
        seen.add(d)
    return devices


def _default(name: str) -> float:
    return DEFAULT_IEXT if name == "Iext" else getattr(DEFAULT_PARAMS, name)


def _check_grid(
    grid: Mapping[str, Sequence[float]], fixed: Mapping[str, Any] | None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must be a non-empty mapping of parameter name to 1-D values")
    fixed = split_varied_and_fixed(grid, fixed, "grid")
    check_params(fixed)
    axes = {}
    for name, values in grid.items():
        label = f"grid[{name!r}]"
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, jax.Array)):
            raise TypeError(f"{label} must be a 1-D sequence of numbers (a list, tuple or array), "
                            f"got {type(values).__name__}")
        if np.asarray(values).dtype == bool or (
                isinstance(values, Sequence) and any(isinstance(v, (bool, np.bool_)) for v in values)):
            raise TypeError(f"{label} must hold numbers, not booleans, got {values!r}")
        arr = as_float_array(values, label)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{label} must be a non-empty 1-D sequence, got shape {arr.shape}")
        try:
            check_params({name: arr})
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{label}: {exc}") from None
        axes[name] = arr
    n_points = int(np.prod([a.size for a in axes.values()], dtype=float))
    check_memory(n_points * _BYTES_PER_POINT, f"a sweep over {n_points:.3g} grid points",
                 "sweep fewer points, or split the grid into several sweeps")
    return axes, fixed


#: Memory per grid point while a sweep runs (bytes), an upper estimate: 9 parameters, the current,
#: 4 state variables and 2 counters, 8 bytes each (about 130), held up to three times over (the
#: meshgrid, the columns, the devices' shares).
_BYTES_PER_POINT = 400


def _check_transient(transient: float, duration: float, dt: float) -> int:
    if not 0 <= transient < duration:
        raise ValueError(f"transient must lie in [0, duration) = [0, {duration}) ms, got {transient}")
    return int(np.ceil(transient / dt - 1e-9))


def _stepper(params: HHParams, Iext: Any, dt: float, method: str, threshold: float, transient_steps: int) -> Any:
    """One step of every point, counting upward crossings of ``threshold`` after the transient."""
    membrane = params.values()
    step = make_step(method, dt)

    def advance(carry: Any, i: Any) -> Any:
        y, count, bad_at = carry
        new = step(y, i * dt, Iext, *membrane)
        crossed = (y[0] < threshold) & (new[0] >= threshold) & (i + 1 > transient_steps)
        bad_at = jnp.where((bad_at < 0) & ~jnp.isfinite(new[0]), (i + 1).astype(bad_at.dtype), bad_at)
        return (new, count + crossed.astype(count.dtype), bad_at), None

    return advance


def _start(V0: Any) -> Any:
    """The initial carry: V0 with the gates at steady state there, no spikes, nothing non-finite."""
    y0 = jnp.stack([V0, k.m_inf(V0), k.h_inf(V0), k.n_inf(V0)])
    return y0, jnp.zeros(V0.shape, dtype=jnp.int32), jnp.full(V0.shape, -1, dtype=jnp.int32)


_start_compiled = jax.jit(_start)


@jax.jit(static_argnums=(4, 5, 6, 7, 8))
def _run_chunk(carry: Any, params: HHParams, Iext: Any, first: Any, steps: int, dt: float, method: str,
               threshold: float, transient_steps: int) -> Any:
    """``steps`` steps from step ``first`` (traced: every chunk of one length shares one compilation)."""
    advance = _stepper(params, Iext, dt, method, threshold, transient_steps)
    carry, _ = jax.lax.scan(advance, carry, first + jnp.arange(steps))
    return carry


def _run_counting(params: HHParams, Iext: Any, V0: Any, steps: int, dt: float, method: str, threshold: float,
                  transient_steps: int) -> Any:
    """Spike counts only, in chunks of :func:`~hh_brainpy.checks.interruptible_chunk` steps (Ctrl-C between)."""
    carry = _start_compiled(V0)
    chunk = interruptible_chunk(int(np.size(V0)), steps)
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        carry = _run_chunk(carry, params, Iext, jnp.asarray(done, dtype=jnp.int32), n, dt, method, threshold,
                           transient_steps)
        jax.block_until_ready(carry)
        done += n
    return carry[1], carry[2], None


@jax.jit(static_argnums=(3, 4, 5, 6, 7, 8))
def _run(params: HHParams, Iext: Any, V0: Any, steps: int, dt: float, method: str, threshold: float,
         transient_steps: int, record_every: int) -> Any:
    """Spike counts and V every ``record_every`` steps, in one compiled loop."""
    advance = _stepper(params, Iext, dt, method, threshold, transient_steps)
    start = _start(V0)
    blocks = steps // record_every

    def block(carry: Any, b: Any) -> Any:
        carry, _ = jax.lax.scan(advance, carry, b * record_every + jnp.arange(record_every))
        return carry, carry[0][0]

    carry, Vs = jax.lax.scan(block, start, jnp.arange(blocks))
    rest = steps - blocks * record_every
    if rest:
        carry, _ = jax.lax.scan(advance, carry, blocks * record_every + jnp.arange(rest))
    return carry[1], carry[2], jnp.concatenate([V0[None], Vs])


def _gather(x: Any) -> np.ndarray:
    if jax.process_count() > 1:  # pragma: no cover - needs several hosts
        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(x)
