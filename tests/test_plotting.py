"""Plot helpers draw under Agg, return their Axes and never show."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import hh_brainpy as hb
from hh_brainpy import plotting


def test_every_helper_returns_axes_with_data():
    """Trace, gates, raster, F-I and phase plane each return Axes that hold what they drew."""
    res = hb.simulate(30.0, Iext=np.array([0.0, 10.0]), size=2)
    axes = plotting.plot_trace(res, neuron=1)
    assert len(axes[0].lines) == 1 and len(axes[1].lines) == 3
    ax = plotting.plot_raster(res.ts, res.spike)
    assert len(ax.lines[0].get_xdata()) == int(res.spike.sum()) > 0
    ax = plotting.plot_fi([0.0, 10.0], res.firing_rate())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), res.firing_rate())
    ax = plotting.plot_phase(res, neuron=1, nullclines=hb.excitability.vn_nullclines(10.0))
    assert ax.get_xlabel() == "V (mV)" and len(ax.collections) >= 2
    plt.close("all")
