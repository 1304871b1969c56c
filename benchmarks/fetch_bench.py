"""Speed of the offline parts of `jamlik fetch`: OSM clipping and JSON-stat 2.0 decoding.

The clip runs with pyosmium and, when installed, with osmium-tool (``osmium extract
--strategy complete_ways``), the peer, side by side. Prints medians of 5 runs; run with
`.venv/bin/python benchmarks/fetch_bench.py`.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import osmium
import pyproj
from shapely.geometry import box

from jamlik.ingest.connectors.osm_extract import clip_osm
from jamlik.ingest.connectors.pxweb import parse_jsonstat2

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _median_s(run, repeat: int = 5) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def clip_bench() -> None:
    source = DATA / "osm_gtfs_tampere" / "tampere.osm.pbf"
    nodes = sum(1 for _ in osmium.FileProcessor(str(source), osmium.osm.NODE))
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    x, y = to_utm.transform(23.76, 61.4978)  # central Tampere
    area = box(x - 1000, y - 1000, x + 1000, y + 1000)
    tools = ["pyosmium"] + (["osmium"] if shutil.which("osmium") else [])
    seconds = {}
    for tool in tools:
        with tempfile.TemporaryDirectory() as folder:
            counter = iter(range(1000))

            def run(tool: str = tool, folder: str = folder, counter=counter) -> None:  # noqa: ANN001
                target = Path(folder) / f"clip{next(counter)}.osm.pbf"
                clip_osm(source, target, area=area, area_crs="EPSG:3067", buffer_m=500, tool=tool)

            seconds[tool] = _median_s(run)
        print(f"clip tampere.osm.pbf ({nodes:,} nodes) with {tool}: {seconds[tool]:.2f} s median, "
              f"{nodes / seconds[tool] / 1e6:.3f} M nodes/s")  # fmt: skip
    if "osmium" in seconds:
        print(f"pyosmium / osmium-tool: {seconds['pyosmium'] / seconds['osmium']:.1f}x")


def jsonstat_bench() -> None:
    regions, ages, sexes = 6160, 17, 2  # every DeSO x age bands x sex: 209,440 cells
    doc = {
        "id": ["Region", "Alder", "Kon", "Tid"],
        "size": [regions, ages, sexes, 1],
        "dimension": {
            "Region": {"category": {"index": {f"R{i}": i for i in range(regions)}}},
            "Alder": {"category": {"index": {f"A{i}": i for i in range(ages)}}},
            "Kon": {"category": {"index": {"1": 0, "2": 1}}},
            "Tid": {"category": {"index": {"2024": 0}}},
        },
        "value": np.arange(regions * ages * sexes, dtype=float).tolist(),
    }
    seconds = _median_s(lambda: parse_jsonstat2(doc))
    print(f"decode JSON-stat 2.0, {regions * ages * sexes:,} cells: {seconds * 1000:.0f} ms median")


if __name__ == "__main__":
    clip_bench()
    jsonstat_bench()
