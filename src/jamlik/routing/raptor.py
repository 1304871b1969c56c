"""Transit travel times with RAPTOR and range RAPTOR over a departure window.

RAPTOR (Delling, Pajor & Werneck 2012, "Round-Based Public Transit Routing", *Transportation
Science* 49(3), 591-604) finds earliest arrivals round by round, one round per ride. Range
RAPTOR (same paper, §4) answers a whole departure window: it runs the departure minutes from
the latest to the earliest and *reuses* the labels, since an arrival reachable when leaving
later is also reachable when leaving earlier (by waiting). The compiled kernels are in
:mod:`jamlik.routing._raptor_kernels`.

Per origin, destination and departure minute ``t`` the travel time is ``arrival(t) - t``
(waiting at the start included). Over the window's departures, :func:`travel_times` reports
the minimum and chosen percentiles (median by default, as R5/r5py), using the *nearest-rank*
percentile: the value of rank ``ceil(p / 100 * n)`` in the ``n`` sorted times, with
unreachable departures counted as infinitely long (so a median is empty when more than half of
the departures cannot reach the destination). :func:`range_minutes` is the same loop for walks
computed elsewhere, optionally counting an arrival only when the destination is open then and
the journey is not too long (transit access by hour, :mod:`jamlik.indicators.transit_access`).

Walking: origins and destinations walk crow-fly (see :mod:`jamlik.networks.timetable`), or on
the street network when the walks come from :mod:`jamlik.routing.transit_walk`, to
and from stops within the timetable's ``max_walk_m``; the direct walk from origin to
destination counts too when it is at most ``max_walk_m``. Between two rides one footpath of at
most ``max_walk_m`` may be walked. A journey is therefore: access walk, ride, (footpath, ride)
..., egress walk from the stop where the last vehicle was left; walks are never chained (an
access walk straight into an egress walk is not a journey, the direct walk is). A point given
by ``stop_id`` stands at the stop and walks from or to it like any other point (0 s to the stop
itself). A transfer slack, when set, is the least time between leaving one vehicle (or
ending the footpath after it) and boarding the next; the first boarding, from the access walk,
has none.

The feed's boarding rules hold in every query (:mod:`jamlik.networks.timetable`): riders board
only where ``pickup_type`` allows and alight only where ``drop_off_type`` allows, the
``transfers.txt`` rules set or forbid the changes between and within stops, for all trips or
for particular routes and trips (the most specific row applies,
:mod:`jamlik.networks.transfer_rules`), and a rider may stay seated into the next trip of the
same ``block_id`` or of an in-seat row (type 4) without a new ride.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, DuplicateIdError, MissingColumnError, UnknownIdError
from jamlik.i18n import t
from jamlik.ingest.opening_hours import OpeningSchedule
from jamlik.networks.timetable import Timetable, WalkLinks, walk_links
from jamlik.routing._raptor_kernels import INF, ArrivalRule, Links, range_many, stop_arrivals

# Origins differ in cost (a central one labels more stops): threads take this many at a time
# instead of one equal share each.
_ORIGINS_PER_CHUNK = 4

__all__ = [
    "PointWalks",
    "TravelTimes",
    "earliest_arrivals",
    "link_points",
    "percentile_ranks",
    "point_coordinates",
    "range_minutes",
    "travel_times",
]


@dataclass(frozen=True)
class TravelTimes:
    """Travel-time statistics from origins to destinations over a departure window.

    Attributes
    ----------
    origin_ids, destination_ids
        Ids in input order.
    statistics
        Names of the statistics: ``"min"`` then ``"p<percentile>"``.
    minutes
        ``(n_origins, n_destinations, n_statistics)`` float32 minutes; ``nan`` = unreachable.
    departures_s
        The departure times of the window (seconds since service-day midnight).
    """

    origin_ids: npt.NDArray[np.object_]
    destination_ids: npt.NDArray[np.object_]
    statistics: tuple[str, ...]
    minutes: npt.NDArray[np.float32]
    departures_s: npt.NDArray[np.int64]

    def to_frame(self) -> pd.DataFrame:
        """Long table ``origin_id, destination_id, minutes_min, minutes_p50, …``."""
        n_o, n_d, _ = self.minutes.shape
        frame = pd.DataFrame(
            {
                "origin_id": np.repeat(self.origin_ids, n_d),
                "destination_id": np.tile(self.destination_ids, n_o),
            }
        )
        for j, name in enumerate(self.statistics):
            frame[f"minutes_{name}"] = self.minutes[:, :, j].ravel().astype(np.float64)
        return frame


@dataclass(frozen=True)
class PointWalks:
    """Walks of origins and destinations computed outside the crow-fly rule (e.g. on streets).

    Attributes
    ----------
    access
        CSR by origin: stops reached on foot and seconds.
    egress
        CSR by destination: stops from which the destination is reached on foot, and seconds.
    direct
        CSR by origin: destinations reached on foot without transit, and seconds.
    """

    access: WalkLinks
    egress: WalkLinks
    direct: WalkLinks


def percentile_ranks(percentiles: Sequence[float], n: int) -> npt.NDArray[np.int64]:
    """Nearest-rank positions (0-based) of ``percentiles`` among ``n`` sorted values.

    ``rank = max(ceil(p / 100 * n), 1) - 1``; percentiles must lie in [0, 100].
    """
    ranks = []
    for p in percentiles:
        if not 0 <= p <= 100:
            raise DataError(t("raptor.percentile_range", p=p))
        ranks.append(max(math.ceil(p / 100 * n - 1e-9), 1) - 1)
    return np.asarray(ranks, dtype=np.int64)


def _check_points(points: pd.DataFrame, role: str) -> None:
    if "id" not in points.columns:
        raise MissingColumnError(t("raptor.points_no_id", role=role))
    has_xy = {"lon", "lat"} <= set(points.columns)
    if not has_xy and "stop_id" not in points.columns:
        raise MissingColumnError(
            t("raptor.points_no_position_columns", role=role, columns=", ".join(points.columns))
        )
    dup = points["id"].duplicated()
    if dup.any():
        raise DuplicateIdError(
            t("raptor.points_duplicate_id", role=role, id=points["id"][dup].iloc[0])
        )


def _point_coords(tt: Timetable, points: pd.DataFrame, role: str) -> tuple[np.ndarray, np.ndarray]:
    _check_points(points, role)
    n = len(points)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if "stop_id" in points.columns:
        sid = points["stop_id"].astype(str).str.strip()
        use = sid.ne("") & sid.ne("nan")
        index = pd.Index(tt.stop_ids).get_indexer(sid[use])
        if (index < 0).any():
            bad = sid[use].iloc[int(np.flatnonzero(index < 0)[0])]
            raise UnknownIdError(t("raptor.points_unknown_stop", role=role, stop_id=bad))
        lon[use.to_numpy()] = tt.stop_lon[index]
        lat[use.to_numpy()] = tt.stop_lat[index]
    if {"lon", "lat"} <= set(points.columns):
        missing = np.isnan(lon)
        lon[missing] = pd.to_numeric(points["lon"], errors="coerce").to_numpy()[missing]
        lat[missing] = pd.to_numeric(points["lat"], errors="coerce").to_numpy()[missing]
    bad = np.isnan(lon) | np.isnan(lat) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(  # the file's line: the header is line 1
            t("raptor.points_no_position", role=role, line=row + 2, id=points["id"].iloc[row])
        )
    return lon, lat


def point_coordinates(
    tt: Timetable, points: pd.DataFrame, *, role: str = "points"
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 ``lon, lat`` of points given as ``id,lon,lat`` or ``id,stop_id`` (checked)."""
    return _point_coords(tt, points, role)


