"""Walks for RAPTOR on the street network: access, egress, transfers and direct walks.

:mod:`jamlik.networks.timetable` walks crow-fly (straight line × a detour factor). With an OSM
street network the walks follow the streets instead. The walked distance from a point ``a`` to
a point ``b`` is, as in :mod:`jamlik.runs.travel_times`::

    d(a, b) = snap(a) + min(network(a*, b*), along(a*, b*)) + snap(b)

where ``snap`` is the straight line from a point to its nearest usable walk street (within
``max_snap_m``), ``a*``/``b*`` the snapped positions, ``network`` the shortest distance over the
walk graph (:meth:`~jamlik.networks.streets.StreetNetwork.to_distance_graph`: the largest
connected component, every walkable way, steps at their length) and ``along`` the distance
straight along the piece when both points lie on the same piece. Two points at the very same
place are 0 m apart. A walk is kept when ``d <= max_walk_m`` and takes
``round(d / walk_speed_m_s)`` seconds (no detour factor: the streets are the detour).

Since every part of ``d`` is a line drawn in the projected plane, ``d`` is never shorter than
the straight line between the points (up to the projection's scale error, below 0.05 % in a
national grid or UTM), so street-network journeys are never faster than crow-fly ones with a
detour factor of 1.

The searches are bounded Dijkstra searches of the routing engine
(:func:`jamlik.routing.travel_costs`), one per point, in chunks; the result is sparse
(:class:`~jamlik.networks.timetable.WalkLinks`).
"""

from __future__ import annotations

import copy
import dataclasses
import logging

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError
from jamlik.geo import project
from jamlik.i18n import format_number, t
from jamlik.networks.graph import Graph
from jamlik.networks.snapping import Seeds, Snapped, point_seeds, snap_points
from jamlik.networks.streets import StreetNetwork
from jamlik.networks.timetable import Timetable, WalkLinks
from jamlik.routing.engine import travel_costs
from jamlik.routing.raptor import PointWalks, point_coordinates

__all__ = ["StreetWalker", "street_point_walks", "street_transfers"]

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_CHUNK = 256


@dataclasses.dataclass(frozen=True, eq=False)
class _Placed:
    x: F64
    y: F64
    snapped: Snapped
    snap_m: F64  # inf when not snapped
    seeds_from: Seeds
    seeds_to: Seeds


