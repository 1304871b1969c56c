"""What writing a result as one folder swapped into place costs, beside writing its files.

Run:  .venv/bin/python benchmarks/result_folder_bench.py [--repeats 5]

The set is the shape of ``jamlik access --out DIR`` on the real GR RegSO: a GeoPackage of the
300 RegSO polygons with 40 indicator columns per profile (5 profiles) plus a long summary
table (300 areas × 5 profiles × 6 groups × 12 categories × 5 measures = 540,000 rows) as a
layer and as CSV, and two small CSVs. Each repeat writes the same set three ways, side by
side in the same run (so the machine's load hits all three alike):

* ``files``    – each file written atomically (temporary file + rename) into an existing
  folder: what the command did before result folders, without the staging/commit record;
* ``exchange`` – :func:`jamlik.storage.result_folder` onto an existing result (staging folder,
  manifest, ``renameat2(RENAME_EXCHANGE)``, the previous set removed);
* ``fallback`` – the same with the fallback swap forced (record, rename aside, rename in).

It prints CPU seconds (``time.process_time``: this process, excluding waits for the disk) and
wall seconds, the median over repeats, and the ratio of each way to ``files``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from jamlik.storage import result_folder, write_csv, write_geopackage

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
FALLBACK = "JAMLIK_TEST_RESULT_FOLDER_FALLBACK"


def build_set() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Layers and CSV tables of the size of an access result on the GR RegSO."""
    areas = gpd.read_file(DATA / "gr_statistical_areas" / "regso_gr_2025.gpkg")
    rng = np.random.default_rng(7)
    layers: dict[str, pd.DataFrame] = {}
    for profile in ("adult", "child", "senior", "wheelchair", "bike"):
        values = pd.DataFrame(rng.random((len(areas), 40)), columns=[f"c{i}" for i in range(40)])
        layers[f"areas_{profile}"] = gpd.GeoDataFrame(
            values, geometry=areas.geometry.to_numpy(), crs=areas.crs
        )
    n = len(areas) * 5 * 6 * 12 * 5
    summary = pd.DataFrame(
        {
            "area_id": np.repeat(areas["regsokod"].to_numpy(), n // len(areas)),
            "measure": np.tile(np.arange(n // len(areas)), len(areas)).astype(str),
            "value": rng.random(n),
        }
    )
    layers["summary"] = summary
    small = pd.DataFrame({"name": ["SCB", "OSM"], "licence": ["CC0", "ODbL"]})
    tables = {"summary": summary, "sources": small, "column_descriptions": small}
    return layers, tables


def write_files(folder: Path, layers: dict, tables: dict) -> None:
    folder.mkdir(exist_ok=True)
    write_geopackage(layers, folder / "access.gpkg")
    for name, table in tables.items():
        write_csv(table, folder / f"{name}.csv")


def write_folder(folder: Path, layers: dict, tables: dict) -> None:
    with result_folder(folder, command="bench", overwrite=True) as result:
        write_files(result.staging, layers, tables)


def measure(run: Callable[[], None]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    layers, tables = build_set()
    times: dict[str, list[tuple[float, float]]] = {"files": [], "exchange": [], "fallback": []}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name in times:  # a first, untimed write of each: the target exists from now on
            (write_files if name == "files" else write_folder)(base / name, layers, tables)
        for _ in range(args.repeats):
            times["files"].append(measure(lambda: write_files(base / "files", layers, tables)))
            times["exchange"].append(
                measure(lambda: write_folder(base / "exchange", layers, tables))
            )
            os.environ[FALLBACK] = "1"
            try:
                times["fallback"].append(
                    measure(lambda: write_folder(base / "fallback", layers, tables))
                )
            finally:
                del os.environ[FALLBACK]
        size_mb = sum(p.stat().st_size for p in (base / "exchange").iterdir()) / 1e6
    print(f"result set: {len(layers)} layers + {len(tables)} CSV, {size_mb:.1f} MB; "
          f"median of {args.repeats} repeats")  # fmt: skip
    cpu_files = statistics.median(c for c, _ in times["files"])
    wall_files = statistics.median(w for _, w in times["files"])
    print(f"{'way':<10} {'cpu s':>8} {'wall s':>8} {'cpu ratio':>10} {'wall ratio':>10}")
    for name, rows in times.items():
        cpu = statistics.median(c for c, _ in rows)
        wall = statistics.median(w for _, w in rows)
        ratios = f"{cpu / cpu_files:10.3f} {wall / wall_files:10.3f}"
        print(f"{name:<10} {cpu:8.3f} {wall:8.3f} {ratios}")


if __name__ == "__main__":
    main()
