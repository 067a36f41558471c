"""The runner and its result: reference spike times, the time axis, protocols, I/O, bad input."""

from __future__ import annotations

import dataclasses
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import stimulus
from tests import reference as ref

STARTS = {"steady": ref.steady_state_at(), "zeros": (0.0, 0.0, 0.0, 0.0)}


@pytest.mark.parametrize("init", ["steady", "zeros"])
def test_simulate_matches_reference_spike_times_float64(init):
    """HH + runner at rk4, dt = 0.01: 0 mV crossings within 3e-5 ms of the reference."""
    expected = ref.solve(STARTS[init], 100.0)["spikes"]
    times = hb.simulate(100.0, init=init).spike_times(0.0)[0]
    assert len(times) == len(expected) == 7
    np.testing.assert_allclose(times, expected, atol=3e-5, rtol=0)


@pytest.mark.parametrize("init", ["steady", "zeros"])
def test_simulate_matches_reference_spike_times_float32(init, float32):
    """The same in float32, within 2.5e-4 ms."""
    res = hb.simulate(100.0, init=init)
    assert res.V.dtype == np.float32
    expected = ref.solve(STARTS[init], 100.0)["spikes"]
    np.testing.assert_allclose(res.spike_times(0.0)[0], expected, atol=2.5e-4, rtol=0)


def test_time_axis_comes_from_the_integration_step():
    """ts = arange(steps + 1) * dt with sample 0 the initial state: 100 ms drawn is 100 ms simulated."""
    res = hb.simulate(100.0, dt=0.025)
    assert res.ts.shape == res.V.shape[:1] == (4001,)
    np.testing.assert_allclose(np.diff(res.ts), 0.025)
    assert res.ts[-1] == pytest.approx(100.0) and res.V[0, 0] == -65.0
    ax_v, _ = res.plot()
    assert ax_v.get_xlim() == pytest.approx((0.0, 100.0))
    plt.close(ax_v.figure)


def test_runner_continues_where_it_stopped():
    """Two runs of 50 ms equal one run of 100 ms, with the time axis continuing."""
    runner = hb.HHRunner(hb.HH(1, V_init=-65.0, method="rk4"), Iext=10.0)
    a, b = runner.run(50.0), runner.run(50.0)
    whole = hb.simulate(100.0)
    assert b.ts[0] == pytest.approx(50.0)
    np.testing.assert_allclose(np.concatenate([a.V, b.V[1:]]), whole.V, atol=1e-12)


def test_step_ramp_and_array_protocols():
    """A step fires only while on; a ramp fires only once high enough; an array equals its step twin."""
    step = hb.simulate(60.0, Iext=stimulus.step(10.0, start=20.0, stop=40.0))
    times = step.spike_times(0.0)[0]
    assert len(times) >= 1 and np.all((times > 20.0) & (times < 41.0))
    ramp = hb.simulate(100.0, Iext=stimulus.ramp(0.0, 20.0, start=0.0, stop=100.0))
    assert ramp.spike_times(0.0)[0][0] > 10.0
    samples = np.where((np.arange(6000) * 0.01 >= 20.0) & (np.arange(6000) * 0.01 < 40.0), 10.0, 0.0)
    array = hb.simulate(60.0, Iext=stimulus.from_array(samples, dt=0.01))
    np.testing.assert_allclose(array.V, step.V, atol=1e-9)
    with pytest.raises(ValueError, match="array ends"):
        hb.simulate(70.0, Iext=stimulus.from_array(samples, dt=0.01))


def test_per_neuron_current_gives_a_monotone_spike_count():
    """One population with a vector of currents: more current, at least as many spikes."""
    currents = np.array([0.0, 2.0, 5.0, 10.0, 20.0, 40.0])
    res = hb.simulate(100.0, Iext=currents, size=currents.size)
    counts = [len(t) for t in res.spike_times(0.0)]
    assert counts[0] == 0 and counts[-1] > counts[3] > 0
    assert np.all(np.diff(counts[2:]) >= 0)
    np.testing.assert_allclose(res.firing_rate(0.0), np.array(counts) * 10.0)


def test_save_and_load_round_trip(tmp_path):
    """npz keeps every field; CSV keeps one neuron's traces and parameters."""
    res = hb.simulate(20.0)
    back = hb.HHResult.load(res.save(tmp_path / "run.npz"))
    for name in ("ts", "V", "m", "h", "n", "spike", "Iext"):
        np.testing.assert_array_equal(getattr(back, name), getattr(res, name))
    assert back.params == res.params and back.dt == res.dt and back.method == "rk4"
    csv = hb.HHResult.load(res.save(tmp_path / "run.csv"))
    np.testing.assert_allclose(csv.V, res.V, rtol=1e-11)
    np.testing.assert_array_equal(csv.spike, res.spike)
    np.testing.assert_allclose(csv.spike_times()[0], res.spike_times()[0], rtol=1e-9)
    with pytest.raises(ValueError, match="one neuron"):
        hb.simulate(1.0, size=2).save(tmp_path / "two.csv")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"duration": 0.0}, ValueError, "duration must be finite and > 0"),
        ({"duration": float("inf")}, ValueError, "duration"),
        ({"duration": 10.005}, ValueError, "whole number of steps"),
        ({"dt": -0.01}, ValueError, "dt must be finite and > 0"),
        ({"dt": 0.2}, ValueError, r"stability limit.*exp_auto"),
        ({"Iext": float("nan")}, ValueError, "Iext must be finite"),
        ({"C": -1.0}, ValueError, "C .* must be > 0"),
        ({"gL": -0.1}, ValueError, "gL .* must be >= 0"),
        ({"method": "leapfrog"}, ValueError, "unknown method"),
        ({"size": 0}, ValueError, "size"),
        ({"gna": 120.0}, TypeError, "unknown model parameter"),
        ({"init": {"V": -65.0, "h": -0.1}}, ValueError, r"initial h must lie in \[0, 1\]"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, error, match):
    """Bad arguments name the parameter and the allowed range."""
    kwargs = {"duration": 10.0, **kwargs}
    with pytest.raises(error, match=match):
        hb.simulate(kwargs.pop("duration"), **kwargs)


def test_a_run_that_goes_non_finite_says_when():
    """A current of 1e300 uA/cm^2 overflows V: the error names the time instead of returning NaN."""
    with pytest.raises(hb.NonFiniteError, match=r"became non-finite at t = 0\.0[0-9]* ms"):
        hb.simulate(1.0, Iext=1e300)


def test_defaults_live_in_one_place():
    """HHParams, HH.__init__, simulate and integral use the same defaults."""
    fields = {f.name: f.default for f in dataclasses.fields(hb.HHParams)}
    hh_sig = inspect.signature(hb.HH.__init__).parameters
    for name, value in fields.items():
        assert hh_sig[name].default == value
    assert hb.integral.arguments[5:13] == [f"{n}={float(fields[n]) if n != 'Iext' else 10.0}" for n in
                                           ("Iext", "gNa", "ENa", "gK", "EK", "gL", "EL", "C")]
    assert inspect.signature(hb.simulate).parameters["dt"].default == hb.DEFAULT_DT == hb.integral.dt
