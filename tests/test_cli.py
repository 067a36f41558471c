"""The hh-brainpy command, called as main([...])."""

from __future__ import annotations

import numpy as np
import pytest

from hh_brainpy import HHResult
from hh_brainpy.cli import main


def test_simulate_writes_the_figure_and_csv(tmp_path, capsys):
    """The README's main job: a PNG and a CSV with 7 spikes in 100 ms at 10 uA/cm^2."""
    png, csv = tmp_path / "hh.png", tmp_path / "hh.csv"
    status = main(["simulate", "--duration", "100", "--dt", "0.01", "--Iext", "10", "--method", "rk4",
                   "--out", str(png), "--csv", str(csv)])
    assert status == 0
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000
    assert "7 spikes" in capsys.readouterr().out
    res = HHResult.load(csv)
    assert res.ts[-1] == pytest.approx(100.0) and len(res.spike_times(0.0)[0]) == 7
    assert np.all(res.Iext == 10.0)


def test_help_lists_the_options(capsys):
    """--help documents each option with its unit."""
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for text in ("--duration", "ms", "--Iext", "uA/cm^2", "--method", "rk4", "--csv"):
        assert text in out


def test_unstable_dt_is_an_error_not_a_figure(tmp_path, capsys):
    """dt = 0.1 with rk4 exits with status 2 and advice, and writes no figure."""
    png = tmp_path / "hh.png"
    assert main(["simulate", "--dt", "0.1", "--out", str(png)]) == 2
    assert "stability limit" in capsys.readouterr().err
    assert not png.exists()


@pytest.mark.parametrize("init", ["steady", "rest", "zeros"])
def test_the_command_gives_the_runners_trace(init, tmp_path):
    """The command's compiled path (integrate) and hb.simulate give the same V, m, h, n and spikes."""
    import hh_brainpy as hb

    csv = tmp_path / "hh.csv"
    assert main(["simulate", "--duration", "30", "--gK", "30", "--init", init, "--out", str(tmp_path / "a.png"),
                 "--csv", str(csv)]) == 0
    ours, theirs = HHResult.load(csv), hb.simulate(30.0, gK=30.0, init=init)
    for name in ("V", "m", "h", "n"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.spike, theirs.spike)
    assert ours.params["gK"] == 30.0 and ours.params["V_th"] == 20.0