class StreetWalker:
    """Walking distances over one walk network (snapping and searches shared by calls).

    Parameters
    ----------
    network
        A walk network (:func:`jamlik.networks.build_street_network` with ``mode="walk"``).
    max_walk_m
        Longest walk, metres, snap legs included.
    walk_speed_m_s
        Walking speed.
    max_snap_m
        Points farther than this from every usable street walk nowhere (except to points at the
        very same place).
    """

    def __init__(
        self,
        network: StreetNetwork,
        *,
        max_walk_m: float,
        walk_speed_m_s: float,
        max_snap_m: float = 300.0,
    ) -> None:
        if network.mode != "walk":
            raise DataError(t("routing.street_walks_need_walk", mode=network.mode))
        if walk_speed_m_s <= 0 or max_walk_m < 0 or max_snap_m < 0:
            raise DataError(
                t(
                    "routing.walking_params",
                    walk_speed_m_s=walk_speed_m_s,
                    max_walk_m=max_walk_m,
                    max_snap_m=max_snap_m,
                )
            )
        self.network = network
        self.graph: Graph = network.to_distance_graph()
        self.max_walk_m = float(max_walk_m)
        self.walk_speed_m_s = float(walk_speed_m_s)
        self.max_snap_m = float(max_snap_m)

    def with_speed(self, walk_speed_m_s: float) -> StreetWalker:
        """Return a walker on the same graph at another speed (placed points stay valid)."""
        if walk_speed_m_s <= 0:
            raise DataError(t("routing.walking_speed", walk_speed_m_s=walk_speed_m_s))
        other = copy.copy(self)
        other.walk_speed_m_s = float(walk_speed_m_s)
        return other

    def place(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> _Placed:
        """Project WGS84 points and snap them to the walk graph."""
        x, y = project(np.asarray(lon, float), np.asarray(lat, float), self.network.crs)
        return self.place_xy(x, y)

    def place_xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> _Placed:
        """Snap points given in the network's CRS to the walk graph."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        snapped = snap_points(self.network, x, y, max_distance_m=self.max_snap_m, graph=self.graph)
        snap_m = np.where(snapped.street >= 0, snapped.snap_distance_m, np.inf)
        return _Placed(
            x=x,
            y=y,
            snapped=snapped,
            snap_m=snap_m,
            seeds_from=point_seeds(self.network, self.graph, snapped, towards=False),
            seeds_to=point_seeds(self.network, self.graph, snapped, towards=True),
        )

    def distances(self, a: _Placed, b: _Placed, *, skip_self: bool = False) -> tuple[I64, I64, F64]:
        """Return pairs ``(i, j, metres)`` with walked distance ``d(a_i, b_j) <= max_walk_m``."""
        rows: list[I64] = []
        cols: list[I64] = []
        dist: list[F64] = []
        n_a = a.x.size
        for lo in range(0, n_a, _CHUNK):
            hi = min(lo + _CHUNK, n_a)
            net = travel_costs(
                self.graph, _subset(a.seeds_from, lo, hi), b.seeds_to, max_cost=self.max_walk_m
            )
            total = net + a.snap_m[lo:hi, None] + b.snap_m[None, :]
            r, c = np.nonzero(total <= self.max_walk_m)
            rows.append(r.astype(np.int64) + lo)
            cols.append(c.astype(np.int64))
            dist.append(total[r, c])
        # Same street piece, straight along it; same place: 0 m.
        r2, c2, d2 = _along_same_piece(self.network, a, b)
        r3, c3 = _same_place(a, b)
        rows += [r2, r3]
        cols += [c2, c3]
        dist += [d2, np.zeros(r3.size)]
        r_all = np.concatenate(rows)
        c_all = np.concatenate(cols)
        d_all = np.concatenate(dist)
        keep = d_all <= self.max_walk_m
        if skip_self:
            keep &= r_all != c_all
        r_all, c_all, d_all = r_all[keep], c_all[keep], d_all[keep]
        order = np.lexsort((d_all, c_all, r_all))
        r_all, c_all, d_all = r_all[order], c_all[order], d_all[order]
        first = np.ones(r_all.size, dtype=bool)
        first[1:] = (r_all[1:] != r_all[:-1]) | (c_all[1:] != c_all[:-1])
        return r_all[first], c_all[first], d_all[first]

    def links(self, a: _Placed, b: _Placed, *, skip_self: bool = False) -> WalkLinks:
        """Return the walks from every point of ``a`` to the points of ``b`` in reach (CSR)."""
        rows, cols, metres = self.distances(a, b, skip_self=skip_self)
        ptr = np.zeros(a.x.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=a.x.size), out=ptr[1:])
        seconds = np.rint(metres / self.walk_speed_m_s).astype(np.int32)
        return WalkLinks(ptr=ptr, target=cols.astype(np.int32), seconds=seconds)


def _subset(seeds: Seeds, lo: int, hi: int) -> Seeds:
    a, b = int(seeds.indptr[lo]), int(seeds.indptr[hi])
    return Seeds(seeds.indptr[lo : hi + 1] - a, seeds.node[a:b], seeds.cost[a:b])


def _along_same_piece(network: StreetNetwork, a: _Placed, b: _Placed) -> tuple[I64, I64, F64]:
    """Pairs on the same piece: snap legs plus the distance along the piece (if walkable)."""
    fa = pd.DataFrame({"i": np.arange(a.x.size), "street": a.snapped.street})
    fb = pd.DataFrame({"j": np.arange(b.x.size), "street": b.snapped.street})
    pairs = fa[fa["street"] >= 0].merge(fb[fb["street"] >= 0], on="street")
    i = pairs["i"].to_numpy(np.int64)
    j = pairs["j"].to_numpy(np.int64)
    street = pairs["street"].to_numpy(np.int64)
    delta = b.snapped.along_m[j] - a.snapped.along_m[i]
    allowed = np.where(delta >= 0, network.street_forward[street], network.street_backward[street])
    d = np.abs(delta) + a.snap_m[i] + b.snap_m[j]
    return i[allowed], j[allowed], d[allowed]


def _same_place(a: _Placed, b: _Placed) -> tuple[I64, I64]:
    fa = pd.DataFrame({"i": np.arange(a.x.size), "x": a.x, "y": a.y})
    fb = pd.DataFrame({"j": np.arange(b.x.size), "x": b.x, "y": b.y})
    pairs = fa.merge(fb, on=["x", "y"])
    return pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)


def street_transfers(tt: Timetable, walker: StreetWalker) -> Timetable:
    """Return ``tt`` with its footpaths between stops walked on the street network.

    The timetable's walking rule fields are set to the walker's speed and reach (detour factor
    1.0, as the streets are the detour); the feed's ``transfers.txt`` rules are applied to the
    new footpaths (:meth:`~jamlik.networks.timetable.Timetable.with_footpaths`).
    """
    stops = walker.place(tt.stop_lon, tt.stop_lat)
    transfers = walker.links(stops, stops, skip_self=True)
    log.info(
        t(
            "routing.street_transfers",
            size=format_number(transfers.target.size),
            n_stops=format_number(tt.n_stops),
        )
    )
    return tt.with_footpaths(
        transfers,
        walk_speed_m_s=walker.walk_speed_m_s,
        detour_factor=1.0,
        max_walk_m=walker.max_walk_m,
    )


def street_point_walks(
    tt: Timetable,
    walker: StreetWalker,
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
) -> PointWalks:
    """Access, egress and direct walks of origin and destination points on the street network.

    Parameters
    ----------
    tt
        The timetable (its stops are the walk targets).
    walker
        Street walking over the walk network.
    origins, destinations
        Rows ``id,lon,lat`` (WGS84) or ``id,stop_id``, as for
        :func:`jamlik.routing.raptor.travel_times`.
    """
    o_lon, o_lat = point_coordinates(tt, origins, role="origins")
    d_lon, d_lat = point_coordinates(tt, destinations, role="destinations")
    stops = walker.place(tt.stop_lon, tt.stop_lat)
    o_pts = walker.place(o_lon, o_lat)
    d_pts = walker.place(d_lon, d_lat)
    # Walking ignores one-way rules, so the walk destination -> stop equals stop -> destination.
    return PointWalks(
        access=walker.links(o_pts, stops),
        egress=walker.links(d_pts, stops),
        direct=walker.links(o_pts, d_pts),
    )
