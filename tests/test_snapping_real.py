"""Snapping and seeds on real extracts, against independent oracles.

* Tampere: the 1,141 GTFS stops against the README (all within 100 m of a walking edge, median
  about 5 m) and the snap distance against a brute-force minimum over every piece;
* Porto Alegre (bike, one-way streets) and Lund (walk with steps, seconds): point-to-point costs
  through seeds + scipy Dijkstra equal networkx Dijkstra on a graph built here in which each
  point is a node of its own, joined to the ends of its piece as the direction flags allow.
"""

from __future__ import annotations

import zipfile

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from jamlik.config import DEFAULT_PROFILES
from jamlik.geo import project
from jamlik.networks import build_street_network, point_seeds, snap_points


@pytest.fixture(scope="module")
def tampere(shared_data):
    return build_street_network(
        shared_data / "osm_gtfs_tampere/tampere.osm.pbf", mode="walk", crs="EPSG:3067"
    )


@pytest.fixture(scope="module")
def stops_xy(shared_data):
    with (
        zipfile.ZipFile(shared_data / "osm_gtfs_tampere/tampere_gtfs.zip") as zf,
        zf.open("stops.txt") as fh,
    ):
        stops = pd.read_csv(fh)
    return project(stops["stop_lon"].to_numpy(), stops["stop_lat"].to_numpy(), "EPSG:3067")


def test_tampere_stops_near_streets(tampere, stops_xy):
    x, y = stops_xy
    assert x.size == 1141
    snapped = snap_points(tampere, x, y, max_distance_m=100.0)
    # README: all stops within 100 m of a pyrosm walking edge, 1,140 within 50 m, median 5 m.
    # Our walking network also holds cycleways, so stops can only be nearer.
    assert snapped.snapped.all()
    assert (snapped.snap_distance_m <= 50).sum() >= 1140
    assert np.median(snapped.snap_distance_m) <= 5.5


def test_snap_distance_is_brute_force_minimum(tampere, stops_xy):
    x, y = stops_xy
    idx = np.random.default_rng(11).choice(x.size, size=60, replace=False)
    snapped = snap_points(tampere, x[idx], y[idx])
    lines = tampere.street_geometry
    for k, i in enumerate(idx):
        d = shapely.distance(lines, shapely.Point(x[i], y[i]))
        assert snapped.snap_distance_m[k] == pytest.approx(d.min(), abs=1e-6)
        # The reported position lies on the piece at the reported distance from the stop.
        on = lines[snapped.street[k]].interpolate(snapped.along_m[k])
        assert on.distance(shapely.Point(x[i], y[i])) == pytest.approx(d.min(), abs=1e-6)


def random_points(net, n, seed):
    """Points a few metres off random pieces of the graph (uniform over pieces)."""
    rng = np.random.default_rng(seed)
    pieces = rng.choice(net.n_streets, size=n)
    along = rng.uniform(0, 1, n) * net.street_length_m[pieces]
    pts = shapely.line_interpolate_point(net.street_geometry[pieces], along)
    jitter = rng.normal(0, 3, (2, n))
    return shapely.get_x(pts) + jitter[0], shapely.get_y(pts) + jitter[1]


def oracle_graph(net, snapped_o, snapped_d, cost):
    """networkx graph of the pieces plus one node per origin ("o", i) and destination ("d", j)."""
    frame = net.streets_frame()
    g = nx.DiGraph()
    for u, v, w, fwd, bwd in zip(
        frame["u"], frame["v"], cost, frame["forward"], frame["backward"], strict=True
    ):
        if u == v or not np.isfinite(w):
            continue
        for a, b, ok in ((u, v, fwd), (v, u, bwd)):
            if ok and (not g.has_edge(a, b) or g[a][b]["w"] > w):
                g.add_edge(int(a), int(b), w=float(w))
    for tag, snapped in (("o", snapped_o), ("d", snapped_d)):
        for i, (s, a) in enumerate(zip(snapped.street, snapped.along_m, strict=True)):
            if s < 0:
                continue
            u, v = int(net.street_u[s]), int(net.street_v[s])
            frac = a / net.street_length_m[s] if net.street_length_m[s] > 0 else 0.0
            to_u, to_v = cost[s] * frac, cost[s] * (1 - frac)
            fwd, bwd = net.street_forward[s], net.street_backward[s]
            if tag == "o":
                if bwd:
                    g.add_edge((tag, i), u, w=to_u)
                if fwd:
                    g.add_edge((tag, i), v, w=to_v)
            else:
                if fwd:
                    g.add_edge(u, (tag, i), w=to_u)
                if bwd:
                    g.add_edge(v, (tag, i), w=to_v)
    return g


def check_point_to_point(net, profile, *, n_origins, n_destinations, seed):
    graph = net.to_graph(profile)
    xo, yo = random_points(net, n_origins, seed)
    xd, yd = random_points(net, n_destinations, seed + 1)
    so = snap_points(net, xo, yo, graph=graph, profile=profile)
    sd = snap_points(net, xd, yd, graph=graph, profile=profile)
    origin = point_seeds(net, graph, so, profile=profile, towards=False)
    dest = point_seeds(net, graph, sd, profile=profile, towards=True)
    sources = np.unique(origin.node)
    dist = dijkstra(graph.to_scipy(), indices=sources)
    row = {int(s): k for k, s in enumerate(sources)}
    g_nx = oracle_graph(net, so, sd, net.street_cost(profile))
    compared = 0
    for i in range(n_origins):
        o_nodes, o_cost = origin.of(i)
        ref = nx.single_source_dijkstra_path_length(g_nx, ("o", i), weight="w")
        for j in range(n_destinations):
            if so.street[i] == sd.street[j]:
                continue  # known simplification: no direct path along a shared piece
            d_nodes, d_cost = dest.of(j)
            ours = np.inf
            for on, oc in zip(o_nodes, o_cost, strict=True):
                ours = min(ours, (oc + dist[row[int(on)], d_nodes] + d_cost).min(initial=np.inf))
            want = ref.get(("d", j), np.inf)
            assert ours == pytest.approx(want, abs=1e-6) or (np.isinf(ours) and np.isinf(want))
            compared += 1
    return compared


def test_porto_alegre_bike_point_to_point(shared_data):
    net = build_street_network(
        shared_data / "osm_gtfs_porto_alegre/poa_osm.pbf", mode="bike", crs="EPSG:31982"
    )
    pairs = check_point_to_point(
        net, DEFAULT_PROFILES["bike"], n_origins=20, n_destinations=60, seed=5
    )
    assert pairs >= 1000


@pytest.mark.parametrize("profile", ["adult", "senior", "wheelchair"])
def test_lund_walk_point_to_point(shared_data, profile):
    net = build_street_network(
        shared_data / "osm_lund_station/lund_station.osm.pbf", mode="walk", crs="EPSG:3006"
    )
    pairs = check_point_to_point(
        net, DEFAULT_PROFILES[profile], n_origins=25, n_destinations=50, seed=9
    )
    assert pairs >= 1000
