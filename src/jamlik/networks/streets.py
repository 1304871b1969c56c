"""Walk and bike street networks built from OSM ways.

:func:`build_street_network` keeps the ways a mode may use, splits them into **street pieces**
at every node shared by two kept ways (and at way ends), projects them to a metric CRS and
returns a :class:`StreetNetwork`. Each piece keeps its full LineString and its exact length (the
length of that LineString in the projected CRS). :meth:`StreetNetwork.to_graph` turns it into a
routing :class:`~jamlik.networks.graph.Graph` with travel times in seconds.

Tag rules
---------
A way is a **street for walking** when

* ``highway`` is one of :data:`WALK_HIGHWAYS` (all public roads except motorways, plus footway,
  path, pedestrian, steps, cycleway, track, bridleway, corridor, elevator, platform), or the way
  has no ``highway`` but is tagged ``railway=platform`` or ``public_transport=platform``
  (station platforms, labelled ``platform``). Cycleways are walkable: in the Nordic countries
  combined foot and cycle paths are common and pedestrians may use cycle paths;
  ``foot=no`` excludes one;
* and it is not closed to walkers: ``foot`` in ``no, private, use_sidepath`` excludes it;
  ``access`` in ``no, private`` excludes it unless ``foot`` is ``yes``, ``designated`` or
  ``permissive``; ``motorroad=yes`` (Swedish *motortrafikled*) excludes trunk roads unless
  ``foot`` allows it;
* and its sidewalks are not mapped as separate ways: a road (``primary`` ... ``service``)
  whose sidewalks are both separate (``sidewalk=separate``, ``sidewalk:both=separate``, or
  ``sidewalk:left`` and ``sidewalk:right`` each ``separate`` or ``no`` with at least one
  ``separate``) is dropped for walking unless ``foot`` is ``yes``/``designated``/
  ``permissive``: the walker uses the separately mapped footways, and the carriageway would
  otherwise offer a parallel shortcut that nobody walks on.

Walking ignores ``oneway``. Walkable areas (closed ways with ``area=yes``, and closed platforms)
are walked along their outline, and straight pieces join their entrances across the surface
(:mod:`jamlik.networks.streets_areas`; flagged in ``street_across_area``). Multipolygon
relations tagged ``highway=pedestrian`` are not read (their member ways carry no tags).

A way is a **street for cycling** when ``highway`` is one of :data:`BIKE_HIGHWAYS` (roads,
cycleway, path, track, living_street, service) or any other walkable highway explicitly open
to bikes (``bicycle`` ``yes``/``designated``/``permissive``, e.g. a footway with
``bicycle=yes``); ``bicycle`` in ``no, private, use_sidepath`` excludes it; ``access`` in
``no, private`` excludes it unless ``bicycle`` allows it; ``motorroad=yes`` excludes it.

Directions for cycling: ``oneway=yes|true|1`` allows only the drawing direction,
``oneway=-1|reverse`` only the opposite; ``junction=roundabout|circular`` implies ``oneway=yes``
unless ``oneway=no``. Exceptions for bikes: ``oneway:bicycle=no`` or a contraflow lane
(``cycleway``, ``cycleway:left``, ``cycleway:right`` or ``cycleway:both`` starting with
``opposite``) opens both directions; ``oneway:bicycle=yes`` or ``-1`` sets the direction for
bikes whatever ``oneway`` says.

Steps (``highway=steps``) are kept and flagged in ``street_steps``; travel profiles slow down on
them or avoid them (``TravelProfile.steps``). Elevators (``highway=elevator``) are ordinary
walkable pieces.

Not modelled: ``wheelchair=*``, ``incline``, ``surface`` and ``smoothness`` (only steps change
a profile's speed); waiting at crossings and signals; turn restrictions; ``access`` values other
than ``no``/``private`` (``destination``, ``customers``, ... count as open); ``oneway=
reversible|alternating`` counts as two-way. Motorways, and ``construction``, ``proposed`` and
other unbuilt highway values, are never streets.

Projection: ``crs=None`` picks the WGS84 UTM zone of the centre of the data
(:func:`jamlik.ingest.osm.utm_crs`); pass the national grid (``EPSG:3006`` for Sweden,
``EPSG:3067`` for Finland) to match other layers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from jamlik.config import TravelProfile
from jamlik.errors import DataError, EmptyNetworkError
from jamlik.geo import project
from jamlik.i18n import format_number, t
from jamlik.ingest.osm import OSMData, ensure_osm, resolve_crs
from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.streets_areas import area_links, walkable_area_runs

__all__ = [
    "BIKE_HIGHWAYS",
    "WALK_HIGHWAYS",
    "StreetNetwork",
    "build_street_network",
    "way_rule",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
Mode = Literal["walk", "bike"]

ROADS = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "road",
        "service",
    }
)
WALK_HIGHWAYS = ROADS | {
    "living_street",
    "pedestrian",
    "footway",
    "path",
    "steps",
    "cycleway",
    "track",
    "bridleway",
    "corridor",
    "elevator",
    "platform",
}
BIKE_HIGHWAYS = ROADS | {"living_street", "cycleway", "path", "track"}

_OPEN = frozenset({"yes", "designated", "permissive"})
_CLOSED = frozenset({"no", "private", "use_sidepath"})
_ACCESS_CLOSED = frozenset({"no", "private"})
_TRUE = frozenset({"yes", "true", "1"})
_REVERSE = frozenset({"-1", "reverse"})


def _sidewalks_separate(tags: dict[str, str]) -> bool:
    """Whether both sidewalks of a road are mapped as separate ways."""
    if tags.get("sidewalk") == "separate" or tags.get("sidewalk:both") == "separate":
        return True
    left, right = tags.get("sidewalk:left"), tags.get("sidewalk:right")
    sides = {left, right}
    return "separate" in sides and sides <= {"separate", "no"}


def way_rule(tags: dict[str, str], mode: Mode) -> tuple[bool, bool, bool, str]:
    """Apply the tag rules of the module docstring to one way.

    Parameters
    ----------
    tags
        The way's OSM tags.
    mode
        ``"walk"`` or ``"bike"``.

    Returns
    -------
    tuple
        ``(keep, forward, backward, highway)``: whether the mode may use the way, whether it
        may travel in the drawing direction and against it, and the highway class (``platform``
        for untagged station platforms).
    """
    highway = tags.get("highway")
    if highway is None and (
        tags.get("railway") == "platform" or tags.get("public_transport") == "platform"
    ):
        highway = "platform"
    if highway is None:
        return False, False, False, ""
    own_key = "foot" if mode == "walk" else "bicycle"
    own = tags.get(own_key)
    if own in _CLOSED:
        return False, False, False, highway
    allowed = own in _OPEN
    if tags.get("access") in _ACCESS_CLOSED and not allowed:
        return False, False, False, highway
    if tags.get("motorroad") == "yes" and not allowed:
        return False, False, False, highway
    if mode == "walk":
        if highway not in WALK_HIGHWAYS:
            return False, False, False, highway
        if highway in ROADS and not allowed and _sidewalks_separate(tags):
            return False, False, False, highway
        return True, True, True, highway
    if highway not in BIKE_HIGHWAYS and not (allowed and highway in WALK_HIGHWAYS):
        return False, False, False, highway
    forward, backward = _bike_directions(tags)
    return forward or backward, forward, backward, highway


def _bike_directions(tags: dict[str, str]) -> tuple[bool, bool]:
    """Directions a bike may ride on a way: ``(forward, backward)``."""
    oneway = tags.get("oneway")
    forward = backward = True
    if oneway in _TRUE:
        backward = False
    elif oneway in _REVERSE:
        forward = False
    elif oneway != "no" and tags.get("junction") in ("roundabout", "circular"):
        backward = False
    bike = tags.get("oneway:bicycle")
    contraflow = any(
        tags.get(key, "").startswith("opposite")
        for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
    )
    if bike == "no" or (bike is None and contraflow):
        return True, True
    if bike in _TRUE:
        return True, False
    if bike in _REVERSE:
        return False, True
    return forward, backward


@dataclass(frozen=True, eq=False)
class StreetNetwork:
    """Street pieces of one mode, split at intersections, in a projected CRS.

    Attributes
    ----------
    mode
        ``"walk"`` or ``"bike"``.
    crs
        Projected CRS of all coordinates (``"EPSG:3006"``).
    node_x, node_y, node_osm_id
        Coordinates (metres) and OSM node id of each intersection or dead end.
    street_u, street_v
        End nodes of each piece, in drawing order (``u`` first).
    street_length_m
        Length of each piece's LineString in ``crs``, metres.
    street_forward, street_backward
        Whether the mode may travel ``u -> v`` / ``v -> u``.
    street_steps
        ``highway=steps``.
    street_highway, street_osm_way_id
        Highway class and OSM way id of each piece.
    street_geometry
        shapely LineString of each piece, in ``crs``.
    source
        File the network was read from, for messages.
    street_across_area
        Whether each piece is a straight link across a walkable area (see
        :mod:`jamlik.networks.streets_areas`); ``None`` when there are none.
    """

    mode: str
    crs: str
    node_x: FloatArray
    node_y: FloatArray
    node_osm_id: IntArray
    street_u: IntArray
    street_v: IntArray
    street_length_m: FloatArray
    street_forward: BoolArray
    street_backward: BoolArray
    street_steps: BoolArray
    street_highway: ObjectArray
    street_osm_way_id: IntArray
    street_geometry: ObjectArray
    source: str = ""
    street_across_area: BoolArray | None = None

    @property
    def across_area(self) -> BoolArray:
        """Whether each piece is a straight link across a walkable area (all false if none)."""
        if self.street_across_area is None:
            return np.zeros(self.n_streets, dtype=bool)
        return self.street_across_area

    @property
    def n_nodes(self) -> int:
        """Number of nodes (intersections and dead ends)."""
        return int(self.node_x.size)

    @property
    def n_streets(self) -> int:
        """Number of street pieces."""
        return int(self.street_u.size)

    def _check_profile(self, profile: TravelProfile) -> None:
        if profile.mode != self.mode:
            raise DataError(
                t(
                    "networks.profile_wrong_mode",
                    name=profile.name,
                    mode=profile.mode,
                    value=self.source or t("networks.this_file"),
                    mode2=self.mode,
                )
            )

    def street_cost(self, profile: TravelProfile | None) -> FloatArray:
        """Cost of traversing each piece: seconds for a profile, metres for ``None``.

        Steps cost ``length / (speed × steps_speed_factor)``; they cost ``inf`` when the profile
        forbids steps.
        """
        if profile is None:
            return self.street_length_m.copy()
        self._check_profile(profile)
        speed = np.full(self.n_streets, profile.speed_m_s)
        if profile.steps == "forbid":
            speed[self.street_steps] = 0.0
        else:
            speed[self.street_steps] *= profile.steps_speed_factor
        with np.errstate(divide="ignore"):
            cost: FloatArray = self.street_length_m / speed
        return cost

    def _graph(self, profile: TravelProfile | None, name: str) -> Graph:
        cost = self.street_cost(profile)
        usable = np.isfinite(cost)
        fwd = self.street_forward & usable
        bwd = self.street_backward & usable
        src = np.concatenate([self.street_u[fwd], self.street_v[bwd]])
        dst = np.concatenate([self.street_v[fwd], self.street_u[bwd]])
        w = np.concatenate([cost[fwd], cost[bwd]])
        length = np.concatenate([self.street_length_m[fwd], self.street_length_m[bwd]])
        if src.size == 0:
            raise EmptyNetworkError(t("networks.no_usable_street", name=name))
        xy = np.column_stack((self.node_x, self.node_y))
        return graph_from_edges(
            src, dst, w, n_nodes=self.n_nodes, length_m=length, name=name, node_xy=xy
        )

    def to_graph(self, profile: TravelProfile) -> Graph:
        """Return the routing graph for ``profile``, edge cost in **seconds**.

        Each piece gives an edge per allowed direction with cost ``length_m / speed_m_s``
        (steps: see :meth:`street_cost`; forbidden steps are left out). Parallel edges collapse
        to the cheapest and only the largest strongly connected component is kept
        (:func:`~jamlik.networks.graph.graph_from_edges`); ``Graph.node_index`` maps graph
        nodes to this network's node numbers.

        Raises
        ------
        DataError
            If the profile's mode is not the network's mode.
        EmptyNetworkError
            If no piece is usable by the profile.
        """
        return self._graph(profile, f"{self.source} {self.mode} ({profile.name})")

    def to_distance_graph(self) -> Graph:
        """Return the routing graph with edge cost in **metres** (steps at their length)."""
        return self._graph(None, f"{self.source} {self.mode} (distance)")

    def streets_frame(self) -> gpd.GeoDataFrame:
        """Return the pieces as a GeoDataFrame, one row per piece, indexed ``0..n-1``.

        Columns ``u, v, osm_way_id, highway, length_m, forward, backward, steps,
        across_area, geometry``.
        """
        return gpd.GeoDataFrame(
            {
                "u": self.street_u,
                "v": self.street_v,
                "osm_way_id": self.street_osm_way_id,
                "highway": self.street_highway,
                "length_m": self.street_length_m,
                "forward": self.street_forward,
                "backward": self.street_backward,
                "steps": self.street_steps,
                "across_area": self.across_area,
            },
            geometry=gpd.GeoSeries(self.street_geometry, crs=self.crs),
            crs=self.crs,
        )

    def nodes_frame(self) -> gpd.GeoDataFrame:
        """Return the nodes as points with their OSM id, indexed by node number."""
        return gpd.GeoDataFrame(
            {"osm_id": self.node_osm_id},
            geometry=gpd.points_from_xy(self.node_x, self.node_y, crs=self.crs),
            crs=self.crs,
        )


def build_street_network(
    osm: str | Path | OSMData, *, mode: Mode, crs: str | None = None
) -> StreetNetwork:
    """Build the walk or bike street network of an OSM file.

    Parameters
    ----------
    osm
        Path of an OSM PBF/XML file, or data already read with
        :func:`jamlik.ingest.osm.read_osm`.
    mode
        ``"walk"`` or ``"bike"``; the tag rules are in the module docstring.
    crs
        Projected CRS for coordinates and lengths; ``None`` picks the UTM zone of the data.

    Raises
    ------
    MissingFileError, OSMReadError
        If the file is missing or unreadable.
    CRSError
        If ``crs`` is unknown or not projected.
    EmptyNetworkError
        If no way is usable by ``mode``.
    """
    if mode not in ("walk", "bike"):
        raise DataError(t("networks.bad_mode", mode=mode))
    data = ensure_osm(osm)
    rules = [way_rule(tags, mode) for tags in data.way_tags]
    keep = np.fromiter((r[0] for r in rules), dtype=bool, count=len(rules))
    if not keep.any():
        raise EmptyNetworkError(
            t(
                "networks.no_usable_way",
                source=data.source,
                mode=mode,
                value=t("networks.walkers") if mode == "walk" else t("networks.bikes"),
            )
        )
    out_crs = resolve_crs(crs, data)
    forward = np.fromiter((r[1] for r in rules), dtype=bool, count=len(rules))
    backward = np.fromiter((r[2] for r in rules), dtype=bool, count=len(rules))
    highway = np.asarray([r[3] for r in rules], dtype=object)
    pieces = _split_ways(data, keep)
    way = pieces.way
    x, y = project(data.way_lon[pieces.vertex], data.way_lat[pieces.vertex], out_crs)
    geometry = shapely.linestrings(x, y, indices=pieces.vertex_piece)
    geometry = np.asarray(geometry, dtype=object)
    node_ids, inverse = np.unique(np.concatenate([pieces.u_osm, pieces.v_osm]), return_inverse=True)
    n_pieces = pieces.u_osm.size
    first = pieces.first_vertex
    node_x = np.empty(node_ids.size)
    node_y = np.empty(node_ids.size)
    node_x[inverse[:n_pieces]] = x[first]
    node_y[inverse[:n_pieces]] = y[first]
    last = pieces.last_vertex
    node_x[inverse[n_pieces:]] = x[last]
    node_y[inverse[n_pieces:]] = y[last]
    street_u = inverse[:n_pieces].astype(np.int64)
    street_v = inverse[n_pieces:].astype(np.int64)
    if mode == "walk":
        candidates = walkable_area_runs(data, keep, highway)
        links = area_links(data, candidates, way, street_u, street_v, node_x, node_y, out_crs)
        way = np.concatenate([way, links.way])
        street_u = np.concatenate([street_u, links.u])
        street_v = np.concatenate([street_v, links.v])
        geometry = np.concatenate([geometry, links.geometry])
        across = np.zeros(way.size, dtype=bool)
        across[n_pieces:] = True
    else:
        across = np.zeros(way.size, dtype=bool)
    network = StreetNetwork(
        mode=mode,
        crs=out_crs,
        node_x=node_x,
        node_y=node_y,
        node_osm_id=node_ids.astype(np.int64),
        street_u=street_u,
        street_v=street_v,
        street_length_m=np.asarray(shapely.length(geometry), dtype=np.float64),
        street_forward=forward[way],
        street_backward=backward[way],
        street_steps=highway[way] == "steps",
        street_highway=highway[way],
        street_osm_way_id=data.way_id[way],
        street_geometry=geometry,
        source=data.source,
        street_across_area=across,
    )
    logger.info(
        t(
            "networks.built",
            source=data.source,
            mode=mode,
            n_nodes=format_number(network.n_nodes),
            n_streets=format_number(network.n_streets),
            value=format_number(network.street_length_m.sum() / 1000, 1),
            out_crs=out_crs,
        ),
    )
    return network


@dataclass(frozen=True)
class _Pieces:
    """Street pieces as index arrays into the OSMData vertex arrays."""

    way: IntArray  # way run of each piece
    u_osm: IntArray  # OSM node id at each end
    v_osm: IntArray
    vertex: IntArray  # OSMData vertex index of every piece vertex, piece after piece
    vertex_piece: IntArray  # piece of each entry of ``vertex``
    first_vertex: IntArray  # position in ``vertex`` of each piece's first / last vertex
    last_vertex: IntArray


def _split_ways(data: OSMData, keep: BoolArray) -> _Pieces:
    """Split the kept ways at shared nodes and ends (vectorised)."""
    lengths = np.diff(data.way_indptr)
    vertex_way = np.repeat(np.arange(data.n_ways, dtype=np.int64), lengths)
    vidx = np.flatnonzero(keep[vertex_way])
    vway = vertex_way[vidx]
    vnode = data.way_node_id[vidx]
    # Drop a vertex that repeats the previous node of the same way (zero-length segments).
    repeat = np.zeros(vidx.size, dtype=bool)
    repeat[1:] = (vnode[1:] == vnode[:-1]) & (vway[1:] == vway[:-1])
    vidx, vway, vnode = vidx[~repeat], vway[~repeat], vnode[~repeat]
    start = np.ones(vidx.size, dtype=bool)
    start[1:] = vway[1:] != vway[:-1]
    end = np.ones(vidx.size, dtype=bool)
    end[:-1] = start[1:]
    _, inv, counts = np.unique(vnode, return_inverse=True, return_counts=True)
    split = np.flatnonzero(start | end | (counts[inv] >= 2))
    same_way = vway[split[:-1]] == vway[split[1:]]
    a = split[:-1][same_way]  # first and last position of each piece in the kept vertices
    b = split[1:][same_way]
    n_vertices = b - a + 1
    piece = np.repeat(np.arange(a.size, dtype=np.int64), n_vertices)
    offsets = np.zeros(a.size + 1, dtype=np.int64)
    np.cumsum(n_vertices, out=offsets[1:])
    within = np.arange(offsets[-1], dtype=np.int64) - offsets[piece]
    position = a[piece] + within
    return _Pieces(
        way=vway[a],
        u_osm=vnode[a],
        v_osm=vnode[b],
        vertex=vidx[position],
        vertex_piece=piece,
        first_vertex=offsets[:-1],
        last_vertex=offsets[1:] - 1,
    )
