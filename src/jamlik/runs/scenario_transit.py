"""Apply a scenario's public-transport changes to one service day of a feed, without GTFS files.

Rules the changes follow
------------------------
* **A new line** (``[[transit_lines]]``) gets one stop per listed point (ids
  ``scenario:<line>:<i>``), a route ``scenario:<line>`` with the GTFS ``route_type`` of its mode
  (tram 0, metro 1, rail 2, bus 3, ferry 4), and trips that leave the first stop at ``start``,
  ``start + h``, … while before ``end`` for every headway of the service date's day type
  (weekday, Saturday, Sunday). Run time of leg ``i`` is ``run_times_min[i]``, or the great-circle
  length of the leg at ``speed_kmh``; each intermediate stop adds ``dwell_s`` (arrival, then
  departure ``dwell_s`` later). Times are rounded to whole seconds. With ``both_directions``
  the same trips run back from the last stop.
* **Closed stops** (``[[closed_stops]]``): trips no longer stop there (their other stops keep
  their times); a trip left with fewer than two stops is dropped.
* **Headway changes** (``[[headway_changes]]``) of an existing route apply to the windows of
  the service date's day type. Within a window ``[start, end)`` the route's trips are grouped
  by *pattern* (their ordered stops); the trips of a pattern that leave their first stop in
  the window are replaced by trips leaving at ``t0``, ``t0 + h``, ... while before ``end``,
  where ``t0`` is the pattern's first departure in the window (so the first trip keeps its
  time and the timetable its phase) and ``h`` the new headway. Each new trip has the stop
  times of that first trip, shifted: run and dwell times stay as they are. A pattern with no
  trip in the window gets none (a headway change sets how often existing service runs; an
  hour without service is a new line). Route ids match as written in ``routes.txt``, also
  when the feeds were read with prefixes (``<prefix>:<route_id>``). New trips are named
  ``<template trip>:headway:<departure s>``.

The result is a :class:`~jamlik.ingest.gtfs.GTFSFeed` like one read from files, so timetables,
RAPTOR and transit access run on it unchanged. :func:`scenario_transit_access` runs transit
access today and with the plan: both from the service days written back as GTFS
(:func:`write_service_days`), so that they differ only by the scenario;
:func:`scenario_transit` also returns the stops the plan touches (:func:`changed_stops`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, GTFSError
from jamlik.geo import haversine_m
from jamlik.i18n import t
from jamlik.ingest import Pack
from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.ingest.pack import GtfsConfig
from jamlik.ingest.scenario import Headway, Scenario, TransitLine, entry_crs, to_crs
from jamlik.runs.transit_access import (
    TransitAccess,
    TransitAccessOptions,
    compute_transit_access,
    representative_dates,
)

__all__ = [
    "ROUTE_TYPES",
    "ScenarioTransit",
    "changed_stops",
    "edit_feed",
    "line_tables",
    "scenario_transit",
    "scenario_transit_access",
    "write_service_days",
]

ROUTE_TYPES = {"tram": 0, "metro": 1, "rail": 2, "bus": 3, "ferry": 4}
_DAY_TYPES = {5: "saturday", 6: "sunday"}


def _day_type(date: dt.date) -> str:
    return _DAY_TYPES.get(date.weekday(), "weekday")


def _schedule(legs_s: np.ndarray, dwell_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Arrival and departure at each stop, seconds after the first departure."""
    n = legs_s.size + 1
    arrive, depart = np.zeros(n), np.zeros(n)
    for i in range(1, n):
        arrive[i] = depart[i - 1] + legs_s[i - 1]
        depart[i] = arrive[i] + (dwell_s if i < n - 1 else 0.0)
    return arrive, depart


