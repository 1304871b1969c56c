"""Report maps on a real pack: the Tampere OSM extract's streets are drawn (offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

from jamlik.ingest import load_pack
from jamlik.report.maps import base_map_figure, read_base_map

PACK = Path(__file__).resolve().parents[1] / "packs" / "tampere"


def test_tampere_map_draws_its_streets(tmp_path: Path) -> None:
    pack = load_pack(PACK)
    assert pack.osm_path is not None
    base = read_base_map(pack.osm_path, pack.crs)
    # Independent count: ways with a highway tag and at least two located nodes (pyosmium).
    count = 0
    ways = osmium.FileProcessor(str(pack.osm_path), osmium.osm.NODE | osmium.osm.WAY)
    for way in ways.with_locations():
        if way.is_way() and "highway" in way.tags:
            count += sum(1 for n in way.nodes if n.location.valid()) >= 2
    assert len(base.streets) >= 0.99 * count
    assert len(base.streets) > 10_000
    x0, y0, x1, y1 = base.bounds
    assert 300_000 < x0 < x1 < 360_000 and 6_800_000 < y0 < y1 < 6_840_000  # EPSG:3067
    fig = base_map_figure(base, title="Tampere", sources="© OpenStreetMap contributors (ODbL)")
    fig.savefig(tmp_path / "map.png")
    from PIL import Image

    pixels = np.asarray(Image.open(tmp_path / "map.png").convert("L"), dtype=np.float64)
    # Streets are grey lines on white: many non-background pixels inside the frame.
    h, w = pixels.shape
    inner = pixels[int(0.1 * h) : int(0.9 * h), int(0.1 * w) : int(0.9 * w)]
    assert (inner < 200).mean() > 0.05
