"""GTFS boarding rules against an independent, deliberately simple router (networkx).

The reference is a *time-expanded graph* (Pyrga et al. 2008, "Efficient models for timetable
information in public transportation systems", *ACM JEA* 12) built straight from the ingested
stop times, trips and ``transfers.txt`` rows, not from the RAPTOR arrays, and searched with
networkx's Dijkstra (edge weight = time passing, so the distance of a node is its time minus
the departure). Nodes and edges:

* ``("arr", trip, i)`` and ``("dep", trip, i)``: the trip at its ``i``-th stop, arriving and
  leaving; the trip runs ``arr(i) -> dep(i) -> arr(i+1)``.
* ``("wait", stop, sig, t)``: a rider ready to board at ``stop`` at time ``t`` a departure whose
  route- and trip-level ``transfers.txt`` rows (those whose to-side names it) are ``sig``; the
  waits of a (stop, sig) are chained in time. A wait at a departure time boards the trip there
  when its ``pickup_type`` allows it.
* ``("off", stop, trip, i)``: a rider who just left ``trip``, reached from ``("arr", trip, i)``
  when ``drop_off_type`` allows it. From there, to the wait of every kind of departure at the
  same stop, at a stop within walking reach (crow-fly, brute force over all pairs) or at a stop a
  rule names, after the change's time: the most specific matching row naming routes or trips
  (GTFS ladder written out in :func:`_rank`: type 3 no edge, type 2 ``min_transfer_time``, 0/1
  the walk), else the stop-to-stop rules (within one stop: type 2 ``min_transfer_time``, type 3
  none, else 0; between stops: type 3 removes the footpath, type 2 sets its time, 0/1 add it if
  missing).
* Staying seated: ``("arr", A, last) -> ("arr", B, 0)`` for consecutive trips A, B of a block,
  so a rider stays seated (no boarding needed, whatever B's first ``pickup_type``); then the
  in-seat rows: type 4 makes B the next trip of A, type 5 removes the link A -> B.

The earliest arrival at a stop (by vehicle, or by one footpath after the last ride, as
:func:`jamlik.routing.raptor.earliest_arrivals` reports) is the least time of its ``off`` nodes,
or of another stop's ``off`` node plus a footpath. The number of rides is not limited here, so
RAPTOR runs with more rounds than any of these journeys needs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from jamlik.config import profile
from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import GTFSFeed, empty_transfers, read_gtfs
from jamlik.networks.timetable import build_timetable
from jamlik.routing.raptor import earliest_arrivals, travel_times

SPEED = profile("adult").speed_m_s
DETOUR = 1.3
ROUNDS = 12


def _walks(feed: GTFSFeed, max_walk_m: float) -> dict[int, dict[int, int]]:
    """Crow-fly walks between all stop pairs within reach (brute force), self included."""
    lon = feed.stops["lon"].to_numpy()
    lat = feed.stops["lat"].to_numpy()
    out: dict[int, dict[int, int]] = {}
    for i in range(len(lon)):
        d = haversine_m(np.full(len(lon), lon[i]), np.full(len(lon), lat[i]), lon, lat)
        near = np.flatnonzero(d <= max_walk_m)
        out[i] = {int(j): int(np.rint(d[j] * DETOUR / SPEED)) for j in near}
    return out


_IDS = ["from_route_id", "to_route_id", "from_trip_id", "to_trip_id"]


def _rank(row: Any) -> int:
    """The GTFS reference's ladder of specificity, written out (6 = both trips ... 1 = stops)."""
    ft, tt_, fr, tr = (bool(row.from_trip_id), bool(row.to_trip_id), bool(row.from_route_id),
                       bool(row.to_route_id))  # fmt: skip
    if ft and tt_:
        return 6
    if (ft and tr) or (fr and tt_):
        return 5
    if ft or tt_:
        return 4
    if fr and tr:
        return 3
    return 2 if fr or tr else 1


def _trip_base(trip_id: str) -> str:
    """``X`` for ``X``, ``X@prev`` and frequency copies ``X#HH:MM:SS`` (and their ``@prev``)."""
    if trip_id.endswith("@prev"):
        trip_id = trip_id[: -len("@prev")]
    head, sep, tail = trip_id.rpartition("#")
    return head if sep and len(tail) == 8 and tail[2] == ":" and tail[5] == ":" else trip_id


