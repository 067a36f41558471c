"""A subclass of hb.HH is the user's model: written as for bp.dyn.HH, it runs as written, on every method.

Each pattern is written once against a base class and run on ``bp.dyn.HH``, on ``hb.HH`` and on the
converged reference (``tests/converged.py``): what the user assigned must be what runs, and the result
must be at least as close to the converged run as BrainPy's.
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import kinetics as k
from hh_brainpy.models import WangBuzsakiHH
from hh_brainpy.neuron import StabilityWarning
from tests import programs as P
from tests.converged import converged

DT = 0.1


def _run(neu, duration=50.0, current=10.0, dt=DT, monitors=("V",)):
    runner = bp.DSRunner(neu, monitors=list(monitors), dt=dt, progress_bar=False)
    runner.run(inputs=np.full((round(duration / dt), neu.num), current))
    return {name: np.asarray(runner.mon[name]) for name in monitors}


def _three(make, **run_kwargs):
    """The pattern on bp.dyn.HH, on hb.HH and converged (each built from the same seed): V traces."""
    out = []
    for base in (bp.dyn.HH, hb.HH, converged(bp.dyn.HH)):
        bm.random.seed(0)
        out.append(_run(make(base), **run_kwargs)["V"])
    return out


def _closer(ours, theirs, best):
    """Assert ours is at least as close to best as theirs (largest |dV|, mV); return our spike-time error (ms)."""
    ours_error, theirs_error = np.max(np.abs(ours - best)), np.max(np.abs(theirs - best))
    assert ours_error <= theirs_error, (ours_error, theirs_error)
    return _spike_time_error(ours, best)


def _spike_time_error(ours, best, dt=DT):
    """Largest difference of the 0 mV crossing times (ms) of each neuron; inf if the counts differ."""
    worst = 0.0
    for a, b in zip(np.asarray(ours).reshape(len(ours), -1).T, np.asarray(best).reshape(len(best), -1).T,
                    strict=True):
        ta, tb = P.spike_times(a, dt), P.spike_times(b, dt)
        if len(ta) != len(tb):
            return np.inf
        worst = max(worst, float(np.max(np.abs(ta - tb))) if len(ta) else 0.0)
    return worst


def _assigned_after_super(base, form):
    class Assigned(base):
        def __init__(self, size, **kwargs):
            super().__init__(size, **kwargs)
            V0 = jnp.linspace(-75.0, -55.0, self.num)
            if form == "new variable":
                self.V = bm.Variable(V0)
                self.m = bm.Variable(jnp.full(self.num, 0.1))
            elif form == "slice":
                self.V[:] = V0
                self.m[:] = 0.1
            else:
                self.V.value = V0
                self.m.value = jnp.full(self.num, 0.1)

    return Assigned


@pytest.mark.parametrize("form", ["new variable", "slice", "value"])
def test_state_assigned_after_super_init_stands_in_every_form(form):
    """self.V = bm.Variable(...), self.V[:] = ... and self.V.value = ... after super().__init__() all stand."""
    made = []
    for base in (bp.dyn.HH, hb.HH):
        bm.random.seed(0)
        made.append(_assigned_after_super(base, form)(4))
    for name in ("V", "m", "h"):
        np.testing.assert_array_equal(np.asarray(getattr(made[0], name).value),
                                      np.asarray(getattr(made[1], name).value))
    theirs, ours, best = _three(lambda base: _assigned_after_super(base, form)(4))
    np.testing.assert_allclose(ours[0], best[0], atol=0.01)  # the first step starts from the assigned state
    _closer(ours, theirs, best)


def _with_bias(base):
    class Biased(base):
        """An added current: a constant bias in dV (uA/cm^2), as a user writes it."""

        def __init__(self, size, bias=3.0, **kwargs):
            super().__init__(size, V_initializer=bp.init.Constant(-65.0), **kwargs)
            self.bias = bias

        def dV(self, V, t, m, h, n, I):
            return super().dV(V, t, m, h, n, I + self.bias)

    return Biased


def _with_update(base):
    class Driven(base):
        """bp.dyn.HH's subclass idiom: update adds a drive, then calls the parent's update."""

        def update(self, x=None):
            return super().update((0.0 if x is None else x) + 4.0)

    return lambda size: Driven(size, V_initializer=bp.init.Constant(-65.0))


def _with_shifted_rate(base):
    class Shifted(base):
        """An overridden rate: sodium activation 5 mV to the left."""

        def m_alpha(self, V):
            return 1.0 / bm.exprel(-(V + 45.0) / 10.0)

        def m_inf(self, V):  # bp.dyn.HH's m_inf is a lambda over its own m_alpha; a user keeps it
            return self.m_alpha(V) / (self.m_alpha(V) + self.m_beta(V))

    return lambda size: Shifted(size, V_initializer=bp.init.Constant(-65.0))


@pytest.mark.parametrize("pattern", [_with_bias, _with_update, _with_shifted_rate])
def test_an_added_current_an_update_override_and_a_rate_override_take_effect(pattern):
    """Each override changes the run on hb.HH as on bp.dyn.HH, and hb.HH's run is the closer to converged."""
    theirs, ours, best = _three(lambda base: pattern(base)(2), current=6.0)
    plain = _run(hb.HH(2, V_initializer=bp.init.Constant(-65.0)), current=6.0)["V"]
    assert np.max(np.abs(ours - plain)) > 1.0  # the override matters
    assert _closer(ours, theirs, best) < 0.05  # ms