def link_points(tt: Timetable, points: pd.DataFrame, *, role: str = "points") -> WalkLinks:
    """Link each point (``id,lon,lat`` or ``id,stop_id``) to the stops within walking reach.

    A point given by ``stop_id`` stands at that stop: it reaches the stop itself in 0 s and the
    stops around it on foot.
    """
    lon, lat = _point_coords(tt, points, role)
    return _walks(tt, lon, lat, tt.stop_lon, tt.stop_lat)


def _walks(
    tt: Timetable,
    from_lon: npt.NDArray[np.float64],
    from_lat: npt.NDArray[np.float64],
    to_lon: npt.NDArray[np.float64],
    to_lat: npt.NDArray[np.float64],
) -> WalkLinks:
    """Crow-fly walks by the timetable's walking rule."""
    return walk_links(
        from_lon,
        from_lat,
        to_lon,
        to_lat,
        max_walk_m=tt.max_walk_m,
        walk_speed_m_s=tt.walk_speed_m_s,
        detour_factor=tt.detour_factor,
    )


def _check_options(max_rides: int, transfer_slack_s: int) -> None:
    if max_rides < 1:
        raise DataError(t("raptor.max_rides", max_rides=max_rides))
    if transfer_slack_s < 0:
        raise DataError(t("raptor.transfer_slack", transfer_slack_s=transfer_slack_s))


