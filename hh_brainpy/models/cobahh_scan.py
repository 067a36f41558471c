r"""COBAHH as one compiled scan: one population, exact synaptic decay, event-driven spike propagation.

:class:`hh_brainpy.models.COBAHH` builds the Brette et al. (2007) network from
BrainPy objects (two groups, four projections), and each step of it is many
small XLA operations.  :func:`run_cobahh` runs the same model as one
``jax.lax.scan`` over a single state: the 4000 Traub-Miles neurons in one
array (the first 80 % excitatory), excitatory and inhibitory conductances
``g_e``, ``g_i`` per neuron, and the connectivity as padded target rows, one
per presynaptic neuron.

Each step (dt in ms, conductances in mS/cm^2, potentials in mV):

1. the spikes of the last step are propagated by
   :func:`hh_brainpy.models.events.propagate_spikes`, the operation of the
   projections of :class:`hh_brainpy.models.COBAHH`: the neurons that spiked
   are gathered ``max_events`` at a time, their target rows looked up and
   their weights scatter-added to ``g_e`` or ``g_i``, in further rounds when
   more spiked, so no spike is ever dropped; ``overflow_steps`` counts the
   steps that needed it;
2. V is advanced exactly for conductances frozen over the step (all of them
   are linear in V: :math:`V \leftarrow V_\infty + (V - V_\infty)\,e^{-G\,dt/C}`
   with :math:`G = g_{Na} m^3 h + g_K n^4 + g_L + g_e + g_i`), and each gate
   exactly for V frozen (Rush & Larsen 1978): the exponential Euler of
   BrainPy's ``exp_auto`` and Brian2's ``exponential_euler``, first order;
3. the conductances decay exactly, :math:`g \leftarrow g\,e^{-dt/\tau}`;
4. a spike is an upward crossing of V_th = -20 mV.

Parameters, initial state and weights are those of
:mod:`hh_brainpy.models.cobahh` (Brian2's ``examples/COBAHH.py`` per unit area).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import check_dt, check_duration, check_int, check_real, check_size
from hh_brainpy.models.cobahh import _AREA_NS, _NEURON, TraubMilesKinetics
from hh_brainpy.models.events import propagate_spikes

__all__ = ["run_cobahh", "CobahhRun"]

_TAU_E, _TAU_I = 5.0, 10.0  # ms
_E_E, _E_I = 0.0, -80.0  # mV
_RATES = TraubMilesKinetics()  # the six Traub-Miles rates, VT = -63 mV


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
        Steps in which more than ``max_events`` neurons spiked (propagated in extra rounds).
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


def _connectivity(num: int, num_e: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target rows padded with the sink index ``num``, and each row's weight (E or I), one row a presynaptic neuron."""
    rows = [np.flatnonzero(rng.random(num) < p) for _ in range(num)]
    width = max(1, max(r.size for r in rows))
    targets = np.full((num + 1, width), num, dtype=np.int32)  # row ``num``: the padding of the event list
    for i, r in enumerate(rows):
        targets[i, :r.size] = r
    exc = np.zeros(num + 1, dtype=bool)
    exc[:num_e] = True
    return targets, exc


def _neurons(V: Any, m: Any, h: Any, n: Any, g_e: Any, g_i: Any, dt: float) -> tuple[Any, Any, Any, Any]:
    """Exponential Euler (Rush-Larsen) step of the Traub-Miles neurons with frozen conductances."""
    p = _NEURON
    gna, gk = p["gNa"] * m * m * m * h, p["gK"] * n ** 4
    G = gna + gk + p["gL"] + g_e + g_i
    V_inf = (gna * p["ENa"] + gk * p["EK"] + p["gL"] * p["EL"] + g_e * _E_E + g_i * _E_I) / G
    V_new = V_inf + (V - V_inf) * jnp.exp(-G * dt / p["C"])
    m_a, m_b, h_a, h_b, n_a, n_b = _RATES.rates(V)

    def gate(x: Any, alpha: Any, beta: Any) -> Any:
        total = alpha + beta
        return alpha / total + (x - alpha / total) * jnp.exp(-total * dt)

    return V_new, gate(m, m_a, m_b), gate(h, h_a, h_b), gate(n, n_a, n_b)


def _scan(state: tuple[Any, ...], targets: Any, weights: Any, steps: int, dt: float, max_events: int
          ) -> tuple[Any, Any]:
    decay = jnp.tile(jnp.asarray([math.exp(-dt / _TAU_E), math.exp(-dt / _TAU_I)], dtype=state[4].dtype),
                     state[0].shape[0] + 1)

    def step(carry: tuple[Any, ...], _: Any) -> tuple[tuple[Any, ...], tuple[Any, Any]]:
        V, m, h, n, g, spike = carry  # g: g_e, g_i of each neuron interleaved, then the sink pair
        g, overflow = propagate_spikes(spike, g, targets, weights, max_events)
        V_new, m, h, n = _neurons(V, m, h, n, g[:-2:2], g[1:-1:2], dt)
        spike = (V < _NEURON["V_th"]) & (V_new >= _NEURON["V_th"])
        return (V_new, m, h, n, g * decay, spike), (spike, overflow)

    _, (spikes, overflow) = jax.lax.scan(step, state, None, length=steps)
    return spikes, overflow


_compiled = jax.jit(_scan, static_argnums=(3, 4, 5))


def run_cobahh(num: int = 4000, duration: float = 1000.0, *, dt: float = 0.1, p: float | None = None,
               we: float = 6.0, wi: float = 67.0, seed: int = 0, max_events: int = 32) -> CobahhRun:
    """Run the COBAHH network (``num`` neurons, ``duration`` ms) as one compiled scan; return the spikes.

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
    rng = np.random.default_rng(seed)
    num_e = int(round(num * 0.8))
    dtype = jnp.result_type(float)
    V0 = _NEURON["EL"] + rng.standard_normal(num) * 5.0 - 5.0
    g_e = (rng.standard_normal(num) * 1.5 + 4.0) * 10.0 * _AREA_NS
    g_i = (rng.standard_normal(num) * 12.0 + 20.0) * 10.0 * _AREA_NS
    targets, exc = _connectivity(num, num_e, p, rng)
    weights = np.where(exc, we * _AREA_NS, wi * _AREA_NS)  # exc has the sink's entry too (its weight unused)
    zeros = np.zeros(num)
    g = np.append(np.stack([g_e, g_i], axis=1).reshape(-1), [0.0, 0.0])  # interleaved, then the sink pair
    state = tuple(jnp.asarray(x, dtype=dtype) for x in (V0, zeros, zeros, zeros, g)) + (jnp.zeros(num, bool),)
    interleaved = 2 * targets + (~exc).astype(np.int32)[:, None]  # g_e or g_i of each target
    args = (state, jnp.asarray(interleaved), jnp.asarray(weights, dtype=dtype), steps, dt, max_events)
    t0 = time.perf_counter()
    compiled = _compiled.lower(*args).compile()
    t1 = time.perf_counter()
    spikes, overflow = compiled(*args[:3])
    spikes = np.asarray(spikes)
    t2 = time.perf_counter()
    return CobahhRun(spikes, dt, num_e, int(np.sum(overflow)), t2 - t1, t1 - t0)
