r"""COBAHH: the conductance-based HH network benchmark of Brette et al. (2007).

Built from :class:`TraubMilesHH`, a subclass of :class:`hh_brainpy.HH` that
overrides only the six rate functions, and BrainPy's own projections
(``bp.dyn.ProjAlignPostMg2`` with ``bp.dyn.Expon`` and ``bp.dyn.COBA``) over
sparse random connectivity (``bp.conn.FixedProb``), whose spikes travel by
:class:`hh_brainpy.models.events.EventTargets` (work in proportion to the
spikes; measured at 4000 neurons, the 1 s loop 3.5 times faster than with
``bp.dnn.EventCSRLinear`` on brainevent's portable CPU backend).

Parameters per unit membrane area follow Brian2's ``examples/COBAHH.py``
(area 20000 um^2): gL = 0.05 mS/cm^2, EL = -60 mV, EK = -90 mV, ENa = 50 mV,
gNa = 100 mS/cm^2, gK = 30 mS/cm^2, C = 1 uF/cm^2, VT = -63 mV; excitatory
synapses tau = 5 ms, E = 0 mV, weight 6 nS = 0.03 mS/cm^2; inhibitory tau =
10 ms, E = -80 mV, weight 67 nS = 0.335 mS/cm^2; spikes are upward crossings
of -20 mV.  Initial state as in Brian2's example: V = EL + 5 N(0,1) - 5 mV,
m = h = n = 0, g_exc = (1.5 N(0,1) + 4) * 0.05 mS/cm^2 and g_inh =
(12 N(0,1) + 20) * 0.05 mS/cm^2, drawn from ``seed``.

A neuron model passed as ``group`` may use ``brainevent``'s operators, whose
default CPU kernel needs numba.  numba is not a dependency of hh_brainpy:
when it is not installed, a COBAHH step runs under brainevent's pure-JAX
``jax_raw`` CPU backend (:func:`event_backend`, set while the step is traced
and restored after, so the process's own setting is not changed); when numba
is installed nothing is changed.

References
----------
.. [1] Brette, R. et al. (2007). Simulation of networks of spiking neurons: a
   review of tools and strategies. J. Comput. Neurosci. 23:349-398.
.. [2] Traub, R. D. & Miles, R. (1991). Neuronal Networks of the Hippocampus.
   Cambridge University Press.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import brainevent  # BrainPy's event-driven sparse operators (a dependency of brainpy)
import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_size
from hh_brainpy.models.events import EventTargets
from hh_brainpy.neuron import HH

__all__ = ["TraubMilesHH", "TraubMilesKinetics", "COBAHH", "event_backend", "portable_event_backend"]


class TraubMilesKinetics:
    """The six Traub & Miles (1991) rates, 1/ms, shifted by ``self.VT`` (mV): a mixin for HH classes.

    Examples
    --------
    Mixed into any class with HH's rate methods (as :class:`TraubMilesHH` is):

    >>> import hh_brainpy as hb
    >>> from hh_brainpy.models.cobahh import TraubMilesKinetics
    >>> class Traub(TraubMilesKinetics, hb.HH):
    ...     VT = -63.0
    >>> round(float(Traub(1).m_inf(-50.0)), 4)
    0.1442
    """

    VT: float = -63.0

    def m_alpha(self, V: Any) -> Any:
        """Opening rate of m, 1/ms."""
        return 1.28 * k.x_over_expm1((13.0 - V + self.VT) / 4.0)

    def m_beta(self, V: Any) -> Any:
        """Closing rate of m, 1/ms."""
        return 1.4 * k.x_over_expm1((V - self.VT - 40.0) / 5.0)

    def h_alpha(self, V: Any) -> Any:
        """Opening rate of h, 1/ms."""
        return 0.128 * jnp.exp((17.0 - V + self.VT) / 18.0)

    def h_beta(self, V: Any) -> Any:
        """Closing rate of h, 1/ms."""
        return 4.0 / (1.0 + jnp.exp((40.0 - V + self.VT) / 5.0))

    def n_alpha(self, V: Any) -> Any:
        """Opening rate of n, 1/ms."""
        return 0.16 * k.x_over_expm1((15.0 - V + self.VT) / 5.0)

    def n_beta(self, V: Any) -> Any:
        """Closing rate of n, 1/ms."""
        return 0.5 * jnp.exp((10.0 - V + self.VT) / 40.0)

    def rates(self, V: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
        r"""The six rates from four exponentials instead of six (and no ``expm1``).

        With :math:`B = e^{(v-40)/5}`: :math:`\beta_h = 4B/(1+B)` and the
        exponential of :math:`\alpha_n` is :math:`e^{(15-v)/5} = e^{-5}/B`; the
        0/0 forms use :func:`hh_brainpy.kinetics.x_over_em1_given_exp`.  Equal
        to the six methods to a few units in the last place (tested).  A
        subclass that overrides any of the six methods gets its methods.
        """
        if any(getattr(type(self), name) is not getattr(TraubMilesKinetics, name) for name in k.RATE_NAMES):
            return tuple(getattr(self, name)(V) for name in k.RATE_NAMES)
        v = V - self.VT
        u_m, u_b, u_n = (13.0 - v) / 4.0, (v - 40.0) / 5.0, (15.0 - v) / 5.0
        A, B = jnp.exp(u_m), jnp.exp(u_b)
        return (1.28 * k.x_over_em1_given_exp(u_m, A), 1.4 * k.x_over_em1_given_exp(u_b, B),
                0.128 * jnp.exp((17.0 - v) / 18.0), 4.0 * B / (1.0 + B),
                0.16 * k.x_over_em1_given_exp(u_n, _E_MINUS_5 / B), 0.5 * jnp.exp((10.0 - v) / 40.0))


_E_MINUS_5 = math.exp(-5.0)


class TraubMilesHH(TraubMilesKinetics, HH):
    r"""HH neuron with Traub & Miles (1991) kinetics, as used in COBAHH.

    Parameters
    ----------
    VT : float
        Threshold shift of the kinetics, mV.  Default -63.

    Notes
    -----
    With :math:`v = V - V_T` (mV), rates in 1/ms:

    .. math::

        \alpha_m &= \frac{0.32 (13 - v)}{e^{(13 - v)/4} - 1}, &
        \beta_m &= \frac{0.28 (v - 40)}{e^{(v - 40)/5} - 1}, \\
        \alpha_h &= 0.128\, e^{(17 - v)/18}, &
        \beta_h &= \frac{4}{1 + e^{(40 - v)/5}}, \\
        \alpha_n &= \frac{0.032 (15 - v)}{e^{(15 - v)/5} - 1}, &
        \beta_n &= 0.5\, e^{(10 - v)/40}.

    The three 0/0 points use :func:`hh_brainpy.kinetics.x_over_expm1`.  Every
    other argument is as for :class:`hh_brainpy.HH`.

    Examples
    --------
    >>> import brainpy as bp
    >>> import hh_brainpy as hb
    >>> neu = hb.models.TraubMilesHH(1, V_initializer=bp.init.Constant(-63.0))
    >>> runner = bp.DSRunner(neu, monitors=["spike"], inputs=("input", 5.0), dt=0.01, progress_bar=False)
    >>> _ = runner.run(20.0)
    >>> int(runner.mon["spike"].sum()) > 0
    True
    """

    def __init__(self, *args: Any, VT: float = -63.0, **kwargs: Any) -> None:
        self.VT = VT
        super().__init__(*args, **kwargs)


def portable_event_backend() -> str:
    """The brainevent CPU backend a COBAHH step uses: ``'jax_raw'`` without numba, else brainevent's own.

    Returns
    -------
    str

    Examples
    --------
    >>> from hh_brainpy.models.cobahh import portable_event_backend
    >>> isinstance(portable_event_backend(), str)
    True
    """
    if importlib.util.find_spec("numba") is None:
        return "jax_raw"
    return brainevent.config.get_backend("cpu") or "default (numba)"


@contextlib.contextmanager
def event_backend(name: str | None = None) -> Iterator[str]:
    """Within the block, brainevent's CPU backend is ``name`` (default :func:`portable_event_backend`).

    The previous backend is restored on exit, so the process's global setting
    is left as it was.  The backend matters when a step is traced (compiled),
    which is when ``COBAHH.update`` enters this block.

    Parameters
    ----------
    name : str, optional
        A brainevent CPU backend.

    Yields
    ------
    str
        The backend in force within the block.

    Examples
    --------
    >>> from hh_brainpy.models.cobahh import event_backend, portable_event_backend
    >>> with event_backend() as name:
    ...     name == portable_event_backend()
    True
    """
    name = portable_event_backend() if name is None else name
    previous = brainevent.config.get_backend("cpu")
    if name != "default (numba)" and name != previous:
        brainevent.config.set_backend("cpu", name)
    try:
        yield name
    finally:
        # An unset backend is not restored: JAX lowers the traced step after this block, and brainevent's
        # default CPU kernel (numba) cannot lower without numba.
        if brainevent.config.get_backend("cpu") != previous and previous is not None:
            brainevent.config.set_backend("cpu", previous)


_NEURON = dict(gNa=100.0, ENa=50.0, gK=30.0, EK=-90.0, gL=0.05, EL=-60.0, C=1.0, V_th=-20.0)
_AREA_NS = 0.005  # mS/cm^2 per nS on 20000 um^2


class COBAHH(bp.DynSysGroup):
    """The COBAHH network: ``num`` Traub-Miles HH neurons, 80 % excitatory, sparse COBA synapses.

    Parameters
    ----------
    num : int
        Number of neurons (default 4000, as in the benchmark).
    p : float
        Connection probability (default 0.02).  For a small network with the
        benchmark's in-degree, use ``p = 0.02 * 4000 / num``.
    exc_fraction : float
        Fraction of excitatory neurons (default 0.8).
    we, wi : float
        Excitatory and inhibitory weights, nS on 20000 um^2 (defaults 6 and 67).
    recurrent : bool
        Keep the recurrent connections (default True); False gives the same
        neurons and initial conductances with no connections.
    method : str
        Integration method (default ``'exp_auto'``, as Brian2's exponential Euler).
    seed : int
        Seed of the connectivity and the initial state (default 0).
    group : callable, optional
        ``group(n, V0) -> neuron group`` builds each of the E and I groups from
        its size and initial V (mV); default :class:`TraubMilesHH` with
        ``method``.  Another neuron model gets the same wiring this way.
    max_events : int
        Spikes each projection propagates a round (default 32; more are never
        dropped: see :func:`hh_brainpy.models.events.propagate_spikes`).
    event_backend_name : str, optional
        brainevent CPU backend while this network steps, for a ``group`` that
        uses brainevent (the projections do not; default: ``'jax_raw'`` without
        numba, brainevent's own otherwise).  It is set only while a step is
        traced and then restored.

    Raises
    ------
    ValueError
        Bad sizes, probabilities, weights or method (named).

    Notes
    -----
    Run it with a BrainPy runner at ``dt = 0.1`` ms (the benchmark's step)::

        net = COBAHH(4000)
        runner = bp.DSRunner(net, monitors={"E": net.E.spike, "I": net.I.spike}, dt=0.1)
        runner.run(1000.0)

    Examples
    --------
    A small network with the benchmark's in-degree (80 inputs a neuron), 20 ms:

    >>> import brainpy as bp
    >>> import hh_brainpy as hb
    >>> net = hb.models.COBAHH(200, p=0.4, seed=1)
    >>> runner = bp.DSRunner(net, monitors={"E": net.E.spike}, dt=0.1, progress_bar=False)
    >>> _ = runner.run(20.0)
    >>> runner.mon["E"].shape
    (200, 160)
    """

    def __init__(self, num: int = 4000, *, p: float = 0.02, exc_fraction: float = 0.8, we: float = 6.0,
                 wi: float = 67.0, recurrent: bool = True, method: str = "exp_auto", seed: int = 0,
                 max_events: int = 32, event_backend_name: str | None = None,
                 group: Callable[[int, np.ndarray], Any] | None = None) -> None:
        check_size(num)
        if not 0.0 < p <= 1.0:
            raise ValueError(f"p (connection probability) must lie in (0, 1], got {p}")
        if not 0.0 < exc_fraction < 1.0:
            raise ValueError(f"exc_fraction must lie in (0, 1), got {exc_fraction}")
        super().__init__()
        self.backend = portable_event_backend() if event_backend_name is None else event_backend_name
        rng = np.random.default_rng(seed)
        num_e = int(round(num * exc_fraction))
        num_i = num - num_e
        make = group if group is not None else partial(self._group, method=method)
        self.E = make(num_e, _NEURON["EL"] + rng.standard_normal(num_e) * 5.0 - 5.0)
        self.I = make(num_i, _NEURON["EL"] + rng.standard_normal(num_i) * 5.0 - 5.0)
        self.recurrent = recurrent
        weights = {"E": we * _AREA_NS if recurrent else 0.0, "I": wi * _AREA_NS if recurrent else 0.0}
        taus, revs = {"E": 5.0, "I": 10.0}, {"E": 0.0, "I": -80.0}
        for i, (pre_name, post_name) in enumerate([("E", "E"), ("E", "I"), ("I", "E"), ("I", "I")]):
            pre, post = getattr(self, pre_name), getattr(self, post_name)
            conn = bp.conn.FixedProb(p, pre=pre.num, post=post.num, seed=seed + 1 + i, allow_multi_conn=True)
            proj = bp.dyn.ProjAlignPostMg2(
                pre=pre, delay=None, comm=EventTargets(conn, weights[pre_name], max_events),
                syn=bp.dyn.Expon.desc(post.num, tau=taus[pre_name]),
                out=bp.dyn.COBA.desc(E=revs[pre_name]), post=post,
            )
            setattr(self, f"{pre_name}2{post_name}", proj)
        # Brian2's initial conductances (nS on 20000 um^2 -> mS/cm^2).
        for post_name in ("E", "I"):
            post = getattr(self, post_name)
            g_e = getattr(self, f"E2{post_name}").refs["syn"].g
            g_i = getattr(self, f"I2{post_name}").refs["syn"].g
            g_e.value = bm.asarray((rng.standard_normal(post.num) * 1.5 + 4.0) * 10.0 * _AREA_NS)
            g_i.value = bm.asarray((rng.standard_normal(post.num) * 12.0 + 20.0) * 10.0 * _AREA_NS)

    @staticmethod
    def _group(n: int, V0: np.ndarray, method: str) -> TraubMilesHH:
        return TraubMilesHH(n, method=method, init={"V": V0, "m": 0.0, "h": 0.0, "n": 0.0}, **_NEURON)

    def update(self) -> Any:
        """One step: synapses read last step's spikes, then both groups integrate."""
        with event_backend(self.backend):
            self.E2E()
            self.E2I()
            self.I2E()
            self.I2I()
            self.E()
            self.I()
            return self.E.spike.value
