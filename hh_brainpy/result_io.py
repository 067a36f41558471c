"""Writing a result's files as one unit, and checking what is read back.

**Writing.**  Every file of a result (the ``.npz``; or the ``.csv`` and its ``.json`` sidecar) is first
written in full, flushed and synced, to a short temporary name in the target folder
(``.hhb-<pid>-<random>.tmp``, well within any file system's name limit), then published:

- without ``overwrite``, by ``os.link`` (create-if-absent, atomic: two processes saving to the same
  new path cannot both succeed; the loser gets ``FileExistsError`` and its files are removed);
- with ``overwrite``, by ``os.replace``.

The sidecar is published before its CSV, so a CSV never stands without its metadata, and if the CSV
cannot be published the sidecar just created is removed.  Temporaries left by a process that was
killed (SIGKILL) are removed by the next save into that folder, once their process is gone.

**Reading.**  :func:`verify` checks a loaded result against its own metadata: the format, the
type and range of every metadata field, the sample count and neuron count, the shapes of the
traces against each other and the spacing of ``ts`` against ``dt``.  A damaged file gets a
``ValueError`` naming the file and what is wrong.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["write_files", "check_name_length", "verify", "DamagedFileError"]

_TMP_PREFIX = ".hhb-"


class DamagedFileError(ValueError):
    """A result file that cannot be read back as written: truncated, corrupted or inconsistent.

    Raised by :meth:`hh_brainpy.HHResult.load` when a file does not hold what its metadata says
    (a cut CSV, a corrupted ``.npz``, a sidecar that contradicts the data), naming the file and the
    fault.  A subclass of ``ValueError``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import hh_brainpy as hb
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "run.npz").write_bytes(b"not a zip file")
    >>> try:
    ...     hb.HHResult.load(folder / "run.npz")
    ... except hb.DamagedFileError as error:
    ...     print(type(error).__name__)
    DamagedFileError
    """


def check_name_length(path: Path) -> None:
    """Refuse a file name longer than the folder's file system allows, naming the limit."""
    try:
        limit = os.pathconf(path.parent if str(path.parent) else ".", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    length = len(os.fsencode(path.name))
    if length > limit:
        raise ValueError(f"the file name {path.name[:40]!r}... is {length} bytes long; this file system allows "
                         f"{limit}. Give a shorter name")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _clean_stale(folder: Path) -> None:
    """Remove temporaries of earlier saves whose process no longer exists."""
    with contextlib.suppress(OSError):
        for tmp in folder.glob(f"{_TMP_PREFIX}*.tmp"):
            try:
                pid = int(tmp.name[len(_TMP_PREFIX):].split("-")[0])
            except ValueError:
                continue
            if pid != os.getpid() and not _alive(pid):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def _publish_new(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if nothing has that name yet (atomically)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{str(path)!r} exists (perhaps written meanwhile by another process); "
                              "pass overwrite=True (or --force) to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # No hard links here: reserve the name exclusively, then move the content onto it.
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            raise FileExistsError(f"{str(path)!r} exists (perhaps written meanwhile by another process); "
                                  "pass overwrite=True (or --force) to replace it") from None
        os.close(fd)
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_files(files: list[tuple[Path, Callable[[Any], None]]], overwrite: bool) -> None:
    """Write ``[(path, write(f)), ...]`` as one unit, published in the order given (see the module notes)."""
    for path, _ in files:
        check_name_length(path)
    folder = files[0][0].parent
    _clean_stale(folder)
    temps: list[tuple[Path, Path]] = []
    published: list[Path] = []
    try:
        for path, write in files:
            tmp = folder / f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"
            temps.append((tmp, path))
            with open(tmp, "xb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        for tmp, path in temps:
            if overwrite:
                os.replace(tmp, path)
            else:
                _publish_new(tmp, path)
            published.append(path)
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if not overwrite:  # the files this call created; nobody else's
            for path in published:
                with contextlib.suppress(OSError):
                    path.unlink()
        raise


def _fail(path: Path, what: str) -> DamagedFileError:
    return DamagedFileError(f"{str(path)!r} is damaged or not a result written by HHResult.save: {what}")


def _number(meta: Mapping[str, Any], key: str, path: Path, *, integer: bool = False, low: float = 0.0) -> Any:
    value = meta.get(key)
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not math.isfinite(value) or value <= low:
        kind = "an int" if integer else "a number"
        raise _fail(path, f"metadata {key!r} must be {kind} > {low:g}, got {value!r}")
    return value


def check_metadata(meta: Any, path: Path, format_name: str) -> None:
    """Type and range of every metadata field (dt, method, record_every, params, samples, neurons)."""
    if not isinstance(meta, Mapping):
        raise _fail(path, f"the metadata is a {type(meta).__name__}, not a JSON object")
    if meta.get("format", format_name) != format_name:
        raise _fail(path, f"format {meta.get('format')!r}, expected {format_name!r}")
    _number(meta, "dt", path)
    if not isinstance(meta.get("method"), str):
        raise _fail(path, f"metadata 'method' must be a string, got {meta.get('method')!r}")
    if "record_every" in meta:
        _number(meta, "record_every", path, integer=True)
    for key in ("samples", "neurons"):
        if key in meta:
            _number(meta, key, path, integer=True, low=-1)
    params = meta.get("params")
    if not isinstance(params, Mapping):
        raise _fail(path, f"metadata 'params' must be an object of numbers, got {params!r}")
    for name, value in params.items():
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise _fail(path, f"parameter {name!r} must be a number or a list of numbers, got {value!r}") from None
        if isinstance(value, bool) or not np.all(np.isfinite(arr)):
            raise _fail(path, f"parameter {name!r} must be finite numbers, got {value!r}")


def verify(path: Path, meta: Mapping[str, Any], ts: Any, traces: Mapping[str, Any]) -> None:
    """The loaded arrays agree with each other and with the metadata (see the module notes)."""
    ts = np.asarray(ts)
    if ts.ndim != 1 or ts.size == 0 or ts.dtype.kind not in "fiu" or not np.all(np.isfinite(ts)):
        raise _fail(path, f"ts must be a non-empty 1-D array of finite times, got shape {ts.shape}")
    if "samples" in meta and ts.size != meta["samples"]:
        raise _fail(path, f"{ts.size} samples where {meta['samples']} were saved (the file is cut short?)")
    step = float(meta["dt"]) * int(meta.get("record_every", 1))
    if ts.size > 1 and not np.allclose(np.diff(ts), step, rtol=1e-6, atol=1e-9 * max(1.0, abs(float(ts[-1])))):
        raise _fail(path, f"the times are not spaced by dt * record_every = {step:g} ms")
    widths = set()
    for name, arr in traces.items():
        if arr is None:
            continue
        arr = np.asarray(arr)
        if arr.ndim != 2 or arr.shape[0] != ts.size:
            raise _fail(path, f"{name} has shape {arr.shape}, expected ({ts.size}, N) like ts")
        if name == "spike" and arr.dtype != bool:
            raise _fail(path, f"spike must be boolean, got {arr.dtype}")
        if name != "spike" and arr.dtype.kind not in "fiu":
            raise _fail(path, f"{name} must be numeric, got {arr.dtype}")
        widths.add(arr.shape[1])
    if len(widths) > 1:
        raise _fail(path, f"the traces disagree on the number of neurons: {sorted(widths)}")
    if "neurons" in meta and widths and widths.pop() != meta["neurons"]:
        raise _fail(path, f"the traces hold a different number of neurons than the {meta['neurons']} saved")