class Reference:
    """Earliest arrivals on the time-expanded graph of a feed (module docstring)."""

    def __init__(
        self,
        feed: GTFSFeed,
        *,
        max_walk_m: float,
        window: tuple[int, int] | None = None,
        on_request: str = "forbid",
    ) -> None:
        lon = feed.stops["lon"].to_numpy()
        lat = feed.stops["lat"].to_numpy()
        self.lon, self.lat = lon, lat
        self.walks = _walks(feed, max_walk_m)
        rules = feed.transfers
        for col in _IDS:
            if col not in rules:
                rules = rules.assign(**{col: ""})
        named = rules[_IDS].ne("").any(axis=1).to_numpy()
        kind = rules["transfer_type"].to_numpy()
        stop_rows = rules[~named & (kind <= 3)]
        self.specific = list(rules[named & (kind <= 3)].itertuples(index=False))
        self.in_seat = rules[kind >= 4]
        # footpaths between distinct stops, then the transfers.txt rules (first row of a pair)
        foot = {(a, b): s for a, row in self.walks.items() for b, s in row.items() if a != b}
        self.stop_wait: dict[int, int | None] = defaultdict(int)
        seen: set[tuple[int, int]] = set()
        for row in stop_rows.itertuples(index=False):
            a, b, kind_ab = int(row.from_stop), int(row.to_stop), int(row.transfer_type)
            if (a, b) in seen:
                continue
            seen.add((a, b))
            if a == b:
                self.stop_wait[a] = (
                    None if kind_ab == 3 else int(row.min_transfer_s) if kind_ab == 2 else 0
                )
            elif kind_ab == 3:
                foot.pop((a, b), None)
            elif kind_ab == 2:
                foot[(a, b)] = int(row.min_transfer_s)
            elif (a, b) not in foot:
                foot[(a, b)] = self._walk_s(a, b)
        self.foot: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (a, b), s in foot.items():
            self.foot[a].append((b, s))
        self.foot_of = foot
        self.n_stops = len(lon)
        self.window = window
        self.on_request = on_request
        self.feed = feed
        self.trip_id = feed.trips["trip_id"].astype(str).to_numpy()
        self.route_id = feed.trips["route_id"].astype(str).to_numpy()
        self.graph = self._build()

    def _walk_s(self, a: int, b: int) -> int:
        lon, lat = self.lon, self.lat
        d = haversine_m(lon[a : a + 1], lat[a : a + 1], lon[b : b + 1], lat[b : b + 1])[0]
        return int(np.rint(d * DETOUR / SPEED))

    def _ok(self, kind: int) -> bool:
        return kind == 0 or (kind >= 2 and self.on_request == "allow")

    def _matches(self, trip: int, route_id: str, trip_id: str) -> bool:
        """Whether a side of a row (route id, trip id; blank = any) names ``trip``."""
        if trip_id:
            return _trip_base(self.trip_id[trip]) == trip_id
        return not route_id or self.route_id[trip] == route_id

    def _to_sig(self, trip: int, stop: int) -> frozenset[int]:
        """The route- and trip-level rows whose to-side names ``trip`` leaving ``stop``."""
        return frozenset(
            j
            for j, row in enumerate(self.specific)
            if row.to_stop == stop and self._matches(trip, row.to_route_id, row.to_trip_id)
        )

    def _change_s(self, g: int, a: int, sig: frozenset[int], b: int) -> int | None:
        """Seconds of the change from trip ``g`` at ``a`` to a departure at ``b`` with rows ``sig``.

        The most specific matching row, else the stop-to-stop rules; ``None``: not possible.
        """
        match = [
            j
            for j in sig
            if self.specific[j].from_stop == a
            and self._matches(g, self.specific[j].from_route_id, self.specific[j].from_trip_id)
        ]
        if match:
            j = max(match, key=lambda i: (_rank(self.specific[i]), -i))
            row = self.specific[j]
            if row.transfer_type == 3:
                return None
            if row.transfer_type == 2:
                return int(row.min_transfer_s)
            return 0 if a == b else self._walk_s(a, b)
        if a == b:
            return self.stop_wait[a]
        return self.foot_of.get((a, b))

    def _build(self) -> nx.DiGraph:
        feed = self.feed
        st = feed.stop_times
        lo, hi = self.window if self.window is not None else (-(10**9), 10**9)
        g = nx.DiGraph()
        first: dict[int, tuple[int, int]] = {}  # trip -> (row of first stop time, arrival)
        last: dict[int, tuple[int, int]] = {}
        pickup = st["pickup_type"].to_numpy() if "pickup_type" in st else np.zeros(len(st), int)
        drop = st["drop_off_type"].to_numpy() if "drop_off_type" in st else np.zeros(len(st), int)
        trip = st["trip"].to_numpy()
        stop = st["stop"].to_numpy()
        arr = st["arrival_s"].to_numpy()
        dep = st["departure_s"].to_numpy()
        ruled_to = {int(row.to_stop) for row in self.specific}
        waits: dict[tuple[int, frozenset[int]], set[int]] = defaultdict(set)
        sigs_at: dict[int, set[frozenset[int]]] = defaultdict(set)
        offs = []
        for r in range(len(st)):
            t = int(trip[r])
            first.setdefault(t, (r, int(arr[r])))
            last[t] = (r, int(arr[r]))
            if arr[r] > hi or dep[r] < lo:
                continue
            g.add_edge(("arr", t, r), ("dep", t, r), weight=int(dep[r] - arr[r]))
            if r + 1 < len(st) and trip[r + 1] == t and arr[r + 1] <= hi:
                g.add_edge(("dep", t, r), ("arr", t, r + 1), weight=int(arr[r + 1] - dep[r]))
            s = int(stop[r])
            if self._ok(int(pickup[r])):
                sig = self._to_sig(t, s) if s in ruled_to else frozenset()
                g.add_edge(("wait", s, sig, int(dep[r])), ("dep", t, r), weight=0)
                waits[(s, sig)].add(int(dep[r]))
                sigs_at[s].add(sig)
            if self._ok(int(drop[r])):
                g.add_edge(("arr", t, r), ("off", s, t, r), weight=0)
                offs.append((s, t, r, int(arr[r])))
        for s, t, r, a_t in offs:  # once every stop's kinds of departure are known
            targets = {s, *(b for b, _ in self.foot[s]), *self.walks[s]}
            targets |= {int(row.to_stop) for row in self.specific if row.from_stop == s}
            for b in targets:
                for sig in sigs_at.get(b, ()):
                    secs = self._change_s(t, s, sig, b)
                    if secs is not None:
                        g.add_edge(("off", s, t, r), ("wait", b, sig, a_t + secs), weight=secs)
                        waits[(b, sig)].add(a_t + secs)
        for t1, t2 in self._seated(first, last, arr, dep).items():
            u, v = ("arr", t1, last[t1][0]), ("arr", t2, first[t2][0])
            if u in g and v in g:
                g.add_edge(u, v, weight=first[t2][1] - last[t1][1])
        self.wait_times = {key: np.array(sorted(times)) for key, times in waits.items()}
        self.sigs_at = sigs_at
        for (s, sig), ordered in self.wait_times.items():
            for a, b in zip(ordered, ordered[1:], strict=False):
                g.add_edge(("wait", s, sig, int(a)), ("wait", s, sig, int(b)), weight=int(b - a))
        return g

    def _seated(
        self,
        first: dict[int, tuple[int, int]],
        last: dict[int, tuple[int, int]],
        arr: np.ndarray,
        dep: np.ndarray,
    ) -> dict[int, int]:
        """Trip -> the trip its vehicle runs next with riders aboard: blocks, then types 4/5."""
        succ: dict[int, int] = {}
        feed = self.feed
        if "block_id" in feed.trips:
            block = feed.trips["block_id"].fillna("").astype(str).to_numpy()
            runs = sorted(
                (block[t], int(dep[first[t][0]]), int(arr[last[t][0]]), t)
                for t in first
                if block[t] != ""
            )
            for (b1, _, _, t1), (b2, _, _, t2) in zip(runs, runs[1:], strict=False):
                if b1 == b2 and first[t2][1] >= last[t1][1]:
                    succ[t1] = t2
        code = {tid: i for i, tid in enumerate(self.trip_id)}
        for kind in (4, 5):
            for row in self.in_seat[self.in_seat["transfer_type"] == kind].itertuples():
                for suffix in ("", "@prev"):
                    t1 = code.get(f"{row.from_trip_id}{suffix}")
                    t2 = code.get(f"{row.to_trip_id}{suffix}")
                    if t1 is None or t2 is None or t1 not in first or t2 not in first:
                        continue
                    if kind == 5 and succ.get(t1) == t2:
                        del succ[t1]
                    elif kind == 4 and first[t2][1] >= last[t1][1]:
                        succ[t1] = t2
        return succ

    def arrivals(self, access: dict[int, int], t0: int) -> np.ndarray:
        """Earliest arrival at every stop after at least one ride; ``inf`` when none."""
        g = self.graph
        added = ["src"]
        g.add_node("src")  # an origin whose stops have no departure reaches nothing
        for s, secs in access.items():
            for sig in self.sigs_at.get(s, ()):
                node = ("wait", s, sig, t0 + secs)
                if node not in g:  # join the chain of waits at the next later wait
                    added.append(node)
                    times = self.wait_times[(s, sig)]
                    later = times[times > t0 + secs]
                    if later.size:
                        g.add_edge(node, ("wait", s, sig, int(later[0])),
                                   weight=int(later[0]) - t0 - secs)  # fmt: skip
                g.add_edge("src", node, weight=secs)
        try:
            dist = nx.single_source_dijkstra_path_length(g, "src", weight="weight")
        finally:
            g.remove_nodes_from(added)
        veh = np.full(self.n_stops, np.inf)
        for node, d in dist.items():
            if node != "src" and node[0] == "off":
                veh[node[1]] = min(veh[node[1]], t0 + d)
        out = veh.copy()
        for a in np.flatnonzero(np.isfinite(veh)):
            for b, secs in self.foot[int(a)]:
                out[b] = min(out[b], veh[a] + secs)
        return out


