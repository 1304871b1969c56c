"""Headway changes of existing routes: departures per hour, run times kept, a hand-checked arrival.

A small feed is written here by hand (route r1 every 20 minutes, 06:00-10:00, both ways; legs
of 3, 4 and 5 minutes with 30 s dwells), and the real Tampere feed checks the counts per
pattern on a busy route.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.ingest.scenario import load_scenario
from jamlik.networks.timetable import build_timetable
from jamlik.routing.raptor import travel_times
from jamlik.runs.scenario_transit import edit_feed
from test_scenario_transit import hand_feed

ROOT = Path(__file__).resolve().parents[1]
TAMPERE = (ROOT / ".." / "shared" / "data" / "osm_gtfs_tampere" / "tampere_gtfs.zip").resolve()
DATE = dt.date(2021, 12, 14)  # a Tuesday
LEGS_S = [180, 240, 300]
DWELL_S = 30


def _hand_feed(folder: Path) -> Path:
    starts = range(6 * 3600, 10 * 3600, 1200)
    return hand_feed(
        folder / "hand.zip",
        route="r1",
        legs_s=LEGS_S,
        dwell_s=DWELL_S,
        starts=starts,
        days="1,1,1,1,1,1,1",
    )


def _scenario(folder: Path, route: str, windows: str) -> Path:
    path = folder / "h.toml"
    path.write_text(
        f'[scenario]\nname = "tätare"\n\n[[headway_changes]]\nroute_id = "{route}"\n'
        f"headways = [{windows}]\n",
        encoding="utf-8",
    )
    return path


def _starts(feed: GTFSFeed, route: str) -> pd.DataFrame:
    """First departure and first stop of each trip of ``route`` that has stop times."""
    trips = np.flatnonzero(feed.trips["route_id"].astype(str).str.endswith(route).to_numpy())
    st = feed.stop_times[feed.stop_times["trip"].isin(trips)].sort_values(["trip", "stop_sequence"])
    by = st.groupby("trip")
    return pd.DataFrame(
        {
            "start": by["departure_s"].first(),
            "first": by["stop"].first(),
            "pattern": by["stop"].agg(tuple),
        }
    )


def test_thicker_and_thinner_service_by_hand(tmp_path: Path) -> None:
    feed = read_gtfs(_hand_feed(tmp_path), service_date=DATE)
    windows = (
        '{ day_type = "weekday", hours = "7-8", minutes = 10 }, '
        '{ day_type = "weekday", hours = "8-9", minutes = 30 }, '
        '{ day_type = "sunday", hours = "6-10", minutes = 5 }'
    )
    edited = edit_feed(feed, load_scenario(_scenario(tmp_path, "r1", windows)))
    starts = _starts(edited, "r1")
    for first in starts["first"].unique():  # both directions
        mine = np.sort(starts.loc[starts["first"] == first, "start"].to_numpy()) // 60
        hours = np.bincount(mine // 60, minlength=10)[6:10]
        # 06-07 as before (3), 07-08 every 10 min (6), 08-09 every 30 (2), 09-10 as before (3)
        np.testing.assert_array_equal(hours, [3, 6, 2, 3])
        np.testing.assert_array_equal(
            mine[(mine >= 420) & (mine < 540)], [420, 430, 440, 450, 460, 470, 480, 510]
        )
    # every trip keeps the run and dwell times of the route's pattern
    st = edited.stop_times.sort_values(["trip", "stop_sequence"])
    out = st[st["trip"].isin(starts.index[starts["first"] == starts["first"].iloc[0]])]
    arrive = out["arrival_s"].to_numpy().reshape(-1, 4)
    depart = out["departure_s"].to_numpy().reshape(-1, 4)
    legs = arrive[:, 1:] - depart[:, :-1]
    assert (legs == legs[0]).all() and (depart - arrive == depart[0] - arrive[0]).all()
    # the Sunday window does not apply on a Tuesday; the other route rows are untouched
    assert len(starts) == 2 * 14


def test_hand_checked_arrival(tmp_path: Path) -> None:
    """From s0 at 07:05 to s3: wait for 07:10 (was 07:20), ride 3 + 0.5 + 4 + 0.5 + 5 min."""
    feed = read_gtfs(_hand_feed(tmp_path), service_date=DATE)
    edited = edit_feed(
        feed,
        load_scenario(
            _scenario(tmp_path, "r1", '{ day_type = "weekday", hours = "7-9", minutes = 10 }')
        ),
    )
    o = pd.DataFrame({"id": ["a"], "stop_id": ["s0"]})
    d = pd.DataFrame({"id": ["b"], "stop_id": ["s3"]})
    kwargs = {"departure_s": 7 * 3600 + 300, "window_min": 0, "percentiles": (0,)}
    before = travel_times(build_timetable(feed), o, d, **kwargs).to_frame()  # type: ignore[arg-type]
    after = travel_times(build_timetable(edited), o, d, **kwargs).to_frame()  # type: ignore[arg-type]
    assert float(before["minutes_p0"].iloc[0]) == pytest.approx(15 + 13)
    assert float(after["minutes_p0"].iloc[0]) == pytest.approx(5 + 13)


def test_busy_tampere_route_every_five_minutes(tmp_path: Path) -> None:
    feed = read_gtfs([TAMPERE, _hand_feed(tmp_path)], service_date=DATE)  # prefixed ids
    route = "18"
    before = _starts(feed, ":" + route)
    assert len(before) > 20
    edited = edit_feed(
        feed,
        load_scenario(
            _scenario(tmp_path, route, '{ day_type = "weekday", hours = "7-9", minutes = 5 }')
        ),
    )
    after = _starts(edited, ":" + route)
    lo, hi = 7 * 3600, 9 * 3600
    inside = before[(before["start"] >= lo) & (before["start"] < hi)]
    for pattern, group in inside.groupby("pattern"):
        t0 = int(group["start"].min())
        got = np.sort(after.loc[after["pattern"] == pattern, "start"].to_numpy())
        got = got[(got >= lo) & (got < hi)]
        assert got.size == math.ceil((hi - t0) / 300)
        np.testing.assert_array_equal(np.diff(got), 300)
    outside = ~before["start"].between(lo, hi - 1)
    outside_after = ~after["start"].between(lo, hi - 1)
    assert sorted(before.loc[outside, "start"]) == sorted(after.loc[outside_after, "start"])
