"""Transit origin-destination travel times: feeds → timetable → walks → range RAPTOR.

Walks (access, egress, between stops and the direct walk) go at the walking speed of the travel
profile (:mod:`jamlik.config`, ``adult`` by default, the speed walk mode uses), or at
``walk_speed_m_s`` when given. They are crow-fly × ``detour_factor``, or, with ``osm``, on the
street network of the extract (:mod:`jamlik.routing.transit_walk`; the detour factor is then not
used). The GTFS boarding rules (pickup/drop-off, transfers.txt, blocks) apply as in
:mod:`jamlik.networks.timetable`; the notes say how many the feeds use.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from jamlik.config import DEFAULT_PROFILE, WALK_PROFILES, profile
from jamlik.errors import DataError
from jamlik.i18n import format_number, t
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.scenario import Scenario
from jamlik.networks import build_street_network
from jamlik.networks.timetable import DEFAULT_DETOUR_FACTOR, OnRequest, build_timetable
from jamlik.routing.raptor import PointWalks, TravelTimes, travel_times
from jamlik.routing.transit_walk import StreetWalker, street_point_walks, street_transfers
from jamlik.runs.scenario import edit_streets, place_scenario
from jamlik.runs.scenario_transit import edit_feed

log = logging.getLogger(__name__)

__all__ = ["TransitTimes", "transit_od_times"]

Progress = Callable[[], None]


@dataclass(frozen=True)
class TransitTimes:
    """Travel times and what the feeds needed: notes and counts of repairs."""

    times: TravelTimes
    notes: tuple[str, ...]
    repairs: dict[str, int]


def transit_od_times(
    gtfs: Sequence[Path],
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    service_date: dt.date,
    departure_s: int,
    window_min: int = 60,
    travel_profile: str = DEFAULT_PROFILE,
    walk_speed_m_s: float | None = None,
    max_walk_m: float = 1000.0,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    max_rides: int = 4,
    transfer_slack_s: int = 0,
    percentiles: tuple[float, ...] = (50.0,),
    osm: Path | None = None,
    progress: Progress | None = None,
    scenario: Scenario | None = None,
    on_request: OnRequest = "forbid",
) -> TransitTimes:
    """Range-RAPTOR travel times between points over a departure window.

    ``origins`` and ``destinations`` are ``id, lon, lat`` tables; the statistics of the times
    over the window's minutes are ``percentiles`` (see :func:`jamlik.routing.raptor.travel_times`).
    ``progress`` is called once per finished stage (3 stages, 4 with ``osm``). A ``scenario``
    adds its new lines and closes its stops (:mod:`jamlik.runs.scenario_transit`) and, with
    ``osm``, its street links and closures. ``travel_profile`` names the walking profile
    (``adult``, ``child``, ``senior``, ``wheelchair``); ``walk_speed_m_s`` overrides its speed.
    ``on_request`` says whether stops served on request (pickup/drop-off type 2 or 3) count.
    """
    if travel_profile not in WALK_PROFILES:
        raise DataError(
            t(
                "runs.profile_does_not_walk",
                travel_profile=travel_profile,
                items=", ".join(WALK_PROFILES),
            )
        )
    if walk_speed_m_s is None:
        walk_speed_m_s = profile(travel_profile).speed_m_s
    step = progress or (lambda: None)
    feed = read_gtfs(list(gtfs), service_date=service_date)
    if scenario is not None:
        feed = edit_feed(feed, scenario)
    for name, frame in (("origins", origins), ("destinations", destinations)):
        _check_near_stops(feed.stops, frame, name=name, reach_m=max_walk_m)
    step()
    timetable = build_timetable(
        feed,
        walk_speed_m_s=walk_speed_m_s,
        max_walk_m=max_walk_m,
        detour_factor=detour_factor,
        on_request=on_request,
    )
    step()
    walks: PointWalks | None = None
    if osm is not None:
        network = build_street_network(osm, mode="walk")
        if scenario is not None:
            network = edit_streets(network, place_scenario(scenario, network.crs))
        walker = StreetWalker(
            network,
            max_walk_m=max_walk_m,
            walk_speed_m_s=walk_speed_m_s,
        )
        timetable = street_transfers(timetable, walker)
        walks = street_point_walks(timetable, walker, origins, destinations)
        step()
    times = travel_times(
        timetable,
        origins,
        destinations,
        departure_s=departure_s,
        window_min=window_min,
        max_rides=max_rides,
        transfer_slack_s=transfer_slack_s,
        percentiles=percentiles,
        walks=walks,
    )
    step()
    return TransitTimes(
        times=times,
        notes=(*feed.report.notes, *timetable.notes),
        repairs=dict(feed.report.repairs()),
    )


def _check_near_stops(
    stops: pd.DataFrame, points: pd.DataFrame, *, name: str, reach_m: float
) -> None:
    """Refuse swapped lon/lat and points that no stop is within reach of; warn about some.

    Distances use a local equirectangular projection (exact enough at walking range): a point
    farther than ``reach_m`` from every stop can board nothing and would come out blank.
    """
    if "lon" not in points or stops.empty:
        return
    placed = points[points["lon"].notna() & points["lat"].notna()]
    if placed.empty:
        return
    lat0 = np.radians(float(stops["lat"].mean()))

    def metres(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.column_stack([lon * 111_320.0 * np.cos(lat0), lat * 110_574.0])

    tree = cKDTree(metres(stops["lon"].to_numpy(float), stops["lat"].to_numpy(float)))
    bound = reach_m + 1.0  # a point on a stop boards there even with no walking (max_walk 0)
    lon, lat = placed["lon"].to_numpy(float), placed["lat"].to_numpy(float)
    near = tree.query(metres(lon, lat), distance_upper_bound=bound)[0] <= bound
    if near.all():
        return
    if not near.any():
        swapped = tree.query(metres(lat, lon), distance_upper_bound=bound)[0] <= bound
        if swapped.mean() > 0.5:
            raise DataError(t("runs.transit_lonlat_swapped", name=name))
        raise DataError(
            t(
                "runs.no_stop_within_reach",
                name=name,
                reach_m=f"{reach_m:g}",
                n=format_number(len(placed)),
                lon=f"{lon[0]:g}",
                lat=f"{lat[0]:g}",
            )
        )
    ids = ", ".join(map(str, placed["id"].to_numpy()[~near][:5]))
    log.warning(
        t(
            "runs.points_without_stop",
            name=name,
            value=format_number(int((~near).sum())),
            reach_m=f"{reach_m:g}",
            ids=ids,
        ),
    )
