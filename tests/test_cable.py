"""The propagated action potential: velocity, convergence, NEURON, BrainPy, gradients and bad input."""

from __future__ import annotations

import dataclasses
import importlib.util

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import cable as cb
from hh_brainpy.cable_group import HHCable

PAPER_VELOCITY = 18.8  # m/s, Hodgkin & Huxley (1952) at 18.5 deg C


def test_default_cable_conducts_at_the_papers_velocity_within_one_percent():
    velocity = cb.propagate(6.0).velocity()
    assert velocity == pytest.approx(PAPER_VELOCITY, rel=0.01)


def test_crank_nicolson_converges_with_order_two_in_dx_and_dt_together():
    def v(dx, dt):
        return cb.propagate(6.0, cable=cb.Cable(n=int(50_000 / dx)), dt=dt).velocity()

    fine = v(12.5, 0.00125)
    errors = [abs(v(dx, dt) - fine) for dx, dt in ((200.0, 0.02), (100.0, 0.01), (50.0, 0.005))]
    assert errors[0] > errors[1] > errors[2]
    assert errors[0] / errors[1] > 3.0 and errors[1] / errors[2] > 3.0  # 4 for order 2
    assert abs(fine - PAPER_VELOCITY) / PAPER_VELOCITY < 0.005


def test_backward_euler_is_first_order_and_below_crank_nicolson():
    be = [cb.propagate(6.0, cable=cb.Cable(n=int(50_000 / dx)), dt=dt, scheme="be").velocity()
          for dx, dt in ((100.0, 0.01), (50.0, 0.005))]
    cn = cb.propagate(6.0, cable=cb.Cable(n=1000), dt=0.005).velocity()
    assert be[0] < be[1] < cn


def test_velocity_grows_as_the_square_root_of_the_radius():
    thin = cb.propagate(8.0, cable=cb.Cable(radius=60.0, length=20_000.0, n=400), dt=0.005,
                        stimulus=cb.Injection(amplitude=5_000.0)).velocity()
    thick = cb.propagate(6.0, cable=cb.Cable(radius=240.0, n=500), dt=0.005).velocity()
    assert thick / thin == pytest.approx(2.0, rel=0.03)


def test_a_colder_axon_conducts_more_slowly():
    cold = cb.propagate(15.0, params=cb.squid_axon_params(6.3)).velocity()
    warm = cb.propagate(6.0).velocity()
    assert 0.4 < cold / warm < 0.8


def test_a_killed_end_pulls_its_end_towards_zero_mV():
    sealed = cb.propagate(1.0, cable=cb.Cable(length=20_000.0, n=200), stimulus=cb.Injection(amplitude=0.0))
    killed = cb.propagate(1.0, cable=cb.Cable(length=20_000.0, n=200, ends="killed"),
                          stimulus=cb.Injection(amplitude=0.0))
    assert killed.V[-1, -1] > sealed.V[-1, -1] + 1.0
    assert abs(killed.V[-1, 100] - sealed.V[-1, 100]) < abs(killed.V[-1, -1] - sealed.V[-1, -1])


def test_a_second_run_with_new_parameters_compiles_nothing():
    cb.propagate(2.0, cable=cb.Cable(length=20_000.0, n=200))
    compiled = cb._run._cache_size()
    r = cb.propagate(2.0, cable=cb.Cable(length=20_000.0, n=200, Ri=30.0, radius=200.0),
                     params=cb.squid_axon_params(15.0).replace(gNa=110.0))
    assert cb._run._cache_size() == compiled and np.isfinite(r.V).all()


def test_velocity_gradients_match_finite_differences():
    axon, squid = cb.Cable(length=20_000.0, n=200), cb.squid_axon_params()

    def by_Ri(Ri):
        return cb.conduction_velocity(dataclasses.replace(axon, Ri=Ri), squid)

    def by_gNa(gNa):
        return cb.conduction_velocity(axon, dataclasses.replace(squid, gNa=gNa))

    for f, x, h in ((by_Ri, 35.4, 1e-3), (by_gNa, 120.0, 1e-3)):
        fd = (float(f(x + h)) - float(f(x - h))) / (2 * h)
        assert float(jax.grad(f)(x)) == pytest.approx(fd, rel=1e-5)