def line_tables(
    scenario: Scenario, line: TransitLine, service_date: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the stops, trips and stop times of one new line on ``service_date``.

    Returns ``stops`` (``stop_id, stop_name, lon, lat``), ``trips`` (``trip_id, route_id,
    service_id, route_type``) and ``stop_times`` (``trip_id``, ``stop_id``, ``stop_sequence``,
    ``arrival_s``, ``departure_s``).
    """
    lonlat = to_crs(line.stops, from_crs=entry_crs(scenario, line), to="EPSG:4326")
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    n = lon.size
    ids = [f"scenario:{line.name}:{i}" for i in range(n)]
    names = line.stop_names or [f"{line.name} {i + 1}" for i in range(n)]
    stops = pd.DataFrame({"stop_id": ids, "stop_name": names, "lon": lon, "lat": lat})
    if line.run_times_min is not None:
        legs_s = np.asarray(line.run_times_min, dtype=np.float64) * 60.0
    else:
        assert line.speed_kmh is not None  # validated: one of the two is given
        legs_s = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]) / (line.speed_kmh / 3.6)
    day = _day_type(service_date)
    starts: list[int] = []
    for headway in line.headways:
        if headway.day_type != day:
            continue
        lo, hi = headway.window_s
        starts.extend(np.arange(lo, hi, headway.minutes * 60.0).round().astype(int).tolist())
    starts = sorted(set(starts))
    directions = [("out", np.arange(n))]
    if line.both_directions:
        directions.append(("back", np.arange(n)[::-1]))
    trips, times = [], []
    route = f"scenario:{line.name}"
    for direction, order in directions:
        legs = legs_s if direction == "out" else legs_s[::-1]
        arrive, depart = _schedule(legs, line.dwell_s)
        for start in starts:
            trip_id = f"{route}:{direction}:{start}"
            trips.append((trip_id, route, "scenario", ROUTE_TYPES[line.mode]))
            for seq, stop in enumerate(order):
                at, off = int(round(start + arrive[seq])), int(round(start + depart[seq]))
                times.append((trip_id, ids[stop], seq, at, off))
    trips_frame = pd.DataFrame(trips, columns=["trip_id", "route_id", "service_id", "route_type"])
    columns = ["trip_id", "stop_id", "stop_sequence", "arrival_s", "departure_s"]
    return stops, trips_frame, pd.DataFrame(times, columns=columns)


def _new_headway(
    trips: pd.DataFrame, stop_times: pd.DataFrame, route_id: str, headway: Headway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return trips and stop times with one route's departures in one window regenerated."""
    routes = trips["route_id"].astype(str)
    on_route = np.flatnonzero(
        ((routes == route_id) | routes.str.endswith(":" + route_id)).to_numpy()
    )
    mine = stop_times[stop_times["trip"].isin(on_route)]
    if mine.empty:
        return trips, stop_times
    lo, hi = headway.window_s
    step_s = headway.minutes * 60.0
    by_trip = mine.groupby("trip", sort=True)
    start = by_trip["departure_s"].first()
    pattern = by_trip["stop"].agg(tuple)
    in_window = start[(start >= lo) & (start < hi)]
    drop: list[int] = []
    new_trips: list[tuple[object, ...]] = []
    new_times: list[pd.DataFrame] = []
    for _, group in in_window.groupby(pattern.loc[in_window.index], sort=False):
        template = int(group.sort_values(kind="stable").index[0])
        t0 = int(group.min())
        times = mine[mine["trip"] == template]
        drop.extend(int(j) for j in group.index)
        row = trips.iloc[template]
        for departure in np.arange(t0, hi, step_s).round().astype(np.int64):
            j = len(trips) + len(new_trips)
            new_trips.append(
                (
                    f"{row['trip_id']}:headway:{departure}",
                    row["route_id"],
                    row["service_id"],
                    row["route_type"],
                )
            )
            shift = int(departure) - t0
            new_times.append(
                times.assign(
                    trip=j,
                    arrival_s=times["arrival_s"] + shift,
                    departure_s=times["departure_s"] + shift,
                )
            )
    added = pd.DataFrame(new_trips, columns=["trip_id", "route_id", "service_id", "route_type"])
    # Regenerated trips run on their own timetable: no block (a rider cannot stay seated into
    # a trip whose times were made up here); other columns the feed carries stay blank.
    added = added.reindex(columns=trips.columns, fill_value="")
    trips = pd.concat([trips, added.astype(trips.dtypes.to_dict())], ignore_index=True)
    kept = stop_times[~stop_times["trip"].isin(drop)]
    stop_times = pd.concat([kept, *new_times], ignore_index=True)
    return trips, stop_times


def edit_feed(feed: GTFSFeed, scenario: Scenario) -> GTFSFeed:
    """Return ``feed`` with the scenario's new lines and closed stops (module docstring).

    Raises
    ------
    DataError
        On a closed stop that is not in the feed.
    """
    stops, trips, stop_times = feed.stops, feed.trips, feed.stop_times
    closed = {s for entry in scenario.closed_stops for s in entry.stop_ids}
    if closed:
        unknown = sorted(closed - set(stops["stop_id"]))
        if unknown:
            raise DataError(t("transit_runs.closed_stops_unknown", stops=unknown[:5]))
        rows = np.flatnonzero(stops["stop_id"].isin(closed).to_numpy())
        stop_times = stop_times[~stop_times["stop"].isin(rows)]
        count = stop_times.groupby("trip")["stop"].transform("size")
        stop_times = stop_times[count >= 2]
    day = _day_type(feed.service_date)
    for change in scenario.headway_changes:
        for headway in change.headways:
            if headway.day_type == day:
                trips, stop_times = _new_headway(trips, stop_times, change.route_id, headway)
    for line in scenario.transit_lines:
        new_stops, new_trips, new_times = line_tables(scenario, line, feed.service_date)
        stop_row = {sid: len(stops) + i for i, sid in enumerate(new_stops["stop_id"])}
        trip_row = {tid: len(trips) + i for i, tid in enumerate(new_trips["trip_id"])}
        stops = pd.concat([stops, new_stops], ignore_index=True)
        trips = pd.concat([trips, new_trips], ignore_index=True)
        added = pd.DataFrame(
            {
                "trip": new_times["trip_id"].map(trip_row).to_numpy(),
                "stop": new_times["stop_id"].map(stop_row).to_numpy(),
                "stop_sequence": new_times["stop_sequence"].to_numpy(),
                "arrival_s": new_times["arrival_s"].to_numpy(dtype=np.int64),
                "departure_s": new_times["departure_s"].to_numpy(dtype=np.int64),
            }
        )
        stop_times = pd.concat(
            [stop_times, added.astype({c: t for c, t in stop_times.dtypes.items() if c in added})],
            ignore_index=True,
        )
    stop_times = stop_times.sort_values(["trip", "stop_sequence"], kind="stable").reset_index(
        drop=True
    )
    return dataclasses.replace(feed, stops=stops, trips=trips, stop_times=stop_times)


def _clock(seconds: npt.NDArray[np.int64]) -> list[str]:
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in seconds.tolist()]


