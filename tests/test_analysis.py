"""Spike analysis: Hermite spike times on the exact trajectory, rates, intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from hh_brainpy import analysis
from tests import reference as ref


def exact_samples(dt=0.01, t_end=100.0):
    """The reference trajectory (DOP853, rtol 1e-12) sampled every dt, its dV/dt and exact 0 mV crossings."""
    def crossing(t, y, iext):
        return y[0]

    crossing.direction = 1.0
    sol = solve_ivp(ref.rhs, (0, t_end), ref.steady_state_at(), method="DOP853", rtol=1e-12, atol=1e-12,
                    dense_output=True, events=crossing, args=(10.0,))
    ts = np.arange(int(round(t_end / dt)) + 1) * dt
    y = sol.sol(ts)
    dVdt = np.array([ref.rhs(0.0, y[:, i], 10.0)[0] for i in range(ts.size)])
    return ts, y[0], dVdt, sol.t_events[0]


def test_hermite_spike_times_beat_linear_interpolation_on_the_exact_trajectory():
    """On the exact trajectory at dt = 0.01, Hermite error << linear's ~2.4e-5 ms floor."""
    ts, V, dVdt, exact = exact_samples()
    linear = analysis.spike_times(ts, V, 0.0)
    hermite = analysis.spike_times(ts, V, 0.0, dVdt)
    err_linear = np.max(np.abs(linear - exact))
    err_hermite = np.max(np.abs(hermite - exact))
    assert len(hermite) == len(exact) == 7
    assert 1e-5 < err_linear < 5e-5
    assert err_hermite < 1e-7


def test_population_input_gives_one_array_per_neuron():
    """A (T, N) trace gives N arrays; a neuron that never crosses gives an empty array."""
    ts, V, _, exact = exact_samples()
    both = analysis.spike_times(ts, np.stack([V, np.full_like(V, -70.0)], axis=1), 0.0)
    assert len(both) == 2 and both[1].size == 0 and both[0].size == exact.size


def test_rates_intervals_and_cv():
    """Rate = count / duration; a regular train has CV 0; a train of < 3 spikes has CV NaN."""
    regular = np.arange(10.0, 100.0, 10.0)
    assert analysis.firing_rate(regular, 100.0)[0] == pytest.approx(90.0)
    np.testing.assert_allclose(analysis.interspike_intervals(regular)[0], 10.0)
    assert analysis.cv_isi(regular)[0] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(analysis.cv_isi([np.array([1.0, 2.0])])[0])
    with pytest.raises(ValueError, match="duration"):
        analysis.firing_rate(regular, 0.0)
