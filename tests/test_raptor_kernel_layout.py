"""The kernels' packed copies of timetable arrays hold exactly the arrays they were made from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks.timetable import TimetableArrays, build_timetable
from jamlik.routing._raptor_kernels import packed_footpaths


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
