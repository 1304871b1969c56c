"""Clipping for `jamlik fetch`: a real OSM extract (Lund C) and a GTFS zip with a sub-folder.

Oracle for OSM: the same file read independently with pyosmium, node positions projected to
SWEREF 99 TM and tested with shapely against the area + buffer (with 0.5 m of slack either side
of the boundary, where WGS84 and SWEREF 99 TM straight edges differ by millimetres).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import box

from _fetch_fake import make_feed
from jamlik.errors import GTFSError, OSMReadError
from jamlik.ingest.connectors.gtfs_feed import clip_feed
from jamlik.ingest.connectors.osm_extract import clip_osm

TO_3006 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _read(path: Path) -> tuple[dict[int, tuple[float, float]], dict[int, list[int]], set[int]]:
    nodes: dict[int, tuple[float, float]] = {}
    ways: dict[int, list[int]] = {}
    relations: set[int] = set()
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node) and obj.location.valid():
            nodes[obj.id] = TO_3006.transform(obj.location.lon, obj.location.lat)
        elif isinstance(obj, osmium.osm.Way):
            ways[obj.id] = [n.ref for n in obj.nodes]
        elif isinstance(obj, osmium.osm.Relation):
            relations.add(obj.id)
    return nodes, ways, relations


def _ways_touching(polygon, nodes, ways) -> set[int]:  # noqa: ANN001
    ids = np.array(list(nodes))
    xy = np.array([nodes[i] for i in ids])
    inside = set(ids[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])].tolist())
    return {w for w, refs in ways.items() if any(r in inside for r in refs)}, inside


# `make test` installs osmium-tool (.ci/services): both clip paths are always tested.
TOOLS = ["pyosmium", "osmium"]


@pytest.mark.parametrize("tool", TOOLS)
def test_clip_keeps_exactly_the_ways_that_reach_into_the_area(
    shared_data: Path, tmp_path: Path, tool: str
) -> None:
    source = shared_data / "osm_lund_station" / "lund_station.osm.pbf"
    area = box(385_600, 6_175_000, 385_900, 6_175_400)  # around Lund C, SWEREF 99 TM
    buffer_m = 100.0
    target = tmp_path / "clip.osm.pbf"
    counts = clip_osm(source, target, area=area, area_crs="EPSG:3006", buffer_m=buffer_m, tool=tool)
    nodes, ways, _ = _read(source)
    out_nodes, out_ways, out_relations = _read(target)
    grown = area.buffer(buffer_m + 0.5)
    shrunk = area.buffer(buffer_m - 0.5)
    must, inside_strict = _ways_touching(shrunk, nodes, ways)
    may, inside_loose = _ways_touching(grown, nodes, ways)
    assert must <= set(out_ways) <= may
    assert 0 < len(out_ways) < len(ways)  # a real cut, not everything
    assert counts.ways == len(out_ways) and counts.relations == len(out_relations)
    # complete ways: every node of a kept way is in the output, with its position
    for way, refs in out_ways.items():
        assert refs == ways[way]
        assert all(r in out_nodes for r in refs)
    # every other node of the output lies inside the area + buffer
    referenced = {r for refs in out_ways.values() for r in refs}
    loose = set(out_nodes) - referenced
    assert inside_strict - referenced <= loose <= inside_loose
    assert out_relations  # relations with a kept member are kept
    assert not list(tmp_path.glob(".clip*"))  # no temporary file left behind


@pytest.mark.parametrize("tool", TOOLS)
def test_clip_outside_the_extract_is_a_clear_error(
    shared_data: Path, tmp_path: Path, tool: str
) -> None:
    source = shared_data / "osm_lund_station" / "lund_station.osm.pbf"
    far = box(0, 0, 100, 100)
    with pytest.raises(OSMReadError, match="no OSM node"):
        clip_osm(
            source, tmp_path / "x.osm.pbf", area=far, area_crs="EPSG:3006", buffer_m=10, tool=tool
        )
    assert not list(tmp_path.iterdir())


# -- GTFS -----------------------------------------------------------------------------------


def test_gtfs_zip_with_a_sub_folder_is_clipped_to_the_trips_that_serve_the_area(
    tmp_path: Path,
) -> None:
    source = tmp_path / "vt.zip"
    make_feed(source)
    area = box(385_600, 6_175_000, 385_900, 6_175_400)
    summary = clip_feed(source, tmp_path / "out.zip", area=area.buffer(300), area_crs="EPSG:3006")
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        names = set(archive.namelist())
        read = {n: pd.read_csv(io.BytesIO(archive.read(n)), dtype=str) for n in names}
    assert "stops.txt" in names and not any("/" in n for n in names)  # at the root now
    assert set(read["trips.txt"]["trip_id"]) == {"T1", "T3"}
    assert set(read["stops.txt"]["stop_id"]) == {"S1", "S2", "S3", "P1"}  # T1 kept whole
    assert set(read["routes.txt"]["route_id"]) == {"R1", "R3"}
    assert set(read["calendar.txt"]["service_id"]) == {"W"}
    assert set(read["agency.txt"]["agency_id"]) == {"A"}
    assert len(read["stop_times.txt"]) == 4
    assert (summary.trips, summary.total_trips, summary.stops) == (2, 3, 4)


def test_gtfs_without_trips_in_the_area_or_not_a_zip(tmp_path: Path) -> None:
    source = tmp_path / "feed.zip"
    make_feed(source, folder="")
    with pytest.raises(GTFSError, match="no trip stops inside"):
        clip_feed(source, tmp_path / "o.zip", area=box(0, 0, 10, 10), area_crs="EPSG:3006")
    (tmp_path / "bad.zip").write_bytes(b"<html>an error page</html>")
    with pytest.raises(GTFSError, match="not a zip"):
        clip_feed(
            tmp_path / "bad.zip", tmp_path / "o.zip", area=box(0, 0, 1, 1), area_crs="EPSG:3006"
        )
    assert not (tmp_path / "o.zip").exists()
