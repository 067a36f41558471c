"""Invariants checked over random draws (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import hh_brainpy as hb
from tests.strategies import currents

REST = (-65.0, float(hb.kinetics.m_inf(-65.0)), float(hb.kinetics.h_inf(-65.0)), float(hb.kinetics.n_inf(-65.0)))


@given(Iext=currents)
def test_gates_stay_in_the_unit_interval(Iext):
    """For any constant Iext in [0, 50] uA/cm^2, m, h and n stay in [0, 1] (rk4, dt = 0.01, 50 ms)."""
    _, V, m, h, n = hb.integrate(REST, 50.0, Iext=Iext)
    gates = np.stack([m, h, n])
    assert np.all(np.isfinite(V))
    assert gates.min() >= 0.0 and gates.max() <= 1.0


@given(V0=st.floats(min_value=-80.0, max_value=-60.0))
def test_no_spike_without_current(V0):
    """With Iext = 0, a neuron started near rest (gates at steady state) never fires in 50 ms."""
    res = hb.simulate(50.0, Iext=0.0, V_init=V0)
    assert not res.spike.any()
    assert res.V.max() < -40.0


@given(Iext=st.floats(min_value=0.0, max_value=50.0), V0=st.floats(min_value=-90.0, max_value=40.0))
def test_voltage_stays_between_the_reversal_potentials(Iext, V0):
    """Started anywhere in [-90, 40] mV with Iext in [0, 50], V stays below ENa = 50 mV and above -90 mV."""
    _, V, *_ = hb.integrate((V0, 0.05, 0.6, 0.32), 30.0, Iext=Iext)
    assert V.max() < 50.0 and V.min() >= -90.0


_RANGES = hb.params.TESTED_RANGES
random_parameters = st.fixed_dictionaries({name: st.floats(lo, hi) for name, (lo, hi) in _RANGES.items()})


@given(params=random_parameters, Iext=st.floats(0.0, 50.0), V0=st.floats(-90.0, 40.0))
def test_gates_stay_in_the_unit_interval_for_any_documented_parameters(params, Iext, V0):
    """Any parameters in TESTED_RANGES, any start in [-90, 40] mV with gates at steady state: m, h, n in [0, 1]."""
    dt = min(0.01, hb.max_stable_dt("rk4", **params))
    steps = 2000
    y0 = (V0, float(hb.kinetics.m_inf(V0)), float(hb.kinetics.h_inf(V0)), float(hb.kinetics.n_inf(V0)))
    _, V, m, h, n = hb.integrate(y0, steps * dt, dt=dt, Iext=Iext, **params)
    gates = np.stack([m, h, n])
    assert np.all(np.isfinite(V))
    assert gates.min() >= 0.0 and gates.max() <= 1.0


@given(params=random_parameters, fraction=st.floats(0.0, 1.0))
def test_without_current_V_stays_between_EK_and_ENa(params, fraction):
    """At Iext = 0 every current pulls V toward a reversal potential in [EK, ENa], so V cannot leave it.

    The ODE keeps V in [EK, ENa] exactly (EL lies inside); rk4 may overshoot by its local error, far
    below the 1e-6 mV allowed here.
    """
    dt = min(0.01, hb.max_stable_dt("rk4", **params))
    EK, ENa = params["EK"], params["ENa"]
    V0 = EK + fraction * (ENa - EK)
    y0 = (V0, float(hb.kinetics.m_inf(V0)), float(hb.kinetics.h_inf(V0)), float(hb.kinetics.n_inf(V0)))
    _, V, *_ = hb.integrate(y0, 2000 * dt, dt=dt, Iext=0.0, **params)
    assert V.min() >= EK - 1e-6 and V.max() <= ENa + 1e-6
