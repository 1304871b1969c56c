"""Contracted pass-through chains and pendant trees give the same answers as the graph as it is.

Oracles: costs worked out by hand on tiny graphs (a graph that is one tree, a tree hanging
inside a chain, two-way and one-way chains, a chain that closes on itself, a ring of
pass-through nodes, seeds inside chains and trees), scipy's Dijkstra on random graphs with
trees, and the
engine on the uncontracted graph, on the real Porto Alegre walk (undirected) and bike
(directed: one-way chains) networks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from scipy.sparse.csgraph import dijkstra

from jamlik.config import DEFAULT_PROFILES
from jamlik.networks.contraction import contract_graph
from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.snapping import Seeds
from jamlik.networks.streets import build_street_network
from jamlik.routing import _kernels, _prepared
from jamlik.routing.decay import ExponentialDecay
from jamlik.routing.engine import accessibility, travel_costs

POA = "osm_gtfs_porto_alegre/poa_osm.pbf"


def two_way(edges: list[tuple[int, int, float]], n: int, **kw: object) -> Graph:
    u, v, w = (np.array(x) for x in zip(*edges, strict=True))
    return graph_from_edges(
        np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([w, w]), n_nodes=n, **kw
    )


def groups(nodes: npt.ArrayLike, costs: npt.ArrayLike | None = None) -> Seeds:
    """One seed per group."""
    node = np.asarray(nodes, dtype=np.int64)
    cost = np.zeros(node.size) if costs is None else np.asarray(costs, dtype=np.float64)
    return Seeds(np.arange(node.size + 1), node, cost)


def scipy_costs(graph: Graph, o: Seeds, d: Seeds) -> npt.NDArray[np.float64]:
    """Brute-force origin x destination costs from full scipy rows."""
    rows = dijkstra(graph.to_scipy(), directed=True, indices=np.unique(o.node))
    at = {n: i for i, n in enumerate(np.unique(o.node))}
    out = np.full((o.indptr.size - 1, d.indptr.size - 1), np.inf)
    for i in range(out.shape[0]):
        for s in range(o.indptr[i], o.indptr[i + 1]):
            row = rows[at[o.node[s]]]
            for j in range(out.shape[1]):
                lo, hi = d.indptr[j], d.indptr[j + 1]
                best = (o.cost[s] + row[d.node[lo:hi]] + d.cost[lo:hi]).min()
                out[i, j] = min(out[i, j], best)
    return out


def assert_same_access(graph: Graph, opportunities: dict[str, Seeds], **kw: object) -> None:
    plain = accessibility(graph, opportunities, contract=False, threads=1, **kw)  # type: ignore[arg-type]
    fast = accessibility(graph, opportunities, contract=True, threads=1, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(fast.nearest, plain.nearest, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(fast.counts, plain.counts)
    np.testing.assert_allclose(fast.decayed, plain.decayed, rtol=1e-12, atol=1e-12)


# --- hand cases ---------------------------------------------------------------------------------


def test_a_tree_contracts_to_one_node_hand() -> None:
    # 0 - 1 - 2 - 3 - 4 with dead ends 4-5, 4-6, 0-7, 0-8: the whole graph is a tree, so it
    # is peeled down to one kept node and every other node hangs from it in chains.
    g = two_way(
        [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 3.0), (3, 4, 4.0), (4, 5, 1.0), (4, 6, 1.0),
         (0, 7, 1.0), (0, 8, 1.0)],
        9,
    )  # fmt: skip
    cg = contract_graph(g)
    assert cg.n_kept == 1 and cg.interior_node.size == 8
    assert (cg.chain_a == cg.chain_b).all()  # every chain hangs from one node
    assert (cg.chain_a < 0).any()  # some hang inside other chains
    last = cg.chain_ptr[1:] + np.arange(cg.n_chains)
    assert np.isinf(cg.up[last]).all() and np.isinf(cg.down[last]).all()
    # An opportunity inside the tree (node 2, 0.5 from the door), origins everywhere.
    res = accessibility(
        g, {"shop": groups([2], [0.5])}, k=1, cutoffs=(4.0,), max_cost=100, contract=True
    )
    expect = np.array([3, 2, 0, 3, 7, 8, 8, 4, 4], dtype=float) + 0.5
    np.testing.assert_allclose(res.nearest[:, 0, 0], expect)
    np.testing.assert_array_equal(res.counts[:, 0, 0], expect <= 4.0)
    costs = travel_costs(g, groups([1, 5]), groups([3, 2]), contract=True)
    np.testing.assert_allclose(costs, [[5, 2], [5, 8]])
    # A bound inside the tree: nodes past it are not reached.
    res = accessibility(g, {"shop": groups([7])}, k=1, cutoffs=(4.0,), max_cost=4.5, contract=True)
    beyond = [np.inf] * 4
    np.testing.assert_allclose(res.nearest[:, 0, 0], [1, 2, 4, *beyond, 0, 2])


def test_junction_beside_a_tree_becomes_pass_through_hand() -> None:
    # Two junctions 0 and 3 joined by 0-1-2-3, 0-4-3 and 0-9-3; node 1 has a tree: 1-5, 5-6, 5-7
    # (6 and 7 leaves), 6-8. Peeling the tree leaves 1 with two neighbours, so the street
    # 0-1-2-3 is one chain and the tree hangs inside it, one chain inside another.
    g = two_way(
        [(0, 1, 2.0), (1, 2, 2.0), (2, 3, 2.0), (0, 4, 3.0), (4, 3, 3.0), (1, 5, 1.0),
         (5, 6, 1.5), (5, 7, 2.5), (6, 8, 0.5), (0, 9, 4.0), (9, 3, 4.0)],
        10,
    )  # fmt: skip
    cg = contract_graph(g)
    assert sorted(cg.kept_node.tolist()) == [0, 3]
    hanging = cg.chain_a < 0
    assert hanging.sum() == 2 and (cg.chain_a[hanging] == cg.chain_b[hanging]).all()
    anchors = cg.interior_node[-cg.chain_a[hanging] - 1]
    assert sorted(anchors.tolist()) == [1, 5]  # the tree hangs at 1, its branch at 5
    nodes = groups(range(10))
    want = scipy_costs(g, nodes, nodes)
    np.testing.assert_allclose(travel_costs(g, nodes, nodes, contract=True), want, atol=1e-12)
    # Seeds deep in the tree and on its branch, several per opportunity, and a tight bound.
    opp = Seeds(np.array([0, 2, 3, 5]), np.array([8, 7, 6, 8, 2]), np.array([0.5, 0, 1, 0, 2]))
    for bound in (2.0, 4.0, 7.5, 30.0):
        assert_same_access(g, {"x": opp}, k=2, cutoffs=(1.0, bound), max_cost=bound)


def test_one_way_ring_and_chain_hand() -> None:
    # A one-way ring 0 -> 1 -> 2 -> 3 -> 0 of pass-through nodes (no junction at all).
    g = graph_from_edges([0, 1, 2, 3], [1, 2, 3, 0], [1.0, 2.0, 3.0, 4.0], n_nodes=4)
    cg = contract_graph(g)
    assert cg.n_kept == 1 and cg.n_chains == 1
    assert cg.chain_a[0] == cg.chain_b[0]  # the chain closes on its kept node
    assert np.isinf(cg.down).all()
    expect = np.array([[0, 1, 3, 6], [9, 0, 2, 5], [7, 8, 0, 3], [4, 5, 7, 0]], dtype=float)
    for contract in (False, True):
        got = travel_costs(g, groups(range(4)), groups(range(4)), contract=contract)
        np.testing.assert_allclose(got, expect)
    res = accessibility(g, {"a": groups([2])}, k=1, cutoffs=(6.0,), max_cost=6.5, contract=True)
    np.testing.assert_allclose(res.nearest[:, 0, 0], [3, 2, 0, np.inf])


def test_loop_asymmetric_costs_and_two_seeds_hand() -> None:
    # Junction 0 with a dead end 0-4 and a loop 0 -> 1 -> 2 -> 3 -> 0, cheaper one way round.
    src = [0, 1, 2, 3, 1, 2, 3, 0, 0, 4]
    dst = [1, 2, 3, 0, 0, 1, 2, 3, 4, 0]
    cost = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 5.0, 5.0]
    g = graph_from_edges(src, dst, cost, n_nodes=5)
    cg = contract_graph(g)
    assert cg.n_kept == 1 and cg.n_chains == 2 and (cg.chain_a == cg.chain_b).all()
    # One opportunity with two seeds on the loop, one with a seed on the junction.
    opp = Seeds(np.array([0, 2, 3]), np.array([1, 3, 0]), np.array([0.5, 0.0, 0.25]))
    o = groups(range(5))
    np.testing.assert_allclose(
        travel_costs(g, o, opp, contract=True), scipy_costs(g, o, opp), rtol=0, atol=1e-12
    )
    assert_same_access(g, {"x": opp}, k=2, cutoffs=(1.0, 3.0, 9.0), max_cost=9.0)


def random_directed(
    rng: np.random.Generator,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    n: int,
    *,
    two_way_share: float,
    slower_back: float,
) -> Graph:
    """Edges ``a -> b`` of random cost; a share of them also back, up to ``slower_back`` dearer."""
    w = rng.uniform(1, 10, a.size)
    back = rng.random(a.size) < two_way_share
    return graph_from_edges(
        np.concatenate([a, b[back]]),
        np.concatenate([b, a[back]]),
        np.concatenate([w, w[back] * rng.uniform(1, slower_back, back.sum())]),
        n_nodes=n,
        keep="all",
    )


def test_random_directed_graphs_match_scipy() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = 30
        # A ring with a few chords and some one-way edges: many pass-through nodes.
        u = np.arange(n)
        v = (u + 1) % n
        chords = rng.integers(0, n, size=(4, 2))
        a = np.concatenate([u, chords[:, 0]])
        b = np.concatenate([v, chords[:, 1]])
        g = random_directed(rng, a, b, n, two_way_share=0.7, slower_back=2.0)
        o = Seeds(np.array([0, 1, 3, 4]), rng.integers(0, n, 4), rng.uniform(0, 2, 4))
        d = groups(rng.integers(0, n, 6), rng.uniform(0, 2, 6))
        want = scipy_costs(g, o, d)
        for contract in (False, True):
            got = travel_costs(g, o, d, contract=contract, threads=1)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        assert_same_access(g, {"d": d, "o": o}, k=3, cutoffs=(5.0, 20.0), max_cost=25.0)


def ring_with_trees(
    rng: np.random.Generator,
    n_ring: int,
    n_chords: int,
    n_tree: int,
    *,
    two_way_share: float,
    slower_back: float,
) -> Graph:
    """A ring with chords and ``n_tree`` nodes grown on it one edge each (trees hang off it)."""
    a = list(range(n_ring)) + list(rng.integers(0, n_ring, n_chords))
    b = [(i + 1) % n_ring for i in range(n_ring)] + list(rng.integers(0, n_ring, n_chords))
    for n in range(n_ring, n_ring + n_tree):
        a.append(int(rng.integers(0, n)))
        b.append(n)
    u, v = np.array(a), np.array(b)
    ok = u != v
    return random_directed(
        rng, u[ok], v[ok], n_ring + n_tree, two_way_share=two_way_share, slower_back=slower_back
    )


def test_random_graphs_with_trees_match_scipy() -> None:
    rng = np.random.default_rng(11)
    nested = 0
    for _ in range(25):
        g = ring_with_trees(rng, 12, 3, 30, two_way_share=0.85, slower_back=1.5)
        n = g.n_nodes
        cg = contract_graph(g)
        nested += int((cg.chain_a < 0).sum())
        o = Seeds(np.array([0, 1, 3, 5]), rng.integers(0, n, 5), rng.uniform(0, 2, 5))
        d = groups(rng.integers(0, n, 8), rng.uniform(0, 2, 8))
        want = scipy_costs(g, o, d)
        got = travel_costs(g, o, d, contract=True, threads=1)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        for bound in (8.0, 40.0):
            assert_same_access(g, {"d": d, "o": o}, k=3, cutoffs=(5.0, bound), max_cost=bound)
    assert nested > 100  # trees hanging inside chains were part of the test


# --- real OSM ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poa_walk(shared_data: Path) -> Graph:
    return build_street_network(shared_data / POA, mode="walk").to_distance_graph()


@pytest.fixture(scope="module")
def poa_bike(shared_data: Path) -> Graph:
    net = build_street_network(shared_data / POA, mode="bike")
    return net.to_graph(DEFAULT_PROFILES["bike"])


def real_seeds(graph: Graph, n: int, seed: int) -> Seeds:
    """``n`` opportunities of one or two seeds, half of them on interior (chain) nodes."""
    rng = np.random.default_rng(seed)
    interior = contract_graph(graph).interior_node
    nodes = np.concatenate([rng.choice(interior, n // 2), rng.choice(graph.n_nodes, n - n // 2)])
    two = rng.random(n) < 0.3
    extra = rng.choice(graph.n_nodes, int(two.sum()))
    node = np.concatenate([nodes, extra])
    group = np.concatenate([np.arange(n), np.flatnonzero(two)])
    order = np.argsort(group, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n), out=indptr[1:])
    return Seeds(indptr, node[order], rng.uniform(0, 30, node.size)[order])


@pytest.mark.parametrize("which", ["walk", "bike"])
def test_real_osm_accessibility_contracted_equals_plain(
    which: str, poa_walk: Graph, poa_bike: Graph
) -> None:
    graph = poa_walk if which == "walk" else poa_bike
    cg = contract_graph(graph)
    assert cg.n_kept < graph.n_nodes  # chains exist (about 12 % of the nodes here)
    bound = 1200.0 if which == "walk" else 300.0
    opp = {"a": real_seeds(graph, 150, 1), "b": real_seeds(graph, 100, 2)}
    decay = [ExponentialDecay(beta=1 / bound, max_cost=bound)]
    cut = (bound / 4, bound / 2, bound)
    assert_same_access(graph, opp, k=3, cutoffs=cut, decay=decay)
    origins = np.random.default_rng(5).choice(graph.n_nodes, 500)
    assert_same_access(graph, opp, k=2, cutoffs=cut, origins=origins)


@pytest.mark.parametrize("which", ["walk", "bike"])
def test_real_osm_travel_costs_contracted_equal_scipy(
    which: str, poa_walk: Graph, poa_bike: Graph
) -> None:
    graph = poa_walk if which == "walk" else poa_bike
    o = real_seeds(graph, 40, 3)
    d = real_seeds(graph, 60, 4)
    want = scipy_costs(graph, o, d)
    got = travel_costs(graph, o, d, contract=True)
    assert np.isfinite(want).mean() > 0.9
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_kept_nodes_in_trees_and_one_workspace_for_many_searches() -> None:
    """Nodes that must stay kept stop the peeling; every search from one workspace is exact.

    The kernels are driven directly: one workspace serves a search from every node in turn,
    so anything a search leaves behind (a chain not cleared) would show in the next one.
    """
    rng = np.random.default_rng(5)
    for _ in range(30):
        g = ring_with_trees(rng, 8, 2, 20, two_way_share=0.8, slower_back=1.0)
        n = g.n_nodes
        keep = rng.random(n) < 0.15
        cg = contract_graph(g, keep=keep)
        assert (cg.code[keep] >= 0).all()
        prep = _prepared.Prepared.build(cg, np.int64)
        work = _kernels.Workspace(*(x[0] for x in _prepared.workspace(prep, 1, 1)))
        want = dijkstra(g.to_scipy(), directed=True)
        kept_row, interior_pos = np.maximum(cg.code, 0), np.maximum(-cg.code - 1, 0)
        for source in range(n):
            seed = prep.code(np.array([source]))
            nt, ncl = _kernels.search(
                prep.forward, seed, np.zeros(1), 0, 1, np.inf, source + 1, work
            )
            got = np.where(cg.code >= 0, work.dist[kept_row], work.ival[interior_pos])
            np.testing.assert_allclose(got, want[source], rtol=0, atol=1e-9)
            _kernels.clear(prep.forward, work, nt, ncl)
