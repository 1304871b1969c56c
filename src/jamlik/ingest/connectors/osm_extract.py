"""An OpenStreetMap extract clipped to a polygon, with pyosmium (the libosmium bindings).

The strategy is osmium's ``complete_ways``: every node inside the polygon, every way with at
least one node inside, *all* nodes of those ways (so a street that leaves the area keeps its
geometry and its length), and every relation with a kept member (members themselves are not
completed). Three passes over the source file, none of them holding more than the kept ids:

1. nodes: coordinates are tested in batches of 1,000,000 with shapely's vectorised
   ``contains_xy`` against the polygon (in WGS84 after a bounding-box cut);
2. ways and relations: kept when they reference a kept node (relations also a kept way);
   the nodes of kept ways are added to the nodes to write;
3. writing: the kept objects, in file order, through :class:`osmium.SimpleWriter`.

Relations are not completed (a route or a national boundary would pull in the whole country);
their members outside the area are simply absent, as in osmium's own strategy.

The polygon is the study area plus a buffer (metres, in the area's CRS): trips to services
just outside the boundary stay possible.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import osmium
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

from jamlik.errors import OSMReadError

__all__ = ["ClipCounts", "clip_osm", "overpass_query", "to_wgs84"]

_BATCH = 1_000_000


class ClipCounts:
    """Objects written by :func:`clip_osm`."""

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
    source: Path, target: Path, *, area: BaseGeometry, area_crs: str, buffer_m: float
) -> ClipCounts:
    """Write the part of ``source`` (PBF or OSM XML) within ``area`` + ``buffer_m`` to ``target``.

    The output format follows the suffix of ``target`` (``.osm.pbf`` recommended). It is
    written to a temporary name and renamed, so a failed clip leaves no file.

    Raises
    ------
    OSMReadError
        When ``source`` cannot be read or nothing of it lies in the area.
    """
    polygon = to_wgs84(area.buffer(buffer_m), area_crs)
    try:
        nodes = _inside_nodes(source, polygon)
        ways: set[int] = set()
        relations: set[int] = set()
        needed = set(nodes)
        for obj in osmium.FileProcessor(str(source), osmium.osm.WAY | osmium.osm.RELATION):
            if isinstance(obj, osmium.osm.Way):
                refs = [ref.ref for ref in obj.nodes]
                if any(ref in nodes for ref in refs):
                    ways.add(obj.id)
                    needed.update(refs)
            elif isinstance(obj, osmium.osm.Relation):
                for member in obj.members:
                    if (member.type == "n" and member.ref in nodes) or (
                        member.type == "w" and member.ref in ways
                    ):
                        relations.add(obj.id)
                        break
    except RuntimeError as exc:
        raise OSMReadError(f"{source}: cannot read the OSM file ({exc})") from None
    if not nodes:
        raise OSMReadError(f"{source}: no OSM node lies in the area; is it the right extract?")
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes) or ".osm.pbf"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name.split('.')[0]}.", suffix=suffix,
                               dir=target.parent)  # fmt: skip
    os.close(fd)
    os.unlink(tmp)  # the writer refuses to overwrite an existing file
    try:
        with osmium.SimpleWriter(tmp) as writer:
            for obj in osmium.FileProcessor(str(source)):
                if isinstance(obj, osmium.osm.Node) and obj.id in needed:
                    writer.add_node(obj)
                elif isinstance(obj, osmium.osm.Way) and obj.id in ways:
                    writer.add_way(obj)
                elif isinstance(obj, osmium.osm.Relation) and obj.id in relations:
                    writer.add_relation(obj)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ClipCounts(nodes_inside=len(nodes), ways=len(ways), relations=len(relations))


def overpass_query(polygon_wgs84: BaseGeometry, *, timeout_s: int = 180) -> str:
    """Return an Overpass QL query for everything in the bounding box of ``polygon_wgs84``.

    Meant for small areas (a town); the answer (OSM XML) is then clipped to the polygon with
    :func:`clip_osm` like a regional extract.
    """
    west, south, east, north = polygon_wgs84.bounds
    bbox = f"{south:.6f},{west:.6f},{north:.6f},{east:.6f}"
    return f"[out:xml][timeout:{timeout_s}];(nwr({bbox}););(._;>;);out meta;"
