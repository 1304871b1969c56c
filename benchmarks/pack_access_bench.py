"""End-to-end cost of ``jamlik access PACK``: wall time, whole-process peak memory, output size.

Runs the command as a user does (a fresh process, imports included) on the real packs, three
times each, and prints the median of each figure::

    .venv/bin/python benchmarks/pack_access_bench.py                    # tampere, porto_alegre
    .venv/bin/python benchmarks/pack_access_bench.py --packs tampere --runs 5
    .venv/bin/python benchmarks/pack_access_bench.py -- --detail origins  # extra CLI options
    git archive REV src | tar -x -C /tmp/old && \
        .venv/bin/python benchmarks/pack_access_bench.py --src /tmp/old/src  # another version

Peak memory is the child's maximum resident set size (``ru_maxrss`` from ``wait4``, the kernel's
``VmHWM`` of that process when it ends), so it counts everything the process held: Python,
numpy, numba, GDAL. CPU is the child's user + system time, steadier than wall time when other
jobs share the cores. Output size is the GeoPackage plus the CSV tables written beside it. The
machine is shared (2 cores): single runs vary by ±20 % and more, hence medians. Installed packages
must be byte-compiled (``make setup`` does it), or every run compiles pandas & co. again. The
script PRINTS its figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JAMLIK = Path(sys.executable).with_name("jamlik")


def run_once(
    pack: str, extra: list[str], folder: Path, src: Path | None
) -> tuple[float, float, float, float, float]:
    """One run in a fresh process: ``(wall s, CPU s, peak MB, GeoPackage MB, all outputs MB)``."""
    out = folder / "access.gpkg"
    command = [str(JAMLIK), "access", str(ROOT / "packs" / pack), "--out", str(out), *extra]
    env = dict(os.environ, PYTHONPATH=str(src)) if src is not None else None
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    stderr = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    gpkg = out.stat().st_size / 1e6
    total = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, gpkg, total


def main() -> None:
    """Parse the options, run every pack ``--runs`` times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=["tampere", "porto_alegre"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", type=Path, help="run the jamlik package found in this folder")
    parser.add_argument("extra", nargs="*", help="options passed on to jamlik access")
    args = parser.parse_args()
    print(f"jamlik access PACK {' '.join(args.extra)}  (medians of {args.runs} runs)")
    print(f"{'pack':<14}{'wall s':>8}{'CPU s':>7}{'peak MB':>9}{'gpkg MB':>9}{'all MB':>8}"
          "   runs (wall s)")  # fmt: skip
    for pack in args.packs:
        rows = []
        for _ in range(args.runs):
            folder = Path(tempfile.mkdtemp(prefix="pack_access_bench_"))
            try:
                rows.append(run_once(pack, args.extra, folder, args.src))
            finally:
                shutil.rmtree(folder)
        wall, cpu, peak, gpkg, total = (statistics.median(c) for c in zip(*rows, strict=True))
        walls = ", ".join(f"{r[0]:.1f}" for r in rows)
        print(f"{pack:<14}{wall:>8.1f}{cpu:>7.1f}{peak:>9.0f}{gpkg:>9.1f}{total:>8.1f}   {walls}")


if __name__ == "__main__":
    main()
