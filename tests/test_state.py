"""hh_brainpy.state.HH: brainpy.state's interface and units over the package's model and integrators."""

from __future__ import annotations

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

bps = pytest.importorskip("brainpy.state", reason="brainpy.state (BrainPy >= 2.8.2 with brainpy_state) is needed")
import brainstate  # noqa: E402
import braintools  # noqa: E402
import brainunit as u  # noqa: E402

import hh_brainpy as hb  # noqa: E402
from hh_brainpy.state import HH  # noqa: E402
from tests import reference as ref  # noqa: E402

REST = braintools.init.Constant(-65.0 * u.mV)


@pytest.fixture(params=[32, 64], ids=["float32", "float64"])
def precision(request):
    """Run under brainstate's float32 or float64 (and JAX's x64 to match)."""
    x64 = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", request.param == 64)
    try:
        with brainstate.environ.context(precision=request.param):
            yield request.param
    finally:
        jax.config.update("jax_enable_x64", x64)


def _run(neu, duration=100.0, dt=0.01, current=10.0):
    """V (mV) after each step and the spikes, from brainstate's compiled loop."""
    brainstate.nn.init_all_states(neu)

    def step(i):
        spike = neu(current * u.uA)
        return neu.V.value.to_decimal(u.mV), spike

    with brainstate.environ.context(dt=dt * u.ms):
        V, spikes = brainstate.transform.for_loop(step, jnp.arange(round(duration / dt)))
    return np.asarray(V)[:, 0], np.asarray(spikes)[:, 0]


def _crossings(V, dt, level=0.0):
    ts = np.arange(1, V.size + 1) * dt
    k = np.flatnonzero((V[:-1] < level) & (V[1:] >= level))
    return ts[k] + dt * (level - V[k]) / (V[k + 1] - V[k])


def test_exponential_euler_reproduces_brainpy_state_hh(precision):
    """method='exp_euler' from the same start: brainpy.state.HH's trace, 100 ms at 10 uA.

    float64: within 1e-9 mV.  float32: within 1e-2 mV; the two sum the currents in a different
    order, and the last-bit differences grow on each upstroke (measured 1.3e-3 to 3e-3 mV).
    """
    ours, our_spikes = _run(HH(1, V_initializer=REST, method="exp_euler"))
    theirs, their_spikes = _run(bps.HH(1, V_initializer=REST))
    assert ours.dtype == (np.float64 if precision == 64 else np.float32)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9 if precision == 64 else 1e-2)
    np.testing.assert_array_equal(our_spikes, their_spikes)


def test_rk4_matches_the_reference_spike_times(precision):
    """rk4 at dt = 0.01 ms: 0 mV crossings within 2.5e-4 ms (float32) / 3e-5 ms (float64) of the scipy reference."""
    V, spikes = _run(HH(1, V_initializer=REST))
    expected = ref.solve(ref.steady_state_at(), 100.0)["spikes"]
    times = _crossings(np.concatenate([[-65.0], V]), 0.01) - 0.01
    assert len(times) == len(expected) == 7 and spikes.sum() == 7
    np.testing.assert_allclose(times, expected, atol=2.5e-4 if precision == 32 else 3e-5, rtol=0)


def test_brainpy_state_exp_euler_is_far_less_accurate_than_rk4():
    """The reason to swap: at dt = 0.01 ms exponential Euler is ~0.4 ms off by 100 ms; rk4 ~1e-5 ms."""
    expected = ref.solve(ref.steady_state_at(), 100.0)["spikes"]
    errors = {}
    for method in ("exp_euler", "rk4"):
        V, _ = _run(HH(1, V_initializer=REST, method=method))
        errors[method] = np.max(np.abs(_crossings(np.concatenate([[-65.0], V]), 0.01) - 0.01 - expected))
    assert errors["exp_euler"] > 0.1 and errors["rk4"] < 1e-3


def test_units_are_checked_and_plain_numbers_accepted():
    """Quantities of any scale convert; a wrong dimension is refused naming the parameter and the unit."""
    a = HH(1, gNa=0.12 * u.siemens, C=1e-6 * u.farad, V_initializer=REST)
    b = HH(1, gNa=120.0, C=1.0, V_initializer=REST)
    assert float(a.params.gNa) == pytest.approx(120.0) and float(a.params.C) == pytest.approx(1.0)
    np.testing.assert_allclose(_run(a, 20.0)[0], _run(b, 20.0)[0], rtol=1e-6)
    with pytest.raises(ValueError, match=r"gK must be a quantity in mS"):
        HH(1, gK=36.0 * u.mV)
    with pytest.raises(ValueError, match=r"ENa must be a quantity in mV"):
        HH(1, ENa=50.0 * u.ms)
    with pytest.raises(ValueError, match="C .*must be > 0"):
        HH(1, C=0.0 * u.ufarad)
    with pytest.raises(ValueError, match="method must be one of"):
        HH(1, method="rk5")
    with pytest.raises(ValueError, match="temperature must lie in"):
        HH(1, temperature=80.0)


