"""The kernels' packed copies of timetable arrays hold exactly the arrays they were made from.

Also the prefetch hint the footpath loop uses (it compiles and changes no value) and the
sort of a window's travel times (the same order as numpy's).
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
    INF,
    _sorted_window,
    departures_by_position,
    packed_footpaths,
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
