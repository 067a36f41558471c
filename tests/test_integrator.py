"""The functional integrator: the user's own loop, against the scipy reference."""

from __future__ import annotations

import brainpy as bp
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import analysis
from hh_brainpy import kinetics as k
from tests import reference as ref
from tests.stability import breaks_down

PARAMS = (10.0, 120.0, 50.0, 36.0, -77.0, 0.03, -54.387, 1.0)  # Iext, gNa, ENa, gK, EK, gL, EL, C


def run_user_loop(V, m, h, n):
    """The loop of the original document, verbatim apart from recording."""
    Iext, gNa, ENa, gK, EK, gL, EL, C = PARAMS
    rows = [(V, m, h, n)]
    for t in bp.math.arange(0, 100, 0.01):
        V, m, h, n = hb.integral(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C)
        rows.append((V, m, h, n))
    return np.array([[float(x) for x in row] for row in rows])


def loop_spike_times(y):
    """0 mV crossings of a recorded (T, 4) trajectory, on the Hermite interpolant."""
    ts = np.arange(len(y)) * 0.01
    dVdt = np.asarray(k.dVdt(y[:, 0], y[:, 1], y[:, 2], y[:, 3], *PARAMS))
    return analysis.spike_times(ts, y[:, 0], 0.0, dVdt)


@pytest.mark.parametrize(("start", "first_spike"), [("zeros", 13.36), ("steady", 2.09)])
def test_user_loop_matches_reference_spike_times_float64(start, first_spike):
    """The document's loop gives the reference's 7 spike times within 3e-5 ms (float64)."""
    y0 = (0.0, 0.0, 0.0, 0.0) if start == "zeros" else ref.steady_state_at()
    expected = ref.solve(y0, 100.0)["spikes"]
    times = loop_spike_times(run_user_loop(*y0))
    assert expected[0] == pytest.approx(first_spike, abs=0.01)
    assert len(times) == len(expected) == 7
    np.testing.assert_allclose(times, expected, atol=3e-5, rtol=0)


def test_user_loop_matches_reference_spike_times_float32(float32):
    """In float32 the same loop is within 2.5e-4 ms of the reference."""
    y0 = (0.0, 0.0, 0.0, 0.0)
    expected = ref.solve(y0, 100.0)["spikes"]
    y = run_user_loop(*y0)
    times = loop_spike_times(y)
    np.testing.assert_allclose(times, expected, atol=2.5e-4, rtol=0)


def test_integral_is_a_brainpy_odeint_rk4_with_dt_001():
    """``integral`` is a bp.odeint integrator, rk4, dt = 0.01 ms, with the documented signature."""
    assert isinstance(hb.integral, bp.ode.ODEIntegrator)
    assert hb.integral.dt == 0.01
    assert type(hb.integral).__name__ == "RK4"
    assert hb.integral.variables == ["V", "m", "h", "n"]
    assert hb.integral.parameters == ["t", "Iext", "gNa", "ENa", "gK", "EK", "gL", "EL", "C", "temperature"]


def test_integral_defaults_are_the_documented_parameters():
    """Leaving the parameters out uses Iext = 10 and the HHParams defaults."""
    y = (-65.0, 0.05, 0.6, 0.32)
    full = hb.integral(*y, 0.0, *PARAMS)
    short = hb.integral(*y, 0.0)
    keyword = hb.integral(*y, 0.0, gNa=120.0, C=1.0)
    for a, b, c in zip(full, short, keyword, strict=True):
        assert float(a) == float(b) == float(c)


def test_integrate_matches_the_python_loop():
    """The compiled ``integrate`` and the Python loop agree to 1e-10 over 100 ms."""
    y = run_user_loop(0.0, 0.0, 0.0, 0.0)
    ts, V, m, h, n = hb.integrate((0.0, 0.0, 0.0, 0.0), 100.0)
    np.testing.assert_allclose(np.stack([V, m, h, n], axis=1), y, atol=1e-10, rtol=0)
    assert ts[-1] == pytest.approx(100.0)


def test_a_gate_given_as_none_starts_at_its_steady_state():
    """m, h or n = None starts at x_inf(V0) (computed in the loop): the same run as the values written out."""
    V0 = np.array([-65.0, -50.0])
    steady = ref.steady_state_at(-65.0), ref.steady_state_at(-50.0)
    ts, V, m, h, n = hb.integrate((V0, None, 0.4, None), 5.0)
    np.testing.assert_allclose(m[0], [s[1] for s in steady], rtol=1e-6)
    np.testing.assert_allclose(n[0], [s[3] for s in steady], rtol=1e-6)
    np.testing.assert_allclose(h[0], 0.4, rtol=1e-6)
    explicit = hb.integrate((V0, m[0], h[0], n[0]), 5.0)
    for ours, written_out in zip((V, m, h, n), explicit[1:], strict=True):
        np.testing.assert_array_equal(ours, written_out)


