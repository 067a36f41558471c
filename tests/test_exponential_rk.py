"""The default method of HH, ETDRK4 on the Jacobian's diagonal: exact where it should be, fourth order elsewhere."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hh_brainpy import kinetics as k
from hh_brainpy.exponential_rk import ExponentialRK4, etdrk4_coefficients, etdrk4_step, phi1, phi_functions
from tests import reference as ref


@pytest.mark.parametrize("z", [-30.0, -2.0, -0.5000001, -0.4999999, -1e-3, 0.0, 1e-7, 0.3, 2.0])
def test_phi_functions_equal_their_closed_forms(z):
    """phi_1..3 from the series (|z| < 0.5) or the closed forms agree with exact values.

    Exact: the series summed with math.fsum for |z| < 1, the closed forms in Python floats beyond.
    """
    if abs(z) < 1.0:
        exact = [math.fsum(z**kk / math.factorial(kk + j) for kk in range(40)) for j in (1, 2, 3)]
    else:
        em1 = math.expm1(z)
        exact = [em1 / z, (em1 - z) / z**2, (em1 - z - z * z / 2) / z**3]
    got = [float(v) for v in phi_functions(jnp.asarray(z))]
    np.testing.assert_allclose(got, exact, rtol=1e-12)
    assert float(phi1(jnp.asarray(z))) == pytest.approx(exact[0], rel=1e-12)


def _exact_phis(z):
    """phi_1..3 at z in Python floats: the series (math.fsum) for |z| < 1, the closed forms beyond."""
    if abs(z) < 1.0:
        return [math.fsum(z**kk / math.factorial(kk + j) for kk in range(40)) for j in (1, 2, 3)]
    em1 = math.expm1(z)
    return [em1 / z, (em1 - z) / z**2, (em1 - z - z * z / 2) / z**3]


@pytest.mark.parametrize("z", [-30.0, -4.0, -1.0000001, -0.9999999, -0.5000001, -0.4999999, -1e-3, 0.0, 1e-7, 0.7, 2.0])
def test_phi_functions_keep_float32_precision_across_the_series_boundary(z, float32):
    """In float32 the phi functions stay within 2e-6 relative of the exact values, on both sides of |z| = 1."""
    got = [float(v) for v in phi_functions(jnp.asarray(z, dtype=jnp.float32))]
    np.testing.assert_allclose(got, _exact_phis(float(np.float32(z))), rtol=2e-6)


@pytest.mark.parametrize("z", [-30.0, -3.0, -0.7, -0.2, 0.0, 0.4])
def test_etdrk4_coefficients_are_the_phi_combinations_of_the_scheme(z):
    """exp(z/2), phi1(z/2) and the three weights of the last stage, from the exact phi functions."""
    p1, p2, p3 = _exact_phis(z)
    expected = [math.exp(z / 2), _exact_phis(z / 2)[0], p1 - 3 * p2 + 4 * p3, 2 * (p2 - 2 * p3), 4 * p3 - p2]
    got = [float(v) for v in etdrk4_coefficients(jnp.asarray(z))]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_a_gate_under_a_clamped_voltage_relaxes_exactly():
    """V held at -20 mV: each gate follows x_inf - (x_inf - x0) exp(-t/tau) to round-off, at any step."""
    V = -20.0
    rates = [float(r) for r in k.rates(jnp.asarray(V))]

    def f(m, h, n, t):
        return [k.gate_derivative(x, a, b) for x, a, b in zip((m, h, n), rates[0::2], rates[1::2], strict=True)]

    x0 = (0.05, 0.6, 0.32)
    y = ExponentialRK4(f, max_substep=0.5).advance(tuple(jnp.asarray(v) for v in x0), 0.0, 2.0)[0]
    for got, x, a, b in zip(y, x0, rates[0::2], rates[1::2], strict=True):
        x_inf, tau = a / (a + b), 1.0 / (a + b)
        assert float(got) == pytest.approx(x_inf - (x_inf - x) * math.exp(-2.0 / tau), abs=1e-13)


def _hh(V, m, h, n, t):
    """The model at Iext = 0 (sub-threshold relaxation), from kinetics."""
    r = k.rates(V)
    return [k.dVdt(V, m, h, n, 0.0, 120.0, 50.0, 36.0, -77.0, 0.03, -54.387, 1.0),
            k.gate_derivative(m, r[0], r[1]), k.gate_derivative(h, r[2], r[3]), k.gate_derivative(n, r[4], r[5])]


def test_the_scheme_converges_with_order_four():
    """Sub-threshold relaxation from V = -60 mV (gates at rest), 5 ms: log error against log h has slope ~4."""
    y0 = ref.steady_state_at(-65.0)
    y0 = (-60.0, *y0[1:])
    exact = ref.solve(y0, 5.0, iext=0.0)["sol"].sol(5.0)[0]
    errors, steps = [], [0.5, 0.25, 0.125, 0.0625]
    for h in steps:
        y = tuple(jnp.asarray(v) for v in y0)
        step = jax.jit(lambda ys, t, h=h: etdrk4_step(_hh, ys, t, h))
        for i in range(round(5.0 / h)):
            y = step(y, i * h)
        errors.append(abs(float(y[0]) - exact))
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert 3.1 <= slope <= 4.9


def test_a_step_is_differentiable_with_a_finite_gradient():
    """jax.grad of V after a step with respect to V0 is finite, also at the 0/0 point of m_alpha (-40 mV)."""
    def V_after(V0):
        y = (V0, *(k.steady_gates(V0)))
        return ExponentialRK4(_hh).advance(y, 0.0, 0.1)[0][0]

    for V0 in (-65.0, -40.0, -55.0):
        assert np.isfinite(float(jax.grad(V_after)(jnp.asarray(V0))))
