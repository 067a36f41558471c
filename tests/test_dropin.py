"""hb.HH as a one-line swap for bp.dyn.HH: its constructor, its programs, its subclassing pattern."""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import kinetics as k
from hh_brainpy.finite_watch import NonFiniteWarning
from hh_brainpy.models import WangBuzsakiHH


def _run(model, duration, dt=0.1, current=None, monitors=("V", "m", "h", "n", "spike")):
    runner = bp.DSRunner(model, monitors=list(monitors), dt=dt, progress_bar=False)
    steps = round(duration / dt)
    if current is None:
        runner.run(duration)
    else:
        runner.run(inputs=np.full((steps, *model.varshape), current))
    return {name: np.asarray(runner.mon[name]) for name in monitors}


def test_bp_dyn_hh_positional_order_and_keywords_are_accepted():
    """bp.dyn.HH's signature (size, sharding, keep_size, mode, name, method, init_var, ENa, gNa, ...) works as is."""
    neu = hb.HH(4, None, False, None, "swap", "exp_auto", True, 50.0, 120.0, -77.0, 36.0, -54.387, 0.03, 20.0, 1.0,
                bp.init.Uniform(-70.0, -60.0), None, None, None, None)
    assert neu.name == "swap" and neu.method == "exp_auto" and float(neu.gK) == 36.0
    neu2 = hb.HH(3, V_initializer=bp.init.Constant(-65.0), m_initializer=bp.init.Constant(0.05),
                 h_initializer=bp.init.Constant(0.6), n_initializer=bp.init.Constant(0.32), input_var=False)
    np.testing.assert_allclose(np.asarray(neu2.m.value), 0.05)
    assert not hasattr(neu2, "input")
    lazy = hb.HH(2, init_var=False)
    assert "V" not in lazy.__dict__
    lazy.reset_state()
    assert lazy.V.shape == (2,)


