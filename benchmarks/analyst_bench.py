"""Analyst pages: time to the first map and payload sizes, for the sample town and real packs.

Prints, per pack: the cold time to the first map (the background access job plus the two
requests the page makes: polygons and one indicator's values), the warm request times (medians
of several runs), the base-map build time, and payload sizes raw and gzip-compressed (what a
browser receives from a server that compresses). In-process (FastAPI's test client, no network).
No peer: the figures stand alone.

    .venv/bin/python benchmarks/analyst_bench.py [--packs sample tampere] [--runs 5]
"""

from __future__ import annotations

import argparse
import gzip
import math
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from jamlik.web.app import create_app
from jamlik.web.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's test client warns about its httpx backend
    from fastapi.testclient import TestClient

PACKS = {"sample": None, "tampere": Path("packs/tampere"), "gr": Path("packs/gr")}


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = 1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi
    return int((lon + 180) / 360 * n), int(y / 2 * n)


def _kb(data: bytes) -> str:
    return f"{len(data) / 1024:.0f} KB ({len(gzip.compress(data)) / 1024:.0f} KB gzip)"


def _wait(client: TestClient, url: str) -> bytes:
    answer = client.get(url)
    if answer.status_code == 202:
        client.app.state.analyst.runner.wait(answer.json()["key"], timeout_s=3600)  # type: ignore[attr-defined]
        answer = client.get(url)
    answer.raise_for_status()
    return answer.content


def bench(name: str, pack: Path | None, runs: int) -> None:
    """Print the figures of one pack."""
    with tempfile.TemporaryDirectory() as cache:
        client = TestClient(create_app(Settings(pack=pack, cache_dir=Path(cache))))
        start = time.perf_counter()
        meta = client.get("/api/analyst/access/meta")
        _wait(client, "/api/analyst/access/meta")
        computed = time.perf_counter() - start
        info = client.get("/api/analyst/access/meta").json()
        layer = "areas" if "areas" in info["layers"] else "grid"
        values_url = f"/api/analyst/access/values?layer={layer}&category=grocery&measure=min"
        shapes = _wait(client, f"/api/analyst/access/geometry/{layer}")
        values = _wait(client, values_url)
        first_map = time.perf_counter() - start
        print(f"\n## {name}: first answer {meta.status_code}; access job {computed:.1f} s; "
              f"first map (job + polygons + values) {first_map:.1f} s")  # fmt: skip
        for url in (f"/api/analyst/access/geometry/{layer}", values_url):
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                client.get(url).raise_for_status()
                times.append(time.perf_counter() - t0)
            print(f"warm {url}: median {1000 * statistics.median(times):.1f} ms")
        grid = (
            _wait(client, "/api/analyst/access/geometry/grid") if "grid" in info["layers"] else b""
        )
        grid_values = _wait(client, "/api/analyst/access/values?layer=grid") if grid else b""
        print(f"polygons {layer}: {_kb(shapes)}; values {layer}: {_kb(values)}")
        if grid:
            print(f"polygons grid: {_kb(grid)}; values grid: {_kb(grid_values)}")
        t0 = time.perf_counter()
        _wait(client, "/api/analyst/basemap/0/0/0.json")
        print(f"base map built in {time.perf_counter() - t0:.1f} s")
        state = client.app.state.analyst  # type: ignore[attr-defined]
        folder = state.runner.ready(state.source.key("basemap"))
        basemap = state.basemap(folder / "basemap.parquet")
        west, south, east, north = basemap.bounds_lonlat
        for z in (11, 13, 14, 16):
            x, y = _tile((west + east) / 2, (south + north) / 2, z)
            times, body = [], b""
            for _ in range(runs):
                basemap.tile.cache_clear()  # time the drawing, not the cache
                t0 = time.perf_counter()
                body = client.get(f"/api/analyst/basemap/{z}/{x}/{y}.json").content
                times.append(time.perf_counter() - t0)
            print(
                f"tile z{z} (centre): {_kb(body)}, median {1000 * statistics.median(times):.0f} ms"
            )
        state.runner.shutdown()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packs", nargs="+", default=["sample", "tampere"], choices=list(PACKS))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name in args.packs:
        bench(name, PACKS[name], args.runs)


if __name__ == "__main__":
    main()