def earliest_arrivals(
    tt: Timetable,
    *,
    access_stops: npt.ArrayLike,
    access_s: npt.ArrayLike,
    departures_s: npt.ArrayLike,
    max_rides: int = 4,
    transfer_slack_s: int = 0,
    reuse_labels: bool = True,
) -> npt.NDArray[np.float64]:
    """Earliest arrival at every stop after 1 to ``max_rides`` rides, for each departure.

    Parameters
    ----------
    access_stops, access_s
        The stops the origin reaches on foot and the walking seconds.
    departures_s
        Departure times (seconds since service-day midnight), any order.
    reuse_labels
        Range RAPTOR (True) or independent single-departure queries (False); the results are
        identical, only the speed differs.

    Returns
    -------
    ndarray
        ``(n_departures, n_stops)`` arrival seconds, ``inf`` when not reachable by transit.
    """
    _check_options(max_rides, transfer_slack_s)
    deps = np.asarray(departures_s, dtype=np.int64)
    order = np.argsort(deps, kind="stable")
    raw = stop_arrivals(
        tt.kernel_arrays(),
        tt.links,
        np.asarray(access_stops, dtype=np.int32),
        np.asarray(access_s, dtype=np.int32),
        deps[order],
        int(max_rides),
        int(transfer_slack_s),
        bool(reuse_labels),
    )
    out = np.where(raw >= INF, np.inf, raw.astype(np.float64))
    result = np.empty_like(out)
    result[order] = out
    return result


def travel_times(
    tt: Timetable,
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    departure_s: int,
    window_min: int = 60,
    max_rides: int = 4,
    transfer_slack_s: int = 0,
    percentiles: Sequence[float] = (50,),
    reuse_labels: bool = True,
    walks: PointWalks | None = None,
) -> TravelTimes:
    """Travel-time statistics over the departure window, origins × destinations.

    Parameters
    ----------
    tt
        Timetable (its walking rule applies to access, egress and direct walks).
    origins, destinations
        Rows ``id,lon,lat`` (WGS84) or ``id,stop_id``.
    departure_s
        First departure, seconds since service-day midnight.
    window_min
        Departures every minute in ``[departure_s, departure_s + window_min)``; 0 means the
        single departure ``departure_s``.
    max_rides, transfer_slack_s
        At most this many vehicles; least seconds between arriving at a stop after a ride
        (vehicle or footpath) and boarding the next vehicle there.
    percentiles
        Percentiles of travel time over the window (nearest rank) besides the minimum.
    reuse_labels
        Range RAPTOR (default) or repeated single-departure RAPTOR (for comparison).
    walks
        Access, egress and direct walks computed elsewhere (street network, see
        :mod:`jamlik.routing.transit_walk`) instead of the timetable's crow-fly rule.
    """
    _check_options(max_rides, transfer_slack_s)
    if window_min < 0:
        raise DataError(t("raptor.window", window_min=window_min))
    n_dep = max(int(window_min), 1)
    departures = int(departure_s) + 60 * np.arange(n_dep, dtype=np.int64)
    stats = ("min", *(f"p{p:g}" for p in percentiles))
    ranks = np.concatenate([[0], percentile_ranks(percentiles, n_dep)]).astype(np.int64)
    if walks is None:
        access = link_points(tt, origins, role="origins")
        egress_rev = link_points(tt, destinations, role="destinations")
        o_lon, o_lat = _point_coords(tt, origins, "origins")
        d_lon, d_lat = _point_coords(tt, destinations, "destinations")
        direct = _walks(tt, o_lon, o_lat, d_lon, d_lat)
    else:
        _check_points(origins, "origins")
        _check_points(destinations, "destinations")
        access, egress_rev, direct = walks.access, walks.egress, walks.direct
        sizes = (len(access.ptr) - 1, len(egress_rev.ptr) - 1, len(direct.ptr) - 1)
        if sizes != (len(origins), len(destinations), len(origins)):
            raise DataError(
                t(
                    "raptor.walks_size",
                    walk_origins=sizes[0],
                    walk_destinations=sizes[1],
                    origins=len(origins),
                    destinations=len(destinations),
                )
            )
    minutes = range_minutes(
        tt,
        access=access,
        egress=egress_rev,
        direct=direct,
        departures_s=departures,
        ranks=ranks,
        max_rides=max_rides,
        transfer_slack_s=transfer_slack_s,
        reuse_labels=reuse_labels,
    )
    return TravelTimes(
        origin_ids=origins["id"].to_numpy(dtype=object),
        destination_ids=destinations["id"].to_numpy(dtype=object),
        statistics=stats,
        minutes=minutes,
        departures_s=departures,
    )


