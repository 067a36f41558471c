r"""COBAHH (Brette et al. 2007) for ``brainpy.state``, from :class:`hh_brainpy.state.HH`.

The network of :mod:`hh_brainpy.models.cobahh` written the ``brainpy.state``
way: one population of Traub-Miles neurons (the first 80 % excitatory),
``brainpy.state.AlignPostProj`` projections with ``brainstate.nn.EventFixedProb``
connectivity, ``Expon`` conductances and ``COBA`` outputs.  Parameters, initial
state and units as there (per 20000 um^2: weights 6 nS = 0.03 mS and 67 nS =
0.335 mS); the neurons' method is exponential Euler by default, as in the
benchmark (dt = 0.1 ms).

Needs ``brainpy.state`` (see :mod:`hh_brainpy.state`).
"""

from __future__ import annotations

from typing import Any

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
from brainpy.state import COBA, AlignPostProj, Expon

from hh_brainpy.checks import check_size
from hh_brainpy.models.cobahh import _AREA_NS, _NEURON, TraubMilesKinetics, event_backend
from hh_brainpy.state import HH

__all__ = ["TraubMilesHH", "COBAHH"]


class TraubMilesHH(TraubMilesKinetics, HH):
    """:class:`hh_brainpy.state.HH` with the Traub & Miles (1991) rates (threshold shift ``VT`` = -63 mV).

    Parameters
    ----------
    *args, **kwargs
        As for :class:`hh_brainpy.state.HH`; ``VT`` (mV) shifts the kinetics.

    Examples
    --------
    >>> import brainunit as u
    >>> from hh_brainpy.models.cobahh_state import TraubMilesHH
    >>> neu = TraubMilesHH(2)
    >>> neu.varshape
    (2,)
    """


class COBAHH(brainstate.nn.Module):
    """The COBAHH network for ``brainpy.state``: ``num`` Traub-Miles neurons, 80 % excitatory, sparse COBA synapses.

    Parameters
    ----------
    num : int
        Number of neurons (default 4000).
    p : float
        Connection probability (default 0.02; ``0.02 * 4000 / num`` keeps the in-degree).
    method : str
        The neurons' method, ``'exp_euler'`` (default) or ``'rk4'``.
    seed : int
        Seed of the initial state and the connectivity.

    Run it under ``brainstate.environ.context(dt=0.1 * u.ms)``; each call of
    the module is one step, and returns the spikes (surrogate, 0 or 1).

    Examples
    --------
    >>> import brainstate
    >>> import brainunit as u
    >>> import jax.numpy as jnp
    >>> from hh_brainpy.models.cobahh_state import COBAHH
    >>> net = COBAHH(400, p=0.2, seed=1)
    >>> brainstate.nn.init_all_states(net)  # doctest: +ELLIPSIS
    COBAHH(...)
    >>> with brainstate.environ.context(dt=0.1 * u.ms):
    ...     spikes = brainstate.transform.for_loop(lambda i: net(), jnp.arange(100))
    >>> spikes.shape
    (100, 400)
    """

    def __init__(self, num: int = 4000, *, p: float = 0.02, method: str = "exp_euler", seed: int = 0) -> None:
        super().__init__()
        check_size(num)
        if not 0.0 < p <= 1.0:
            raise ValueError(f"p (connection probability) must lie in (0, 1], got {p}")
        rng = np.random.default_rng(seed)
        self.num_e = int(round(num * 0.8))
        V0 = _NEURON["EL"] + rng.standard_normal(num) * 5.0 - 5.0
        params = {name: value for name, value in _NEURON.items()}
        self.N = TraubMilesHH(num, V_initializer=jnp.asarray(V0) * u.mV, m_initializer=jnp.zeros(num),
                              h_initializer=jnp.zeros(num), n_initializer=jnp.zeros(num), method=method, **params)
        g_e = (rng.standard_normal(num) * 1.5 + 4.0) * 10.0 * _AREA_NS
        g_i = (rng.standard_normal(num) * 12.0 + 20.0) * 10.0 * _AREA_NS
        self.E = AlignPostProj(
            comm=brainstate.nn.EventFixedProb(self.num_e, num, conn_num=p, conn_weight=6.0 * _AREA_NS * u.mS,
                                              seed=seed + 1),
            syn=Expon.desc(num, tau=5.0 * u.ms, g_initializer=jnp.asarray(g_e) * u.mS),
            out=COBA.desc(E=0.0 * u.mV), post=self.N)
        self.I = AlignPostProj(
            comm=brainstate.nn.EventFixedProb(num - self.num_e, num, conn_num=p, conn_weight=67.0 * _AREA_NS * u.mS,
                                              seed=seed + 2),
            syn=Expon.desc(num, tau=10.0 * u.ms, g_initializer=jnp.asarray(g_i) * u.mS),
            out=COBA.desc(E=-80.0 * u.mV), post=self.N)

    def update(self, current: Any = 0.0 * u.uA) -> Any:
        """One step: the projections read the last step's spikes, then the neurons integrate."""
        spikes = self.N.spike.value
        with event_backend():  # brainevent's pure-JAX kernels without numba, only while this step is traced
            self.E(spikes[:self.num_e])
            self.I(spikes[self.num_e:])
        return self.N(current)
