"""Gradients of a loss on a simulated trace: finite everywhere, and equal to finite differences."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import hh_brainpy as hb
from hh_brainpy.fitting import resting_start, voltage_trace

DIFFERENTIABLE = ("gNa", "ENa", "gK", "EK", "gL", "EL", "C", "Iext")


def _defaults(Iext: float) -> dict[str, float]:
    return {**{name: float(getattr(hb.DEFAULT_PARAMS, name)) for name in DIFFERENTIABLE[:-1]}, "Iext": Iext}


def _mse_loss(Iext: float, steps: int, y0=None):
    """Mean squared distance (mV^2) from the trace of the default parameters."""
    target = voltage_trace(_defaults(Iext), steps, y0=y0)

    @jax.jit
    def loss(params):
        return jnp.mean((voltage_trace(params, steps, y0=y0) - target) ** 2)

    return loss


@pytest.mark.parametrize(
    ("window", "Iext"),
    [("sub-threshold", 2.0), ("spiking", 10.0)],
)
def test_gradient_matches_central_finite_differences(window, Iext):
    """Away from the target (every parameter off by a few %), grad agrees with central differences to 1e-5."""
    loss = _mse_loss(Iext, 2000)  # 20 ms; the spiking window holds the first two spikes
    rng = np.random.default_rng(1)
    params = {name: value * (1 + rng.uniform(0.02, 0.05)) for name, value in _defaults(Iext).items()}
    assert float(loss(params)) > 1e-3  # not at the minimum, where the gradient vanishes
    grad = jax.grad(loss)(params)
    for name in DIFFERENTIABLE:
        h = 1e-5 * abs(params[name])
        up, down = dict(params), dict(params)
        up[name] += h
        down[name] -= h
        fd = (float(loss(up)) - float(loss(down))) / (2 * h)
        assert float(grad[name]) == pytest.approx(fd, rel=1e-5), name


@pytest.mark.parametrize("V0", [-40.0, -55.0])
def test_gradient_is_finite_through_the_removable_singularities_in_float32(float32, V0):
    """alpha_m is 0/0 at -40 mV and alpha_n at -55 mV as written; a trace starting exactly there is fine."""
    y0 = resting_start(jnp.float32(V0))
    assert y0[0].dtype == jnp.float32
    loss = _mse_loss(10.0, 500, y0=y0)
    params = {name: jnp.float32(1.03 * value) for name, value in _defaults(10.0).items()}
    grad = jax.grad(loss)(params)
    for name in DIFFERENTIABLE:
        assert np.isfinite(float(grad[name])), name
        assert grad[name].dtype == jnp.float32
    # and with respect to the starting point itself, whose rates are evaluated exactly at V0
    dV0 = jax.grad(lambda v: jnp.mean(voltage_trace(_defaults(10.0), 200, y0=(v, *y0[1:]))))(jnp.float32(V0))
    assert np.isfinite(float(dV0)) and float(dV0) != 0.0


@jax.jit
def _grad_from(params, V0):
    """Gradient of the mean squared V over 3 ms from V0 (gates at steady state); compiled once."""
    return jax.grad(lambda p: jnp.mean(voltage_trace(p, 300, y0=resting_start(V0)) ** 2))(params)


@given(
    V0=st.floats(-90.0, 40.0),
    scale=st.tuples(*[st.floats(0.7, 1.3) for _ in DIFFERENTIABLE]),
)
def test_gradient_is_finite_for_random_parameters_and_starts(V0, scale):
    params = {name: value * s for (name, value), s in zip(_defaults(10.0).items(), scale, strict=True)}
    grad = _grad_from(params, V0)
    assert all(np.isfinite(float(g)) for g in grad.values())


def test_gradient_with_respect_to_temperature_is_finite_and_matches_finite_differences():
    loss = _mse_loss(10.0, 1000)
    params = {**_defaults(10.0), "temperature": 8.0}
    g = float(jax.grad(loss)(params)["temperature"])
    h = 1e-4
    fd = (float(loss({**params, "temperature": 8.0 + h})) - float(loss({**params, "temperature": 8.0 - h}))) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-5)
