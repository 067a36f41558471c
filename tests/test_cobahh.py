"""COBAHH from an HH subclass, at small scale (400 neurons, the benchmark's in-degree)."""

from __future__ import annotations

import brainpy as bp
import numpy as np

from hh_brainpy.models import COBAHH, TraubMilesHH


def rates(net, duration=100.0):
    """Mean E and I firing rates (Hz) over a run at dt = 0.1 ms."""
    runner = bp.DSRunner(net, monitors={"E": net.E.spike, "I": net.I.spike}, dt=0.1, progress_bar=False)
    runner.run(duration)
    E, I = np.asarray(runner.mon["E"]), np.asarray(runner.mon["I"])
    return E.sum() / E.shape[1] / duration * 1000.0, I.sum() / I.shape[1] / duration * 1000.0


def test_small_cobahh_is_active_and_recurrence_matters():
    """Issue 3: 400 neurons (p = 0.2), 100 ms: active E and I at plausible rates; no recurrence changes them."""
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
