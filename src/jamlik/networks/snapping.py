"""Snap points and polygons to a street network and turn them into search seeds.

A search in the routing engine starts from (or ends at) graph nodes. A point (a home, a school
entrance) lies somewhere along a street piece, so it becomes a few **seeds**: graph nodes with
the cost of going from the point to the node along the piece (or from the node to the point).

* :func:`snap_points` finds the nearest street piece of every point (shapely ``STRtree``
  ``query_nearest``, then ``line_locate_point`` for the position along the piece). The straight
  distance from the point to the piece is reported in ``Snapped.snap_distance_m``; it is **not**
  added to any cost: the caller decides (e.g. add it at walking speed, or cap it).
* :func:`point_seeds` turns snapped points into seeds honouring the piece's direction flags.
  For a piece ``u -> v`` of length ``L`` and cost ``C`` (``C = L / speed``, steps slower) and a
  point at ``a`` metres from ``u``:

  ========================  ==========================  ==========================
  seed                      point is an origin          point is a destination
  ========================  ==========================  ==========================
  node ``u``, cost          ``C·a/L`` if backward       ``C·a/L`` if forward
  node ``v``, cost          ``C·(L-a)/L`` if forward    ``C·(L-a)/L`` if backward
  ========================  ==========================  ==========================

* :func:`area_seeds` reaches a polygon (a park) at its edge: every graph node inside it or
  within ``edge_buffer_m`` of it is a seed with cost ``d / speed`` where ``d`` is the node's
  distance to the polygon (0 inside). A polygon with no node that near is reached at the nearest
  point of the nearest street piece, as a snapped point, plus ``d / speed`` for the gap.

Seeds of many points are grouped in CSR form (:class:`Seeds`): the seeds of point ``i`` are
``node[indptr[i]:indptr[i+1]]`` with ``cost[...]``; a point that is not snapped (or whose piece
is not in the graph) has no seeds. Costs are seconds for a profile and metres for
``profile=None``.

Known simplification: an origin and a destination on the same piece are joined only through
the piece's end nodes, never directly along the piece.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from jamlik.config import TravelProfile
from jamlik.errors import CRSError, DataError
from jamlik.i18n import t
from jamlik.networks.graph import Graph
from jamlik.networks.seeds import Seeds
from jamlik.networks.streets import StreetNetwork

__all__ = ["Seeds", "Snapped", "area_seeds", "point_seeds", "snap_points", "usable_streets"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Snapped:
    """Nearest street piece of each point.

    Attributes
    ----------
    street
        Piece number, ``-1`` when no usable piece lies within the maximum distance.
    along_m
        Distance from the piece's ``u`` end along the piece to the snapped position, metres
        (``NaN`` when not snapped).
    snap_distance_m
        Straight distance from the point to the piece, metres (``NaN`` when not snapped).
    """

    street: IntArray
    along_m: FloatArray
    snap_distance_m: FloatArray

    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.street.size)

    @property
    def snapped(self) -> BoolArray:
        """Whether each point found a piece."""
        out: BoolArray = self.street >= 0
        return out


def usable_streets(
    network: StreetNetwork, graph: Graph | None = None, profile: TravelProfile | None = None
) -> BoolArray:
    """Pieces a search can use: both ends in ``graph`` and a finite cost for ``profile``."""
    usable: BoolArray = network.street_forward | network.street_backward
    if profile is not None:
        usable &= np.isfinite(network.street_cost(profile))
    if graph is not None:
        in_graph = np.zeros(network.n_nodes, dtype=bool)
        in_graph[graph.node_index] = True
        usable &= in_graph[network.street_u] & in_graph[network.street_v]
    return usable


def _as_points(x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.object_]:
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.shape != ya.shape or xa.ndim != 1:
        raise DataError(t("networks.xy_shape"))
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        bad = int(np.flatnonzero(~(np.isfinite(xa) & np.isfinite(ya)))[0])
        raise DataError(t("networks.point_not_finite", bad=bad))
    out: npt.NDArray[np.object_] = shapely.points(xa, ya)
    return out


def snap_points(
    network: StreetNetwork,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    max_distance_m: float = 500.0,
    graph: Graph | None = None,
    profile: TravelProfile | None = None,
) -> Snapped:
    """Snap points (in the network's CRS) to their nearest street piece.

    Parameters
    ----------
    network
        The street network.
    x, y
        Point coordinates in ``network.crs``, metres.
    max_distance_m
        Points farther than this from every piece are not snapped (``street = -1``).
    graph, profile
        When given, only pieces a search can use are candidates (:func:`usable_streets`): pieces
        outside the graph's component, or steps for a profile that forbids them, are skipped.
        Pass both when the result feeds :func:`point_seeds`.

    Raises
    ------
    DataError
        If a coordinate is missing or the arrays differ in length.
    """
    points = _as_points(x, y)
    n = points.size
    candidates = np.flatnonzero(usable_streets(network, graph, profile))
    street = np.full(n, -1, dtype=np.int64)
    along = np.full(n, np.nan)
    distance = np.full(n, np.nan)
    if n == 0 or candidates.size == 0:
        return Snapped(street=street, along_m=along, snap_distance_m=distance)
    lines = network.street_geometry[candidates]
    tree = shapely.STRtree(lines)
    (point_idx, line_idx), dist = tree.query_nearest(
        points, max_distance=max_distance_m, return_distance=True, all_matches=False
    )
    street[point_idx] = candidates[line_idx]
    distance[point_idx] = dist
    along[point_idx] = shapely.line_locate_point(lines[line_idx], points[point_idx])
    return Snapped(street=street, along_m=along, snap_distance_m=distance)


def _graph_node_of(network: StreetNetwork, graph: Graph) -> IntArray:
    """For each network node, its graph node number (``-1`` if not in the graph)."""
    lookup = np.full(network.n_nodes, -1, dtype=np.int64)
    lookup[graph.node_index] = np.arange(graph.node_index.size, dtype=np.int64)
    return lookup


def _seed_entries(
    network: StreetNetwork,
    graph: Graph,
    owner: IntArray,
    street: IntArray,
    along_m: FloatArray,
    extra_cost: FloatArray,
    *,
    profile: TravelProfile | None,
    towards: bool,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Seeds ``(owner, graph node, cost)`` of positions along pieces (see module table)."""
    cost = network.street_cost(profile)[street]
    length = network.street_length_m[street]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(length > 0, np.clip(along_m / length, 0.0, 1.0), 0.0)
    fwd = network.street_forward[street]
    bwd = network.street_backward[street]
    lookup = _graph_node_of(network, graph)
    # A point exactly at an end node reaches it at no cost, whatever the piece's direction.
    to_u = (bwd if not towards else fwd) | (frac == 0.0)
    to_v = (fwd if not towards else bwd) | (frac == 1.0)
    owners = np.concatenate([owner[to_u], owner[to_v]])
    nodes = np.concatenate(
        [lookup[network.street_u[street[to_u]]], lookup[network.street_v[street[to_v]]]]
    )
    costs = np.concatenate(
        [
            cost[to_u] * frac[to_u] + extra_cost[to_u],
            cost[to_v] * (1 - frac[to_v]) + extra_cost[to_v],
        ]
    )
    ok = (nodes >= 0) & np.isfinite(costs)
    return owners[ok], nodes[ok], costs[ok]


def _to_seeds(n: int, owner: IntArray, node: IntArray, cost: FloatArray) -> Seeds:
    """Group seed entries per owner, keeping the cheapest of duplicate (owner, node) pairs."""
    order = np.lexsort((cost, node, owner))
    owner, node, cost = owner[order], node[order], cost[order]
    first = np.ones(owner.size, dtype=bool)
    first[1:] = (owner[1:] != owner[:-1]) | (node[1:] != node[:-1])
    owner, node, cost = owner[first], node[first], cost[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=indptr[1:])
    return Seeds(indptr=indptr, node=node.astype(np.int64), cost=cost.astype(np.float64))


def point_seeds(
    network: StreetNetwork,
    graph: Graph,
    snapped: Snapped,
    *,
    profile: TravelProfile | None = None,
    towards: bool = False,
) -> Seeds:
    """Seeds of snapped points for a search on ``graph``.

    Parameters
    ----------
    network
        The network the points were snapped to.
    graph
        The graph built from it (``network.to_graph(profile)`` or ``to_distance_graph()``).
    snapped
        Result of :func:`snap_points`.
    profile
        Costs in seconds for this profile (steps factor included); ``None`` for metres.
    towards
        ``False``: the points are origins (cost from point to node); ``True``: destinations
        (cost from node to point). Direction flags of each piece are honoured.

    Returns
    -------
    Seeds
        Seeds per point; unsnapped points have none.
    """
    ok = np.flatnonzero(snapped.street >= 0)
    owner, node, cost = _seed_entries(
        network,
        graph,
        ok.astype(np.int64),
        snapped.street[ok],
        snapped.along_m[ok],
        np.zeros(ok.size),
        profile=profile,
        towards=towards,
    )
    return _to_seeds(snapped.n_points, owner, node, cost)


def area_seeds(
    network: StreetNetwork,
    graph: Graph,
    polygons: Sequence[shapely.Geometry] | npt.NDArray[np.object_] | gpd.GeoSeries,
    *,
    profile: TravelProfile | None = None,
    edge_buffer_m: float = 25.0,
    towards: bool = True,
    max_distance_m: float = 500.0,
) -> Seeds:
    """Seeds of polygons (parks, green space) reached at their edge.

    Parameters
    ----------
    network, graph
        Street network and the graph built from it.
    polygons
        Polygons in ``network.crs`` (a GeoSeries or GeoDataFrame, list or array of shapely
        geometries). A GeoSeries in another CRS raises :class:`~jamlik.errors.CRSError`.
    profile
        Costs in seconds for this profile; ``None`` for metres.
    edge_buffer_m
        Graph nodes inside a polygon or within this distance of it become seeds with cost
        ``distance / speed`` (0 inside).
    towards
        For the fallback below: ``True`` when the polygons are destinations.
    max_distance_m
        A polygon with no node within ``edge_buffer_m`` is reached at the nearest point of the
        nearest usable piece within this distance, plus ``gap / speed``; farther: no seeds.
    """
    geoms = _as_polygons(polygons, network.crs)
    n = geoms.size
    speed = 1.0 if profile is None else profile.speed_m_s
    if profile is not None:
        network.street_cost(profile)  # checks the profile's mode
    node_points = shapely.points(network.node_x[graph.node_index], network.node_y[graph.node_index])
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    valid = np.flatnonzero(present)
    tree = shapely.STRtree(node_points)
    poly_idx, node_idx = tree.query(geoms[valid], predicate="dwithin", distance=edge_buffer_m)
    poly_idx = valid[poly_idx]
    gap = shapely.distance(geoms[poly_idx], node_points[node_idx])
    owners = [poly_idx.astype(np.int64)]
    nodes = [node_idx.astype(np.int64)]
    costs = [gap / speed]
    reached = np.zeros(n, dtype=bool)
    reached[poly_idx] = True
    missing = np.flatnonzero(present & ~reached)
    if missing.size:
        candidates = np.flatnonzero(usable_streets(network, graph, profile))
        lines = network.street_geometry[candidates]
        (m_idx, l_idx), dist = shapely.STRtree(lines).query_nearest(
            geoms[missing], max_distance=max_distance_m, return_distance=True, all_matches=False
        )
        street = candidates[l_idx]
        on_street = shapely.get_point(shapely.shortest_line(lines[l_idx], geoms[missing[m_idx]]), 0)
        along = shapely.line_locate_point(lines[l_idx], on_street)
        o, nd, c = _seed_entries(
            network,
            graph,
            missing[m_idx].astype(np.int64),
            street.astype(np.int64),
            np.asarray(along, dtype=np.float64),
            np.asarray(dist, dtype=np.float64) / speed,
            profile=profile,
            towards=towards,
        )
        owners.append(o)
        nodes.append(nd)
        costs.append(c)
    return _to_seeds(n, np.concatenate(owners), np.concatenate(nodes), np.concatenate(costs))


def _as_polygons(
    polygons: Sequence[shapely.Geometry] | npt.NDArray[np.object_] | gpd.GeoSeries, crs: str
) -> npt.NDArray[np.object_]:
    """Return the geometries as an object array, checking a GeoSeries' CRS."""
    if isinstance(polygons, gpd.GeoDataFrame):
        polygons = polygons.geometry
    own_crs = getattr(polygons, "crs", None)
    if own_crs is not None and not own_crs.equals(crs):
        raise CRSError(t("networks.polygons_crs", own_crs=own_crs.to_string(), crs=crs))
    values = getattr(polygons, "values", polygons)
    out: npt.NDArray[np.object_] = np.asarray(values, dtype=object)
    if out.ndim != 1:
        raise DataError(t("networks.polygons_sequence"))
    return out
