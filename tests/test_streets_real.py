"""Street networks of the three real extracts against independent oracles.

* counts and lengths against the pyrosm figures in each README (plausibility, a few %);
* total and per-way lengths against the ways read directly with pyosmium, projected and
  measured here (exact up to float error) and measured geodesically (scale factor only);
* shortest paths of the jamlik graph (scipy Dijkstra on ``Graph.to_scipy()``) against networkx
  Dijkstra on a graph built independently from ``streets_frame()``, >= 1,000 OD pairs each;
* Lund: steps are flagged and the wheelchair profile never uses them.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import osmium
import pyproj
import pytest
import shapely
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra

from jamlik.config import DEFAULT_PROFILES
from jamlik.ingest.osm import read_osm
from jamlik.networks.streets import build_street_network, way_rule

# name -> (file, crs, pyrosm walking ways, pyrosm walking km, pyrosm cycling ways)
EXTRACTS = {
    "tampere": ("osm_gtfs_tampere/tampere.osm.pbf", "EPSG:3067", 24_168, 2_577.0, 23_179),
    "porto_alegre": ("osm_gtfs_porto_alegre/poa_osm.pbf", "EPSG:31982", 14_091, 1_819.0, 12_019),
    "lund": ("osm_lund_station/lund_station.osm.pbf", "EPSG:3006", 179, None, None),
}


@pytest.fixture(scope="module")
def load(shared_data):
    """``load(name, mode)`` builds a network once per module; ``load(name)`` reads the file."""
    cache = {}

    def get(name, mode=None):
        path, crs, *_ = EXTRACTS[name]
        if name not in cache:
            cache[name] = read_osm(shared_data / path)
        if mode is None:
            return cache[name]
        if (name, mode) not in cache:
            cache[(name, mode)] = build_street_network(cache[name], mode=mode, crs=crs)
        return cache[(name, mode)]

    return get


def raw_ways(path, mode):
    """Way id -> list of (lon, lat), read with pyosmium directly, for ways the mode keeps."""
    ways = {}
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if obj.is_way() and way_rule(dict(obj.tags), mode)[0]:
            ways[obj.id] = [(n.lon, n.lat) for n in obj.nodes]
    return ways


@pytest.mark.parametrize("name", ["tampere", "porto_alegre"])
def test_plausible_against_readme(load, name):
    _, _, walk_ways, walk_km, bike_ways = EXTRACTS[name]
    walk = load(name, "walk").streets_frame()
    # pyrosm's walking network leaves out cycleways and platforms; compare like with like.
    like = walk[~walk["highway"].isin(["cycleway", "platform", "elevator"])]
    assert like["osm_way_id"].nunique() == pytest.approx(walk_ways, rel=0.03)
    assert like["length_m"].sum() / 1000 == pytest.approx(walk_km, rel=0.03)
    bike = load(name, "bike").streets_frame()
    assert bike["osm_way_id"].nunique() == pytest.approx(bike_ways, rel=0.05)


@pytest.mark.parametrize("name", ["tampere", "porto_alegre", "lund"])
def test_lengths_equal_independent_way_lengths(shared_data, load, name):
    path, crs, *_ = EXTRACTS[name]
    net = load(name, "walk")
    ways = raw_ways(shared_data / path, "walk")
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    geod = Geod(ellps="GRS80")
    projected = {}
    geodesic_total = 0.0
    for way_id, coords in ways.items():
        lon, lat = np.array(coords).T
        x, y = transformer.transform(lon, lat)
        projected[way_id] = float(np.hypot(np.diff(x), np.diff(y)).sum())
        geodesic_total += geod.line_length(lon, lat)
    # Straight links across walkable areas are extra pieces, not parts of a way.
    outline = ~net.across_area
    per_way = defaultdict(float)
    for way_id, length in zip(
        net.street_osm_way_id[outline].tolist(), net.street_length_m[outline].tolist(), strict=True
    ):
        per_way[way_id] += length
    assert set(per_way) == set(projected)
    got = np.array([per_way[w] for w in projected])
    want = np.array(list(projected.values()))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)
    total = net.street_length_m[outline].sum()
    assert total == pytest.approx(want.sum(), rel=1e-9)
    # Projected lengths differ from geodesic ones only by the map's scale factor (< 0.1 %).
    assert total == pytest.approx(geodesic_total, rel=1e-3)


def nx_graph(net, weight):
    frame = net.streets_frame()
    g = nx.DiGraph()
    for u, v, w, fwd, bwd in zip(
        frame["u"], frame["v"], weight, frame["forward"], frame["backward"], strict=True
    ):
        if u == v or not np.isfinite(w):
            continue
        for a, b, ok in ((u, v, fwd), (v, u, bwd)):
            if ok and (not g.has_edge(a, b) or g[a][b]["w"] > w):
                g.add_edge(int(a), int(b), w=float(w))
    return g


def compare_with_networkx(graph, g_nx, *, n_sources, n_targets, seed, tol):
    rng = np.random.default_rng(seed)
    sources = rng.choice(graph.n_nodes, size=n_sources, replace=False)
    targets = rng.choice(graph.n_nodes, size=n_targets, replace=False)
    ours = dijkstra(graph.to_scipy(), directed=True, indices=sources)[:, targets]
    pairs = 0
    for i, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(g_nx, int(graph.node_index[s]), weight="w")
        want = np.array([ref.get(int(graph.node_index[t]), np.inf) for t in targets])
        assert np.isfinite(want).all()  # one strongly connected component
        np.testing.assert_allclose(ours[i], want, rtol=0, atol=tol)
        pairs += len(targets)
    return pairs


@pytest.mark.parametrize("name", ["tampere", "porto_alegre", "lund"])
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_distance_graph_equals_networkx(load, name, mode):
    net = load(name, mode)
    graph = net.to_distance_graph()
    g_nx = nx_graph(net, net.street_length_m)
    n_targets = min(graph.n_nodes, 250)
    n_sources = min(graph.n_nodes, int(np.ceil(1000 / n_targets)))
    pairs = compare_with_networkx(
        graph, g_nx, n_sources=n_sources, n_targets=n_targets, seed=7, tol=0.01
    )
    assert pairs >= min(1000, graph.n_nodes**2)


def test_lund_steps_and_wheelchair(load):
    net = load("lund", "walk")
    steps = net.street_steps
    assert steps.sum() == 27  # README: 27 ways tagged highway=steps, none split
    assert set(net.street_highway[steps]) == {"steps"}
    # Elevators are walkable for everyone.
    assert (net.street_highway == "elevator").sum() == 9
    adult, wheel = DEFAULT_PROFILES["adult"], DEFAULT_PROFILES["wheelchair"]
    # Adult: steps at half speed; the oracle weights are computed here independently.
    weight = np.where(steps, net.street_length_m / (1.33 * 0.5), net.street_length_m / 1.33)
    compare_with_networkx(
        net.to_graph(adult), nx_graph(net, weight), n_sources=20, n_targets=100, seed=3, tol=1e-6
    )
    # Wheelchair: the oracle graph has no steps at all.
    g_wheel = net.to_graph(wheel)
    weight = np.where(steps, np.inf, net.street_length_m / 0.9)
    g_nx = nx_graph(net, weight)
    largest = max(nx.strongly_connected_components(g_nx), key=len)
    assert set(g_wheel.node_index.tolist()) == largest
    compare_with_networkx(g_wheel, g_nx, n_sources=20, n_targets=100, seed=4, tol=1e-6)
    # No edge of the wheelchair graph runs along a piece of steps only.
    src = g_wheel.node_index[g_wheel.edge_sources()]
    dst = g_wheel.node_index[g_wheel.indices]
    plain = set(zip(net.street_u[~steps].tolist(), net.street_v[~steps].tolist(), strict=True))
    plain |= {(v, u) for u, v in plain}
    assert all((int(a), int(b)) in plain for a, b in zip(src, dst, strict=True))
    # Steps make a difference somewhere: the adult graph is bigger.
    assert net.to_graph(adult).n_edges > g_wheel.n_edges


def test_geometry_valid_and_consistent(load):
    net = load("lund", "walk")
    assert shapely.is_valid(net.street_geometry).all()
    start = shapely.get_point(net.street_geometry, 0)
    end = shapely.get_point(net.street_geometry, -1)
    np.testing.assert_allclose(shapely.get_x(start), net.node_x[net.street_u])
    np.testing.assert_allclose(shapely.get_y(end), net.node_y[net.street_v])