def test_same_method_and_start_reproduce_bp_dyn_hh():
    """With exp_auto and the same random start (bm.random seed), the swap gives BrainPy's trace to round-off.

    Program: BrainPy's own HH test (brainpy/BrainPy, brainpy/_src/dyn/neurons/hh_test.py, ``test_HH``),
    with a current added so that it spikes and values, not only shapes, are compared.
    """
    out = {}
    for cls in (bp.dyn.HH, hb.HH):
        bm.random.seed(42)
        model = cls(10, method="exp_auto", V_initializer=bp.init.Uniform(-70.0, -60.0))
        out[cls] = _run(model, 100.0, current=10.0)
    for name in ("V", "m", "h", "n"):
        np.testing.assert_allclose(out[hb.HH][name], out[bp.dyn.HH][name], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(out[hb.HH]["spike"], out[bp.dyn.HH]["spike"])
    assert out[hb.HH]["spike"].sum() > 10


@pytest.mark.parametrize("mode", [bm.nonbatching_mode, bm.batching_mode])
def test_brainpys_hh_test_runs_unchanged_on_the_swap(mode):
    """BrainPy's HH tests (brainpy/_src/dyn/neurons/hh_test.py: test_HH, test_HH_batching_mode), default dt 0.1."""
    size = 1 if mode is bm.nonbatching_mode else 10
    model = hb.HH(size=size, mode=mode)
    runner = bp.DSRunner(model, monitors=["V", "m", "n", "h", "spike"], progress_bar=False)
    runner.run(10.0)
    expected = (100, 1) if mode is bm.nonbatching_mode else (1, 100, 10)
    for name in ("V", "m", "n", "h", "spike"):
        assert runner.mon[name].shape == expected
    assert np.all(np.isfinite(runner.mon["V"]))


def test_noise_goes_through_sdeint_as_in_bp_dyn_hh():
    """noise=... integrates the SDE with BrainPy's exp_auto, like bp.dyn.HH, from the same seed."""
    out = {}
    for cls in (bp.dyn.HH, hb.HH):
        bm.random.seed(7)
        model = cls(5, noise=1.0, V_initializer=bp.init.Constant(-65.0))
        bm.random.seed(8)
        out[cls] = _run(model, 20.0, current=10.0, monitors=("V",))["V"]
    np.testing.assert_allclose(out[hb.HH], out[bp.dyn.HH], rtol=0, atol=1e-6)
    assert np.std(out[hb.HH][-1]) > 0  # the neurons received different noise
    with pytest.raises(ValueError, match="noise needs a stochastic method"):
        hb.HH(1, noise=1.0, method="rk4")


class _ShiftedHH(hb.HH):
    """A BrainPy-style subclass whose rates read an attribute: set before super().__init__(), as bp.dyn.HH needs."""

    def __init__(self, size, shift=5.0, **kwargs):
        self.shift = shift
        super().__init__(size, **kwargs)

    def m_alpha(self, V):
        return k.m_alpha(V - self.shift)

    def m_beta(self, V):
        return k.m_beta(V - self.shift)


class _ShiftedLate(_ShiftedHH):
    """The same rates, the attribute set only after super().__init__() (bp.dyn.HH fails here too)."""

    def __init__(self, size, shift=5.0, **kwargs):
        hb.HH.__init__(self, size, **kwargs)
        self.shift = shift


def test_rates_may_read_attributes_set_before_super_init_or_after_with_init_var_false():
    """The steady-state start uses the subclass's rates; an attribute set too late is named, with the remedy."""
    neu = _ShiftedHH(1, shift=5.0, V_init=-65.0)
    np.testing.assert_allclose(np.asarray(neu.m.value), k.m_inf(-65.0 - 5.0), rtol=1e-12)
    assert np.all(np.isfinite(_run(neu, 5.0, dt=0.01, monitors=("V",))["V"]))
    lazy = _ShiftedHH(1, shift=None, V_init=-65.0, init_var=False)
    lazy.shift = 5.0
    lazy.reset_state()
    np.testing.assert_allclose(np.asarray(lazy.m.value), k.m_inf(-65.0 - 5.0), rtol=1e-12)
    with pytest.raises(AttributeError, match=r"before calling super\(\)\.__init__\(\).*init_var=False"):
        _ShiftedLate(1, shift=5.0, V_init=-65.0)  # bp.dyn.HH raises here too (without the advice)


def test_wang_buzsaki_rates_follow_the_paper_and_m_is_instantaneous():
    """WB 1996 rates at the paper's formulas; m = m_inf(V) at every step; it fires at 1 uA/cm^2."""
    V = np.linspace(-90.0, 30.0, 13)
    neu = WangBuzsakiHH(1)
    np.testing.assert_allclose(neu.n_alpha(V), 5 * 0.01 * (V + 34) / (1 - np.exp(-0.1 * (V + 34))), rtol=1e-10)
    np.testing.assert_allclose(neu.h_beta(V), 5 / (1 + np.exp(-0.1 * (V + 28))), rtol=1e-12)
    bp_wb = bp.dyn.WangBuzsakiHH(1)
    np.testing.assert_allclose(neu.m_inf(V), bp_wb.m_inf(V), rtol=1e-10)
    out = _run(neu, 100.0, dt=0.01, current=1.0)
    np.testing.assert_allclose(out["m"][:, 0], np.asarray(neu.m_inf(out["V"][:, 0])), rtol=1e-10)
    assert 2 <= out["spike"].sum() <= 20


def test_the_nan_check_works_under_dsrunner_and_names_neuron_and_time():
    """check_finite=True stops a BrainPy run at the step V became non-finite, naming the neuron."""
    neu = hb.HH(3, check_finite=True, method="exp_auto")
    current = np.zeros((20, 3))
    current[5:, 2] = np.inf
    runner = bp.DSRunner(neu, monitors=["V"], dt=0.1, progress_bar=False)
    with pytest.raises(Exception, match=r"non-finite at t = 0\.[5-9].* \(neuron 2\)"):
        runner.run(inputs=current)
    quiet = hb.HH(3, method="exp_auto")  # off by default: one warning naming the neuron and time
    with pytest.warns(NonFiniteWarning, match=r"non-finite at t = 0\.[5-9].* \(neuron 2\)"):
        bp.DSRunner(quiet, monitors=["V"], dt=0.1, progress_bar=False).run(inputs=current)


def test_exponential_methods_say_their_own_limit():
    """The refusal for exp_auto names its tested step, not 'diverges from None' or 'use exp_auto'."""
    with pytest.raises(ValueError, match="largest step tested for method 'exp_auto'") as info:
        hb.simulate(10.0, dt=0.5, method="exp_auto")
    assert "None" not in str(info.value) and "such as 'exp_auto'" not in str(info.value)


def test_parameters_may_be_trainable_variables():
    """gK as a bm.TrainVar: runs under DSRunner and HHRunner, and bm.grad matches a central difference."""
    trained = hb.HH(3, gK=bm.TrainVar(bm.ones(3) * 36.0), method="exp_auto", V_init=-65.0)
    plain = hb.HH(3, method="exp_auto", V_init=-65.0)
    np.testing.assert_allclose(_run(trained, 20.0, current=10.0)["V"], _run(plain, 20.0, current=10.0)["V"],
                               rtol=0, atol=1e-10)
    assert hb.HHRunner(hb.HH(1, gK=bm.TrainVar(bm.asarray([30.0]))), Iext=10.0).run(5.0).params["gK"] == [30.0]

    def final_V(gK):
        neu = hb.HH(1, gK=bm.TrainVar(bm.asarray([gK])), method="exp_auto", V_init=-65.0)

        def loss():
            bp.share.save(t=0.0, dt=0.1, i=0)
            for _ in range(10):
                neu.update(10.0)
            return neu.V.value.sum()

        return neu, loss

    neu, loss = final_V(36.0)
    grad = float(bm.grad(loss, grad_vars={"gK": neu.gK})()["gK"][0])
    fd = (float(final_V(36.01)[1]()) - float(final_V(35.99)[1]())) / 0.02
    assert grad == pytest.approx(fd, rel=1e-4)
