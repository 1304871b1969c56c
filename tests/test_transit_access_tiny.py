"""Open-on-arrival travel times worked out by hand on a two-stop feed."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest

from jamlik.errors import DataError
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.opening_hours import opening_schedule
from jamlik.networks.timetable import WalkLinks, build_timetable
from jamlik.runs.transit_access import open_travel_times

FILES = {
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,A,59.00,18.0\nB,B,59.05,18.0\n",
    "routes.txt": "route_id,route_type\nR1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WK,t1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "t1,08:00:00,08:00:00,A,1\nt1,08:10:00,08:10:00,B,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20241231\n",
}
TUESDAY = dt.date(2024, 1, 2)


def _links(rows: list[list[tuple[int, int]]]) -> WalkLinks:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=ptr[1:])
    target = np.array([t for r in rows for t, _ in r], dtype=np.int32)
    seconds = np.array([s for r in rows for _, s in r], dtype=np.int32)
    return WalkLinks(ptr, target, seconds)


def test_open_on_arrival_by_hand(tmp_path: Path) -> None:
    feed_path = tmp_path / "tiny.zip"
    with zipfile.ZipFile(feed_path, "w") as z:
        for name, text in FILES.items():
            z.writestr(name, text)
    tt = build_timetable(read_gtfs(feed_path, service_date=TUESDAY), max_walk_m=0)
    a, b = (int(np.flatnonzero(tt.stop_ids == s)[0]) for s in ("A", "B"))
    # One origin standing at A; three places standing at B (egress 0 s, 60 s, 0 s).
    access = _links([[(a, 0)]])
    egress = _links([[(b, 0)], [(b, 60)], [(b, 0)]])
    direct = _links([[]])
    hours = [None, "Tu 08:05-09:00", "Tu 08:15-09:00"]
    schedule = opening_schedule(hours, date=TUESDAY)
    common = {"access": access, "egress": egress, "direct": direct, "schedule": schedule}
    # Departures 07:50 ... 07:59; the bus leaves A at 08:00 and reaches B at 08:10, so the
    # times are 20 ... 11 minutes (place 1: +1 min, arriving 08:11).
    fastest = open_travel_times(tt, departure_s=7 * 3600 + 50 * 60, window_min=10,
                                percentile=0, **common)  # fmt: skip
    np.testing.assert_allclose(fastest[0], [11.0, 12.0, np.nan])  # place 2 opens at 08:15
    median = open_travel_times(tt, departure_s=7 * 3600 + 50 * 60, window_min=10,
                               percentile=50, **common)  # fmt: skip
    # Nearest rank ceil(0.5 * 10) = 5th of 11..20 = 15 minutes.
    np.testing.assert_allclose(median[0], [15.0, 16.0, np.nan])
    # Leaving after 08:00 there is no bus: nothing at all.
    late = open_travel_times(tt, departure_s=8 * 3600 + 60, window_min=5, **common)
    assert np.isnan(late).all()
    # With at most 13 minutes per trip only departures from 07:57 count for place 0 (13, 12,
    # 11 min) and from 07:58 for place 1 (13, 12 min).
    capped = open_travel_times(tt, departure_s=7 * 3600 + 50 * 60, window_min=10,
                               percentile=0, max_trip_min=13, **common)  # fmt: skip
    np.testing.assert_allclose(capped[0], [11.0, 12.0, np.nan])
    capped = open_travel_times(tt, departure_s=7 * 3600 + 50 * 60, window_min=10,
                               percentile=80, max_trip_min=13, **common)  # fmt: skip
    assert np.isnan(capped).all()  # rank 8 of 10: only 3 of 10 departures are short enough
    capped = open_travel_times(tt, departure_s=7 * 3600 + 50 * 60, window_min=10,
                               percentile=20, max_trip_min=13, **common)  # fmt: skip
    np.testing.assert_allclose(capped[0], [12.0, 13.0, np.nan])  # 2nd of (11, 12, 13, inf...)
    with pytest.raises(DataError, match="öppettider för 2 platser men 3 målpunkter"):
        open_travel_times(tt, access=access, egress=egress, direct=direct,
                          schedule=opening_schedule(hours[:2], date=TUESDAY),
                          departure_s=0)  # fmt: skip