def raptor_arrivals(
    feed: GTFSFeed, access: dict[int, int], t0: int, *, max_walk_m: float, **kwargs: object
) -> np.ndarray:
    """The router's earliest arrivals for the same question."""
    tt = build_timetable(feed, max_walk_m=max_walk_m, **kwargs)  # type: ignore[arg-type]
    got = earliest_arrivals(
        tt,
        access_stops=np.fromiter(access.keys(), dtype=np.int32),
        access_s=np.fromiter(access.values(), dtype=np.int32),
        departures_s=[t0],
        max_rides=ROUNDS,
        reuse_labels=False,
    )
    return got[0]


def without_rules(feed: GTFSFeed) -> GTFSFeed:
    """The feed with every stop open for boarding and alighting, no blocks and no transfers."""
    return dataclasses.replace(
        feed,
        stop_times=feed.stop_times.drop(columns=["pickup_type", "drop_off_type"]),
        trips=feed.trips.drop(columns=["block_id"]),
        transfers=empty_transfers(),
    )


# ---- the real feeds -------------------------------------------------------------------------

TAMPERE = ("osm_gtfs_tampere/tampere_gtfs.zip", dt.date(2021, 12, 14))
HORIZON_S = 75 * 60


@pytest.fixture(scope="module")
def tampere(shared_data: Path) -> GTFSFeed:
    return read_gtfs(shared_data / TAMPERE[0], service_date=TAMPERE[1])


