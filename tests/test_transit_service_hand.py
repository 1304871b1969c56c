"""Headways, stop frequency, route modes and departures per area on a tiny hand-made feed.

Monday 2024-01-08. Stops A, B, C on the meridian 18°E. Bus route R1 runs A -> B four times
(08:00, 08:10, 08:30, 09:05 at A) and once late A -> B -> C (23:50, 24:10, 24:20); rail route
R2 runs A -> C at 08:15. B and C are last stops except on the late trip, whose B departure is
at 24:10, i.e. 00:10 on Tuesday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from jamlik.errors import CRSError, DataError
from jamlik.indicators.access.transit_service import (
    MODE_CAPACITY,
    departures_per_area,
    departures_per_hour,
    headways,
    route_modes,
    stop_service,
)
from jamlik.ingest.gtfs import GTFSFeed, read_gtfs

MONDAY = dt.date(2024, 1, 8)
FILES = {
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,A,59.00,18.0\nB,B,59.02,18.0\n"
    "C,C,59.04,18.0\n",
    "routes.txt": "route_id,route_type\nR1,3\nR2,2\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,MON,b1\nR1,MON,b2\nR1,MON,b3\nR1,MON,b4\n"
    "R1,MON,late\nR2,MON,r1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "b1,08:00:00,08:00:00,A,1\nb1,08:05:00,08:05:00,B,2\n"
    "b2,08:10:00,08:10:00,A,1\nb2,08:15:00,08:15:00,B,2\n"
    "b3,08:30:00,08:30:00,A,1\nb3,08:35:00,08:35:00,B,2\n"
    "b4,09:05:00,09:05:00,A,1\nb4,09:10:00,09:10:00,B,2\n"
    "late,23:50:00,23:50:00,A,1\nlate,24:10:00,24:10:00,B,2\nlate,24:20:00,24:20:00,C,3\n"
    "r1,08:15:00,08:15:00,A,1\nr1,08:40:00,08:40:00,C,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nMON,1,0,0,0,0,0,0,20240101,20241231\n",
}


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def feed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny_gtfs")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def monday(feed_dir: Path) -> GTFSFeed:
    return read_gtfs(feed_dir, service_date=MONDAY)


def test_departures_skip_last_stops_and_times_after_midnight(monday: GTFSFeed) -> None:
    table = departures_per_hour(monday)
    assert table.loc["A", 8] == 4 and table.loc["A", 9] == 1 and table.loc["A", 23] == 1
    assert table.loc["A"].sum() == 6
    assert table.loc["B"].sum() == 0  # last stop of b1-b4; the late trip leaves B at 24:10
    assert table.loc["C"].sum() == 0


def test_tuesday_counts_mondays_late_trip_at_00(feed_dir: Path) -> None:
    table = departures_per_hour(read_gtfs(feed_dir, service_date=MONDAY + dt.timedelta(days=1)))
    assert table.loc["B", 0] == 1
    assert table.to_numpy().sum() == 1


def test_headways_by_hand(monday: GTFSFeed) -> None:
    h = headways(monday).set_index(["stop_id", "route_id", "hour"])
    # R1 at A: 08:00, 08:10, 08:30, 09:05, 23:50 -> gaps 10, 20, 35 (from 08:30), 885 (from 09:05).
    row = h.loc[("A", "R1", 8)]
    assert row["departures"] == 3 and row["gaps"] == 3
    assert row["mean_headway_min"] == pytest.approx((10 + 20 + 35) / 3)
    assert row["median_headway_min"] == pytest.approx(20)
    assert h.loc[("A", "R1", 9), "mean_headway_min"] == pytest.approx(885)
    last = h.loc[("A", "R1", 23)]
    assert last["gaps"] == 0 and np.isnan(last["mean_headway_min"])
    single = h.loc[("A", "R2", 8)]
    assert single["departures"] == 1 and np.isnan(single["median_headway_min"])
    assert set(h.index.get_level_values("stop_id")) == {"A"}


def test_stop_service_by_hand(monday: GTFSFeed) -> None:
    # Window 08:00-09:00 at A: 08:00, 08:10, 08:15 (rail), 08:30 -> n = 4, mean 15 min,
    # waits 0, 10, 5, 15 and 30 to the window's end -> max gap 30 min.
    avg = stop_service(monday, window=(8 * 3600, 9 * 3600), bands_min=(15, 20, 30)).set_index(
        "stop_id"
    )
    a = avg.loc["A"]
    assert a["capacity"] == "high" and a["modes"] == "bus;rail"
    assert a["departures_window"] == 4 and a["departures_day"] == 6
    assert a["mean_headway_min"] == pytest.approx(15)
    assert a["max_gap_min"] == pytest.approx(30)
    assert a["frequent_15min"] and a["frequent_20min"] and a["frequent_30min"]
    gap = stop_service(
        monday, window=(8 * 3600, 9 * 3600), bands_min=(15, 20, 30), rule="max_gap"
    ).set_index("stop_id")
    assert not gap.loc["A", "frequent_15min"] and not gap.loc["A", "frequent_20min"]
    assert gap.loc["A", "frequent_30min"]
    assert avg.loc["B", "capacity"] == "none" and not avg.loc["B", "frequent_30min"]
    assert np.isnan(avg.loc["B", "mean_headway_min"]) and avg.loc["B", "max_gap_min"] == 60
    with pytest.raises(DataError, match="window"):
        stop_service(monday, window=(9 * 3600, 8 * 3600))
    with pytest.raises(DataError, match="bands"):
        stop_service(monday, bands_min=(0,))
    with pytest.raises(DataError, match="rule"):
        stop_service(monday, rule="median")  # type: ignore[arg-type]


def test_departures_per_area(monday: GTFSFeed) -> None:
    boxes = [shapely.box(17.9, 58.99, 18.1, 59.01), shapely.box(17.9, 59.01, 18.1, 59.05)]
    areas = gpd.GeoDataFrame(
        {"name": ["south", "north"]},
        geometry=boxes,
        index=pd.Index(["s", "n"], name="area_id"),
        crs="EPSG:4326",
    ).to_crs("EPSG:3006")
    table = departures_per_area(monday, areas)
    assert table.loc["s", "stops"] == 1 and table.loc["n", "stops"] == 2
    per_stop = departures_per_hour(monday)
    np.testing.assert_array_equal(table.loc["s", list(range(24))], per_stop.loc["A"])
    assert table.loc["n", list(range(24))].sum() == 0
    with pytest.raises(CRSError, match="CRS"):
        departures_per_area(monday, gpd.GeoDataFrame(geometry=boxes))


@pytest.mark.parametrize(
    ("code", "mode", "capacity"),
    [
        (0, "tram", "low"), (1, "metro", "high"), (2, "rail", "high"), (3, "bus", "low"),
        (4, "ferry", "high"), (5, "cable_tram", "low"), (6, "aerial_lift", "low"),
        (7, "funicular", "low"), (11, "trolleybus", "low"), (12, "monorail", "high"),
        (109, "rail", "high"), (202, "coach", "low"), (300, "rail", "high"),
        (401, "metro", "high"), (405, "monorail", "high"), (500, "metro", "high"),
        (700, "bus", "low"), (800, "trolleybus", "low"), (900, "tram", "low"),
        (1000, "ferry", "high"), (1100, "air", "none"), (1200, "ferry", "high"),
        (1300, "aerial_lift", "low"), (1400, "funicular", "low"), (1501, "taxi", "none"),
        (1700, "other", "low"), (-1, "unknown", "low"), (8, "unknown", "low"),
        (1800, "unknown", "low"),
    ],
)  # fmt: skip
def test_route_modes(code: int, mode: str, capacity: str) -> None:
    assert route_modes([code])[0] == mode
    assert MODE_CAPACITY[mode] == capacity