def _links(walks: WalkLinks) -> Links:
    return Links(ptr=walks.ptr, target=walks.target, seconds=walks.seconds)


def range_minutes(
    tt: Timetable,
    *,
    access: WalkLinks,
    egress: WalkLinks,
    direct: WalkLinks,
    departures_s: npt.NDArray[np.int64],
    ranks: npt.NDArray[np.int64],
    max_rides: int = 4,
    transfer_slack_s: int = 0,
    reuse_labels: bool = True,
    open_at_arrival: OpeningSchedule | None = None,
    max_trip_s: int | None = None,
) -> npt.NDArray[np.float32]:
    """Travel-time statistics (minutes) over departures, origins × destinations, one range loop.

    Parameters
    ----------
    tt
        Timetable (with its footpaths).
    access, egress, direct
        CSR walks: origin -> stop, destination -> stop (walked stop -> destination), origin ->
        destination.
    departures_s
        Departure times, increasing (seconds since service-day midnight).
    ranks
        0-based ranks of the statistics among a window's sorted times
        (:func:`percentile_ranks`; 0 is the minimum).
    max_rides, transfer_slack_s, reuse_labels
        As :func:`travel_times`.
    open_at_arrival
        Opening intervals of the destinations: an arrival when the destination is closed counts
        as unreachable for that departure (no waiting for it to open). ``None``: always open.
    max_trip_s
        Journeys longer than this (waiting at the origin included) count as unreachable;
        ``None``: no limit. The search stops labelling stops beyond it, which is also faster.

    Returns
    -------
    ndarray
        ``(n_origins, n_destinations, len(ranks))`` float32 minutes, NaN when unreachable.
    """
    _check_options(max_rides, transfer_slack_s)
    n_dest = len(egress.ptr) - 1
    if len(direct.ptr) != len(access.ptr):
        raise DataError(
            t("raptor.direct_walks_size", access=len(access.ptr) - 1, direct=len(direct.ptr) - 1)
        )
    if open_at_arrival is None:
        empty = np.zeros(0, dtype=np.int64)
        rule = ArrivalRule(
            np.zeros(n_dest + 1, dtype=np.int64), empty, empty, np.ones(n_dest, dtype=np.bool_), 0
        )
    else:
        if open_at_arrival.n_places != n_dest:
            raise DataError(
                t(
                    "raptor.opening_schedules_size",
                    schedules=open_at_arrival.n_places,
                    destinations=n_dest,
                )
            )
        rule = ArrivalRule(
            open_at_arrival.ptr,
            open_at_arrival.start_s,
            open_at_arrival.end_s,
            open_at_arrival.always_open,
            0,
        )
    if max_trip_s is not None and max_trip_s < 0:
        raise DataError(t("raptor.max_trip", max_trip_s=max_trip_s))
    deps = np.asarray(departures_s, dtype=np.int64)
    ranks = np.asarray(ranks, dtype=np.int64)
    if deps.size == 0 or (np.diff(deps) <= 0).any():
        raise DataError(t("raptor.departures_order"))
    if ranks.size and (ranks.min() < 0 or ranks.max() >= deps.size):
        raise DataError(t("raptor.ranks_range", last=deps.size - 1, n=deps.size))
    rule = rule._replace(max_trip_s=INF if max_trip_s is None else min(int(max_trip_s), INF))
    with numba.parallel_chunksize(_ORIGINS_PER_CHUNK):
        seconds = range_many(
            tt.kernel_arrays(),
            tt.links,
            _links(access),
            _links(egress.transposed(tt.n_stops)),
            _links(direct),
            deps,
            int(max_rides),
            int(transfer_slack_s),
            bool(reuse_labels),
            ranks,
            rule,
        )
    minutes: npt.NDArray[np.float32] = seconds / np.float32(60.0)  # float32: tables stay small
    minutes[np.isinf(minutes)] = np.nan
    return minutes