def write_service_days(feeds: Mapping[str, GTFSFeed], path: Path) -> Path:
    """Write the service days ``{service_id: feed}`` as one GTFS zip at ``path``.

    Each feed's trips run on its own date only (``calendar_dates.txt``, service id = the key,
    trip ids ``<key>:<trip_id>``). Trips of the day before that run past midnight (ids ending
    ``@prev``) have negative times, which GTFS cannot hold: they are left out.
    """
    stops, routes, trips, times, dates = [], [], [], [], []
    for key, feed in feeds.items():
        st = feed.stop_times
        keep = ~feed.trips["trip_id"].astype(str).str.endswith("@prev").to_numpy()
        st = st[keep[st["trip"].to_numpy()]]
        trip_ids = key + ":" + feed.trips["trip_id"].astype(str)
        used = np.unique(st["trip"].to_numpy())
        trips.append(
            pd.DataFrame(
                {
                    "route_id": feed.trips["route_id"].astype(str).iloc[used],
                    "service_id": key,
                    "trip_id": trip_ids.iloc[used],
                }
            )
        )
        routes.append(feed.trips[["route_id", "route_type"]].iloc[used])
        stop_ids = feed.stops["stop_id"].astype(str).to_numpy()
        times.append(
            pd.DataFrame(
                {
                    "trip_id": trip_ids.to_numpy()[st["trip"].to_numpy()],
                    "arrival_time": _clock(st["arrival_s"].to_numpy(dtype=np.int64)),
                    "departure_time": _clock(st["departure_s"].to_numpy(dtype=np.int64)),
                    "stop_id": stop_ids[st["stop"].to_numpy()],
                    "stop_sequence": st["stop_sequence"].to_numpy(),
                }
            )
        )
        stops.append(feed.stops.assign(stop_id=stop_ids))
        dates.append((key, feed.service_date.strftime("%Y%m%d"), 1))
    stop_table = pd.concat(stops).drop_duplicates("stop_id")
    route_table = pd.concat(routes).astype({"route_id": str}).drop_duplicates("route_id")
    tables = {
        "agency.txt": pd.DataFrame(
            {
                "agency_id": ["plan"],
                "agency_name": ["plan"],
                "agency_url": ["https://example.org"],
                "agency_timezone": ["UTC"],
            }
        ),
        "routes.txt": route_table.assign(
            agency_id="plan", route_short_name=route_table["route_id"]
        ),
        "stops.txt": pd.DataFrame(
            {
                "stop_id": stop_table["stop_id"],
                "stop_name": stop_table["stop_name"].fillna(""),
                "stop_lat": stop_table["lat"].map(repr),
                "stop_lon": stop_table["lon"].map(repr),
            }
        ),
        "trips.txt": pd.concat(trips),
        "stop_times.txt": pd.concat(times),
        "calendar_dates.txt": pd.DataFrame(dates, columns=["service_id", "date", "exception_type"]),
    }
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, table in tables.items():
            archive.writestr(name, table.to_csv(index=False))
    tmp.replace(path)
    return path


_STOP_COLUMNS = ["stop_id", "stop_name", "lon", "lat", "change", "entry"]


