"""BrainPy programs that other people wrote, run once with BrainPy's HH and once with the one-line swap.

Each test rewrites the program's model and protocol in our own code (citing where it comes
from), runs it with BrainPy's class and with ``hb.HH`` (or a subclass of it), with the same
parameters, seed, start and method, and asserts the same spike raster.
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import kinetics as k
from hh_brainpy.models import WangBuzsakiHH
from hh_brainpy.models.cobahh import event_backend


def _gap_junction_program(neuron_cls, **kwargs):
    neu = neuron_cls(2, V_initializer=bp.init.Constant(-70.68), **kwargs)
    syn = bp.synapses.GapJunction(neu, neu, conn=bp.connect.All2All(include_self=False))
    net = bp.Network(syn=syn, neu=neu)
    runner = bp.DSRunner(net, monitors=["neu.V", "neu.spike"], inputs=("neu.input", 35.0), progress_bar=False)
    runner(10.0)
    return np.asarray(runner.mon["neu.V"]), np.asarray(runner.mon["neu.spike"])


def test_brainpys_gap_junction_test_gives_the_same_result_with_the_swap():
    """brainpy/BrainPy, brainpy/_src/dynold/synapses/tests/test_gap_junction.py: 2 HH, All2All gap junction.

    The program uses the legacy ``bp.neurons.HH`` (it has an ``input`` variable, which the gap
    junction writes) at BrainPy's default dt = 0.1 ms.  With BrainPy's method the swap gives the
    same trace; with hb.HH's default (rk4, 2 sub-steps) the same spikes, and it runs unchanged.
    """
    V_bp, spikes_bp = _gap_junction_program(bp.neurons.HH)
    V_hb, spikes_hb = _gap_junction_program(hb.HH, method="exp_auto")
    assert V_hb.shape == V_bp.shape == (100, 2)
    np.testing.assert_allclose(V_hb, V_bp, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(spikes_hb, spikes_bp)
    V_default, spikes_default = _gap_junction_program(hb.HH)
    assert V_default.shape == (100, 2) and np.all(np.isfinite(V_default))
    assert spikes_default.sum() == spikes_bp.sum() > 0


# Traub & Miles (1991) kinetics, as BrainPy's COBAHH example writes them for its HH (V_T = -63 mV).
def _tm_rates(V):
    v = V + 63.0
    return (1.28 * k.x_over_expm1((13.0 - v) / 4.0), 1.4 * k.x_over_expm1((v - 40.0) / 5.0),
            0.128 * jnp.exp((17.0 - v) / 18.0), 4.0 / (1.0 + jnp.exp((40.0 - v) / 5.0)),
            0.16 * k.x_over_expm1((15.0 - v) / 5.0), 0.5 * jnp.exp((10.0 - v) / 40.0))


class _TraubMilesRates:
    """The six Traub-Miles rates, 1/ms (a mixin: the subclass overrides only these)."""

    def m_alpha(self, V):
        return _tm_rates(V)[0]

    def m_beta(self, V):
        return _tm_rates(V)[1]

    def h_alpha(self, V):
        return _tm_rates(V)[2]

    def h_beta(self, V):
        return _tm_rates(V)[3]

    def n_alpha(self, V):
        return _tm_rates(V)[4]

    def n_beta(self, V):
        return _tm_rates(V)[5]


class _TraubMilesOnHB(_TraubMilesRates, hb.HH):
    """The swap: the same rates on hb.HH; steady states and the equations follow from them."""


class _TraubMilesOnBP(_TraubMilesRates, bp.dyn.HH):
    """On bp.dyn.HH, whose dm/dh/dn and x_inf are class lambdas over its own rates, those go too."""

    def m_inf(self, V):
        return self.m_alpha(V) / (self.m_alpha(V) + self.m_beta(V))

    def h_inf(self, V):
        return self.h_alpha(V) / (self.h_alpha(V) + self.h_beta(V))

    def n_inf(self, V):
        return self.n_alpha(V) / (self.n_alpha(V) + self.n_beta(V))

    def dm(self, m, t, V):
        return self.m_alpha(V) * (1 - m) - self.m_beta(V) * m

    def dh(self, h, t, V):
        return self.h_alpha(V) * (1 - h) - self.h_beta(V) * h

    def dn(self, n, t, V):
        return self.n_alpha(V) * (1 - n) - self.n_beta(V) * n


class _COBAHH(bp.DynSysGroup):
    """Brette et al. (2007) benchmark 3, as in brainpy/examples (Brette_2007_COBAHH): E/I HH with COBA synapses."""

    def __init__(self, neuron_cls, num=400, seed=1, **neuron_kwargs):
        super().__init__()
        n_e = int(num * 0.8)
        p = 0.02 * 4000 / num
        pars = dict(V_th=-20.0, gNa=100.0, gK=30.0, gL=0.05, ENa=50.0, EK=-90.0, EL=-60.0, C=1.0)
        bm.random.seed(seed)
        init = dict(V_initializer=bp.init.Normal(-60.0, 5.0), m_initializer=bp.init.Constant(0.0),
                    h_initializer=bp.init.Constant(0.0), n_initializer=bp.init.Constant(0.0))
        self.E = neuron_cls(n_e, **pars, **init, **neuron_kwargs)
        self.I = neuron_cls(num - n_e, **pars, **init, **neuron_kwargs)
        for pre, post, w, tau, E in [("E", "E", 0.03, 5.0, 0.0), ("E", "I", 0.03, 5.0, 0.0),
                                     ("I", "E", 0.335, 10.0, -80.0), ("I", "I", 0.335, 10.0, -80.0)]:
            a, b = getattr(self, pre), getattr(self, post)
            conn = bp.conn.FixedProb(p, pre=a.num, post=b.num, seed=seed + len(pre + post))
            setattr(self, pre + post, bp.dyn.ProjAlignPostMg2(
                pre=a, delay=None, comm=bp.dnn.EventCSRLinear(conn, w), syn=bp.dyn.Expon.desc(b.num, tau=tau),
                out=bp.dyn.COBA.desc(E=E), post=b))

    def update(self):
        with event_backend():  # the portable backend while this network is traced, restored after
            self.EE()
            self.EI()
            self.IE()
            self.II()
            self.E()
            self.I()


def _raster(net, duration=100.0):
    runner = bp.DSRunner(net, monitors={"E": net.E.spike, "I": net.I.spike}, dt=0.1, progress_bar=False)
    runner.run(duration)
    return np.concatenate([np.asarray(runner.mon["E"]), np.asarray(runner.mon["I"])], axis=1)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_cobahh_network_gives_the_same_raster_with_the_swap():
    """brainpy/examples, Brette_2007_COBAHH: the same Traub-Miles network on bp.dyn.HH and on hb.HH.

    400 neurons (in-degree as for 4000), 100 ms at dt = 0.1 ms, exponential Euler, the same seed:
    the same spikes at the same steps.
    """
    ours = _raster(_COBAHH(_TraubMilesOnHB, method="exp_auto"))
    theirs = _raster(_COBAHH(_TraubMilesOnBP, method="exp_auto"))
    assert theirs.sum() > 100
    np.testing.assert_array_equal(ours, theirs)


class _GABAAllToAll(bp.DynamicalSystem):
    """Wang & Buzsaki's synapse: s' = alpha F(V_pre)(1 - s) - beta s, F = 1/(1 + e^{-V_pre/2}), all to all.

    I_syn,i = -(g_syn / N) sum_j s_j (V_i - E_syn); s is advanced exactly for F frozen over a step.
    """

    def __init__(self, pop, g=0.1, E=-75.0, alpha=12.0, beta=0.1):
        super().__init__()
        self.pop, self.g, self.E, self.alpha, self.beta = pop, g, E, alpha, beta
        self.s = bm.Variable(jnp.zeros(pop.num))
        pop.add_inp_fun("gaba", lambda V: -self.g * jnp.mean(self.s.value) * (V - self.E))

    def update(self):
        a = self.alpha / (1.0 + jnp.exp(-self.pop.V.value / 2.0))
        s_inf, rate = a / (a + self.beta), a + self.beta
        self.s.value = s_inf + (self.s.value - s_inf) * jnp.exp(-bp.share.load("dt") * rate)


class _InterneuronNetwork(bp.DynSysGroup):
    def __init__(self, n=100, I_app=1.0, seed=0):
        super().__init__()
        V0 = np.random.default_rng(seed).uniform(-70.0, -50.0, n)
        self.neu = WangBuzsakiHH(n, V_initializer=bm.asarray(V0))
        self.syn = _GABAAllToAll(self.neu)
        self.I_app = I_app

    def update(self):
        self.syn()
        self.neu(self.I_app)


def test_wang_buzsaki_interneurons_synchronise_in_the_gamma_band():
    """Wang & Buzsaki (1996), Fig. 1-2: 100 WB cells, all-to-all GABA_A (g 0.1, E -75, 1/beta 10 ms), I = 1.

    From random V in [-70, -50] mV the network synchronises: after 100 ms more than 90 % of spikes
    fall in population bursts, which recur at a gamma frequency (30-90 Hz).
    """
    net = _InterneuronNetwork()
    runner = bp.DSRunner(net, monitors={"spike": net.neu.spike}, dt=0.05, progress_bar=False)
    runner.run(500.0)
    per_ms = np.asarray(runner.mon["spike"]).reshape(-1, 20, 100).sum(axis=(1, 2))[100:]  # 1 ms bins
    bursts = np.flatnonzero(per_ms >= 10)
    starts = bursts[np.diff(bursts, prepend=-10) > 3]
    frequency = 1000.0 / np.mean(np.diff(starts))
    in_bursts = sum(per_ms[max(0, s - 2):s + 4].sum() for s in starts) / per_ms.sum()
    assert 30.0 <= frequency <= 90.0
    assert in_bursts > 0.9
