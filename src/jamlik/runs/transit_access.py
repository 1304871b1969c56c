"""Transit accessibility of a pack by hour and day type, counting only places open on arrival.

For every hour ``h`` of the day and every day type (weekday, Saturday, Sunday) this module runs
range RAPTOR (:mod:`jamlik.routing.raptor`) over the departure window ``[h:00, h+1:00)``, one
departure per minute, from the residents' origins to the opportunities of the pack, and
aggregates per area and population group with :func:`jamlik.indicators.access.aggregate_access`.
The output is a long table ``day_type, date, hour, area_id, group, indicator, value,
population, no_access_share`` so that a planner sees at which hours access collapses, and for
whom.

Rules the numbers follow
------------------------
* **Dates.** Each day type is represented by one date of the feed's calendar: the first date on
  or after ``date`` with that day type (weekday: ``date`` itself when it is Monday-Friday, else
  the next Monday). The dates used are in :attr:`TransitAccess.dates` and in the table. A date
  on which no trip runs is skipped with a note. Public holidays are not detected.
* **Walking** is on the walk street network (:mod:`jamlik.routing.transit_walk`): access,
  egress, transfers and the direct walk, each at most ``max_walk_m``, at the speed of each
  travel profile in ``profiles`` (:mod:`jamlik.config`: the same speeds as walk mode; adult by
  default), or at ``walk_speed_kmh`` when given. Every profile is a full run and the table has
  a ``profile`` column. Steps are walked at their length in transit walks, so the
  ``wheelchair`` profile may use steps to reach a stop: a note says so.
* **GTFS boarding rules** (pickup/drop-off types, ``transfers.txt``, blocks) apply as in
  :mod:`jamlik.networks.timetable`; stops served on request count only with
  ``on_request="allow"``. The notes give the counts of the feeds.
* **Origins are clustered**: resident nodes are grouped in square cells of ``origin_cell_m``
  (in the pack CRS) and each cell is represented by its resident node nearest to the
  population-weighted centre of the cell. Every resident of the cell gets the travel times of
  that node, so times are approximate by the walk inside a cell (about ``origin_cell_m / 2``
  metres); ``origin_cell_m = 0`` routes from every resident node.
* **Open on arrival.** For departure minute ``t`` the time to opportunity ``j`` is
  ``a_j(t) - t`` with ``a_j(t)`` the earliest arrival at ``j`` (waiting at the origin
  included), *if* ``j`` is open at ``a_j(t)``
  (:mod:`jamlik.ingest.opening_hours`) and ``a_j(t) - t <= max_trip_min`` (default 120
  minutes, as r5r's ``max_trip_duration``); otherwise ``j`` is unreachable for that minute. A later
  journey that would find it open is not searched (no waiting for opening time). Places
  without hours are always open; the notes say how many.
* **Statistics over the window, as R5** (Conway, Byrd & van der Linden 2017, "Evidence-based
  transit and land use sketch planning using interactive accessibility methods on combined
  schedule and headway-based networks", *Transportation Research Record* 2653): per origin and
  opportunity the ``percentile``-th travel time over the window's minutes (nearest rank,
  unreachable minutes counted as infinite), ``p_j``. Then
  ``nearest = min_j p_j`` over the category's opportunities (NaN: none reachable) and
  ``count_T = sum_j w_j [p_j <= T]`` (cumulative opportunities, Geurs & van Wee 2004).
* Opportunities are the pack's OSM destinations (polygons at their representative point) and
  its opportunity layers (weight = count); ``transit_stop`` is left out unless asked for.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jamlik.config import DEFAULT_PROFILE, WALK_PROFILES, profile
from jamlik.errors import DataError, GTFSError
from jamlik.i18n import format_number, t
from jamlik.indicators.access.aggregate import aggregate_access
from jamlik.ingest import OSMData, Pack, extract_pois, read_osm
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.opening_hours import (
    OpeningSchedule,
    load_hours_overrides,
    opening_schedule,
    pack_overrides_path,
)
from jamlik.networks import build_street_network
from jamlik.networks.timetable import Timetable, WalkLinks, build_timetable
from jamlik.routing.raptor import percentile_ranks, range_minutes
from jamlik.routing.transit_walk import StreetWalker, street_transfers
from jamlik.runs.inputs import pack_residents

__all__ = [
    "DayType",
    "TransitAccess",
    "TransitAccessOptions",
    "compute_transit_access",
    "open_travel_times",
    "representative_dates",
]

log = logging.getLogger(__name__)
DayType = Literal["weekday", "saturday", "sunday"]
Progress = Callable[[str, int, int], None]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]


class TransitAccessOptions(BaseModel):
    """Options of a transit accessibility run over hours and day types (validated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    day_types: tuple[DayType, ...] = ("weekday", "saturday", "sunday")
    hours: tuple[int, ...] = tuple(range(6, 24))
    categories: tuple[str, ...] | None = None
    cutoffs_min: tuple[float, ...] = (15, 30, 45, 60)
    percentile: float = Field(default=50, ge=0, le=100)
    profiles: tuple[str, ...] = (DEFAULT_PROFILE,)
    on_request: Literal["forbid", "allow"] = "forbid"
    walk_speed_kmh: float | None = Field(default=None, gt=0, le=20)
    max_walk_m: float = Field(default=1000.0, ge=0)
    max_snap_m: float = Field(default=500.0, gt=0)
    max_rides: int = Field(default=4, ge=1, le=10)
    transfer_slack_s: int = Field(default=0, ge=0)
    max_trip_min: float = Field(default=120.0, gt=0)
    origin_cell_m: float = Field(default=250.0, ge=0)
    country: str | None = None
    opening_hours_path: str | None = None
    year: int | None = None
    keep_origins: bool = False

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or min(value) < 0 or max(value) > 47:
            raise ValueError(t("transit_runs.hours_range", value=list(value)))
        return tuple(sorted(set(value)))

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in value if p not in WALK_PROFILES]
        if not value or unknown:
            raise ValueError(
                t(
                    "transit_runs.walking_profiles",
                    known=", ".join(WALK_PROFILES),
                    value=list(value),
                )
            )
        return tuple(dict.fromkeys(value))

    def walk_speed_m_s(self, name: str) -> float:
        """Return the walking speed of profile ``name`` (m/s), or ``walk_speed_kmh`` when given."""
        if self.walk_speed_kmh is not None:
            return self.walk_speed_kmh / 3.6
        return profile(name).speed_m_s

    @field_validator("cutoffs_min")
    @classmethod
    def _cutoffs(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or min(value) <= 0 or len(set(value)) != len(value):
            raise ValueError(t("runs.cutoffs_distinct", value=list(value)))
        return tuple(sorted(value))


@dataclass(frozen=True)
class TransitAccess:
    """Result of :func:`compute_transit_access`.

    Attributes
    ----------
    summary
        Long table ``profile, day_type, date, hour, service, area_id, group, indicator, value,
        population, no_access_share`` (``area_id == "*"``: the whole pack).
    dates
        The date used for each day type.
    origins
        The routed origins: ``origin`` (resident node), ``residents``, ``nodes`` in the cell.
    opportunities
        ``id, category, weight, opening_hours`` (the string used, empty = always open).
    descriptions
        ``column, sv, en`` for every indicator.
    notes
        Plain-language notes (dates, open hours, unsnapped places, clustering).
    per_origin
        With ``keep_origins``: ``profile, day_type, hour, origin`` and the indicators of each
        routed origin, else ``None``.
    origin_of_node
        The routed origin (``origin``) of every resident node (index ``node``): a resident's
        values are its origin's.
    """

    summary: pd.DataFrame
    dates: dict[str, dt.date]
    origins: pd.DataFrame
    opportunities: pd.DataFrame
    descriptions: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    per_origin: pd.DataFrame | None = None
    origin_of_node: pd.Series | None = None


def representative_dates(date: dt.date, day_types: tuple[str, ...]) -> dict[str, dt.date]:
    """First date on or after ``date`` of each day type (weekday: Monday-Friday)."""
    out: dict[str, dt.date] = {}
    wd = date.weekday()
    for kind in day_types:
        if kind == "weekday":
            out[kind] = date if wd < 5 else date + dt.timedelta(days=7 - wd)
        elif kind == "saturday":
            out[kind] = date + dt.timedelta(days=(5 - wd) % 7)
        elif kind == "sunday":
            out[kind] = date + dt.timedelta(days=(6 - wd) % 7)
        else:
            raise DataError(t("transit_runs.unknown_day_type", kind=kind))
    return out


def open_travel_times(
    tt: Timetable,
    *,
    access: WalkLinks,
    egress: WalkLinks,
    direct: WalkLinks,
    schedule: OpeningSchedule,
    departure_s: int,
    window_min: int = 60,
    percentile: float = 50,
    max_rides: int = 4,
    transfer_slack_s: int = 0,
    max_trip_min: float = 120.0,
) -> F32:
    """Percentile travel time (minutes) from each origin to each place, open on arrival.

    Parameters
    ----------
    tt
        Timetable (with its footpaths).
    access, egress, direct
        CSR walks: origin -> stop, place -> stop (walked stop -> place), origin -> place.
    schedule
        Opening intervals of the places on the timetable's service day.
    departure_s, window_min
        Departures every minute in ``[departure_s, departure_s + window_min)``.
    percentile
        Nearest-rank percentile over the window (module docstring).
    max_trip_min
        Longer journeys (waiting at the origin included) count as unreachable.

    Returns
    -------
    ndarray
        ``(n_origins, n_places)`` float32 minutes, NaN when not reachable while open.
    """
    n_dep = max(int(window_min), 1)
    minutes: F32 = range_minutes(
        tt,
        access=access,
        egress=egress,
        direct=direct,
        departures_s=int(departure_s) + 60 * np.arange(n_dep, dtype=np.int64),
        ranks=percentile_ranks([percentile], n_dep),
        max_rides=max_rides,
        transfer_slack_s=transfer_slack_s,
        open_at_arrival=schedule,
        max_trip_s=int(round(60 * max_trip_min)),
    )[:, :, 0]
    return minutes


def _cluster_origins(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    pop: npt.NDArray[np.float64],
    cell_m: float,
) -> I64:
    """Index of the representative of each point's cell (module docstring)."""
    if cell_m <= 0:
        return np.arange(x.size, dtype=np.int64)
    cell = pd.factorize(pd.MultiIndex.from_arrays([np.floor(x / cell_m), np.floor(y / cell_m)]))[0]
    w = pop + 1e-9
    frame = pd.DataFrame({"cell": cell, "wx": w * x, "wy": w * y, "w": w})
    sums = frame.groupby("cell")[["wx", "wy", "w"]].sum()
    cx = (sums["wx"] / sums["w"]).to_numpy()[cell]
    cy = (sums["wy"] / sums["w"]).to_numpy()[cell]
    gap = pd.Series(np.hypot(x - cx, y - cy))
    rep_of_cell = gap.groupby(cell).idxmin()
    return rep_of_cell.to_numpy(np.int64)[cell]


def _opportunity_table(
    pack: Pack, opts: TransitAccessOptions, osm: OSMData | None = None
) -> pd.DataFrame:
    """``id, category, weight, opening_hours, x, y`` in the pack CRS."""
    assert pack.osm_path is not None
    source = osm if osm is not None else pack.osm_path
    pois = extract_pois(source, crs=pack.crs.to_string(), categories=pack.categories_path)
    pts = shapely.point_on_surface(pois.geometry.to_numpy())
    frame = pd.DataFrame(
        {
            "id": (pois["osm_type"].astype(str) + "/" + pois["osm_id"].astype(str)).to_numpy(),
            "category": pois["category"].to_numpy(),
            "weight": 1.0,
            "opening_hours": pois["opening_hours"].to_numpy(),
            "x": shapely.get_x(pts),
            "y": shapely.get_y(pts),
        }
    )
    extra = pack.opportunity_layers()
    if extra is not None and not extra.empty:
        extra = gpd.GeoDataFrame(extra).to_crs(pack.crs)
        extra = extra[extra["count"] > 0]
        layer = pd.DataFrame(
            {
                "id": extra["id"].astype(str).to_numpy(),
                "category": extra["category"].to_numpy(),
                "weight": extra["count"].astype(float).to_numpy(),
                "opening_hours": None,
                "x": extra.geometry.x.to_numpy(),
                "y": extra.geometry.y.to_numpy(),
            }
        )
        frame = pd.concat([frame, layer], ignore_index=True)
    if opts.categories is None:
        frame = frame[frame["category"] != "transit_stop"]
    else:
        unknown = sorted(set(opts.categories) - set(frame["category"]))
        if unknown:
            known = ", ".join(sorted(set(frame["category"])))
            raise DataError(t("runs.unknown_categories", unknown=unknown, known=known))
        frame = frame[frame["category"].isin(opts.categories)]
    if frame.empty:
        raise DataError(t("runs.no_requested_opportunities", name=pack.name))
    return frame.reset_index(drop=True)


def _indicators(
    minutes: F32, opp: pd.DataFrame, cutoffs_min: tuple[float, ...]
) -> dict[str, npt.NDArray[np.float64]]:
    """Nearest time and counts within cut-offs per category, one value per origin."""
    out: dict[str, npt.NDArray[np.float64]] = {}
    weight = opp["weight"].to_numpy(np.float64)
    for category, cols in opp.groupby("category", sort=True).indices.items():
        sub = minutes[:, cols].astype(np.float64)
        reach = np.isfinite(sub)
        nearest = np.where(reach, sub, np.inf).min(axis=1)
        out[f"{category}_nearest_min_transit"] = np.where(np.isfinite(nearest), nearest, np.nan)
        for cut in cutoffs_min:
            within = np.where(reach, sub, np.inf) <= cut
            out[f"{category}_count_{cut:g}min_transit"] = within @ weight[cols]
    return out


def _service(departures: npt.NDArray[np.int32], last_departure: int, hour: int) -> str:
    """Classify the service of an hour: ``no_service``, ``feed_ends`` or ``ok``.

    ``no_service``: no departure in the hour; ``feed_ends``: the feed's last departure is within
    an hour of the window's end, so later journeys are missing.
    """
    lo, hi = 3600 * hour, 3600 * (hour + 1)
    count = int(np.searchsorted(departures, hi) - np.searchsorted(departures, lo))
    if count == 0:
        return "no_service"
    return "feed_ends" if last_departure < hi + 3600 else "ok"


def _hours(hours: list[int]) -> str:
    return ", ".join(f"{h:02d}" for h in hours)


def compute_transit_access(
    pack: Pack, *, options: TransitAccessOptions, progress: Progress | None = None
) -> TransitAccess:
    """Transit accessibility of every resident of ``pack`` by hour and day type.

    Parameters
    ----------
    pack
        A loaded pack with an ``[osm]`` extract and at least one ``[[gtfs]]`` feed.
    options
        Date, day types, hours, cut-offs, walking and clustering (:class:`TransitAccessOptions`).
    progress
        Called as ``progress(step_label, done, total)``.

    Raises
    ------
    DataError
        If the pack lacks OSM or GTFS, no day type has service, or a category is unknown.
    """
    opts = options
    if pack.osm_path is None or not pack.gtfs_paths:
        raise DataError(t("transit_runs.needs_osm_and_gtfs", name=pack.name))
    notes: list[str] = []
    dates = representative_dates(opts.date, opts.day_types)
    total = 2 + len(dates) * len(opts.hours) * len(opts.profiles)  # skipped day types end early
    done = 0

    def step(label: str) -> None:
        nonlocal done
        log.info("%s", label)
        if progress is not None:
            progress(label, done, total)
        done += 1

    names = [f.name or f"feed{i + 1}" for i, f in enumerate(pack.config.gtfs)]
    feeds = {}
    for kind, date in dates.items():  # read the feeds first: a wrong date fails fast
        try:
            feeds[kind] = read_gtfs(pack.gtfs_paths, service_date=date, prefixes=names)
        except GTFSError:
            notes.append(t("transit_access.note_no_service", day_type=kind, date=str(date)))
    if not feeds:
        raise DataError(
            t(
                "transit_runs.no_trip_on_dates",
                name=pack.name,
                dates=", ".join(map(str, dates.values())),
            )
        )
    step(t("transit_access.step_network"))
    osm = read_osm(pack.osm_path)
    walk = build_street_network(osm, mode="walk", crs=pack.crs.to_string())
    walker = StreetWalker(
        walk, max_walk_m=opts.max_walk_m, walk_speed_m_s=opts.walk_speed_m_s(opts.profiles[0]),
        max_snap_m=opts.max_snap_m,
    )  # fmt: skip
    residents = pack_residents(pack, walk, walker.graph.node_index, osm=osm, year=opts.year)
    assert residents is not None  # if_missing="uniform" always places someone
    notes.extend(residents.warnings)
    table = residents.table
    groups = ["pop_total", *residents.groups]
    pop_by_node = table.groupby("node")["pop_total"].sum()
    nodes = pop_by_node.index.to_numpy(np.int64)
    rep = _cluster_origins(
        walk.node_x[nodes], walk.node_y[nodes], pop_by_node.to_numpy(np.float64), opts.origin_cell_m
    )
    reps, rep_pos = np.unique(rep, return_inverse=True)
    origins = pd.DataFrame(
        {
            "origin": nodes[reps],
            "residents": np.bincount(rep_pos, weights=pop_by_node.to_numpy(), minlength=reps.size),
            "nodes": np.bincount(rep_pos, minlength=reps.size),
        }
    )
    notes.append(t("transit_access.note_clusters", n=nodes.size, m=reps.size,
                   cell=f"{opts.origin_cell_m:g}"))  # fmt: skip
    step(t("transit_access.step_opportunities"))
    opp = _opportunity_table(pack, opts, osm)
    o_pts = walker.place_xy(walk.node_x[nodes[reps]], walk.node_y[nodes[reps]])
    d_pts = walker.place_xy(opp["x"].to_numpy(), opp["y"].to_numpy())
    unsnapped = int((d_pts.snapped.street < 0).sum())
    if unsnapped:
        notes.append(t("transit_access.note_unsnapped", n=unsnapped, max=f"{opts.max_snap_m:g}"))
    overrides = None
    path = opts.opening_hours_path or pack_overrides_path(pack.root)
    if path is not None:
        overrides = load_hours_overrides(path)
        notes.append(t("transit_access.note_overrides", path=str(path)))
    frames: list[pd.DataFrame] = []
    kept: list[pd.DataFrame] = []
    used: dict[str, dt.date] = {}
    schedule = None
    timetables = {}
    for kind, feed in feeds.items():
        timetables[kind] = build_timetable(feed, max_walk_m=0.0, on_request=opts.on_request)
        notes.extend(f"{kind}: {note}" for note in timetables[kind].notes)
    for name in opts.profiles:
        speed = opts.walk_speed_m_s(name)
        notes.append(
            t("transit_access.note_profile", profile=name, kmh=format_number(speed * 3.6, 2))
        )
        if name == "wheelchair":
            notes.append(t("transit_access.note_wheelchair_steps"))
        pwalker = walker.with_speed(speed)
        direct = pwalker.links(o_pts, d_pts)
        for kind in feeds:
            date = dates[kind]
            used[kind] = date
            tt = street_transfers(timetables[kind], pwalker)
            stops = pwalker.place(tt.stop_lon, tt.stop_lat)
            access = pwalker.links(o_pts, stops)
            egress = pwalker.links(d_pts, stops)
            schedule = opening_schedule(
                opp["opening_hours"].tolist(), date=date, ids=opp["id"].tolist(),
                categories=opp["category"].tolist(), overrides=overrides, country=opts.country,
            )  # fmt: skip
            departures = np.sort(tt.departure_s)
            last_departure = int(departures[-1]) if departures.size else -1
            quiet: list[int] = []
            edge: list[int] = []
            for hour in opts.hours:
                step(t("transit_access.step_hour", day_type=kind, hour=hour))
                service = _service(departures, last_departure, hour)
                (
                    quiet if service == "no_service" else edge if service == "feed_ends" else []
                ).append(hour)
                minutes = open_travel_times(
                    tt, access=access, egress=egress, direct=direct, schedule=schedule,
                    departure_s=3600 * hour, window_min=60, percentile=opts.percentile,
                    max_rides=opts.max_rides, transfer_slack_s=opts.transfer_slack_s,
                    max_trip_min=opts.max_trip_min,
                )  # fmt: skip
                values = pd.DataFrame(_indicators(minutes, opp, opts.cutoffs_min))
                if opts.keep_origins:
                    kept.append(
                        values.assign(profile=name, day_type=kind, hour=hour, origin=nodes[reps])
                    )
                per_node = values.iloc[rep_pos].set_index(pd.Index(nodes, name="node"))
                part = aggregate_access(per_node, table, groups=groups)
                if service == "no_service":
                    # No departure in the hour: a mean over the few who still walk somewhere
                    # would read as transit access; the hour is reported as without service.
                    part[["value", "no_access_share"]] = np.nan
                frames.append(
                    part.assign(
                        profile=name, day_type=kind, date=date.isoformat(), hour=hour,
                        service=service,
                    )
                )  # fmt: skip
            if name != opts.profiles[0]:
                continue  # the service notes are the same for every profile
            if quiet:
                notes.append(
                    t("transit_access.note_no_departures", day_type=kind, hours=_hours(quiet))
                )
            if edge:
                notes.append(
                    t(
                        "transit_access.note_feed_ends",
                        day_type=kind,
                        hours=_hours(edge),
                        last=f"{last_departure // 3600:02d}:{last_departure // 60 % 60:02d}",
                    )
                )
    assert schedule is not None
    notes.append(t("transit_access.note_dates",
                   dates=", ".join(f"{k} {v.isoformat()}" for k, v in used.items())))  # fmt: skip
    notes.append(t("transit_access.note_hours", n=schedule.n_without_hours, total=len(opp)))
    notes.extend(schedule.warnings)
    summary = pd.concat(frames, ignore_index=True)
    summary = summary[["profile", "day_type", "date", "hour", "service", "area_id", "group",
                       "indicator", "value", "population", "no_access_share"]]  # fmt: skip
    opp_out = opp[["id", "category", "weight"]].assign(
        opening_hours=[h or "" for h in schedule.hours]
    )
    descriptions = _describe(summary["indicator"].unique(), opts)
    per_origin = pd.concat(kept, ignore_index=True) if kept else None
    origin_of_node = pd.Series(nodes[reps][rep_pos], index=pd.Index(nodes, name="node"))
    return TransitAccess(
        summary, used, origins, opp_out, descriptions, tuple(notes), per_origin=per_origin,
        origin_of_node=origin_of_node.rename("origin"),
    )  # fmt: skip


def _describe(indicators: npt.NDArray[np.object_], opts: TransitAccessOptions) -> pd.DataFrame:
    rows = []
    for name in indicators:
        category, rest = str(name).split("_nearest_" if "_nearest_" in name else "_count_", 1)
        if "_nearest_" in name:
            key, extra = "transit_access.col_nearest", {}
        else:
            key, extra = "transit_access.col_count", {"minutes": rest.split("min")[0]}
        pct = f"{opts.percentile:g}"
        rows.append(
            (name, t(key, language="sv", category=category, percentile=pct, **extra),
             t(key, language="en", category=category, percentile=pct, **extra))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["column", "sv", "en"])