def changed_stops(feed: GTFSFeed, scenario: Scenario) -> pd.DataFrame:
    """Return the stops of ``feed``'s day that the scenario touches.

    Columns ``stop_id, stop_name, lon, lat, change, entry``: ``change`` is ``new`` (a stop of
    a new line), ``closed`` or ``headway`` (a stop served by a route whose headways change);
    ``entry`` names the scenario entry (line name, route id or the closure's name).
    """
    parts = []
    for line in scenario.transit_lines:
        stops, _, _ = line_tables(scenario, line, feed.service_date)
        parts.append(stops.assign(change="new", entry=line.name))
    ids = feed.stops["stop_id"].astype(str)
    for entry in scenario.closed_stops:
        rows = feed.stops[ids.isin(entry.stop_ids).to_numpy()]
        parts.append(rows.assign(change="closed", entry=entry.name or ", ".join(entry.stop_ids)))
    routes = feed.trips["route_id"].astype(str)
    for change in scenario.headway_changes:
        on_route = (routes == change.route_id) | routes.str.endswith(":" + change.route_id)
        trips = np.flatnonzero(on_route.to_numpy())
        used = np.unique(feed.stop_times.loc[feed.stop_times["trip"].isin(trips), "stop"])
        rows = feed.stops.iloc[used]
        parts.append(rows.assign(change="headway", entry=change.name or change.route_id))
    if not parts:
        return pd.DataFrame(columns=_STOP_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    frame["stop_id"] = frame["stop_id"].astype(str)
    frame["stop_name"] = frame["stop_name"].fillna("").astype(str)
    return frame[_STOP_COLUMNS]


@dataclasses.dataclass(frozen=True)
class ScenarioTransit:
    """Transit access today and with a plan, and the stops the plan touches.

    Attributes
    ----------
    today, plan
        The two runs (:func:`jamlik.runs.transit_access.compute_transit_access`).
    stops
        :func:`changed_stops` over the service days run, one row per stop and change.
    """

    today: TransitAccess
    plan: TransitAccess
    stops: pd.DataFrame


def scenario_transit_access(
    pack: Pack,
    scenario: Scenario,
    *,
    options: TransitAccessOptions,
    folder: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[TransitAccess, TransitAccess]:
    """Transit access today and with the scenario (:func:`scenario_transit` without stops)."""
    runs = scenario_transit(pack, scenario, options=options, folder=folder, progress=progress)
    return runs.today, runs.plan


def scenario_transit(
    pack: Pack,
    scenario: Scenario,
    *,
    options: TransitAccessOptions,
    folder: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScenarioTransit:
    """Transit access today and with the scenario's lines, headways and closed stops.

    The service days of :func:`jamlik.runs.transit_access.compute_transit_access` (one date per
    day type) are read from the pack's feeds, edited (:func:`edit_feed`) and written as GTFS
    to ``folder`` (:func:`write_service_days`); both runs read such a file, so that today and
    the plan differ only by the scenario (an empty scenario gives equal tables).

    Raises
    ------
    DataError
        If the pack has no GTFS feed or no day type has service.
    """
    if not pack.gtfs_paths:
        raise DataError(t("transit_runs.no_feed_to_change", name=pack.name))
    names = [f.name or f"feed{i + 1}" for i, f in enumerate(pack.config.gtfs)]
    today: dict[str, GTFSFeed] = {}
    plan: dict[str, GTFSFeed] = {}
    for kind, date in representative_dates(options.date, options.day_types).items():
        try:
            feed = read_gtfs(pack.gtfs_paths, service_date=date, prefixes=names)
        except GTFSError:
            continue
        today[kind] = feed
        plan[kind] = edit_feed(feed, scenario)
    if not today:
        raise DataError(t("transit_runs.no_trip_near_date", name=pack.name, date=options.date))
    runs = []
    for label, feeds in (("today", today), ("plan", plan)):
        zipped = write_service_days(feeds, folder / f"{label}.zip")
        copy = _copy_pack(pack, zipped)
        runs.append(compute_transit_access(copy, options=options, progress=progress))
    stops = pd.concat([changed_stops(feed, scenario) for feed in today.values()])
    stops = stops.drop_duplicates(["stop_id", "change", "entry"]).reset_index(drop=True)
    return ScenarioTransit(today=runs[0], plan=runs[1], stops=stops)


def _copy_pack(pack: Pack, feed: Path) -> Pack:
    """Return the pack with one GTFS feed in place of its own."""
    out = copy.copy(pack)
    out.config = pack.config.model_copy(update={"gtfs": [GtfsConfig(path=str(feed), name="plan")]})
    return out
