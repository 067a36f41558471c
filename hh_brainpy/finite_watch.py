"""Non-finite values in a running group: an error on request, otherwise a one-time warning.

A compiled BrainPy loop cannot stop by itself, so :class:`hh_brainpy.HH`
checks its V after every step with one reduction (``jnp.sum``, which is
non-finite whenever an element is) and calls back to Python only in the
step where that fails (under ``jax.vmap`` or differentiation the check
is left out, see :func:`_plainly_traced`): then it raises :class:`hh_brainpy.NonFiniteError`
(``check_finite=True``) or warns once per group with
:class:`NonFiniteWarning`, naming the neuron and the time.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hh_brainpy.checks import NonFiniteError

__all__ = ["NonFiniteWarning", "watch"]


class NonFiniteWarning(RuntimeWarning):
    """A neuron's V became NaN or infinite during a run (once per group).

    Issued by :class:`hh_brainpy.HH` stepped under ``bp.DSRunner`` (or any loop of the user's) when
    its V stops being finite, naming the neuron and the time; ``HH(..., check_finite=True)`` raises
    :class:`hh_brainpy.NonFiniteError` instead.  A subclass of ``RuntimeWarning``.

    Examples
    --------
    >>> import warnings
    >>> import hh_brainpy as hb
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", hb.NonFiniteWarning)  # make it an error in this block
    ...     issubclass(hb.NonFiniteWarning, RuntimeWarning)
    True
    """


def _message(V: np.ndarray, t: Any, name: str) -> str | None:
    flat = np.asarray(V).reshape(-1)
    bad = ~np.isfinite(flat)
    if not bad.any():
        return None
    neuron = int(np.argmax(bad))
    return (f"{name}: V became non-finite at t = {float(np.asarray(t).reshape(-1)[0]):.6g} ms (neuron {neuron}). "
            "Check the parameters and the input current, or use the default method (etdrk4) or a smaller dt.")


def watch(V: Any, t: Any, owner: Any, *, raise_error: bool) -> None:
    """Inside compiled code: if any V is non-finite, raise or warn (once per ``owner``) from the host."""

    def report(V_host: Any, t_host: Any) -> None:
        message = _message(V_host, t_host, owner.name)
        if message is None:  # under vmap both branches run: only a real failure reports
            return
        if raise_error:
            raise NonFiniteError(message)
        if not owner.__dict__.get("_warned_non_finite", False):
            owner.__dict__["_warned_non_finite"] = True
            warnings.warn(message, NonFiniteWarning, stacklevel=2)

    if not _plainly_traced(V):
        return
    ok = jnp.isfinite(jnp.sum(V))
    jax.lax.cond(ok, lambda: None, lambda: jax.debug.callback(report, V, t))


def _plainly_traced(x: Any) -> bool:
    """A concrete array, or traced by ``jax.jit`` alone (no ``vmap``, ``grad`` or ``jvp`` around the step).

    Under ``jax.vmap`` a conditional runs both branches, so the check would call back at every step;
    under differentiation (training, BrainPy's fixed-point finders) NaN trials are part of the search
    and the callback would run at each of them.  There the check is left out.
    """
    return not isinstance(x, jax.core.Tracer) or (_JitTracer is not None and type(x) is _JitTracer)


try:  # JAX has no public name for it; without it the check is left out of compiled code
    from jax._src.interpreters.partial_eval import DynamicJaxprTracer as _JitTracer
except ImportError:  # pragma: no cover
    _JitTracer = None
