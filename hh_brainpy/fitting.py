r"""Gradients of simulated traces and fitting of model parameters to a voltage trace.

Every step of the model is a JAX function, so a loss on a simulated trace can
be differentiated with ``jax.grad`` (reverse mode) or ``jax.jacfwd`` (forward
mode) with respect to the conductances, the reversal potentials, ``C``, the
temperature and ``Iext``.  :func:`voltage_trace` is that differentiable
simulation; :func:`fit` uses it to recover parameters from a target trace.

How :func:`fit` works
---------------------
It minimises the sum of squared differences between the simulated and the
target V (mV^2) by Levenberg-Marquardt: with only a handful of parameters the
Jacobian of the ~5000 residuals is a few forward-mode passes
(``jax.jacfwd``), and Gauss-Newton steps converge in tens of iterations where
first-order methods (Adam and friends) need thousands.  Conductances and
``C`` are fitted as logarithms (they stay positive); potentials, the
temperature and ``Iext`` as they are.

A spiking trace makes the loss very non-convex: a parameter change that moves
a spike by a millisecond changes the residual by 100 mV there.  :func:`fit`
therefore grows the window it fits over, by default the first 20 %, 40 %,
60 % and then all of the trace, each stage starting where the last ended, so
that spikes are matched one after the other (a continuation, or curriculum,
strategy).

Targets and stopping
--------------------
An :class:`hh_brainpy.HHResult` target is fitted on its own time axis: a
decimated one (``record_every = k``) is compared every k-th integration step,
and one that starts later (a ``window``) starts from its recorded V, m, h, n
(refused if the gates were not recorded and no ``y0`` is given).  An array
target is V sampled every ``dt`` from t = 0, starting from its first V with
the gates at steady state (which does not depend on the fitted parameters).
A window ends when no parameter moves by more than ``xtol`` (relative for
conductances and C, absolute otherwise) or no step lowers the cost; the
default 1e-10 in float64 and 1e-5 in float32 is what rounding noise in a
5000-step trace allows.  ``converged`` is True only if the last window ended
so *and* the root-mean-square difference over the whole trace is at most
``residual_tol`` mV.

References
----------
.. [1] Marquardt, D. W. (1963). An algorithm for least-squares estimation of
   nonlinear parameters. J. Soc. Ind. Appl. Math. 11(2):431-441.
.. [2] Deistler, M. et al. (2024). Jaxley: differentiable simulation enables
   large-scale training of detailed biophysical models of neural dynamics.
   bioRxiv 2024.08.21.608979.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy import kinetics as k
from hh_brainpy.checks import _is_real_number, check_dt_for_method, check_int, check_method, check_params, check_real
from hh_brainpy.integrator import trajectory
from hh_brainpy.params import (
    DEFAULT_DT,
    DEFAULT_IEXT,
    DEFAULT_PARAMS,
    SETTABLE,
    as_float_array,
    split_varied_and_fixed,
)
from hh_brainpy.result import HHResult

__all__ = ["FITTABLE", "FitResult", "voltage_trace", "fit"]

#: Names :func:`fit` and :func:`voltage_trace` accept as parameters.
FITTABLE = SETTABLE
_POSITIVE = ("gNa", "gK", "gL", "C")  # fitted as logarithms


def voltage_trace(
    params: Mapping[str, Any],
    steps: int,
    *,
    y0: Any = None,
    dt: float = DEFAULT_DT,
    method: str = "rk4",
) -> Any:
    """Simulated V (mV) at ``t = 0, dt, ..., steps * dt``: a pure, differentiable JAX function.

    Parameters
    ----------
    params : mapping
        Any of ``gNa, ENa, gK, EK, gL, EL, C, temperature`` and ``Iext``
        (uA/cm^2, constant); missing ones take the defaults.  Values may be
        JAX tracers, so ``jax.grad(lambda p: loss(voltage_trace(p, n)))(p)``
        gives the gradient with respect to every entry of ``p``.
    steps : int
        Number of steps.
    y0 : tuple of 4, optional
        Initial ``(V, m, h, n)``.  Default: V = -65 mV, gates at steady state.
    dt : float
        Step, ms.  Default 0.01.
    method : str
        Integration method.  Default ``'rk4'``.

    Returns
    -------
    jax.Array
        V of shape ``(steps + 1,)`` (or ``(steps + 1, *shape)`` for array inputs).

    Examples
    --------
    >>> import jax
    >>> from hh_brainpy.fitting import voltage_trace
    >>> grad = jax.grad(lambda p: voltage_trace(p, 100)[-1])({"gL": 0.03, "Iext": 10.0})
    >>> sorted(grad)
    ['Iext', 'gL']
    """
    unknown = set(params) - set(FITTABLE)
    if unknown:
        raise TypeError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(FITTABLE)}")
    if y0 is None:
        y0 = resting_start(-65.0)
    membrane = {name: value for name, value in params.items() if name != "Iext"}
    Iext = params.get("Iext", DEFAULT_IEXT)
    # the values may be tracers, so no value checks here (fit checks them before tracing)
    p = dataclasses.replace(DEFAULT_PARAMS, **membrane)
    V, _, _, _ = trajectory(y0, steps, Iext, p, dt=dt, method=method)
    return V


def resting_start(V0: Any) -> tuple[Any, Any, Any, Any]:
    """``(V0, m_inf(V0), h_inf(V0), n_inf(V0))``: V0 with every gate at steady state (independent of g, E, C, T)."""
    V0 = jnp.asarray(V0)
    return (V0, *k.steady_gates(V0))


@dataclasses.dataclass(frozen=True)
class FitResult:
    """What :func:`fit` found.

    Attributes
    ----------
    params : dict
        The fitted values, by name (units as in :class:`hh_brainpy.HHParams`).
    initial : dict
        The starting values.
    losses : ndarray
        Mean squared error (mV^2) over the whole trace: at the start, then
        after each accepted step.
    iterations : int
        Accepted Levenberg-Marquardt steps over all stages.
    converged : bool
        Whether the last stage met the tolerance.
    ts, target, V_initial, V_fitted : ndarray
        Time (ms), the target trace and the traces simulated with the initial
        and the fitted parameters.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> target = hb.simulate(5.0, Iext=10.0)  # the first action potential
    >>> result = hb.fit(target, {"gK": 30.0}, fixed={"Iext": 10.0})
    >>> round(result.params["gK"], 2), bool(result.losses[-1] < result.losses[0])
    (36.0, True)
    """

    params: dict[str, float]
    initial: dict[str, float]
    losses: np.ndarray
    iterations: int
    converged: bool
    ts: np.ndarray
    target: np.ndarray
    V_initial: np.ndarray
    V_fitted: np.ndarray

    def relative_error(self, truth: Mapping[str, float]) -> dict[str, float]:
        """``fitted / truth - 1`` for each fitted parameter in ``truth``."""
        return {name: self.params[name] / truth[name] - 1.0 for name in self.params if name in truth}


def fit(
    target: Any, initial: Mapping[str, float], *, dt: float | None = None, fixed: Mapping[str, Any] | None = None,
    y0: Any = None, method: str = "rk4", windows: Sequence[float] = (0.2, 0.4, 0.6, 1.0), max_iter: int = 100,
    xtol: float | None = None, residual_tol: float = 0.1,
) -> FitResult:
    r"""Fit model parameters so that the simulated V matches a target trace (least squares).

    Parameters
    ----------
    target : array_like or HHResult
        Target V (mV): an array sampled every ``dt`` from t = 0, or a
        one-neuron :class:`hh_brainpy.HHResult` (see the module notes).
    initial : mapping
        Starting values of the parameters to fit (any of :data:`FITTABLE`).
    dt, method
        Integration step (ms; an array target's sampling step, default 0.01;
        for an ``HHResult`` target its own dt, which a different ``dt`` here
        contradicts and is refused) and method (default ``'rk4'``).
    fixed : mapping, optional
        Other parameters (default :class:`hh_brainpy.HHParams`, ``Iext = 10``).
    y0 : tuple of 4, optional
        Initial ``(V, m, h, n)``; default as in the module notes.
    windows, max_iter, xtol, residual_tol
        Fractions of the trace fitted in turn (increasing, ending at 1.0), the
        most accepted steps per window, the step tolerance and the largest RMS
        residual (mV, default 0.1) that counts as converged; see the module notes.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> target = hb.simulate(20.0, Iext=10.0)
    >>> result = hb.fit(target, {"gNa": 100.0, "gK": 40.0}, fixed={"Iext": 10.0})
    >>> {name: round(value, 3) for name, value in result.params.items()}
    {'gNa': 120.0, 'gK': 36.0}
    """
    target, dt, every, start_state = _as_target(target, dt)
    max_iter, residual_tol, xtol = _check_tolerances(max_iter, residual_tol, xtol)
    names, fixed, start = _check_fit_arguments(initial, fixed)
    method = check_method(method)
    check_dt_for_method(dt, method, **{n: v for n, v in {**fixed, **start}.items() if n != "Iext"})
    windows = _check_windows(windows)
    if y0 is None:
        y0 = start_state if start_state is not None else resting_start(target[0])
    problem = _Problem(names, fixed, target, every, y0, dt, method)
    if xtol is None:
        xtol = 1e-10 if problem.dtype == jnp.float64 else 1e-5
    theta0 = problem.to_theta(start)
    theta, losses, iterations, converged = _in_windows(problem, theta0, windows, max_iter, xtol)
    return FitResult(
        params=problem.to_params(theta), initial=start, losses=np.asarray(losses), iterations=iterations,
        converged=converged and math.sqrt(losses[-1]) <= residual_tol,
        ts=np.arange(target.size) * every * dt, target=np.asarray(target),
        V_initial=np.asarray(problem.simulate(theta0)), V_fitted=np.asarray(problem.simulate(theta)),
    )


def _in_windows(problem: _Problem, theta: Any, windows: tuple[float, ...], max_iter: int,
                xtol: float) -> tuple[Any, list[float], int, bool]:
    """Levenberg-Marquardt over each growing window in turn; the losses after every accepted step."""
    losses, iterations, converged = [problem.loss(theta)], 0, False
    for fraction in windows:
        keep = int(round(fraction * (problem.target.size - 1)))
        theta, n, converged = _levenberg_marquardt(problem.residual, problem.jacobian, theta, keep, max_iter, xtol,
                                                   problem.loss, losses)
        iterations += n
    return theta, losses, iterations, converged


def _check_fit_arguments(initial: Mapping[str, float], fixed: Mapping[str, Any] | None
                         ) -> tuple[tuple[str, ...], dict[str, Any], dict[str, float]]:
    if not isinstance(initial, Mapping):
        raise TypeError(f"initial must be a dict of starting values, got {type(initial).__name__}")
    names = tuple(initial)
    if not names:
        raise ValueError("initial must name at least one parameter to fit")
    fixed = split_varied_and_fixed(names, fixed, "initial")
    start = {name: float(initial[name]) for name in names}
    check_params({**fixed, **start})
    for name in _POSITIVE:
        if name in start and start[name] <= 0:
            raise ValueError(f"initial {name} must be > 0 to be fitted (it is fitted as a logarithm), "
                             f"got {start[name]}")
    return names, fixed, start


class _Problem:
    """The least-squares problem: parameters (conductances and C as logarithms) to residuals at the samples."""

    def __init__(self, names: tuple[str, ...], fixed: dict[str, Any], target: np.ndarray, every: int, y0: Any,
                 dt: float, method: str) -> None:
        self.names, self.fixed, self.every, self.y0, self.dt, self.method = names, fixed, every, y0, dt, method
        self.dtype = jnp.result_type(float)
        self.steps = (target.size - 1) * every
        self.target = jnp.asarray(target, dtype=self.dtype)
        self.log = np.array([name in _POSITIVE for name in names])
        self.residual = jax.jit(self._residual)
        self.jacobian = jax.jit(jax.jacfwd(self._residual))
        self._loss = jax.jit(lambda theta: jnp.mean((self.simulate(theta) - self.target) ** 2))

    def to_theta(self, values: dict[str, float]) -> Any:
        return jnp.asarray([math.log(values[n]) if lg else values[n] for n, lg in zip(self.names, self.log,
                                                                                        strict=True)],
                           dtype=self.dtype)

    def _values(self, theta: Any) -> Any:
        return jnp.where(self.log, jnp.exp(theta), theta)

    def to_params(self, theta: Any) -> dict[str, float]:
        values = np.asarray(self._values(theta))
        return {name: float(values[i]) for i, name in enumerate(self.names)}

    def simulate(self, theta: Any) -> Any:
        """V at the target's samples (every ``every``-th step)."""
        values = self._values(theta)
        params = {**self.fixed, **{name: values[i] for i, name in enumerate(self.names)}}
        return voltage_trace(params, self.steps, y0=self.y0, dt=self.dt, method=self.method)[::self.every]

    def _residual(self, theta: Any, keep: Any) -> Any:
        return jnp.where(jnp.arange(self.target.size) <= keep, self.simulate(theta) - self.target, 0.0)

    def loss(self, theta: Any) -> float:
        """Mean squared difference over the whole trace, mV^2."""
        return float(self._loss(theta))


