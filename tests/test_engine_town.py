"""Accessibility engine on the generated sample town against scipy brute force.

The town has one-way streets, so the graph is directed and the reversed-graph strategy is
really tested. Opportunities are the town's services (schools, kindergartens, shops, ...),
each reached from its nearest street node plus the straight walk to it; origins are every
node. Both strategies must equal brute force (full scipy Dijkstra) to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from jamlik.datasets.town import Town, generate_town
from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.snapping import Seeds
from jamlik.routing.decay import GaussianDecay, LogisticDecay
from jamlik.routing.engine import accessibility

SPEED_M_S = 1.33


@pytest.fixture(scope="module")
def town() -> tuple[Town, Graph]:
    town = generate_town(n_nodes=2000, seed=7)
    s = town.streets
    u, v = s["u"].to_numpy(), s["v"].to_numpy()
    two_way = ~s["oneway"].to_numpy(bool)
    src = np.concatenate([u, v[two_way]])
    dst = np.concatenate([v, u[two_way]])
    cost = np.concatenate([s["length_m"], s["length_m"][two_way]]) / SPEED_M_S
    graph = graph_from_edges(src, dst, cost, n_nodes=town.node_x.size, name="town")
    return town, graph


def service_seeds(town: Town, graph: Graph, kind: str, values: list[str]) -> Seeds:
    pois = town.pois[town.pois[kind].isin(values)]
    xy = np.column_stack([town.node_x[graph.node_index], town.node_y[graph.node_index]])
    d, node = cKDTree(xy).query(np.column_stack([pois.geometry.x, pois.geometry.y]), k=2)
    # Two seeds per service: its two nearest graph nodes, each plus the straight walk.
    n = len(pois)
    return Seeds(
        np.arange(0, 2 * n + 1, 2), node.reshape(-1).astype(np.int64), d.reshape(-1) / SPEED_M_S
    )


@pytest.mark.parametrize("strategy", ["from_opportunities", "from_origins"])
def test_town_equals_brute_force(town: tuple[Town, Graph], strategy: str) -> None:
    t, graph = town
    assert graph.n_edges < 2 * graph.n_nodes * 4  # sanity: a street graph, not a clique
    directed = graph.to_scipy()
    assert (directed != directed.T).nnz > 0  # one-way streets make it directed
    opp = {
        "school": service_seeds(t, graph, "amenity", ["school", "kindergarten"]),
        "shop": service_seeds(t, graph, "shop", ["supermarket", "convenience"]),
    }
    assert all(s.indptr.size > 1 for s in opp.values())
    decay = [GaussianDecay(sigma=400), LogisticDecay(midpoint=600, sd=120)]
    res = accessibility(graph, opp, k=3, decay=decay, strategy=strategy)  # type: ignore[arg-type]
    dist = dijkstra(directed, directed=True)
    for c, s in enumerate(opp.values()):
        per_seed = dist[:, s.node] + s.cost[None, :]
        cost = np.minimum(per_seed[:, 0::2], per_seed[:, 1::2])  # two seeds per opportunity
        cost[cost > res.max_cost] = np.inf
        near = np.sort(cost, axis=1)[:, :3]
        near = np.pad(near, ((0, 0), (0, 3 - near.shape[1])), constant_values=np.inf)
        assert np.array_equal(np.isinf(res.nearest[:, c]), np.isinf(near))
        np.testing.assert_allclose(res.nearest[:, c], near, rtol=0, atol=1e-9)
        for q, cutoff in enumerate(res.cutoffs):
            np.testing.assert_array_equal(res.counts[:, c, q], (cost <= cutoff).sum(axis=1))
        for m, f in enumerate(decay):
            np.testing.assert_allclose(res.decayed[:, c, m], f.evaluate(cost).sum(axis=1),
                                       rtol=0, atol=1e-9)  # fmt: skip
    assert res.counts[:, :, -1].max() > 0  # some services are within 30 minutes
