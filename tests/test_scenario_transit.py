"""A new line from a scenario gives the same journeys as the same trips written as GTFS."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.scenario import load_scenario
from jamlik.networks.timetable import build_timetable
from jamlik.routing.raptor import travel_times
from jamlik.runs.scenario_transit import edit_feed

ROOT = Path(__file__).resolve().parents[1]
FEED = (ROOT / ".." / "shared" / "data" / "osm_gtfs_tampere" / "tampere_gtfs.zip").resolve()
DATE = dt.date(2021, 12, 14)  # a Tuesday: weekday headways apply
STOPS = [(23.735, 61.495), (23.760, 61.498), (23.785, 61.502), (23.810, 61.506)]
RUN_MIN = [3.0, 4.0, 5.0]
DWELL_S = 30


def _scenario(folder: Path) -> Path:
    path = folder / "line.toml"
    stops = ", ".join(f"[{x}, {y}]" for x, y in STOPS)
    path.write_text(
        '[scenario]\nname = "linje"\n\n[[transit_lines]]\nname = "Linja 99"\n'
        f"stops = [{stops}]\nrun_times_min = {RUN_MIN}\ndwell_s = {DWELL_S}\n"
        'headways = [{ day_type = "weekday", hours = "7-9", minutes = 10 },\n'
        '            { day_type = "saturday", hours = "7-9", minutes = 30 }]\n',
        encoding="utf-8",
    )
    return path


def _gtfs_by_hand(folder: Path) -> Path:
    """The same trips written as a GTFS feed, times worked out here by hand."""
    legs_s = [int(m * 60) for m in RUN_MIN]
    starts = range(7 * 3600, 9 * 3600, 600)
    return hand_feed(
        folder / "line.zip",
        route="r99",
        legs_s=legs_s,
        dwell_s=DWELL_S,
        starts=starts,
        days="1,1,1,1,1,0,0",
    )


def hand_feed(
    path: Path, *, route: str, legs_s: list[int], dwell_s: int, starts: range, days: str
) -> Path:
    """Write one route over :data:`STOPS`, out and back, leaving at ``starts``, as GTFS.

    Arrival at stop ``i + 1`` = departure at stop ``i`` + leg ``i``; intermediate stops add
    ``dwell_s``. ``days`` is the calendar's Monday-Sunday flags.
    """
    rows, trips = [], []
    last = len(STOPS) - 1
    for direction, order in (("out", list(range(last + 1))), ("back", list(range(last, -1, -1)))):
        legs = legs_s if direction == "out" else legs_s[::-1]
        for start in starts:
            trip = f"{direction}{start}"
            trips.append(f"{route},svc,{trip}")
            t = start
            for seq, stop in enumerate(order):
                depart = t + (dwell_s if 0 < seq < last else 0)
                rows.append(f"{trip},{_clock(t)},{_clock(depart)},s{stop},{seq}")
                if seq < last:
                    t = depart + legs[seq]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "agency.txt",
            "agency_id,agency_name,agency_url,agency_timezone\na,A,http://a,Europe/Helsinki\n",
        )
        z.writestr("routes.txt", f"route_id,agency_id,route_short_name,route_type\n{route},a,1,3\n")
        z.writestr(
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
            f"end_date\nsvc,{days},20210101,20221231\n",
        )
        z.writestr("trips.txt", "route_id,service_id,trip_id\n" + "\n".join(trips) + "\n")
        z.writestr(
            "stops.txt",
            "stop_id,stop_name,stop_lat,stop_lon\n"
            + "\n".join(f"s{i},S{i},{y},{x}" for i, (x, y) in enumerate(STOPS))
            + "\n",
        )
        z.writestr(
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "\n".join(rows) + "\n",
        )
    return path


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _points() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    extra = [(23.70 + 0.15 * a, 61.47 + 0.06 * b) for a, b in rng.random((12, 2))]
    coords = STOPS + extra
    return pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(len(coords))],
            "lon": [c[0] for c in coords],
            "lat": [c[1] for c in coords],
        }
    )


def test_new_line_equals_the_same_trips_as_gtfs(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path))
    edited = edit_feed(read_gtfs(FEED, service_date=DATE), scenario)
    written = read_gtfs([FEED, _gtfs_by_hand(tmp_path)], service_date=DATE)
    assert len(edited.stop_times) == len(written.stop_times)
    points = _points()
    kwargs = {"departure_s": 7 * 3600, "window_min": 60, "percentiles": (0, 50, 100)}
    a = travel_times(build_timetable(edited), points, points, **kwargs).to_frame()  # type: ignore[arg-type]
    b = travel_times(build_timetable(written), points, points, **kwargs).to_frame()  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a, b)
    # the line is used: from its first to its last stop within 3 + 0.5 + 4 + 0.5 + 5 minutes
    # plus at most one headway of waiting
    first_last = a[(a["origin_id"] == "p0") & (a["destination_id"] == "p3")]
    assert float(first_last["minutes_p0"].iloc[0]) <= 13.0 + 1e-9


def test_saturday_headways_and_closed_stops(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path))
    saturday = edit_feed(read_gtfs(FEED, service_date=dt.date(2021, 12, 18)), scenario)
    new = saturday.trips["route_id"] == "scenario:Linja 99"
    assert int(new.sum()) == 2 * 4  # 07:00, 07:30, 08:00, 08:30, both directions
    feed = read_gtfs(FEED, service_date=DATE)
    stop = str(feed.stops["stop_id"].iloc[feed.stop_times["stop"].value_counts().index[0]])
    path = tmp_path / "closed.toml"
    path.write_text(f'[scenario]\nname = "c"\n\n[[closed_stops]]\nstop_ids = ["{stop}"]\n')
    closed = edit_feed(feed, load_scenario(path))
    row = int(np.flatnonzero(feed.stops["stop_id"] == stop)[0])
    assert not (closed.stop_times["stop"] == row).any()
    assert len(closed.stop_times) < len(feed.stop_times)
    path.write_text('[scenario]\nname = "c"\n\n[[closed_stops]]\nstop_ids = ["nope"]\n')
    with pytest.raises(DataError, match=r"hållplatserna \['nope'\] finns inte i GTFS-flödet"):
        edit_feed(feed, load_scenario(path))


def test_transit_times_command_with_a_scenario(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jamlik.cli.main import app

    points = _points().iloc[:4]
    points.to_csv(tmp_path / "p.csv", index=False)
    args = [
        "transit-times",
        "--gtfs",
        str(FEED),
        "--date",
        "2021-12-14",
        "--depart",
        "07:00",
        "--origins",
        str(tmp_path / "p.csv"),
        "--destinations",
        str(tmp_path / "p.csv"),
        "--percentiles",
        "0",
    ]
    today = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a.csv")])
    plan = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "b.csv"), "--scenario", str(_scenario(tmp_path))]
    )
    assert today.exit_code == 0 and plan.exit_code == 0, plan.output
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    pair = (a["origin_id"] == "p0") & (a["destination_id"] == "p3")
    assert float(b.loc[pair, "minutes_p0"].iloc[0]) < float(a.loc[pair, "minutes_p0"].iloc[0])
