"""Parallel searches give the single-thread answers.

The k nearest are merged exactly (same floats); counts are sums of the same weights; decayed
sums are the same terms added in another order (equal to the last bits).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jamlik.networks.graph import Graph
from jamlik.networks.snapping import Seeds
from jamlik.networks.streets import build_street_network
from jamlik.routing.decay import ExponentialDecay, LinearDecay
from jamlik.routing.engine import accessibility, travel_costs


@pytest.fixture(scope="module")
def tampere(shared_data: Path) -> Graph:
    pbf = shared_data / "osm_gtfs_tampere" / "tampere.osm.pbf"
    return build_street_network(pbf, mode="walk").to_distance_graph()


def random_opportunities(graph: Graph, n: int, seed: int) -> Seeds:
    rng = np.random.default_rng(seed)
    return Seeds(
        np.arange(n + 1), rng.choice(graph.n_nodes, n, replace=False), rng.uniform(0, 20, n)
    )


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("contract", [False, True])
def test_parallel_accessibility_equals_single_thread(
    tampere: Graph, threads: int, contract: bool
) -> None:
    opp = {"a": random_opportunities(tampere, 300, 1), "b": random_opportunities(tampere, 77, 2)}
    weights = {"a": np.random.default_rng(3).uniform(0, 5, 300)}
    kw = {
        "weights": weights,
        "k": 3,
        "cutoffs": (600.0, 300.0, 1200.0),
        "decay": [ExponentialDecay(beta=1 / 1200, max_cost=1200), LinearDecay(threshold=900)],
        "contract": contract,
        "strategy": "from_opportunities",
    }
    one = accessibility(tampere, opp, threads=1, **kw)  # type: ignore[arg-type]
    many = accessibility(tampere, opp, threads=threads, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(many.nearest, one.nearest)
    np.testing.assert_allclose(many.counts, one.counts, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(many.decayed, one.decayed, rtol=1e-13, atol=1e-12)
    assert np.isfinite(one.nearest[:, :, 0]).mean() > 0.5


def test_parallel_travel_costs_equal_single_thread(tampere: Graph) -> None:
    o = random_opportunities(tampere, 50, 4)
    d = random_opportunities(tampere, 80, 5)
    one = travel_costs(tampere, o, d, max_cost=3000.0, threads=1)
    two = travel_costs(tampere, o, d, max_cost=3000.0, threads=2)
    np.testing.assert_array_equal(two, one)


def test_parallel_with_progress_chunks(tampere: Graph) -> None:
    opp = {"a": random_opportunities(tampere, 200, 6)}
    calls: list[int] = []
    one = accessibility(tampere, opp, threads=1, max_cost=900.0, cutoffs=(900.0,))
    two = accessibility(
        tampere, opp, threads=2, max_cost=900.0, cutoffs=(900.0,), progress=calls.append
    )
    assert sum(calls) == 200
    np.testing.assert_array_equal(two.nearest, one.nearest)
    np.testing.assert_array_equal(two.counts, one.counts)
