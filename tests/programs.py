"""BrainPy programs that other people wrote, rewritten in our own code, each run with a neuron class given.

Every program takes the neuron class (``bp.dyn.HH``, ``hb.HH``, or the converged reference of
``tests.converged``) and returns plain NumPy results.  The programs themselves are unchanged between the
classes: the one-line swap.  Sources are cited in each docstring.
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np


def spike_times(V, dt, threshold=0.0, t0=None):
    """Upward crossings of ``threshold`` (ms) in a trace sampled after each step (``V[i]`` at ``(i + 1) dt``)."""
    V = np.asarray(V)
    ts = (np.arange(V.shape[0]) + 1) * dt if t0 is None else t0 + np.arange(V.shape[0]) * dt
    up = np.flatnonzero((V[:-1] < threshold) & (V[1:] >= threshold))
    return ts[up] + dt * (threshold - V[up]) / (V[up + 1] - V[up])


def ramp_tutorial(cls, seed=0):
    """BrainPy's HH docstring and neuron tutorial: one HH, a current ramp from 4 to 40 uA/cm^2, dt 0.1 ms.

    ``bp.inputs.ramp_input(4, 40, 700, 100, 600)``: 700 ms, ramping between 100 and 600 ms.
    Returns the initial V and the spike times (0 mV).
    """
    bm.random.seed(seed)
    neu = cls(1)
    V0 = np.asarray(neu.V.value).copy()
    inputs = bp.inputs.ramp_input(4, 40, 700, 100, 600)
    runner = bp.DSRunner(neu, monitors=["V"], progress_bar=False)
    runner.run(inputs=inputs)
    return {"V0": V0, "spikes": spike_times(np.asarray(runner.mon["V"])[:, 0], bm.get_dt())}


def fi_curve_tutorial(cls, currents=(0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0), duration=500.0, seed=0):
    """BrainPy's F-I tutorial (one neuron per current, constant input, default dt 0.1 ms, V from bm.random).

    Returns the initial V of each neuron and its spike count (0 mV crossings).
    """
    bm.random.seed(seed)
    neu = cls(len(currents))
    V0 = np.asarray(neu.V.value).copy()
    runner = bp.DSRunner(neu, monitors=["V"], progress_bar=False)
    steps = round(duration / bm.get_dt())
    runner.run(inputs=np.broadcast_to(np.asarray(currents), (steps, len(currents))))
    V = np.asarray(runner.mon["V"])
    return {"V0": V0, "counts": np.array([len(spike_times(V[:, i], bm.get_dt())) for i in range(V.shape[1])])}


def gap_junction_test(cls):
    """brainpy/BrainPy, brainpy/_src/dynold/synapses/tests/test_gap_junction.py: 2 HH, All2All gap junction.

    The legacy ``bp.neurons.HH`` (with an ``input`` variable, which the gap junction writes), V at -70.68 mV,
    input 35 uA/cm^2 through ``neu.input``, 10 ms at dt = 0.1 ms.
    """
    neu = cls(2, V_initializer=bp.init.Constant(-70.68))
    syn = bp.synapses.GapJunction(neu, neu, conn=bp.connect.All2All(include_self=False))
    net = bp.Network(syn=syn, neu=neu)
    runner = bp.DSRunner(net, monitors=["neu.V", "neu.spike"], inputs=("neu.input", 35.0), progress_bar=False)
    runner(10.0)
    return {"V": np.asarray(runner.mon["neu.V"]), "spike": np.asarray(runner.mon["neu.spike"])}


class SteadyStatesFromRates:
    """What a bp.dyn.HH user writes when overriding the rates: bp.dyn.HH's x_inf are lambdas over its own."""

    def m_inf(self, V):
        return self.m_alpha(V) / (self.m_alpha(V) + self.m_beta(V))

    def h_inf(self, V):
        return self.h_alpha(V) / (self.h_alpha(V) + self.h_beta(V))

    def n_inf(self, V):
        return self.n_alpha(V) / (self.n_alpha(V) + self.n_beta(V))


class GatesFromRates(SteadyStatesFromRates):
    """The same for the gate equations dm, dh, dn (bp.dyn.HH's are lambdas over its own rates)."""

    def dm(self, m, t, V):
        return self.m_alpha(V) * (1 - m) - self.m_beta(V) * m

    def dh(self, h, t, V):
        return self.h_alpha(V) * (1 - h) - self.h_beta(V) * h

    def dn(self, n, t, V):
        return self.n_alpha(V) * (1 - n) - self.n_beta(V) * n


