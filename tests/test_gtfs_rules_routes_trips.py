"""Rows of ``transfers.txt`` for particular routes and trips, and in-seat rows, on hand-made feeds.

Stops and the feed writer are those of ``test_gtfs_rules_tiny.py`` (stops about 556 m apart on
latitude 60, B2 28 m from B; ``max_walk_m=0`` unless said). Every case writes out the answer
worked by hand, and :func:`arrive` checks RAPTOR against the time-expanded reference router at
every stop. The GTFS ladder of specificity (gtfs.org, "transfers.txt"): both trips > one trip
and the other route > one trip > both routes > one route > stops only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jamlik.errors import GTFSError
from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.networks.timetable import Timetable, WalkLinks, build_timetable
from jamlik.networks.transfer_rules import specificity
from jamlik.routing.raptor import earliest_arrivals
from test_gtfs_rules_tiny import DAY, H8, STOPS, arrive, hm, stop_index, write_feed

COLUMNS = ",from_route_id,to_route_id,from_trip_id,to_trip_id"

#: Two ways into B (routes R1 and R2), two trips of route R3 from B to C.
INTO_B = {
    "in1": [("A", "08:00", 0, 0), ("B", "08:10", 0, 0)],
    "in2": [("A", "08:01", 0, 0), ("B", "08:16", 0, 0)],
    "out": [("B", "08:15", 0, 0), ("C", "08:25", 0, 0)],
    "late": [("B", "08:40", 0, 0), ("C", "08:50", 0, 0)],
}
ROUTES = {"in1": "R1", "in2": "R2", "out": "R3", "late": "R3"}
#: No change from route R1 to route R3 at B (both routes, rank 3).
R1_R3_FORBIDDEN = ("B", "B", 3, "", "R1", "R3", "", "")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def feed_with(
    folder: Path,
    rules: list[tuple[str, ...]],
    trips: dict[str, list[tuple[str, str, int, int]]] | None = None,
    **kwargs: object,
) -> GTFSFeed:
    return read_gtfs(
        write_feed(
            folder,
            trips or INTO_B,
            routes=ROUTES,
            transfers=rules,
            extra_transfer_columns=COLUMNS,
            **kwargs,  # type: ignore[arg-type]
        ),
        service_date=DAY,
    )


def test_ladder_of_specificity() -> None:
    # (from_route, to_route, from_trip, to_trip) -> rank, as the GTFS reference lists them
    assert specificity(False, False, True, True) == 6
    assert specificity(False, True, True, False) == specificity(True, False, False, True) == 5
    assert specificity(False, False, True, False) == specificity(False, False, False, True) == 4
    assert specificity(True, True, False, False) == 3
    assert specificity(True, False, False, False) == specificity(False, True, False, False) == 2
    assert specificity(False, False, False, False) == 1


def test_without_rules_the_first_change_is_caught(tmp_path: Path) -> None:
    feed = feed_with(tmp_path / "f", [])
    assert arrive(feed, "A")["C"] == hm("08:25")  # in1 08:10 at B, out 08:15


def test_forbidden_route_change_uses_the_second_best_arrival(tmp_path: Path) -> None:
    """R1 -> R3 is forbidden at B: in2 (R2), which reaches B later (08:16), is the way on.

    in2 misses ``out`` (08:15) and takes ``late`` (08:40) to C at 08:50. The arrival at B
    itself stays 08:10 (rules govern changes, not arrivals). A router that dropped in2's
    arrival because in1 reached B earlier would find no way to C at all.
    """
    feed = feed_with(tmp_path / "f", [R1_R3_FORBIDDEN])
    assert feed.report.counts["transfers_route_trip_rules"] == 1
    times = arrive(feed, "A")
    assert times["B"] == hm("08:10")
    assert times["C"] == hm("08:50")


@pytest.mark.parametrize(("extra", "want"), [
    # both trips (rank 6) beats both routes (rank 3): in1 -> out allowed again
    (("B", "B", 0, "", "", "", "in1", "out"), "08:25"),
    # one trip (rank 4) beats both routes (rank 3): 4 min, 08:14 <= 08:15
    (("B", "B", 2, "240", "", "", "in1", ""), "08:25"),
    # the same trip row with 6 min: 08:16 > 08:15, so late via in1 or in2: 08:50
    (("B", "B", 2, "360", "", "", "in1", ""), "08:50"),
    # trip and route (rank 5) beats both routes
    (("B", "B", 1, "", "", "R3", "in1", ""), "08:25"),
    # one route (rank 2) loses to both routes (rank 3): still forbidden
    (("B", "B", 0, "", "", "R3", "", ""), "08:50"),
    # stops only (rank 1) loses too
    (("B", "B", 0, "", "", "", "", ""), "08:50"),
    # a row for another trip does not match in1
    (("B", "B", 0, "", "", "", "in2", "out"), "08:50"),
])  # fmt: skip
def test_most_specific_row_wins(tmp_path: Path, extra: tuple[str, ...], want: str) -> None:
    feed = feed_with(tmp_path / "f", [R1_R3_FORBIDDEN, extra])
    assert arrive(feed, "A")["C"] == hm(want)


def test_timed_route_row_overrides_a_stop_minimum(tmp_path: Path) -> None:
    """B needs 6 minutes (stop row); route R1 -> R3 is timed (type 1): no minimum for it."""
    stop_row = ("B", "B", 2, "360", "", "", "", "")
    plain = feed_with(tmp_path / "a", [stop_row])
    assert arrive(plain, "A")["C"] == hm("08:50")  # 08:10 + 6 min misses the 08:15
    timed = feed_with(tmp_path / "b", [stop_row, ("B", "B", 1, "", "R1", "R3", "", "")])
    assert arrive(timed, "A")["C"] == hm("08:25")
    # the timed row is for R1 only: from in2 (08:16) the stop's 6 minutes still hold
    assert arrive(timed, "A")["B"] == hm("08:10")


def test_trip_row_longer_than_the_footpath(tmp_path: Path) -> None:
    """in -> far needs 5 minutes from B to B2 (the walk is 27 s); far2, not named, keeps 27 s.

    far and far2 run the same stops, so RAPTOR must put them in different routes.
    """
    trips = {
        "in": [("A", "08:00", 0, 0), ("B", "08:10", 0, 0)],
        "far": [("B2", "08:13", 0, 0), ("C", "08:25", 0, 0)],
        "far2": [("B2", "08:16", 0, 0), ("C", "08:27", 0, 0)],
        "slow": [("B", "08:20", 0, 0), ("C", "08:30", 0, 0)],
    }
    plain = feed_with(tmp_path / "a", [], trips)
    assert arrive(plain, "A", max_walk_m=100.0)["C"] == hm("08:25")
    rule = ("B", "B2", 2, "300", "", "", "in", "far")
    feed = feed_with(tmp_path / "b", [rule], trips)
    assert arrive(feed, "A", max_walk_m=100.0)["C"] == hm("08:27")  # 08:15 > 08:13: far2
    tt = build_timetable(feed, max_walk_m=100.0)
    assert tt.n_routes == build_timetable(plain, max_walk_m=100.0).n_routes + 1
    # the arrival at B2 "by footpath" is the walk's, as at any stop: 08:10 + 27 s
    assert arrive(feed, "A", max_walk_m=100.0)["B2"] == hm("08:10") + 27


def test_route_row_adds_a_change_out_of_walking_reach(tmp_path: Path) -> None:
    """From route R1, B -> D is a recommended change (type 0): the walk's time, 1,630 s."""
    lon = np.array([STOPS["B"], STOPS["D"]])
    walk_s = int(np.rint(haversine_m(lon[:1], [60.0], lon[1:], [60.0])[0] * 1.3 / 1.33))
    assert walk_s == 1630  # 1,667.6 m * 1.3 / 1.33 m/s
    trips = dict(INTO_B, fromd=[("D", "08:40", 0, 0), ("B2", "08:50", 0, 0)])
    rule = ("B", "D", 0, "", "R1", "", "", "")
    feed = feed_with(tmp_path / "f", [rule], trips)
    assert hm("08:10") + walk_s <= hm("08:40")
    assert arrive(feed, "A")["B2"] == hm("08:50")  # in1 (R1) 08:10 at B, walk, 08:40 from D
    # in1 on R2, in2 on R1: in2 reaches B at 08:16, too late to walk to the 08:40 from D
    routes = {**ROUTES, "in1": "R2", "in2": "R1"}
    other = read_gtfs(
        write_feed(
            tmp_path / "g", trips, routes=routes, transfers=[rule], extra_transfer_columns=COLUMNS
        ),  # fmt: skip
        service_date=DAY,
    )
    assert np.isinf(arrive(other, "A")["B2"])


