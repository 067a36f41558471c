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
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from hh_brainpy import kinetics as k
from hh_brainpy.checks import (
    NonFiniteError,
    check_dt_for_method,
    check_duration,
    check_int,
    check_memory,
    check_method,
    check_params,
    check_real,
)
from hh_brainpy.integrator import make_step
from hh_brainpy.params import DEFAULT_DT, DEFAULT_IEXT, DEFAULT_PARAMS, SETTABLE, split_varied_and_fixed

__all__ = ["SweepResult", "sweep"]



@dataclasses.dataclass
class SweepResult:
    """The outcome of :func:`sweep`, labelled by the grid.

    Attributes
    ----------
    axes : dict of str to ndarray
        The swept values, one 1-D array per parameter, in the order given; the
        result arrays have shape ``tuple(len(v) for v in axes.values())``.
    spike_count : ndarray of int
        Upward crossings of ``threshold`` after ``transient`` ms.
    rate : ndarray
        Firing rate, Hz: ``spike_count / (duration - transient)``.
    duration, transient, dt : float
        ms.
    n_devices : int
        How many devices the grid was split over.
    ts, V : ndarray or None
        With ``record_every``: sample times (ms) and V (mV) of shape
        ``grid shape + (len(ts),)``.
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
        return self.spike_count.shape

    def points(self) -> list[dict[str, float]]:
        """Every grid point as a dict of parameter values, in the result's flat (C) order."""
        return [dict(zip(self.axes, values, strict=True)) for values in itertools.product(*self.axes.values())]


