"""Transit service indicators: departures per stop and hour, headways, service class of stops.

Everything here is computed from one service day read by :func:`jamlik.ingest.gtfs.read_gtfs`.

Definitions
-----------
Departure
    A stop time at which a passenger can board: every stop time of a trip **except its last**
    (at the last stop the vehicle only arrives) whose ``pickup_type`` is 0 (regular boarding;
    1 = no boarding, and 2/3 = boarding on request only are not counted, as in
    :mod:`jamlik.networks.timetable`). A feed built without ``pickup_type`` counts every one.
Clock day
    Departures are counted on the calendar date's clock, 00:00 to 24:00: the date's own trips
    before 24:00, plus the previous service day's trips that run past midnight (the ingest keeps
    them with times shifted by -24 h). The date's departures at 24:00 or later belong to the
    next calendar day and are not counted. The hour of a departure at ``t`` seconds is
    ``floor(t / 3600)`` (0-23).
Headway
    For one stop and one route, with the day's departure times sorted ``t_1 <= ... <= t_n``, the
    gaps are ``g_i = t_{i+1} - t_i`` (every direction and pattern of the route that serves the
    stop). Gap ``g_i`` belongs to the hour of ``t_i``; the mean and median headway of an hour are
    the mean and median of its gaps. The last departure of the day starts no gap, so an hour whose
    only departure is the last one has no headway (``NaN``).
Service frequency in a window (:func:`stop_service`)
    Counting every route and direction at the stop, ``n`` departures in ``[start, end)``:
    ``mean_headway_min = (end - start) / 60 / n``; ``max_gap_min`` is the longest of the waits
    from ``start`` to the first departure, between consecutive departures and from the last
    departure to ``end``. A stop is *frequent at b minutes* under rule ``average`` when
    ``n * b >= (end - start) / 60`` (one departure every ``b`` minutes on average), under rule
    ``max_gap`` when ``max_gap_min <= b`` (never a wait longer than ``b`` minutes).

Route types
-----------
GTFS ``route_type`` is mapped to a mode (:func:`route_modes`): the basic types 0-7, 11, 12 and the
extended (Google "Extended GTFS Route Types", HVT) ranges 100-1799. Each mode belongs to a
capacity class of UN SDG indicator 11.2.1 (:data:`MODE_CAPACITY`): **low** capacity (bus,
trolleybus, coach, tram, cable tram, aerial lift, funicular, other) or **high** capacity (rail,
metro, monorail, ferry); air, taxi and self-drive services are not public transport stops in the
indicator's sense (class ``none``). The UN metadata names buses and Bus Rapid Transit as
low-capacity and rail, metro and ferries as high-capacity systems; trams are low capacity as in
the published UN-Habitat data ("500 metres for buses and trams").

References
----------
UN-Habitat (2021). *SDG indicator metadata, indicator 11.2.1* (harmonized metadata template,
last updated September 2021), section 2.a.
Google (2012). *Extended GTFS Route Types* (GTFS reference, ``route_type`` values 100-1799).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import CRSError, DataError
from jamlik.i18n import t

if TYPE_CHECKING:  # the feed's tables are only read here, never loaded
    from jamlik.ingest.gtfs import GTFSFeed

__all__ = [
    "HOURS",
    "MODE_CAPACITY",
    "FrequencyRule",
    "departure_events",
    "departures_per_area",
    "departures_per_hour",
    "headways",
    "route_modes",
    "stop_service",
]

log = logging.getLogger(__name__)

FrequencyRule = Literal["average", "max_gap"]
HOURS: tuple[int, ...] = tuple(range(24))
_DAY_S = 86_400

_BASIC = {
    0: "tram",
    1: "metro",
    2: "rail",
    3: "bus",
    4: "ferry",
    5: "cable_tram",
    6: "aerial_lift",
    7: "funicular",
    11: "trolleybus",
    12: "monorail",
}
# Extended route types: (first, last, mode), inclusive.
_EXTENDED = (
    (100, 199, "rail"),
    (200, 299, "coach"),
    (300, 399, "rail"),  # suburban railway
    (400, 404, "metro"),  # urban railway, metro, underground
    (405, 405, "monorail"),
    (406, 499, "metro"),
    (500, 699, "metro"),  # metro and underground services
    (700, 799, "bus"),
    (800, 899, "trolleybus"),
    (900, 999, "tram"),
    (1000, 1099, "ferry"),  # water transport
    (1100, 1199, "air"),
    (1200, 1299, "ferry"),
    (1300, 1399, "aerial_lift"),
    (1400, 1499, "funicular"),
    (1500, 1599, "taxi"),
    (1600, 1699, "self_drive"),
    (1700, 1799, "other"),
)

#: SDG 11.2.1 capacity class of each mode: ``low``, ``high`` or ``none`` (not counted).
MODE_CAPACITY: dict[str, str] = {
    "bus": "low",
    "trolleybus": "low",
    "coach": "low",
    "tram": "low",
    "cable_tram": "low",
    "aerial_lift": "low",
    "funicular": "low",
    "other": "low",
    "unknown": "low",
    "rail": "high",
    "metro": "high",
    "monorail": "high",
    "ferry": "high",
    "air": "none",
    "taxi": "none",
    "self_drive": "none",
}


def route_modes(route_type: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Map GTFS ``route_type`` codes to mode names.

    Parameters
    ----------
    route_type
        Integer codes; ``-1`` (as the ingest writes a missing value) or any code outside the
        basic and extended ranges gives ``"unknown"``.

    Returns
    -------
    numpy.ndarray
        Mode names (``bus``, ``tram``, ``metro``, ``rail``, ``ferry``, ...), see the module
        docstring for the ranges.
    """
    codes = np.asarray(route_type, dtype=np.int64).reshape(-1)
    out = np.full(codes.shape, "unknown", dtype=object)
    for code, mode in _BASIC.items():
        out[codes == code] = mode
    for first, last, mode in _EXTENDED:
        out[(codes >= first) & (codes <= last)] = mode
    return out


