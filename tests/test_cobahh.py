"""COBAHH from an HH subclass, at small scale (400 neurons, the benchmark's in-degree)."""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import numpy as np
import pytest

from hh_brainpy.models import COBAHH, TraubMilesHH


def rates(net, duration=100.0):
    """Mean E and I firing rates (Hz) over a run at dt = 0.1 ms."""
    runner = bp.DSRunner(net, monitors={"E": net.E.spike, "I": net.I.spike}, dt=0.1, progress_bar=False)
    runner.run(duration)
    E, I = np.asarray(runner.mon["E"]), np.asarray(runner.mon["I"])
    return E.sum() / E.shape[1] / duration * 1000.0, I.sum() / I.shape[1] / duration * 1000.0


def test_small_cobahh_is_active_and_recurrence_matters():
    """400 neurons (p = 0.2), 100 ms: active E and I at plausible rates; no recurrence changes them."""
    net = COBAHH(400, p=0.2, seed=1)
    assert isinstance(net.E, TraubMilesHH) and net.E.num == 320 and net.I.num == 80
    rate_e, rate_i = rates(net)
    assert 5.0 < rate_e < 100.0 and 5.0 < rate_i < 100.0
    alone_e, alone_i = rates(COBAHH(400, p=0.2, seed=1, recurrent=False))
    assert abs(rate_e - alone_e) > 3.0 and abs(rate_i - alone_i) > 3.0


def test_traub_miles_rates_are_the_published_formulas():
    """The subclass's rates equal Traub & Miles' expressions (VT = -63 mV) away from 0/0 points."""
    neu = TraubMilesHH(1)
    V = np.array([-70.3, -45.1, 0.7])
    v = V + 63.0
    np.testing.assert_allclose(neu.m_alpha(V), 0.32 * (13 - v) / (np.exp((13 - v) / 4) - 1), rtol=1e-10)
    np.testing.assert_allclose(neu.m_beta(V), 0.28 * (v - 40) / (np.exp((v - 40) / 5) - 1), rtol=1e-10)
    np.testing.assert_allclose(neu.n_alpha(V), 0.032 * (15 - v) / (np.exp((15 - v) / 5) - 1), rtol=1e-10)
    np.testing.assert_allclose(neu.h_beta(V), 4 / (1 + np.exp((40 - v) / 5)), rtol=1e-10)


def test_building_and_running_cobahh_leaves_brainevents_backend_alone():
    """The portable event backend is set only while a COBAHH step is traced; the global setting is unchanged."""
    import brainevent

    before = brainevent.config.get_backend("cpu")
    net = COBAHH(100, p=0.8, seed=2)
    rates(net, duration=5.0)
    assert brainevent.config.get_backend("cpu") == before


def test_run_cobahh_is_models_cobahh_under_dsrunner():
    """One definition: run_cobahh's raster is the raster of hb.models.COBAHH (same seed) run by bp.DSRunner."""
    from hh_brainpy.models.cobahh_scan import run_cobahh

    run = run_cobahh(400, 50.0, p=0.2, seed=3)
    net = COBAHH(400, p=0.2, seed=3)
    runner = bp.DSRunner(net, monitors={"E": net.E.spike, "I": net.I.spike}, dt=0.1, progress_bar=False)
    runner.run(50.0)
    raster = np.concatenate([np.asarray(runner.mon["E"]), np.asarray(runner.mon["I"])], axis=1)
    assert raster.sum() > 50 and run.num_e == 320
    np.testing.assert_array_equal(run.spike, raster)


def test_run_cobahh_drops_no_spike_when_events_overflow():
    """run_cobahh propagates every spike: max_events = 1 (many extra rounds) gives the raster of max_events = 400."""
    from hh_brainpy.models.cobahh_scan import run_cobahh

    bounded = run_cobahh(400, 50.0, seed=3, max_events=1)
    unbounded = run_cobahh(400, 50.0, seed=3, max_events=400)
    assert bounded.overflow_steps > 0 and unbounded.overflow_steps == 0
    np.testing.assert_array_equal(bounded.spike, unbounded.spike)


def test_cobahh_fires_at_the_benchmarks_rates():
    """At the benchmark's size (4000 neurons, 1 s, dt 0.1 ms), averaged over three wirings: 33-43 Hz, E and I.

    Brette et al. (2007) and Brian2's example report rates in the mid-thirties (Brian2 34.7-37.6 Hz
    on this machine, benchmarks section e).  One wiring is one draw: over seeds 0-4 this network
    gave 36.3-42.4 Hz (E) in float64 and 33.5-39.6 Hz in float32, so the mean of three is tested.
    A wrong weight, sign or time constant moves the rates far outside (no recurrence: see above).
    """
    from hh_brainpy.models.cobahh_scan import run_cobahh

    rates_ = np.array([run_cobahh(4000, 1000.0, seed=seed).rates for seed in range(3)])
    rate_e, rate_i = rates_.mean(axis=0)
    assert 33.0 <= rate_e <= 43.0 and 33.0 <= rate_i <= 43.0


def test_traub_miles_rates_from_four_exponentials_equal_the_six_functions(float32):
    """TraubMilesKinetics.rates (shared exponentials) equals the six rate methods to 5e-6 in float32, -200..200 mV."""
    from hh_brainpy.models.cobahh import TraubMilesKinetics

    kin = TraubMilesKinetics()
    V = np.linspace(-200.0, 200.0, 40001, dtype=np.float32)
    six = [getattr(kin, name)(V) for name in ("m_alpha", "m_beta", "h_alpha", "h_beta", "n_alpha", "n_beta")]
    for fast, slow in zip(kin.rates(V), six, strict=True):
        np.testing.assert_allclose(np.asarray(fast), np.asarray(slow), rtol=5e-6)


def test_traub_miles_rates_from_four_exponentials_in_float64():
    """The same in float64, to 1e-13 relative."""
    from hh_brainpy.models.cobahh import TraubMilesKinetics

    kin = TraubMilesKinetics()
    V = np.linspace(-200.0, 200.0, 40001)
    six = [getattr(kin, name)(V) for name in ("m_alpha", "m_beta", "h_alpha", "h_beta", "n_alpha", "n_beta")]
    for fast, slow in zip(kin.rates(V), six, strict=True):
        np.testing.assert_allclose(np.asarray(fast), np.asarray(slow), rtol=1e-13)


@pytest.mark.parametrize("max_events", [1, 3, 64])
def test_event_targets_sum_the_weights_of_every_spike_as_the_connection_matrix_does(max_events):
    """EventTargets on a random connector equals spikes @ (weight * connection matrix), however many spike."""
    from hh_brainpy.models.events import EventTargets

    rng = np.random.default_rng(7)
    pre, post = 50, 30
    matrix = rng.random((pre, post)) < 0.2
    i, j = np.nonzero(matrix)
    layer = EventTargets(bp.conn.IJConn(i=i, j=j)(pre_size=pre, post_size=post), 0.25, max_events=max_events)
    for fraction in (0.0, 0.05, 0.5, 1.0):
        spikes = rng.random(pre) < fraction
        np.testing.assert_allclose(np.asarray(layer(bm.asarray(spikes))), 0.25 * spikes @ matrix, rtol=1e-12)