def wang_buzsaki_cell(base):
    """A user's Wang & Buzsaki (1996) cell, written as a subclass of ``base`` in bp.dyn.HH's style.

    Overrides the six rates, the steady states, the gate equations (with phi, an attribute assigned
    after ``super().__init__()``) and dV (instantaneous sodium activation).
    """

    class WangBuzsaki(SteadyStatesFromRates, base):
        def __init__(self, size, phi=5.0, **kwargs):
            super().__init__(size, ENa=55.0, gNa=35.0, EK=-90.0, gK=9.0, EL=-65.0, gL=0.1, V_th=0.0, **kwargs)
            self.phi = phi

        def m_alpha(self, V):
            return 1.0 / bm.exprel(-0.1 * (V + 35.0))

        def m_beta(self, V):
            return 4.0 * bm.exp(-(V + 60.0) / 18.0)

        def h_alpha(self, V):
            return 0.07 * bm.exp(-(V + 58.0) / 20.0)

        def h_beta(self, V):
            return 1.0 / (bm.exp(-0.1 * (V + 28.0)) + 1.0)

        def n_alpha(self, V):
            return 0.1 / bm.exprel(-0.1 * (V + 34.0))

        def n_beta(self, V):
            return 0.125 * bm.exp(-(V + 44.0) / 80.0)

        def dm(self, m, t, V):
            return jnp.zeros_like(m)

        def dh(self, h, t, V):
            return self.phi * (self.h_alpha(V) * (1.0 - h) - self.h_beta(V) * h)

        def dn(self, n, t, V):
            return self.phi * (self.n_alpha(V) * (1.0 - n) - self.n_beta(V) * n)

        def dV(self, V, t, m, h, n, I):
            I_Na = self.gNa * self.m_inf(V) ** 3 * h * (V - self.ENa)
            I_K = self.gK * n ** 4 * (V - self.EK)
            I_L = self.gL * (V - self.EL)
            return (I - I_Na - I_K - I_L) / self.C

    return WangBuzsaki


class _GABAAllToAll(bp.DynamicalSystem):
    """Wang & Buzsaki's synapse: s' = alpha F(V_pre)(1 - s) - beta s, F = 1/(1 + e^{-V_pre/2}), all to all.

    I_syn,i = -(g_syn / N) sum_j s_j (V_i - E_syn), registered with ``add_inp_fun``; s is advanced
    exactly for F frozen over a step.
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


def wang_buzsaki_network(cell, n=100, I_app=1.0, duration=300.0, dt=0.05, seed=0):
    """Wang & Buzsaki (1996), Fig. 1-2: n cells, all-to-all GABA_A (g 0.1, E -75 mV, 1/beta 10 ms), I = 1.

    V from Uniform(-70, -50) through ``bm.random`` (V_initializer), gates at steady state.  Returns the
    spike raster (steps x neurons).
    """
    bm.random.seed(seed)

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.neu = cell(n, V_initializer=bp.init.Uniform(-70.0, -50.0))
            self.syn = _GABAAllToAll(self.neu)

        def update(self):
            self.syn()
            self.neu(I_app)

    net = Net()
    runner = bp.DSRunner(net, monitors={"spike": net.neu.spike}, dt=dt, progress_bar=False)
    runner.run(duration)
    return {"raster": np.asarray(runner.mon["spike"])}


def strong_inhibition(cls, duration=100.0, seed=0):
    """20 Poisson inputs at 200 Hz onto one HH through COBA inhibition (E = -80 mV, weight 1.0 mS/cm^2, tau 5 ms).

    BrainPy's projection idiom (``ProjAlignPostMg2``, ``Expon``, ``COBA``) at dt 0.1 ms.  Returns V.
    """
    bm.random.seed(seed)

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.pre = bp.dyn.PoissonGroup(20, freqs=200.0)
            self.post = cls(1)
            self.proj = bp.dyn.ProjAlignPostMg2(
                pre=self.pre, delay=None, comm=bp.dnn.AllToAll(20, 1, 1.0),
                syn=bp.dyn.Expon.desc(1, tau=5.0), out=bp.dyn.COBA.desc(E=-80.0), post=self.post)

        def update(self):
            self.proj()
            self.pre()
            self.post()

    net = Net()
    runner = bp.DSRunner(net, monitors={"V": net.post.V}, dt=0.1, progress_bar=False)
    runner.run(duration)
    return {"V": np.asarray(runner.mon["V"])[:, 0]}
