"""GTFS boarding rules on hand-made feeds: each rule, worked out by hand and by the reference.

Every case is a feed of a few trips on stops about 550 m apart (0.01° of longitude at 60° N),
so that with ``max_walk_m=0`` no footpath exists unless a rule adds one. The expected arrival
is written out by hand next to each case, and the time-expanded reference router of
``test_gtfs_rules_reference.py`` must agree with RAPTOR on every stop.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.config import profile
from jamlik.errors import GTFSError
from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.networks.timetable import NO_TRANSFER, WalkLinks, build_timetable
from jamlik.routing.raptor import earliest_arrivals, travel_times
from test_gtfs_rules_reference import Reference, raptor_arrivals

DAY = dt.date(2024, 3, 12)  # a Tuesday
H8 = 8 * 3600
#: stop id -> longitude (all at latitude 60)
STOPS = {"A": 18.00, "B": 18.01, "B2": 18.0105, "C": 18.02, "D": 18.04}


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def hm(text: str) -> int:
    """Seconds of ``HH:MM``."""
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


def write_feed(
    folder: Path,
    trips: dict[str, list[tuple[str, str, int, int]]],
    *,
    blocks: dict[str, str] | None = None,
    transfers: list[tuple[str, ...]] | None = None,
    extra_transfer_columns: str = "",
    routes: dict[str, str] | None = None,
) -> Path:
    """Write a feed: ``trips[trip] = [(stop, HH:MM, pickup_type, drop_off_type), ...]``.

    ``routes`` gives a trip's route (default ``r``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agency.txt").write_text(
        "agency_id,agency_name,agency_url,agency_timezone\na,A,https://a.example,Europe/Stockholm\n"
    )
    (folder / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(f"{s},{s},60.0,{lon}\n" for s, lon in STOPS.items())
    )
    routes = routes or {}
    route_ids = sorted({"r", *routes.values()})
    (folder / "routes.txt").write_text(
        "route_id,route_type\n" + "".join(f"{r},3\n" for r in route_ids)
    )
    (folder / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "wk,1,1,1,1,1,0,0,20240101,20241231\n"
    )
    blocks = blocks or {}
    (folder / "trips.txt").write_text(
        "route_id,service_id,trip_id,block_id\n"
        + "".join(f"{routes.get(t, 'r')},wk,{t},{blocks.get(t, '')}\n" for t in trips)
    )
    lines = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type"]
    for t, rows in trips.items():
        for i, (stop, clock, pickup, drop) in enumerate(rows):
            lines.append(f"{t},{clock}:00,{clock}:00,{stop},{i + 1},{pickup},{drop}")
    (folder / "stop_times.txt").write_text("\n".join(lines) + "\n")
    if transfers is not None:
        head = "from_stop_id,to_stop_id,transfer_type,min_transfer_time" + extra_transfer_columns
        (folder / "transfers.txt").write_text(
            head + "\n" + "".join(",".join(map(str, row)) + "\n" for row in transfers)
        )
    return folder


def stop_index(feed: GTFSFeed, stop: str) -> int:
    return int(np.flatnonzero(feed.stops["stop_id"].to_numpy() == stop)[0])


def arrive(
    feed: GTFSFeed, origin: str, *, max_walk_m: float = 0.0, on_request: str = "forbid"
) -> dict[str, float]:
    """RAPTOR's arrival at every stop from ``origin`` at 08:00, checked against the reference."""
    o = stop_index(feed, origin)
    got = raptor_arrivals(feed, {o: 0}, H8, max_walk_m=max_walk_m, on_request=on_request)
    want = Reference(feed, max_walk_m=max_walk_m, on_request=on_request).arrivals({o: 0}, H8)
    np.testing.assert_array_equal(got, want)
    return dict(zip(feed.stops["stop_id"], got, strict=True))


# ---- pickup_type / drop_off_type ------------------------------------------------------------

EXPRESS = {
    # the example: the express passes B at 08:14 but lets nobody off there
    "express": [("A", "08:00", 0, 0), ("B", "08:14", 0, 1), ("C", "08:20", 0, 0)],
    "local": [("A", "08:05", 0, 0), ("B", "08:33", 0, 0)],
}


