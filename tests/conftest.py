"""Test configuration, in one place: float64, the Agg backend, the Hypothesis profile, fixtures.

Tests run in float64 (``bm.enable_x64()``) unless they take the ``float32``
fixture; hh_brainpy itself never changes this global setting.
"""

from __future__ import annotations

import brainpy.math as bm
import matplotlib
import pytest
from hypothesis import HealthCheck, settings

# Agg in this process only: an MPLBACKEND set here would reach the notebooks' kernels (they inherit
# the environment) and replace Jupyter's inline backend, and the executed notebooks would keep no figure.
matplotlib.use("Agg")
bm.enable_x64()

# The first example of a JAX property compiles, so no deadline; few examples keep CI short.
settings.register_profile(
    "hh", deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("hh")


@pytest.fixture
def float32():
    """Run one test in float32 (JAX's default), then restore float64."""
    bm.disable_x64()
    bm.set_float(bm.float32)
    try:
        yield
    finally:
        bm.enable_x64()
        bm.set_float(bm.float64)


@pytest.fixture(autouse=True)
def _reset_brainpy_dt():
    """Keep BrainPy's global dt at its default between tests."""
    yield
    bm.set_dt(0.1)
