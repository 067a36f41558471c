"""Parameters and currents travel as data: a reused runner never runs a stale model, and compiles nothing new."""

from __future__ import annotations

import logging

import jax
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import stimulus
from tests import reference as ref


def test_hhparams_is_a_pytree_of_its_nine_fields():
    """HHParams flattens to its nine values and rebuilds, so jit/grad/vmap take it as data."""
    p = hb.HHParams.from_overrides(gK=30.0)
    leaves, tree = jax.tree_util.tree_flatten(p)
    assert leaves == [120.0, 50.0, 30.0, -77.0, 0.03, -54.387, 1.0, 6.3, 20.0]
    assert jax.tree_util.tree_unflatten(tree, leaves) == p
    doubled = jax.jit(lambda q: jax.tree_util.tree_map(lambda x: 2 * x, q))(p)
    assert float(doubled.gK) == 60.0


@pytest.mark.parametrize(("overrides", "error", "words"), [
    ({"gk": 1.0}, TypeError, "unknown model parameter"),
    ({"C": 0.0}, ValueError, "C (membrane capacitance"),
    ({"gNa": float("nan")}, ValueError, "gNa must be finite"),
    ({"temperature": 80.0}, ValueError, "temperature must lie in"),
    ({"gK": [30.0, -1.0]}, ValueError, "gK (maximal conductance"),
])
def test_hhparams_from_overrides_names_the_bad_parameter(overrides, error, words):
    """One validation for every entry point: the message names the parameter and the allowed range."""
    with pytest.raises(error, match=words.replace("(", r"\(")):
        hb.HHParams.from_overrides(**overrides)


def test_a_reused_runner_runs_the_parameters_it_reports():
    """After neu.gNa = 0 a reused runner is silent, exactly as a fresh runner built with gNa = 0."""
    neu = hb.HH(1, V_init=-65.0, method="rk4")
    runner = hb.HHRunner(neu, Iext=10.0)
    assert len(runner.run(30.0).spike_times()[0]) == 2
    neu.reset_state()
    runner.restart(10.0)
    neu.gNa = 0.0
    reused = runner.run(30.0)
    fresh = hb.HHRunner(hb.HH(1, gNa=0.0, V_init=-65.0, method="rk4"), Iext=10.0).run(30.0)
    assert reused.params["gNa"] == 0.0
    assert len(reused.spike_times()[0]) == 0
    np.testing.assert_array_equal(reused.V, fresh.V)


def test_a_new_stimulus_on_a_reused_runner_is_the_one_applied():
    """runner.stimulus = step(...) is what the next run applies (a fresh runner agrees exactly)."""
    runner = hb.HHRunner(hb.HH(1, V_init=-65.0, method="rk4"), Iext=10.0)
    runner.run(20.0)
    runner.model.reset_state()
    runner.restart(stimulus.step(10.0, 5.0, 10.0))
    reused = runner.run(20.0)
    fresh = hb.HHRunner(hb.HH(1, V_init=-65.0, method="rk4"), Iext=stimulus.step(10.0, 5.0, 10.0)).run(20.0)
    np.testing.assert_array_equal(reused.V, fresh.V)
    assert reused.Iext[0, 0] == 0.0 and reused.Iext[600, 0] == 10.0


def test_simulate_with_new_parameters_matches_the_reference():
    """simulate(gK=30) after simulate(gK=36) reuses the loop and still matches an independent solution."""
    hb.simulate(50.0)
    res = hb.simulate(50.0, gK=30.0)
    expected = ref.solve(ref.steady_state_at(), 50.0, gk=30.0)["spikes"]
    np.testing.assert_allclose(res.spike_times(0.0)[0], expected, atol=3e-5, rtol=0)


class _Compiles(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Compiling" in message or "Finished XLA compilation" in message:
            self.names.append(message)


def test_a_second_simulate_compiles_nothing():
    """New parameter values, a new constant current and a new start reuse the compiled loop."""
    hb.simulate(20.0, gK=36.0, Iext=10.0)
    handler = _Compiles()
    logging.getLogger("jax").addHandler(handler)
    try:
        with jax.log_compiles(True):
            res = hb.simulate(20.0, gK=30.0, gNa=110.0, Iext=12.0, V_init=-60.0)
    finally:
        logging.getLogger("jax").removeHandler(handler)
    assert res.params["gK"] == 30.0 and res.V[0, 0] == -60.0
    assert handler.names == []


def test_per_neuron_parameters_as_lists_and_numpy_scalars_are_accepted():
    """gK=[30, 36, 42], dt=np.float32(0.01) and record_every=np.int64(2) are valid input."""
    res = hb.simulate(10.0, size=3, gK=[30.0, 36.0, 42.0], dt=np.float32(0.01), record_every=np.int64(2))
    assert res.V.shape == (501, 3) and res.dt == 0.01
    np.testing.assert_array_equal(res.params["gK"], [30.0, 36.0, 42.0])
    with pytest.raises(ValueError, match="gK"):
        hb.simulate(10.0, size=3, gK=[30.0, 36.0])
