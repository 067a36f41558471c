"""The 1952 paper's membrane experiments, each against an independent computation and the published value.

References are the closed form of a gate under a clamp (written here from the paper's eq. 7) and
``scipy.integrate.solve_ivp`` on the NumPy right-hand side of ``tests/reference.py``, which shares no
code with the package.  Tolerances come from convergence runs (recorded beside each bound).
"""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import hh_brainpy as hb
from hh_brainpy import paper, repetitive, shocks, subthreshold
from tests import reference as ref

PAPER = paper.paper_params()
GL, EL = 0.3, -54.387  # the paper's leak, for the reference right-hand side


def free_membrane_peak(y0, t_end, celsius=6.3, iext=0.0):
    """Largest V (mV) of the reference membrane from y0 over t_end ms (LSODA, rtol 1e-9)."""
    sol = solve_ivp(ref.rhs, (0.0, t_end), y0, method="LSODA", rtol=1e-9, atol=1e-9, max_step=0.05,
                    args=(iext, ref.GNA, ref.GK, GL, ref.CM, EL, celsius))
    assert sol.success
    return sol.y[0].max()


def reference_threshold(make_y0, low, high, t_end, iterations=10, celsius=6.3):
    """Bisection on the reference: the smallest amplitude whose response is regenerative."""
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        y0 = make_y0(mid)
        fires = shocks.is_action_potential(y0[0], free_membrane_peak(y0, t_end, celsius))
        low, high = (low, mid) if fires else (mid, high)
    return 0.5 * (low + high)


REST = ref.steady_state_at(-65.0)  # the paper's constants rest at exactly -65 mV


# -- voltage clamp ---------------------------------------------------------------------------
def closed_form(x0, V, t, celsius=6.3):
    """x(t) = x_inf - (x_inf - x0) exp(-t / tau), per gate, from the reference rates."""
    am, bm, ah, bh, an, bn = ref.rates(V)
    q = 3.0 ** ((celsius - 6.3) / 10.0)
    return [a / (a + b) - (a / (a + b) - x) * np.exp(-t * q * (a + b)) for x, (a, b) in
            zip(x0, ((am, bm), (ah, bh), (an, bn)), strict=True)]