def test_tampere_uses_every_rule(tampere: GTFSFeed, shared_data: Path) -> None:
    """The real feed exercises each rule (counts checked against the raw files by pandas)."""
    with zipfile.ZipFile(shared_data / TAMPERE[0]) as archive:
        raw = {
            name: pd.read_csv(archive.open(name), dtype=str, keep_default_na=False)
            for name in ("stop_times.txt", "trips.txt", "transfers.txt")
        }
    day_trips = set(tampere.trips["trip_id"])
    raw_st = raw["stop_times.txt"][raw["stop_times.txt"]["trip_id"].isin(day_trips)]
    raw_trips = raw["trips.txt"][raw["trips.txt"]["trip_id"].isin(day_trips)]
    counts = tampere.report.counts
    assert counts["stop_times_no_pickup"] == int(raw_st["pickup_type"].eq("1").sum()) > 1000
    assert counts["stop_times_no_drop_off"] == 0  # Tampere has no drop_off_type column
    assert counts["trips_in_blocks"] == int(raw_trips["block_id"].ne("").sum()) > 1000
    assert counts["transfers_rules"] == len(tampere.transfers) == len(raw["transfers.txt"])
    kinds = tampere.transfers["transfer_type"].value_counts().sort_index()
    want = raw["transfers.txt"]["transfer_type"].astype(int).value_counts().sort_index()
    assert kinds.to_dict() == want.to_dict()
    assert set(kinds.index) == {0, 1, 2, 3}
    tt = build_timetable(tampere)
    assert int((tt.trip_next >= 0).sum()) == 1330  # every consecutive block pair chains


