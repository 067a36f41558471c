"""Bad input gets a clear error naming the parameter; nothing becomes a plausible wrong number, a hang or a lost file.

Each row: what is called, the exception expected and words its message must contain.
"""

from __future__ import annotations

import brainpy as bp
import numpy as np
import pytest

import hh_brainpy as hb
from hh_brainpy import analysis, excitability, stimulus
from hh_brainpy.cli import main

NAN, INF = float("nan"), float("inf")

_SIMULATE = [
    ({"duration": 0.0}, ValueError, "duration"),
    ({"duration": -5.0}, ValueError, "duration"),
    ({"duration": NAN}, ValueError, "duration"),
    ({"duration": INF}, ValueError, "duration"),
    ({"duration": "10"}, TypeError, "duration"),
    ({"duration": 10.005}, ValueError, "whole number of steps"),
    ({"dt": 0.0}, ValueError, "dt"),
    ({"dt": -0.01}, ValueError, "dt"),
    ({"dt": NAN}, ValueError, "dt"),
    ({"dt": "0.01"}, TypeError, "dt"),
    ({"dt": True}, TypeError, "dt"),
    ({"dt": 0.2}, ValueError, "stability limit"),
    ({"dt": 0.5, "method": "exp_auto"}, ValueError, "largest step tested"),
    ({"method": "rk5"}, ValueError, "unknown method"),
    ({"method": 4}, TypeError, "method"),
    ({"Iext": NAN}, ValueError, "Iext"),
    ({"Iext": INF}, ValueError, "Iext"),
    ({"Iext": "10"}, TypeError, "Iext"),
    ({"Iext": None}, TypeError, "Iext"),
    ({"Iext": [1.0, NAN]}, ValueError, "Iext"),
    ({"Iext": lambda t: 10.0}, TypeError, "Stimulus"),
    ({"gNa": -1.0}, ValueError, "gNa"),
    ({"gK": NAN}, ValueError, "gK"),
    ({"gL": -0.1}, ValueError, "gL"),
    ({"C": 0.0}, ValueError, "C"),
    ({"C": -1.0}, ValueError, "C"),
    ({"ENa": INF}, ValueError, "ENa"),
    ({"EK": "x"}, TypeError, "EK"),
    ({"EL": None}, TypeError, "EL"),
    ({"V_th": NAN}, ValueError, "V_th"),
    ({"temperature": 100.0}, ValueError, "temperature"),
    ({"temperature": -20.0}, ValueError, "temperature"),
    ({"gk": 36.0}, TypeError, "unknown model parameter"),
    ({"size": 0}, ValueError, "size"),
    ({"size": -1}, ValueError, "size"),
    ({"size": 2.5}, TypeError, "size"),
    ({"size": 3, "gK": [30.0, 36.0]}, ValueError, "gK"),
    ({"init": "bogus"}, ValueError, "init"),
    ({"init": {"m": 0.1}}, ValueError, "init"),
    ({"init": {"V": -65.0, "m": 1.5}}, ValueError, "[0, 1]"),
    ({"init": {"V": NAN}}, ValueError, "V"),
    ({"init": "random"}, ValueError, "seed"),
    ({"monitors": ("V", "x")}, ValueError, "monitors"),
    ({"monitors": "V"}, TypeError, "monitors"),
    ({"record_every": 0}, ValueError, "record_every"),
    ({"record_every": 3}, ValueError, "record_every"),
    ({"record_every": 2.0}, TypeError, "record_every"),
    ({"record_every": True}, TypeError, "record_every"),
    ({"window": (5.0, 1.0)}, ValueError, "window"),
    ({"window": (-1.0, 5.0)}, ValueError, "window"),
    ({"window": (0.0, NAN)}, ValueError, "window"),
    ({"window": 3.0}, ValueError, "window"),
    ({"duration": 1e9}, MemoryError, "record_every"),
]


@pytest.mark.parametrize(("kwargs", "error", "words"), _SIMULATE)
def test_simulate_refuses_bad_input_by_name(kwargs, error, words):
    """simulate: each bad argument raises the expected type with the parameter's name in the message."""
    kwargs = {"duration": 10.0, **kwargs}
    with pytest.raises(error, match=_words(words)):
        hb.simulate(kwargs.pop("duration"), **kwargs)


