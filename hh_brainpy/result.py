"""``HHResult``: what a simulation returns, with its time axis, analysis and I/O."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from hh_brainpy import analysis
from hh_brainpy import kinetics as k
from hh_brainpy.plotting import plot_trace

__all__ = ["HHResult", "check_writable"]

_TRACES = ("V", "m", "h", "n", "spike", "Iext")
_FORMAT = "hh_brainpy.HHResult/1"


@dataclasses.dataclass(frozen=True, eq=False)
class HHResult:
    """Recorded trajectory of a population of ``N`` HH neurons over ``T = steps + 1`` samples.

    Sample 0 is the initial state at ``ts[0]``; sample ``i`` is the state after
    ``i * record_every`` steps, at ``ts[i] = ts[0] + i * record_every * dt``
    (``record_every`` is 1 unless the run was decimated; a recording window
    shifts ``ts[0]``).  ``ts`` is built from the same
    ``dt`` that integrated the model, so a trace can never be drawn on a time
    axis that differs from the one it was computed on.

    Attributes
    ----------
    ts : ndarray, shape (T,)
        Sample times, ms.
    V : ndarray, shape (T, N), or None
        Membrane potential, mV (None if not recorded).
    m, h, n : ndarray, shape (T, N), or None
        Gating variables, dimensionless.
    spike : ndarray of bool, shape (T, N), or None
        True at the sample that ends the step in which V crossed ``V_th`` upwards
        (decimated: in any of the ``record_every`` steps since the last sample).
    Iext : ndarray, shape (T, N), or None
        External current applied during the step that starts at each sample, uA/cm^2.
    dt : float
        Integration step, ms.
    method : str
        Integration method.
    params : dict
        Model parameters (``gNa``, ``ENa``, ``gK``, ``EK``, ``gL``, ``EL``, ``C``,
        ``temperature``, ``V_th``).
    record_every : int
        Steps between samples (1: every step).
    """

    ts: np.ndarray
    V: np.ndarray | None
    m: np.ndarray | None
    h: np.ndarray | None
    n: np.ndarray | None
    spike: np.ndarray | None
    Iext: np.ndarray | None
    dt: float
    method: str
    params: dict[str, Any]
    record_every: int = 1

    @classmethod
    def from_trajectory(cls, trajectory: Any, *, Iext: float, dt: float, method: str, params: Any) -> HHResult:
        """The result of one neuron's :func:`hh_brainpy.integrate` run at a constant ``Iext`` (uA/cm^2).

        ``params`` is the :class:`hh_brainpy.HHParams` it ran with; ``spike`` marks the
        samples that end a step in which V crossed ``params.V_th`` upwards, as :class:`hh_brainpy.HH`.
        """
        ts, V, m, h, n = (np.asarray(x) for x in trajectory)
        V, m, h, n = (x.reshape(ts.size, -1) for x in (V, m, h, n))
        spike = np.zeros(V.shape, dtype=bool)
        spike[1:] = (V[:-1] < params.V_th) & (V[1:] >= params.V_th)
        values = {name: float(np.asarray(getattr(params, name))) for name in dataclasses.asdict(params)}
        return cls(ts=ts, V=V, m=m, h=h, n=n, spike=spike, Iext=np.full(V.shape, float(Iext)), dt=dt,
                   method=method, params=values)

    @property
    def duration(self) -> float:
        """Simulated time, ms."""
        return float(self.ts[-1] - self.ts[0])

    @property
    def num_neurons(self) -> int:
        """Number of neurons N."""
        for name in _TRACES:
            arr = getattr(self, name)
            if arr is not None:
                return int(arr.shape[1])
        return 0

    def dVdt(self) -> np.ndarray | None:
        """dV/dt at each sample (mV/ms) from the recorded state and current; None if not all recorded."""
        if any(getattr(self, x) is None for x in ("V", "m", "h", "n", "Iext")):
            return None
        p = self.params
        out = k.dVdt(self.V, self.m, self.h, self.n, self.Iext,
                     p["gNa"], p["ENa"], p["gK"], p["EK"], p["gL"], p["EL"], p["C"])
        return np.asarray(out)

    def spike_times(self, V_th: float | None = None, *, threshold: float | None = None) -> list[np.ndarray]:
        """Upward crossings of ``V_th`` (mV; default the run's ``V_th``), in ms, one array per neuron.

        ``threshold`` is the former name of ``V_th``.

        Located on the cubic Hermite interpolant of V and dV/dt when the gates
        and current were recorded, else by linear interpolation
        (:func:`hh_brainpy.analysis.spike_times`).
        """
        if self.V is None:
            raise ValueError("spike_times needs V; record it with monitors=('V', ...)")
        level = V_th if threshold is None else threshold
        if level is None:
            level = float(np.min(self.params["V_th"]))
        return analysis.spike_times(self.ts, self.V, level, self.dVdt())

    def firing_rate(self, V_th: float | None = None) -> np.ndarray:
        """Mean firing rate of each neuron over the run, Hz."""
        return analysis.firing_rate(self.spike_times(V_th), self.duration)

    def plot(self, neuron: int = 0, axes: Any = None) -> Any:
        """The two-panel figure: V on top, m, h, n below, on the real time axis. Returns the Axes."""
        return plot_trace(self, neuron=neuron, axes=axes)

    # -- input / output -------------------------------------------------------------------
    def _metadata(self) -> dict[str, Any]:
        return {"format": _FORMAT, "version": _version(), "dt": self.dt, "method": self.method,
                "record_every": self.record_every,
                "params": {key: np.asarray(v).tolist() for key, v in self.params.items()}}

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``.npz`` (any population) or ``.csv`` (one neuron, plus a ``.json`` sidecar); the suffix decides.

        The CSV's first line is its header (``t_ms,V_mV,m,h,n,spike,Iext_uA_cm2``),
        so pandas and spreadsheets read it as it is; the run's metadata (dt,
        method, parameters, version) goes to ``<name>.json`` beside it, and
        into the ``.npz`` itself.  An existing file is replaced only with
        ``overwrite=True``; the file is written to a temporary name in the same
        folder and renamed, so no half-written file is ever left.
        """
        path = Path(path)
        if path.suffix not in (".npz", ".csv"):
            raise ValueError(f"save path must end in .npz or .csv, got {path.name!r}")
        targets = [path, path.with_suffix(".json")] if path.suffix == ".csv" else [path]
        check_writable(targets, overwrite)
        if path.suffix == ".csv":
            if self.num_neurons != 1:
                raise ValueError(f"CSV holds one neuron; this result has {self.num_neurons}. Save as .npz")
            _atomic_write(path, lambda f: self._write_csv(f))
            _atomic_write(path.with_suffix(".json"), lambda f: f.write(json.dumps(self._metadata(), indent=1).encode()))
            return path
        arrays = {name: getattr(self, name) for name in _TRACES if getattr(self, name) is not None}
        params = {f"param_{key}": np.asarray(val) for key, val in self.params.items()}
        _atomic_write(path, lambda f: np.savez(f, ts=self.ts, **arrays, **params,
                                               meta=np.array(json.dumps(self._metadata()))))
        return path

    def _write_csv(self, f: Any) -> None:
        cols, names = [self.ts], ["t_ms"]
        for name, unit in (("V", "mV"), ("m", ""), ("h", ""), ("n", ""), ("spike", ""), ("Iext", "uA_cm2")):
            arr = getattr(self, name)
            if arr is not None:
                cols.append(arr[:, 0].astype(float))
                names.append(f"{name}_{unit}" if unit else name)
        np.savetxt(f, np.column_stack(cols), delimiter=",", header=",".join(names), comments="", fmt="%.12g")

    @classmethod
    def load(cls, path: str | Path) -> HHResult:
        """Read a result written by :meth:`save` (``.npz``, or a one-neuron ``.csv`` with its ``.json``)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {str(path)!r}")
        try:
            if path.suffix == ".csv":
                return cls._load_csv(path)
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                params = {key[6:]: data[key][()] for key in data.files if key.startswith("param_")}
                traces = {name: (data[name] if name in data.files else None) for name in _TRACES}
                return cls(ts=data["ts"], dt=meta["dt"], method=meta["method"], params=params,
                           record_every=meta.get("record_every", 1), **traces)
        except (KeyError, ValueError, OSError, json.JSONDecodeError, IndexError) as exc:
            raise ValueError(f"{str(path)!r} is not a result written by HHResult.save ({exc})") from exc

    @classmethod
    def _load_csv(cls, path: Path) -> HHResult:
        sidecar = path.with_suffix(".json")
        if not sidecar.is_file():
            raise ValueError(f"{str(path)!r} has no metadata file {sidecar.name!r} beside it")
        meta = json.loads(sidecar.read_text())
        with open(path) as f:
            names = f.readline().strip().split(",")
        table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        cols = {name.split("_")[0]: table[:, i] for i, name in enumerate(names)}
        traces = {name: (cols[name][:, None] if name in cols else None) for name in _TRACES}
        if traces["spike"] is not None:
            traces["spike"] = traces["spike"].astype(bool)
        params = {key: (float(v) if np.ndim(v) == 0 else np.asarray(v)) for key, v in meta["params"].items()}
        return cls(ts=cols["t"], dt=meta["dt"], method=meta["method"], params=params,
                   record_every=meta.get("record_every", 1), **traces)


def _version() -> str:
    try:
        return importlib.metadata.version("hh-brainpy")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def check_writable(paths: list[Path], overwrite: bool) -> None:
    """Refuse to replace existing files unless ``overwrite``; the folder must exist."""
    for path in paths:
        if path.is_dir():
            raise IsADirectoryError(f"{str(path)!r} is a directory; give a file name")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"the folder of {str(path)!r} does not exist")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True (or --force) to replace it")


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename it to ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
