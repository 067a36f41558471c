"""Peak memory of long and large runs: grows with the samples kept, not with the steps taken.

Each scenario runs in a fresh Python process; its peak resident set size (RSS,
the process's own ``getrusage(RUSAGE_SELF).ru_maxrss``) is compared with the same process
doing a 1 ms run of the same population (imports, compilation, the model's
state: the baseline) and with the bytes of the samples kept.

    python -m benchmarks.memory            # the full scenarios (a few minutes)
    python -m benchmarks.memory --smoke    # tiny versions, for CI

Writes ``benchmarks/results/memory.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
import numpy as np
import hh_brainpy as hb
neurons, steps, every, monitors = {neurons}, {steps}, {every}, {monitors!r}
model = hb.HH(neurons)
runner = hb.HHRunner(model, Iext=np.linspace(0.0, 20.0, neurons), monitors=monitors)
start = time.perf_counter()
res = runner.run(steps * runner.dt, record_every=every)
wall = time.perf_counter() - start
kept = sum(getattr(res, name).nbytes for name in monitors)
spikes = int(res.spike.sum()) if res.spike is not None else None
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({{"wall_s": wall, "kept_bytes": kept, "samples": int(res.ts.size), "spikes": spikes,
           "peak_rss_mib": peak}}, sys.stdout)
"""


def run_child(neurons: int, steps: int, every: int, monitors: list[str]) -> dict:
    code = CHILD.format(neurons=neurons, steps=steps, every=every, monitors=monitors)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # peak_rss_mib: the child's own ru_maxrss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "memory.md"))
    args = parser.parse_args(argv)
    scenarios = [  # (label, neurons, steps, record_every, monitors)
        ("1e3 neurons, 1e6 steps, V every 10th step", 1000, 1_000_000, 10, ["V"]),
        ("1e5 neurons, 1e4 steps, spikes only (OR over 50 steps = 0.5 ms)", 100_000, 10_000, 50, ["spike"]),
    ]
    if args.smoke:
        scenarios = [("10 neurons, 1e4 steps, V every 10th", 10, 10_000, 10, ["V"]),
                     ("100 neurons, 1e3 steps, spikes only", 100, 1_000, 50, ["spike"])]
    rows = []
    for label, neurons, steps, every, monitors in scenarios:
        # baseline: the same population for 100 steps, in its own process (max RSS is per process)
        base = run_child(neurons, 100, 1, monitors)
        full = run_child(neurons, steps, every, monitors)
        rows.append((label, base, full, neurons * steps * len(monitors) * (4 if monitors != ["spike"] else 1)))
        print(label, base, full, flush=True)
    lines = [
        "# Peak memory of long runs",
        "",
        f"Command: `python -m benchmarks.memory{' --smoke' if args.smoke else ''}`; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. float32. Peak RSS of the whole process.",
        "",
        "| run | kept samples (MiB) | if every step were kept (MiB) | baseline peak RSS, 100 steps (MiB) "
        "| peak RSS (MiB) | peak - baseline - kept (MiB) | wall (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, base, full, all_bytes in rows:
        kept = full["kept_bytes"] / 2**20
        extra = full["peak_rss_mib"] - base["peak_rss_mib"] - kept
        lines.append(f"| {label} | {kept:.1f} | {all_bytes / 2**20:.0f} | {base['peak_rss_mib']:.0f} | "
                     f"{full['peak_rss_mib']:.0f} | {extra:.0f} | {full['wall_s']:.1f} |")
    lines += ["", "The bound we state: peak RSS <= baseline + kept samples + 256 MiB (chunks of 64 MiB of "
              "recorded values, held on the device, copied to the host, and summed for spikes)."]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