@pytest.mark.slow
@pytest.mark.parametrize("max_walk_m", [0.0, 400.0])
def test_tampere_equals_time_expanded_graph(tampere: GTFSFeed, max_walk_m: float) -> None:
    """Origins at stops that a rule touches, and random ones; two departure times each."""
    t0_base = 7 * 3600
    ref = Reference(tampere, max_walk_m=max_walk_m, window=(t0_base, t0_base + 3 * 3600))
    rng = np.random.default_rng(8)
    st = tampere.stop_times
    no_pickup = np.unique(st.loc[st["pickup_type"] == 1, "stop"].to_numpy())
    ruled = np.unique(tampere.transfers[["from_stop", "to_stop"]].to_numpy())
    block_ends = np.unique(st.groupby("trip")["stop"].last().to_numpy())
    served = np.unique(st["stop"].to_numpy())
    origins = np.unique(
        np.concatenate(
            [
                rng.choice(no_pickup, 4, replace=False),
                rng.choice(ruled, 4, replace=False),
                rng.choice(block_ends, 3, replace=False),
                rng.choice(served, 4, replace=False),
            ]
        )
    )
    tt = build_timetable(tampere, max_walk_m=max_walk_m)
    compared = reached = 0
    for origin in origins:
        access = ref.walks[int(origin)] if max_walk_m else {int(origin): 0}
        for t0 in t0_base + rng.integers(0, 90 * 60, size=2):
            want = ref.arrivals(access, int(t0))
            got = earliest_arrivals(
                tt,
                access_stops=np.fromiter(access.keys(), dtype=np.int32),
                access_s=np.fromiter(access.values(), dtype=np.int32),
                departures_s=[int(t0)],
                max_rides=ROUNDS,
                reuse_labels=False,
            )[0]
            cap = t0 + HORIZON_S + 1.0  # the reference graph ends 3 h after 07:00
            np.testing.assert_array_equal(
                np.minimum(got, cap), np.minimum(want, cap), err_msg=f"origin {origin} t0 {t0}"
            )
            compared += 1
            reached += int((want < cap).sum())
    assert compared == 2 * len(origins)
    assert reached > compared * 30  # journeys reach many stops: the comparison is not vacuous


@pytest.mark.slow
def test_tampere_rules_change_arrivals(tampere: GTFSFeed) -> None:
    """The rules change real arrivals; here only ever earlier (staying seated).

    Tampere's ``pickup_type`` 1 rows are all at the last stop of a trip, where nobody boards
    anyway, and its one type-3 rule is at a stop where no fastest journey changes vehicle, so no
    arrival gets later; the reference comparison above shows the changed arrivals are right.
    """
    st = tampere.stop_times
    trip = st["trip"].to_numpy()
    last = np.r_[trip[1:] != trip[:-1], True]
    assert ((st["pickup_type"].to_numpy() == 1) <= last).all()
    rng = np.random.default_rng(3)
    origins = rng.choice(np.unique(st["stop"].to_numpy()), 60, replace=False)
    runs = {}
    for name, feed in (("rules", tampere), ("bare", without_rules(tampere))):
        tt = build_timetable(feed, max_walk_m=0.0)
        runs[name] = np.stack(
            [
                earliest_arrivals(
                    tt, access_stops=[o], access_s=[0], departures_s=[8 * 3600],
                    max_rides=ROUNDS, reuse_labels=False,
                )[0]
                for o in origins
            ]
        )  # fmt: skip
    rules, bare = runs["rules"], runs["bare"]
    assert np.isfinite(bare).sum() > 1000
    assert not (rules > bare).any()
    assert (rules < bare).sum() > 1000  # seated journeys between terminal platforms