SEATED = {
    "first": [("A", "08:00", 0, 0), ("B", "08:10", 1, 0)],
    # the vehicle drives on to D; nobody boards at D
    "second": [("D", "08:15", 1, 0), ("C", "08:25", 0, 0)],
    "third": [("D", "08:20", 1, 0), ("C", "08:40", 0, 0)],
}


def test_in_seat_type_4_links_trips_without_a_block(tmp_path: Path) -> None:
    plain = read_gtfs(write_feed(tmp_path / "a", SEATED), service_date=DAY)
    assert np.isinf(arrive(plain, "A")["C"])  # D allows no boarding: C is out of reach
    rule = ("", "", 4, "", "", "", "first", "second")
    feed = read_gtfs(write_feed(tmp_path / "b", SEATED, transfers=[rule],
                                extra_transfer_columns=COLUMNS), service_date=DAY)  # fmt: skip
    assert feed.report.counts["transfers_in_seat_rules"] == 1
    assert arrive(feed, "A")["C"] == hm("08:25")  # seated into second
    tt = build_timetable(feed, max_walk_m=0.0)
    one_ride = earliest_arrivals(tt, access_stops=[stop_index(feed, "A")], access_s=[0],
                                 departures_s=[H8], max_rides=1)[0]  # fmt: skip
    assert one_ride[stop_index(feed, "C")] == hm("08:25")  # staying seated is not a ride
    assert any("1 in-seat links added" in note for note in tt.notes)


