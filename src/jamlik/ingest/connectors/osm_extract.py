"""An OpenStreetMap extract clipped to a polygon: osmium-tool when installed, else pyosmium.

``osmium extract --strategy complete_ways`` (osmium-tool, C++) is the well-kept tool and is
used when the ``osmium`` command is on the PATH (Debian/Ubuntu: ``apt install osmium-tool``).
Without it the same strategy runs on pyosmium, a dependency of jamlik; its first pass tests
every node in Python and takes minutes for a national extract (see benchmarks/fetch_bench.py).

The strategy is osmium's ``complete_ways``: every node inside the polygon, every way with at
least one node inside, *all* nodes of those ways (so a street that leaves the area keeps its
geometry and its length), and every relation with a kept member (members themselves are not
completed). Three passes over the source file, none of them holding more than the kept ids:

1. nodes: coordinates are tested in batches of 1,000,000 with shapely's vectorised
   ``contains_xy`` against the polygon (in WGS84 after a bounding-box cut);
2. ways and relations that reference a kept node, then the nodes of those ways, are found by
   :class:`osmium.IdTracker` (in C++);
3. writing: the kept objects, in file order, through :class:`osmium.SimpleWriter`.

Relations are not completed (a route or a national boundary would pull in the whole country);
their members outside the area are simply absent, as in osmium's own strategy.

The polygon is the study area plus a buffer (metres, in the area's CRS): trips to services
just outside the boundary stay possible.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
import osmium
import pyproj
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

from jamlik.errors import OSMReadError
from jamlik.i18n import t

__all__ = ["ClipCounts", "clip_osm", "overpass_query", "to_wgs84"]

_BATCH = 1_000_000


class ClipCounts:
    """Objects written by :func:`clip_osm` (``nodes_inside`` counts every node written)."""

    def __init__(self, nodes_inside: int, ways: int, relations: int) -> None:
        self.nodes_inside = nodes_inside
        self.ways = ways
        self.relations = relations

    def __repr__(self) -> str:
        return (
            f"ClipCounts(nodes_inside={self.nodes_inside}, ways={self.ways}, "
            f"relations={self.relations})"
        )


def to_wgs84(geometry: BaseGeometry, crs: str) -> BaseGeometry:
    """Return ``geometry`` (in ``crs``) in WGS84 longitude/latitude."""
    forward = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return transform(forward.transform, geometry)


def _inside_nodes(path: Path, polygon: BaseGeometry) -> set[int]:
    shapely.prepare(polygon)
    west, south, east, north = polygon.bounds
    kept: set[int] = set()
    ids: list[int] = []
    xs: list[float] = []
    ys: list[float] = []

    def flush() -> None:
        if not ids:
            return
        x = np.asarray(xs)
        y = np.asarray(ys)
        box = (x >= west) & (x <= east) & (y >= south) & (y <= north)
        idx = np.flatnonzero(box)
        if idx.size:
            hit = shapely.contains_xy(polygon, x[idx], y[idx]) | shapely.intersects_xy(
                polygon.boundary, x[idx], y[idx]
            )
            kept.update(np.asarray(ids)[idx[hit]].tolist())
        ids.clear()
        xs.clear()
        ys.clear()

    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if not isinstance(node, osmium.osm.Node):
            continue
        location = node.location
        if not location.valid():
            continue
        ids.append(node.id)
        xs.append(location.lon)
        ys.append(location.lat)
        if len(ids) >= _BATCH:
            flush()
    flush()
    return kept


def clip_osm(
    source: Path,
    target: Path,
    *,
    area: BaseGeometry,
    area_crs: str,
    buffer_m: float,
    tool: Literal["auto", "osmium", "pyosmium"] = "auto",
) -> ClipCounts:
    """Write the part of ``source`` (PBF or OSM XML) within ``area`` + ``buffer_m`` to ``target``.

    ``tool="auto"`` uses the ``osmium`` command (osmium-tool, ``osmium extract --strategy
    complete_ways``) when it is installed, else pyosmium (same result, much slower on a national
    extract). The output format follows the suffix of ``target`` (``.osm.pbf`` recommended). It
    is written to a temporary name and renamed, so a failed clip leaves no file.

    Raises
    ------
    OSMReadError
        When ``source`` cannot be read or nothing of it lies in the area.
    """
    polygon = to_wgs84(area.buffer(buffer_m), area_crs)
    exe = shutil.which("osmium") if tool != "pyosmium" else None
    if tool == "osmium" and exe is None:
        raise OSMReadError(t("ingest.extract.no_osmium"))
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes) or ".osm.pbf"
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name.split('.')[0]}.", suffix=suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if exe is not None:
            _clip_with_osmium_tool(exe, source, tmp, polygon)
        else:
            _clip_with_pyosmium(source, tmp, polygon)
        counts = _count(tmp)
        if counts.nodes_inside == 0:
            raise OSMReadError(t("ingest.extract.no_node_inside", source=str(source)))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return counts


def _clip_with_osmium_tool(exe: str, source: Path, out: Path, polygon: BaseGeometry) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False) as handle:
        handle.write(json.dumps({"type": "Feature", "properties": {},
                                 "geometry": shapely.geometry.mapping(polygon)}))  # fmt: skip
    try:
        done = subprocess.run(
            [exe, "extract", "--polygon", handle.name, "--strategy", "complete_ways",
             "--overwrite", "--no-progress", "-o", str(out), str(source)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise OSMReadError(
            t("ingest.extract.osmium_failed", source=str(source), reason=done.stderr.strip()[:500])
        )


def _clip_with_pyosmium(source: Path, out: Path, polygon: BaseGeometry) -> None:
    try:
        inside = _inside_nodes(source, polygon)
        # ways with a node inside and relations with such a member (C++: IdTracker)
        tracker = osmium.IdTracker()
        for node in inside:
            tracker.add_node(node)
        tracker.complete_forward_references(str(source), relation_depth=0)
        # the nodes of those ways, without completing the relations
        keep = osmium.IdTracker()
        relations: list[int] = []
        kinds = osmium.osm.WAY | osmium.osm.RELATION
        for obj in osmium.FileProcessor(str(source), kinds).with_filter(tracker.id_filter()):
            if isinstance(obj, osmium.osm.Way):
                keep.add_way(obj.id)
            elif isinstance(obj, osmium.osm.Relation):
                relations.append(obj.id)
        keep.complete_backward_references(str(source))  # only ways are tracked so far
        for node in inside:
            keep.add_node(node)
        for relation in relations:
            keep.add_relation(relation)
        out.unlink(missing_ok=True)  # the writer refuses to overwrite a file
        with osmium.SimpleWriter(str(out)) as writer:
            for obj in osmium.FileProcessor(str(source)).with_filter(keep.id_filter()):
                writer.add(obj)
    except RuntimeError as exc:
        raise OSMReadError(t("ingest.extract.unreadable", source=str(source), reason=exc)) from None


def _count(path: Path) -> ClipCounts:
    nodes = ways = relations = 0
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node):
            nodes += 1
        elif isinstance(obj, osmium.osm.Way):
            ways += 1
        elif isinstance(obj, osmium.osm.Relation):
            relations += 1
    return ClipCounts(nodes_inside=nodes, ways=ways, relations=relations)


def overpass_query(polygon_wgs84: BaseGeometry, *, timeout_s: int = 180) -> str:
    """Return an Overpass QL query for everything in the bounding box of ``polygon_wgs84``.

    Meant for small areas (a town); the answer (OSM XML) is then clipped to the polygon with
    :func:`clip_osm` like a regional extract.
    """
    west, south, east, north = polygon_wgs84.bounds
    bbox = f"{south:.6f},{west:.6f},{north:.6f},{east:.6f}"
    return f"[out:xml][timeout:{timeout_s}];(nwr({bbox}););(._;>;);out meta;"
