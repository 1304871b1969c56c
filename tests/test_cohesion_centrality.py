"""Local betweenness and closeness: by hand, against an independent networkx Brandes, real data."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError
from jamlik.networks import Graph, StreetNetwork, build_street_network, graph_from_edges
from jamlik.routing.network_measures import local_centrality, street_centrality


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def grid(n: int, step: float = 100.0) -> Graph:
    """Two-way n x n grid, node ``i * n + j`` at row i, column j."""
    src: list[int] = []
    dst: list[int] = []
    for i in range(n):
        for j in range(n):
            u = i * n + j
            if j + 1 < n:
                src += [u, u + 1]
                dst += [u + 1, u]
            if i + 1 < n:
                src += [u, u + n]
                dst += [u + n, u]
    return graph_from_edges(src, dst, np.full(len(src), step), n_nodes=n * n)


def to_nx(graph: Graph) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    for u, v, w in zip(graph.edge_sources(), graph.indices, graph.length_m, strict=True):
        g.add_edge(int(u), int(v), weight=float(w))
    return g


def brandes_reference(g: nx.DiGraph, radius: float) -> dict[str, np.ndarray]:
    """Independent local centrality: networkx Dijkstra per source with a cutoff; predecessors,
    path counts and dependencies by hand (Brandes 2001); lengths within 1e-9 m tie."""
    n = g.number_of_nodes()
    bet = np.zeros(n)
    reach = np.zeros(n)
    far = np.zeros(n)
    harm = np.zeros(n)
    for s in range(n):
        dist = nx.single_source_dijkstra_path_length(g, s, cutoff=radius, weight="weight")
        order = sorted(dist, key=lambda v: dist[v])
        sigma = dict.fromkeys(order, 0.0)
        sigma[s] = 1.0
        preds: dict[int, list[int]] = {v: [] for v in order}
        for w in order:
            if w == s:
                continue
            for v in g.predecessors(w):
                if v in dist and abs(dist[v] + g[v][w]["weight"] - dist[w]) <= 1e-9:
                    preds[w].append(v)
                    sigma[w] += sigma[v]
        delta = dict.fromkeys(order, 0.0)
        for w in reversed(order):
            for v in preds[w]:
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w])
            if w != s:
                bet[w] += delta[w]
                reach[s] += 1
                far[s] += dist[w]
                harm[s] += 1.0 / dist[w]
    with np.errstate(invalid="ignore", divide="ignore"):
        close = np.where(reach > 0, reach / far, np.nan)
    return {"betweenness": bet, "reach": reach, "closeness": close, "harmonic": harm}


def assert_matches_reference(graph: Graph, radii: list[float]) -> pd.DataFrame:
    result = local_centrality(graph, radii_m=radii)
    g = to_nx(graph)
    for radius in radii:
        ref = brandes_reference(g, radius)
        label = f"{radius:g}m"
        for measure, expected in ref.items():
            got = result[f"{measure}_{label}"].to_numpy(dtype=np.float64)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, err_msg=measure)
    return result


def test_three_by_three_grid_by_hand() -> None:
    result = local_centrality(grid(3), radii_m=[150, 250])
    # Within 150 m only neighbours are in reach: no node lies between two others.
    assert (result["betweenness_150m"] == 0).all()
    assert (result["reach_150m"] == [2, 3, 2, 3, 4, 3, 2, 3, 2]).all()
    # Within 250 m: pairs 200 m apart. Corner 0 lies on one of the two paths 1-3 (both
    # directions): 2 * 0.5 = 1. Edge node 1: pair 0-2 (one path) 2 * 1, pairs 0-4 and 2-4
    # (two paths each) 2 * 0.5 twice: 4. Centre: 1-7 and 3-5 (one path) 4 * 1, four
    # diagonal pairs with two paths 8 * 0.5: 8. Sum 28 = 14 pairs * 2 directions * 1 node.
    np.testing.assert_allclose(result["betweenness_250m"], [1, 4, 1, 4, 8, 4, 1, 4, 1])
    # Corner: 1, 3 at 100 m; 2, 4, 6 at 200 m.
    assert result.loc[0, "reach_250m"] == 5
    assert result.loc[0, "closeness_250m"] == pytest.approx(5 / 800)
    assert result.loc[0, "harmonic_250m"] == pytest.approx(2 / 100 + 3 / 200)
    assert result.loc[4, "closeness_250m"] == pytest.approx(8 / 1200)
    assert result.loc[4, "harmonic_250m"] == pytest.approx(4 / 100 + 4 / 200)


def test_unbounded_radius_equals_networkx_betweenness() -> None:
    graph = grid(5)
    result = local_centrality(graph, radii_m=[1e6])
    expected = nx.betweenness_centrality(to_nx(graph), weight="weight", normalized=False)
    np.testing.assert_allclose(result["betweenness_1e+06m"], [expected[i] for i in range(25)])
    # Two-way network: twice networkx's undirected convention, as the docstring states.
    undirected = nx.betweenness_centrality(to_nx(graph).to_undirected(), weight="weight",
                                           normalized=False)  # fmt: skip
    np.testing.assert_allclose(result["betweenness_1e+06m"], [2 * undirected[i] for i in range(25)])
    closeness = nx.closeness_centrality(to_nx(graph).reverse(), distance="weight",
                                        wf_improved=False)  # fmt: skip
    np.testing.assert_allclose(result["closeness_1e+06m"], [closeness[i] for i in range(25)])


def test_directed_random_graph_equals_reference() -> None:
    rng = np.random.default_rng(5)
    n = 60
    src = rng.integers(0, n, 400)
    dst = rng.integers(0, n, 400)
    length = rng.integers(1, 6, 400) * 50.0  # many equal-length paths (ties)
    graph = graph_from_edges(src, dst, length, n_nodes=n)
    assert_matches_reference(graph, [120.0, 300.0, 700.0])


def test_lund_walk_network_whole_equals_reference(shared_data: Path) -> None:
    walk = build_street_network(
        shared_data / "osm_lund_station" / "lund_station.osm.pbf", mode="walk", crs="EPSG:3006"
    )
    graph = walk.to_distance_graph()
    result = assert_matches_reference(graph, [400.0, 800.0, 1600.0])
    assert result["betweenness_1600m"].max() > 0
    streets = street_centrality(walk, result)
    assert len(streets) == walk.n_streets
    # A piece's value is the mean of its end nodes' values.
    row = streets.dropna(subset=["betweenness_800m"]).iloc[0]
    by_node = result.set_index("network_node")["betweenness_800m"]
    assert row["betweenness_800m"] == pytest.approx((by_node[row["u"]] + by_node[row["v"]]) / 2)


@pytest.fixture(scope="module")
def porto_alegre_subset(shared_data: Path) -> Graph:
    walk = build_street_network(
        shared_data / "osm_gtfs_porto_alegre" / "poa_osm.pbf", mode="walk", crs="EPSG:31982"
    )
    # Central Porto Alegre: the streets within 1.5 km of the centre of the extract.
    cx, cy = np.median(walk.node_x), np.median(walk.node_y)
    inside = np.hypot(walk.node_x - cx, walk.node_y - cy) < 1500.0
    keep = inside[walk.street_u] & inside[walk.street_v]
    return StreetNetwork(
        mode=walk.mode, crs=walk.crs, node_x=walk.node_x, node_y=walk.node_y,
        node_osm_id=walk.node_osm_id, street_u=walk.street_u[keep], street_v=walk.street_v[keep],
        street_length_m=walk.street_length_m[keep], street_forward=walk.street_forward[keep],
        street_backward=walk.street_backward[keep], street_steps=walk.street_steps[keep],
        street_highway=walk.street_highway[keep], street_osm_way_id=walk.street_osm_way_id[keep],
        street_geometry=walk.street_geometry[keep], source="poa subset",
    ).to_distance_graph()  # fmt: skip


def test_porto_alegre_subset_equals_reference(porto_alegre_subset: Graph) -> None:
    assert porto_alegre_subset.n_nodes > 800
    assert_matches_reference(porto_alegre_subset, [400.0, 800.0])


def test_bad_radii_and_zero_length_edges_raise() -> None:
    with pytest.raises(DataError, match="radii"):
        local_centrality(grid(2), radii_m=[-400])
    with pytest.raises(DataError, match="radii"):
        local_centrality(grid(2), radii_m=[])
    zero = graph_from_edges([0, 1, 1, 2], [1, 0, 2, 1], [0.0, 0.0, 5.0, 5.0], n_nodes=3)
    with pytest.raises(DataError, match="not positive"):
        local_centrality(zero, radii_m=[100])
    with pytest.raises(DataError, match="network_node"):
        street_centrality(None, pd.DataFrame({"x": [1]}))  # type: ignore[arg-type]