def test_in_seat_type_4_replaces_the_block_successor(tmp_path: Path) -> None:
    blocks = {"first": "X", "second": "X", "third": "X"}
    feed = read_gtfs(write_feed(tmp_path / "a", SEATED, blocks=blocks), service_date=DAY)
    assert arrive(feed, "A")["C"] == hm("08:25")  # the block: first -> second
    rule = ("", "", 4, "", "", "", "first", "third")
    feed = read_gtfs(write_feed(tmp_path / "b", SEATED, blocks=blocks, transfers=[rule],
                                extra_transfer_columns=COLUMNS), service_date=DAY)  # fmt: skip
    assert arrive(feed, "A")["C"] == hm("08:40")  # the vehicle runs third instead


def test_in_seat_type_5_forbids_staying_on(tmp_path: Path) -> None:
    blocks = {"first": "X", "second": "X"}
    trips = {k: SEATED[k] for k in ("first", "second")}
    rule = ("", "", 5, "", "", "", "first", "second")
    feed = read_gtfs(write_feed(tmp_path / "a", trips, blocks=blocks, transfers=[rule],
                                extra_transfer_columns=COLUMNS), service_date=DAY)  # fmt: skip
    times = arrive(feed, "A")
    assert np.isinf(times["C"])  # must alight at B; nothing else reaches C
    assert (build_timetable(feed, max_walk_m=0.0).trip_next < 0).all()


def test_in_seat_type_4_needs_the_second_trip_to_start_after_the_first(tmp_path: Path) -> None:
    trips = dict(SEATED, second=[("D", "08:05", 1, 0), ("C", "08:25", 0, 0)])
    rule = ("", "", 4, "", "", "", "first", "second")
    feed = read_gtfs(write_feed(tmp_path / "a", trips, transfers=[rule],
                                extra_transfer_columns=COLUMNS), service_date=DAY)  # fmt: skip
    assert np.isinf(arrive(feed, "A")["C"])
    notes = build_timetable(feed, max_walk_m=0.0).notes
    assert any("starts before the first ends" in note for note in notes)


def test_unknown_route_or_trip_is_named_by_line(tmp_path: Path) -> None:
    rules = [R1_R3_FORBIDDEN, ("B", "B", 3, "", "R9", "", "", ""), ("B", "B", 0, "", "", "", "x",
             "")]  # fmt: skip
    feed = feed_with(tmp_path / "f", rules)
    counts = feed.report.counts
    assert counts["transfers_unknown_route_trip"] == 2
    assert counts["transfers_rules"] == counts["transfers_route_trip_rules"] == 1
    assert any("lines 3, 4" in n and "not applied" in n for n in feed.report.notes)
    assert arrive(feed, "A")["C"] == hm("08:50")  # the known row still applies


@pytest.mark.parametrize(("row", "column"), [
    (("", "", 4, "", "", "", "", "out"), "from_trip_id"),
    (("", "", 5, "", "", "", "in1", ""), "to_trip_id"),
    (("B", "", 0, "", "R1", "", "", ""), "to_stop_id"),
])  # fmt: skip
def test_required_fields_are_named(tmp_path: Path, row: tuple[str, ...], column: str) -> None:
    with pytest.raises(GTFSError, match=rf"transfers.txt, line 2, column '{column}': blank"):
        feed_with(tmp_path / "f", [row])


def test_trip_rows_hold_with_new_footpaths(tmp_path: Path) -> None:
    """Street walks replace the footpaths: the class links are made again from them.

    ``in`` -> ``far`` is forbidden from B to B2 (type 3, both trips); far2, not named, may be
    reached by whatever walk links B to B2.
    """
    trips = {
        "in": [("A", "08:00", 0, 0), ("B", "08:10", 0, 0)],
        "far": [("B2", "08:13", 0, 0), ("C", "08:25", 0, 0)],
        "far2": [("B2", "08:16", 0, 0), ("C", "08:27", 0, 0)],
    }
    feed = feed_with(tmp_path / "f", [("B", "B2", 3, "", "", "", "in", "far")], trips)
    tt = build_timetable(feed, max_walk_m=0.0)
    a, b, b2, c = (stop_index(feed, s) for s in ("A", "B", "B2", "C"))

    def to_c(timetable: Timetable) -> float:
        got = earliest_arrivals(timetable, access_stops=[a], access_s=[0], departures_s=[H8])
        return float(got[0][c])

    def walk(seconds: int) -> Timetable:
        ptr = np.zeros(tt.n_stops + 1, dtype=np.int64)
        ptr[b + 1 :] = 1
        links = WalkLinks(ptr, np.array([b2], np.int32), np.array([seconds], np.int32))
        return tt.with_footpaths(links, walk_speed_m_s=1.0, detour_factor=1.0, max_walk_m=200.0)

    assert np.isinf(to_c(tt))  # no footpath from B to B2, and far is barred
    assert to_c(walk(100)) == hm("08:27")  # 08:11:40 at B2: far2, never the barred far
    assert np.isinf(to_c(walk(400)))  # 08:16:40: far2 has left