def test_no_drop_off_gives_33_not_14_minutes(tmp_path: Path) -> None:
    feed = read_gtfs(write_feed(tmp_path / "f", EXPRESS), service_date=DAY)
    assert feed.report.counts["stop_times_no_drop_off"] == 1
    times = arrive(feed, "A")
    assert times["B"] == hm("08:33")  # the local, 33 minutes; never the express's 14
    assert times["C"] == hm("08:20")  # the express still lets riders off at C
    points = pd.DataFrame({"id": ["a", "b"], "stop_id": ["A", "B"]})
    od = travel_times(build_timetable(feed, max_walk_m=0.0), points, points, departure_s=H8,
                      window_min=0).to_frame()  # fmt: skip
    a_to_b = od[(od["origin_id"] == "a") & (od["destination_id"] == "b")]["minutes_p50"]
    assert a_to_b.item() == 33.0
    # the same feed without the rule: the 14-minute ride the issue found
    free = {t: [(s, c, 0, 0) for s, c, _, _ in rows] for t, rows in EXPRESS.items()}
    assert arrive(read_gtfs(write_feed(tmp_path / "g", free), service_date=DAY), "A")["B"] == hm(
        "08:14"
    )


def test_no_pickup_means_no_boarding(tmp_path: Path) -> None:
    trips = {
        "t1": [("A", "08:00", 0, 0), ("B", "08:10", 1, 0), ("C", "08:20", 0, 0)],
        "t2": [("B", "08:30", 0, 0), ("C", "08:40", 0, 0)],
    }
    feed = read_gtfs(write_feed(tmp_path / "f", trips), service_date=DAY)
    assert feed.report.counts["stop_times_no_pickup"] == 1
    times = arrive(feed, "B")
    assert times["C"] == hm("08:40")  # t1 passes B at 08:10 but takes nobody on there
    assert arrive(feed, "A")["C"] == hm("08:20")  # riders already aboard ride on


@pytest.mark.parametrize(("kind", "on_request", "want"), [
    (2, "forbid", "08:33"), (3, "forbid", "08:33"), (2, "allow", "08:14"), (3, "allow", "08:14"),
])  # fmt: skip
def test_drop_off_on_request(tmp_path: Path, kind: int, on_request: str, want: str) -> None:
    trips = {t: [(s, c, p, kind if d else 0) for s, c, p, d in rows] for t, rows in EXPRESS.items()}
    feed = read_gtfs(write_feed(tmp_path / "f", trips), service_date=DAY)
    assert feed.report.counts["stop_times_drop_off_on_request"] == 1
    assert feed.report.repairs()["stop_times_drop_off_on_request"] == 1  # in the repair report
    assert arrive(feed, "A", on_request=on_request)["B"] == hm(want)


def test_bad_pickup_type_names_the_line(tmp_path: Path) -> None:
    trips = {"t1": [("A", "08:00", 0, 0), ("B", "08:10", 7, 0)]}
    with pytest.raises(GTFSError, match=r"stop_times.txt, line 3, column 'pickup_type'"):
        read_gtfs(write_feed(tmp_path / "f", trips), service_date=DAY)


# ---- transfers.txt --------------------------------------------------------------------------

CHANGE_AT_B = {
    "in": [("A", "08:00", 0, 0), ("B", "08:10", 0, 0)],
    "quick": [("B", "08:12", 0, 0), ("C", "08:20", 0, 0)],
    "slow": [("B", "08:20", 0, 0), ("C", "08:30", 0, 0)],
    "far": [("B2", "08:13", 0, 0), ("C", "08:25", 0, 0)],
    "far_late": [("D", "08:40", 0, 0), ("C", "08:50", 0, 0)],
}