_HH = [
    ({"size": 0}, ValueError, "size"),
    ({"size": (2, 0)}, ValueError, "size"),
    ({"gNa": NAN}, ValueError, "gNa"),
    ({"C": 0.0}, ValueError, "C"),
    ({"method": "rk9"}, ValueError, "unknown method"),
    ({"noise": 1.0, "method": "rk4"}, ValueError, "noise needs a stochastic method"),
    ({"init": "rest", "V_initializer": -65.0}, ValueError, "not both"),
    ({"m_initializer": 1.5}, ValueError, "[0, 1]"),
    ({"V_initializer": NAN}, ValueError, "V_initializer"),
    ({"dt": 0.0}, ValueError, "dt"),
    ({"gK": np.ones(3)}, ValueError, "gK"),
    ({"temperature": 60.0}, ValueError, "temperature"),
]


@pytest.mark.parametrize(("kwargs", "error", "words"), _HH)
def test_hh_refuses_bad_construction_by_name(kwargs, error, words):
    """HH: a bad constructor argument raises, naming it."""
    kwargs = {"size": 2, **kwargs}
    with pytest.raises(error, match=_words(words)):
        hb.HH(kwargs.pop("size"), **kwargs)


_CALLS = [
    (lambda: hb.integrate((NAN, 0.1, 0.6, 0.3), 1.0), ValueError, "V"),
    (lambda: hb.integrate((-65.0, 1.2, 0.6, 0.3), 1.0), ValueError, "[0, 1]"),
    (lambda: hb.integrate((-65.0, 0.1, 0.6), 1.0), ValueError, "y0"),
    (lambda: hb.integrate((None, None, None, None), 1.0), ValueError, "V"),
    (lambda: hb.integrate((-65.0, None, 1.5, None), 1.0), ValueError, "[0, 1]"),
    (lambda: hb.integrate((-65.0, 0.1, 0.6, 0.3), 1.0, gK=-1.0), ValueError, "gK"),
    (lambda: hb.integrate((-65.0, 0.1, 0.6, 0.3), 1.0, Iext=NAN), ValueError, "Iext"),
    (lambda: hb.integrate((-65.0, 0.1, 0.6, 0.3), 1.0, dt=1.0), ValueError, "stability"),
    (lambda: hb.integrate((-65.0, 0.1, 0.6, 0.3), 1.0, foo=1.0), TypeError, "unknown"),
    (lambda: hb.make_integral("rk5"), ValueError, "unknown method"),
    (lambda: hb.make_integral("rk4", dt=-1.0), ValueError, "dt"),
    (lambda: hb.make_integral("rk4", dt=0.5), ValueError, "stability"),
    (lambda: hb.parameter_set("nope"), ValueError, "unknown parameter set"),
    (lambda: hb.parameter_set(None), ValueError, "unknown parameter set"),
    (lambda: hb.HHParams.from_overrides(gNa="x"), TypeError, "gNa"),
    (lambda: hb.DEFAULT_PARAMS.replace(C=-1.0), ValueError, "C"),
    (lambda: hb.max_stable_dt("nope"), ValueError, "unknown method"),
    (lambda: stimulus.step(1.0, 5.0, 1.0), ValueError, "stop > start"),
    (lambda: stimulus.step(1.0, NAN, 5.0), ValueError, "start"),
    (lambda: stimulus.step(NAN, 1.0, 5.0), ValueError, "amplitude"),
    (lambda: stimulus.ramp(0.0, 1.0, 5.0, 5.0), ValueError, "stop > start"),
    (lambda: stimulus.ramp(0.0, INF, 1.0, 5.0), ValueError, "end_value"),
    (lambda: stimulus.from_array([], 0.1), ValueError, "from_array"),
    (lambda: stimulus.from_array([1.0, 2.0], 0.0), ValueError, "dt"),
    (lambda: stimulus.from_array([1.0, NAN], 0.1), ValueError, "Iext"),
    (lambda: stimulus.from_array([1.0, 2.0], 0.1, t0=NAN), ValueError, "t0"),
    (lambda: stimulus.constant("x"), TypeError, "Iext"),
    (lambda: hb.simulate(10.0, Iext=stimulus.from_array([1.0, 2.0], 0.1)), ValueError, "ends at"),
    (lambda: hb.HHRunner("not a model"), TypeError, "model"),
    (lambda: hb.HHRunner(hb.HH(1), dt=0.02, monitors=("V",)).run(1.0, chunk_steps=0), ValueError, "chunk_steps"),
    (lambda: hb.HHRunner(hb.HH(1, dt=0.01), dt=0.02), ValueError, "differs"),
    (lambda: hb.HHRunner(hb.HH(1, method="rk4"), dt=0.2), ValueError, "stability"),
    (lambda: excitability.fixed_point(NAN), ValueError, "Iext"),
    (lambda: excitability.stability(NAN), ValueError, "Iext"),
    (lambda: excitability.fixed_point(0.0, V_range=(0.0, -100.0)), ValueError, "V_range"),
    (lambda: excitability.fixed_point(0.0, V_range=(NAN, 0.0)), ValueError, "V_range"),
    (lambda: excitability.fixed_point(0.0, V_range=(-30.0, 0.0)), ValueError, "no steady state"),
    (lambda: excitability.rheobase(tol=NAN), ValueError, "tol"),
    (lambda: excitability.rheobase(tol=0.0), ValueError, "tol"),
    (lambda: excitability.rheobase(tol=-1.0), ValueError, "tol"),
    (lambda: excitability.rheobase(batch=2), ValueError, "batch"),
    (lambda: excitability.rheobase(batch=2.5), TypeError, "batch"),
    (lambda: excitability.rheobase(low=5.0, high=1.0), ValueError, "high > low"),
    (lambda: excitability.rheobase(low=NAN), ValueError, "low"),
    (lambda: excitability.fi_curve([NAN]), ValueError, "Iext"),
    (lambda: excitability.fi_curve([]), ValueError, "currents"),
    (lambda: excitability.fi_curve([1.0], transient=600.0), ValueError, "transient"),
    (lambda: excitability.fi_curve([1.0], duration=NAN), ValueError, "duration"),
    (lambda: excitability.fi_curve([1.0], threshold=NAN), ValueError, "V_th"),
    (lambda: analysis.spike_times(np.arange(3.0), np.zeros(3), NAN), ValueError, "V_th"),
    (lambda: analysis.spike_times(np.arange(3.0), np.zeros(3), "0"), TypeError, "V_th"),
    (lambda: analysis.firing_rate([np.array([1.0])], 0.0), ValueError, "duration"),
    (lambda: analysis.firing_rate([np.array([1.0])], NAN), ValueError, "duration"),
    (lambda: hb.simulate(5.0).spike_times(NAN), ValueError, "V_th"),
    (lambda: hb.sweep({"Iext": [1.0, NAN]}, 5.0), ValueError, "Iext"),
    (lambda: hb.sweep({"gk": [1.0]}, 5.0), TypeError, "unknown"),
    (lambda: hb.sweep({"Iext": [1.0]}, 5.0, dt=NAN), ValueError, "dt"),
    (lambda: hb.sweep({"Iext": [1.0]}, -5.0), ValueError, "duration"),
    (lambda: hb.fit(np.zeros(2), {"gK": 30.0}), ValueError, "at least 3 samples"),
    (lambda: hb.fit(np.array([0.0, NAN, 1.0]), {"gK": 30.0}), ValueError, "finite"),
    (lambda: hb.fit(np.zeros(10), {}), ValueError, "at least one parameter"),
    (lambda: hb.fit(np.zeros(10), {"gK": -30.0}), ValueError, "gK"),
    (lambda: hb.fit(np.zeros(10), {"foo": 1.0}), TypeError, "unknown"),
    (lambda: hb.fit(np.zeros(10), {"gK": 30.0}, fixed={"gK": 1.0}), ValueError, "both"),
    (lambda: hb.fit(np.zeros(10), {"gK": 30.0}, windows=(0.5,)), ValueError, "windows"),
    (lambda: hb.fit(hb.simulate(10.0, monitors=("V",), window=(5.0, 10.0)), {"gK": 30.0}), ValueError,
     "initial state is unknown"),
]


