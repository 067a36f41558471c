r"""``WangBuzsakiHH``: the fast-spiking interneuron of Wang & Buzsaki (1996).

A subclass of :class:`hh_brainpy.HH` that changes the six rates, the default
parameters and one attribute: sodium activation is instantaneous,
``m = m_inf(V)`` (:attr:`hh_brainpy.HH.instantaneous_m`).  The equations
(ms, mV, mS/cm^2, uF/cm^2, uA/cm^2):

.. math::

    C \dot V &= -g_{Na} m_\infty(V)^3 h (V-E_{Na}) - g_K n^4 (V-E_K) - g_L (V-E_L) + I, \\
    \dot x &= \phi\,[\alpha_x(V)(1-x) - \beta_x(V)\,x], \quad x \in \{h, n\}, \\
    \alpha_m &= \frac{0.1(V+35)}{1-e^{-(V+35)/10}}, \quad \beta_m = 4 e^{-(V+60)/18}, \\
    \alpha_h &= 0.07 e^{-(V+58)/20}, \quad \beta_h = \frac{1}{1+e^{-(V+28)/10}}, \\
    \alpha_n &= \frac{0.01(V+34)}{1-e^{-(V+34)/10}}, \quad \beta_n = 0.125 e^{-(V+44)/80},

with :math:`\phi = 5`, gNa = 35, ENa = 55, gK = 9, EK = -90, gL = 0.1, EL = -65, C = 1.
The two 0/0 points (V = -35 and -34 mV) use :func:`hh_brainpy.kinetics.x_over_expm1`.

Note: BrainPy's ``bp.dyn.WangBuzsakiHH`` (2.8, 2.9) writes
:math:`\alpha_n` as ``1 / exprel(-0.1 (V + 34))``, which is ten times the
paper's :math:`0.01(V+34)/(1-e^{-0.1(V+34)})`; this class follows the paper.

References
----------
.. [1] Wang, X.-J. & Buzsaki, G. (1996). Gamma oscillation by synaptic
   inhibition in a hippocampal interneuronal network model. J. Neurosci.
   16(20):6402-6413.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from hh_brainpy import kinetics as k
from hh_brainpy.neuron import HH

__all__ = ["WangBuzsakiHH"]

_DEFAULTS = dict(gNa=35.0, ENa=55.0, gK=9.0, EK=-90.0, gL=0.1, EL=-65.0, C=1.0)


class WangBuzsakiHH(HH):
    """Wang & Buzsaki (1996) interneuron: instantaneous m, h and n sped up by ``phi`` (default 5).

    Every argument of :class:`hh_brainpy.HH` is accepted; the membrane
    parameters default to the paper's values (see the module docstring).

    Parameters
    ----------
    phi : float
        Speed-up of h and n, dimensionless.  Default 5.

    Examples
    --------
    >>> import brainpy as bp
    >>> import hh_brainpy as hb
    >>> neu = hb.models.WangBuzsakiHH(1)
    >>> runner = bp.DSRunner(neu, monitors=["spike"], inputs=("input", 1.0), dt=0.01, progress_bar=False)
    >>> _ = runner.run(100.0)
    >>> int(runner.mon["spike"].sum()) > 1
    True
    """

    instantaneous_m = True

    def __init__(self, *args: Any, phi: float = 5.0, **kwargs: Any) -> None:
        for name, value in _DEFAULTS.items():
            kwargs.setdefault(name, value)
        self.phi = phi  # before super().__init__, which computes the steady-state gates from the rates
        super().__init__(*args, **kwargs)

    def m_alpha(self, V: Any) -> Any:
        """Opening rate of m, 1/ms."""
        return k.x_over_expm1(-(V + 35.0) / 10.0)

    def m_beta(self, V: Any) -> Any:
        """Closing rate of m, 1/ms."""
        return 4.0 * jnp.exp(-(V + 60.0) / 18.0)

    def h_alpha(self, V: Any) -> Any:
        """Opening rate of h, 1/ms (times phi)."""
        return self.phi * 0.07 * jnp.exp(-(V + 58.0) / 20.0)

    def h_beta(self, V: Any) -> Any:
        """Closing rate of h, 1/ms (times phi)."""
        return self.phi / (1.0 + jnp.exp(-(V + 28.0) / 10.0))

    def n_alpha(self, V: Any) -> Any:
        """Opening rate of n, 1/ms (times phi)."""
        return self.phi * 0.1 * k.x_over_expm1(-(V + 34.0) / 10.0)

    def n_beta(self, V: Any) -> Any:
        """Closing rate of n, 1/ms (times phi)."""
        return self.phi * 0.125 * jnp.exp(-(V + 44.0) / 80.0)