def _levenberg_marquardt(
    residual: Any, jacobian: Any, theta: Any, keep: int, max_iter: int, xtol: float, full: Any, losses: list[float],
) -> tuple[Any, int, bool]:
    """Minimise ``sum(residual(theta, keep)**2)``; Marquardt's scaling of the damping by diag(J^T J)."""
    r = residual(theta, keep)
    cost = float(r @ r)  # the loss over the window being fitted
    damping = 1e-3
    accepted = 0
    while accepted < max_iter:
        J = jacobian(theta, keep)
        g = J.T @ r
        A = J.T @ J
        scale = jnp.diag(jnp.diag(A)) + 1e-30
        while True:
            step = -jnp.linalg.solve(A + damping * scale, g)
            trial = theta + step
            r_trial = residual(trial, keep)
            cost_trial = float(r_trial @ r_trial)
            if math.isfinite(cost_trial) and cost_trial <= cost:
                break
            damping *= 4.0
            if damping > 1e12:  # no step lowers the cost: a (local) minimum
                return theta, accepted, True
        theta, r, cost = trial, r_trial, cost_trial
        damping = max(damping / 3.0, 1e-12)
        accepted += 1
        losses.append(float(full(theta)))
        if float(jnp.max(jnp.abs(step))) < xtol or cost == 0.0:
            return theta, accepted, True
    return theta, accepted, False