@pytest.mark.parametrize(
    ("paths", "date"),
    [
        (["gtfs_kuopio/gtfs_kuopio_2016_2017.zip"], dt.date(2017, 3, 14)),
        (
            ["osm_gtfs_porto_alegre/poa_eptc.zip", "osm_gtfs_porto_alegre/poa_trensurb.zip"],
            dt.date(2019, 5, 13),
        ),
    ],
)
def test_other_feeds_use_no_rule(shared_data: Path, paths: list[str], date: dt.date) -> None:
    """Kuopio and Porto Alegre have no restriction, block or transfer (raw files checked)."""
    for path in paths:
        with zipfile.ZipFile(shared_data / path) as archive:
            names = set(archive.namelist())
            st = pd.read_csv(archive.open("stop_times.txt"), dtype=str, keep_default_na=False)
            trips = pd.read_csv(archive.open("trips.txt"), dtype=str, keep_default_na=False)
        assert "transfers.txt" not in names
        for col in ("pickup_type", "drop_off_type"):
            assert col not in st or st[col].isin(["", "0"]).all()
        assert "block_id" not in trips or trips["block_id"].eq("").all()
    feed = read_gtfs([shared_data / p for p in paths], service_date=date)
    counts = feed.report.counts
    for key in ("stop_times_no_pickup", "stop_times_no_drop_off", "trips_in_blocks"):
        assert counts[key] == 0
    assert counts.get("transfers_rules", 0) == 0
    tt = build_timetable(feed, max_walk_m=0.0)
    assert tt.route_board.sum() == tt.route_board.size - tt.n_routes  # all but last stops
    assert tt.route_alight.all() and (tt.trip_next < 0).all() and (tt.stop_transfer_s == 0).all()


# ---- rows for particular routes and trips, injected into the real feed ----------------------


