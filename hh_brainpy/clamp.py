r"""Voltage clamp: the membrane held at a command potential, the gates integrated, the currents read off.

Under a clamp V is prescribed, so the three gates decouple and each relaxes
exponentially towards its steady state at the command potential
(Hodgkin & Huxley 1952, eqs. 7 and 15):

.. math::

    x(t + \Delta t) = x_\infty(V) - \big(x_\infty(V) - x(t)\big)\,e^{-\Delta t\,\phi(T)/\tau_x(V)},
    \qquad x \in \{m, h, n\},

with :math:`x_\infty = \alpha_x/(\alpha_x+\beta_x)`, :math:`\tau_x = 1/(\alpha_x+\beta_x)` and the
temperature factor :math:`\phi(T) = 3^{(T-6.3)/10}`.  The command is held constant over each step
(a zero-order hold, as a clamp amplifier driven by a digital command applies it), and over a step of
constant V the update above is the exact solution: a step or a train of steps whose edges fall on
the grid is integrated to float precision, with no error that depends on ``dt``.  ``dt`` only sets
where the result is sampled and where a waveform's edges may fall.

From the gates follow the conductances :math:`g_{Na}(t) = \bar g_{Na} m^3 h` and
:math:`g_K(t) = \bar g_K n^4` (mS/cm^2) and the ionic currents
:math:`I_{Na} = g_{Na}(t)(V-E_{Na})`, :math:`I_K = g_K(t)(V-E_K)`, :math:`I_L = g_L (V-E_L)`
(uA/cm^2, outward positive, as the paper plots them with inward current downwards).  The capacitive
current :math:`C\,dV/dt` of an ideal step is an impulse carrying the charge
:math:`C\,\Delta V` (nC/cm^2); :attr:`ClampResult.capacitive_charge` reports it per edge, and for a
waveform that changes smoothly :attr:`ClampResult.I_capacitive` is :math:`C\,\Delta V/\Delta t`
step by step.

References
----------
.. [1] Hodgkin, A. L. & Huxley, A. F. (1952). A quantitative description of membrane current and
   its application to conduction and excitation in nerve. J. Physiol. 117:500-544 (Figs. 2-3: the
   conductance families; eqs. 7, 15: the exponential relaxation under a clamp).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import check_dt, check_duration, check_memory, check_real
from hh_brainpy.params import DEFAULT_DT, HHParams, as_float_array

__all__ = ["ClampResult", "voltage_clamp", "clamp_gates", "step_sequence", "gate_relaxation"]

#: Allowed command potentials, mV: beyond them the rate functions overflow in float32.
COMMAND_RANGE = (-200.0, 200.0)


def gate_relaxation(x0: Any, V: Any, t: Any, temperature: Any = k.T_REF) -> tuple[Any, Any, Any]:
    r"""The closed form of the three gates after ``t`` ms at a constant potential V (mV).

    :math:`x(t) = x_\infty(V) - (x_\infty(V) - x_0)\,e^{-t\,\phi(T)/\tau_x(V)}` for
    ``x0 = (m0, h0, n0)``; ``t`` broadcasts against them.  Pure JAX, differentiable.

    Parameters
    ----------
    x0 : tuple of three arrays
        ``(m0, h0, n0)`` at t = 0.
    V : float or array
        The clamped potential, mV.
    t : float or array
        Time since the step, ms.
    temperature : float or array
        deg C (default 6.3).

    Returns
    -------
    tuple of three arrays
        ``(m, h, n)`` at ``t``.

    Examples
    --------
    >>> from hh_brainpy import kinetics as k
    >>> from hh_brainpy.clamp import gate_relaxation
    >>> m, h, n = gate_relaxation(k.steady_gates(-65.0), 0.0, 100.0)
    >>> round(float(n), 4) == round(float(k.n_inf(0.0)), 4)
    True
    """
    phi = k.temperature_factor(temperature)
    rates = (k.m_alpha(V), k.m_beta(V)), (k.h_alpha(V), k.h_beta(V)), (k.n_alpha(V), k.n_beta(V))
    out = []
    for x, (a, b) in zip(x0, rates, strict=True):
        x_inf = k.steady_state(a, b)
        out.append(x_inf - (x_inf - x) * jnp.exp(-t * phi * (a + b)))
    return tuple(out)


def clamp_gates(waveform: Any, gates0: Any, p: HHParams, dt: float) -> tuple[Any, Any, Any]:
    """The gates under a command ``waveform`` (mV, shape (T, ...)), as a pure JAX function (no checks).

    ``waveform[i]`` is held over the step that starts at ``t = i * dt``; ``gates0 = (m, h, n)`` is the
    state at t = 0.  Returns m, h, n of ``waveform``'s shape, sample ``i`` at ``t = i * dt``.  Usable
    inside ``jax.grad``, ``jax.vmap`` and ``jax.jit``; the parameters ``p`` are data.

    Parameters
    ----------
    waveform : array, shape (T, ...)
        The command, mV.
    gates0 : tuple of three arrays
        ``(m, h, n)`` at t = 0.
    p : HHParams
        The parameters (only ``temperature`` enters the gates).
    dt : float
        Sampling step, ms.

    Returns
    -------
    tuple of three arrays
        ``(m, h, n)``, each of ``waveform``'s shape.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import hh_brainpy as hb
    >>> from hh_brainpy import kinetics as k
    >>> from hh_brainpy.clamp import clamp_gates
    >>> m, h, n = clamp_gates(jnp.full(101, -20.0), k.steady_gates(-65.0), hb.DEFAULT_PARAMS, 0.01)
    >>> m.shape, bool(m[-1] > m[0])
    ((101,), True)
    """
    waveform = jnp.asarray(waveform)
    x0 = jnp.stack(jnp.broadcast_arrays(*(jnp.asarray(g, dtype=waveform.dtype) for g in gates0),
                                        waveform[0]))[:3]

    def body(x: Any, V: Any) -> Any:
        x = jnp.stack(gate_relaxation(tuple(x), V, dt, p.temperature))
        return x, x

    _, xs = jax.lax.scan(body, x0, waveform[:-1])
    xs = jnp.concatenate([x0[None], xs])
    return xs[:, 0], xs[:, 1], xs[:, 2]


@functools.partial(jax.jit, static_argnums=(3,))
def _clamp_compiled(waveform: Any, gates0: Any, p: HHParams, dt: float) -> Any:
    return clamp_gates(waveform, gates0, p, dt)


@dataclasses.dataclass(frozen=True, eq=False)
class ClampResult:
    """What :func:`voltage_clamp` returns: the command, the gates, and what follows from them.

    Attributes
    ----------
    ts : ndarray, shape (T,)
        Sample times, ms; ``ts[0] = 0`` is the moment the command starts.
    V : ndarray, shape (T, N)
        The command potential held over the step that starts at each sample, mV.
    m, h, n : ndarray, shape (T, N)
        The gates at each sample (at t = 0 the steady state at ``holding``).
    params : HHParams
        The parameters.
    holding : float
        The potential before t = 0, at whose steady state the gates start, mV.
    dt : float
        Sampling step, ms.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> r = hb.voltage_clamp([-39.0, -14.0], duration=5.0, params=hb.parameter_set("hh1952"))
    >>> r.gNa.shape
    (501, 2)
    >>> [round(float(g), 1) for g in r.peak_gNa()]
    [5.2, 21.4]
    """

    ts: np.ndarray
    V: np.ndarray
    m: np.ndarray
    h: np.ndarray
    n: np.ndarray
    params: HHParams
    holding: float
    dt: float

    @property
    def gNa(self) -> np.ndarray:
        r"""Sodium conductance :math:`\bar g_{Na} m^3 h`, mS/cm^2, shape (T, N)."""
        return np.asarray(self.params.gNa) * self.m**3 * self.h

    @property
    def gK(self) -> np.ndarray:
        r"""Potassium conductance :math:`\bar g_K n^4`, mS/cm^2, shape (T, N)."""
        return np.asarray(self.params.gK) * self.n**4

    @property
    def INa(self) -> np.ndarray:
        """Sodium current :math:`g_{Na}(t)(V-E_{Na})`, uA/cm^2 (outward positive; inward is negative)."""
        return self.gNa * (self.V - np.asarray(self.params.ENa))

    @property
    def IK(self) -> np.ndarray:
        """Potassium current :math:`g_K(t)(V-E_K)`, uA/cm^2 (outward positive)."""
        return self.gK * (self.V - np.asarray(self.params.EK))

    @property
    def IL(self) -> np.ndarray:
        """Leak current :math:`g_L(V-E_L)`, uA/cm^2 (outward positive)."""
        return np.asarray(self.params.gL) * (self.V - np.asarray(self.params.EL))

    @property
    def I_ionic(self) -> np.ndarray:
        """Total ionic current ``INa + IK + IL``, uA/cm^2: what the amplifier supplies once V is held."""
        return self.INa + self.IK + self.IL

    @property
    def capacitive_charge(self) -> np.ndarray:
        r"""Charge :math:`C\,\Delta V` (nC/cm^2) moved onto the membrane at each sample, shape (T, N).

        Row 0 is the step from ``holding`` to the first command; row i the change from sample i-1 to i.
        """
        V_before = np.concatenate([np.full_like(self.V[:1], self.holding), self.V[:-1]])
        return np.asarray(self.params.C) * (self.V - V_before)

    @property
    def I_capacitive(self) -> np.ndarray:
        r"""Capacitive current :math:`C\,\Delta V/\Delta t` (uA/cm^2) of each step, shape (T, N).

        Meaningful for a smooth waveform (a ramp, a sine); for an ideal step it is the impulse's charge
        spread over one step (see :attr:`capacitive_charge`).
        """
        return self.capacitive_charge / self.dt

    def peak_gNa(self) -> np.ndarray:
        """The largest sodium conductance of each trace, mS/cm^2, shape (N,)."""
        return self.gNa.max(axis=0)

    def time_to_peak_gNa(self) -> np.ndarray:
        """When the sodium conductance peaks, ms from the start of the command, shape (N,).

        Refined between samples by the parabola through the peak sample and its neighbours.
        """
        g = self.gNa
        i = np.clip(g.argmax(axis=0), 1, len(self.ts) - 2)
        cols = np.arange(g.shape[1])
        y0, y1, y2 = g[i - 1, cols], g[i, cols], g[i + 1, cols]
        curvature = y0 - 2 * y1 + y2
        shift = np.where(curvature < 0, 0.5 * (y0 - y2) / np.where(curvature < 0, curvature, -1.0), 0.0)
        return self.ts[i] + np.clip(shift, -1.0, 1.0) * self.dt

    def steady_gK(self) -> np.ndarray:
        r"""The potassium conductance the last command tends to, :math:`\bar g_K n_\infty(V)^4`, shape (N,).

        The closed-form limit (the paper's "steady" value), not the value at the last sample; compare
        ``gK[-1]`` to see how close the run came to it.
        """
        n_inf = np.asarray(k.n_inf(jnp.asarray(self.V[-1])))
        return np.asarray(self.params.gK) * n_inf**4

    def summary(self) -> dict[str, np.ndarray]:
        """The conductance family as columns: command and depolarization (mV), peak gNa (mS/cm^2),
        its time (ms) and steady gK (mS/cm^2), one row per trace."""
        return {"command": self.V[-1], "depolarization": self.V[-1] - self.holding,
                "peak_gNa": self.peak_gNa(), "time_to_peak": self.time_to_peak_gNa(),
                "steady_gK": self.steady_gK()}

    def plot(self, axes: Any = None, *, what: str = "conductances") -> Any:
        """The command and the conductances (``what="conductances"``) or currents (``"currents"``).

        Returns the two Axes (command above, the chosen quantities below).
        """
        from hh_brainpy.plotting import plot_clamp

        return plot_clamp(self, axes, what=what)


def step_sequence(steps: Sequence[tuple[float, float]], dt: float = DEFAULT_DT) -> np.ndarray:
    """A command waveform from ``[(potential in mV, duration in ms), ...]`` on the ``dt`` grid.

    Each duration must be a whole number of steps; the result has one sample per step plus the
    final sample (shape (T,)), ready for ``voltage_clamp(waveform=...)``.  Example: a prepulse
    protocol, ``step_sequence([(-95.0, 20.0), (-20.0, 10.0)])``.

    Parameters
    ----------
    steps : sequence of (float, float)
        ``(potential, duration)`` pairs: mV, ms (each duration > 0, a whole number of ``dt``).
    dt : float
        Sampling step, ms (default 0.01).

    Returns
    -------
    ndarray, shape (T,)
        The command, mV, one sample per step plus the last.

    Raises
    ------
    ValueError
        An empty list, a non-finite potential, or a duration that is not a positive whole number of steps.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> w = hb.step_sequence([(-95.0, 20.0), (-20.0, 10.0)], dt=0.1)
    >>> w.shape, float(w[0]), float(w[-1])
    ((301,), -95.0, -20.0)
    """
    dt = check_dt(dt)
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or len(steps) == 0:
        raise TypeError(f"steps must be a non-empty sequence of (potential mV, duration ms) pairs, got {steps!r}")
    pieces = []
    for i, pair in enumerate(steps):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"steps[{i}] must be a (potential mV, duration ms) pair, got {pair!r}")
        V = check_real(f"steps[{i}] potential", pair[0], low=COMMAND_RANGE[0], high=COMMAND_RANGE[1])
        n = check_duration(check_real(f"steps[{i}] duration", pair[1], low=0.0, low_open=True), dt)
        pieces.append(np.full(n, V))
    return np.concatenate([*pieces, pieces[-1][-1:]])


def _commands(command: Any, waveform: Any, duration: Any, dt: float) -> np.ndarray:
    """The (T, N) command array from a family of step levels or from a waveform (exactly one)."""
    if (command is None) == (waveform is None):
        raise TypeError("give exactly one of command (step potentials, mV) and waveform (an array of V(t), mV)")
    if waveform is not None:
        if duration is not None:
            raise TypeError("duration is set by the waveform's length; give no duration with a waveform")
        W = as_float_array(waveform, "waveform")
        if W.ndim not in (1, 2) or W.shape[0] < 2:
            raise ValueError(f"waveform must have shape (T,) or (T, N) with T >= 2 samples, got {W.shape}")
        W = W.reshape(W.shape[0], -1)
        check_memory(8 * 4 * W.size, "the clamp's traces (V, m, h, n)", "clamp a shorter or narrower waveform")
    else:
        levels = np.atleast_1d(as_float_array(command, "command"))
        if levels.ndim != 1 or levels.size == 0:
            raise ValueError(f"command must be a potential or a 1-D sequence of them (mV), got shape {levels.shape}")
        if duration is None:
            raise TypeError("a step command needs its duration (ms): voltage_clamp(command, duration=...)")
        steps = check_duration(duration, dt)
        check_memory(8 * 4 * (steps + 1) * levels.size, "the clamp's traces (V, m, h, n)",
                     "clamp fewer levels or a shorter duration")
        W = np.broadcast_to(levels, (steps + 1, levels.size))
    name = "waveform" if waveform is not None else "command"
    if not np.all(np.isfinite(W)):
        bad = np.argwhere(~np.isfinite(W))[0]
        raise ValueError(f"{name} must be finite, got {W[tuple(bad)]!r} at sample {bad[0]}")
    if np.any((W < COMMAND_RANGE[0]) | (W > COMMAND_RANGE[1])):
        raise ValueError(f"{name} potentials must lie in [{COMMAND_RANGE[0]:g}, {COMMAND_RANGE[1]:g}] mV, "
                         f"got values from {W.min():g} to {W.max():g}")
    return W


def voltage_clamp(
    command: Any = None,
    *,
    duration: float | None = None,
    waveform: Any = None,
    holding: float = -65.0,
    dt: float = DEFAULT_DT,
    params: HHParams | None = None,
    **overrides: Any,
) -> ClampResult:
    """Hold the membrane at a command potential and record the gates, conductances and currents.

    The gates start at their steady state at ``holding`` and relax under the command exactly
    (see the module notes); one compiled loop runs every trace of a family.

    Parameters
    ----------
    command : float or sequence of float, optional
        Step potential(s), mV: each is one trace, held from t = 0 for ``duration`` ms.  The paper's
        families are depolarizations from rest: ``voltage_clamp(-65.0 + np.array([26, 51, 76, 109]),
        duration=10.0)``.
    duration : float
        Length of a step command, ms (a whole number of ``dt``).  Not with ``waveform``.
    waveform : array_like, shape (T,) or (T, N), optional
        Instead of ``command``: the command at ``t = i * dt`` (mV), each held for one step
        (:func:`step_sequence` builds one from (potential, duration) pairs).
    holding : float
        Holding potential before t = 0, mV.  Default -65 (the paper's rest, shifted).
    dt : float
        Sampling step, ms.  Default 0.01.
    params : HHParams, optional
        The parameters (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` (``gNa``, ...,
        ``temperature``) apply on top, validated.

    Returns
    -------
    ClampResult
        ``ts`` (T,), ``V``, ``m``, ``h``, ``n`` (T, N), with ``gNa``, ``gK``, ``INa``, ``IK``, ``IL``,
        ``peak_gNa()``, ``time_to_peak_gNa()``, ``steady_gK()``, ``summary()`` and ``plot()``.

    Raises
    ------
    ValueError
        A command or waveform that is not finite or lies outside [-200, 200] mV, a non-positive
        ``duration`` or ``dt``, a parameter out of its range; each names the input.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> r = hb.voltage_clamp(-65.0 + 51.0, duration=5.0, params=hb.parameter_set("hh1952"))
    >>> round(float(r.peak_gNa()[0]), 1), round(float(r.time_to_peak_gNa()[0]), 2)
    (21.4, 0.78)
    """
    p = HHParams.from_overrides(params, **overrides)
    dt = check_dt(dt)
    holding = check_real("holding", holding, low=COMMAND_RANGE[0], high=COMMAND_RANGE[1])
    W = _commands(command, waveform, duration, dt)
    m, h, n = _gates_under(W, holding, p, dt)
    return ClampResult(np.arange(W.shape[0]) * dt, np.asarray(W, dtype=float), m, h, n, p, holding, dt)


def _gates_under(W: np.ndarray, holding: float, p: HHParams, dt: float) -> list[np.ndarray]:
    """m, h, n under the command ``W`` (T, N), from their steady state at ``holding``, as NumPy arrays."""
    dtype = jax.dtypes.canonicalize_dtype(float)
    gates0 = tuple(np.asarray(g, dtype=dtype) for g in k.steady_gates(holding))
    return [np.asarray(x) for x in _clamp_compiled(np.asarray(W, dtype=dtype), gates0, p, dt)]
