"""The kernels' packed copies of timetable arrays hold exactly the arrays they were made from.

Also the prefetch hint the footpath loop uses (it compiles and changes no value), the
sort of a window's travel times (the same order as numpy's) and the arrivals and departures
as shared running times (every time back exactly).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numba
import numpy as np
import pytest

from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks.timetable import TimetableArrays, build_timetable
from jamlik.routing._prefetch import prefetch
from jamlik.routing._raptor_kernels import (
    _RUNNING_TIMES_TRIED,
    INF,
    _first_leaving,
    _sorted_window,
    boardable_entries,
    packed_footpaths,
    running_times,
)


def _unpacked(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target stops and seconds back from ``seconds << 32 | target`` (as the kernel reads them)."""
    return (packed & 0xFFFFFFFF).astype(np.int32), (packed >> 32).astype(np.int32)


@pytest.fixture(scope="module")
def arrays(shared_data: Path) -> TimetableArrays:
    feed = read_gtfs(
        shared_data / "osm_gtfs_tampere/tampere_gtfs.zip", service_date=dt.date(2021, 12, 14)
    )
    return build_timetable(feed).kernel_arrays()


def test_packed_footpaths_round_trip_on_tampere(arrays: TimetableArrays) -> None:
    stops, seconds = _unpacked(packed_footpaths(arrays))
    assert len(stops) > 10_000
    np.testing.assert_array_equal(stops, arrays.transfer_stop)
    np.testing.assert_array_equal(seconds, arrays.transfer_s)


def test_packed_footpaths_round_trip_at_the_limits(arrays: TimetableArrays) -> None:
    """Hand case: 0 and the largest stop number; 0, negative and extreme int32 seconds."""
    target = np.array([0, 2**31 - 1, 5, 7], dtype=np.int32)
    seconds = np.array([0, 2**31 - 1, -1, -(2**31)], dtype=np.int32)
    hand = arrays._replace(transfer_stop=target, transfer_s=seconds)
    got_stops, got_seconds = _unpacked(packed_footpaths(hand))
    np.testing.assert_array_equal(got_stops, target)
    np.testing.assert_array_equal(got_seconds, seconds)


def _times_from_running_times(arrays: TimetableArrays) -> tuple[np.ndarray, np.ndarray, int]:
    """Every trip's arrivals and departures rebuilt as the search reads them; the row length."""
    shift, row, run_time, dep_time = running_times(arrays)
    assert dep_time.size == run_time.size
    arrivals = np.empty_like(arrays.arrival_s)
    departures = np.empty_like(arrays.departure_s)
    for r in range(len(arrays.route_stops_ptr) - 1):
        ns = int(arrays.route_stops_ptr[r + 1] - arrays.route_stops_ptr[r])
        g0, g1 = int(arrays.route_trips_ptr[r]), int(arrays.route_trips_ptr[r + 1])
        base = int(arrays.route_times_ptr[r])
        for g in range(g0, g1):
            at = base + (g - g0) * ns
            arrivals[at : at + ns] = shift[g] + run_time[row[g] : row[g] + ns]
            departures[at : at + ns] = shift[g] + dep_time[row[g] : row[g] + ns]
    return arrivals, departures, run_time.size


def test_running_times_give_every_arrival_and_departure_back_on_tampere(
    arrays: TimetableArrays,
) -> None:
    arrivals, departures, n_values = _times_from_running_times(arrays)
    np.testing.assert_array_equal(arrivals, arrays.arrival_s)
    np.testing.assert_array_equal(departures, arrays.departure_s)
    assert n_values < arrays.arrival_s.size / 2  # trips do share running times here


def test_running_times_hand_case(arrays: TimetableArrays) -> None:
    """Route 0: trips 2 and 0 share running times (0, 5, 9), trip 1 differs, and trip 3 has
    trip 0's arrivals but waits longer at the second stop; route 1: one trip.

    Route 2 has more distinct trips than are compared, then a trip equal to its first one: it
    gets a row of its own, and every time still comes back.
    """
    many = _RUNNING_TIMES_TRIED + 3
    route2 = [[1000 * g, 1000 * g + 1 + g] for g in range(many)] + [[50_000, 50_001]]
    arrivals = [100, 105, 109, 200, 207, 210, 300, 305, 309, 400, 405, 409, 5, 6]
    arrivals += list(np.ravel(route2))
    waits = np.zeros(len(arrivals), dtype=np.int32)
    waits[[1, 4, 7]] = 1  # trips 0-2 wait a second at their second stop, trip 3 waits 3
    waits[10] = 3
    n2 = len(route2)
    hand = arrays._replace(
        route_stops_ptr=np.array([0, 3, 5, 7], dtype=np.int64),
        route_trips_ptr=np.array([0, 4, 5, 5 + n2], dtype=np.int64),
        route_times_ptr=np.array([0, 12, 14], dtype=np.int64),
        arrival_s=np.array(arrivals, dtype=np.int32),
        departure_s=np.array(arrivals, dtype=np.int32) + waits,
        trip_next=np.full(5 + n2, -1, dtype=np.int32),
    )
    shift, row, run_time, dep_time = running_times(hand)
    np.testing.assert_array_equal(shift[:5], [100, 200, 300, 400, 5])
    assert row[0] == row[2] != row[1]
    assert row[3] not in (row[0], row[1])  # same arrivals as trip 0, other departures
    np.testing.assert_array_equal(run_time[row[0] : row[0] + 3], [0, 5, 9])
    np.testing.assert_array_equal(dep_time[row[0] : row[0] + 3], [0, 6, 9])
    np.testing.assert_array_equal(run_time[row[1] : row[1] + 3], [0, 7, 10])
    np.testing.assert_array_equal(dep_time[row[3] : row[3] + 3], [0, 8, 9])
    assert row[5 + n2 - 1] != row[5]  # beyond the compared rows: a new row, not a wrong one
    rebuilt_arrivals, rebuilt_departures, _ = _times_from_running_times(hand)
    np.testing.assert_array_equal(rebuilt_arrivals, hand.arrival_s)
    np.testing.assert_array_equal(rebuilt_departures, hand.departure_s)


