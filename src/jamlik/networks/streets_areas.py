"""Straight links across walkable areas (pedestrian squares, platforms).

A walkable area is a closed way mapped as a surface: ``area=yes`` on a walkable ``highway``
(``pedestrian``, ``footway``, ``path``, ``platform``, ...), or a platform (``highway=platform``,
``railway=platform``, ``public_transport=platform``) that is closed and not ``area=no``. Walking
only along its outline would send people around a station square instead of across it, so for
every pair of its **entrances** (outline nodes shared with another walkable way, i.e. network
nodes on the outline) a straight piece is added when the straight line stays inside the area
(``shapely.covers``; holes and concave corners block it) and does not merely run along the
outline (the outline pieces already cover that). This is a simplified form of the
visibility graphs of OpenTripPlanner's walkable-area builder: only entrances are linked, no
inner vertices are added, so a path that must bend around a concave corner uses the outline.

Areas with more than :data:`MAX_ENTRANCES` entrances link only their first
:data:`MAX_ENTRANCES` (by node number), to bound the pairs per area; the rest keep the outline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from jamlik.geo import project
from jamlik.ingest.osm import OSMData

__all__ = [
    "MAX_ENTRANCES",
    "AreaLinks",
    "area_links",
    "closed_runs",
    "is_walkable_area",
    "walkable_area_runs",
]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]

MAX_ENTRANCES = 40
_PLATFORM = "platform"


def is_walkable_area(tags: dict[str, str], highway: str) -> bool:
    """Whether a kept, closed walking way is a surface to cross (see module docstring)."""
    area = tags.get("area")
    if area == "yes":
        return True
    return highway == _PLATFORM and area != "no"


@dataclass(frozen=True)
class AreaLinks:
    """Straight pieces across walkable areas."""

    way: IntArray  # way run (OSMData index) of the area each link crosses
    u: IntArray  # network nodes at both ends
    v: IntArray
    geometry: ObjectArray  # two-point LineStrings in the network CRS


def area_links(
    data: OSMData,
    candidates: IntArray,
    piece_way: IntArray,
    street_u: IntArray,
    street_v: IntArray,
    node_x: npt.NDArray[np.float64],
    node_y: npt.NDArray[np.float64],
    crs: str,
) -> AreaLinks:
    """Link the entrances of each walkable area in ``candidates`` (way run indices).

    Parameters
    ----------
    data
        The OSM data the network was built from.
    candidates
        Way runs that are kept for walking, closed, and walkable areas.
    piece_way, street_u, street_v
        Way run and end nodes of each street piece already built.
    node_x, node_y
        Network node coordinates in ``crs``.
    crs
        The network CRS.
    """
    ways: list[int] = []
    us: list[IntArray] = []
    vs: list[IntArray] = []
    if candidates.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return AreaLinks(empty, empty, empty.copy(), np.empty(0, dtype=object))
    order = np.argsort(piece_way, kind="stable")
    sorted_way = piece_way[order]
    for run in candidates.tolist():
        lo, hi = np.searchsorted(sorted_way, [run, run + 1])
        pieces = order[lo:hi]
        entrances = np.unique(np.concatenate([street_u[pieces], street_v[pieces]]))
        if entrances.size < 3:
            continue  # two entrances are already joined by the outline both ways round
        if entrances.size > MAX_ENTRANCES:
            logger.debug(
                "%s: area way %d has %d entrances, linking %d",
                data.source,
                data.way_id[run],
                entrances.size,
                MAX_ENTRANCES,
            )
            entrances = entrances[:MAX_ENTRANCES]
        a, b = np.triu_indices(entrances.size, k=1)
        ways.extend([run] * a.size)
        us.append(entrances[a])
        vs.append(entrances[b])
    if not ways:
        empty = np.empty(0, dtype=np.int64)
        return AreaLinks(empty, empty, empty.copy(), np.empty(0, dtype=object))
    way = np.asarray(ways, dtype=np.int64)
    u = np.concatenate(us)
    v = np.concatenate(vs)
    polygons = _polygons(data, np.unique(way), crs)
    segments = shapely.linestrings(
        np.column_stack([node_x[u], node_x[v]]).ravel(),
        np.column_stack([node_y[u], node_y[v]]).ravel(),
        indices=np.repeat(np.arange(u.size), 2),
    )
    polygon = np.asarray([polygons[int(w)] for w in way], dtype=object)
    # Inside the area (1 cm tolerance for rounding) but not running along its outline, which
    # the outline pieces already cover.
    inside = shapely.covers(shapely.buffer(polygon, 0.01), segments)
    along_edge = shapely.covers(shapely.buffer(shapely.boundary(polygon), 0.01), segments)
    inside &= ~along_edge
    logger.debug("%s: %d straight links across walkable areas", data.source, int(inside.sum()))
    return AreaLinks(
        way=way[inside], u=u[inside], v=v[inside], geometry=np.asarray(segments[inside], object)
    )


def _polygons(data: OSMData, runs: IntArray, crs: str) -> dict[int, shapely.Geometry]:
    """Polygon of each closed way run, in ``crs`` (made valid when the ring self-intersects)."""
    lo = data.way_indptr[runs]
    counts = data.way_indptr[runs + 1] - lo
    ring = np.repeat(np.arange(runs.size), counts)
    vertex = lo[ring] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    x, y = project(data.way_lon[vertex], data.way_lat[vertex], crs)
    polygons = shapely.polygons(shapely.linearrings(x, y, indices=ring))
    invalid = ~shapely.is_valid(polygons)
    polygons[invalid] = shapely.make_valid(polygons[invalid])
    return dict(zip(runs.tolist(), polygons.tolist(), strict=True))


def closed_runs(data: OSMData, keep: BoolArray) -> BoolArray:
    """Whether each way run is closed (first node = last node, at least 4 vertices)."""
    first = data.way_node_id[data.way_indptr[:-1]]
    last = data.way_node_id[data.way_indptr[1:] - 1]
    closed: BoolArray = keep & (first == last) & (np.diff(data.way_indptr) >= 4)
    return closed


def walkable_area_runs(
    data: OSMData, keep: BoolArray, highway: npt.NDArray[np.object_]
) -> IntArray:
    """Way runs kept for walking that are closed walkable areas."""
    closed = np.flatnonzero(closed_runs(data, keep))
    mask = np.fromiter(
        (is_walkable_area(data.way_tags[i], str(highway[i])) for i in closed.tolist()),
        dtype=bool,
        count=closed.size,
    )
    out: IntArray = closed[mask]
    return out