@pytest.mark.parametrize("method", ["rk4", "exp_auto", "euler", "rk2"])
def test_a_rate_override_is_used_by_every_named_method_as_brainpy_uses_it(method):
    """The shifted m_alpha on hb.HH with a named method gives bp.dyn.HH's run of the same subclass."""
    runs = []
    for base in (hb.HH, bp.dyn.HH):
        cls = type(_with_shifted_rate(base)(1))
        runs.append(_run(cls(1, method=method, V_initializer=bp.init.Constant(-65.0)), duration=20.0, dt=0.01,
                         current=6.0)["V"])
    np.testing.assert_allclose(runs[0], runs[1], atol=1e-8)


@pytest.mark.parametrize("method", ["rk3", "ssprk3", "rk4", "rk4_38rule"])
def test_a_named_method_of_three_or_more_stages_is_brainpys_on_the_default_and_on_a_subclass(method):
    """hb.HH's own equations (stepped on the stacked state) and a dV override each give bp.dyn.HH's run."""
    for make in (lambda base: base(2, method=method, V_initializer=bp.init.Constant(-65.0)),
                 lambda base: _with_bias(base)(2, method=method)):
        ours, theirs = (_run(make(base), duration=20.0, dt=0.01, current=6.0)["V"] for base in (hb.HH, bp.dyn.HH))
        assert np.ptp(ours) > 80.0  # it fires
        np.testing.assert_allclose(ours, theirs, atol=1e-8)
    biased = _run(_with_bias(hb.HH)(2, method=method), duration=20.0, dt=0.01, current=6.0)["V"]
    plain = _run(hb.HH(2, method=method, V_initializer=bp.init.Constant(-65.0)), duration=20.0, dt=0.01,
                 current=6.0)["V"]
    assert np.max(np.abs(biased - plain)) > 1.0  # the override runs


def _fast_rates(base):
    class Fast(P.GatesFromRates, base):
        """All six rates 20 times the 1952 ones: far stiffer than the default model."""

        def m_alpha(self, V):
            return 20.0 / bm.exprel(-(V + 40.0) / 10.0)

        def m_beta(self, V):
            return 80.0 * bm.exp(-(V + 65.0) / 18.0)

        def h_alpha(self, V):
            return 1.4 * bm.exp(-(V + 65.0) / 20.0)

        def h_beta(self, V):
            return 20.0 / (1.0 + bm.exp(-(V + 35.0) / 10.0))

        def n_alpha(self, V):
            return 2.0 / bm.exprel(-(V + 55.0) / 10.0)

        def n_beta(self, V):
            return 2.5 * bm.exp(-(V + 65.0) / 80.0)

    return lambda size: Fast(size, V_initializer=bp.init.Constant(-65.0))


def test_a_stiff_subclass_stays_finite_and_close_to_converged_at_brainpys_dt():
    """Rates x 20 at dt = 0.1 ms: the default method stays finite and as close as BrainPy's to converged."""
    theirs, ours, best = _three(lambda base: _fast_rates(base)(1), duration=30.0)
    assert np.all(np.isfinite(ours))
    _closer(ours, theirs, best)


def test_a_trainable_conductance_raised_after_construction_is_run_stably():
    """gNa = bm.TrainVar(120) set to 1000 before the run: the default method stays finite, as converged does."""
    neu = hb.HH(1, gNa=bm.TrainVar(bm.asarray([120.0])), V_initializer=bp.init.Constant(-65.0))
    neu.gNa.value = bm.asarray([1000.0])
    ours = _run(neu, duration=20.0)["V"]
    best = _run(converged(bp.dyn.HH)(1, gNa=1000.0, V_initializer=bp.init.Constant(-65.0)), duration=20.0)["V"]
    assert np.all(np.isfinite(best)) and np.all(np.isfinite(ours))
    assert abs(ours[-1, 0] - best[-1, 0]) < 1.0


