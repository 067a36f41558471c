"""Does a fixed-step method break down? Run the package's compiled loop and look, over the measuring protocol."""

from __future__ import annotations

import numpy as np

from hh_brainpy.integrator import _integrate_compiled
from hh_brainpy.params import HHParams
from tests import reference as ref

#: The protocol of the stability tables (hh_brainpy/checks.py): three currents, two starts.
CURRENTS = (0.0, 10.0, 50.0)
STARTS = (ref.steady_state_at(), (0.0, 0.0, 0.0, 0.0))


def breaks_down(method: str, dt: float, duration: float = 30.0, **params: float) -> bool:
    """True if, for some current and start, V goes non-finite or beyond 200 mV, or a gate leaves [0, 1]."""
    p = HHParams.from_overrides(**params)
    for Iext in CURRENTS:
        for y0 in STARTS:
            V, m, h, n = (np.asarray(x) for x in _integrate_compiled(
                tuple(np.asarray(y, dtype=float) for y in y0), np.asarray(Iext), p, dt, method, int(duration / dt)))
            gates = np.stack([m, h, n])
            if not np.all(np.isfinite(V)) or np.any(np.abs(V) > 200) or gates.min() < 0 or gates.max() > 1:
                return True
    return False
