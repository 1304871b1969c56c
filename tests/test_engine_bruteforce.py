"""Accessibility engine against brute force with scipy's Dijkstra (full cost matrices).

The oracle computes every origin-to-node cost with ``scipy.sparse.csgraph.dijkstra``, then the
cost of each opportunity as the minimum over its seeds, then nearest/counts/decayed sums with
plain numpy; both engine strategies must agree with it to 1e-9.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy.sparse.csgraph import dijkstra

from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.snapping import Seeds
from jamlik.routing.decay import (
    DecayFunction,
    ExponentialDecay,
    GaussianDecay,
    LinearDecay,
    LogisticDecay,
    StepDecay,
)
from jamlik.routing.engine import AccessResult, accessibility, travel_costs

FloatArray = npt.NDArray[np.float64]


def random_seeds(rng: np.random.Generator, n_nodes: int, n_opp: int, max_seeds: int) -> Seeds:
    sizes = rng.integers(1, max_seeds + 1, n_opp)
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    node = rng.integers(0, n_nodes, indptr[-1]).astype(np.int64)
    cost = rng.uniform(0, 30, indptr[-1])
    return Seeds(indptr=indptr, node=node, cost=cost)


def seed_costs(dist: FloatArray, s: Seeds) -> FloatArray:
    """origins x opportunities: min over each opportunity's seeds of dist + seed cost."""
    per_seed = dist[:, s.node] + s.cost[None, :]
    out = np.full((dist.shape[0], s.indptr.size - 1), np.inf)
    for j in range(s.indptr.size - 1):  # few opportunities: a loop is fine in the oracle
        lo, hi = s.indptr[j], s.indptr[j + 1]
        out[:, j] = per_seed[:, lo:hi].min(axis=1)
    return out


def brute_force(
    graph: Graph,
    opp: dict[str, Seeds],
    weights: dict[str, FloatArray],
    origins: npt.NDArray[np.int64],
    k: int,
    cutoffs: tuple[float, ...],
    decay: list[DecayFunction],
    max_cost: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    dist = dijkstra(graph.to_scipy(), directed=True, indices=origins)
    nearest, counts, decayed = [], [], []
    for cat, s in opp.items():
        c = seed_costs(dist, s)
        c[c > max_cost] = np.inf
        w = weights.get(cat, np.ones(c.shape[1]))
        near = np.sort(c, axis=1)[:, :k]
        near = np.pad(near, ((0, 0), (0, k - near.shape[1])), constant_values=np.inf)
        nearest.append(near)
        counts.append(np.stack([((c <= q) * w).sum(axis=1) for q in cutoffs], axis=1))
        decayed.append(np.stack([(f.evaluate(c) * w).sum(axis=1) for f in decay], axis=1))
    return np.stack(nearest, 1), np.stack(counts, 1), np.stack(decayed, 1)


def assert_same(res: AccessResult, expected: tuple[FloatArray, FloatArray, FloatArray]) -> None:
    near, counts, decayed = expected
    assert np.array_equal(np.isinf(res.nearest), np.isinf(near))
    np.testing.assert_allclose(res.nearest, near, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.counts, counts, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.decayed, decayed, rtol=0, atol=1e-9)


def random_graph(rng: np.random.Generator, n: int, m: int) -> Graph:
    """A sparse random directed graph; keep='all', so some nodes are unreachable."""
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    cost = rng.uniform(1, 50, m)
    return graph_from_edges(src, dst, cost, n_nodes=n, keep="all", name="random")


DECAYS: list[DecayFunction] = [
    StepDecay(threshold=120),
    LinearDecay(threshold=150),
    ExponentialDecay(beta=0.02, max_cost=160),
    GaussianDecay(sigma=60),
    LogisticDecay(midpoint=90, sd=20, label="logit"),
]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("strategy", ["from_opportunities", "from_origins"])
def test_random_graphs_equal_brute_force(seed: int, strategy: str) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    graph = random_graph(rng, n, 1500)
    opp = {c: random_seeds(rng, n, int(rng.integers(5, 40)), 3) for c in ("a", "b", "c")}
    weights = {"b": rng.uniform(0, 10, opp["b"].indptr.size - 1)}
    origins = None if seed % 2 else rng.integers(0, n, 150)
    cutoffs = (80.0, 40.0, 130.0)  # not sorted on purpose
    res = accessibility(graph, opp, weights=weights, k=4, cutoffs=cutoffs, decay=DECAYS,
                        strategy=strategy, origins=origins)  # type: ignore[arg-type]  # fmt: skip
    assert res.max_cost == pytest.approx(max(f.support for f in DECAYS))
    orig = np.arange(n) if origins is None else origins
    expected = brute_force(graph, opp, weights, orig, 4, cutoffs, DECAYS, res.max_cost)
    assert_same(res, expected)
    # Some pairs are unreachable and some reachable, so both branches were exercised.
    assert np.isinf(res.nearest).any() and np.isfinite(res.nearest).any()


def test_strategies_agree_with_explicit_max_cost() -> None:
    rng = np.random.default_rng(7)
    graph = random_graph(rng, 300, 1200)
    opp = {"x": random_seeds(rng, 300, 60, 4)}
    results = [
        accessibility(graph, opp, k=3, cutoffs=(25, 50), decay=DECAYS[:2], max_cost=60, strategy=s)  # type: ignore[arg-type]  # fmt: skip
        for s in ("from_opportunities", "from_origins", "auto")
    ]
    expected = brute_force(graph, opp, {}, np.arange(300), 3, (25, 50), DECAYS[:2], 60)
    for res in results:
        assert_same(res, expected)


def test_travel_costs_equal_brute_force() -> None:
    rng = np.random.default_rng(11)
    n = 350
    graph = random_graph(rng, n, 1600)
    origins = random_seeds(rng, n, 40, 3)
    dests = random_seeds(rng, n, 70, 3)
    # Brute force: costs from every node to every node, then both ends' seed costs.
    full = dijkstra(graph.to_scipy(), directed=True)
    expected = np.full((40, 70), np.inf)
    for i in range(40):
        lo, hi = origins.indptr[i], origins.indptr[i + 1]
        from_origin = (full[origins.node[lo:hi]] + origins.cost[lo:hi, None]).min(axis=0)
        expected[i] = seed_costs(from_origin[None, :], dests)[0]
    got = travel_costs(graph, origins, dests)
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    bounded = travel_costs(graph, origins, dests, max_cost=100)
    np.testing.assert_allclose(bounded, np.where(expected <= 100, expected, np.inf), atol=1e-9)
