"""The sample town's generated timetable: valid GTFS for jamlik's reader, arrivals by hand."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.datasets import Town, generate_town, write_town_pack
from jamlik.datasets._gtfs import DWELL_S, HEADWAYS, town_gtfs_tables, town_lines
from jamlik.ingest import load_pack
from jamlik.ingest.gtfs import read_gtfs
from jamlik.runs.transit_times import transit_od_times

TUESDAY = dt.date(2025, 3, 4)


@pytest.fixture(scope="module")
def town_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Town, Path]:
    town = generate_town(n_nodes=2500, seed=7)
    return town, write_town_pack(town, tmp_path_factory.mktemp("gtfs_town"), seed=7)


def _expected_trips(n_lines: int, day_type: str) -> int:
    total = 0
    for line in range(n_lines):
        for kind, first, last, main_min, other_min in HEADWAYS:
            if kind != day_type:
                continue
            headway = main_min if line == 0 else other_min
            total += 2 * len(range(0, (last - first) * 60, headway))  # both directions
    return total


def test_feed_is_valid_and_read_without_repairs(town_pack: tuple[Town, Path]) -> None:
    town, pack_file = town_pack
    pack = load_pack(pack_file)
    assert len(pack.gtfs_paths) == 1
    with zipfile.ZipFile(pack.gtfs_paths[0]) as archive:
        names = set(archive.namelist())
    assert {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
            "calendar.txt"} <= names  # fmt: skip
    lines = town_lines(town)
    assert 2 <= len(lines) <= 4
    for day_type, date in (("weekday", TUESDAY), ("saturday", dt.date(2025, 3, 8)),
                           ("sunday", dt.date(2025, 3, 9))):  # fmt: skip
        feed = read_gtfs(pack.gtfs_paths, service_date=date)
        repairs = {k: v for k, v in feed.report.counts.items() if k not in ("feeds", "stops",
                   "trips", "stop_times")}  # fmt: skip
        assert not any(repairs.values()), repairs
        # Offsets shift a start by at most 9 minutes: it can push one departure out of a window.
        expected = _expected_trips(len(lines), day_type)
        assert expected - 2 * len(HEADWAYS) * len(lines) <= len(feed.trips) <= expected


def test_same_seed_same_feed_and_stops_along_their_street(town_pack: tuple[Town, Path]) -> None:
    town, _ = town_pack
    a = town_gtfs_tables(town, seed=7)
    b = town_gtfs_tables(town, seed=7)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    for line in town_lines(town):
        assert all(name.startswith(line.street) for name in line.stop_names)
        gaps = np.hypot(np.diff(line.x), np.diff(line.y))
        assert (gaps >= 250.0 - 1e-6).all()


def test_a_trip_arrives_when_worked_out_by_hand(town_pack: tuple[Town, Path]) -> None:
    town, pack_file = town_pack
    pack = load_pack(pack_file)
    line = town_lines(town)[0]
    tables = town_gtfs_tables(town, seed=7)
    stops = tables["stops.txt"].set_index("stop_id")
    times = tables["stop_times.txt"]
    first = times[times["trip_id"].str.startswith(f"{line.route_id}-weekday-0-")]
    departures = sorted(first.loc[first["stop_sequence"] == 1, "departure_time"])
    h, m, s = (int(v) for v in departures[0].split(":"))
    offset_s = h * 3600 + m * 60 + s - 5 * 3600  # the first trip leaves at 05:00 + offset
    # By hand: weekday 06-09 every 10 minutes from 06:00 + offset; the first at or after 07:00.
    leave_s = 6 * 3600 + offset_s
    while leave_s < 7 * 3600:
        leave_s += 10 * 60
    arrive_s = leave_s + int(line.run_min[0] * 60) + DWELL_S + int(line.run_min[1] * 60)
    ids = [f"{line.route_id}-1", f"{line.route_id}-3"]
    points = [
        pd.DataFrame({"id": [i], "lon": [float(stops.loc[i, "stop_lon"])],
                      "lat": [float(stops.loc[i, "stop_lat"])]})
        for i in ids
    ]  # fmt: skip
    result = transit_od_times(
        pack.gtfs_paths, points[0], points[1], service_date=TUESDAY, departure_s=7 * 3600,
        window_min=1, walk_speed_m_s=1.3, max_walk_m=0.0,
    )  # fmt: skip
    minutes = float(result.times.minutes[0, 0, 0])
    assert minutes == pytest.approx((arrive_s - 7 * 3600) / 60.0, abs=1e-3)
    assert 0 < minutes < 40  # plausible for two legs of a town bus


def test_report_starts_transit_at_the_feed_calendar_start(town_pack: tuple[Town, Path]) -> None:
    from jamlik.datasets._gtfs import FEED_START
    from jamlik.report.content import feed_start_date

    assert feed_start_date(load_pack(town_pack[1])) == FEED_START
