r"""The 1952 paper's conventions, so that its numbers can be typed in as printed.

Hodgkin & Huxley (1952) write V as the *displacement from rest*, with depolarization *negative*
(:math:`V_{paper} = E_{rest} - E`, E the absolute membrane potential), and give the reversal
potentials the same way.  Their constants (Table 3 of the paper, at 6.3 deg C):

====================  ===========  =====================================================
paper symbol          value        this package (rest at :math:`E_{rest}` = -65 mV)
====================  ===========  =====================================================
:math:`C_M`           1.0 uF/cm^2  ``C = 1.0``
:math:`V_{Na}`        -115 mV      ``ENa = E_rest - V_Na = 50`` mV
:math:`V_K`           +12 mV       ``EK = E_rest - V_K = -77`` mV
:math:`V_l`           -10.613 mV   ``EL = E_rest - V_l = -54.387`` mV
:math:`\bar g_{Na}`   120 mS/cm^2  ``gNa = 120``
:math:`\bar g_K`      36 mS/cm^2   ``gK = 36``
:math:`\bar g_l`      0.3 mS/cm^2  ``gL = 0.3``
====================  ===========  =====================================================

:math:`V_l` is chosen so that the membrane rests at :math:`V = 0` (-65 mV here; to 0.004 mV, the
rounding of the printed constants).  NEURON's
``hh.mod`` (the package's ``"hh1952"`` set) rounds it to ``EL = -54.3`` mV, which rests about 0.02 mV
higher.  With the paper's sign the rate functions read, e.g.,
:math:`\alpha_m = 0.1\,(V+25)/(e^{(V+25)/10}-1)`; :func:`from_paper_voltage` maps them onto the
package's :math:`\alpha_m(E) = 0.1\,(E+40)/(1-e^{-(E+40)/10})` exactly.

References
----------
.. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544, Table 3 and eqs. 20-29.
"""

from __future__ import annotations

from typing import Any

from hh_brainpy.checks import check_real
from hh_brainpy.params import HHParams, as_float_array

__all__ = ["TABLE_3", "PAPER_REST", "to_paper_voltage", "from_paper_voltage", "paper_params"]

#: The paper's constants in its own convention: mV (displacements from rest, depolarization
#: negative), mS/cm^2, uF/cm^2.
TABLE_3 = {"C_M": 1.0, "V_Na": -115.0, "V_K": 12.0, "V_l": -10.613, "g_Na": 120.0, "g_K": 36.0, "g_l": 0.3}
#: The absolute resting potential (mV) at which this package places the paper's V = 0.
PAPER_REST = -65.0


def to_paper_voltage(V: Any, rest: float = PAPER_REST) -> Any:
    """The paper's V (mV; displacement from ``rest``, depolarization negative) of absolute potentials V.

    Parameters
    ----------
    V : float or array
        Absolute membrane potentials, mV.
    rest : float
        The absolute potential of the paper's V = 0, mV (default -65).

    Returns
    -------
    float or array
        ``rest - V``, mV.

    Examples
    --------
    >>> from hh_brainpy.paper import to_paper_voltage
    >>> to_paper_voltage(-50.0)
    -15.0
    """
    rest = check_real("rest", rest)
    out = rest - as_float_array(V, "V")
    return float(out) if out.ndim == 0 else out


def from_paper_voltage(v: Any, rest: float = PAPER_REST) -> Any:
    """Absolute potentials (mV) of the paper's displacements ``v`` (depolarization negative) from ``rest``.

    Parameters
    ----------
    v : float or array
        The paper's V, mV.
    rest : float
        The absolute potential of the paper's V = 0, mV (default -65).

    Returns
    -------
    float or array
        ``rest - v``, mV.

    Examples
    --------
    >>> from hh_brainpy.paper import from_paper_voltage
    >>> from_paper_voltage(-115.0)  # the paper's V_Na
    50.0
    """
    rest = check_real("rest", rest)
    out = rest - as_float_array(v, "v")
    return float(out) if out.ndim == 0 else out


def paper_params(rest: float = PAPER_REST, temperature: float = 6.3, **constants: Any) -> HHParams:
    """:class:`hh_brainpy.HHParams` from the paper's constants (:data:`TABLE_3`), rest placed at ``rest`` mV.

    Override any constant by its paper name, in the paper's convention, e.g.
    ``paper_params(V_K=9.0, g_l=0.13)``; ``temperature`` in deg C.

    Parameters
    ----------
    rest : float
        Where the paper's V = 0 is placed, mV (default -65).
    temperature : float
        deg C (default 6.3).
    **constants
        Any of ``C_M``, ``V_Na``, ``V_K``, ``V_l`` (mV, the paper's sign), ``g_Na``, ``g_K``, ``g_l``
        (mS/cm^2).

    Returns
    -------
    HHParams

    Raises
    ------
    ValueError
        An unknown constant, or a value the membrane does not allow (named).

    Examples
    --------
    >>> from hh_brainpy.paper import paper_params
    >>> p = paper_params()
    >>> (p.ENa, p.EK, round(p.EL, 3), p.gL)
    (50.0, -77.0, -54.387, 0.3)
    """
    unknown = set(constants) - set(TABLE_3)
    if unknown:
        raise TypeError(f"unknown paper constant(s) {sorted(unknown)}; allowed: {', '.join(TABLE_3)}")
    c = {**TABLE_3, **{name: check_real(name, v) for name, v in constants.items()}}
    return HHParams.from_overrides(
        gNa=c["g_Na"], gK=c["g_K"], gL=c["g_l"], C=c["C_M"], temperature=temperature,
        ENa=from_paper_voltage(c["V_Na"], rest), EK=from_paper_voltage(c["V_K"], rest),
        EL=from_paper_voltage(c["V_l"], rest),
    )
