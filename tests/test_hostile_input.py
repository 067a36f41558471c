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
    (lambda: excitability.fi_curve([1.0], threshold=NAN), ValueError, "threshold"),
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



# -- one validation at every door ---------------------------------------------------------------
@pytest.mark.parametrize("fields, error, words", [
    ({"gNa": -120.0}, ValueError, "gNa"),
    ({"C": 0.0}, ValueError, "C (membrane capacitance"),
    ({"temperature": 80.0}, ValueError, "temperature"),
    ({"gK": True}, TypeError, "gK"),
    ({"EL": "x"}, TypeError, "EL"),
    ({"V_th": NAN}, ValueError, "V_th"),
])
def test_hhparams_checks_its_values_on_construction(fields, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        hb.HHParams(**fields)


def test_every_door_checks_params_given_as_jax_arrays():
    import jax.numpy as jnp

    bad = hb.HHParams(gNa=jnp.asarray(-120.0))  # JAX values are checked where they are used
    with pytest.raises(ValueError, match="gNa"):
        hb.integrate((-65.0, None, None, None), 1.0, params=bad)
    with pytest.raises(ValueError, match="gNa"):
        hb.HH(2, V_init=-65.0).restart(bad)
    with pytest.raises(ValueError, match="gNa"):
        hb.voltage_clamp(-20.0, duration=1.0, params=bad)


def test_jax_may_still_build_hhparams_freely():
    import jax

    g = jax.grad(lambda p: -p.C * p.gNa)(hb.DEFAULT_PARAMS)  # a gradient: negative C is fine
    assert float(g.C) == -120.0
    spec = jax.tree_util.tree_map(lambda _: 0, hb.DEFAULT_PARAMS)  # an axis specification
    assert spec.C == 0


def test_hhparams_compare_by_value_with_arrays_and_accept_a_set_name_as_base():
    a = hb.HHParams(gNa=np.array([100.0, 120.0]))
    assert a == hb.HHParams(gNa=np.array([100.0, 120.0])) and a != hb.HHParams()
    assert hb.HHParams.from_overrides(base="hh1952") == hb.parameter_set("hh1952")
    with pytest.raises(ValueError, match="unknown parameter set"):
        hb.HHParams.from_overrides(base="squid")
    with pytest.raises(TypeError, match="base"):
        hb.HHParams.from_overrides(base=3)


@pytest.mark.parametrize("call, error, words", [
    (lambda: hb.HH(2, noise=NAN), ValueError, "noise"),
    (lambda: hb.HH(2, noise=-1.0), ValueError, "noise"),
    (lambda: hb.HH(3, m_initializer=bp.init.Uniform(1.5, 2.0)), ValueError, "initial m must lie in"),
    (lambda: hb.HH(3, V_init=-65.0, seed="abc"), TypeError, "seed"),
    (lambda: hb.simulate(10.0, init="random", seed="abc"), TypeError, "seed"),
    (lambda: hb.simulate(10.0, size=3, Iext=np.ones(5)), ValueError, "Iext has shape"),
    (lambda: hb.simulate(10.0, size=3, init={"V": np.full(5, -65.0)}), ValueError, r"init\['V'\]"),
    (lambda: hb.simulate(10.0, V_init="abc"), TypeError, "V_init"),
    (lambda: hb.simulate(10.0, V_init=NAN), ValueError, "V_init"),
    (lambda: hb.simulate(10.0, record_every=100, window=(1.1, 1.2)), ValueError, "holds no sample"),
    (lambda: hb.sweep({"gK": [True, False]}, 1.0), TypeError, r"grid\['gK'\]"),
    (lambda: hb.sweep({"gK": [True, 2.0]}, 1.0), TypeError, r"grid\['gK'\]"),
    (lambda: hb.sweep({"gK": (g for g in (1.0, 2.0))}, 1.0), TypeError, r"grid\['gK'\]"),
    (lambda: hb.sweep({"gK": "36"}, 1.0), TypeError, r"grid\['gK'\]"),
    (lambda: hb.sweep({"gK": ["a", "b"]}, 1.0), TypeError, r"grid\['gK'\]"),
    (lambda: hb.sweep({"Iext": [1.0]}, 1.0, threshold=NAN), ValueError, "threshold"),
    (lambda: hb.fit(np.full(100, -65.0), {"gNa": 100.0}, max_iter=-5), ValueError, "max_iter"),
    (lambda: hb.fit(hb.simulate(5.0), {"gNa": 100.0}, dt=0.0), ValueError, "contradicts"),
    (lambda: hb.simulate(5.0).plot(neuron=5), ValueError, "neuron = 5 is out of range"),
])
def test_each_message_names_its_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_sweep_refuses_devices_listed_twice_and_a_grid_beyond_memory():
    import jax

    with pytest.raises(ValueError, match="more than once"):
        hb.sweep({"Iext": [1.0, 2.0]}, 1.0, devices=[jax.devices()[0]] * 2)
    axis = np.linspace(1.0, 10.0, 1000)
    with pytest.raises(MemoryError, match="sweep fewer points"):
        hb.sweep({"gK": axis, "gNa": axis, "Iext": axis}, 1.0)  # 1e9 points, nothing recorded


def test_integrate_broadcasts_one_state_over_per_neuron_parameters():
    run = hb.integrate((-65.0, None, None, None), 1.0, gNa=[100.0, 120.0])
    assert run.V.shape == (101, 2)
    with pytest.raises(ValueError, match="broadcast together"):
        hb.integrate((np.full(3, -65.0), None, None, None), 1.0, gNa=[100.0, 120.0])


def test_a_batched_model_is_refused_by_the_runner_by_name():
    model = hb.HH(4, V_init=-65.0)
    model.reset_state(4)
    with pytest.raises(ValueError, match="non-batching"):
        hb.HHRunner(model).run(1.0)


def test_rheobase_tells_depolarization_block_from_too_little_current():
    with pytest.raises(ValueError, match="depolarization block"):
        excitability.rheobase(0.0, 500.0)
    with pytest.raises(ValueError, match="too low"):
        excitability.rheobase(0.0, 3.0)


def test_memory_check_counts_the_process_limit(monkeypatch):
    import resource

    from hh_brainpy import checks

    monkeypatch.setattr(resource, "getrlimit", lambda which: (checks._status_bytes("VmSize:") + 2**30, -1))
    assert checks.available_memory() <= 2**30
    with pytest.raises(MemoryError, match="address-space limit"):
        hb.simulate(100.0, size=20000)


# -- no result lost or misread -------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    result = hb.simulate(10.0)
    result.save(tmp_path / "run.csv")
    result.save(tmp_path / "run.npz")
    return tmp_path


def test_a_cut_csv_is_refused(saved):
    lines = (saved / "run.csv").read_text().splitlines(keepends=True)
    (saved / "run.csv").write_text("".join(lines[:500]))
    with pytest.raises(ValueError, match="499 samples where 1001 were saved"):
        hb.HHResult.load(saved / "run.csv")


def test_a_sidecar_with_a_wrong_type_is_refused(saved):
    import json

    meta = json.loads((saved / "run.json").read_text())
    meta["dt"] = "abc"
    (saved / "run.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="'dt' must be a number"):
        hb.HHResult.load(saved / "run.csv")


def test_npz_with_disagreeing_shapes_or_damaged_bytes_is_refused(saved):
    data = dict(np.load(saved / "run.npz"))
    data["V"] = data["V"][:-3]
    np.savez(saved / "short.npz", **data)
    with pytest.raises(ValueError, match="V has shape"):
        hb.HHResult.load(saved / "short.npz")
    raw = (saved / "run.npz").read_bytes()
    (saved / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="damaged"):
        hb.HHResult.load(saved / "cut.npz")


def test_long_names_are_saved_or_refused_before_writing(tmp_path):
    result = hb.simulate(5.0)
    result.save(tmp_path / ("x" * 250 + ".npz"))
    result.save(tmp_path / ("y" * 237 + ".csv"))  # and its 238-character sidecar
    assert (tmp_path / ("y" * 237 + ".json")).is_file()
    with pytest.raises(ValueError, match="file name"):
        result.save(tmp_path / ("z" * 253 + ".csv"))  # its sidecar would be 258 bytes
    assert not list(tmp_path.glob("z*")) and not list(tmp_path.glob(".hhb-*"))


def test_stale_temporaries_of_dead_processes_are_cleaned(tmp_path):
    stale = tmp_path / ".hhb-999999999-0badf00d.tmp"
    stale.write_text("left by a killed save")
    hb.simulate(5.0).save(tmp_path / "a.npz")
    assert not stale.exists()


def _save_one(args):
    path, amplitude = args
    import hh_brainpy as hb

    try:
        hb.simulate(5.0, Iext=amplitude).save(path)
        return "saved"
    except FileExistsError:
        return "exists"


def test_two_processes_saving_one_new_path_cannot_both_succeed(tmp_path):
    import multiprocessing

    path = tmp_path / "race.npz"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        outcomes = pool.map(_save_one, [(path, 5.0), (path, 10.0)])
    assert sorted(outcomes) == ["exists", "saved"]
    assert hb.HHResult.load(path).Iext[0, 0] in (5.0, 10.0)


# -- Ctrl-C --------------------------------------------------------------------------------------
def _interrupt_after(code: str, delay: float, tmp_path) -> tuple[float, str, int]:
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    line = proc.stdout.readline().strip()
    seen = time.perf_counter() - sent
    _, err = proc.communicate(timeout=60)
    return seen, line + err, proc.returncode


@pytest.mark.parametrize("call", ["hb.simulate(30000.0, size=100, monitors=[])",
                                  "hb.sweep({'Iext': [5.0] * 100}, 30000.0)"])
def test_a_long_compiled_run_answers_ctrl_c_within_a_second(call, tmp_path):
    # the warm-up run compiles the chunk the long run uses (400 ms: two chunks of 20,000 steps)
    code = ("import time, hh_brainpy as hb\n"
            f"{call.replace('30000.0', '400.0')}\nprint('ready', flush=True)\n"
            f"try:\n    {call}\n    print('finished', flush=True)\n"
            "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n")
    seen, said, _ = _interrupt_after(code, 1.0, tmp_path)
    assert said.startswith("interrupted") and seen < 1.0


def test_the_command_answers_ctrl_c_with_one_line_and_status_130(tmp_path):
    code = ("import sys, threading, time\nfrom hh_brainpy.cli import main\nprint('ready', flush=True)\n"
            "sys.exit(main(['simulate', '--duration', '200000', '--out', 'long.png']))\n")
    seen, said, status = _interrupt_after(code, 8.0, tmp_path)
    assert status == 130 and said.strip() == "hh-brainpy: interrupted; nothing was written"
    assert not (tmp_path / "long.png").exists() and not list(tmp_path.glob(".hhb-*"))
