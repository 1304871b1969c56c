"""SDG 11.2.1 on Porto Alegre (2019-05-13) checked against an independent scipy search.

The oracle builds a scipy sparse matrix of the walk distance graph, turns every served stop into
its street piece's end nodes (distance along the piece plus the stop's straight leg to the
street, honouring the piece's directions), joins them to one virtual node and runs a single
bounded ``scipy.sparse.csgraph.dijkstra(limit=...)`` from it on the reversed graph: the
distance from every node to its nearest stop. The shares are then recounted from the per-node
flags and the cells' populations.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from jamlik.ingest import load_pack, read_osm
from jamlik.networks import StreetNetwork, build_street_network, snap_points
from jamlik.runs.sdg import SDGResult, sdg_11_2_1

PACK = Path(__file__).resolve().parents[1] / "packs" / "porto_alegre"
DATE = dt.date(2019, 5, 13)


@pytest.fixture(scope="module")
def result(shared_data: Path) -> SDGResult:
    assert shared_data.is_dir()
    return sdg_11_2_1(load_pack(PACK), date=DATE)


@pytest.fixture(scope="module")
def walk() -> StreetNetwork:
    pack = load_pack(PACK)
    assert pack.osm_path is not None
    return build_street_network(read_osm(pack.osm_path), mode="walk", crs=pack.crs.to_string())


def _nearest(walk: StreetNetwork, stops: pd.DataFrame, limit_m: float) -> np.ndarray:
    graph = walk.to_distance_graph()
    n = graph.n_nodes
    snapped = snap_points(
        walk, stops["x"].to_numpy(), stops["y"].to_numpy(), max_distance_m=200.0, graph=graph
    )
    position = np.full(walk.n_nodes, -1)
    position[graph.node_index] = np.arange(n)
    best: dict[int, float] = {}  # seed node -> cheapest cost (sparse matrices add duplicates)
    for i in np.flatnonzero(snapped.street >= 0):
        piece = snapped.street[i]
        length = walk.street_length_m[piece]
        along = float(np.clip(snapped.along_m[i], 0.0, length))
        leg = snapped.snap_distance_m[i]
        # from u the stop is reached moving u -> v (forward); from v moving v -> u (backward)
        for node, ok, d in (
            (walk.street_u[piece], walk.street_forward[piece] or along == 0.0, along),
            (walk.street_v[piece], walk.street_backward[piece] or along == length, length - along),
        ):
            if ok and position[node] >= 0:
                key = int(position[node])
                best[key] = min(best.get(key, np.inf), d + leg)
    forward = sp.csr_matrix(
        (graph.cost, (graph.edge_sources(), graph.indices)), shape=(n + 1, n + 1)
    )
    dst = np.fromiter(best, dtype=np.int64)
    cost = np.array([best[k] for k in dst.tolist()])
    virtual = sp.csr_matrix((cost, (np.full(dst.size, n), dst)), shape=(n + 1, n + 1))
    # node -> stop distances: search from the virtual node over reversed street edges
    matrix = (forward.T + virtual).tocsr()
    return np.asarray(dijkstra(matrix, indices=n, limit=limit_m))[:n]


def test_shares_are_consistent(result: SDGResult) -> None:
    groups = result.groups.set_index("group")
    assert list(groups.index) == ["pop_total"]  # the hexagon grid has no groups
    assert groups.loc["pop_total", "population"] == 812_935
    shares = [c for c in groups.columns if c.startswith("share_")]
    assert shares == ["share_convenient", "share_convenient_20min", "share_convenient_30min"]
    values = groups.loc["pop_total", shares].to_numpy(dtype=float)
    assert np.all((values >= 0) & (values <= 1))
    # every stop frequent every 20 min is frequent every 30 min: bands are nested
    assert values[1] <= values[2] <= values[0]
    assert result.areas["population"].sum() == 812_935
    assert result.origins["pop_total"].sum() == 812_935
    area_shares = result.areas[shares].to_numpy(dtype=float)
    ok = ~np.isnan(area_shares)
    assert np.all((area_shares[ok] >= 0) & (area_shares[ok] <= 1))
    weighted = np.nansum(result.areas["share_convenient"] * result.areas["population"])
    assert weighted / 812_935 == pytest.approx(result.overall["share_convenient"])
    capacity = set(result.stops["capacity"])
    assert capacity == {"low", "high", "none"}  # EPTC buses and Trensurb metro
    assert (result.stops.loc[result.stops["capacity"] == "high", "modes"] == "rail").all()


def test_distances_equal_an_independent_scipy_search(
    result: SDGResult, walk: StreetNetwork
) -> None:
    stops = result.stops
    served = stops["capacity"] != "none"
    origins = result.origins.set_index("node")
    graph = walk.to_distance_graph()
    position = np.full(walk.n_nodes, -1)
    position[graph.node_index] = np.arange(graph.n_nodes)
    pos = position[origins.index.to_numpy()]
    assert (pos >= 0).all()
    checks = {
        "any": served,
        "high": stops["capacity"] == "high",
        "any_20min": served & stops["frequent_20min"],
    }
    for name, mask in checks.items():
        expected = _nearest(walk, stops[mask], 1000.0)[pos]
        got = origins[f"distance_{name}_m"].to_numpy()
        reached = np.isfinite(expected)
        assert reached.sum() > 20
        np.testing.assert_array_equal(np.isnan(got), ~reached)
        np.testing.assert_allclose(got[reached], expected[reached], rtol=1e-9, atol=1e-6)
    d_any = _nearest(walk, stops[served], 1000.0)[pos]
    d_high = _nearest(walk, stops[stops["capacity"] == "high"], 1000.0)[pos]
    convenient = (d_any <= 500.0) | (d_high <= 1000.0)
    np.testing.assert_array_equal(origins["convenient"].to_numpy(), convenient)
    assert 0 < convenient.mean() < 1