def inject_rules(feed: GTFSFeed, max_walk_m: float) -> GTFSFeed:
    """Tampere with route-, trip- and in-seat rows of every type on its busiest transfer stops.

    No real feed at hand has such rows (Tampere's 38 rows are all stop-to-stop; Kuopio and Porto
    Alegre have no transfers.txt), so they are made up here: at each of the 8 stops served by the
    most routes between 07:00 and 10:00, rows of every rank of the GTFS ladder and of types 0-3,
    some against a stop-to-stop row there, some to a stop nearby or out of walking reach; and in-
    seat rows (type 4 between trips that end and start near each other, type 5 on block links).
    """
    st = feed.stop_times
    trips = feed.trips
    route = trips["route_id"].astype(str).to_numpy()
    trip_id = trips["trip_id"].astype(str).to_numpy()
    window = st[(st["departure_s"] >= 7 * 3600) & (st["departure_s"] < 10 * 3600)]
    window = window.assign(route=route[window["trip"].to_numpy()])
    busy = window.groupby("stop")["route"].nunique().sort_values(ascending=False, kind="stable")
    lon = feed.stops["lon"].to_numpy()
    lat = feed.stops["lat"].to_numpy()
    served = np.unique(window["stop"].to_numpy())
    rng = np.random.default_rng(11)
    rows: list[dict[str, object]] = []

    def add(a: int, b: int, kind: int, secs: int = -1, **ids: str) -> None:
        rows.append({"from_stop": a, "to_stop": b, "transfer_type": kind, "min_transfer_s": secs,
                     **{col: ids.get(col, "") for col in _IDS}})  # fmt: skip

    for a in busy.index[:8].to_numpy():
        here = window[window["stop"] == a]
        r_at = sorted(set(here["route"]))
        ra, rb, rc, rd, re_ = (str(x) for x in rng.choice(r_at, 5, replace=False))
        trips_a = here["trip"].to_numpy()
        g, g2, h2 = (trip_id[int(x)] for x in rng.choice(trips_a, 3, replace=False))
        d = haversine_m(np.full(len(served), lon[a]), np.full(len(served), lat[a]),
                        lon[served], lat[served])  # fmt: skip
        near = served[(d > 0) & (d <= max_walk_m if max_walk_m else d <= 300)]
        b = int(near[np.argsort(d[np.isin(served, near)])[0]]) if near.size else int(a)
        far = int(served[np.argmin(np.abs(d - 1500))])
        h = trip_id[int(rng.choice(window.loc[window["stop"] == b, "trip"].to_numpy()))]
        add(a, a, 2, 240)  # stop-to-stop: four minutes at a
        add(a, a, 3, from_route_id=ra, to_route_id=rb)  # rank 3
        add(a, a, 2, 420, from_route_id=ra)  # rank 2, longer than the stop's 240 s
        add(a, a, 0, from_trip_id=g, to_route_id=rb)  # rank 5, lifts the rank-3 ban for g
        add(a, a, 2, 30, to_route_id=re_)  # rank 2, shorter than the stop's 240 s
        add(a, a, 1, from_trip_id=g2, to_trip_id=h2)  # rank 6, timed
        add(a, a, 3, from_trip_id=h2)  # rank 4
        add(a, b, 2, 600, from_route_id=rc, to_trip_id=h)  # rank 5, longer than the walk
        add(a, b, 3, to_route_id=rd)  # rank 2
        add(a, far, 0, from_route_id=ra)  # rank 2, a change out of walking reach
    # in-seat: type 4 from a trip to one starting within 20 min at its last stop or near it
    first = st.groupby("trip").first()
    last = st.groupby("trip").last()
    ends = rng.choice(last.index.to_numpy(), 400, replace=False)
    linked = 0
    for t1 in ends:
        s1, a1 = int(last.at[t1, "stop"]), int(last.at[t1, "arrival_s"])
        starts = first["stop"].to_numpy()
        dist = haversine_m(np.full(len(first), lon[s1]), np.full(len(first), lat[s1]),
                           lon[starts], lat[starts])  # fmt: skip
        ok = (dist <= 300) & (first["arrival_s"].to_numpy() >= a1)
        ok &= first["arrival_s"].to_numpy() <= a1 + 1200
        ok &= first.index.to_numpy() != t1
        if ok.any() and linked < 12:
            t2 = int(first.index.to_numpy()[np.flatnonzero(ok)[0]])
            add(-1, -1, 4, from_trip_id=trip_id[int(t1)], to_trip_id=trip_id[t2])
            linked += 1
    tt = build_timetable(feed, max_walk_m=0.0)
    chained = np.flatnonzero(tt.trip_next >= 0)
    for g_ in rng.choice(chained, 12, replace=False):
        add(-1, -1, 5, from_trip_id=str(tt.trip_ids[g_]),
            to_trip_id=str(tt.trip_ids[tt.trip_next[g_]]))  # fmt: skip
    extra = pd.DataFrame(rows).astype({"transfer_type": np.int8})
    assert linked == 12
    return dataclasses.replace(feed, transfers=pd.concat([feed.transfers, extra],
                                                          ignore_index=True))  # fmt: skip


def _origins_near_rules(feed: GTFSFeed, rng: np.random.Generator, n_random: int) -> np.ndarray:
    rules = feed.transfers
    ruled = np.unique(rules.loc[rules["from_stop"] >= 0, ["from_stop", "to_stop"]].to_numpy())
    served = np.unique(feed.stop_times["stop"].to_numpy())
    return np.unique(
        np.concatenate([rng.choice(ruled, 6, replace=False), rng.choice(served, n_random)])
    )