def test_rk4_converges_with_order_four():
    """Sub-threshold (Iext = 2, 5 ms from rest): log error vs log dt has slope 4 +- 0.5."""
    y0 = ref.steady_state_at()
    from scipy.integrate import solve_ivp

    tight = solve_ivp(ref.rhs, (0, 5.0), y0, method="DOP853", rtol=1e-13, atol=1e-13, args=(2.0,))
    exact = tight.y[0, -1]
    dts = np.array([0.05, 0.025, 0.0125])
    errors = [abs(hb.integrate(y0, 5.0, dt=dt, Iext=2.0)[1][-1] - exact) for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert slope == pytest.approx(4.0, abs=0.5)


@pytest.mark.parametrize("method", ["euler", "rk2", "rk3", "rk4", "exp_auto"])
def test_every_method_converges_to_the_reference_spike_times(method):
    """Each method at a small step reproduces the first reference spike to within 0.02 ms."""
    y0 = ref.steady_state_at()
    expected = ref.solve(y0, 100.0)["spikes"]
    ts, V, *_ = hb.integrate(y0, 20.0, dt=0.005, method=method)
    assert analysis.spike_times(ts, V, 0.0)[0] == pytest.approx(expected[0], abs=0.02)


@pytest.mark.parametrize("bad", [0.0, -0.01, float("nan"), float("inf")])
def test_bad_dt_is_refused(bad):
    """dt <= 0 or non-finite raises ValueError naming dt."""
    with pytest.raises(ValueError, match="dt"):
        hb.make_integral("rk4", bad)


def test_unknown_method_is_refused():
    """An unknown method raises ValueError listing the allowed ones."""
    with pytest.raises(ValueError, match="unknown method 'rk5'.*rk4"):
        hb.make_integral("rk5", 0.01)


def test_rk4_really_breaks_down_beyond_the_limit_it_refuses():
    """At Iext = 50, rk4 at 0.09 ms drives m above 1 and V above ENa (unchecked BrainPy step); 0.05 is fine."""

    def worst(dt):
        raw = bp.odeint(hb.derivative, method="rk4", dt=dt)
        y = np.array(ref.steady_state_at())
        top_m, top_V = 0.0, -100.0
        for i in range(int(5.0 / dt)):
            y = np.array([float(x) for x in raw(*y, i * dt, 50.0)])
            top_m, top_V = max(top_m, y[1]), max(top_V, y[0])
        return top_m, top_V

    m_max, V_max = worst(0.09)
    assert m_max > 1.0 and V_max > 50.0
    m_max, V_max = worst(0.05)
    assert m_max <= 1.0 and V_max < 50.0
    with pytest.raises(ValueError, match=r"stability limit of method 'rk4'.*dt <= 0\.05.*exp_auto"):
        hb.make_integral("rk4", 0.09)
    assert hb.make_integral("rk4", 0.05).dt == 0.05


def test_stability_limit_tightens_for_stiffer_parameters():
    """With doubled conductances rk4 really breaks down at the default limit (0.05 ms) and not at the new one."""
    stiff = {"gNa": 240.0, "gK": 72.0, "gL": 0.06}
    limit = hb.max_stable_dt("rk4", **stiff)
    assert limit < hb.max_stable_dt("rk4")
    assert breaks_down("rk4", hb.max_stable_dt("rk4"), **stiff)
    assert not breaks_down("rk4", limit, **stiff)
    assert hb.max_stable_dt("rk4", gNa=10.0) == hb.max_stable_dt("rk4")  # softer never raises it
    with pytest.raises(ValueError, match="gK"):
        hb.integrate((-65.0, 0.05, 0.6, 0.3), 1.0, gK=-1.0)


def test_integrate_names_the_time_when_the_state_goes_non_finite():
    with pytest.raises(hb.NonFiniteError, match=r"V became non-finite at t = 0\.01 ms \(step 1, neuron 1\)"):
        hb.integrate((np.full(2, -65.0), 0.05, 0.6, 0.32), 1.0, Iext=np.array([10.0, 1e300]))


def test_parameters_kept_between_calls_follow_the_precision_in_use(float32):
    """integral keeps converted Python-float parameters, but never a float32 copy for a float64 run."""
    import brainpy.math as bm

    y = (-65.0, 0.05, 0.6, 0.32)
    V32 = hb.integral(*y, 0.0, *PARAMS)[0]
    assert V32.dtype == np.float32
    bm.enable_x64()  # the fixture switches back afterwards
    V64 = hb.integral(*y, 0.0, *PARAMS)[0]
    plain = hb.make_integral("rk4", 0.01, jit=False)
    assert V64.dtype == np.float64
    assert float(V64) == pytest.approx(float(plain(*y, 0.0, *PARAMS)[0]), abs=1e-13)
    assert abs(float(V64) - float(V32)) > 0  # the two precisions really differ
