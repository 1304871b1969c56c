"""Accessibility engine on real OSM walk networks (Tampere, Porto Alegre, Lund).

Two independent oracles:

* **networkx**: a directed graph built straight from ``StreetNetwork.streets_frame()`` (one edge
  per allowed direction, the shortest of parallel pieces), with ``single_source_dijkstra``;
  :func:`travel_costs` must agree to 0.01 m on more than 1,000 origin-destination pairs per city.
* **scipy brute force**: full cost rows from ``scipy.sparse.csgraph.dijkstra`` for a sample of
  origins, then nearest/counts/decayed sums in plain numpy, against both engine strategies, with
  real opportunities (Porto Alegre schools and health care from IPEA's hexagon grid, snapped to
  the streets, so most opportunities have two seeds).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from jamlik.networks.graph import Graph
from jamlik.networks.snapping import Seeds, point_seeds, snap_points
from jamlik.networks.streets import StreetNetwork, build_street_network
from jamlik.routing.decay import ExponentialDecay, LinearDecay
from jamlik.routing.engine import accessibility, travel_costs

FloatArray = npt.NDArray[np.float64]

CITIES = {
    "tampere": "osm_gtfs_tampere/tampere.osm.pbf",
    "porto_alegre": "osm_gtfs_porto_alegre/poa_osm.pbf",
    "lund": "osm_lund_station/lund_station.osm.pbf",
}


def networkx_graph(network: StreetNetwork) -> nx.DiGraph:
    """A networkx graph of the network's pieces, built without jamlik's graph code."""
    f = network.streets_frame()
    fwd = f[f["forward"]]
    bwd = f[f["backward"]]
    edges = pd.DataFrame(
        {
            "a": np.concatenate([fwd["u"], bwd["v"]]),
            "b": np.concatenate([fwd["v"], bwd["u"]]),
            "w": np.concatenate([fwd["length_m"], bwd["length_m"]]),
        }
    )
    edges = edges[edges["a"] != edges["b"]].groupby(["a", "b"], as_index=False)["w"].min()
    g = nx.DiGraph()
    g.add_weighted_edges_from(edges.itertuples(index=False, name=None))
    return g


def node_seeds(nodes: npt.NDArray[np.int64]) -> Seeds:
    return Seeds(
        np.arange(nodes.size + 1, dtype=np.int64), nodes.astype(np.int64), np.zeros(nodes.size)
    )


@pytest.mark.parametrize("city", list(CITIES))
def test_travel_costs_equal_networkx(shared_data: Path, city: str) -> None:
    network = build_street_network(shared_data / CITIES[city], mode="walk")
    graph = network.to_distance_graph()
    rng = np.random.default_rng(5)
    origins = rng.choice(graph.n_nodes, 12, replace=False)
    dests = rng.choice(graph.n_nodes, 100, replace=False)
    got = travel_costs(graph, node_seeds(origins), node_seeds(dests))

    g = networkx_graph(network)
    expected = np.full((12, 100), np.inf)
    for i, o in enumerate(graph.node_index[origins]):
        lengths = nx.single_source_dijkstra_path_length(g, int(o), weight="weight")
        expected[i] = [lengths.get(int(d), np.inf) for d in graph.node_index[dests]]
    assert expected.size >= 1_000
    assert np.isfinite(expected).all()  # one strongly connected component: all reachable
    np.testing.assert_allclose(got, expected, rtol=0, atol=0.01)
    # A bound only removes pairs, never changes the others.
    bound = float(np.median(expected))
    capped = travel_costs(graph, node_seeds(origins), node_seeds(dests), max_cost=bound)
    np.testing.assert_allclose(capped, np.where(expected <= bound, expected, np.inf), atol=0.01)


def brute_force(
    graph: Graph,
    opp: dict[str, Seeds],
    weights: dict[str, FloatArray],
    origins: npt.NDArray[np.int64],
    k: int,
    cutoffs: tuple[float, ...],
    decay: list[ExponentialDecay | LinearDecay],
    max_cost: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    dist = dijkstra(graph.to_scipy(), directed=True, indices=origins)
    nearest, counts, decayed = [], [], []
    for cat, s in opp.items():
        per_seed = dist[:, s.node] + s.cost[None, :]
        owner = np.repeat(np.arange(s.indptr.size - 1), np.diff(s.indptr))
        c = np.full((origins.size, s.indptr.size - 1), np.inf)
        np.minimum.at(c.T, owner, per_seed.T)  # min over each opportunity's seeds
        c[c > max_cost] = np.inf
        w = weights[cat]
        nearest.append(np.sort(c, axis=1)[:, :k])
        counts.append(np.stack([((c <= q) * w).sum(axis=1) for q in cutoffs], axis=1))
        decayed.append(np.stack([(f.evaluate(c) * w).sum(axis=1) for f in decay], axis=1))
    return np.stack(nearest, 1), np.stack(counts, 1), np.stack(decayed, 1)


@pytest.fixture(scope="module")
def porto_alegre(shared_data: Path) -> tuple[StreetNetwork, Graph, pd.DataFrame]:
    network = build_street_network(shared_data / CITIES["porto_alegre"], mode="walk")
    hexes = pd.read_csv(shared_data / "osm_gtfs_porto_alegre" / "poa_hexgrid.csv")
    x, y = Transformer.from_crs("EPSG:4326", network.crs, always_xy=True).transform(
        hexes["lon"].to_numpy(), hexes["lat"].to_numpy()
    )
    hexes = hexes.assign(x=x, y=y)
    return network, network.to_distance_graph(), hexes


@pytest.mark.parametrize("strategy", ["from_opportunities", "from_origins"])
def test_aggregates_equal_brute_force_on_porto_alegre(
    porto_alegre: tuple[StreetNetwork, Graph, pd.DataFrame], strategy: str
) -> None:
    network, graph, hexes = porto_alegre
    opp: dict[str, Seeds] = {}
    weights: dict[str, FloatArray] = {}
    for cat in ("schools", "healthcare"):
        rows = hexes[hexes[cat] > 0]
        snapped = snap_points(network, rows["x"], rows["y"], graph=graph)
        seeds = point_seeds(network, graph, snapped, towards=True)
        opp[cat] = seeds
        weights[cat] = rows[cat].to_numpy(np.float64)
    assert np.diff(opp["schools"].indptr).max() >= 2  # real multi-seed opportunities
    origins = np.random.default_rng(3).choice(graph.n_nodes, 400, replace=False)
    cutoffs = (500.0, 1000.0, 1500.0, 2000.0)
    decay = [ExponentialDecay(beta=1 / 500, max_cost=2500), LinearDecay(threshold=1800)]
    res = accessibility(graph, opp, weights=weights, k=3, cutoffs=cutoffs, decay=decay,
                        origins=origins, strategy=strategy)  # type: ignore[arg-type]  # fmt: skip
    assert res.max_cost == 2500
    near, counts, decayed = brute_force(graph, opp, weights, origins, 3, cutoffs, decay, 2500)
    assert np.array_equal(np.isinf(res.nearest), np.isinf(near))
    np.testing.assert_allclose(res.nearest, near, rtol=0, atol=1e-6)
    np.testing.assert_allclose(res.counts, counts, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.decayed, decayed, rtol=1e-9, atol=1e-9)
    assert (counts[:, :, -1] > 0).mean() > 0.3  # a meaningful share of origins reach some