@pytest.mark.parametrize(("rules", "want"), [
    (None, "08:20"),                    # change at B in 2 minutes
    ([("B", "B", 2, "300")], "08:30"),  # at least 5 minutes at B: the 08:12 is missed
    ([("B", "B", 2, "60")], "08:20"),   # 1 minute is enough
    ([("B", "B", 3, "")], "08:50"),     # no change at B; walk B->D (type 2 below) instead
    ([("B", "B", 1, "")], "08:20"),     # timed transfer: possible, times as scheduled
])  # fmt: skip
def test_transfer_within_a_stop(
    tmp_path: Path, rules: list[tuple[str, str, int, str]] | None, want: str
) -> None:
    extra = [("B", "D", 2, "600")]  # an alternative that never beats a change at B
    feed = read_gtfs(
        write_feed(tmp_path / "f", CHANGE_AT_B, transfers=[*(rules or []), *extra]),
        service_date=DAY,
    )
    assert arrive(feed, "A")["C"] == hm(want)


def test_transfer_between_stops(tmp_path: Path) -> None:
    # B and B2 are 28 m apart: within 100 m of walking the change B -> B2 takes
    # round(27.8 m * 1.3 / 1.33 m/s) = 27 s, so the 08:13 from B2 is caught.
    lon = np.array([STOPS["B"], STOPS["B2"]])
    walk_s = int(np.rint(haversine_m(lon[:1], [60.0], lon[1:], [60.0])[0] * 1.3 / 1.33))
    assert walk_s == 27
    only_far = {k: CHANGE_AT_B[k] for k in ("in", "far", "slow")}
    plain = read_gtfs(write_feed(tmp_path / "a", only_far), service_date=DAY)
    assert arrive(plain, "A", max_walk_m=100.0)["C"] == hm("08:25")
    assert arrive(plain, "A", max_walk_m=0.0)["C"] == hm("08:30")  # no footpath: stay at B
    cases = {
        "forbidden": ([("B", "B2", 3, "")], 100.0, "08:30"),  # the footpath is removed
        "slow": ([("B", "B2", 2, "240")], 100.0, "08:30"),  # 4 minutes: the 08:13 is gone
        "added": ([("B", "B2", 2, "120")], 0.0, "08:25"),  # a rule adds the change
        "recommended": ([("B", "B2", 0, "")], 0.0, "08:25"),  # type 0 adds a walk of 27 s
    }
    for name, (rules, max_walk_m, want) in cases.items():
        feed = read_gtfs(write_feed(tmp_path / name, only_far, transfers=rules), service_date=DAY)
        assert arrive(feed, "A", max_walk_m=max_walk_m)["C"] == hm(want), name
    feed = read_gtfs(
        write_feed(tmp_path / "t", only_far, transfers=[("B", "B2", 0, "")]), service_date=DAY
    )
    tt = build_timetable(feed, max_walk_m=0.0)
    b, b2 = stop_index(feed, "B"), stop_index(feed, "B2")
    ends = tt.transfers.target[tt.transfers.ptr[b] : tt.transfers.ptr[b + 1]]
    secs = tt.transfers.seconds[tt.transfers.ptr[b] : tt.transfers.ptr[b + 1]]
    assert ends.tolist() == [b2] and secs.tolist() == [walk_s]


def test_rules_survive_new_footpaths(tmp_path: Path) -> None:
    """Street walks replace the footpaths; the rules are applied to them again."""
    rules = [("B", "B2", 3, ""), ("A", "C", 2, "90"), ("C", "C", 3, "")]
    feed = read_gtfs(write_feed(tmp_path / "f", CHANGE_AT_B, transfers=rules), service_date=DAY)
    tt = build_timetable(feed, max_walk_m=0.0)
    a, b, b2, c = (stop_index(feed, s) for s in ("A", "B", "B2", "C"))
    n = tt.n_stops
    # new walks: B -> B2 in 40 s and B2 -> B in 40 s, nothing else
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[b + 1 :] += 1
    ptr[b2 + 1 :] += 1
    walks = WalkLinks(ptr=ptr, target=np.array([b2, b], np.int32)[np.argsort([b, b2])],
                      seconds=np.array([40, 40], np.int32))  # fmt: skip
    new = tt.with_footpaths(walks, walk_speed_m_s=1.0, detour_factor=1.0, max_walk_m=60.0)
    pairs = {
        (int(i), int(j)): int(s)
        for i in range(n)
        for j, s in zip(
            new.transfers.target[new.transfers.ptr[i] : new.transfers.ptr[i + 1]],
            new.transfers.seconds[new.transfers.ptr[i] : new.transfers.ptr[i + 1]],
            strict=True,
        )
    }
    assert pairs == {(b2, b): 40, (a, c): 90}
    assert new.stop_transfer_s[c] == NO_TRANSFER and new.stop_transfer_s[b] == 0
    assert new.walk_speed_m_s == 1.0