def departure_events(feed: GTFSFeed) -> pd.DataFrame:
    """Return every departure of the clock day (see the module docstring), one row each.

    Returns
    -------
    pandas.DataFrame
        ``stop`` (row of ``feed.stops``), ``stop_id``, ``trip`` (row of ``feed.trips``),
        ``route_id``, ``route_type``, ``mode``, ``capacity``, ``time_s`` (seconds since the
        date's midnight, 0 <= t < 86,400) and ``hour``; sorted by stop and time.
    """
    st = feed.stop_times
    trip = st["trip"].to_numpy()
    is_last = np.ones(trip.size, dtype=bool)
    if trip.size:
        is_last[:-1] = trip[1:] != trip[:-1]  # stop times are sorted by trip and sequence
    dep = st["departure_s"].to_numpy()
    keep = ~is_last & (dep >= 0) & (dep < _DAY_S)
    if "pickup_type" in st:
        keep &= st["pickup_type"].fillna(0).to_numpy() == 0
    trips = feed.trips
    trip_rows = trip[keep]
    stop_rows = st["stop"].to_numpy()[keep]
    route_type = trips["route_type"].to_numpy(dtype=np.int64)[trip_rows]
    modes = route_modes(route_type)
    capacity = pd.Series(modes).map(MODE_CAPACITY).to_numpy(dtype=object)
    time_s = dep[keep].astype(np.int64)
    events = pd.DataFrame(
        {
            "stop": stop_rows.astype(np.int64),
            "stop_id": feed.stops["stop_id"].to_numpy()[stop_rows],
            "trip": trip_rows.astype(np.int64),
            "route_id": trips["route_id"].to_numpy()[trip_rows],
            "route_type": route_type,
            "mode": modes,
            "capacity": capacity,
            "time_s": time_s,
            "hour": time_s // 3600,
        }
    )
    return events.sort_values(["stop", "time_s"], kind="stable").reset_index(drop=True)


def _hour_table(keys: pd.Series, hours: pd.Series, index: pd.Index) -> pd.DataFrame:
    counts = pd.crosstab(keys, hours)
    counts = counts.reindex(index=index, columns=list(HOURS), fill_value=0)
    counts.columns = pd.Index(list(HOURS), name="hour")
    return counts.astype(np.int64)


