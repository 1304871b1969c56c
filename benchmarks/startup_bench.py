"""Start-up time of the CLI: `jamlik --help`, `jamlik version` and one real command's `--help`.

Each command runs as a fresh process (as a user runs it) several times; the script prints the
median wall time and the heavy libraries each one imported. Run it with the project's
environment: ``.venv/bin/python benchmarks/startup_bench.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

JAMLIK = Path(sys.executable).parent / "jamlik"
COMMANDS = (["--help"], ["version"], ["access", "--help"], ["scenario", "compare", "--help"])
HEAVY = ("numba", "geopandas", "pandas", "scipy", "matplotlib", "osmium")
PROBE = """
import contextlib, io, sys
from jamlik.cli.main import app
with contextlib.redirect_stdout(io.StringIO()):
    try:
        app({args!r})
    except SystemExit:
        pass
print(",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def main(runs: int = 7) -> None:
    print(f"jamlik start-up, medians of {runs} fresh processes")
    for args in COMMANDS:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([str(JAMLIK), *args], capture_output=True, check=False)
            times.append(time.perf_counter() - start)
        probe = subprocess.run(
            [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
            capture_output=True,
            text=True,
            check=False,
        )
        heavy = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ""
        line = f"  jamlik {' '.join(args):<28} {statistics.median(times):6.3f} s"
        print(f"{line}   imports: {heavy or '(none of ' + ', '.join(HEAVY) + ')'}")


if __name__ == "__main__":
    main()
