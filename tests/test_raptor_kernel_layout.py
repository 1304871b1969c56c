"""The kernels' packed copies of timetable arrays hold exactly the arrays they were made from.

Also the prefetch hint the footpath loop uses (it compiles and changes no value), the
sort of a window's travel times (the same order as numpy's) and the arrivals as shared
running times (every arrival back exactly).
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
    _sorted_window,
    departures_by_position,
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


def test_departures_by_position_hold_every_departure_on_tampere(arrays: TimetableArrays) -> None:
    """Independent check: each route's (trips × stops) block, transposed with numpy."""
    got = departures_by_position(arrays)
    assert got.shape == arrays.departure_s.shape
    n_routes = len(arrays.route_stops_ptr) - 1
    assert n_routes > 200
    for r in range(n_routes):
        ns = int(arrays.route_stops_ptr[r + 1] - arrays.route_stops_ptr[r])
        nt = int(arrays.route_trips_ptr[r + 1] - arrays.route_trips_ptr[r])
        base = int(arrays.route_times_ptr[r])
        trip_major = arrays.departure_s[base : base + nt * ns].reshape(nt, ns)
        position_major = got[base : base + nt * ns].reshape(ns, nt)
        np.testing.assert_array_equal(position_major, trip_major.T)


def test_departures_by_position_hand_case(arrays: TimetableArrays) -> None:
    """Two routes: 2 trips × 3 stops and 1 trip × 2 stops, numbered by hand."""
    hand = arrays._replace(
        route_stops_ptr=np.array([0, 3, 5], dtype=np.int64),
        route_trips_ptr=np.array([0, 2, 3], dtype=np.int64),
        route_times_ptr=np.array([0, 6, 8], dtype=np.int64),
        departure_s=np.array([10, 20, 30, 15, 25, 35, 100, 200], dtype=np.int32),
    )
    expected = np.array([10, 15, 20, 25, 30, 35, 100, 200], dtype=np.int32)
    np.testing.assert_array_equal(departures_by_position(hand), expected)


def _arrivals_from_running_times(arrays: TimetableArrays) -> tuple[np.ndarray, int]:
    """Every trip's arrivals rebuilt as the route scan reads them; the number of rows."""
    shift, row, run_time = running_times(arrays)
    out = np.empty_like(arrays.arrival_s)
    for r in range(len(arrays.route_stops_ptr) - 1):
        ns = int(arrays.route_stops_ptr[r + 1] - arrays.route_stops_ptr[r])
        g0, g1 = int(arrays.route_trips_ptr[r]), int(arrays.route_trips_ptr[r + 1])
        base = int(arrays.route_times_ptr[r])
        for g in range(g0, g1):
            at = base + (g - g0) * ns
            out[at : at + ns] = shift[g] + run_time[row[g] : row[g] + ns]
    return out, run_time.size


def test_running_times_give_every_arrival_back_on_tampere(arrays: TimetableArrays) -> None:
    rebuilt, n_values = _arrivals_from_running_times(arrays)
    np.testing.assert_array_equal(rebuilt, arrays.arrival_s)
    assert n_values < arrays.arrival_s.size / 2  # trips do share running times here


def test_running_times_hand_case(arrays: TimetableArrays) -> None:
    """Route 0: trips 2 and 0 share running times (0, 5, 9), trip 1 differs; route 1: one trip.

    Route 2 has more distinct trips than are compared, then a trip equal to its first one: it
    gets a row of its own, and every arrival still comes back.
    """
    many = _RUNNING_TIMES_TRIED + 3
    route2 = [[1000 * g, 1000 * g + 1 + g] for g in range(many)] + [[50_000, 50_001]]
    times = [100, 105, 109, 200, 207, 210, 300, 305, 309, 5, 6, *np.ravel(route2)]
    n2 = len(route2)
    hand = arrays._replace(
        route_stops_ptr=np.array([0, 3, 5, 7], dtype=np.int64),
        route_trips_ptr=np.array([0, 3, 4, 4 + n2], dtype=np.int64),
        route_times_ptr=np.array([0, 9, 11], dtype=np.int64),
        arrival_s=np.array(times, dtype=np.int32),
        trip_next=np.full(4 + n2, -1, dtype=np.int32),
    )
    shift, row, run_time = running_times(hand)
    np.testing.assert_array_equal(shift[:4], [100, 200, 300, 5])
    assert row[0] == row[2] != row[1]
    np.testing.assert_array_equal(run_time[row[0] : row[0] + 3], [0, 5, 9])
    np.testing.assert_array_equal(run_time[row[1] : row[1] + 3], [0, 7, 10])
    assert row[4 + n2 - 1] != row[4]  # beyond the compared rows: a new row, not a wrong one
    rebuilt, _ = _arrivals_from_running_times(hand)
    np.testing.assert_array_equal(rebuilt, hand.arrival_s)


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