def test_type_2_needs_a_time(tmp_path: Path) -> None:
    with pytest.raises(GTFSError, match=r"transfers.txt, line 2, column 'min_transfer_time'"):
        read_gtfs(
            write_feed(tmp_path / "f", CHANGE_AT_B, transfers=[("B", "B", 2, "")]),
            service_date=DAY,
        )


# ---- block_id -------------------------------------------------------------------------------


def test_stay_seated_into_the_next_trip_of_the_block(tmp_path: Path) -> None:
    trips = {
        "first": [("A", "08:00", 0, 0), ("B", "08:10", 1, 0)],
        # the vehicle drives on to D and leaves as "second"; nobody boards at D (pickup 1 there
        # would stop a waiting rider, not one already aboard)
        "second": [("D", "08:15", 1, 0), ("C", "08:25", 0, 0)],
        "other": [("D", "08:05", 0, 0), ("C", "08:06", 0, 0)],  # its own block: overlapping
    }
    blocks = {"first": "X", "second": "X", "other": "Y"}
    feed = read_gtfs(write_feed(tmp_path / "f", trips, blocks=blocks), service_date=DAY)
    assert feed.report.counts["trips_in_blocks"] == 3
    times = arrive(feed, "A")
    assert times["D"] == hm("08:15") and times["C"] == hm("08:25")  # seated all the way
    one_ride = raptor_arrivals(feed, {stop_index(feed, "A"): 0}, H8, max_walk_m=0.0)
    tt = build_timetable(feed, max_walk_m=0.0)
    single = earliest_arrivals(tt, access_stops=[stop_index(feed, "A")], access_s=[0],
                               departures_s=[H8], max_rides=1)[0]  # fmt: skip
    np.testing.assert_array_equal(single, one_ride)  # staying seated is not a second ride
    unchained = read_gtfs(write_feed(tmp_path / "g", trips), service_date=DAY)
    plain = arrive(unchained, "A")
    assert np.isinf(plain["C"]) and np.isinf(plain["D"])  # D: no boarding, no walk
    # a trip of the block that leaves before the first arrives is not chained
    clash = dict(trips, second=[("D", "08:08", 1, 0), ("C", "08:25", 0, 0)])
    feed = read_gtfs(write_feed(tmp_path / "h", clash, blocks=blocks), service_date=DAY)
    tt = build_timetable(feed, max_walk_m=0.0)
    assert (tt.trip_next < 0).all()
    assert any("overlap" in note for note in tt.notes)
    assert np.isinf(arrive(feed, "A")["C"])


def test_walking_speed_default_is_the_adult_profile(tmp_path: Path) -> None:
    feed = read_gtfs(write_feed(tmp_path / "f", CHANGE_AT_B), service_date=DAY)
    assert build_timetable(feed).walk_speed_m_s == profile("adult").speed_m_s == 1.33


def test_departures_count_only_stops_where_riders_board(tmp_path: Path) -> None:
    """SDG 11.2.1's departures: a stop time without boarding is no departure."""
    from jamlik.indicators.access.transit_service import departure_events

    trips = {
        "t1": [
            ("A", "08:00", 0, 0),
            ("B", "08:10", 1, 0),
            ("C", "08:20", 2, 0),
            ("D", "08:30", 0, 0),
        ],
        "t2": [("B", "09:00", 0, 0), ("C", "09:10", 0, 0)],
    }
    feed = read_gtfs(write_feed(tmp_path / "f", trips), service_date=DAY)
    events = departure_events(feed)
    got = sorted(zip(events["stop_id"], events["time_s"], strict=True))
    # t1 boards only at A (B: no pickup, C: on request, D: its last stop); t2 boards at B
    assert got == [("A", hm("08:00")), ("B", hm("09:00"))]
