r"""Small signals around rest: the linearized membrane, its damped oscillation and its impedance.

Near a fixed point :math:`y^*` (V, m, h, n at constant ``Iext``) a small current :math:`\delta I(t)`
moves the state by :math:`\delta y` with :math:`\dot{\delta y} = J\,\delta y + e_V\,\delta I/C`,
J the Jacobian of the full four-variable system at :math:`y^*` (from ``jax.jacfwd`` of the package's
one right-hand side).  Hence

- the **damped oscillation** after a small perturbation: the least damped complex pair
  :math:`\lambda = -1/\tau \pm i\,2\pi f` of J gives the ringing frequency f (Hz) and its decay time
  :math:`\tau` (ms);
- the **impedance** :math:`Z(f) = e_V^T\,(i\omega I - J)^{-1} e_V / C` with
  :math:`\omega = 2\pi f/1000` rad/ms, in kOhm cm^2 (mV per uA/cm^2).  At 6.3 deg C the HH membrane
  resonates: :math:`|Z|` peaks near 60-70 Hz (Mauro, Conti, Dodge & Schor 1970; Koch 1984).

Frequencies are in Hz, times in ms.

References
----------
.. [1] Mauro, A., Conti, F., Dodge, F. & Schor, R. (1970). Subthreshold behavior and phenomenological
   impedance of the squid giant axon. J. Gen. Physiol. 55:497-523.
.. [2] Koch, C. (1984). Cable theory in neurons with active, linearized membranes. Biol. Cybern. 50:15-33.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import check_real
from hh_brainpy.excitability import fixed_point
from hh_brainpy.integrator import derivative
from hh_brainpy.params import HHParams, as_float_array

__all__ = ["jacobian_at_rest", "impedance", "resonance", "DampedOscillation", "damped_oscillation"]


def jacobian_at_rest(Iext: float = 0.0, *, params: HHParams | None = None,
                     **overrides: Any) -> tuple[np.ndarray, np.ndarray]:
    """The fixed point ``(V, m, h, n)`` at constant ``Iext`` (uA/cm^2) and the 4 x 4 Jacobian (1/ms) there.

    Parameters
    ----------
    Iext : float
        Constant current, uA/cm^2 (default 0).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    fixed_point : ndarray, shape (4,)
        ``(V, m, h, n)``, mV and dimensionless.
    jacobian : ndarray, shape (4, 4)
        Rows and columns in the order V, m, h, n; 1/ms (the V row's gate columns in mV/ms).

    Examples
    --------
    >>> import numpy as np
    >>> import hh_brainpy as hb
    >>> y, J = hb.subthreshold.jacobian_at_rest()
    >>> J.shape, bool(np.linalg.eigvals(J).real.max() < 0)
    ((4, 4), True)
    """
    p = HHParams.from_overrides(params, **overrides)
    Iext = check_real("Iext", Iext)
    y = fixed_point(Iext, **p.membrane())
    values = p.values()

    def f(state: Any) -> Any:
        return jnp.stack(derivative(*state, 0.0, Iext, *values))

    J = jax.jacfwd(f)(jnp.asarray(y, dtype=jax.dtypes.canonicalize_dtype(float)))
    return y, np.asarray(J, dtype=float)


def impedance(frequencies: Any, Iext: float = 0.0, *, params: HHParams | None = None,
              **overrides: Any) -> np.ndarray:
    r"""The membrane's small-signal impedance :math:`Z(f)` (complex, kOhm cm^2) at ``frequencies`` (Hz).

    Linearized about the fixed point at ``Iext`` (see the module notes); ``abs(Z)`` is the amplitude
    of V (mV) per uA/cm^2 of sinusoidal current, ``np.angle(Z)`` its phase.  ``Z(0)`` is the input
    resistance of unit area.

    Parameters
    ----------
    frequencies : float or array
        Hz, >= 0.
    Iext : float
        The holding current, uA/cm^2 (default 0).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    ndarray of complex like frequencies
        kOhm cm^2.

    Raises
    ------
    ValueError
        Negative or non-finite frequencies.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> Z = hb.subthreshold.impedance([0.0, 67.0], params=hb.parameter_set("hh1952"))
    >>> bool(abs(Z[1]) > abs(Z[0]))
    True
    """
    f = np.atleast_1d(as_float_array(frequencies, "frequencies"))
    if f.ndim != 1 or not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ValueError(f"frequencies must be finite and >= 0 Hz (a number or a 1-D sequence), got {frequencies!r}")
    p = HHParams.from_overrides(params, **overrides)
    _, J = jacobian_at_rest(Iext, params=p)
    omega = 2 * np.pi * f / 1000.0  # rad/ms
    A = 1j * omega[:, None, None] * np.eye(4) - J[None]
    e_V = np.zeros(4)
    e_V[0] = 1.0
    x = np.linalg.solve(A, np.broadcast_to(e_V, (len(f), 4))[..., None])[..., 0]
    return x[:, 0] / float(np.mean(p.C))


def resonance(Iext: float = 0.0, *, f_max: float = 1000.0, params: HHParams | None = None,
              **overrides: Any) -> tuple[float, float]:
    """The frequency (Hz) where :math:`|Z|` peaks, to 0.01 Hz, and :math:`|Z|` there (kOhm cm^2).

    ``(0, |Z(0)|)`` if :math:`|Z|` falls from 0 Hz on (no resonance).

    Parameters
    ----------
    Iext : float
        The holding current, uA/cm^2 (default 0).
    f_max : float
        The highest frequency searched, Hz (default 1000).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    frequency : float
        Hz.
    magnitude : float
        kOhm cm^2.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> f, Z = hb.subthreshold.resonance(params=hb.paper.paper_params())
    >>> round(f, 1)
    66.7
    """
    f_max = check_real("f_max", f_max, low=0.0, low_open=True)
    p = HHParams.from_overrides(params, **overrides)
    lo, hi = 0.0, f_max
    for points in (2001, 201, 201):
        f = np.linspace(lo, hi, points)
        Z = np.abs(impedance(f, Iext, params=p))
        i = int(np.argmax(Z))
        step = f[1] - f[0]
        lo, hi = max(0.0, f[i] - step), min(f_max, f[i] + step)
    return float(f[i]), float(Z[i])


class DampedOscillation(NamedTuple):
    """The least damped oscillation of the linearized membrane: ringing frequency (Hz), decay time (ms).

    Attributes
    ----------
    frequency : float
        Hz.
    decay_time : float
        ms: the envelope falls by e in this time.
    eigenvalues : ndarray
        The Jacobian's eigenvalues, 1/ms.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> ring = hb.subthreshold.damped_oscillation(params=hb.paper.paper_params())
    >>> round(float(ring.frequency)), round(float(ring.decay_time), 1)
    (61, 4.9)
    """

    frequency: float
    decay_time: float
    eigenvalues: np.ndarray


def damped_oscillation(Iext: float = 0.0, *, params: HHParams | None = None, **overrides: Any) -> DampedOscillation:
    r"""Frequency (Hz) and decay time (ms) of the ringing after a small perturbation of rest at ``Iext``.

    From the complex eigenvalue pair :math:`-1/\tau \pm i 2\pi f` of the Jacobian with the largest
    real part.  Raises ``ValueError`` if rest at ``Iext`` has no complex pair (no ringing).

    Parameters
    ----------
    Iext : float
        The holding current, uA/cm^2 (default 0).
    params : HHParams, optional
        The membrane (default :data:`hh_brainpy.DEFAULT_PARAMS`); ``**overrides`` change single fields.

    Returns
    -------
    DampedOscillation

    Raises
    ------
    ValueError
        Rest has no complex eigenvalue pair.

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> bool(hb.subthreshold.damped_oscillation(params=hb.paper.paper_params()).frequency > 0)
    True
    """
    _, J = jacobian_at_rest(Iext, params=params, **overrides)
    lam = np.linalg.eigvals(J)
    complex_pair = lam[np.abs(lam.imag) > 1e-9]
    if complex_pair.size == 0:
        raise ValueError(f"rest at Iext = {Iext} uA/cm^2 has only real eigenvalues: it does not ring")
    top = complex_pair[np.argmax(complex_pair.real)]
    return DampedOscillation(abs(top.imag) * 1000.0 / (2 * np.pi), -1.0 / top.real, lam)