def _as_target(target: Any, dt: float | None) -> tuple[np.ndarray, float, int, Any]:
    """``(V, dt, record_every, start state or None)`` of an array or a one-neuron HHResult."""
    every, start = 1, None
    if isinstance(target, HHResult):
        if dt is not None and not (_is_real_number(dt) and math.isclose(float(dt), target.dt, rel_tol=1e-9)):
            raise ValueError(f"dt = {dt!r} contradicts the target result's dt = {target.dt:g} ms; leave dt out "
                             "(the result's own step is used)")
        if target.V is None:
            raise ValueError("the target HHResult has no recorded V")
        V = np.asarray(target.V)
        if V.ndim == 2 and V.shape[1] != 1:
            raise ValueError(f"the target HHResult must hold one neuron, it holds {V.shape[1]}")
        every = int(target.record_every)
        if abs(float(target.ts[0])) > 1e-9:
            gates = [target.m, target.h, target.n]
            if any(g is None for g in gates):
                raise ValueError(
                    f"the target starts at t = {float(target.ts[0]):g} ms, not at 0, and its gates were not "
                    "recorded, so its initial state is unknown; pass y0=(V, m, h, n) at that time, "
                    "or record m, h, n too")
            start = tuple(jnp.asarray(float(x[0, 0])) for x in (target.V, *gates))
        target, dt = V.reshape(-1), target.dt
    dt = DEFAULT_DT if dt is None else dt
    arr = as_float_array(target, "target")
    if arr.ndim != 1 or arr.size < 3:
        raise ValueError(f"target must be a 1-D voltage trace of at least 3 samples, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("target must be finite (it contains NaN or infinity)")
    return arr, float(dt), every, start


def _check_tolerances(max_iter: Any, residual_tol: Any, xtol: Any) -> tuple[int, float, float | None]:
    """``max_iter`` an int >= 1; ``residual_tol`` and ``xtol`` (unless None) positive: else errors naming them."""
    return (check_int("max_iter", max_iter, 1), check_real("residual_tol", residual_tol, low=0.0, low_open=True),
            None if xtol is None else check_real("xtol", xtol, low=0.0, low_open=True))


def _check_windows(windows: Sequence[float]) -> tuple[float, ...]:
    values = tuple(float(w) for w in windows)
    if not values or values[-1] != 1.0 or any(not 0 < w <= 1 for w in values) or list(values) != sorted(values):
        raise ValueError(f"windows must be increasing fractions in (0, 1] ending with 1.0, got {windows!r}")
    return values