def test_the_cable_runs_in_a_brainpy_network_driven_by_a_point_neuron():
    class Driven(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.neu = hb.HH(1, V_init=-65.0, method="rk4")
            self.axon = HHCable(cb.Cable(length=20_000.0, n=200))

        def update(self):
            self.neu.update(10.0)
            self.axon.input += jnp.zeros(200).at[0].set(jnp.where(self.neu.V[0] > 0.0, 20_000.0, 0.0))
            self.axon.update()

    net = Driven()
    runner = bp.DSRunner(net, monitors={"soma": net.neu.V, "near": lambda: net.axon.V[20],
                                        "far": lambda: net.axon.V[180]}, dt=0.01, progress_bar=False)
    runner.run(10.0)
    ts = runner.mon.ts

    def first_crossing(v):
        v = np.asarray(v).reshape(-1)
        return ts[np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))[0]]

    soma, near, far = (first_crossing(runner.mon[key]) for key in ("soma", "near", "far"))
    assert soma < near < far
    assert 16.0 / (far - near) == pytest.approx(PAPER_VELOCITY, rel=0.03)  # 16 mm between the two sites


@pytest.mark.parametrize("make, error, words", [
    (lambda: cb.Cable(radius=0.0), ValueError, "radius"),
    (lambda: cb.Cable(length=-1.0), ValueError, "length"),
    (lambda: cb.Cable(Ri=float("nan")), ValueError, "Ri"),
    (lambda: cb.Cable(n=2), ValueError, "compartments"),
    (lambda: cb.Cable(ends="open"), ValueError, "ends"),
    (lambda: cb.propagate(1.0, stimulus=cb.Injection(site=60_000.0)), ValueError, "outside the cable"),
    (lambda: cb.propagate(1.0, record=[-5.0]), ValueError, "outside the cable"),
    (lambda: cb.propagate(1.0, dt=0.2), ValueError, "dt"),
    (lambda: cb.propagate(1.0, scheme="rk4"), ValueError, "scheme"),
    (lambda: cb.propagate(1.0, stimulus="pulse"), TypeError, "stimulus"),
    (lambda: cb.propagate(1e9, dt=0.01), MemoryError, "record fewer sites"),
    (lambda: cb.propagate(1.0, params=cb.squid_axon_params().replace(temperature=60.0)), ValueError,
     "temperature"),
])
def test_bad_cable_input_is_refused_by_name(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.skipif(importlib.util.find_spec("neuron") is None, reason="NEURON is not installed (the neuron extra)")
@pytest.mark.parametrize("secondorder, scheme", [(0, "be"), (1, "cn")])
def test_the_same_cable_in_neuron_agrees_within_005_mV(secondorder, scheme):
    from neuron import h

    h.load_file("stdrun.hoc")
    cvode = h.CVode()
    was_active = cvode.active()
    cvode.active(0)  # the fixed step (other tests may have left CVODE on)
    length, radius, n, dt, duration = 20_000.0, 238.0, 200, 0.01, 5.0
    axon = h.Section(name=f"axon_{scheme}")
    axon.L, axon.diam, axon.nseg, axon.Ra, axon.cm = length, 2 * radius, n, 35.4, 1.0
    axon.insert("hh")
    h.usetable_hh, h.celsius, h.secondorder, h.dt, h.steps_per_ms = 0, 18.5, secondorder, dt, 1.0 / dt
    clamp = h.IClamp(axon(0.5 / n))
    clamp.delay, clamp.dur, clamp.amp = 0.0, 0.2, 20_000.0
    sites = (0.1, 0.3, 0.5, 0.7, 0.9)
    vectors = [h.Vector().record(axon(x)._ref_v) for x in sites]
    try:
        h.finitialize(-65.0)
        h.continuerun(duration)
    finally:
        cvode.active(was_active)
        h.secondorder = 0
    theirs = np.array([np.asarray(v) for v in vectors]).T
    ours = cb.propagate(duration, cable=cb.Cable(length=length, radius=radius, n=n), dt=dt, scheme=scheme,
                        params=hb.parameter_set("hh1952").replace(temperature=18.5), V_init=-65.0,
                        record=[x * length for x in sites], stimulus=cb.Injection(0.0, 20_000.0, 0.0, 0.2))
    assert theirs.shape == ours.V.shape
    assert np.abs(theirs - ours.V).mean(axis=0).max() <= 0.05
    crossings = (theirs[:-1] < 0) & (theirs[1:] >= 0)
    neuron_arrival = ours.ts[np.argmax(crossings, axis=0)]
    assert np.all(np.abs(neuron_arrival - ours.arrival_times()) <= dt)


def test_float32_cable_matches_float64_to_a_tenth_of_a_percent(float32):
    v32 = cb.propagate(6.0).velocity()
    bm.enable_x64()
    try:
        v64 = cb.propagate(6.0).velocity()
    finally:
        bm.disable_x64()
    assert v32 == pytest.approx(v64, rel=1e-3)
