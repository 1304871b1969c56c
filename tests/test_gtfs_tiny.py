"""A hand-checked tiny feed: calendar rules, interpolation, frequencies, past-midnight trips,
and RAPTOR answers worked out by hand."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.networks.timetable import build_timetable
from jamlik.routing.raptor import earliest_arrivals, travel_times

# Stops on the meridian 18°E; 0.01° of latitude is about 1.1 km, so with max_walk_m=100 only
# C and E (0.0005° ≈ 55.6 m apart) are linked by a footpath.
STOPS = """stop_id,stop_name,stop_lat,stop_lon
A,A,59.00,18.0
X,X,59.01,18.0
B,B,59.02,18.0
C,C,59.04,18.0
E,E,59.0405,18.0
D,D,59.06,18.0
F,F,59.10,18.0
G,G,59.12,18.0
"""
ROUTES = "route_id,route_type\nR1,3\nR2,0\nR3,3\nR4,3\n"
TRIPS = """route_id,service_id,trip_id
R1,WK,t1
R1,WK,t2
R2,WK,u1
R3,WK,f1
R4,WK,late
R1,SAT,s1
"""
# t1: X has blank times (half-way between A and B in distance, so 08:05:00).
STOP_TIMES = """trip_id,arrival_time,departure_time,stop_id,stop_sequence
t1,08:00:00,08:00:00,A,1
t1,,,X,2
t1,08:10:00,08:10:00,B,3
t1,08:20:00,08:20:00,C,4
t2,08:30:00,08:30:00,A,1
t2,08:40:00,08:40:00,B,2
t2,08:50:00,08:50:00,C,3
u1,08:25:00,08:25:00,E,1
u1,08:40:00,08:40:00,D,2
f1,00:00:00,00:00:00,F,1
f1,00:07:00,00:07:00,G,2
late,25:10:00,25:10:00,F,1
late,25:30:00,25:30:00,G,2
s1,09:00:00,09:00:00,A,1
s1,09:10:00,09:10:00,B,2
"""
CALENDAR = """service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,\
end_date
WK,1,1,1,1,1,0,0,20240101,20241231
SAT,0,0,0,0,0,1,0,20240101,20241231
"""
# On Tuesday 2024-03-12 WK is removed and SAT added (calendar_dates exceptions).
CALENDAR_DATES = "service_id,date,exception_type\nWK,20240312,2\nSAT,20240312,1\n"
FREQUENCIES = "trip_id,start_time,end_time,headway_secs\nf1,09:00:00,10:00:00,1200\n"
TUESDAY = dt.date(2024, 3, 5)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def write_feed(folder: Path, **override: str) -> Path:
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\na,A,https://a.se,"
        "Europe/Stockholm\n",
        "stops.txt": STOPS,
        "routes.txt": ROUTES,
        "trips.txt": TRIPS,
        "stop_times.txt": STOP_TIMES,
        "calendar.txt": CALENDAR,
        "calendar_dates.txt": CALENDAR_DATES,
        "frequencies.txt": FREQUENCIES,
    }
    files.update(override)
    path = folder / "tiny.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _times(feed: GTFSFeed, trip_id: str) -> list[int]:
    code = int(np.flatnonzero(feed.trips["trip_id"] == trip_id)[0])
    st = feed.stop_times
    return st.loc[st["trip"] == code, "departure_s"].tolist()


def test_calendar_interpolation_frequencies(tmp_path: Path) -> None:
    feed = read_gtfs(write_feed(tmp_path), service_date=TUESDAY)
    ids = set(feed.trips["trip_id"])
    # weekday trips run, the Saturday trip does not; the frequency template becomes 3 trips
    assert {"t1", "t2", "u1", "late"} <= ids
    assert "s1" not in ids
    assert {"f1#09:00:00", "f1#09:20:00", "f1#09:40:00"} <= ids
    assert "f1" not in ids
    assert feed.report.counts["frequency_trips_added"] == 3
    assert _times(feed, "f1#09:20:00") == [9 * 3600 + 1200, 9 * 3600 + 1200 + 420]
    # X is half-way between A (08:00) and B (08:10) in distance: 08:05:00
    assert _times(feed, "t1") == [8 * 3600, 8 * 3600 + 300, 8 * 3600 + 600, 8 * 3600 + 1200]
    assert feed.report.counts["times_interpolated_distance"] == 1
    # the trip past midnight keeps its 25:10 time on its own day ...
    assert _times(feed, "late") == [25 * 3600 + 600, 25 * 3600 + 1800]
    # ... and appears at 01:10 on the next day as a previous-day trip
    assert _times(feed, "late@prev") == [3600 + 600, 3600 + 1800]
    assert feed.report.counts["previous_day_trips"] == 1


def test_calendar_dates_exceptions(tmp_path: Path) -> None:
    feed = read_gtfs(write_feed(tmp_path), service_date=dt.date(2024, 3, 12))
    ids = set(feed.trips["trip_id"])
    assert "s1" in ids  # added by exception_type 1
    assert "t1" not in ids  # removed by exception_type 2
    assert "late@prev" in ids  # Monday's trip still runs after midnight


def test_interpolation_by_shape_distance(tmp_path: Path) -> None:
    st = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
        "t1,08:00:00,08:00:00,A,1,0\nt1,,,X,2,0.9\nt1,08:10:00,08:10:00,B,3,1.0\n"
    )
    trips = "route_id,service_id,trip_id\nR1,WK,t1\n"
    feed = read_gtfs(
        write_feed(tmp_path, **{"stop_times.txt": st, "trips.txt": trips, "frequencies.txt": ""}),
        service_date=TUESDAY,
    )
    assert _times(feed, "t1") == [8 * 3600, 8 * 3600 + 540, 8 * 3600 + 600]
    assert feed.report.counts["times_interpolated_shape"] == 1


def test_hand_checked_journeys(tmp_path: Path) -> None:
    feed = read_gtfs(write_feed(tmp_path), service_date=TUESDAY)
    tt = build_timetable(feed, max_walk_m=100.0)
    stop = {s: i for i, s in enumerate(tt.stop_ids)}
    walk_ce = int(tt.transfers.seconds[tt.transfers.target == stop["E"]][0])
    # 55.6 m x 1.3 / 1.33 m/s (the adult profile, as walk mode) = 54 s
    assert walk_ce == 54
    t0 = 7 * 3600 + 58 * 60
    got = earliest_arrivals(
        tt, access_stops=[stop["A"]], access_s=[0], departures_s=[t0], max_rides=2
    )[0]
    assert got[stop["C"]] == 8 * 3600 + 1200  # t1 to C at 08:20
    assert got[stop["E"]] == 8 * 3600 + 1200 + 54  # then 54 s on foot
    assert got[stop["D"]] == 8 * 3600 + 2400  # u1 leaves E at 08:25, D at 08:40
    one_ride = earliest_arrivals(
        tt, access_stops=[stop["A"]], access_s=[0], departures_s=[t0], max_rides=1
    )[0]
    assert np.isinf(one_ride[stop["D"]])
    # 5 minutes of transfer slack: 08:20:54 + 300 s misses u1 at 08:25; no later trip
    slack = earliest_arrivals(
        tt, access_stops=[stop["A"]], access_s=[0], departures_s=[t0], transfer_slack_s=300
    )[0]
    assert np.isinf(slack[stop["D"]])
    # the first boarding has no slack: t1 leaves A at 08:00, C at 08:20
    assert slack[stop["C"]] == 8 * 3600 + 1200
    # 4 minutes of slack: 08:20:54 + 240 s = 08:24:54 still catches u1
    slack = earliest_arrivals(
        tt, access_stops=[stop["A"]], access_s=[0], departures_s=[t0], transfer_slack_s=240
    )[0]
    assert slack[stop["D"]] == 8 * 3600 + 2400


def test_hand_checked_window_statistics(tmp_path: Path) -> None:
    feed = read_gtfs(write_feed(tmp_path), service_date=TUESDAY)
    tt = build_timetable(feed, max_walk_m=100.0)
    origins = pd.DataFrame({"id": ["o"], "stop_id": ["A"]})
    dests = pd.DataFrame({"id": ["c", "d"], "stop_id": ["C", "D"]})
    # departures 07:58, 07:59, 08:00, 08:01: to C 22, 21, 20, 49 minutes (08:01 waits for t2)
    res = travel_times(
        tt, origins, dests, departure_s=7 * 3600 + 58 * 60, window_min=4, percentiles=(50, 75)
    )
    assert res.statistics == ("min", "p50", "p75")
    np.testing.assert_allclose(res.minutes[0, 0], [20.0, 21.0, 22.0])
    # to D: 42, 41, 40 minutes, then unreachable (u1 is the only trip): p75 is the 3rd of 4
    np.testing.assert_allclose(res.minutes[0, 1], [40.0, 41.0, 42.0])
    res = travel_times(tt, origins, dests, departure_s=8 * 3600 + 60, window_min=0)
    np.testing.assert_allclose(res.minutes[0, :, 0], [49.0, np.nan])
    # a destination 55.6 m from the origin is reached on foot in 54 s without any ride
    walk = travel_times(
        tt, pd.DataFrame({"id": ["c"], "stop_id": ["C"]}), pd.DataFrame({"id": ["e"],
        "lon": [18.0], "lat": [59.0405]}), departure_s=0, window_min=0,
    )  # fmt: skip
    np.testing.assert_allclose(walk.minutes[0, 0, 0], 54 / 60, rtol=1e-6)


def test_overtaking_trips_split_into_routes(tmp_path: Path) -> None:
    # t2 leaves A after t1 but reaches B before it: they cannot share a RAPTOR route
    st = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "t1,08:00:00,08:00:00,A,1\nt1,08:30:00,08:30:00,B,2\n"
        "t2,08:05:00,08:05:00,A,1\nt2,08:15:00,08:15:00,B,2\n"
    )
    trips = "route_id,service_id,trip_id\nR1,WK,t1\nR1,WK,t2\n"
    feed = read_gtfs(
        write_feed(tmp_path, **{"stop_times.txt": st, "trips.txt": trips, "frequencies.txt": ""}),
        service_date=TUESDAY,
    )
    tt = build_timetable(feed, max_walk_m=0.0)
    assert tt.n_routes == 2
    stop = {s: i for i, s in enumerate(tt.stop_ids)}
    got = earliest_arrivals(
        tt, access_stops=[stop["A"]], access_s=[0], departures_s=[7 * 3600 + 59 * 60]
    )[0]
    assert got[stop["B"]] == 8 * 3600 + 900


@pytest.mark.parametrize("max_walk_m", [0.0, 100.0])
def test_no_walk_means_same_stop_transfers(tmp_path: Path, max_walk_m: float) -> None:
    feed = read_gtfs(write_feed(tmp_path), service_date=TUESDAY)
    tt = build_timetable(feed, max_walk_m=max_walk_m)
    stop = {s: i for i, s in enumerate(tt.stop_ids)}
    got = earliest_arrivals(tt, access_stops=[stop["A"]], access_s=[0], departures_s=[7 * 3600])[0]
    assert np.isinf(got[stop["D"]]) == (max_walk_m == 0.0)


def test_several_feeds_are_merged_with_prefixes(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = write_feed(tmp_path / "a")
    off_season = CALENDAR.replace("20241231", "20240201")
    two = write_feed(tmp_path / "b", **{"calendar.txt": off_season, "calendar_dates.txt": ""})
    single = read_gtfs(one, service_date=TUESDAY)
    both = read_gtfs([one, one], service_date=TUESDAY, prefixes=["x", "y"])
    assert len(both.stop_times) == 2 * len(single.stop_times)
    assert set(both.trips["trip_id"]) == {f"{p}:{t}" for p in "xy" for t in single.trips["trip_id"]}
    assert both.stops["stop_id"].tolist()[:2] == ["x:A", "x:X"]
    # a feed without service that day is noted, the other one still routes
    mixed = read_gtfs([one, two], service_date=TUESDAY, prefixes=["x", "y"])
    assert len(mixed.stop_times) == len(single.stop_times)
    assert any("tiny.zip (y): no trip runs on 2024-03-05" in n for n in mixed.report.notes)