@pytest.mark.parametrize("celsius", [6.3, 18.5])
def test_clamped_gates_relax_exactly_as_the_closed_form(celsius):
    commands = -65.0 + np.array([6.0, 26.0, 51.0, 76.0, 109.0])
    r = hb.voltage_clamp(commands, duration=10.0, params=PAPER, temperature=celsius)
    for j, V in enumerate(commands):
        m, h, n = closed_form(REST[1:], V, r.ts, celsius)
        np.testing.assert_allclose(r.m[:, j], m, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(r.h[:, j], h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(r.n[:, j], n, rtol=1e-12, atol=1e-14)


def test_a_step_train_is_exact_piece_by_piece():
    """Prepulse then test step: the gates after the edge continue from where the prepulse left them."""
    W = hb.step_sequence([(-95.0, 20.0), (-20.0, 5.0)], dt=0.01)
    r = hb.voltage_clamp(waveform=W, params=PAPER)
    pre = closed_form(REST[1:], -95.0, 20.0)
    expected = closed_form(pre, -20.0, r.ts[2000:] - 20.0)
    np.testing.assert_allclose(r.h[2000:, 0], expected[1], rtol=1e-11)
    np.testing.assert_allclose(r.capacitive_charge[2000, 0], 75.0)  # C (-20 - -95) nC/cm^2


def test_conductance_families_match_the_published_reproduction():
    """Depolarizations 26/51/76/109 mV from -65 mV at 6.3 deg C, the hh1952 set (peaks to 3 digits)."""
    r = hb.voltage_clamp(-65.0 + np.array([26.0, 51.0, 76.0, 109.0]), duration=10.0,
                         params=hb.parameter_set("hh1952"), dt=0.001)
    np.testing.assert_allclose(r.peak_gNa(), [5.20, 21.4, 34.0, 43.3], atol=0.051)
    np.testing.assert_allclose(r.time_to_peak_gNa(), [1.38, 0.78, 0.53, 0.38], atol=0.0051)
    np.testing.assert_allclose(r.steady_gK(), [8.13, 20.0, 27.1, 31.7], atol=0.051)
    # the reference: the closed form's peak, found on a 0.1 us grid
    t = np.arange(0.0, 3.0, 1e-4)
    for j, dep in enumerate((26.0, 51.0, 76.0, 109.0)):
        m, h, _ = closed_form(REST[1:], -65.0 + dep, t)
        g = 120.0 * m**3 * h
        assert r.peak_gNa()[j] == pytest.approx(g.max(), rel=1e-6)  # sampled every 1 us
        assert r.time_to_peak_gNa()[j] == pytest.approx(t[g.argmax()], abs=2e-4)


def test_clamp_currents_are_the_conductances_times_the_driving_forces():
    r = hb.voltage_clamp([-40.0, 0.0], duration=5.0, params=PAPER)
    np.testing.assert_allclose(r.INa, r.gNa * (r.V - 50.0))
    np.testing.assert_allclose(r.IK, r.gK * (r.V - -77.0))
    np.testing.assert_allclose(r.I_ionic, r.INa + r.IK + 0.3 * (r.V - EL))
    assert r.INa[:, 1].min() < -500.0  # inward sodium current at 0 mV


def test_gradients_of_clamp_currents_match_finite_differences():
    W = np.full((501, 1), -14.0)
    gates0 = tuple(float(x) for x in REST[1:])

    def peak_inward(temperature):
        p = PAPER.replace(temperature=6.3)
        p = hb.HHParams(*(temperature if name == "temperature" else getattr(p, name) for name in hb.params.FIELD_NAMES))
        m, h, _ = hb.clamp.clamp_gates(W, gates0, p, 0.01)
        return (120.0 * m**3 * h * (W - 50.0))[100, 0]  # INa at 1 ms

    g = float(jax.grad(peak_inward)(10.0))
    fd = (float(peak_inward(10.0 + 1e-4)) - float(peak_inward(10.0 - 1e-4))) / 2e-4
    assert g == pytest.approx(fd, rel=1e-6)

    def potassium_current(gK):
        p = hb.HHParams(*(gK if name == "gK" else getattr(PAPER, name) for name in hb.params.FIELD_NAMES))
        _, _, n = hb.clamp.clamp_gates(W, gates0, p, 0.01)
        return (p.gK * n**4 * (W - p.EK))[300, 0]  # IK at 3 ms

    g = float(jax.grad(potassium_current)(36.0))
    fd = (float(potassium_current(36.0 + 1e-3)) - float(potassium_current(36.0 - 1e-3))) / 2e-3
    assert g == pytest.approx(fd, rel=1e-8)


@pytest.mark.parametrize("bad, match", [
    (dict(waveform=np.array([-65.0, np.nan, -20.0])), "waveform must be finite"),
    (dict(command=-20.0, duration=-1.0), "duration"),
    (dict(command=500.0, duration=1.0), r"command potentials must lie in \[-200, 200\]"),
    (dict(command=-20.0, duration=1.0, temperature=80.0), "temperature must lie"),
    (dict(command=-20.0), "needs its duration"),
    (dict(command=-20.0, duration=1.0, holding=float("nan")), "holding"),
])
def test_bad_clamp_input_is_refused_by_name(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        hb.voltage_clamp(**bad)


def test_clamp_runs_in_float32(float32):
    r = hb.voltage_clamp(-14.0, duration=5.0, params=PAPER)
    assert r.peak_gNa()[0] == pytest.approx(21.42, abs=0.01)


# -- brief shocks, threshold ---------------------------------------------------------------------
def test_shock_threshold_is_between_6_and_7_mV_and_agrees_with_scipy():
    threshold = shocks.shock_threshold(params=PAPER, tol=1e-3)
    assert 6.0 < threshold < 7.0  # the paper's computation (Figs. 12-13)
    expected = reference_threshold(lambda a: (REST[0] + a, *REST[1:]), 6.0, 7.0, 50.0)
    assert threshold == pytest.approx(expected, abs=0.005)  # rk4 at dt 0.01, 0.005, 0.0025: equal to 1e-4 mV


def test_shocks_are_all_or_none():
    r = hb.shock_response([5.0, 6.0, 7.0, 10.0, 20.0, 40.0], 20.0, params=PAPER)
    peaks = r.V.max(axis=0)
    assert np.all(peaks[:2] < -55.0)
    assert np.all(peaks[2:] > 30.0) and np.ptp(peaks[2:]) < 10.0


def test_warmer_membrane_needs_a_larger_shock():
    warm = shocks.shock_threshold(params=PAPER, temperature=18.5, tol=1e-3)
    expected = reference_threshold(lambda a: (REST[0] + a, *REST[1:]), 7.0, 8.0, 50.0, celsius=18.5)
    assert warm == pytest.approx(expected, abs=0.005)
    assert warm > shocks.shock_threshold(params=PAPER, tol=1e-3)


# -- refractoriness ----------------------------------------------------------------------------
def test_refractory_thresholds_agree_with_scipy():
    curve = hb.refractory_thresholds([5.0, 10.0, 20.0], params=PAPER, tol=0.02)
    assert curve.threshold[0] == np.inf and curve.absolute_refractory_period == 5.0
    sol = solve_ivp(ref.rhs, (0.0, 20.0), (REST[0] + 15.0, *REST[1:]), method="LSODA", rtol=1e-10, atol=1e-10,
                    dense_output=True, args=(0.0, ref.GNA, ref.GK, GL, ref.CM, EL, 6.3))
    for j, t in enumerate((10.0, 20.0)):
        state = sol.sol(t)
        expected = reference_threshold(lambda a, s=state: (s[0] + a, *s[1:]), 0.0, 60.0, 50.0, iterations=14)
        assert curve.threshold[j + 1] == pytest.approx(expected, abs=0.03)
    assert curve.relative[1] > 2.0  # relative refractory period
    assert curve.relative[2] < 1.0  # supernormal phase: the after-oscillation of V


def test_intervals_before_the_conditioning_peak_are_refused():
    with pytest.raises(ValueError, match="after the conditioning action potential"):
        hb.refractory_thresholds([0.5], params=PAPER)
    with pytest.raises(ValueError, match="intervals"):
        hb.refractory_thresholds([-2.0], params=PAPER)


# -- anode break -------------------------------------------------------------------------------
def test_release_from_30_mV_hyperpolarization_fires():
    r = hb.anode_break_response([30.0], 30.0, params=PAPER)
    assert r.V.max() > 20.0  # the paper's Fig. 22
    v0 = -95.0
    assert free_membrane_peak(ref.steady_state_at(v0), 30.0) > 20.0


def test_anode_break_threshold_agrees_with_scipy():
    threshold = hb.anode_break_threshold(params=PAPER, tol=1e-3)
    expected = reference_threshold(lambda a: ref.steady_state_at(-65.0 - a), 2.0, 4.0, 50.0, iterations=11)
    assert threshold == pytest.approx(expected, abs=0.005)
    with pytest.raises(ValueError, match="hyperpolarization"):
        hb.anode_break_response([-5.0], params=PAPER)


# -- repetitive firing -------------------------------------------------------------------------
def test_hopf_points_are_the_published_ones():
    I1, I2 = repetitive.hopf_currents(params=PAPER)
    assert I1 == pytest.approx(9.78, abs=0.01) and I2 == pytest.approx(154.5, abs=0.05)


def reference_jacobian(iext, v):
    """Central differences of the reference right-hand side at the fixed point (v, x_inf(v))."""
    y = np.array(ref.steady_state_at(v))
    J = np.empty((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        up, down = (np.array(ref.rhs(0, y + s * e, iext, gl=GL, el=EL)) for s in (1.0, -1.0))
        J[:, j] = (up - down) / 2e-6
    return J


def test_rest_at_the_hopf_point_has_a_pure_imaginary_pair_in_the_reference():
    I1 = float(repetitive.hopf_currents(0.0, 20.0, params=PAPER)[0])
    V = float(hb.excitability.fixed_point(I1, **PAPER.membrane())[0])
    lam = np.linalg.eigvals(reference_jacobian(I1, V))
    pair = lam[np.abs(lam.imag) > 1e-6]
    assert np.abs(pair.real).max() < 1e-6


def test_fold_of_cycles_near_6_26_with_bistability_below_the_hopf_point():
    fold = repetitive.cycle_fold(params=PAPER, tol=0.005, settle=1000.0)
    assert fold.current == pytest.approx(6.26, abs=0.01)  # Rinzel & Miller (1980)
    assert fold.rate == pytest.approx(50.4, abs=0.5)  # settle 1000 / 2000 ms, dt 0.01 / 0.005: 50.38-50.39 Hz
    # the reference: from an orbit at 7 uA/cm^2, firing persists above the fold and dies below it
    orbit = solve_ivp(ref.rhs, (0.0, 300.0), (-45.0, *REST[1:]), method="LSODA", rtol=1e-9, atol=1e-9,
                      args=(7.0, ref.GNA, ref.GK, GL, ref.CM, EL, 6.3)).y[:, -1]
    for I, keeps_firing in ((fold.current + 0.05, True), (fold.below - 0.05, False)):
        sol = solve_ivp(ref.rhs, (0.0, 1000.0), orbit, method="LSODA", rtol=1e-9, atol=1e-9, max_step=0.1,
                        args=(I, ref.GNA, ref.GK, GL, ref.CM, EL, 6.3))
        late = sol.y[0][sol.t > 800.0]
        assert (late.max() > 0.0) == keeps_firing
    # bistability: between the fold and the Hopf point, the membrane at rest stays at rest
    I = 8.0
    rest = hb.excitability.fixed_point(I, **PAPER.membrane())
    run = hb.integrate(tuple(rest), 200.0, Iext=I, params=PAPER)
    assert np.ptp(run.V[-5000:]) < 1e-6
    assert free_membrane_peak(rest, 200.0, iext=I) < rest[0] + 1e-3


def test_single_spike_onset_below_repetitive_firing():
    onset = repetitive.spike_onset_current(params=PAPER, tol=0.005)
    sol = [free_membrane_peak(REST, 100.0, iext=I) for I in (onset - 0.02, onset + 0.02)]
    assert sol[0] < 0.0 < sol[1]
    assert onset < 6.26


# -- subthreshold ------------------------------------------------------------------------------
def test_impedance_matches_a_small_sinusoid_in_the_reference():
    amplitude = 0.01  # uA/cm^2: linear regime
    for f in (20.0, 67.0, 200.0):
        w = 2 * math.pi * f / 1000.0
        periods = 10
        t_end = 300.0 + periods * 1000.0 / f
        sol = solve_ivp(lambda t, y, w=w: ref.rhs(t, y, amplitude * math.sin(w * t), gl=GL, el=EL), (0.0, t_end),
                        REST, method="LSODA", rtol=1e-11, atol=1e-12, dense_output=True)
        t = np.linspace(300.0, t_end, 4000, endpoint=False)
        V = sol.sol(t)[0] - REST[0]
        measured = 2 * np.abs(np.mean(V * np.exp(-1j * w * t)))  # the Fourier amplitude at f
        Z = subthreshold.impedance([f], params=PAPER)[0]
        assert measured / amplitude == pytest.approx(abs(Z), rel=0.01)


def test_membrane_resonates_near_60_to_70_Hz_and_rings():
    f, Zmax = subthreshold.resonance(params=PAPER)
    assert 60.0 < f < 70.0 and Zmax > abs(subthreshold.impedance([0.0], params=PAPER)[0])
    ring = subthreshold.damped_oscillation(params=PAPER)
    assert 50.0 < ring.frequency < 70.0 and ring.decay_time > 0.0


# -- the paper's conventions -------------------------------------------------------------------
def test_paper_rates_in_paper_voltage_equal_the_package_rates():
    v = np.linspace(-100.0, 40.0, 141) + 0.123  # paper V: displacement, depolarization negative
    E = paper.from_paper_voltage(v)
    am = 0.1 * (v + 25.0) / (np.exp((v + 25.0) / 10.0) - 1.0)
    bm = 4.0 * np.exp(v / 18.0)
    ah = 0.07 * np.exp(v / 20.0)
    bh = 1.0 / (np.exp((v + 30.0) / 10.0) + 1.0)
    an = 0.01 * (v + 10.0) / (np.exp((v + 10.0) / 10.0) - 1.0)
    bn = 0.125 * np.exp(v / 80.0)
    k = hb.kinetics
    for paper_rate, ours in ((am, k.m_alpha), (bm, k.m_beta), (ah, k.h_alpha), (bh, k.h_beta), (an, k.n_alpha),
                             (bn, k.n_beta)):
        np.testing.assert_allclose(np.asarray(ours(E)), paper_rate, rtol=1e-10)


def test_paper_constants_rest_exactly_at_zero_displacement():
    V = hb.excitability.fixed_point(0.0, **PAPER.membrane())[0]
    assert paper.to_paper_voltage(V) == pytest.approx(0.0, abs=0.005)  # V_l = -10.613 mV, rounded by the paper
    assert paper.paper_params(V_K=9.0).EK == -74.0
    with pytest.raises(TypeError, match="unknown paper constant"):
        paper.paper_params(V_k=9.0)
