r"""COBAHH run as one compiled loop: :class:`hh_brainpy.models.COBAHH` itself, compiled once.

There is one COBAHH in this package: :class:`hh_brainpy.models.COBAHH`, the
Brette et al. (2007) network built from BrainPy objects (two groups of
:class:`~hh_brainpy.models.cobahh.TraubMilesHH`, four projections whose
``comm`` is :class:`hh_brainpy.models.events.EventTargets`).
:func:`run_cobahh` builds that network and runs ``duration`` ms of it as one
``brainpy.math.for_loop`` inside ``brainpy.math.jit``, compiled ahead of the
run so that compilation and simulation are timed apart.  Each step is what
``bp.DSRunner`` does: the shared ``t``, ``i`` and ``dt`` are set and the
network's ``update`` runs (synapses read the last step's spikes, then both
groups integrate).  ``bp.DSRunner.run`` traces and compiles its loop again at
every call; this runs the same step without that, and returns the raster of
both groups, excitatory first.

Parameters, initial state and weights are those of
:mod:`hh_brainpy.models.cobahh` (Brian2's ``examples/COBAHH.py`` per unit area).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
from brainpy.context import share

from hh_brainpy.checks import check_dt, check_duration, check_int, check_real, check_size
from hh_brainpy.models.cobahh import COBAHH

__all__ = ["run_cobahh", "CobahhRun"]


@dataclasses.dataclass(frozen=True)
class CobahhRun:
    """What :func:`run_cobahh` returns.

    Attributes
    ----------
    spike : ndarray of bool, shape (steps, num)
        True where a neuron crossed V_th in that step.
    dt : float
        Step, ms.
    num_e : int
        The first ``num_e`` neurons are excitatory.
    overflow_steps : int
        Steps in which more than ``max_events`` neurons of one group spiked (their
        spikes are propagated in extra rounds at the next step).
    wall_s, compile_s : float
        Wall time of the compiled run, and of tracing and compiling it (s).

    Examples
    --------
    >>> from hh_brainpy.models.cobahh_scan import run_cobahh
    >>> run = run_cobahh(400, 50.0, seed=1)
    >>> run.spike.shape, run.num_e
    ((500, 400), 320)
    """

    spike: np.ndarray
    dt: float
    num_e: int
    overflow_steps: int
    wall_s: float
    compile_s: float

    @property
    def rates(self) -> tuple[float, float]:
        """Mean firing rates of the excitatory and the inhibitory neurons, Hz."""
        duration_s = self.spike.shape[0] * self.dt * 1e-3
        return (float(self.spike[:, :self.num_e].mean() * self.spike.shape[0] / duration_s),
                float(self.spike[:, self.num_e:].mean() * self.spike.shape[0] / duration_s))


def run_cobahh(num: int = 4000, duration: float = 1000.0, *, dt: float = 0.1, p: float | None = None,
               we: float = 6.0, wi: float = 67.0, seed: int = 0, max_events: int = 32) -> CobahhRun:
    """Run the COBAHH network (``num`` neurons, ``duration`` ms) as one compiled loop; return the spikes.

    Parameters
    ----------
    num, duration, dt : int, float, float
        Neurons, and the simulated time and step in ms (default 4000, 1000 and 0.1).
    p : float, optional
        Connection probability; default ``0.02 * 4000 / num`` (the benchmark's in-degree).
    we, wi : float
        Synaptic weights, nS on 20000 um^2 (default 6 and 67).
    seed : int
        Seed of the connectivity and the initial state (default 0).
    max_events : int
        Spikes propagated per round (default 32; see the module notes).

    Returns
    -------
    CobahhRun

    Raises
    ------
    ValueError
        Bad sizes, probabilities or weights (named).

    Examples
    --------
    >>> from hh_brainpy.models.cobahh_scan import run_cobahh
    >>> run = run_cobahh(400, 100.0, seed=1)
    >>> bool(5.0 < run.spike[:, :run.num_e].mean() * 1e4 < 100.0)  # excitatory rate, Hz
    True
    """
    check_size(num)
    if num >= 2**24:  # the neurons' positions are ranked as float32 keys (see propagate_spikes)
        raise ValueError(f"num must be below 2**24 = {2**24}, got {num}")
    dt = check_dt(dt)
    steps = check_duration(duration, dt)
    p = 0.02 * 4000 / num if p is None else check_real("p", p, low=0.0, high=1.0, low_open=True)
    max_events = check_int("max_events", max_events, 1)
    net = COBAHH(num, p=p, we=check_real("we", we, low=0.0), wi=check_real("wi", wi, low=0.0), seed=seed,
                 max_events=max_events)
    loop, indices = _compiled_loop(net, dt), jnp.arange(steps)
    t0 = time.perf_counter()
    loop.compile(indices)
    t1 = time.perf_counter()
    spikes = np.asarray(loop(indices))
    t2 = time.perf_counter()
    num_e = net.E.num
    crowded = (spikes[:, :num_e].sum(axis=1) > max_events) | (spikes[:, num_e:].sum(axis=1) > max_events)
    return CobahhRun(spikes, dt, num_e, int(crowded.sum()), t2 - t1, t1 - t0)


def _compiled_loop(net: COBAHH, dt: float) -> Any:
    """``indices -> spikes (steps, num)``: DSRunner's step of ``net`` over the indices, as one jitted loop."""

    def step(i: Any) -> Any:
        share.save(t=i * dt, i=i, dt=dt)
        net.update()
        return bm.concatenate([net.E.spike.value, net.I.spike.value])

    return bm.jit(lambda indices: bm.for_loop(step, indices))
