"""Content of the site computed from the package while it is built: the seed figure, the methods table."""

from __future__ import annotations

from pathlib import Path


def seed_figure(folder: Path) -> Path:
    """Run the README's main job (``hh-brainpy simulate ...``) and keep its figure for the docs."""
    from hh_brainpy.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hh.png"
    status = main(["simulate", "--duration", "100", "--dt", "0.01", "--Iext", "10", "--method", "rk4",
                   "--out", str(path), "--force"])
    if status != 0:
        raise RuntimeError(f"hh-brainpy simulate exited with status {status}")
    return path


def methods_table(folder: Path) -> Path:
    """The methods, their measured divergence steps and the largest steps accepted, as Markdown."""
    from hh_brainpy import checks

    rows = ["| method | diverges from (ms) | largest accepted dt (ms), 6.3 deg C | at 37 deg C |",
            "|---|---|---|---|"]
    for method in checks.METHODS:
        diverges = checks.DIVERGES_FROM[method]
        rows.append(f"| `{method}` | {'never (exact linear part)' if diverges is None else diverges} | "
                    f"{checks.max_stable_dt(method):.3g} | {checks.max_stable_dt(method, temperature=37.0):.3g} |")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "methods.md"
    path.write_text("\n".join(rows) + "\n")
    return path
