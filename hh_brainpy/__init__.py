"""hh_brainpy: the Hodgkin-Huxley neuron on BrainPy and JAX.

Three ways into one model (units: ms, mV, mS/cm^2, uF/cm^2, uA/cm^2):

- :data:`integral`, a ``bp.odeint`` integrator (rk4, dt = 0.01 ms) to step in
  your own loop, and :func:`make_integral` for other methods and steps;
- :class:`HH`, a ``bp.NeuGroup`` for BrainPy networks;
- :class:`HHRunner` and :func:`simulate`, which record V, m, h, n and spikes
  into an :class:`HHResult`.

float32 is the default, as in JAX; call ``brainpy.math.enable_x64()`` for
float64.  Importing hh_brainpy changes no global setting.
"""

from hh_brainpy import analysis as analysis
from hh_brainpy import cable as cable
from hh_brainpy import cable_group as cable_group
from hh_brainpy import clamp as clamp
from hh_brainpy import excitability as excitability
from hh_brainpy import fitting as fitting
from hh_brainpy import kinetics as kinetics
from hh_brainpy import models as models
from hh_brainpy import paper as paper
from hh_brainpy import plotting as plotting
from hh_brainpy import repetitive as repetitive
from hh_brainpy import shocks as shocks
from hh_brainpy import stimulus as stimulus
from hh_brainpy import subthreshold as subthreshold
from hh_brainpy.checks import METHODS as METHODS
from hh_brainpy.checks import NonFiniteError as NonFiniteError
from hh_brainpy.checks import max_stable_dt as max_stable_dt
from hh_brainpy.clamp import ClampResult as ClampResult
from hh_brainpy.clamp import step_sequence as step_sequence
from hh_brainpy.clamp import voltage_clamp as voltage_clamp
from hh_brainpy.finite_watch import NonFiniteWarning as NonFiniteWarning
from hh_brainpy.fitting import fit as fit
from hh_brainpy.integrator import derivative as derivative
from hh_brainpy.integrator import integral as integral
from hh_brainpy.integrator import integrate as integrate
from hh_brainpy.integrator import make_integral as make_integral
from hh_brainpy.neuron import HH as HH
from hh_brainpy.neuron import StabilityWarning as StabilityWarning
from hh_brainpy.params import DEFAULT_DT as DEFAULT_DT
from hh_brainpy.params import DEFAULT_PARAMS as DEFAULT_PARAMS
from hh_brainpy.params import PARAMETER_SETS as PARAMETER_SETS
from hh_brainpy.params import HHParams as HHParams
from hh_brainpy.params import parameter_set as parameter_set
from hh_brainpy.result import HHResult as HHResult
from hh_brainpy.result_io import DamagedFileError as DamagedFileError
from hh_brainpy.runner import HHRunner as HHRunner
from hh_brainpy.runner import simulate as simulate
from hh_brainpy.shocks import anode_break_response as anode_break_response
from hh_brainpy.shocks import anode_break_threshold as anode_break_threshold
from hh_brainpy.shocks import refractory_thresholds as refractory_thresholds
from hh_brainpy.shocks import shock_response as shock_response
from hh_brainpy.shocks import shock_threshold as shock_threshold
from hh_brainpy.sweeps import SweepResult as SweepResult
from hh_brainpy.sweeps import sweep as sweep

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_DT", "DEFAULT_PARAMS", "HH", "HHParams", "HHResult", "HHRunner", "METHODS",
    "NonFiniteError", "NonFiniteWarning", "StabilityWarning", "DamagedFileError", "PARAMETER_SETS", "analysis",
    "derivative", "excitability", "fit", "fitting",
    "integral", "integrate", "kinetics",
    "make_integral", "max_stable_dt", "models", "parameter_set", "plotting", "simulate", "stimulus",
    "sweep", "SweepResult", "clamp", "ClampResult", "voltage_clamp", "step_sequence", "paper", "repetitive",
    "shocks", "subthreshold", "shock_response", "shock_threshold", "refractory_thresholds",
    "anode_break_response", "anode_break_threshold", "cable", "cable_group",
]