def test_first_leaving_matches_searchsorted_on_tampere(arrays: TimetableArrays) -> None:
    """The boarding search against numpy, for every route position and several times."""
    shift, row, _, dep_time = running_times(arrays)
    rng = np.random.default_rng(7)
    n_routes = len(arrays.route_stops_ptr) - 1
    checked = 0
    for r in rng.choice(n_routes, size=60, replace=False):
        ns = int(arrays.route_stops_ptr[r + 1] - arrays.route_stops_ptr[r])
        g0, g1 = int(arrays.route_trips_ptr[r]), int(arrays.route_trips_ptr[r + 1])
        base = int(arrays.route_times_ptr[r])
        leaving = arrays.departure_s[base : base + (g1 - g0) * ns].reshape(g1 - g0, ns)
        for i in range(ns):
            for hi in {g1 - g0, max(1, (g1 - g0) // 2)}:
                column = leaving[:hi, i]
                for need in rng.integers(column.min() - 60, column.max() + 1, size=5):
                    expected = int(np.searchsorted(column, need, side="left"))
                    got = _first_leaving(shift, row, dep_time, g0, i, hi, int(need))
                    assert got == expected, (r, i, hi, need)
                    checked += 1
    assert checked > 1_000


def test_boardable_entries_on_tampere(arrays: TimetableArrays) -> None:
    """Per stop, exactly the (route, position) pairs of ``stop_routes`` that allow boarding."""
    ptr, entry = boardable_entries(arrays)
    routes, positions = entry >> 32, entry & 0xFFFFFFFF
    allowed = arrays.route_board[arrays.route_stops_ptr[arrays.stop_routes] + arrays.stop_route_pos]
    assert 0 < allowed.sum() < allowed.size  # the feed has stops with no pickup
    n_stops = len(arrays.stop_routes_ptr) - 1
    for s in range(n_stops):
        lo, hi = arrays.stop_routes_ptr[s], arrays.stop_routes_ptr[s + 1]
        keep = allowed[lo:hi]
        np.testing.assert_array_equal(routes[ptr[s] : ptr[s + 1]], arrays.stop_routes[lo:hi][keep])
        np.testing.assert_array_equal(
            positions[ptr[s] : ptr[s + 1]], arrays.stop_route_pos[lo:hi][keep]
        )
        assert (
            arrays.route_stops[
                arrays.route_stops_ptr[routes[ptr[s] : ptr[s + 1]]] + positions[ptr[s] : ptr[s + 1]]
            ]
            == s
        ).all()


@numba.njit(cache=False)
def _sum_with_prefetch(values: np.ndarray, ahead: int) -> float:
    total = 0.0
    for i in range(len(values)):
        prefetch(values, i + ahead)  # also past the end: a hint never faults
        total += values[i]
    return total


def test_prefetch_compiles_and_changes_nothing() -> None:
    values = np.random.default_rng(3).random(10_000)
    for ahead in (0, 8, 100_000):
        assert _sum_with_prefetch(values, ahead) == pytest.approx(values.sum(), rel=1e-12)
    ints = np.arange(1000, dtype=np.int32)
    assert _sum_with_prefetch(ints, 16) == 499_500


@pytest.mark.parametrize("n", [1, 2, 60, 64, 65, 600])
def test_sorted_window_equals_numpy_sort(n: int) -> None:
    """Both ways (insertion up to 64 values, np.sort above): ties, unreachable (INF), runs."""
    rng = np.random.default_rng(n)
    runs = (np.arange(n) % 7) * 60 + rng.integers(0, 3, n) * 600
    values = np.where(rng.random(n) < 0.2, INF, runs).astype(np.int32)
    out = np.empty(n, dtype=np.int32)
    _sorted_window(values, out)
    np.testing.assert_array_equal(out, np.sort(values))
