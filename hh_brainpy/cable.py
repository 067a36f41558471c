r"""The propagated action potential: an unbranched Hodgkin-Huxley cable.

The axon is cut into ``n`` compartments of length :math:`\Delta x` (radius a, axoplasm resistivity
:math:`R_i`), each an HH membrane, coupled through the axoplasm:

.. math::

    C\,\frac{dV_j}{dt} = \frac{a}{2 R_i \Delta x^2}\,(V_{j+1} - 2V_j + V_{j-1})
        - I_{ion}(V_j, m_j, h_j, n_j) + \frac{I_{inj,j}}{2\pi a\,\Delta x},

in mV, ms, uF/cm^2 and uA/cm^2 (the coupling :math:`a/(2R_i\Delta x^2)` is a conductance per area:
with a in cm and :math:`R_i` in Ohm cm it is in S/cm^2, 1000 times the mS/cm^2 of the membrane's).
A **sealed** end passes no axial current; a **killed** end is held at 0 mV half a compartment
beyond the last one.  Injected currents are in nA at a compartment, as NEURON's ``IClamp``.

**Numerics** (NEURON's fixed step, Hines 1984): with the gates held, the ionic current is linear
in V, so each step is one tridiagonal solve (``jax.lax.linalg.tridiagonal_solve``) for V with all of
the membrane and axial conductances implicit.  ``scheme="be"`` is backward Euler (first order);
``"cn"`` (the default) takes a backward-Euler half step and extrapolates,
:math:`V_{n+1} = 2V_{n+1/2} - V_n`, which is Crank-Nicolson, second order.  The gates are then
advanced over the step by their exact exponential relaxation at the new V (``cnexp``), so they
sit half a step from V (staggered).  The stimulus is read at mid-step, :math:`t_n + \Delta t/2`.

Every parameter travels as data: the geometry (length, radius, :math:`R_i`), the membrane's
:class:`hh_brainpy.HHParams` (scalars or one value per compartment) and the stimulus enter the
compiled loop as arguments, so a second run with new values compiles nothing, and ``jax.grad``
runs through the whole cable (:func:`cable_trajectory`).

References
----------
.. [1] Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117:500-544, Part III: the propagated
   action potential (18.8 m/s computed, 21.2 m/s measured, at 18.5 deg C; a = 238 um, R_i = 35.4 Ohm cm).
.. [2] Hines, M. (1984). Efficient computation of branched nerve equations. Int. J. Bio-Med.
   Comput. 15:69-76.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_dt, check_duration, check_int, check_memory, check_real, interruptible_chunk
from hh_brainpy.clamp import gate_relaxation
from hh_brainpy.paper import paper_params
from hh_brainpy.params import COUNTING_V_TH, HHParams

__all__ = ["Cable", "Injection", "CableResult", "propagate", "cable_step", "cable_trajectory", "SCHEMES",
           "squid_axon_params", "MAX_DT", "conduction_velocity", "initial_state"]

#: Schemes for V along the cable: Crank-Nicolson (``"cn"``, second order) and backward Euler (``"be"``).
SCHEMES = ("cn", "be")
ENDS = ("sealed", "killed")


def squid_axon_params(temperature: float = 18.5) -> HHParams:
    """The paper's membrane (:func:`hh_brainpy.paper.paper_params`) at ``temperature`` deg C, default 18.5.

    Parameters
    ----------
    temperature : float
        deg C (default 18.5, the paper's propagated action potential).

    Returns
    -------
    HHParams

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> p = hb.cable.squid_axon_params()
    >>> p.gL, p.temperature
    (0.3, 18.5)
    """
    return paper_params(temperature=temperature)


@dataclasses.dataclass(frozen=True)
class Cable:
    """An unbranched axon: ``length`` and ``radius`` in um, axoplasm resistivity ``Ri`` in Ohm cm, ``n``
    compartments, ``ends`` ``'sealed'`` or ``'killed'``.  Defaults: Hodgkin & Huxley's squid giant axon
    (radius 238 um, 35.4 Ohm cm), 5 cm in 500 compartments of 100 um.

    ``length``, ``radius`` and ``Ri`` are data (JAX leaves: differentiable, no recompilation);
    ``n`` and ``ends`` are structure.

    Parameters
    ----------
    length : float
        um (default 50,000).
    radius : float
        um (default 238).
    Ri : float
        Ohm cm (default 35.4).
    n : int
        Compartments (default 500).
    ends : str
        ``"sealed"`` (no current leaves) or ``"killed"`` (held at rest).

    Raises
    ------
    ValueError
        Non-positive or non-finite sizes, fewer than 3 compartments, or unknown ends.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> axon = hb.cable.Cable(length=20_000.0, n=200)
    >>> axon.dx
    100.0
    """

    length: Any = 50_000.0
    radius: Any = 238.0
    Ri: Any = 35.4
    n: int = 500
    ends: str = "sealed"

    def __post_init__(self) -> None:
        if isinstance(self.length, jax.core.Tracer) or isinstance(self.radius, jax.core.Tracer):
            return
        if not isinstance(self.ends, str) or self.ends not in ENDS:
            raise ValueError(f"ends must be 'sealed' or 'killed', got {self.ends!r}")
        check_int("n (the number of compartments)", self.n, 3)
        for name in ("length", "radius", "Ri"):
            value = getattr(self, name)
            if not isinstance(value, jax.Array):
                check_real(name, value, low=0.0, low_open=True)

    @property
    def dx(self) -> Any:
        """Compartment length, um."""
        return self.length / self.n

    def positions(self) -> np.ndarray:
        """Centres of the compartments, um from the start, shape (n,)."""
        return (np.arange(self.n) + 0.5) * float(self.dx)

    def site(self, x: float, name: str = "site") -> int:
        """The compartment holding position ``x`` (um); an error naming ``name`` outside the cable."""
        x = check_real(name, x)
        if not 0.0 <= x <= float(self.length):
            raise ValueError(f"{name} = {x:g} um lies outside the cable [0, {float(self.length):g}] um")
        return min(self.n - 1, int(x / float(self.dx)))


jax.tree_util.register_dataclass(Cable, data_fields=["length", "radius", "Ri"], meta_fields=["n", "ends"])


class Injection(NamedTuple):
    """A current pulse: ``amplitude`` nA into the compartment at ``site`` um, from ``start`` for ``duration`` ms.

    Attributes
    ----------
    site : float
        um from the cable's start.
    amplitude : float
        nA.
    start, duration : float
        ms.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> hb.cable.Injection(site=0.0, amplitude=20_000.0, start=0.0, duration=0.2).amplitude
    20000.0
    """

    site: float = 0.0
    amplitude: float = 20_000.0
    start: float = 0.0
    duration: float = 0.2


def _coupling(cable: Cable) -> Any:
    """Axial conductance between neighbours per membrane area, mS/cm^2 (see the module notes)."""
    a_cm, dx_cm = cable.radius * 1e-4, cable.dx * 1e-4
    return 1e3 * a_cm / (2.0 * cable.Ri * dx_cm * dx_cm)


def cable_step(state: tuple[Any, Any, Any, Any], I_inj: Any, cable: Cable, p: HHParams, dt: Any,
               scheme: str = "cn") -> tuple[Any, Any, Any, Any]:
    """One step of the cable: ``state = (V, m, h, n)``, each of shape (n,); ``I_inj`` in nA per compartment.

    Pure JAX (no checks): V by one tridiagonal solve (backward Euler, or Crank-Nicolson with
    ``scheme="cn"``), then the gates by their exponential relaxation at the new V.

    Parameters
    ----------
    state : tuple of four arrays, shape (n,)
        ``(V, m, h, n)``, mV and the gates.
    I_inj : array, shape (n,)
        Injected current per compartment, nA, during the step.
    cable : Cable
    p : HHParams
        The membrane.
    dt : float
        ms.
    scheme : str
        ``"cn"`` (default) or ``"be"``.

    Returns
    -------
    tuple of four arrays
        The state after ``dt``.

    Examples
    --------
    >>> import numpy as np
    >>> import hh_brainpy as hb
    >>> axon, p = hb.cable.Cable(length=1000.0, n=10), hb.cable.squid_axon_params()
    >>> state = hb.cable.initial_state(axon, p, None)
    >>> after = hb.cable.cable_step(state, np.zeros(10), axon, p, 0.01)
    >>> bool(np.allclose(after[0], state[0], atol=1e-6))  # rest stays at rest
    True
    """
    V, m, h, n = state
    g_na, g_k = p.gNa * m**3 * h, p.gK * n**4
    G = g_na + g_k + p.gL
    driving = g_na * p.ENa + g_k * p.EK + p.gL * p.EL
    area = 2.0 * jnp.pi * (cable.radius * 1e-4) * (cable.dx * 1e-4)  # cm^2
    current = I_inj * 1e-3 / area  # nA -> uA/cm^2
    kc = _coupling(cable)
    size = V.shape[-1]
    end = (2.0 * kc) if cable.ends == "killed" else 0.0  # to 0 mV half a compartment beyond each end
    diag_coupling = jnp.full(size, 2.0 * kc).at[0].set(kc + end).at[-1].set(kc + end)
    h_step = dt / 2.0 if scheme == "cn" else dt
    lower = jnp.full(size, -kc).at[0].set(0.0)
    upper = jnp.full(size, -kc).at[-1].set(0.0)
    diag = p.C / h_step + G + diag_coupling
    rhs = p.C / h_step * V + driving + current
    V_new = jax.lax.linalg.tridiagonal_solve(lower, jnp.broadcast_to(diag, V.shape), upper, rhs[:, None])[:, 0]
    if scheme == "cn":
        V_new = 2.0 * V_new - V
    gates = gate_relaxation((m, h, n), V_new, dt, p.temperature)
    return (V_new, *gates)


def _current(injections: Any, t: Any, size: int) -> Any:
    """nA per compartment at time ``t`` from ``injections = (index, amplitude, start, stop)`` arrays."""
    index, amplitude, start, stop = injections
    on = (t >= start) & (t < stop)
    return jnp.zeros(size).at[index].add(jnp.where(on, amplitude, 0.0))


def cable_trajectory(state: Any, injections: Any, cable: Cable, p: HHParams, dt: float, steps: int,
                     first: Any = 0, scheme: str = "cn", record: Any = None) -> tuple[Any, Any]:
    """``steps`` steps from ``state``; returns the final state and V after every step at the ``record``
    indices (all compartments when None), shape (steps, sites).  Pure JAX: differentiable, vmappable.

    ``injections`` are arrays ``(compartment index, amplitude nA, start ms, stop ms)``; the current of
    step i is read at ``(first + i + 1/2) dt``.

    Parameters
    ----------
    state : tuple of four arrays, shape (n,)
        The start.
    injections : tuple of four arrays
        See above.
    cable : Cable
    p : HHParams
    dt : float
        ms.
    steps : int
    first : int
        Index of the first step (default 0).
    scheme : str
        ``"cn"`` (default) or ``"be"``.
    record : array of int, optional
        Compartments to record.

    Returns
    -------
    final : tuple of four arrays
    V : array, shape (steps, sites)
        mV.

    Examples
    --------
    >>> import numpy as np
    >>> import hh_brainpy as hb
    >>> axon, p = hb.cable.Cable(length=1000.0, n=10), hb.cable.squid_axon_params()
    >>> pulse = (np.array([0]), np.array([500.0]), np.array([0.0]), np.array([0.1]))
    >>> final, V = hb.cable.cable_trajectory(hb.cable.initial_state(axon, p, None), pulse, axon, p, 0.01, 50,
    ...                                      record=np.array([0, 9]))
    >>> V.shape
    (50, 2)
    """
    def body(s: Any, i: Any) -> Any:
        s = cable_step(s, _current(injections, (i + 0.5) * dt, cable.n), cable, p, dt, scheme)
        return s, (s[0] if record is None else s[0][record])

    return jax.lax.scan(body, state, first + jnp.arange(steps))


@functools.partial(jax.jit, static_argnums=(4, 5, 7))
def _run(state: Any, injections: Any, cable: Cable, p: HHParams, dt: float, steps: int, first: Any,
         scheme: str, record: Any) -> Any:
    return cable_trajectory(state, injections, cable, p, dt, steps, first, scheme, record)


#: The largest step propagate accepts, ms.  The gates are exact for a frozen V and V is implicit, so no
#: step is unstable, but long steps misplace the upstroke: the default axon conducts at 18.70 m/s at
#: dt = 0.01 ms, 18.59 at 0.025, 18.18 at 0.05 and 16.86 at 0.1 (10 % low; Crank-Nicolson, float64).
MAX_DT = 0.1


@dataclasses.dataclass(frozen=True, eq=False)
class CableResult:
    """What :func:`propagate` returns: V at the recorded sites, and the arrival of the action potential.

    ``ts`` (T,) ms, sample 0 the initial state; ``x`` (S,) um, the recorded compartments' centres;
    ``V`` (T, S) mV; ``cable``, ``params``, ``dt`` and ``scheme`` as run.

    Attributes
    ----------
    ts : ndarray, shape (T,)
        ms.
    x : ndarray, shape (S,)
        um.
    V : ndarray, shape (T, S)
        mV.
    cable : Cable
    params : HHParams
    dt : float
        ms.
    scheme : str

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.cable.propagate(4.0, cable=hb.cable.Cable(length=20_000.0, n=200))
    >>> res.V.shape[1] == len(res.x), round(res.velocity(), 1)
    (True, 18.6)
    """

    ts: np.ndarray
    x: np.ndarray
    V: np.ndarray
    cable: Cable
    params: HHParams
    dt: float
    scheme: str

    def arrival_times(self, V_th: float = COUNTING_V_TH) -> np.ndarray:
        """First upward crossing of ``V_th`` (mV, default 0) at each site, ms (linear interpolation); NaN if none."""
        V_th = check_real("V_th", V_th)
        up = (self.V[:-1] < V_th) & (self.V[1:] >= V_th)
        first = np.argmax(up, axis=0)
        cols = np.arange(self.V.shape[1])
        v0, v1 = self.V[first, cols], self.V[first + 1, cols]
        t = self.ts[first] + (V_th - v0) / np.where(v1 != v0, v1 - v0, 1.0) * (self.ts[1] - self.ts[0])
        return np.where(up.any(axis=0), t, np.nan)

    def velocity(self, middle: tuple[float, float] = (0.25, 0.75)) -> float:
        """Conduction velocity, m/s: the slope of position against arrival time over the sites in the
        ``middle`` fraction of the cable (away from the stimulus and the far end), by least squares."""
        lo, hi = (float(f) for f in middle)
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f"middle must be two fractions 0 <= low < high <= 1, got {middle!r}")
        length = float(self.cable.length)
        times = self.arrival_times()
        inside = (self.x >= lo * length) & (self.x <= hi * length)
        reached = inside & np.isfinite(times)
        if reached.sum() < 2:
            raise ValueError(f"the action potential reached {int(reached.sum())} of the {int(inside.sum())} recorded "
                             "sites in the middle of the cable: no velocity (a longer run, a stronger stimulus, "
                             "or more recorded sites)")
        slope = np.polyfit(times[reached], self.x[reached], 1)[0]  # um/ms
        return float(slope) * 1e-3  # 1 um/ms = 1e-3 m/s

    def plot(self, ax: Any = None) -> Any:
        """V along the cable against time, as an image (x in mm, t in ms). Returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        image = ax.pcolormesh(self.ts, self.x * 1e-3, self.V.T, shading="auto", cmap="viridis")
        ax.figure.colorbar(image, ax=ax, label="V (mV)")
        ax.set_xlabel("t (ms)")
        ax.set_ylabel("x (mm)")
        return ax


def _injections(stimulus: Any, cable: Cable) -> tuple[np.ndarray, ...]:
    items = [stimulus] if isinstance(stimulus, Injection) else list(stimulus)
    if not items or not all(isinstance(s, Injection) for s in items):
        raise TypeError(f"stimulus must be an Injection or a list of them, got {stimulus!r}")
    rows = []
    for i, s in enumerate(items):
        site = cable.site(s.site, f"stimulus[{i}].site")
        amplitude = check_real(f"stimulus[{i}].amplitude", s.amplitude)
        start = check_real(f"stimulus[{i}].start", s.start, low=0.0)
        duration = check_real(f"stimulus[{i}].duration", s.duration, low=0.0, low_open=True)
        rows.append((site, amplitude, start, start + duration))
    index, amplitude, start, stop = (np.array(col) for col in zip(*rows, strict=True))
    return index.astype(np.int32), amplitude, start, stop


def _record_indices(record: Any, cable: Cable) -> np.ndarray:
    if isinstance(record, str) and record == "all":
        return np.arange(cable.n)
    if isinstance(record, str):
        raise ValueError(f"record must be 'all' or a sequence of positions (um), got {record!r}")
    sites = np.atleast_1d(np.asarray(record, dtype=float))
    if sites.ndim != 1 or sites.size == 0:
        raise ValueError(f"record must be 'all' or a 1-D sequence of positions (um), got {record!r}")
    return np.array([cable.site(x, f"record[{i}]") for i, x in enumerate(sites)])


def propagate(duration: float = 10.0, *, cable: Cable | None = None, stimulus: Any = None, dt: float = 0.01,
              scheme: str = "cn", params: HHParams | None = None, V_init: float | None = None,
              record: Any = "all") -> CableResult:
    """Stimulate an HH cable and record the action potential travelling along it.

    Parameters
    ----------
    duration : float
        ms (a whole number of steps).  Default 10.
    cable : Cable, optional
        Geometry (default: the squid giant axon, 5 cm in 500 compartments of 100 um, sealed ends).
    stimulus : Injection or list of Injection, optional
        Current pulses, nA (default: 20 uA = 20,000 nA for 0.2 ms into the first compartment;
        the giant axon is a large load).
    dt : float
        Step, ms, at most :data:`MAX_DT`.  Default 0.01.
    scheme : {'cn', 'be'}
        Crank-Nicolson (default) or backward Euler for V; see the module notes.
    params : HHParams, optional
        The membrane, one value or one per compartment (default: the paper's at 18.5 deg C,
        :func:`squid_axon_params`).
    V_init : float, optional
        Initial V (mV) with the gates at steady state there; default the membrane's resting state.
    record : 'all' or sequence of float
        Where to record V: every compartment, or the compartments at these positions (um).

    Returns
    -------
    CableResult
        With ``arrival_times()``, ``velocity()`` (m/s) and ``plot()``.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> r = hb.cable.propagate(6.0)
    >>> round(r.velocity(), 1)
    18.7
    """
    cable = Cable() if cable is None else cable
    if not isinstance(cable, Cable):
        raise TypeError(f"cable must be a hh_brainpy.cable.Cable, got {type(cable).__name__}")
    p = squid_axon_params() if params is None else HHParams.from_overrides(params)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be 'cn' (Crank-Nicolson) or 'be' (backward Euler), got {scheme!r}")
    dt = check_dt(dt)
    if dt > MAX_DT:
        raise ValueError(f"dt = {dt:g} ms is longer than {MAX_DT:g} ms, where the staggered gates already make "
                         "the velocity 10 % low; use a smaller dt (0.01 ms: 0.1 % from converged)")
    steps = check_duration(duration, dt)
    injections = _injections(Injection() if stimulus is None else stimulus, cable)
    record_at = _record_indices(record, cable)
    check_memory(8 * (steps + 1) * record_at.size, "V(x, t) at the recorded sites",
                 "record fewer sites (record=[...]) or a shorter duration")
    state = initial_state(cable, p, V_init)
    V = _run_in_chunks(state, injections, cable, p, dt, steps, scheme, record_at)
    return CableResult(np.arange(steps + 1) * dt, cable.positions()[record_at], V, cable, p, dt, scheme)


def initial_state(cable: Cable, p: HHParams, V_init: float | None) -> tuple[np.ndarray, ...]:
    """``(V, m, h, n)`` of every compartment: V_init (default the membrane's rest) with the gates at steady state.

    Parameters
    ----------
    cable : Cable
    p : HHParams
    V_init : float or None
        mV; None for the membrane's resting potential.

    Returns
    -------
    tuple of four ndarrays, shape (n,)

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> V, m, h, n = hb.cable.initial_state(hb.cable.Cable(n=10), hb.cable.squid_axon_params(), -65.0)
    >>> V.shape, float(V[0])
    ((10,), -65.0)
    """
    from hh_brainpy.excitability import fixed_point

    if V_init is None:
        V0 = float(fixed_point(0.0, **{name: float(np.mean(v)) for name, v in p.membrane().items()})[0])
    else:
        V0 = check_real("V_init", V_init, low=-200.0, high=200.0)
    gates = (float(g) for g in k.steady_gates(V0))
    dtype = jax.dtypes.canonicalize_dtype(float)
    return tuple(np.full(cable.n, x, dtype=dtype) for x in (V0, *gates))


def _run_in_chunks(state: Any, injections: Any, cable: Cable, p: HHParams, dt: float, steps: int, scheme: str,
                   record_at: np.ndarray) -> np.ndarray:
    """V at the recorded compartments, shape (steps + 1, sites), in chunks that Ctrl-C can stop between."""
    chunk = interruptible_chunk(cable.n, steps)
    pieces = [np.asarray(state[0])[record_at][None]]
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        state, V = _run(state, injections, cable, p, dt, n, jnp.asarray(done), scheme, jnp.asarray(record_at))
        pieces.append(np.asarray(V))
        done += n
    V = np.concatenate(pieces).astype(float)
    if not np.all(np.isfinite(V)):
        raise FloatingPointError("V became non-finite along the cable; check the parameters and the stimulus")
    return V


def _crossing_time(V: Any, dt: float) -> Any:
    """First upward 0 mV crossing (ms) of ``V`` sampled after steps 1, 2, ... (pure JAX; the index is
    held, the interpolation differentiable)."""
    up = (V[:-1] < COUNTING_V_TH) & (V[1:] >= COUNTING_V_TH)
    i = jax.lax.stop_gradient(jnp.argmax(up))
    v0, v1 = V[i], V[i + 1]
    return (i + 1 + (COUNTING_V_TH - v0) / (v1 - v0)) * dt


def conduction_velocity(cable: Cable, params: HHParams, *, between: tuple[float, float] = (0.25, 0.75),
                        duration: float = 6.0, dt: float = 0.01, stimulus: Injection | None = None,
                        scheme: str = "cn", V_init: float = -65.0) -> Any:
    """Velocity (m/s) between the compartments at the fractions ``between`` of the cable, as a JAX value.

    Differentiable: ``jax.grad`` of it with respect to the cable's ``Ri``, ``radius`` or ``length`` or to
    any membrane parameter works (the arrival times are interpolated, the crossing step is held).  The
    structure (``n``, fractions, ``duration``, ``dt``, the stimulus) must be concrete.

    Parameters
    ----------
    cable : Cable
    params : HHParams
        The membrane.
    between : (float, float)
        Fractions of the cable's length (default 0.25 and 0.75).
    duration : float
        ms (default 6).
    dt : float
        ms (default 0.01).
    stimulus : Injection, optional
        Default: 20,000 nA for 0.2 ms at the start.
    scheme : str
        ``"cn"`` (default) or ``"be"``.
    V_init : float
        mV (default -65).

    Returns
    -------
    JAX scalar
        m/s.

    Examples
    --------
    >>> import dataclasses, jax, hh_brainpy as hb
    >>> axon, squid = hb.cable.Cable(length=20_000.0, n=200), hb.cable.squid_axon_params()
    >>> dv_dRi = jax.grad(lambda Ri: hb.cable.conduction_velocity(dataclasses.replace(axon, Ri=Ri), squid))(35.4)
    >>> bool(dv_dRi < 0)  # a more resistive axoplasm conducts more slowly
    True
    """
    lo, hi = (int(f * cable.n) for f in between)
    if not 0 <= lo < hi < cable.n:
        raise ValueError(f"between must pick two compartments, 0 <= low < high < 1, got {between!r}")
    steps = int(round(duration / dt))
    stim = Injection() if stimulus is None else stimulus
    injections = (jnp.asarray([min(cable.n - 1, int(stim.site / float(cable.dx)))]) if not isinstance(
        cable.length, jax.core.Tracer) else jnp.asarray([0]), jnp.asarray([stim.amplitude]),
        jnp.asarray([stim.start]), jnp.asarray([stim.start + stim.duration]))
    gates = k.steady_gates(jnp.asarray(V_init))
    state = tuple(jnp.full(cable.n, x) for x in (V_init, *gates))
    _, V = cable_trajectory(state, injections, cable, params, dt, steps, 0, scheme, jnp.asarray([lo, hi]))
    t_lo, t_hi = _crossing_time(V[:, 0], dt), _crossing_time(V[:, 1], dt)
    return (hi - lo) * cable.dx / (t_hi - t_lo) * 1e-3