@pytest.mark.parametrize(("call", "error", "words"), _CALLS)
def test_the_public_api_refuses_bad_input_by_name(call, error, words):
    """Every public function validates its arguments up front, naming the one that is wrong."""
    with pytest.raises(error, match=_words(words)):
        call()


@pytest.mark.parametrize(("argv", "words"), [
    (["simulate", "--dt", "abc"], "--dt"),
    (["simulate", "--dt", "nan"], "--dt"),
    (["simulate", "--duration", "-1"], "duration"),
    (["simulate", "--duration", "1e12"], "GiB"),
    (["simulate", "--method", "rk9"], "--method"),
    (["simulate", "--gK", "-3"], "gK"),
    (["simulate", "--C", "0"], "C"),
    (["simulate", "--temperature", "99"], "temperature"),
    (["simulate", "--out", ""], "--out"),
    (["simulate", "--out", "{tmp}"], "--out"),
    (["simulate", "--out", "{tmp}/missing/x.png"], "does not exist"),
    (["simulate", "--out", "{tmp}/x.txt"], "--out"),
    (["simulate", "--csv", "{tmp}/x.txt"], "--csv"),
    (["simulate", "--out", "{tmp}/exists.png"], "exists"),
    (["simulate", "--bogus"], "unrecognized"),
    ([], "required"),
])
def test_the_cli_speaks_in_one_line_with_status_2(argv, words, tmp_path, capsys):
    """A user error on the command line: one line on stderr naming the flag, exit status 2, nothing written."""
    (tmp_path / "exists.png").write_bytes(b"keep me")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err and words in err, err
    assert (tmp_path / "exists.png").read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.png"]


