"""BrainPy programs that other people wrote, run with BrainPy's HH, with the one-line swap, and converged.

Each program (``tests/programs.py``, our own code, sources cited) runs unchanged with BrainPy's class,
with ``hb.HH`` (or the same user subclass on ``hb.HH``) and with the converged reference of
``tests/converged.py`` (BrainPy's class, rk4 in sub-steps of <= 2.5 us).  Values that do not depend on
the integrator (draws, shapes, parameters) must equal BrainPy's; the others must be at least as close to
the converged reference as BrainPy's are.
"""

from __future__ import annotations

from functools import partial

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import kinetics as k
from hh_brainpy.models.cobahh import event_backend
from tests import programs as P
from tests.converged import LegacyInputHH, converged


def _error(ours, reference):
    """Largest absolute difference, mV."""
    return float(np.max(np.abs(np.asarray(ours) - np.asarray(reference))))


def _times_error(ours, reference):
    """Largest spike-time difference (ms), or inf when the counts differ."""
    if len(ours) != len(reference):
        return np.inf
    return float(np.max(np.abs(np.asarray(ours) - np.asarray(reference)))) if len(ours) else 0.0


def test_brainpys_gap_junction_test_gives_the_same_result_with_the_swap():
    """brainpy/BrainPy, dynold/synapses/tests/test_gap_junction.py: with BrainPy's method the swap is BrainPy.

    With exp_auto named the trace equals legacy ``bp.neurons.HH``'s; with hb.HH's default it runs unchanged
    and is at least as close to the converged reference as BrainPy's.
    """
    theirs = P.gap_junction_test(bp.neurons.HH)
    named = P.gap_junction_test(partial(hb.HH, method="exp_auto"))
    np.testing.assert_allclose(named["V"], theirs["V"], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(named["spike"], theirs["spike"])
    ours = P.gap_junction_test(hb.HH)
    best = P.gap_junction_test(converged(LegacyInputHH))
    assert ours["V"].shape == theirs["V"].shape == (100, 2)
    assert _error(ours["V"], best["V"]) <= _error(theirs["V"], best["V"])
    assert ours["spike"].sum() == best["spike"].sum() > 0


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


class _TraubMilesOnBP(P.GatesFromRates, _TraubMilesRates, bp.dyn.HH):
    """On bp.dyn.HH, whose dm/dh/dn and x_inf are class lambdas over its own rates, those go too."""


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



@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_cobahh_network_with_the_default_method_starts_as_the_converged_reference():
    """Brette_2007_COBAHH with hb.HH's default: BrainPy's initial draws; the first volley as converged.

    The network is chaotic: perturbations of 1e-3 mV change its rate over 100 ms by 15-40 % (measured:
    converged 885 spikes at 5, 2.5 and 1.25 us sub-steps; etdrk4 1225 at 0.1 ms and 750 at 0.025 ms;
    BrainPy's exponential Euler 975), so only the first volley (10 ms) is compared.
    """
    nets = {name: _COBAHH(cls) for name, cls in [("bp", _TraubMilesOnBP), ("hb", _TraubMilesOnHB),
                                                 ("best", converged(_TraubMilesOnBP))]}
    np.testing.assert_array_equal(np.asarray(nets["hb"].E.V.value), np.asarray(nets["bp"].E.V.value))
    rasters = {name: _raster(net, duration=10.0) for name, net in nets.items()}
    first = {name: int(np.flatnonzero(r.any(axis=1))[0]) for name, r in rasters.items()}
    assert first["hb"] == first["best"]
    counts = {name: int(r.sum()) for name, r in rasters.items()}
    assert abs(counts["hb"] - counts["best"]) <= abs(counts["bp"] - counts["best"])


def test_the_ramp_tutorial_draws_the_same_start_and_is_closer_to_converged():
    """BrainPy's HH docstring: bp.inputs.ramp_input(4, 40, 700, 100, 600) at dt 0.1 ms, V from bm.random."""
    theirs, ours, best = (P.ramp_tutorial(cls) for cls in (bp.dyn.HH, hb.HH, converged(bp.dyn.HH)))
    np.testing.assert_array_equal(ours["V0"], theirs["V0"])
    assert _times_error(ours["spikes"], best["spikes"]) < 0.1  # measured 0.055 ms over 45 spikes
    assert _times_error(ours["spikes"], best["spikes"]) <= _times_error(theirs["spikes"], best["spikes"])


def test_the_fi_tutorial_counts_the_converged_spikes():
    """BrainPy's F-I tutorial (one neuron per current, V from bm.random): the same draws, the converged counts."""
    theirs, ours, best = (P.fi_curve_tutorial(cls) for cls in (bp.dyn.HH, hb.HH, converged(bp.dyn.HH)))
    np.testing.assert_array_equal(ours["V0"], theirs["V0"])
    np.testing.assert_array_equal(ours["counts"], best["counts"])
    assert np.abs(theirs["counts"] - best["counts"]).sum() > 0  # BrainPy's exp_auto loses spikes here


def test_a_users_wang_buzsaki_subclass_runs_unchanged_on_hb_and_counts_the_converged_spikes():
    """Wang & Buzsaki (1996) written against bp.dyn.HH (rates, dV with m_inf, dh/dn with phi set after
    super().__init__()), 100 cells, all-to-all GABA_A, 300 ms at dt 0.05 ms: swap the base class only."""
    counts = {name: P.wang_buzsaki_network(cell)["raster"].sum() for name, cell in [
        ("bp", P.wang_buzsaki_cell(bp.dyn.HH)), ("hb", P.wang_buzsaki_cell(hb.HH)),
        ("best", converged(P.wang_buzsaki_cell(bp.dyn.HH)))]}
    assert abs(counts["hb"] - counts["best"]) <= 0.005 * counts["best"]
    assert abs(counts["hb"] - counts["best"]) < abs(counts["bp"] - counts["best"])


def test_strong_conductance_input_stays_finite_and_converged():
    """20 Poisson inputs at 200 Hz through COBA inhibition (E = -80 mV, w = 1): V follows the converged run.

    The conductance enters the default method's exactly integrated linear part, so V stays finite and
    within 0.01 mV of the converged run; BrainPy's exponential Euler, with the input frozen at the step's
    start, overshoots.
    """
    theirs, ours, best = (P.strong_inhibition(cls)["V"] for cls in (bp.dyn.HH, hb.HH, converged(bp.dyn.HH)))
    assert np.all(np.isfinite(ours))
    assert _error(ours, best) < 0.01
    assert _error(ours, best) <= _error(theirs, best)


def test_the_gradient_through_a_run_matches_the_converged_finite_difference():
    """d(mean V over 20 ms)/d(Iext) by bm.grad through hb.HH at dt 0.1 ms, against the converged run's FD."""

    def mean_V(cls, current):
        neu = cls(1, V_initializer=bp.init.Constant(-65.0))

        def loss(I):
            neu.reset_state()  # every evaluation starts at -65 mV

            def body(i):
                bp.share.save(t=i * 0.1, dt=0.1, i=i)
                neu.update(I)
                return neu.V.value

            return jnp.mean(bm.for_loop(body, jnp.arange(200)))

        return loss(current), loss

    best_cls = converged(bp.dyn.HH)
    fd = (float(mean_V(best_cls, 10.001)[0]) - float(mean_V(best_cls, 9.999)[0])) / 0.002
    grads = {}
    for name, cls in (("hb", hb.HH), ("bp", bp.dyn.HH)):
        _, loss = mean_V(cls, 10.0)
        grads[name] = float(bm.grad(loss)(jnp.asarray(10.0)))
    assert abs(grads["hb"] - fd) < 0.01 * abs(fd)
    assert abs(grads["hb"] - fd) < abs(grads["bp"] - fd)


@pytest.mark.slow
def test_brainpys_slow_point_finder_runs_on_hb_hh():
    """brainpy/BrainPy, analysis/highdim/slow_points_test.py with the swap hb.HH(1): the same protocol runs.

    Its candidates are uniform in [0, 1) for every variable (V too); BFGS keeps the ones that converge.
    The fixed points found lie at the resting state (the zero of the steady-state current), to 1 mV.
    """
    hh = hb.HH(1)
    finder = bp.analysis.SlowPointFinder(f_cell=hh, excluded_vars=[hh.input, hh.spike])
    rng = bm.random.RandomState(123)
    with pytest.raises(ValueError):
        finder.find_fps_with_opt_solver(rng.random((100, 4)))
    finder.find_fps_with_opt_solver({name: rng.random((100, 1)) for name in ("V", "m", "h", "n")})
    assert np.all(np.isfinite(np.asarray(finder.losses)))
    rest = hb.excitability.fixed_point(0.0)[0]
    V = np.asarray(finder.fixed_points["V"]).ravel()
    assert np.all(np.abs(V - rest) < 1.0)
