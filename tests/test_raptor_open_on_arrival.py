"""The one range loop with "open on arrival" and a longest trip equals one query per minute.

:func:`jamlik.routing.raptor.range_minutes` is the range loop that both :func:`travel_times`
and transit access by hour run. Here its opening-hours and longest-trip rule is checked against
the brute force of ``tests/test_transit_access_bruteforce.py`` (one plain RAPTOR query per
departure minute, then the open check and the longest trip applied to each minute's arrival),
on the Tampere feed with crow-fly walks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.opening_hours import OpeningSchedule, opening_schedule
from jamlik.networks.timetable import Timetable, build_timetable, walk_links
from jamlik.routing.raptor import (
    link_points,
    percentile_ranks,
    point_coordinates,
    range_minutes,
    travel_times,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TUESDAY = dt.date(2021, 12, 14)
START_S = 7 * 3600 + 30 * 60
WINDOW_MIN = 20
HOURS = ["Mo-Fr 07:40-08:05", "Tu 07:00-07:45,07:55-09:00", "Mo 07:00-09:00", None, "24/7"]


@pytest.fixture(scope="module")
def tampere() -> Timetable:
    feed = read_gtfs(DATA / "osm_gtfs_tampere" / "tampere_gtfs.zip", service_date=TUESDAY)
    return build_timetable(feed)


def _points(tt: Timetable, n: int, seed: int) -> pd.DataFrame:
    pick = np.random.default_rng(seed).choice(tt.n_stops, size=n, replace=False)
    return pd.DataFrame({"id": tt.stop_ids[pick], "stop_id": tt.stop_ids[pick]})


def _schedule(n: int) -> OpeningSchedule:
    return opening_schedule([HOURS[i % len(HOURS)] for i in range(n)], date=TUESDAY)


def _brute_force(
    tt: Timetable,
    origins: pd.DataFrame,
    dests: pd.DataFrame,
    schedule: OpeningSchedule,
    max_trip_s: int,
    ranks: np.ndarray,
) -> np.ndarray:
    per_minute = np.full((WINDOW_MIN, len(origins), len(dests)), np.inf)
    for m in range(WINDOW_MIN):
        t0 = START_S + 60 * m
        single = travel_times(
            tt, origins, dests, departure_s=t0, window_min=0, reuse_labels=False, percentiles=()
        )
        minutes = single.minutes[:, :, 0].astype(np.float64)
        ok = np.isfinite(minutes)
        arrival = t0 + np.rint(np.where(ok, minutes, 0) * 60).astype(np.int64)
        is_open = schedule.is_open(np.arange(len(dests))[None, :], arrival)
        short = np.rint(np.where(ok, minutes, 0) * 60) <= max_trip_s
        per_minute[m] = np.where(ok & is_open & short, minutes, np.inf)
    stats = np.sort(per_minute, axis=0)[ranks]
    return np.where(np.isfinite(stats), stats, np.nan).transpose(1, 2, 0)


def _walks(tt: Timetable, origins: pd.DataFrame, dests: pd.DataFrame) -> dict[str, object]:
    o_lon, o_lat = point_coordinates(tt, origins)
    d_lon, d_lat = point_coordinates(tt, dests)
    rule = {"max_walk_m": tt.max_walk_m, "walk_speed_m_s": tt.walk_speed_m_s}
    direct = walk_links(o_lon, o_lat, d_lon, d_lat, detour_factor=tt.detour_factor, **rule)
    return {"access": link_points(tt, origins), "egress": link_points(tt, dests), "direct": direct}


@pytest.mark.parametrize("max_trip_min", [12, 25, 10_000])
def test_open_on_arrival_equals_one_query_per_minute(tampere: Timetable, max_trip_min: int) -> None:
    origins = _points(tampere, 12, seed=3)
    dests = _points(tampere, 40, seed=4)
    schedule = _schedule(len(dests))
    ranks = np.concatenate([[0], percentile_ranks([25, 50, 90], WINDOW_MIN)])
    departures = START_S + 60 * np.arange(WINDOW_MIN, dtype=np.int64)
    common = {"departures_s": departures, "ranks": ranks, "open_at_arrival": schedule}
    got = range_minutes(
        tampere, **_walks(tampere, origins, dests), max_trip_s=60 * max_trip_min, **common
    )  # type: ignore[arg-type]
    want = _brute_force(tampere, origins, dests, schedule, 60 * max_trip_min, ranks)
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert np.isfinite(got).any()
    unbounded = range_minutes(tampere, **_walks(tampere, origins, dests), **common)  # type: ignore[arg-type]
    assert np.isnan(got).sum() >= np.isnan(unbounded).sum()
    if max_trip_min == 12:  # the bound matters here
        assert np.isnan(got).sum() > np.isnan(unbounded).sum()
    single = range_minutes(
        tampere,
        **_walks(tampere, origins, dests),
        max_trip_s=60 * max_trip_min,
        reuse_labels=False,
        **common,
    )  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, single)


def test_without_rule_equals_travel_times(tampere: Timetable) -> None:
    origins = _points(tampere, 15, seed=5)
    dests = _points(tampere, 30, seed=6)
    ranks = np.concatenate([[0], percentile_ranks([50], WINDOW_MIN)])
    got = range_minutes(
        tampere,
        **_walks(tampere, origins, dests),  # type: ignore[arg-type]
        departures_s=START_S + 60 * np.arange(WINDOW_MIN, dtype=np.int64),
        ranks=ranks,
    )
    want = travel_times(tampere, origins, dests, departure_s=START_S, window_min=WINDOW_MIN)
    np.testing.assert_array_equal(got, want.minutes)


def test_broken_inputs_say_what_to_fix(tampere: Timetable) -> None:
    origins = _points(tampere, 3, seed=7)
    dests = _points(tampere, 5, seed=8)
    walks = _walks(tampere, origins, dests)
    common = {"departures_s": np.array([START_S]), "ranks": np.array([0])}
    with pytest.raises(DataError, match="öppettider för 4 platser men 5 målpunkter"):
        range_minutes(tampere, **walks, open_at_arrival=_schedule(4), **common)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="max_trip_s"):
        range_minutes(tampere, **walks, max_trip_s=-1, **common)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="stigande ordning"):
        range_minutes(tampere, **walks, departures_s=np.array([START_S, START_S]), ranks=[0])  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"rangerna \(ranks\) måste ligga i 0-0 för 1 avgångar"):
        range_minutes(tampere, **walks, departures_s=np.array([START_S]), ranks=[1])  # type: ignore[arg-type]
    walks["direct"] = walks["egress"]
    with pytest.raises(DataError, match="direkta gångvägar"):
        range_minutes(tampere, **walks, **common)  # type: ignore[arg-type]
