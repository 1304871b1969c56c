"""Time the SKA report by stage: content (the runs), maps and charts, HTML, PDF, workbook + GPKG.

Prints medians of ``--runs`` runs (after one warm-up that compiles the numba kernels), wall and
CPU (``process_time``) seconds, on the generated sample town with its sample plan and, with
``--pack``, on a real pack without a plan (``packs/tampere``). No peer exists for a whole
report; the figures say where a report's time goes.

    .venv/bin/python benchmarks/report_bench.py --runs 3 --pack packs/tampere
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
from jamlik.ingest import load_pack
from jamlik.report.content import build_content
from jamlik.report.figures import report_figures
from jamlik.report.maps import read_base_map
from jamlik.report.render import render_html, write_pdf
from jamlik.report.tables import report_tables
from jamlik.report.workbook import write_workbook
from jamlik.report.write import report_layers
from jamlik.storage import write_geopackage


def one_run(pack_path: Path, scenarios: list[Path], out: Path) -> dict[str, tuple[float, float]]:
    """Run every stage once; ``{stage: (wall_s, cpu_s)}``."""
    stages: dict[str, tuple[float, float]] = {}

    def timed(name: str, func: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        value = func()
        stages[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return value

    pack = load_pack(pack_path)
    osm = pack.osm_path
    assert osm is not None
    content = timed("content", lambda: build_content(pack, scenarios=scenarios))
    base = timed("base map", lambda: read_base_map(osm, pack.crs))
    tables = report_tables(content)
    figures = timed("figures", lambda: report_figures(content, tables, base))
    html = timed("html", lambda: render_html(content, tables, figures))
    timed("pdf", lambda: write_pdf(html, out / "report.pdf"))
    layers = report_layers(tables)

    def files() -> None:
        write_workbook(layers, out / "report.xlsx", language="sv")
        write_geopackage({k: v for k, v in layers.items() if len(v)}, out / "report.gpkg")

    timed("xlsx+gpkg", files)
    return stages


def report(label: str, pack_path: Path, scenarios: list[Path], runs: int, out: Path) -> None:
    """Print the median wall and CPU seconds of each stage."""
    one_run(pack_path, scenarios, out)  # warm-up: numba compilation, file caches
    results = [one_run(pack_path, scenarios, out) for _ in range(runs)]
    print(f"\n{label}: medians of {runs} runs")
    print(f"{'stage':<12} {'wall s':>8} {'cpu s':>8}")
    total_wall = total_cpu = 0.0
    for stage in results[0]:
        wall = statistics.median(r[stage][0] for r in results)
        cpu = statistics.median(r[stage][1] for r in results)
        total_wall += wall
        total_cpu += cpu
        print(f"{stage:<12} {wall:8.2f} {cpu:8.2f}")
    print(f"{'total':<12} {total_wall:8.2f} {total_cpu:8.2f}")


def main() -> None:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=2500)
    parser.add_argument("--pack", type=Path, default=None, help="a real pack (no plan)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        town = generate_town(n_nodes=args.nodes, seed=7)
        pack = write_town_pack(town, root / "town")
        plan = write_town_scenario(town, root / "plan.toml")
        report(f"sample town ({args.nodes} nodes) + plan", pack, [plan], args.runs, root)
        if args.pack is not None:
            report(str(args.pack), args.pack, [], args.runs, root)


if __name__ == "__main__":
    main()