def test_the_trajectory_is_smooth_in_the_parameters():
    """V(2 ms) against gNa near 120: finite differences of two step sizes agree (no jump in the scheme)."""

    def V_at_2ms(gNa):
        neu = hb.HH(1, gNa=gNa, V_initializer=bp.init.Constant(-65.0))
        return float(_run(neu, duration=2.0)["V"][-1, 0])

    wide = (V_at_2ms(120.01) - V_at_2ms(119.99)) / 0.02
    narrow = (V_at_2ms(120.0001) - V_at_2ms(119.9999)) / 0.0002
    assert narrow == pytest.approx(wide, rel=1e-3)


def test_a_reused_runner_reads_a_changed_subclass_attribute():
    """WangBuzsakiHH.phi changed between two runs of one HHRunner: the second run uses the new phi."""
    neu = WangBuzsakiHH(1, V_init=-65.0)
    runner = hb.HHRunner(neu, Iext=1.0, monitors=("V",))
    first = runner.run(50.0)
    neu.phi = 1.0
    neu.reset_state()
    runner.restart(1.0)
    second = runner.run(50.0)
    fresh_neu = WangBuzsakiHH(1, V_init=-65.0, phi=1.0)
    fresh = hb.HHRunner(fresh_neu, Iext=1.0, monitors=("V",)).run(50.0)
    assert not np.allclose(first.V, second.V)
    np.testing.assert_allclose(second.V, fresh.V, atol=1e-10)


def test_a_named_method_is_brainpys_at_every_dt():
    """method='exp_auto' equals bp.dyn.HH at dt 0.5 ms (no sub-steps); rk4 beyond its limit warns, unchanged."""
    ours = _run(hb.HH(2, method="exp_auto", V_initializer=bp.init.Constant(-65.0)), duration=100.0, dt=0.5)["V"]
    theirs = _run(bp.dyn.HH(2, V_initializer=bp.init.Constant(-65.0)), duration=100.0, dt=0.5)["V"]
    np.testing.assert_allclose(ours, theirs, atol=1e-9)
    with pytest.warns(StabilityWarning, match="dt = 0.2 ms is beyond the stability limit of method 'rk4'"):
        _run(hb.HH(1, method="rk4", V_initializer=bp.init.Constant(-65.0)), duration=1.0, dt=0.2)


def test_batching_and_training_modes_run_the_users_model():
    """BatchingMode and TrainingMode (BrainPy's docs): the subclass's override runs in each batch row."""
    cls = type(_with_shifted_rate(hb.HH)(1))
    for mode in (bm.BatchingMode(2), bm.TrainingMode(2)):
        with bm.environment(mode=mode):
            neu = cls(3, V_initializer=bp.init.Constant(-65.0))
        runner = bp.DSRunner(neu, monitors=["V"], dt=DT, progress_bar=False, data_first_axis="T")
        runner.run(inputs=np.full((200, 2, 3), 6.0))
        V = np.asarray(runner.mon["V"])
        best = _run(converged(type(_with_shifted_rate(bp.dyn.HH)(1)))(3, V_initializer=bp.init.Constant(-65.0)),
                    duration=20.0, current=6.0)["V"]
        assert V.shape == (200, 2, 3)
        assert _spike_time_error(V[:, 1], best) < 0.05


def test_state_hh_parameters_are_readable_and_writable():
    """hh_brainpy.state.HH: neu.gK reads as a quantity, and neu.gNa = 0 mS silences the neuron."""
    import brainstate
    import braintools

    from hh_brainpy.state import HH

    neu = HH(1, V_initializer=braintools.init.Constant(-65.0 * u.mV))
    brainstate.nn.init_all_states(neu)
    assert neu.gK == 36.0 * u.msiemens
    neu.gNa = 0.0 * u.msiemens
    with brainstate.environ.context(dt=0.01 * u.ms):
        spikes = brainstate.transform.for_loop(lambda i: neu(10.0 * u.uA), jnp.arange(2000))
    assert float((spikes > 0).sum()) == 0.0
    with pytest.raises(ValueError, match="gK must be a quantity in mS"):
        neu.gK = 3.0 * u.mV


def test_rates_in_kinetics_and_methods_agree_for_the_default_class():
    """hb.HH's six rate methods are kinetics' functions (the equations exist once)."""
    neu = hb.HH(1)
    V = jnp.linspace(-100.0, 50.0, 31)
    for name in k.RATE_NAMES:
        np.testing.assert_allclose(getattr(neu, name)(V), getattr(k, name)(V), rtol=1e-14)
