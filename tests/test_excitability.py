"""F-I curve, rheobase, steady states and their stability, against the independent reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import hh_brainpy as hb
from hh_brainpy import excitability as ex
from tests import reference as ref


def reference_spikes_after(iext, t_end=300.0, transient=100.0):
    """Number of 0 mV crossings after the transient, from rest, by the scipy reference."""
    spikes = ref.solve(ref.steady_state_at(), t_end, iext=iext)["spikes"]
    return int(np.sum(spikes > transient))


def test_fi_curve_is_one_batched_run_and_non_decreasing_above_onset():
    """Rates from one population of N neurons; zero at 0, rising once repetitive."""
    currents, rates = ex.fi_curve(np.linspace(0.0, 40.0, 21), duration=300.0)
    assert rates[0] == 0.0 and rates[-1] > 80.0
    firing = rates > 0
    assert np.all(np.diff(rates[firing]) >= -1000.0 / 200.0)  # up to one spike of counting noise
    # The rate at 10 uA/cm^2 agrees with the reference's spike count over the same window.
    assert rates[5] == pytest.approx(reference_spikes_after(10.0) * 1000.0 / 200.0, abs=5.0)


def test_rheobase_brackets_the_reference_onset_of_repetitive_firing():
    """At rheobase + 0.05 the reference fires repetitively, at rheobase - 0.05 it does not."""
    r = ex.rheobase(tol=0.01)
    assert 2.0 < r < 8.0
    assert reference_spikes_after(r + 0.05) >= 2
    assert reference_spikes_after(r - 0.05) < 2


def test_steady_state_current_and_fixed_point():
    """I_ss is zero at the documented rest (-70.7 mV) and the fixed point is a zero of the full system."""
    y0 = ex.fixed_point(0.0)
    assert y0[0] == pytest.approx(-70.68, abs=0.01)
    assert ex.steady_state_current(y0[0]) == pytest.approx(0.0, abs=1e-9)
    y = ex.fixed_point(3.0)
    assert np.max(np.abs(ref.rhs(0.0, y, 3.0))) < 1e-9
    with pytest.raises(ValueError, match="no steady state"):
        ex.fixed_point(1e4)


def test_rest_loses_stability_through_a_hopf_bifurcation():
    """Eigenvalues: stable at 0, a complex pair with positive real part at 20 uA/cm^2."""
    _, ev0 = ex.stability(0.0)
    _, ev20 = ex.stability(20.0)
    assert ev0.real.max() < 0
    unstable = ev20[ev20.real > 0]
    assert unstable.size == 2 and np.all(np.abs(unstable.imag) > 0)


def test_a_neuron_started_at_its_fixed_point_stays_there():
    """Started at the computed rest with Iext = 0, V moves less than 0.02 mV in 10 ms (STYLE property)."""
    rest = ex.resting_state(0.0)
    V, m, h, n = (rest[x] for x in "Vmhn")
    res = hb.simulate(10.0, Iext=0.0, init=rest)
    assert np.max(np.abs(res.V - V)) < 0.02
    sol = solve_ivp(ref.rhs, (0, 10.0), [V, m, h, n], args=(0.0,), rtol=1e-10, atol=1e-10)
    assert abs(sol.y[0, -1] - V) < 1e-6


def test_reduced_system_nullclines_cross_near_the_full_rest():
    """At Iext = 0 the reduced (V, n) field vanishes near the full model's rest."""
    V0, _, _, n0 = ex.fixed_point(0.0)
    dV, dn = ex.reduced_vn_derivatives(V0, n0, 0.0)
    assert abs(float(dn)) < 1e-12
    assert abs(float(dV)) < 0.5  # h = 0.91 - n approximates h_inf at rest only roughly
