"""Default parameters of the Hodgkin-Huxley model, with their units.

This module is the only place where default values live.  The unit system is
the one electrophysiologists use and it is self-consistent:

====================  ===========  ======================================
quantity              unit         note
====================  ===========  ======================================
time ``t``, ``dt``    ms
potential ``V``, E*   mV
conductance g*        mS/cm^2      (mS/cm^2 * mV) / (uF/cm^2) = mV/ms
capacitance ``C``     uF/cm^2
current ``Iext``      uA/cm^2
====================  ===========  ======================================

The defaults are BrainPy's (``bp.dyn.HH``), so the two models can be compared
one to one, and they are the values of the document this package grew from.
Note ``gL = 0.03`` mS/cm^2: NEURON's ``hh`` mechanism and the 1952 paper use
0.3 mS/cm^2 with ``EL = -54.3`` mV.  The resting potential is about -70.7 mV
with BrainPy's values and about -65.0 mV with NEURON's; both sets are in
:data:`hh_brainpy.PARAMETER_SETS` with their sources.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

__all__ = [
    "HHParams", "DEFAULT_PARAMS", "DEFAULT_IEXT", "DEFAULT_DT", "PARAM_NAMES", "FIELD_NAMES", "PARAMETER_SETS",
    "parameter_set", "membrane_values", "TESTED_RANGES", "SETTABLE", "split_varied_and_fixed",
    "TEMPERATURE_RANGE", "check_params", "as_float_array", "COUNTING_V_TH",
]

#: Step used by :data:`hh_brainpy.integral` and :func:`hh_brainpy.simulate` (ms): the one
#: source of truth for dt, read by every entry point that does not take one.
#:
#: >>> import hh_brainpy as hb
#: >>> hb.DEFAULT_DT, hb.integral.dt
#: (0.01, 0.01)
DEFAULT_DT = 0.01
#: Constant external current of the seed protocol (uA/cm^2).
DEFAULT_IEXT = 10.0
#: Threshold (mV) for *counting* spikes in F-I curves, sweeps and analysis.  The neuron's own
#: ``V_th`` keeps BrainPy's 20 mV, so ``hb.HH`` and ``bp.dyn.HH`` flag the same steps; but at
#: high currents the spike peaks fall below 20 mV (about 17 mV at 40 uA/cm^2), and a counter at
#: 20 mV would miss them.  0 mV is crossed by every action potential of this model and by no
#: sub-threshold response.
COUNTING_V_TH = 0.0
#: Allowed temperatures, deg C (outside them the q10 extrapolation is meaningless).
TEMPERATURE_RANGE = (-5.0, 50.0)


def as_float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float ndarray; ``TypeError`` naming ``name`` for bools, strings, None and non-numbers."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}") from exc
    if arr.dtype == object or np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}")
    return arr


def check_params(params: Mapping[str, Any]) -> None:
    """Check model parameters: finite; ``C`` > 0; conductances >= 0; temperature in [-5, 50] deg C.

    Callables (BrainPy initializers) are skipped here; :class:`hh_brainpy.HH`
    checks them once initialised.
    """
    for name, value in params.items():
        if callable(value) and not isinstance(value, (numbers.Number, np.ndarray)):
            continue
        arr = as_float_array(value, name)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got {value!r}")
        if name == "C" and np.any(arr <= 0):
            raise ValueError(f"C (membrane capacitance, uF/cm^2) must be > 0, got {value!r}")
        if name == "temperature" and np.any((arr < TEMPERATURE_RANGE[0]) | (arr > TEMPERATURE_RANGE[1])):
            raise ValueError(
                f"temperature must lie in [{TEMPERATURE_RANGE[0]:g}, {TEMPERATURE_RANGE[1]:g}] deg C, got {value!r}"
            )
        if name.startswith("g") and np.any(arr < 0):
            raise ValueError(f"{name} (maximal conductance, mS/cm^2) must be >= 0, got {value!r}")


@dataclasses.dataclass(frozen=True, eq=False)
class HHParams:
    """Membrane parameters of the Hodgkin-Huxley model: one frozen JAX pytree.

    Every field is a leaf, so an ``HHParams`` is passed *as data* into
    compiled code (``jax.jit``, ``jax.lax.scan``, ``jax.grad``, ``jax.vmap``):
    a loop compiled once runs any parameter values of the same shape, and
    nothing is baked into it.  Leaves may be scalars or per-neuron arrays.

    Values are checked where they are given: the constructor checks every
    field given as a Python number or NumPy array (finite; ``C > 0``;
    conductances >= 0; temperature in [-5, 50] deg C) and raises an error
    naming it.  It leaves alone what JAX builds: traced values, JAX arrays
    (a gradient is an ``HHParams`` whose ``C`` may well be negative), and
    all-integer or ``None`` leaves (axis specifications such as
    ``in_axes=HHParams(*[0] * 9)``).  Every entry point that takes an
    ``HHParams`` checks it again, JAX arrays included
    (:meth:`from_overrides`).  Two ``HHParams`` are equal when every field
    holds the same values (arrays compared element by element).

    Parameters
    ----------
    gNa : float
        Maximal sodium conductance, mS/cm^2.  Default 120.
    ENa : float
        Sodium reversal potential, mV.  Default 50.
    gK : float
        Maximal potassium conductance, mS/cm^2.  Default 36.
    EK : float
        Potassium reversal potential, mV.  Default -77.
    gL : float
        Leak conductance, mS/cm^2.  Default 0.03 (BrainPy's value; see module notes).
    EL : float
        Leak reversal potential, mV.  Default -54.387.
    C : float
        Membrane capacitance, uF/cm^2.  Default 1.
    temperature : float
        Temperature, deg C.  Default 6.3, at which the rate functions hold as
        written; every rate is scaled by :math:`3^{(T-6.3)/10}` (q10 = 3).
    V_th : float
        Spike-detection threshold, mV.  Default 20.  Not used by the equations.

    Raises
    ------
    ValueError
        A field outside its range (non-finite, ``C <= 0``, a negative conductance, temperature
        outside [-5, 50] deg C), named in the message.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> p = hb.HHParams(gK=30.0)
    >>> p.gK, p.gNa
    (30.0, 120.0)
    >>> p == hb.HHParams.from_overrides(gK=30.0)
    True
    >>> hb.HHParams(C=0.0)
    Traceback (most recent call last):
    ...
    ValueError: C (membrane capacitance, uF/cm^2) must be > 0, got 0.0
    """

    gNa: Any = 120.0  # mS/cm^2
    ENa: Any = 50.0  # mV
    gK: Any = 36.0  # mS/cm^2
    EK: Any = -77.0  # mV
    gL: Any = 0.03  # mS/cm^2
    EL: Any = -54.387  # mV
    C: Any = 1.0  # uF/cm^2
    temperature: Any = 6.3  # deg C
    V_th: Any = 20.0  # mV

    def __post_init__(self) -> None:
        leaves = [getattr(self, name) for name in FIELD_NAMES]
        if any(_set_by_jax(v) for v in leaves) or all(_is_plain_int(v) for v in leaves):
            return
        check_params(dict(zip(FIELD_NAMES, leaves, strict=True)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HHParams):
            return NotImplemented
        try:
            return all(np.array_equal(np.asarray(getattr(self, f)), np.asarray(getattr(other, f))) for f in FIELD_NAMES)
        except (TypeError, jax.errors.TracerArrayConversionError):  # traced: equal only to itself
            return self is other

    def __hash__(self) -> int:
        try:
            return hash(tuple((np.shape(v), np.asarray(v, dtype=float).tobytes())
                              for v in (getattr(self, f) for f in FIELD_NAMES)))
        except (TypeError, jax.errors.TracerArrayConversionError):
            return id(self)

    @classmethod
    def from_overrides(cls, base: HHParams | str | None = None, **overrides: Any) -> HHParams:
        """``base`` (default :data:`hh_brainpy.DEFAULT_PARAMS`; or the name of a set in
        :data:`hh_brainpy.PARAMETER_SETS`) with ``overrides`` applied, every field validated.

        Unknown names raise ``TypeError``; non-finite values, ``C <= 0``,
        negative conductances and temperatures outside
        ``TEMPERATURE_RANGE`` raise ``ValueError`` naming the parameter,
        whether they come from ``overrides`` or from ``base``.  Lists become
        arrays (one value per neuron).
        """
        if isinstance(base, str):
            base = parameter_set(base)
        if base is not None and not isinstance(base, HHParams):
            raise TypeError(f"base must be an HHParams or the name of a parameter set ({', '.join(PARAMETER_SETS)}), "
                            f"got {type(base).__name__}")
        unknown = set(overrides) - set(FIELD_NAMES)
        if unknown:
            raise TypeError(f"unknown model parameter(s) {sorted(unknown)}; allowed: {', '.join(FIELD_NAMES)}")
        check_params(overrides)
        values = {name: (np.asarray(v, dtype=float) if isinstance(v, (list, tuple)) else v)
                  for name, v in overrides.items()}
        result = dataclasses.replace(base or DEFAULT_PARAMS, **values)
        result.check()
        return result

    def check(self) -> HHParams:
        """Validate every field with a concrete value (JAX arrays included; traced values are skipped).

        Returns ``self``; raises as :meth:`from_overrides` does.
        """
        concrete = {}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            value = getattr(value, "value", value) if not isinstance(value, (np.ndarray, np.generic)) else value
            if isinstance(value, jax.core.Tracer):
                continue
            concrete[name] = np.asarray(value) if isinstance(value, jax.Array) else value
        check_params(concrete)
        return self

    def replace(self, **changes: Any) -> HHParams:
        """A validated copy with some fields changed (unknown names raise ``TypeError``)."""
        return HHParams.from_overrides(self, **changes)

    def membrane(self) -> dict[str, Any]:
        """The parameters of the equations (not ``V_th``), in ``integral``'s order."""
        return {name: getattr(self, name) for name in PARAM_NAMES}

    def values(self) -> tuple[Any, ...]:
        """``(gNa, ENa, gK, EK, gL, EL, C, temperature)``: the positional parameters of ``integral``."""
        return tuple(getattr(self, name) for name in PARAM_NAMES)


def _set_by_jax(value: Any) -> bool:
    """A leaf JAX made or left: traced, a JAX array, None, or an object that is no number at all."""
    if isinstance(value, (jax.core.Tracer, jax.Array)) or value is None:
        return True
    return not isinstance(value, (numbers.Number, np.ndarray, np.generic, str, bytes, list, tuple))


def _is_plain_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


#: The names of the parameters of the equations, in the order ``integral`` takes them.
PARAM_NAMES = ("gNa", "ENa", "gK", "EK", "gL", "EL", "C", "temperature")
#: Every field of :class:`HHParams`: the equations' parameters and the spike threshold.
FIELD_NAMES = (*PARAM_NAMES, "V_th")

jax.tree_util.register_dataclass(HHParams, data_fields=list(FIELD_NAMES), meta_fields=[])

#: The default parameters (BrainPy's ``bp.dyn.HH`` set): gNa = 120, gK = 36, gL = 0.03 mS/cm^2;
#: ENa = 50, EK = -77, EL = -54.387 mV; C = 1 uF/cm^2; 6.3 deg C.  An :class:`HHParams`, frozen.
#:
#: >>> import hh_brainpy as hb
#: >>> hb.DEFAULT_PARAMS.gNa, hb.DEFAULT_PARAMS.EL
#: (120.0, -54.387)
DEFAULT_PARAMS = HHParams()

#: Named parameter sets, each ``(HHParams, source)``.  ``"brainpy"`` is the default; ``"hh1952"``
#: is Hodgkin & Huxley (1952) shifted to rest at -65 mV, as NEURON's ``hh.mod`` (gL = 0.3 mS/cm^2).
#:
#: >>> import hh_brainpy as hb
#: >>> sorted(hb.PARAMETER_SETS)
#: ['brainpy', 'hh1952']
#: >>> hb.PARAMETER_SETS["hh1952"][0].gL
#: 0.3
PARAMETER_SETS: dict[str, tuple[HHParams, str]] = {
    "brainpy": (
        DEFAULT_PARAMS,
        "BrainPy's bp.dyn.HH and the document this package grew from: gL = 0.03 mS/cm^2, "
        "EL = -54.387 mV; rests near -70.7 mV at Iext = 0.",
    ),
    "hh1952": (
        dataclasses.replace(DEFAULT_PARAMS, gL=0.3, EL=-54.3),
        "Hodgkin & Huxley (1952) as shifted to rest at -65 mV, and NEURON's built-in hh.mod "
        "(gnabar 0.12, gkbar 0.036, gl 0.0003 S/cm^2, el -54.3 mV, ena 50, ek -77); rests near -65.0 mV.",
    ),
}


#: Ranges over which the property tests draw parameters (tests/test_properties.py);
#: the invariants (gates in [0, 1]; at Iext = 0, V between EK and ENa) hold there.
TESTED_RANGES: dict[str, tuple[float, float]] = {
    "gNa": (50.0, 200.0), "ENa": (40.0, 60.0), "gK": (10.0, 80.0), "EK": (-95.0, -70.0),
    "gL": (0.01, 1.0), "EL": (-70.0, -50.0), "C": (0.5, 2.0), "temperature": (0.0, 20.0),
}


def parameter_set(name: str) -> HHParams:
    """The named parameter set ``name`` (``'brainpy'``, the default, or ``'hh1952'``; see PARAMETER_SETS).

    Pass it on with ``**params.membrane()``, e.g. ``simulate(100.0, **parameter_set('hh1952').membrane())``.

    Parameters
    ----------
    name : str
        ``"brainpy"`` (gL = 0.03 mS/cm^2, EL = -54.387 mV) or ``"hh1952"`` (gL = 0.3, EL = -54.3).

    Returns
    -------
    HHParams

    Raises
    ------
    ValueError
        An unknown name; the message lists the known ones.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> p = hb.parameter_set("hh1952")
    >>> p.gL, p.EL
    (0.3, -54.3)
    """
    if not isinstance(name, str) or name not in PARAMETER_SETS:
        raise ValueError(f"unknown parameter set {name!r}; choose one of: {', '.join(PARAMETER_SETS)}")
    return PARAMETER_SETS[name][0]


def membrane_values(overrides: Mapping[str, Any]) -> tuple[Any, ...]:
    """``(gNa, ENa, gK, EK, gL, EL, C, temperature)`` with ``overrides`` applied and validated."""
    unknown = set(overrides) - set(PARAM_NAMES)
    if unknown:
        raise TypeError(f"unknown model parameter(s) {sorted(unknown)}; allowed: {', '.join(PARAM_NAMES)}")
    return HHParams.from_overrides(**overrides).values()


#: What a fit or a sweep may vary: the parameters of the equations and the constant current Iext.
SETTABLE = (*PARAM_NAMES, "Iext")


def split_varied_and_fixed(varied: Any, fixed: Mapping[str, Any] | None, label: str) -> dict[str, Any]:
    """Check the names varied (in ``label``) and held ``fixed``: known, and not both; return ``fixed`` as a dict."""
    if fixed is not None and not isinstance(fixed, Mapping):
        raise TypeError(f"fixed must be a dict of parameter values, got {type(fixed).__name__}")
    fixed = dict(fixed or {})
    for group, where in ((varied, label), (fixed, "fixed")):
        unknown = set(group) - set(SETTABLE)
        if unknown:
            raise TypeError(f"unknown parameter(s) {sorted(unknown)} in {where}; allowed: {', '.join(SETTABLE)}")
    both = set(varied) & set(fixed)
    if both:
        raise ValueError(f"{sorted(both)} given both in {label} and in fixed")
    return fixed
