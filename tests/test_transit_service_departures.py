"""Departures per stop and hour against a plain pandas recount of the raw GTFS files.

The oracle reads ``calendar.txt``/``calendar_dates.txt``, ``trips.txt`` and ``stop_times.txt``
straight from the zip with pandas, decides which trips run (weekday flag and date range, then
the exceptions), drops each trip's last stop time (no boarding there) and counts departures on
the date's clock: the date's own trips before 24:00 plus the previous day's trips after
midnight (GTFS times of 24:00 or later, minus 24 h).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.indicators.access.transit_service import departure_events, departures_per_hour
from jamlik.ingest.gtfs import read_gtfs

CASES = [
    ("osm_gtfs_tampere/tampere_gtfs.zip", dt.date(2021, 12, 14)),
    ("gtfs_kuopio/gtfs_kuopio_2016_2017.zip", dt.date(2016, 11, 15)),
    ("gtfs_kuopio/gtfs_kuopio_2016_2017.zip", dt.date(2017, 2, 26)),  # a Sunday
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _read(archive: zipfile.ZipFile, name: str) -> pd.DataFrame | None:
    if name not in archive.namelist():
        return None
    with archive.open(name) as handle:
        frame = pd.read_csv(handle, dtype=str, encoding="utf-8-sig")
    return frame.apply(lambda col: col.str.strip())


def _services(cal: pd.DataFrame | None, dates: pd.DataFrame | None, day: dt.date) -> set[str]:
    running: set[str] = set()
    stamp = day.strftime("%Y%m%d")
    if cal is not None:
        inside = (cal["start_date"] <= stamp) & (cal["end_date"] >= stamp)
        running = set(cal.loc[inside & (cal[WEEKDAYS[day.weekday()]] == "1"), "service_id"])
    if dates is not None:
        today = dates[dates["date"] == stamp]
        running |= set(today.loc[today["exception_type"] == "1", "service_id"])
        running -= set(today.loc[today["exception_type"] == "2", "service_id"])
    return running


def _seconds(values: pd.Series) -> np.ndarray:
    parts = values.str.split(":", expand=True).astype(int)
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()


def _raw_counts(path: Path, day: dt.date) -> pd.Series:
    with zipfile.ZipFile(path) as archive:
        cal = _read(archive, "calendar.txt")
        dates = _read(archive, "calendar_dates.txt")
        trips = _read(archive, "trips.txt")
        st = _read(archive, "stop_times.txt")
    assert trips is not None and st is not None
    st = st.drop_duplicates(["trip_id", "stop_sequence"])
    st["seq"] = st["stop_sequence"].astype(int)
    st["dep"] = _seconds(st["departure_time"])
    last = st.groupby("trip_id")["seq"].transform("max")
    st = st[st["seq"] < last]  # the last stop time of a trip is not a departure
    today = set(trips.loc[trips["service_id"].isin(_services(cal, dates, day)), "trip_id"])
    yesterday = _services(cal, dates, day - dt.timedelta(days=1))
    prev = set(trips.loc[trips["service_id"].isin(yesterday), "trip_id"])
    own = st[st["trip_id"].isin(today) & (st["dep"] < 86_400)]
    late = st[st["trip_id"].isin(prev) & (st["dep"] >= 86_400)].assign(dep=lambda f: f.dep - 86_400)
    both = pd.concat([own, late])
    both = both[both["dep"] < 86_400]
    return both.groupby([both["stop_id"], both["dep"] // 3600]).size()


@pytest.mark.parametrize(("relative", "day"), CASES)
def test_departures_per_hour_equal_a_pandas_recount(
    shared_data: Path, relative: str, day: dt.date
) -> None:
    path = shared_data / relative
    expected = _raw_counts(path, day)
    table = departures_per_hour(read_gtfs(path, service_date=day))
    assert list(table.columns) == list(range(24))
    got = table.stack()
    got = got[got > 0]
    got.index = got.index.set_names(expected.index.names)
    expected = expected.sort_index()
    got = got.sort_index()
    assert expected.sum() > 1000
    assert got.index.equals(expected.index)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


def test_kuopio_counts_the_previous_days_trips_after_midnight(shared_data: Path) -> None:
    # Kuopio times run to 35:07; the 2016-11-15 day starts with trips of 2016-11-14.
    feed = read_gtfs(shared_data / CASES[1][0], service_date=CASES[1][1])
    events = departure_events(feed)
    prev = feed.trips["trip_id"].str.endswith("@prev").to_numpy()[events["trip"].to_numpy()]
    assert prev.any()
    assert (events.loc[prev, "time_s"] < 6 * 3600).all()
    assert events["time_s"].between(0, 86_399).all()
    assert set(events["mode"]) == {"bus"} and set(events["capacity"]) == {"low"}
