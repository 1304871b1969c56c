"""The arrays RAPTOR runs on: routes (trip patterns), their trips' times, stops and footpaths.

RAPTOR (Delling, Pajor & Werneck 2012, "Round-Based Public Transit Routing", *Transportation
Science* 49(3)) needs *routes* in its own sense: sets of trips that visit the same stops in the
same order and never overtake each other, so that at every stop the trips are sorted by time.
:func:`build_timetable` groups a day's trips by identical stop sequence, sorts them by
departure, and splits a group into several routes when a trip would overtake another. All
tables are CSR arrays (``*_ptr`` of length n + 1 and a flat value array), ready for numba.

Walking between stops (footpaths) and to or from stops is crow-fly::

    walk_s = round(great_circle_m * f / v)

with detour factor ``f`` and speed ``v``, for pairs whose straight-line distance is at most
``max_walk_m``. Defaults: ``v`` = 5 km/h (a common planning value for adults) and
``f`` = 1.3, a typical *circuity* (network distance / straight-line distance) of urban street
networks, which studies put at about 1.2-1.4 (Levinson & El-Geneidy 2009, "The minimum
circuity frontier and the journey to work", *Regional Science and Urban Economics* 39(6)).
Without a street network this is an approximation: walks are never blocked by rivers or
motorways. Street-network walks from OSM are in :mod:`jamlik.routing.transit_walk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from jamlik.errors import DataError
from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import GTFSFeed

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_WALK_SPEED_M_S",
    "Timetable",
    "TimetableArrays",
    "WalkLinks",
    "build_timetable",
    "walk_links",
]

DEFAULT_WALK_SPEED_M_S = 5 / 3.6
DEFAULT_DETOUR_FACTOR = 1.3
_EARTH_RADIUS_M = 6_371_008.8

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WalkLinks:
    """Walks from each of ``n`` points to nearby targets, in CSR form.

    ``ptr`` (int64, n + 1), ``target`` (int32) and ``seconds`` (int32): the walks from point
    ``i`` are ``target[ptr[i]:ptr[i+1]]`` taking ``seconds[...]``.
    """

    ptr: I64
    target: I32
    seconds: I32

    def transposed(self, n_targets: int) -> WalkLinks:
        """Return the same walks grouped by target (target -> point), e.g. stop -> destination."""
        n_points = len(self.ptr) - 1
        src = np.repeat(np.arange(n_points, dtype=np.int32), np.diff(self.ptr))
        order = np.argsort(self.target, kind="stable")
        ptr = np.zeros(n_targets + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.target, minlength=n_targets), out=ptr[1:])
        return WalkLinks(ptr=ptr, target=src[order], seconds=self.seconds[order])


class TimetableArrays(NamedTuple):
    """A timetable's arrays as the compiled RAPTOR kernels take them: one tuple (numba).

    The fields are those of :class:`Timetable` of the same name; ``transfer_*`` is the CSR of
    its footpaths (``transfers.ptr``, ``transfers.target``, ``transfers.seconds``).
    """

    route_stops_ptr: I64
    route_stops: I32
    route_trips_ptr: I64
    route_times_ptr: I64
    arrival_s: I32
    departure_s: I32
    stop_routes_ptr: I64
    stop_routes: I32
    stop_route_pos: I32
    transfer_ptr: I64
    transfer_stop: I32
    transfer_s: I32


@dataclass(frozen=True)
class Timetable:
    """One service day of transit as flat arrays.

    Attributes
    ----------
    stop_ids, stop_lon, stop_lat
        Per stop (index = stop number).
    route_stops_ptr, route_stops
        CSR: the stops of route ``r`` in order.
    route_trips_ptr
        Trips of route ``r`` are ``route_trips_ptr[r]:route_trips_ptr[r+1]`` in ``trip_ids``.
    route_times_ptr
        Offset of route ``r``'s times in ``arrival_s``/``departure_s``: trip ``t`` (0-based in
        the route) at stop position ``i`` is at ``route_times_ptr[r] + t * n_stops(r) + i``.
    arrival_s, departure_s
        int32 seconds since service-day midnight.
    stop_routes_ptr, stop_routes, stop_route_pos
        CSR: routes through each stop and the stop's position in each.
    transfers
        Footpaths between distinct stops.
    trip_ids
        Trip id of each trip, in route order.
    walk_speed_m_s, detour_factor, max_walk_m
        The walking rule used for footpaths (and to be used for access and egress).
    """

    stop_ids: npt.NDArray[np.object_]
    stop_lon: F64
    stop_lat: F64
    route_stops_ptr: I64
    route_stops: I32
    route_trips_ptr: I64
    route_times_ptr: I64
    arrival_s: I32
    departure_s: I32
    stop_routes_ptr: I64
    stop_routes: I32
    stop_route_pos: I32
    transfers: WalkLinks
    trip_ids: npt.NDArray[np.object_]
    walk_speed_m_s: float
    detour_factor: float
    max_walk_m: float

    @property
    def n_stops(self) -> int:
        """Number of stops."""
        return len(self.stop_ids)

    @property
    def n_routes(self) -> int:
        """Number of RAPTOR routes."""
        return len(self.route_stops_ptr) - 1

    def kernel_arrays(self) -> TimetableArrays:
        """Return the timetable arrays bundled as the compiled RAPTOR kernels take them."""
        return TimetableArrays(
            route_stops_ptr=self.route_stops_ptr,
            route_stops=self.route_stops,
            route_trips_ptr=self.route_trips_ptr,
            route_times_ptr=self.route_times_ptr,
            arrival_s=self.arrival_s,
            departure_s=self.departure_s,
            stop_routes_ptr=self.stop_routes_ptr,
            stop_routes=self.stop_routes,
            stop_route_pos=self.stop_route_pos,
            transfer_ptr=self.transfers.ptr,
            transfer_stop=self.transfers.target,
            transfer_s=self.transfers.seconds,
        )


def _unit_xyz(lon: F64, lat: F64) -> F64:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def walk_links(
    from_lon: F64,
    from_lat: F64,
    to_lon: F64,
    to_lat: F64,
    *,
    max_walk_m: float,
    walk_speed_m_s: float,
    detour_factor: float,
    skip_self: bool = False,
) -> WalkLinks:
    """Crow-fly walks from every point to every target within ``max_walk_m`` (straight line).

    Seconds are ``round(distance_m * detour_factor / walk_speed_m_s)`` (module docstring).
    With ``skip_self`` (points and targets the same set) the walk from a point to itself is left
    out. Pairs are found with a k-d tree on unit-sphere coordinates, distances are haversine.
    """
    if walk_speed_m_s <= 0 or detour_factor < 1 or max_walk_m < 0:
        raise DataError(
            f"walking rule needs speed > 0 (got {walk_speed_m_s} m/s), detour factor >= 1 "
            f"(got {detour_factor}) and max walk >= 0 (got {max_walk_m} m)"
        )
    n = len(from_lon)
    src = _unit_xyz(np.asarray(from_lon, float), np.asarray(from_lat, float))
    dst = _unit_xyz(np.asarray(to_lon, float), np.asarray(to_lat, float))
    chord = 2 * np.sin(min(max_walk_m / (2 * _EARTH_RADIUS_M), np.pi / 2)) * (1 + 1e-9)
    pairs = cKDTree(src).sparse_distance_matrix(cKDTree(dst), chord, output_type="coo_matrix")
    rows, cols = pairs.row.astype(np.int64), pairs.col.astype(np.int64)
    # sparse_distance_matrix leaves out zero distances: add coincident pairs explicitly.
    same = cKDTree(dst).query_ball_point(src, r=1e-12)
    extra_r = np.repeat(np.arange(n), [len(s) for s in same])
    extra_c = np.concatenate([np.asarray(s, dtype=np.int64) for s in same]) if n else extra_r
    rows = np.concatenate([rows, extra_r.astype(np.int64)])
    cols = np.concatenate([cols, extra_c.astype(np.int64)])
    dist = haversine_m(
        np.asarray(from_lon, float)[rows],
        np.asarray(from_lat, float)[rows],
        np.asarray(to_lon, float)[cols],
        np.asarray(to_lat, float)[cols],
    )
    keep = dist <= max_walk_m
    if skip_self:
        keep &= rows != cols
    rows, cols, dist = rows[keep], cols[keep], dist[keep]
    order = np.lexsort((cols, rows))
    rows, cols, dist = rows[order], cols[order], dist[order]
    uniq = np.ones(len(rows), dtype=bool)
    uniq[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, dist = rows[uniq], cols[uniq], dist[uniq]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    seconds = np.rint(dist * detour_factor / walk_speed_m_s).astype(np.int32)
    return WalkLinks(ptr=ptr, target=cols.astype(np.int32), seconds=seconds)


def build_timetable(
    feed: GTFSFeed,
    *,
    walk_speed_m_s: float = DEFAULT_WALK_SPEED_M_S,
    max_walk_m: float = 1000.0,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> Timetable:
    """Group the feed's trips into RAPTOR routes and compute footpaths between stops.

    Parameters
    ----------
    feed
        One service day from :func:`jamlik.ingest.gtfs.read_gtfs`.
    walk_speed_m_s, max_walk_m, detour_factor
        The crow-fly walking rule for footpaths; ``max_walk_m=0`` means transfers only at the
        same stop.
    """
    st = feed.stop_times
    trip = st["trip"].to_numpy()
    stop = st["stop"].to_numpy().astype(np.int64)
    arr = st["arrival_s"].to_numpy().astype(np.int64)
    dep = st["departure_s"].to_numpy().astype(np.int64)
    first = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    lengths = np.diff(np.r_[first, len(trip)])
    trip_codes = trip[first]
    # Group trips with the same stop sequence: key = bytes of the stop numbers.
    keys = [stop[a : a + m].tobytes() for a, m in zip(first, lengths, strict=True)]
    pattern_of = pd.factorize(pd.Series(keys))[0]
    order = np.lexsort((dep[first], pattern_of))
    routes_stops: list[I64] = []
    routes_trips: list[list[int]] = []
    for group in np.split(order, np.flatnonzero(np.diff(pattern_of[order])) + 1):
        m = int(lengths[group[0]])
        idx = first[group][:, None] + np.arange(m)[None, :]
        a_mat, d_mat = arr[idx], dep[idx]
        for members in _split_overtaking(a_mat, d_mat):
            routes_stops.append(stop[first[group[0]] : first[group[0]] + m])
            routes_trips.append([int(group[i]) for i in members])

    n_routes = len(routes_stops)
    route_stops_ptr = np.zeros(n_routes + 1, dtype=np.int64)
    np.cumsum([len(s) for s in routes_stops], out=route_stops_ptr[1:])
    route_trips_ptr = np.zeros(n_routes + 1, dtype=np.int64)
    np.cumsum([len(t) for t in routes_trips], out=route_trips_ptr[1:])
    route_times_ptr = np.zeros(n_routes + 1, dtype=np.int64)
    np.cumsum(
        [len(s) * len(t) for s, t in zip(routes_stops, routes_trips, strict=True)],
        out=route_times_ptr[1:],
    )
    trip_order = np.concatenate([np.asarray(t, dtype=np.int64) for t in routes_trips])
    flat_rows = np.concatenate(
        [
            (first[np.asarray(t)][:, None] + np.arange(len(s))[None, :]).ravel()
            for s, t in zip(routes_stops, routes_trips, strict=True)
        ]
    )
    route_stops = np.concatenate(routes_stops).astype(np.int32)

    n_stops = len(feed.stops)
    route_of_entry = np.repeat(np.arange(n_routes), np.diff(route_stops_ptr))
    pos_of_entry = np.arange(len(route_stops)) - route_stops_ptr[route_of_entry]
    by_stop = np.lexsort((pos_of_entry, route_of_entry, route_stops))
    stop_routes_ptr = np.zeros(n_stops + 1, dtype=np.int64)
    np.cumsum(np.bincount(route_stops, minlength=n_stops), out=stop_routes_ptr[1:])
    lon = feed.stops["lon"].to_numpy(dtype=np.float64)
    lat = feed.stops["lat"].to_numpy(dtype=np.float64)
    transfers = walk_links(
        lon,
        lat,
        lon,
        lat,
        max_walk_m=max_walk_m,
        walk_speed_m_s=walk_speed_m_s,
        detour_factor=detour_factor,
        skip_self=True,
    )
    trip_ids = feed.trips["trip_id"].to_numpy(dtype=object)[trip_codes[trip_order]]
    return Timetable(
        stop_ids=feed.stops["stop_id"].to_numpy(dtype=object),
        stop_lon=lon,
        stop_lat=lat,
        route_stops_ptr=route_stops_ptr,
        route_stops=route_stops,
        route_trips_ptr=route_trips_ptr,
        route_times_ptr=route_times_ptr,
        arrival_s=arr[flat_rows].astype(np.int32),
        departure_s=dep[flat_rows].astype(np.int32),
        stop_routes_ptr=stop_routes_ptr,
        stop_routes=route_of_entry[by_stop].astype(np.int32),
        stop_route_pos=pos_of_entry[by_stop].astype(np.int32),
        transfers=transfers,
        trip_ids=trip_ids,
        walk_speed_m_s=walk_speed_m_s,
        detour_factor=detour_factor,
        max_walk_m=max_walk_m,
    )


def _split_overtaking(a_mat: I64, d_mat: I64) -> list[list[int]]:
    """Split trips (rows, sorted by first departure) into groups where none overtakes another.

    A trip joins the first group whose last trip it neither overtakes nor is overtaken by
    (arrival and departure at every stop no earlier than that trip's); otherwise it opens a new
    group. Groups are therefore sorted by time at every stop.
    """
    if len(a_mat) < 2 or (
        (np.diff(a_mat, axis=0) >= 0).all() and (np.diff(d_mat, axis=0) >= 0).all()
    ):
        return [list(range(len(a_mat)))]
    groups: list[list[int]] = []
    for i in range(len(a_mat)):  # only for the rare patterns with overtaking
        for g in groups:
            j = g[-1]
            if (a_mat[i] >= a_mat[j]).all() and (d_mat[i] >= d_mat[j]).all():
                g.append(i)
                break
        else:
            groups.append([i])
    return groups
