"""Tests of street_arrays, the large benchmark street graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from jamlik.datasets import street_arrays
from jamlik.errors import DataError


def _n_components(x: np.ndarray, u: np.ndarray, v: np.ndarray) -> int:
    adj = sp.coo_matrix((np.ones(u.size), (u, v)), shape=(x.size, x.size))
    return int(connected_components(adj, directed=False)[0])


@pytest.mark.parametrize("n_nodes", [500, 3_000, 250_000])
def test_one_component_of_the_requested_size(n_nodes: int) -> None:
    x, y, u, v, length = street_arrays(n_nodes=n_nodes, seed=11)
    assert abs(x.size / n_nodes - 1) <= 0.05
    assert _n_components(x, u, v) == 1
    assert x.dtype == y.dtype == length.dtype == np.float64
    assert u.dtype == v.dtype == np.int64
    assert (u != v).all() and u.min() >= 0 and max(u.max(), v.max()) < x.size
    pairs = np.sort(np.stack([u, v], axis=1), axis=1)
    assert np.unique(pairs, axis=0).shape[0] == u.size  # no parallel segments
    np.testing.assert_allclose(length, np.hypot(x[u] - x[v], y[u] - y[v]))
    # Blocks of 60-120 m; a street graph has about 1.2-1.9 segments per node.
    assert 60 <= np.median(length) <= 120
    assert np.percentile(length, 1) > 40
    assert 1.15 <= u.size / x.size <= 1.9
    degree = np.bincount(np.concatenate([u, v]), minlength=x.size)
    assert (degree == 1).any()  # dead ends exist
    assert degree.max() <= 9  # 4 grid links + 4 diagonals + a bridge at most
    assert 2.3 <= degree.mean() <= 3.8


def test_one_million_nodes_make_one_connected_town() -> None:
    # Its speed is measured in benchmarks/ (dense_bench.py), not asserted here.
    x, y, u, v, length = street_arrays(n_nodes=1_000_000, seed=7)
    assert abs(x.size / 1_000_000 - 1) <= 0.05
    assert _n_components(x, u, v) == 1


def test_deterministic_and_seeded() -> None:
    a = street_arrays(n_nodes=5_000, seed=1)
    b = street_arrays(n_nodes=5_000, seed=1)
    c = street_arrays(n_nodes=5_000, seed=2)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert a[0].size != c[0].size or not np.array_equal(a[0], c[0])


def test_shortest_paths_agree_with_networkx() -> None:
    # Independent peer: networkx Dijkstra on the same segments gives scipy's distances, and
    # network distances are never shorter than straight lines (lengths are Euclidean).
    x, y, u, v, length = street_arrays(n_nodes=2_000, seed=5)
    g = nx.Graph()
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), length.tolist(), strict=True))
    assert nx.is_connected(g) and g.number_of_nodes() == x.size
    adj = sp.coo_matrix((length, (u, v)), shape=(x.size, x.size)).tocsr()
    sources = [0, x.size // 2, x.size - 1]
    dist = dijkstra(adj, directed=False, indices=sources)
    for row, s in enumerate(sources):
        peer = nx.single_source_dijkstra_path_length(g, s)
        got = np.array([peer[k] for k in range(x.size)])
        np.testing.assert_allclose(dist[row], got, rtol=1e-9)
        crow = np.hypot(x - x[s], y - y[s])
        assert (dist[row] >= crow - 1e-6).all()
        # Detours stay plausible: the network is a street grid, not a maze.
        far = crow > 2_000
        assert np.median(dist[row][far] / crow[far]) < 1.6


def test_river_has_few_crossings() -> None:
    # The river is a band with no nodes; only bridges span it. Find the band as the widest
    # empty horizontal strip near the centre and count segments crossing it.
    x, y, u, v, _ = street_arrays(n_nodes=40_000, seed=3)
    cx = np.median(x)
    column = np.abs(x - cx) < 300
    ys = np.sort(y[column])
    gaps = np.diff(ys)
    k = int(np.argmax(gaps))
    lo, hi = ys[k], ys[k + 1]
    assert hi - lo > 50  # the river (35 m) and its banks
    mid = 0.5 * (lo + hi)
    near = (
        (np.abs(x[u] - cx) < 250) & (np.minimum(y[u], y[v]) < mid) & (np.maximum(y[u], y[v]) > mid)
    )
    crossing = int(near.sum())
    assert 1 <= crossing <= 2


@pytest.mark.parametrize("n_nodes", [0, 100, 10**8, 1e5, "big"])
def test_bad_size_is_refused(n_nodes: object) -> None:
    with pytest.raises(DataError, match="n_nodes"):
        street_arrays(n_nodes=n_nodes)  # type: ignore[arg-type]
