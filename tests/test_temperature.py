"""Temperature: every rate scaled by q10 = 3 from 6.3 deg C, as in NEURON's hh.mod."""

from __future__ import annotations

import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import kinetics as k
from tests import reference as ref
from tests.stability import breaks_down


def test_the_factor_is_one_at_6_3_and_triples_every_10_degrees():
    assert float(k.temperature_factor(6.3)) == 1.0
    assert float(k.temperature_factor(16.3)) == pytest.approx(3.0, rel=1e-14)
    assert float(k.temperature_factor(-3.7)) == pytest.approx(1 / 3, rel=1e-14)


def test_the_default_temperature_leaves_the_model_unchanged():
    y = (-60.0, 0.1, 0.5, 0.4, 0.0)
    assert [float(x) for x in hb.integral(*y)] == [float(x) for x in hb.integral(*y, temperature=6.3)]
    a = hb.simulate(20.0)
    b = hb.simulate(20.0, temperature=6.3)
    np.testing.assert_array_equal(a.V, b.V)


def test_warmer_neurons_have_faster_gates_but_the_same_steady_states():
    V = np.linspace(-90, 30, 13)
    for T in (6.3, 20.0, 37.0):
        phi = float(k.temperature_factor(T))
        for gate, x in (("m", 0.2), ("h", 0.6), ("n", 0.3)):
            d = getattr(hb.integrator, f"d{gate}")
            np.testing.assert_allclose(d(x, 0.0, V, temperature=T), phi * d(x, 0.0, V), rtol=1e-13)
            # the gate is at rest where alpha (1 - x) = beta x, whatever the temperature
            x_inf = getattr(k, f"{gate}_inf")(V)
            np.testing.assert_allclose(d(x_inf, 0.0, V, temperature=T), 0.0, atol=1e-12)


@pytest.mark.parametrize("celsius", [15.0, 22.0])  # at Iext = 10 the model stops firing near 25 deg C
def test_spike_times_at_higher_temperature_match_the_reference(celsius):
    ref_spikes = ref.solve(ref.steady_state_at(), 50.0, celsius=celsius)["spikes"]
    ours = hb.simulate(50.0, temperature=celsius).spike_times(0.0)[0]
    assert len(ours) == len(ref_spikes) > 5
    assert np.max(np.abs(ours - ref_spikes)) < 1e-4


def test_hh_group_and_integrate_take_the_temperature_too():
    ts, V, *_ = hb.integrate(ref.steady_state_at(), 30.0, temperature=20.0)
    res = hb.HHRunner(hb.HH(1, temperature=20.0, V_init=-65.0, method="rk4"), Iext=10.0).run(30.0)
    np.testing.assert_allclose(res.V[:, 0], V, atol=1e-9)


def test_the_stability_limit_shrinks_with_the_temperature_factor():
    assert hb.max_stable_dt("rk4", temperature=6.3) == pytest.approx(0.05)
    assert hb.max_stable_dt("rk4", temperature=20.0) == pytest.approx(0.05)  # the membrane still limits
    assert hb.max_stable_dt("rk4", temperature=0.0) == pytest.approx(0.05)  # never grows
    limit37 = hb.max_stable_dt("rk4", temperature=37.0)
    assert limit37 < 0.05 and not breaks_down("rk4", limit37, temperature=37.0)  # accepted steps hold up
    with pytest.raises(ValueError, match="stability limit"):
        hb.simulate(10.0, dt=0.02, temperature=37.0)
    hb.simulate(10.0, dt=0.01, temperature=37.0)


@pytest.mark.parametrize("method", ["euler", "rk2", "rk4"])
def test_warm_neurons_just_beyond_the_gate_limit_do_break_down(method):
    """The table is not only cautious: 10 % above the measured step, rk methods do break down at 37 deg C."""
    phi = float(k.temperature_factor(37.0))
    assert breaks_down(method, round(1.1 * hb.checks.GATE_DIVERGES_FROM[method] / phi, 4), temperature=37.0)