def test_save_refuses_to_overwrite_and_leaves_no_partial_file(tmp_path):
    """HHResult.save replaces a file only with overwrite=True; CSV's first line is its header; load round-trips."""
    res = hb.simulate(2.0)
    path = res.save(tmp_path / "run.csv")
    assert path.read_text().splitlines()[0] == "t_ms,V_mV,m,h,n,spike,Iext_uA_cm2"
    with pytest.raises(FileExistsError, match="overwrite=True"):
        res.save(tmp_path / "run.csv")
    res.save(tmp_path / "run.csv", overwrite=True)
    back = hb.HHResult.load(tmp_path / "run.csv")
    np.testing.assert_allclose(back.V, res.V, rtol=1e-11)
    assert back.params["gK"] == 36.0 and back.dt == 0.01
    (tmp_path / "junk.npz").write_bytes(b"not a result")
    with pytest.raises(ValueError, match="not a result written by HHResult.save"):
        hb.HHResult.load(tmp_path / "junk.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.npz", "run.csv", "run.json"]


def test_the_cli_leaves_global_settings_as_it_found_them(tmp_path):
    """main(['simulate', '--float64', ...]) in-process restores x64 and the matplotlib backend."""
    import jax
    import matplotlib

    backend, x64 = matplotlib.get_backend(), jax.config.jax_enable_x64
    assert main(["simulate", "--duration", "2", "--float64", "--out", str(tmp_path / "a.png")]) == 0
    assert matplotlib.get_backend() == backend and jax.config.jax_enable_x64 == x64


def test_a_bp_dsrunner_step_larger_than_any_limit_is_sub_stepped_not_wrong():
    """BrainPy's default dt (0.1 ms) on rk4 neither raises nor diverges: sub-steps keep it finite."""
    runner = bp.DSRunner(hb.HH(2), monitors=["V"], progress_bar=False)
    runner.run(5.0)
    assert np.all(np.isfinite(runner.mon["V"]))


def _words(words: str) -> str:
    """The message must contain ``words`` literally."""
    return "".join("\\" + c if c in r"\.^$*+?{}[]|()" else c for c in words)

