r"""Event-driven spike propagation over fixed sparse connectivity, never dropping a spike.

Each presynaptic neuron's targets are one row of a padded integer table (the
padding points at a sink entry past the end of the output).  A step gathers
the neurons that spiked, looks up their rows and scatter-adds their weights:
work proportional to the spikes, not to the synapses.  The spiking neurons are
found ``max_events`` at a time by ``jax.lax.top_k`` on their reversed index
(on the CPU about five times cheaper than ``jnp.nonzero`` with a fixed size);
when more than ``max_events`` spike in one step the rest are propagated in
further rounds (a ``while_loop`` that normally runs zero times).

:func:`propagate_spikes` is the operation; :class:`EventTargets` is the same
as a BrainPy layer, the ``comm`` of a projection such as
``bp.dyn.ProjAlignPostMg2`` in place of ``bp.dnn.EventCSRLinear``, built from
the same ``bp.conn`` connector.  Both networks of
:mod:`hh_brainpy.models` use it.
"""

from __future__ import annotations

from typing import Any

import brainpy as bp
import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import check_int

__all__ = ["propagate_spikes", "target_table", "EventTargets"]


def target_table(indices: Any, indptr: Any, sink: int) -> np.ndarray:
    """The padded table of targets, one row a presynaptic neuron plus a last row of padding, from CSR.

    Parameters
    ----------
    indices, indptr : int arrays
        CSR connectivity: ``indices[indptr[i]:indptr[i + 1]]`` are neuron ``i``'s targets.
    sink : int
        The index that fills the rows (an entry past the end of the output).

    Returns
    -------
    ndarray of int32, shape (pre + 1, width)
        ``width`` is the largest out-degree (at least 1).

    Examples
    --------
    >>> from hh_brainpy.models.events import target_table
    >>> target_table([1, 2, 0], [0, 2, 2, 3], sink=3).tolist()
    [[1, 2], [3, 3], [0, 3], [3, 3]]
    """
    indices, indptr = np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)
    counts = np.diff(indptr)
    pre = counts.size
    table = np.full((pre + 1, max(1, int(counts.max(initial=0)))), sink, dtype=np.int32)
    rows = np.repeat(np.arange(pre), counts)
    table[rows, np.arange(indices.size) - np.repeat(indptr[:-1], counts)] = indices
    return table


def propagate_spikes(spike: Any, out: Any, targets: Any, weights: Any, max_events: int) -> tuple[Any, Any]:
    """``(out + the spikes' weights at their targets, overflowed)``: every spike, ``max_events`` a round.

    Parameters
    ----------
    spike : bool array, shape (pre,)
        Which presynaptic neurons spiked.
    out : array, shape (size + 1,)
        What the weights are added to; its last entry is the sink the padding adds to.
    targets : int array, shape (pre + 1, width)
        Each presynaptic neuron's indices into ``out`` (:func:`target_table`); the last row is padding.
    weights : array, shape () or (pre + 1,)
        Each presynaptic neuron's weight (the last entry unused).
    max_events : int
        Spikes propagated a round.

    Returns
    -------
    out : array like ``out``
    overflowed : bool scalar
        True when more than ``max_events`` neurons spiked (extra rounds ran).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from hh_brainpy.models.events import propagate_spikes
    >>> targets = jnp.array([[1, 2], [3, 3], [0, 3], [3, 3]])
    >>> out, _ = propagate_spikes(jnp.array([True, True, True]), jnp.zeros(4), targets, 0.5, 1)
    >>> out[:3].tolist()
    [0.5, 0.5, 0.5]
    """
    num = spike.shape[0]
    if num >= 2**24:  # positions are ranked as float32 keys
        raise ValueError(f"a population of {num} neurons is too large: at most 2**24 - 1 presynaptic neurons")
    position = jnp.arange(num, dtype=jnp.int32)
    count = jnp.sum(spike, dtype=jnp.int32)
    weights = jnp.broadcast_to(jnp.asarray(weights, dtype=out.dtype), (num + 1,))

    def one_round(carry: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        out, done, first = carry  # the neurons below ``first`` have been propagated
        key = jnp.where(spike & (position >= first), (num - position).astype(jnp.float32), 0.0)
        found, ids = jax.lax.top_k(key, min(max_events, num))
        ids = jnp.where(found > 0, ids, num)  # the padding row
        index = targets[ids]
        out = out.at[index].add(jnp.broadcast_to(weights[ids][:, None], index.shape))
        return out, done + max_events, jnp.max(ids) + 1

    out, _, _ = jax.lax.while_loop(lambda c: c[1] < count, one_round, one_round((out, 0, 0)))
    return out, count > max_events


class EventTargets(bp.dnn.Layer):
    """A BrainPy layer: spikes of ``pre`` in, the summed weight each ``post`` neuron receives out.

    The ``comm`` of a projection (``bp.dyn.ProjAlignPostMg2`` and the like), as
    ``bp.dnn.EventCSRLinear(conn, weight)``: the same connector and a scalar
    weight give the same sums, by :func:`propagate_spikes`.

    Parameters
    ----------
    conn : bp.conn.TwoEndConnector
        The connectivity (its ``pre2post``).
    weight : float
        The weight of every connection.
    max_events : int
        Spikes propagated a round (default 32; more are never dropped).

    Examples
    --------
    >>> import brainpy as bp
    >>> import brainpy.math as bm
    >>> import numpy as np
    >>> from hh_brainpy.models.events import EventTargets
    >>> conn = bp.conn.IJConn(i=np.array([0, 0, 1, 2]), j=np.array([1, 2, 2, 0]))(pre_size=3, post_size=3)
    >>> layer = EventTargets(conn, 2.0)
    >>> layer(bm.asarray([True, False, True])).tolist()   # 0 -> 1, 2; 2 -> 0
    [2.0, 2.0, 2.0]
    """

    def __init__(self, conn: Any, weight: float, max_events: int = 32, mode: Any = None, name: str | None = None
                 ) -> None:
        super().__init__(name=name, mode=mode)
        indices, indptr = conn.require("pre2post")
        self.post_num = int(conn.post_num)
        self.max_events = check_int("max_events", max_events, 1)
        self.targets = jnp.asarray(target_table(indices, indptr, self.post_num))
        self.weight = float(weight)

    def update(self, spike: Any) -> Any:
        """The summed weight each postsynaptic neuron receives from the neurons that spiked."""
        spike = jnp.asarray(bp.math.as_jax(spike), dtype=bool)
        zeros = jnp.zeros(self.post_num + 1, dtype=bp.math.float_)
        return propagate_spikes(spike, zeros, self.targets, self.weight, self.max_events)[0][:-1]
