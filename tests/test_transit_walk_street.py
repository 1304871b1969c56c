"""Street-network walks for RAPTOR: scipy Dijkstra oracle on Tampere, crow-fly bound, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import typer
from scipy.sparse.csgraph import dijkstra
from typer.testing import CliRunner

from jamlik.cli.transit import register
from jamlik.errors import DataError
from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks import build_street_network
from jamlik.networks.timetable import Timetable, WalkLinks, build_timetable
from jamlik.routing.raptor import PointWalks, travel_times
from jamlik.routing.transit_walk import StreetWalker, street_point_walks, street_transfers

MAX_WALK_M = 500.0
SPEED = 5 / 3.6
DEPART = 7 * 3600


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def tampere(shared_data: Path) -> tuple[Timetable, StreetWalker, pd.DataFrame, pd.DataFrame]:
    folder = shared_data / "osm_gtfs_tampere"
    feed = read_gtfs(folder / "tampere_gtfs.zip", service_date=dt.date(2021, 12, 14))
    tt = build_timetable(feed, max_walk_m=MAX_WALK_M, walk_speed_m_s=SPEED, detour_factor=1.0)
    network = build_street_network(folder / "tampere.osm.pbf", mode="walk")
    walker = StreetWalker(network, max_walk_m=MAX_WALK_M, walk_speed_m_s=SPEED)
    rng = np.random.default_rng(7)

    # Points around the centre, plus two given as stops.
    def points(n: int, prefix: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "id": [f"{prefix}{i}" for i in range(n)],
                "lon": rng.uniform(23.70, 23.85, n),
                "lat": rng.uniform(61.47, 61.51, n),
            }
        )

    origins = points(25, "o")
    destinations = points(25, "d")
    destinations.loc[0, ["lon", "lat"]] = origins.loc[0, ["lon", "lat"]].to_numpy()
    return tt, walker, origins, destinations


def _oracle_links(walker: StreetWalker, src: object, dst: object, skip_self: bool) -> WalkLinks:
    """Dijkstra (scipy) on the street graph with every snapped point inserted as a node."""
    net = walker.network
    pts = [src, dst]
    n0 = net.n_nodes
    offset = [n0, n0 + src.x.size]  # type: ignore[attr-defined]
    u, v, w = [net.street_u], [net.street_v], [net.street_length_m]
    # Insert points on their pieces: chain u -> p1 -> ... -> v, sorted along the piece.
    street = np.concatenate([p.snapped.street for p in pts])  # type: ignore[attr-defined]
    along = np.concatenate([p.snapped.along_m for p in pts])  # type: ignore[attr-defined]
    node = np.concatenate([offset[k] + np.arange(p.x.size) for k, p in enumerate(pts)])  # type: ignore[attr-defined]
    ok = street >= 0
    frame = pd.DataFrame({"street": street[ok], "along": along[ok], "node": node[ok]})
    for s, grp in frame.sort_values(["street", "along"]).groupby("street"):
        chain = [int(net.street_u[s]), *grp["node"].tolist(), int(net.street_v[s])]
        pos = [0.0, *grp["along"].clip(0, net.street_length_m[s]).tolist(), net.street_length_m[s]]
        u.append(np.asarray(chain[:-1]))
        v.append(np.asarray(chain[1:]))
        w.append(np.diff(pos) + 1e-12)  # scipy drops explicit zeros
    n = offset[1] + dst.x.size  # type: ignore[attr-defined]
    uu, vv, ww = np.concatenate(u), np.concatenate(v), np.concatenate(w)
    frame = pd.DataFrame({"u": uu, "v": vv, "w": ww}).groupby(["u", "v"], as_index=False).min()
    g = sp.csr_matrix((frame["w"], (frame["u"], frame["v"])), shape=(n, n))
    # Only pieces of the kept component may be walked, as in the engine.
    kept = np.zeros(n, dtype=bool)
    kept[walker.graph.node_index] = True
    kept[n0:] = True
    g = g[kept][:, kept]
    index = np.cumsum(kept) - 1
    rows: list[tuple[int, int, int]] = []
    src_nodes = index[offset[0] + np.flatnonzero(src.snapped.street >= 0)]  # type: ignore[attr-defined]
    dst_ids = np.flatnonzero(dst.snapped.street >= 0)  # type: ignore[attr-defined]
    dist = dijkstra(g, directed=False, indices=src_nodes, limit=MAX_WALK_M + 1)
    for r, i in enumerate(np.flatnonzero(src.snapped.street >= 0)):  # type: ignore[attr-defined]
        d = dist[r, index[offset[1] + dst_ids]] + src.snap_m[i] + dst.snap_m[dst_ids]  # type: ignore[attr-defined]
        for j, metres in zip(dst_ids, d, strict=True):
            if metres <= MAX_WALK_M and not (skip_self and i == j):
                rows.append((int(i), int(j), int(np.rint(metres / SPEED))))
    same = (src.x[:, None] == dst.x[None, :]) & (src.y[:, None] == dst.y[None, :])  # type: ignore[attr-defined]
    for i, j in zip(*np.nonzero(same), strict=True):
        if not (skip_self and i == j):
            rows.append((int(i), int(j), 0))
    table = pd.DataFrame(rows, columns=["i", "j", "s"]).groupby(["i", "j"], as_index=False).min()
    ptr = np.zeros(src.x.size + 1, dtype=np.int64)  # type: ignore[attr-defined]
    np.cumsum(np.bincount(table["i"], minlength=src.x.size), out=ptr[1:])  # type: ignore[attr-defined]
    return WalkLinks(ptr, table["j"].to_numpy(np.int32), table["s"].to_numpy(np.int32))


def _as_set(links: WalkLinks) -> dict[tuple[int, int], int]:
    rows = np.repeat(np.arange(len(links.ptr) - 1), np.diff(links.ptr))
    return {
        (int(r), int(c)): int(s) for r, c, s in zip(rows, links.target, links.seconds, strict=True)
    }


def test_walks_and_raptor_equal_scipy_oracle(tampere: tuple) -> None:  # type: ignore[type-arg]
    tt, walker, origins, destinations = tampere
    stops = walker.place(tt.stop_lon, tt.stop_lat)
    o = walker.place(origins["lon"], origins["lat"])
    d = walker.place(destinations["lon"], destinations["lat"])
    sample = np.random.default_rng(3).choice(tt.n_stops, 120, replace=False)
    sub = walker.place(tt.stop_lon[sample], tt.stop_lat[sample])
    # Transfers from a sample of stops, access, egress and direct walks: same pairs, same seconds.
    got_tr = _as_set(walker.links(sub, stops))
    want_tr = _as_set(_oracle_links(walker, sub, stops, skip_self=False))
    assert got_tr.keys() == want_tr.keys() and len(got_tr) > 300
    assert max(abs(got_tr[k] - want_tr[k]) for k in got_tr) <= 1  # rounding at .5 s only
    walks = street_point_walks(tt, walker, origins, destinations)
    oracle = PointWalks(
        access=_oracle_links(walker, o, stops, skip_self=False),
        egress=_oracle_links(walker, d, stops, skip_self=False),
        direct=_oracle_links(walker, o, d, skip_self=False),
    )
    for mine, theirs in zip(
        (walks.access, walks.egress, walks.direct),
        (oracle.access, oracle.egress, oracle.direct),
        strict=True,
    ):
        a, b = _as_set(mine), _as_set(theirs)
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) <= 1 for k in a)
    assert _as_set(walks.direct)[(0, 0)] == 0  # same place
    # Same RAPTOR on the oracle's walks (transfers of the full timetable from the oracle too).
    street_tt = street_transfers(tt, walker)
    oracle_tt = dataclasses.replace(
        street_tt, transfers=_oracle_links(walker, stops, stops, skip_self=True)
    )
    kwargs = {"departure_s": DEPART, "window_min": 20, "percentiles": (50,)}
    mine_tt = travel_times(street_tt, origins, destinations, walks=walks, **kwargs)
    theirs_tt = travel_times(oracle_tt, origins, destinations, walks=oracle, **kwargs)
    diff = np.abs(np.nan_to_num(mine_tt.minutes, nan=-1) - np.nan_to_num(theirs_tt.minutes, nan=-1))
    assert np.isnan(mine_tt.minutes).sum() == np.isnan(theirs_tt.minutes).sum()
    assert diff.max() <= 2.5 / 60  # a few seconds of rounding at most
    assert np.isfinite(mine_tt.minutes).mean() > 0.5


def test_street_times_never_shorter_than_crow_fly(tampere: tuple) -> None:  # type: ignore[type-arg]
    tt, walker, origins, destinations = tampere
    kwargs = {"departure_s": DEPART, "window_min": 30, "percentiles": (25, 50, 90)}
    crow = travel_times(tt, origins, destinations, **kwargs)  # detour factor 1.0
    walks = street_point_walks(tt, walker, origins, destinations)
    street = travel_times(
        street_transfers(tt, walker), origins, destinations, walks=walks, **kwargs
    )
    reach_crow = np.isfinite(crow.minutes)
    reach_street = np.isfinite(street.minutes)
    assert not (reach_street & ~reach_crow).any()  # nothing reachable only on streets
    both = reach_crow & reach_street
    # Projection scale (EPSG:3067 ~ 1 - 4e-5) and rounding to whole seconds: 2 s tolerance.
    assert (street.minutes[both] >= crow.minutes[both] - 2 / 60).all()
    assert (street.minutes[both] > crow.minutes[both] + 0.5).mean() > 0.3


def test_walk_errors(tampere: tuple, shared_data: Path) -> None:  # type: ignore[type-arg]
    tt, walker, origins, destinations = tampere
    bike = build_street_network(
        shared_data / "osm_lund_station" / "lund_station.osm.pbf", mode="bike"
    )
    with pytest.raises(DataError, match="walk network"):
        StreetWalker(bike, max_walk_m=500, walk_speed_m_s=1.4)
    with pytest.raises(DataError, match="speed"):
        StreetWalker(walker.network, max_walk_m=500, walk_speed_m_s=0)
    walks = street_point_walks(tt, walker, origins, destinations)
    with pytest.raises(DataError, match="25 origins"):
        travel_times(tt, origins.iloc[:3], destinations, departure_s=DEPART, walks=walks)


def test_cli_osm_option(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "osm_gtfs_tampere"
    pd.DataFrame({"id": ["a"], "lon": [23.7610], "lat": [61.4978]}).to_csv(
        tmp_path / "o.csv", index=False
    )
    pd.DataFrame({"id": ["b"], "lon": [23.8460], "lat": [61.4500]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    app = typer.Typer()
    register(app)
    results = {}
    for name, extra in (
        ("crow", ["--detour-factor", "1.0"]),
        ("osm", ["--osm", str(folder / "tampere.osm.pbf")]),
    ):
        out = tmp_path / f"{name}.csv"
        res = CliRunner().invoke(
            app,
            ["--gtfs", str(folder / "tampere_gtfs.zip"), "--date", "2021-12-14",
             "--depart", "08:00",
             "--origins", str(tmp_path / "o.csv"), "--destinations", str(tmp_path / "d.csv"),
             "--out", str(out), "--window-min", "10", *extra],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        results[name] = pd.read_csv(out)["minutes_p50"].iloc[0]
    assert results["osm"] >= results["crow"] - 2 / 60
