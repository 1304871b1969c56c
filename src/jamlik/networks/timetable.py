"""The arrays RAPTOR runs on: routes (trip patterns), their trips' times, stops and footpaths.

RAPTOR (Delling, Pajor & Werneck 2012, "Round-Based Public Transit Routing", *Transportation
Science* 49(3)) needs *routes* in its own sense: sets of trips that visit the same stops in the
same order and never overtake each other, so that at every stop the trips are sorted by time.
:func:`build_timetable` groups a day's trips by identical stop sequence *and* boarding rules,
sorts them by departure, and splits a group into several routes when a trip would overtake
another. All tables are CSR arrays (``*_ptr`` of length n + 1 and a flat value array), ready
for numba.

Walking between stops (footpaths) and to or from stops is crow-fly::

    walk_s = round(great_circle_m * f / v)

with detour factor ``f`` and speed ``v``, for pairs whose straight-line distance is at most
``max_walk_m``. ``v`` is the walking speed of a travel profile (:mod:`jamlik.config`; the
``adult`` profile by default, the same speed walk mode uses) and ``f`` = 1.3, a typical
*circuity* (network distance / straight-line distance) of urban street networks, which studies
put at about 1.2-1.4 (Levinson & El-Geneidy 2009, "The minimum circuity frontier and the
journey to work", *Regional Science and Urban Economics* 39(6)). Without a street network this
is an approximation: walks are never blocked by rivers or motorways. Street-network walks from
OSM are in :mod:`jamlik.routing.transit_walk`.

GTFS boarding rules
-------------------
These follow the GTFS Schedule reference (gtfs.org, "stop_times.txt", "trips.txt",
"transfers.txt"):

* **Pickup and drop-off.** A rider boards a trip at a stop only where its ``pickup_type`` is 0
  and alights only where its ``drop_off_type`` is 0. Types 2 (phone the agency) and 3
  (coordinate with the driver) are service on request: by default (``on_request="forbid"``)
  they count as not available, since a planner's accessibility figure should not rest on a call
  that may not be made; ``on_request="allow"`` treats them as regular stops. The rule is kept
  per route stop (``route_board``/``route_alight``); trips of one stop sequence with different
  rules form different routes. Nobody boards at a trip's last stop (there is nothing to ride,
  and staying seated into the block's next trip is for riders already aboard).
* **Transfers** (``transfers.txt``, stop-to-stop rows here; rows for particular routes or trips
  and the in-seat types 4/5 in :mod:`jamlik.networks.transfer_rules`).
  Between two different stops: type 3 removes the footpath; type 2 makes the footpath take
  exactly ``min_transfer_time`` seconds (added if the stops are out of walking reach); types 0
  (recommended) and 1 (timed) add the footpath at the walking rule's time when it is missing
  and otherwise change nothing. Within one stop (``from_stop_id == to_stop_id``) the rule sets
  the least time between alighting there and boarding another vehicle there
  (``stop_transfer_s``): type 2 ``min_transfer_time``, type 3 never (the rider may still walk to
  another stop), 0 and 1 no wait. A timed transfer (type 1) is not modelled as a vehicle that
  waits: times are those of the timetable. Rules apply to transfers between rides, never to the
  access and egress walks, and they are applied again when footpaths are replaced by street
  walks (:meth:`Timetable.with_footpaths`).
* **Blocks.** Trips with the same ``block_id`` are run by one vehicle. Sorted by first
  departure, each trip of a block is followed by the next one when it reaches its first stop
  no earlier than the first arrives at its last stop (``trip_next``); a rider still aboard at
  the last stop may stay seated into the following trip and ride on without a new boarding, a
  transfer or a ride counted (the GTFS reference: "riders can stay on the vehicle"). The next
  trip need not start at the stop where the first ended (the vehicle drives there). Trips whose
  times overlap within a block are not chained (counted in :attr:`Timetable.notes`). In-seat
  rows of ``transfers.txt`` then add (type 4) or remove (type 5) such links between two trips.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from jamlik.config import DEFAULT_PROFILE, profile
from jamlik.errors import DataError
from jamlik.geo import haversine_m
from jamlik.i18n import t
from jamlik.ingest.gtfs import TRANSFER_IDS, GTFSFeed
from jamlik.networks.transfer_rules import (
    ClassLinks,
    RuleClasses,
    apply_in_seat,
    class_links,
    rule_classes,
)

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "NO_TRANSFER",
    "OnRequest",
    "Timetable",
    "TimetableArrays",
    "TransferRules",
    "WalkLinks",
    "build_timetable",
    "walk_links",
]

DEFAULT_DETOUR_FACTOR = 1.3
#: ``stop_transfer_s`` of a stop where transfers are not possible (transfers.txt type 3).
NO_TRANSFER = 1 << 30
_EARTH_RADIUS_M = 6_371_008.8

OnRequest = Literal["forbid", "allow"]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


class TransferRules(NamedTuple):
    """Stop-to-stop rules of ``transfers.txt`` (stop numbers, type 0-3, seconds or -1)."""

    from_stop: I64
    to_stop: I64
    transfer_type: npt.NDArray[np.int8]
    min_transfer_s: I64

    @classmethod
    def none(cls) -> TransferRules:
        """Return an empty rule set."""
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0, np.int8),
            np.zeros(0, np.int64),
        )


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
    its footpaths (``transfers.ptr``, ``transfers.target``, ``transfers.seconds``). The boarding
    rules come last so that the kernels' slices of the first twelve fields stay as they were.
    The classes of route- and trip-level transfer rows travel apart, as :attr:`Timetable.links`
    (:class:`jamlik.networks.transfer_rules.ClassLinks`).
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
    route_board: Bools
    route_alight: Bools
    trip_next: I32
    trip_route: I32
    stop_transfer_s: I32


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
    route_board, route_alight
        Per entry of ``route_stops``: whether riders may board or alight there (module
        docstring, pickup and drop-off).
    trip_next
        Per trip (route order): the trip of the same block a rider may stay seated into, or -1.
    trip_route
        Per trip (route order): its route.
    stop_transfer_s
        Per stop: least seconds between alighting and boarding there, :data:`NO_TRANSFER` when
        transfers there are not possible (``transfers.txt`` rows within one stop).
    rules
        The stop-to-stop rules of ``transfers.txt``, applied to :attr:`transfers`.
    classes, entry_from_code, entry_to_code, links
        The rows of ``transfers.txt`` for particular routes or trips: their classes
        (:mod:`jamlik.networks.transfer_rules`), each ``route_stops`` entry's class codes, and
        the class links the kernels follow (recomputed with new footpaths).
    notes
        Plain-language notes on the rules applied (counts).
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
    route_board: Bools
    route_alight: Bools
    trip_next: I32
    trip_route: I32
    stop_transfer_s: I32
    rules: TransferRules
    classes: RuleClasses | None
    entry_from_code: I64
    entry_to_code: I64
    links: ClassLinks
    notes: tuple[str, ...] = ()

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
            route_board=self.route_board,
            route_alight=self.route_alight,
            trip_next=self.trip_next,
            trip_route=self.trip_route,
            stop_transfer_s=self.stop_transfer_s,
        )

    def with_footpaths(
        self,
        footpaths: WalkLinks,
        *,
        walk_speed_m_s: float,
        detour_factor: float,
        max_walk_m: float,
    ) -> Timetable:
        """Return the timetable with new footpaths (e.g. street walks), transfer rules applied.

        ``footpaths`` are the walks between distinct stops by the new walking rule; the rules of
        ``transfers.txt`` are applied to them as in :func:`build_timetable`.
        """
        links, self_s = _apply_rules(
            footpaths, self.rules, self.stop_lon, self.stop_lat, walk_speed_m_s, detour_factor
        )
        classes = class_links(
            self.classes,
            entry_from_code=self.entry_from_code,
            entry_to_code=self.entry_to_code,
            entry_stop=self.route_stops,
            raw_walks=(footpaths.ptr, footpaths.target, footpaths.seconds),
            ruled_walks=(links.ptr, links.target, links.seconds),
            stop_transfer_s=self_s,
            lon=self.stop_lon,
            lat=self.stop_lat,
            walk_speed_m_s=walk_speed_m_s,
            detour_factor=detour_factor,
        )
        return dataclasses.replace(
            self,
            transfers=links,
            stop_transfer_s=self_s,
            links=classes,
            walk_speed_m_s=walk_speed_m_s,
            detour_factor=detour_factor,
            max_walk_m=max_walk_m,
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
            t(
                "timetable.walking_rule",
                walk_speed_m_s=walk_speed_m_s,
                detour_factor=detour_factor,
                max_walk_m=max_walk_m,
            )
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
    walk_speed_m_s: float | None = None,
    max_walk_m: float = 1000.0,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    on_request: OnRequest = "forbid",
) -> Timetable:
    """Group the feed's trips into RAPTOR routes and compute footpaths between stops.

    Parameters
    ----------
    feed
        One service day from :func:`jamlik.ingest.gtfs.read_gtfs`.
    walk_speed_m_s, max_walk_m, detour_factor
        The crow-fly walking rule for footpaths; ``max_walk_m=0`` means transfers only at the
        same stop (and where ``transfers.txt`` adds one). The speed defaults to the default
        travel profile's (:data:`jamlik.config.DEFAULT_PROFILE`).
    on_request
        Whether stops with ``pickup_type``/``drop_off_type`` 2 or 3 (on request) let riders
        board and alight (module docstring).
    """
    if walk_speed_m_s is None:
        walk_speed_m_s = profile(DEFAULT_PROFILE).speed_m_s
    if on_request not in ("forbid", "allow"):
        raise DataError(t("timetable.on_request", on_request=on_request))
    st = feed.stop_times
    trip = st["trip"].to_numpy()
    stop = st["stop"].to_numpy().astype(np.int64)
    arr = st["arrival_s"].to_numpy().astype(np.int64)
    dep = st["departure_s"].to_numpy().astype(np.int64)
    board = _allowed(st, "pickup_type", on_request)
    alight = _allowed(st, "drop_off_type", on_request)
    first = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    board[np.r_[first[1:], len(trip)] - 1] = False  # nothing to ride on from a trip's last stop
    lengths = np.diff(np.r_[first, len(trip)])
    trip_codes = trip[first]
    # Group trips with the same stop sequence, boarding rules and classes of route- and trip-level
    # transfer rows (transfer_rules): key = bytes of all three.
    rule_code = (board.astype(np.int64) + 2 * alight.astype(np.int64)) << 40
    classes = rule_classes(feed.transfers, feed.trips, st)
    key_rows = np.column_stack(
        [stop + rule_code] + ([classes.from_code, classes.to_code] if classes is not None else [])
    )
    keys = [key_rows[a : a + m].tobytes() for a, m in zip(first, lengths, strict=True)]
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
    footpaths = walk_links(
        lon,
        lat,
        lon,
        lat,
        max_walk_m=max_walk_m,
        walk_speed_m_s=walk_speed_m_s,
        detour_factor=detour_factor,
        skip_self=True,
    )
    rules = _rules(feed, n_stops)
    transfers, stop_transfer_s = _apply_rules(
        footpaths, rules, lon, lat, walk_speed_m_s, detour_factor
    )
    trip_ids = feed.trips["trip_id"].to_numpy(dtype=object)[trip_codes[trip_order]]
    trip_route = np.repeat(np.arange(n_routes, dtype=np.int32), np.diff(route_trips_ptr))
    trip_next, overlapping = _block_successors(
        feed, trip_codes[trip_order], first[trip_order], lengths[trip_order], arr, dep
    )
    trip_next, seat_notes = apply_in_seat(
        trip_next,
        feed.transfers,
        trip_ids,
        arr[first[trip_order]],
        arr[first[trip_order] + lengths[trip_order] - 1],
    )
    # The rules of a route are those of its trips (grouped by them): read them off the first.
    rule_rows = flat_rows[route_times_ptr[route_of_entry] + pos_of_entry]
    no_code = np.zeros(len(route_stops), dtype=np.int64)
    entry_from_code = classes.from_code[rule_rows] if classes is not None else no_code
    entry_to_code = classes.to_code[rule_rows] if classes is not None else no_code
    links = class_links(
        classes,
        entry_from_code=entry_from_code,
        entry_to_code=entry_to_code,
        entry_stop=route_stops,
        raw_walks=(footpaths.ptr, footpaths.target, footpaths.seconds),
        ruled_walks=(transfers.ptr, transfers.target, transfers.seconds),
        stop_transfer_s=stop_transfer_s,
        lon=lon,
        lat=lat,
        walk_speed_m_s=walk_speed_m_s,
        detour_factor=detour_factor,
    )
    notes = list(seat_notes)
    chained = int((trip_next >= 0).sum())
    if chained or overlapping:
        notes.append(
            f"{chained} trips continue as the next trip of their block (riders may stay seated)"
            + (
                f"; {overlapping} block pairs overlap in time and are not chained"
                if overlapping
                else ""
            )
        )
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
        route_board=board[rule_rows],
        route_alight=alight[rule_rows],
        trip_next=trip_next,
        trip_route=trip_route,
        stop_transfer_s=stop_transfer_s,
        rules=rules,
        classes=classes,
        entry_from_code=entry_from_code,
        entry_to_code=entry_to_code,
        links=links,
        notes=tuple(notes),
    )


def _allowed(st: pd.DataFrame, column: str, on_request: OnRequest) -> Bools:
    """Whether each stop time allows boarding (``pickup_type``) or alighting (``drop_off_type``)."""
    if column not in st:
        return np.ones(len(st), dtype=bool)
    kind = st[column].fillna(0).to_numpy().astype(np.int64)
    return (kind == 0) | ((kind >= 2) & (on_request == "allow"))


def _rules(feed: GTFSFeed, n_stops: int) -> TransferRules:
    frame = feed.transfers
    if frame is None or frame.empty:
        return TransferRules.none()
    ok = frame["from_stop"].between(0, n_stops - 1) & frame["to_stop"].between(0, n_stops - 1)
    ok &= frame["transfer_type"].between(0, 3)
    if "from_route_id" in frame:  # rows naming routes or trips: transfer_rules
        ok &= ~frame[list(TRANSFER_IDS)].ne("").any(axis=1)
    frame = frame[ok]
    return TransferRules(
        frame["from_stop"].to_numpy(np.int64),
        frame["to_stop"].to_numpy(np.int64),
        frame["transfer_type"].to_numpy(np.int8),
        frame["min_transfer_s"].to_numpy(np.int64),
    )


def _apply_rules(
    footpaths: WalkLinks,
    rules: TransferRules,
    lon: F64,
    lat: F64,
    walk_speed_m_s: float,
    detour_factor: float,
) -> tuple[WalkLinks, I32]:
    """Apply ``transfers.txt`` rules to footpaths; return them and the per-stop transfer time.

    See the module docstring. When a pair has several rows, the first row counts.
    """
    n = len(footpaths.ptr) - 1
    self_s = np.zeros(n, dtype=np.int32)
    if rules.from_stop.size == 0:
        return footpaths, self_s
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(footpaths.ptr))
    pairs = pd.DataFrame(
        {"a": src, "b": footpaths.target.astype(np.int64), "s": footpaths.seconds.astype(np.int64)}
    )
    table = pd.DataFrame(
        {
            "a": rules.from_stop,
            "b": rules.to_stop,
            "kind": rules.transfer_type.astype(np.int64),
            "min_s": rules.min_transfer_s,
        }
    ).drop_duplicates(["a", "b"], keep="first")
    same = table[table["a"] == table["b"]]
    stop_s = np.where(same["kind"] == 3, NO_TRANSFER, np.where(same["kind"] == 2, same["min_s"], 0))
    self_s[same["a"].to_numpy()] = stop_s
    between = table[table["a"] != table["b"]]
    merged = pairs.merge(between, on=["a", "b"], how="outer")
    walked = haversine_m(
        lon[merged["a"].to_numpy()],
        lat[merged["a"].to_numpy()],
        lon[merged["b"].to_numpy()],
        lat[merged["b"].to_numpy()],
    )
    walk_s = np.rint(walked * detour_factor / walk_speed_m_s)
    seconds = merged["s"].to_numpy(np.float64)
    kind = merged["kind"].to_numpy(np.float64)
    seconds = np.where(np.isnan(seconds), walk_s, seconds)  # rule without a footpath: add one
    seconds = np.where(kind == 2, merged["min_s"].to_numpy(np.float64), seconds)
    keep = kind != 3
    merged = merged.assign(s=seconds)[keep].sort_values(["a", "b"], kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(merged["a"].to_numpy(np.int64), minlength=n), out=ptr[1:])
    links = WalkLinks(
        ptr=ptr,
        target=merged["b"].to_numpy(np.int32),
        seconds=merged["s"].to_numpy(np.int64).astype(np.int32),
    )
    return links, self_s


def _block_successors(
    feed: GTFSFeed, code_order: I64, start: I64, length: I64, arr: I64, dep: I64
) -> tuple[I32, int]:
    """Per trip in route order, the route-order index of the trip its vehicle runs next, or -1.

    ``code_order[g]`` is the feed trip of route-order trip ``g``, whose stop times are rows
    ``start[g] : start[g] + length[g]``. Returns the successors and the number of consecutive
    block pairs left unchained because they overlap in time.
    """
    n = code_order.size
    out = np.full(n, -1, dtype=np.int32)
    if "block_id" not in feed.trips or n == 0:
        return out, 0
    block = feed.trips["block_id"].fillna("").astype(str).to_numpy(dtype=object)[code_order]
    has = block != ""
    if not has.any():
        return out, 0
    g = np.flatnonzero(has)
    first_arr = arr[start[g]]
    first_dep = dep[start[g]]
    last_arr = arr[start[g] + length[g] - 1]
    order = np.lexsort((last_arr, first_dep, pd.factorize(block[g])[0]))
    g, first_arr, last_arr = g[order], first_arr[order], last_arr[order]
    same = block[g][1:] == block[g][:-1]
    fits = first_arr[1:] >= last_arr[:-1]
    link = same & fits
    out[g[:-1][link]] = g[1:][link]
    return out, int((same & ~fits).sum())


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