def test_brainpy_states_default_dt_is_sub_stepped():
    """At dt = 0.1 ms rk4 takes 2 sub-steps and stays within 0.01 ms of the reference."""
    neu = HH(1, V_initializer=REST)
    assert neu.substeps(0.1) == 2 and neu.substeps(0.01) == 1
    V, _ = _run(neu, dt=0.1)
    expected = ref.solve(ref.steady_state_at(), 100.0)["spikes"]
    times = _crossings(np.concatenate([[-65.0], V]), 0.1) - 0.1
    assert len(times) == 7 and np.max(np.abs(times - expected)) < 0.01


@pytest.mark.parametrize(("name", "value", "step"), [("gK", 36.0, 3.0), ("gNa", 120.0, 10.0)])
def test_gradients_flow_through_spikes_with_the_right_sign(name, value, step):
    """jax.grad of a spike count over 100 ms (surrogate) is finite and has the sign of a smoothed count's slope.

    The smoothed count replaces each crossing by sigmoid((V - V_th) / 2 mV) at the step times
    (1 - the same at the step before); its slope is taken by central finite differences.
    """
    def run(x):
        return _run(HH(1, **{name: x}, V_initializer=REST, substeps=1))

    def smoothed(x):
        s = jax.nn.sigmoid((jnp.asarray(run(x)[0]) - 20.0) / 2.0)
        return float(jnp.sum(s[1:] * (1.0 - s[:-1])))

    def count(x):
        neu = HH(1, **{name: x}, V_initializer=REST, substeps=1)
        brainstate.nn.init_all_states(neu)
        with brainstate.environ.context(dt=0.01 * u.ms):
            spikes = brainstate.transform.for_loop(lambda i: neu(10.0 * u.uA), jnp.arange(10000))
        return spikes.sum()

    grad = float(jax.grad(count)(value))
    slope = (smoothed(value + step) - smoothed(value - step)) / (2 * step)
    assert np.isfinite(grad) and grad != 0.0
    assert np.sign(grad) == np.sign(slope)


def test_a_brainpy_state_cobahh_fires_in_the_benchmarks_band():
    """Brette et al. (2007) COBAHH on brainpy.state (400 neurons, the benchmark's in-degree, 200 ms, dt 0.1 ms).

    Its E and I rates lie within 30 % of hb.models.COBAHH's at the same size and seed (the same
    neurons, initial state and weights; a different random connectivity).
    """
    import brainpy as bp

    from hh_brainpy.models.cobahh_state import COBAHH as StateCOBAHH

    net = StateCOBAHH(400, p=0.2, seed=1)
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=0.1 * u.ms):
        spikes = np.asarray(brainstate.transform.for_loop(lambda i: net(), jnp.arange(2000)))
    state_rates = spikes[:, :320].mean() * 1e4, spikes[:, 320:].mean() * 1e4
    classic = hb.models.COBAHH(400, p=0.2, seed=1)
    runner = bp.DSRunner(classic, monitors={"E": classic.E.spike, "I": classic.I.spike}, dt=0.1, progress_bar=False)
    runner.run(200.0)
    classic_rates = np.asarray(runner.mon["E"]).mean() * 1e4, np.asarray(runner.mon["I"]).mean() * 1e4
    for ours, theirs in zip(state_rates, classic_rates, strict=True):
        assert 10.0 < ours < 80.0 and abs(ours / theirs - 1.0) < 0.3


def test_without_brainpy_state_the_import_names_the_versions_needed():
    """If brainpy.state cannot be imported, hh_brainpy.state says which BrainPy it needs; hh_brainpy still works."""
    code = ("import sys\nimport hh_brainpy as hb\nsys.modules['brainpy.state'] = None\nhb.simulate(1.0)\n"
            "try:\n    import hh_brainpy.state\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "BrainPy 2.8.2 or newer" in out and "brainpy 2.9" in out