def sweep(
    grid: Mapping[str, Sequence[float]],
    duration: float,
    *,
    dt: float = DEFAULT_DT,
    method: str = "rk4",
    fixed: Mapping[str, Any] | None = None,
    V_init: float = -65.0,
    threshold: float = 0.0,
    transient: float = 0.0,
    record_every: int | None = None,
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
    dt : float
        Step, ms.  Default 0.01.
    method : str
        Integration method.  Default ``'rk4'``.
    fixed : mapping, optional
        Values of parameters not swept (defaults: :class:`hh_brainpy.HHParams`, Iext = 10).
    V_init : float
        Initial V (mV) of every neuron, gates at their steady state.  Default -65.
    threshold : float
        Spike-detection level, mV.  Default 0 (peaks fall below V_th = 20 mV at
        high currents).
    transient : float
        Spikes before this time (ms) are not counted.  Default 0.
    record_every : int, optional
        Also return V every ``record_every`` steps (memory: grid size times
        samples).  Default: spikes only.
    devices : sequence of jax.Device, optional
        Devices to split the grid over.  Default: ``jax.devices()``, all of them.

    Returns
    -------
    SweepResult

    Raises
    ------
    NonFiniteError
        If V of any point becomes NaN or infinite; names the first such grid
        point, its parameter values and the time.

    Examples
    --------
    >>> import numpy as np
    >>> import hh_brainpy as hb
    >>> res = hb.sweep({"Iext": [0.0, 5.0, 10.0]}, 100.0, transient=20.0)
    >>> res.spike_count.tolist(), res.rate.tolist()
    ([0, 5, 5], [0.0, 62.5, 62.5])
    """
    axes, fixed = _check_grid(grid, fixed)
    method = check_method(method)
    steps = check_duration(duration, dt)
    transient_steps = _check_transient(transient, duration, dt)
    threshold = check_real("threshold", threshold)
    V_init = check_real("V_init", V_init)
    if record_every is not None:
        record_every = check_int("record_every", record_every, 1)
        if record_every > steps:
            raise ValueError(f"record_every must be an int in [1, {steps}] (steps), got {record_every!r}")
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must name at least one JAX device")

    shape = tuple(v.size for v in axes.values())
    mesh_values = np.meshgrid(*axes.values(), indexing="ij")
    flat = {name: values.reshape(-1) for name, values in zip(axes, mesh_values, strict=True)}
    values = {name: flat.get(name, fixed.get(name, _default(name))) for name in SETTABLE}
    check_dt_for_method(dt, method, **{name: values[name] for name in ("gNa", "gK", "gL", "C", "temperature")})

    n_points = int(np.prod(shape))
    if record_every is not None:
        check_memory((steps // record_every + 1) * n_points * np.dtype(jnp.result_type(float)).itemsize,
                     "the recorded V of the sweep", "record V less often (record_every=...), or sweep fewer points")
    n_dev = len(devices)
    padded = -(-n_points // n_dev) * n_dev
    dtype = jnp.result_type(float)
    columns = []
    for name in SETTABLE:
        col = np.broadcast_to(np.asarray(values[name], dtype=dtype), (n_points,))
        columns.append(np.concatenate([col, np.repeat(col[-1:], padded - n_points)]))
    sharding = NamedSharding(Mesh(np.array(devices), ("points",)), P("points"))
    columns = [jax.device_put(col, sharding) for col in columns]
    V0 = jax.device_put(np.full(padded, V_init, dtype=dtype), sharding)

    count, bad_at, V = _run(tuple(columns), V0, steps, dt, method, float(threshold), transient_steps, record_every)
    count, bad_at, V = _gather(count), _gather(bad_at)[:n_points], (None if V is None else _gather(V))
    if np.any(bad_at >= 0):
        point = int(np.argmax(bad_at >= 0))
        values_at = {name: float(axis[i]) for (name, axis), i in zip(axes.items(), np.unravel_index(point, shape),
                                                                       strict=True)}
        raise NonFiniteError(
            f"V became non-finite at t = {bad_at[point] * dt:.6g} ms at grid point {point} {values_at} "
            f"({int(np.sum(bad_at >= 0))} of {n_points} points). Check the parameters, or reduce dt."
        )
    spike_count = count[:n_points].reshape(shape).astype(int)
    result = SweepResult(
        axes=axes,
        spike_count=spike_count,
        rate=spike_count / ((duration - transient) * 1e-3),
        duration=float(duration),
        transient=float(transient),
        dt=float(dt),
        n_devices=n_dev,
    )
    if V is not None:
        result.ts = np.arange(V.shape[0]) * record_every * dt
        result.V = np.moveaxis(V[:, :n_points], 0, -1).reshape(*shape, V.shape[0])
    return result


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
        arr = np.asarray(values, dtype=float)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty 1-D sequence, got shape {arr.shape}")
        check_params({name: arr})
        axes[name] = arr
    return axes, fixed


def _check_transient(transient: float, duration: float, dt: float) -> int:
    if not 0 <= transient < duration:
        raise ValueError(f"transient must lie in [0, duration) = [0, {duration}) ms, got {transient}")
    return int(np.ceil(transient / dt - 1e-9))


@jax.jit(static_argnums=(2, 3, 4, 5, 6, 7))
def _run(columns: Any, V0: Any, steps: int, dt: float, method: str, threshold: float, transient_steps: int,
         record_every: int | None) -> Any:
    *membrane, Iext = columns
    step = make_step(method, dt)
    y0 = jnp.stack([V0, k.m_inf(V0), k.h_inf(V0), k.n_inf(V0)])

    def advance(carry: Any, i: Any) -> Any:
        y, count, bad_at = carry
        new = step(y, i * dt, Iext, *membrane)
        crossed = (y[0] < threshold) & (new[0] >= threshold) & (i + 1 > transient_steps)
        bad_at = jnp.where((bad_at < 0) & ~jnp.isfinite(new[0]), (i + 1).astype(bad_at.dtype), bad_at)
        return (new, count + crossed.astype(count.dtype), bad_at), None

    count0 = jnp.zeros(V0.shape, dtype=jnp.int32)
    start = (y0, count0, jnp.full(V0.shape, -1, dtype=jnp.int32))
    if record_every is None:
        (_, count, bad_at), _ = jax.lax.scan(advance, start, jnp.arange(steps))
        return count, bad_at, None

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
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(x)