def departures_per_hour(feed: GTFSFeed) -> pd.DataFrame:
    r"""Count departures per stop and hour of the clock day.

    Returns
    -------
    pandas.DataFrame
        Index ``stop_id`` (every stop of the feed, in feed order), columns the hours 0-23,
        values the number of departures :math:`D_{s,h} = |\{d : stop(d) = s, hour(d) = h\}|`.
    """
    events = departure_events(feed)
    index = pd.Index(feed.stops["stop_id"], name="stop_id")
    return _hour_table(events["stop_id"], events["hour"], index)


def departures_per_area(feed: GTFSFeed, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count departures per area and hour: departures at the stops inside each area polygon.

    A stop on an area's boundary counts in that area (``covered_by``); a stop in several
    overlapping areas counts in each.

    Parameters
    ----------
    feed
        The service day.
    areas
        Polygons with a CRS; the index is the area id.

    Returns
    -------
    pandas.DataFrame
        Index the area ids (every area), column ``stops`` (stops inside) and the hours 0-23.

    Raises
    ------
    CRSError
        If ``areas`` has no CRS.
    """
    if areas.crs is None:
        raise CRSError(t("transit_service.areas_no_crs"))
    stops = gpd.GeoDataFrame(
        {"stop": np.arange(len(feed.stops))},
        geometry=gpd.points_from_xy(feed.stops["lon"], feed.stops["lat"]),
        crs="EPSG:4326",
    ).to_crs(areas.crs)
    polygons = gpd.GeoDataFrame(
        {"area_pos": np.arange(len(areas))}, geometry=areas.geometry.values, crs=areas.crs
    )
    joined = gpd.sjoin(stops, polygons, predicate="covered_by", how="inner")
    area_ids = pd.Series(areas.index.to_numpy()[joined["area_pos"].to_numpy()])
    stop_area = pd.DataFrame({"stop": joined["stop"].to_numpy(), "area_id": area_ids})
    events = departure_events(feed)[["stop", "hour"]].merge(stop_area, on="stop", how="inner")
    index = pd.Index(areas.index, name=areas.index.name or "area_id")
    table = _hour_table(events["area_id"], events["hour"], index)
    n_stops = stop_area.groupby("area_id")["stop"].nunique().reindex(index, fill_value=0)
    table.insert(0, "stops", n_stops.astype(np.int64).to_numpy())
    return table


def headways(feed: GTFSFeed) -> pd.DataFrame:
    """Mean and median headway per stop, route and hour (definition in the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per (stop, route, hour) with a departure: ``stop_id``, ``route_id``, ``hour``,
        ``departures``, ``gaps`` (gaps starting in the hour), ``mean_headway_min`` and
        ``median_headway_min`` (``NaN`` without a gap).
    """
    events = departure_events(feed).sort_values(["stop", "route_id", "time_s"], kind="stable")
    time_s = events["time_s"].to_numpy()
    same = np.zeros(time_s.size, dtype=bool)
    if time_s.size:
        same[:-1] = (events["stop"].to_numpy()[1:] == events["stop"].to_numpy()[:-1]) & (
            events["route_id"].to_numpy()[1:] == events["route_id"].to_numpy()[:-1]
        )
    gap = np.full(time_s.size, np.nan)
    gap[:-1] = np.where(same[:-1], (time_s[1:] - time_s[:-1]) / 60.0, np.nan)
    events = events.assign(gap_min=gap)
    grouped = events.groupby(["stop", "route_id", "hour"], sort=True)
    out = grouped.agg(
        stop_id=("stop_id", "first"),
        departures=("time_s", "size"),
        gaps=("gap_min", "count"),
        mean_headway_min=("gap_min", "mean"),
        median_headway_min=("gap_min", "median"),
    ).reset_index()
    columns = ["stop_id", "route_id", "hour", "departures", "gaps"]
    return out[[*columns, "mean_headway_min", "median_headway_min"]]


def _check_window(window: tuple[float, float]) -> tuple[int, int]:
    start, end = (int(round(w)) for w in window)
    if not 0 <= start < end <= _DAY_S:
        raise DataError(t("transit_service.window_range", window=window))
    return start, end


def stop_service(
    feed: GTFSFeed,
    *,
    window: tuple[float, float] = (6 * 3600, 20 * 3600),
    bands_min: Sequence[float] = (20, 30),
    rule: FrequencyRule = "average",
) -> pd.DataFrame:
    """Service class and frequency of every stop on the date.

    Parameters
    ----------
    feed
        The service day.
    window
        ``(start_s, end_s)`` seconds since midnight of the date for the frequency bands.
    bands_min
        Frequency bands ``b`` in minutes; one column ``frequent_<b>min`` each.
    rule
        ``"average"`` (``n * b >= window minutes``) or ``"max_gap"`` (no wait over ``b``).

    Returns
    -------
    pandas.DataFrame
        One row per stop of the feed: ``stop_id``, ``stop_name``, ``lon``, ``lat``, ``modes``
        (sorted, ``;``-separated, of departures on the day), ``capacity`` (``high`` if any
        high-capacity mode departs there, else ``low`` if any low-capacity one does, else
        ``none``: no departure of a counted mode), ``departures_day``, ``departures_window``
        (counted modes), ``mean_headway_min`` (``NaN`` without departures), ``max_gap_min``
        and the band columns.

    Raises
    ------
    DataError
        For a bad window, band or rule.
    """
    start, end = _check_window(window)
    bands = [float(b) for b in bands_min]
    if any(not np.isfinite(b) or b <= 0 for b in bands) or len(set(bands)) != len(bands):
        raise DataError(t("transit_service.bands_distinct", value=list(bands_min)))
    if rule not in ("average", "max_gap"):
        raise DataError(t("transit_service.bad_rule", rule=rule))
    n = len(feed.stops)
    events = departure_events(feed)
    stop = events["stop"].to_numpy()
    capacity = events["capacity"].to_numpy()
    counted = capacity != "none"
    high = np.zeros(n, dtype=bool)
    high[stop[capacity == "high"]] = True
    low = np.zeros(n, dtype=bool)
    low[stop[capacity == "low"]] = True
    pairs = events[["stop", "mode"]].drop_duplicates().sort_values(["stop", "mode"])
    modes = pairs.groupby("stop")["mode"].agg(";".join)
    time_s = events["time_s"].to_numpy()
    inside = counted & (time_s >= start) & (time_s < end)
    n_window = np.bincount(stop[inside], minlength=n)
    window_min = (end - start) / 60.0
    # Longest wait: gaps between consecutive departures plus both window edges.
    w_stop, w_time = stop[inside], time_s[inside]  # events are sorted by stop and time
    max_gap = np.full(n, window_min)
    if w_stop.size:
        first = np.ones(w_stop.size, dtype=bool)
        first[1:] = w_stop[1:] != w_stop[:-1]
        last = np.ones(w_stop.size, dtype=bool)
        last[:-1] = first[1:]
        lead = np.where(first, w_time - start, np.diff(w_time, prepend=start))
        gaps = np.zeros(n)
        np.maximum.at(gaps, w_stop, lead / 60.0)
        np.maximum.at(gaps, w_stop[last], (end - w_time[last]) / 60.0)
        has = n_window > 0
        max_gap[has] = gaps[has]
    mean_headway = np.where(n_window > 0, window_min / np.maximum(n_window, 1), np.nan)
    table = pd.DataFrame(
        {
            "stop_id": feed.stops["stop_id"].to_numpy(),
            "stop_name": feed.stops["stop_name"].to_numpy(),
            "lon": feed.stops["lon"].to_numpy(dtype=np.float64),
            "lat": feed.stops["lat"].to_numpy(dtype=np.float64),
            "modes": modes.reindex(np.arange(n), fill_value="").to_numpy(),
            "capacity": np.where(high, "high", np.where(low, "low", "none")),
            "departures_day": np.bincount(stop[counted], minlength=n).astype(np.int64),
            "departures_window": n_window.astype(np.int64),
            "mean_headway_min": mean_headway,
            "max_gap_min": max_gap,
        }
    )
    for b in bands:
        if rule == "average":
            ok = (n_window * b >= window_min - 1e-9) & (n_window > 0)
        else:
            ok = (max_gap <= b + 1e-9) & (n_window > 0)
        table[f"frequent_{b:g}min"] = ok
    return table