@pytest.mark.slow
@pytest.mark.parametrize("max_walk_m", [0.0, 400.0])
def test_tampere_route_trip_rules_equal_time_expanded_graph(
    tampere: GTFSFeed, max_walk_m: float
) -> None:
    """RAPTOR with injected route-, trip- and in-seat rows == the reference, many journeys.

    Origins: stops the rows name, random stops, and the stops (of 120 random ones) whose
    RAPTOR answers the route and trip rows change most, so that changed answers are among those
    the reference checks.
    """
    feed = inject_rules(tampere, max_walk_m)
    t0_base = 7 * 3600
    ref = Reference(feed, max_walk_m=max_walk_m, window=(t0_base, t0_base + 3 * 3600))
    tt = build_timetable(feed, max_walk_m=max_walk_m)
    assert len(tt.links.class_stop) > 8 and len(tt.links.link_s) > 50  # classes in play
    # the same feed with the injected stop-to-stop rows only: route and trip rows change answers
    stop_rows = feed.transfers[~feed.transfers[_IDS].ne("").any(axis=1)]
    bare = build_timetable(dataclasses.replace(feed, transfers=stop_rows), max_walk_m=max_walk_m)
    rng = np.random.default_rng(5)

    def both(origin: int, t0s: list[int]) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
        access = ref.walks[origin] if max_walk_m else {origin: 0}
        args = {"access_stops": np.fromiter(access.keys(), dtype=np.int32),
                "access_s": np.fromiter(access.values(), dtype=np.int32),
                "departures_s": t0s, "max_rides": ROUNDS, "reuse_labels": False}  # fmt: skip
        got = earliest_arrivals(tt, **args)  # type: ignore[arg-type]
        return got, earliest_arrivals(bare, **args), access  # type: ignore[arg-type]

    later = earlier = 0
    changed = {}
    for origin in rng.choice(np.unique(feed.stop_times["stop"].to_numpy()), 120, replace=False):
        got, plain, _ = both(int(origin), [t0_base + 600, t0_base + 2400])
        later += int((got > plain).sum())
        earlier += int((got < plain).sum())
        changed[int(origin)] = int((got != plain).sum())
    assert later > 0 and earlier > 0  # the rows make real answers later and earlier
    most = sorted(changed, key=lambda o: -changed[o])[:6]
    origins = np.unique(np.r_[most, _origins_near_rules(feed, rng, 4)])
    compared = reached = differing = 0
    for origin in origins:
        t0s = [t0_base + 600, int(t0_base + rng.integers(0, 90 * 60))]
        got, plain, access = both(int(origin), t0s)
        for i, t0 in enumerate(t0s):
            want = ref.arrivals(access, t0)
            cap = t0 + HORIZON_S + 1.0
            np.testing.assert_array_equal(
                np.minimum(got[i], cap), np.minimum(want, cap), err_msg=f"origin {origin} t0 {t0}"
            )
            compared += 1
            reached += int((want < cap).sum())
            differing += int((np.minimum(plain[i], cap) != np.minimum(want, cap)).sum())
    assert compared == 2 * len(origins)
    assert reached > compared * 30
    assert differing > 0  # the reference confirms answers that the rows changed


@pytest.mark.slow
def test_tampere_route_trip_rules_range_equals_single_departures(tampere: GTFSFeed) -> None:
    """Range RAPTOR (labels reused) == repeated single departures, with the injected rows."""
    feed = inject_rules(tampere, 400.0)
    tt = build_timetable(feed, max_walk_m=400.0)
    rng = np.random.default_rng(9)
    origins = _origins_near_rules(feed, rng, 6)
    deps = 7 * 3600 + 60 * np.arange(0, 90, 3)
    reached = 0
    for origin in origins:
        kwargs = {"access_stops": [int(origin)], "access_s": [0], "departures_s": deps,
                  "max_rides": 5}  # fmt: skip
        ranged = earliest_arrivals(tt, reuse_labels=True, **kwargs)  # type: ignore[arg-type]
        single = earliest_arrivals(tt, reuse_labels=False, **kwargs)  # type: ignore[arg-type]
        np.testing.assert_array_equal(ranged, single, err_msg=f"origin {origin}")
        reached += int(np.isfinite(ranged).sum())
    assert reached > len(origins) * len(deps) * 100
    points = pd.DataFrame({"id": [str(o) for o in origins],
                           "stop_id": tt.stop_ids[origins]})  # fmt: skip
    dests = pd.DataFrame({"id": tt.stop_ids, "stop_id": tt.stop_ids})
    runs = [
        travel_times(tt, points, dests, departure_s=7 * 3600, window_min=45,
                     percentiles=(25, 50, 75), reuse_labels=reuse).minutes
        for reuse in (True, False)
    ]  # fmt: skip
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.isfinite(runs[0]).mean() > 0.3
