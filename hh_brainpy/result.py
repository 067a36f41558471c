"""``HHResult``: what a simulation returns, with its time axis, analysis and I/O."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from hh_brainpy import analysis
from hh_brainpy import kinetics as k
from hh_brainpy.plotting import plot_trace
from hh_brainpy.result_io import DamagedFileError, check_metadata, check_name_length, verify, write_files

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

    Examples
    --------
    >>> import hh_brainpy as hb
    >>> res = hb.simulate(20.0, Iext=10.0)
    >>> res.V.shape, float(res.ts[-1]), res.dt
    ((2001, 1), 20.0, 0.01)
    >>> [round(float(t), 2) for t in res.spike_times()[0]]
    [2.16, 16.54]
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
                "record_every": self.record_every, "samples": int(self.ts.size), "neurons": self.num_neurons,
                "params": {key: np.asarray(v).tolist() for key, v in self.params.items()}}

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``.npz`` (any population) or ``.csv`` (one neuron, plus a ``.json`` sidecar); the suffix decides.

        The CSV's first line is its header (``t_ms,V_mV,m,h,n,spike,Iext_uA_cm2``),
        so pandas and spreadsheets read it as it is; the run's metadata (dt,
        method, parameters, sample count, version) goes to ``<name>.json`` beside
        it, and into the ``.npz`` itself.  An existing file is replaced only with
        ``overwrite=True``, and the check is atomic: of two processes saving to
        the same new path, one succeeds and the other gets ``FileExistsError``.
        The files are written in full under temporary names and then published
        together (``hh_brainpy.result_io``), so no half-written file and no
        CSV without its sidecar is ever left, even if the process is killed.
        """
        path = Path(path)
        if path.suffix not in (".npz", ".csv"):
            raise ValueError(f"save path must end in .npz or .csv, got {path.name!r}")
        targets = [path.with_suffix(".json"), path] if path.suffix == ".csv" else [path]
        check_writable(targets, overwrite)
        if path.suffix == ".csv":
            if self.num_neurons != 1:
                raise ValueError(f"CSV holds one neuron; this result has {self.num_neurons}. Save as .npz")
            meta = json.dumps(self._metadata(), indent=1).encode()
            write_files([(targets[0], lambda f: f.write(meta)), (path, self._write_csv)], overwrite)
            return path
        arrays = {name: getattr(self, name) for name in _TRACES if getattr(self, name) is not None}
        params = {f"param_{key}": np.asarray(val) for key, val in self.params.items()}
        write_files([(path, lambda f: np.savez(f, ts=self.ts, **arrays, **params,
                                                meta=np.array(json.dumps(self._metadata()))))], overwrite)
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
        """Read a result written by :meth:`save` (``.npz``, or a one-neuron ``.csv`` with its ``.json``).

        What is read is checked against the file's own metadata (sample and neuron counts, dt, the
        shapes of the traces, the type of every field); a damaged, truncated or foreign file raises
        :class:`hh_brainpy.DamagedFileError` (a ``ValueError``) naming the file and the fault.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {str(path)!r}")
        if path.suffix == ".csv":
            return cls._load_csv(path)
        try:
            with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                check_metadata(meta, path, _FORMAT)
                params = {key[6:]: data[key][()] for key in data.files if key.startswith("param_")}
                traces = {name: (data[name] if name in data.files else None) for name in _TRACES}
                ts = data["ts"]
        except DamagedFileError:
            raise
        except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, json.JSONDecodeError,
                IndexError, TypeError) as exc:
            raise DamagedFileError(f"{str(path)!r} is damaged or not a result written by HHResult.save "
                                   f"({type(exc).__name__}: {exc})") from exc
        verify(path, meta, ts, traces)
        return cls(ts=ts, dt=float(meta["dt"]), method=meta["method"], params=params,
                   record_every=int(meta.get("record_every", 1)), **traces)

    @classmethod
    def _load_csv(cls, path: Path) -> HHResult:
        sidecar = path.with_suffix(".json")
        if not sidecar.is_file():
            raise DamagedFileError(f"{str(path)!r} has no metadata file {sidecar.name!r} beside it")
        try:
            meta = json.loads(sidecar.read_text())
            check_metadata(meta, sidecar, _FORMAT)
            with open(path) as f:
                names = f.readline().strip().split(",")
            table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        except DamagedFileError:
            raise
        except (ValueError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DamagedFileError(f"{str(path)!r} (or its {sidecar.name!r}) is damaged or not written by "
                                   f"HHResult.save ({type(exc).__name__}: {exc})") from exc
        known = {"t_ms", "V_mV", "m", "h", "n", "spike", "Iext_uA_cm2"}
        if names[:1] != ["t_ms"] or not set(names) <= known or table.shape[1] != len(names):
            raise DamagedFileError(f"{str(path)!r} has the header {names!r} for {table.shape[1]} columns; "
                                   f"expected t_ms first, then columns among {sorted(known)}")
        cols = {name.split("_")[0]: table[:, i] for i, name in enumerate(names)}
        traces = {name: (cols[name][:, None] if name in cols else None) for name in _TRACES}
        if traces["spike"] is not None:
            if not np.all((traces["spike"] == 0) | (traces["spike"] == 1)):
                raise DamagedFileError(f"{str(path)!r}: the spike column holds values other than 0 and 1")
            traces["spike"] = traces["spike"].astype(bool)
        verify(path, meta, cols["t"], traces)
        params = {key: (float(v) if np.ndim(v) == 0 else np.asarray(v)) for key, v in meta["params"].items()}
        return cls(ts=cols["t"], dt=float(meta["dt"]), method=meta["method"], params=params,
                   record_every=int(meta.get("record_every", 1)), **traces)


def _version() -> str:
    try:
        return importlib.metadata.version("hh-brainpy")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def check_writable(paths: list[Path], overwrite: bool) -> None:
    """Refuse to replace existing files unless ``overwrite``; the folder must exist."""
    for path in paths:
        check_name_length(path)
        if path.is_dir():
            raise IsADirectoryError(f"{str(path)!r} is a directory; give a file name")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"the folder of {str(path)!r} does not exist")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True (or --force) to replace it")
