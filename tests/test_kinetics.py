"""The rate functions: values against the textbook formulas, the 0/0 points, gradients."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

from hh_brainpy import kinetics as k
from tests import reference as ref
from tests.strategies import voltages

RATES = (k.m_alpha, k.m_beta, k.h_alpha, k.h_beta, k.n_alpha, k.n_beta)


def test_rates_match_the_textbook_formulas_away_from_the_singular_points():
    """All six rates equal the independent reference formulas to 1e-12 on a grid."""
    V = np.linspace(-120.0, 80.0, 401) + 0.123  # avoid -40 and -55 exactly
    ours = np.stack([np.asarray(f(jnp.asarray(V))) for f in RATES])
    theirs = np.array([ref.rates(v) for v in V]).T
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize(("fn", "V0", "limit"), [(k.m_alpha, -40.0, 1.0), (k.n_alpha, -55.0, 0.1)])
def test_singular_point_has_the_right_limit_and_is_continuous(fn, V0, limit, dtype, float32):
    """alpha_m(-40) = 1 and alpha_n(-55) = 0.1 per ms, continuous across the 0/0 point."""
    if dtype == jnp.float64:
        jax.config.update("jax_enable_x64", True)
    V = jnp.asarray(V0, dtype=dtype)
    assert float(fn(V)) == pytest.approx(limit, rel=1e-6)
    for eps in (1e-6, 1e-4, 1e-2, 0.1, 1.0):
        for side in (-1.0, 1.0):
            v = V0 + side * eps
            exact = limit * (-(v - V0) / 10.0) / np.expm1(-(v - V0) / 10.0)
            assert float(fn(jnp.asarray(v, dtype=dtype))) == pytest.approx(exact, rel=2e-6)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize(("fn", "V0", "limit"), [(k.m_alpha, -40.0, 1.0), (k.n_alpha, -55.0, 0.1)])
def test_gradient_is_finite_and_correct_at_the_singular_point(fn, V0, limit, dtype, float32):
    """d alpha/dV at the 0/0 point is the analytic limit c/20 per ms per mV (BrainPy's exprel gives NaN)."""
    if dtype == jnp.float64:
        jax.config.update("jax_enable_x64", True)
    # d/dV [c u/(e^u - 1)] with u = -(V - V0)/10 is c * (-1/2) * (-1/10) = c/20 at u = 0.
    for v in (V0, V0 + 1e-5, V0 - 1e-3, V0 + 0.5):
        g = float(jax.grad(fn)(jnp.asarray(v, dtype=dtype)))
        u = -(v - V0) / 10.0
        exact = limit / 20.0 if u == 0 else limit * (np.expm1(u) - u * np.exp(u)) / np.expm1(u) ** 2 * -0.1
        assert np.isfinite(g)
        assert g == pytest.approx(exact, rel=1e-3 if dtype == jnp.float32 else 1e-9)


@given(V=voltages)
def test_rates_are_finite_and_positive(V):
    """Every rate is finite and > 0 on [-120, 80] mV, including exactly -40 and -55."""
    for f in RATES:
        value = float(f(jnp.asarray(V)))
        assert np.isfinite(value) and value > 0


@given(V=voltages)
def test_steady_states_lie_in_the_unit_interval(V):
    """m_inf, h_inf and n_inf lie in [0, 1] and time constants are positive."""
    for inf, tau in ((k.m_inf, k.m_tau), (k.h_inf, k.h_tau), (k.n_inf, k.n_tau)):
        assert 0.0 <= float(inf(V)) <= 1.0
        assert float(tau(V)) > 0.0


@given(V=voltages)
def test_steady_gates_are_the_three_steady_states(V):
    """steady_gates(V), one compiled function, returns exactly (m_inf, h_inf, n_inf) at V."""
    np.testing.assert_allclose(np.asarray(k.steady_gates(V)),
                               [float(k.m_inf(V)), float(k.h_inf(V)), float(k.n_inf(V))], rtol=1e-6)


def test_rates_computed_in_their_own_buffer_are_the_same_rates():
    """rates(V, key=t) inside a compiled function (exponentials materialised once) equals rates(V), bitwise."""
    V = jnp.linspace(-120.0, 60.0, 4096)  # above the size from which the buffer is used
    with_key = jax.jit(lambda V, t: jnp.stack(k.rates(V, key=t)))(V, 0.5)
    without = jax.jit(lambda V: jnp.stack(k.rates(V)))(V)
    np.testing.assert_array_equal(np.asarray(with_key), np.asarray(without))
    nan_time = jax.jit(lambda V, t: jnp.stack(k.rates(V, key=t)))(V, jnp.nan)  # the other branch: same function
    np.testing.assert_array_equal(np.asarray(nan_time), np.asarray(without))


def test_resting_currents_balance_at_the_documented_rest():
    """With BrainPy's gL = 0.03 and EL = -54.387 the total ionic current vanishes near -70.7 mV (rest)."""
    V = np.linspace(-72.0, -69.0, 30001)
    I_ion = (k.I_Na(V, k.m_inf(V), k.h_inf(V), 120.0, 50.0) + k.I_K(V, k.n_inf(V), 36.0, -77.0)
             + k.I_L(V, 0.03, -54.387))
    rest = V[np.argmin(np.abs(np.asarray(I_ion)))]
    assert rest == pytest.approx(-70.7, abs=0.05)


def _six_at_once(V):
    return np.stack([np.asarray(r) for r in k.rates(V)])


def test_six_rates_from_three_exponentials_equal_the_six_functions():
    """kinetics.rates (3 exponentials) equals m_alpha ... n_beta to 1e-14 (float64), -200 to 200 mV."""
    V = jnp.concatenate([jnp.linspace(-200.0, 200.0, 40001), jnp.array([-40.0, -55.0, -40.05, -54.9, -39.0])])
    np.testing.assert_allclose(_six_at_once(V), np.stack([np.asarray(f(V)) for f in RATES]), rtol=1e-14)


def test_six_rates_from_three_exponentials_in_float32(float32):
    """In float32 the shared-exponential form stays within 2e-6 of the six functions."""
    V = jnp.linspace(-200.0, 200.0, 40001, dtype=jnp.float32)
    ours = _six_at_once(V)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, np.stack([np.asarray(f(V)) for f in RATES]), rtol=2e-6)


@given(V=voltages)
def test_six_rates_at_once_match_the_reference_and_have_finite_gradients(V):
    """Against the independent reference formulas, and d/dV finite, also at -40 and -55 mV."""
    np.testing.assert_allclose(_six_at_once(jnp.asarray(V)), np.array(ref.rates(V)), rtol=1e-12)
    grads = jax.jacfwd(lambda v: jnp.stack(k.rates(v)))(jnp.asarray(V))
    assert np.all(np.isfinite(np.asarray(grads)))
