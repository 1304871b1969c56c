"""RAPTOR against an independent, deliberately simple router on the real feeds.

The oracle is a *layered connection scan* (Dibbelt et al. 2013, CSA): connections are built
straight from the ingested stop times (not from the RAPTOR route arrays), sorted by departure,
and scanned once per allowed ride; layer ``k`` boards only from arrivals of layer ``k - 1``, so
the number of rides is exact. Footpaths are recomputed by brute force over all stop pairs
(haversine of every pair), not with the k-d tree of the timetable. Same rules as the router:
access walk, rides, at most one footpath between two rides, slack before every boarding but
the first.

The feeds are compared with their GTFS boarding rules left out (pickup/drop-off types, blocks,
transfers.txt): this oracle checks the RAPTOR core. The rules are checked against a
time-expanded graph on the same feeds in ``test_gtfs_rules_reference.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest

from jamlik.config import profile
from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.networks.timetable import build_timetable
from jamlik.routing.raptor import earliest_arrivals, travel_times
from test_gtfs_rules_reference import without_rules

BIG = 1 << 30
FEEDS = {
    "tampere": (["osm_gtfs_tampere/tampere_gtfs.zip"], dt.date(2021, 12, 14), 7 * 3600),
    "porto_alegre": (
        ["osm_gtfs_porto_alegre/poa_eptc.zip", "osm_gtfs_porto_alegre/poa_trensurb.zip"],
        dt.date(2019, 5, 13),
        13 * 3600,
    ),
    "kuopio": (["gtfs_kuopio/gtfs_kuopio_2016_2017.zip"], dt.date(2017, 3, 14), 7 * 3600),
}
SPEED = profile("adult").speed_m_s  # the timetable's default walking speed
DETOUR = 1.3


@numba.njit(cache=True)
def _csa(c_from, c_to, c_dep, c_arr, c_trip, n_trips, fp_ptr, fp_to, fp_s, acc_stop, acc_s, t0,
         rides, slack):  # fmt: skip
    n = len(fp_ptr) - 1
    prev = np.full(n, BIG, dtype=np.int64)
    for a in range(len(acc_stop)):
        prev[acc_stop[a]] = min(prev[acc_stop[a]], t0 + acc_s[a])
    any_arr = np.full(n, BIG, dtype=np.int64)
    veh = np.full(n, BIG, dtype=np.int64)
    for k in range(rides):
        need = slack if k > 0 else 0
        boarded = np.zeros(n_trips, dtype=np.bool_)
        for c in range(len(c_from)):
            trip = c_trip[c]
            if not boarded[trip]:
                if prev[c_from[c]] < BIG and prev[c_from[c]] + need <= c_dep[c]:
                    boarded[trip] = True
                else:
                    continue
            s = c_to[c]
            t = c_arr[c]
            if t < veh[s]:
                veh[s] = t
                if t < any_arr[s]:
                    any_arr[s] = t
                for e in range(fp_ptr[s], fp_ptr[s + 1]):
                    q = fp_to[e]
                    if t + fp_s[e] < any_arr[q]:
                        any_arr[q] = t + fp_s[e]
        prev = any_arr.copy()
    return any_arr, veh


class Oracle:
    def __init__(self, feed: GTFSFeed, max_walk_m: float) -> None:
        st = feed.stop_times
        trip = st["trip"].to_numpy()
        same = trip[1:] == trip[:-1]
        stop = st["stop"].to_numpy()
        arr = st["arrival_s"].to_numpy()
        dep = st["departure_s"].to_numpy()
        conns = pd.DataFrame(
            {
                "f": stop[:-1][same],
                "t": stop[1:][same],
                "d": dep[:-1][same],
                "a": arr[1:][same],
                "trip": trip[:-1][same],
                "seq": np.arange(len(trip) - 1)[same],
            }
        ).sort_values(["d", "trip", "seq"])
        self.c = [conns[k].to_numpy(np.int64) for k in ("f", "t", "d", "a", "trip")]
        self.n_trips = int(trip.max()) + 1
        lon = feed.stops["lon"].to_numpy()
        lat = feed.stops["lat"].to_numpy()
        n = len(lon)
        ptr, to, secs = [0], [], []
        for i in range(n):  # brute force: every pair
            d = haversine_m(np.full(n, lon[i]), np.full(n, lat[i]), lon, lat)
            near = np.flatnonzero(d <= max_walk_m)
            to.append(near)
            secs.append(np.rint(d[near] * DETOUR / SPEED).astype(np.int64))
            ptr.append(ptr[-1] + len(near))
        self.walk_ptr = np.asarray(ptr, dtype=np.int64)
        self.walk_to = np.concatenate(to).astype(np.int64)
        self.walk_s = np.concatenate(secs)
        # footpaths between distinct stops only
        own = self.walk_to != np.repeat(np.arange(n), np.diff(self.walk_ptr))
        counts = np.add.reduceat(own.astype(np.int64), self.walk_ptr[:-1]) if n else []
        counts = np.where(np.diff(self.walk_ptr) > 0, counts, 0)
        self.fp_ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
        self.fp_to = self.walk_to[own]
        self.fp_s = self.walk_s[own]

    def access(self, stop: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.walk_ptr[stop], self.walk_ptr[stop + 1]
        return self.walk_to[a:b], self.walk_s[a:b]

    def run(self, stop: int, t0: int, rides: int, slack: int) -> tuple[np.ndarray, np.ndarray]:
        acc_stop, acc_s = self.access(stop)
        return _csa(*self.c, self.n_trips, self.fp_ptr, self.fp_to, self.fp_s, acc_stop, acc_s,
                    t0, rides, slack)  # fmt: skip


@pytest.fixture(scope="module", params=list(FEEDS))
def feed_case(request: pytest.FixtureRequest, shared_data: Path) -> tuple[str, GTFSFeed, int]:
    paths, date, t0 = FEEDS[request.param]
    feed = read_gtfs([shared_data / p for p in paths], service_date=date)
    return request.param, without_rules(feed), t0


@pytest.mark.parametrize(
    ("max_walk_m", "rides", "slack"), [(0.0, 4, 0), (600.0, 4, 0), (400.0, 3, 60)]
)
def test_earliest_arrivals_equal_connection_scan(
    feed_case: tuple[str, GTFSFeed, int], max_walk_m: float, rides: int, slack: int
) -> None:
    name, feed, t0 = feed_case
    tt = build_timetable(feed, max_walk_m=max_walk_m)
    oracle = Oracle(feed, max_walk_m)
    rng = np.random.default_rng(len(name) * 1000 + int(max_walk_m))
    served = np.unique(feed.stop_times["stop"].to_numpy())
    origins = rng.choice(served, size=100, replace=False)
    checked = reached = 0
    for origin in origins:
        departures = t0 + rng.integers(0, 4 * 3600, size=2)
        acc_stop, acc_s = oracle.access(int(origin))
        got = earliest_arrivals(
            tt, access_stops=acc_stop, access_s=acc_s, departures_s=departures,
            max_rides=rides, transfer_slack_s=slack, reuse_labels=False,
        )  # fmt: skip
        for j, t in enumerate(departures):
            want, _ = oracle.run(int(origin), int(t), rides, slack)
            want_f = np.where(want >= BIG, np.inf, want.astype(float))
            np.testing.assert_array_equal(got[j], want_f, err_msg=f"{name} stop {origin} t={t}")
            checked += 1
            reached += int(np.isfinite(want_f).sum())
    assert checked == 200
    # the comparison is not vacuous: journeys reach many stops
    assert reached > 200 * 20


def test_od_times_equal_connection_scan(feed_case: tuple[str, GTFSFeed, int]) -> None:
    """Single departure, stop origins and destinations: egress and direct walk included."""
    name, feed, t0 = feed_case
    max_walk_m = 500.0
    tt = build_timetable(feed, max_walk_m=max_walk_m)
    oracle = Oracle(feed, max_walk_m)
    rng = np.random.default_rng(7)
    served = np.unique(feed.stop_times["stop"].to_numpy())
    o_idx = rng.choice(served, size=12, replace=False)
    d_idx = rng.choice(len(tt.stop_ids), size=300, replace=False)
    origins = pd.DataFrame({"id": o_idx, "stop_id": tt.stop_ids[o_idx]})
    dests = pd.DataFrame({"id": d_idx, "stop_id": tt.stop_ids[d_idx]})
    got = travel_times(tt, origins, dests, departure_s=t0, window_min=0, max_rides=4)
    for i, o in enumerate(o_idx):
        _, veh = oracle.run(int(o), t0, 4, 0)
        for j, d in enumerate(d_idx):
            a, b = oracle.walk_ptr[d], oracle.walk_ptr[d + 1]
            near, walk = oracle.walk_to[a:b], oracle.walk_s[a:b]
            best = float(np.min(veh[near] + walk)) if len(near) else np.inf
            direct = np.flatnonzero(near == o)
            if len(direct):
                best = min(best, t0 + float(walk[direct[0]]))
            want = np.nan if best >= BIG else (best - t0) / 60
            np.testing.assert_allclose(got.minutes[i, j, 0], want, rtol=0, atol=1e-4,
                                       err_msg=f"{name} {o}->{d}")  # fmt: skip
