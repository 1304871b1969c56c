"""The street graph jamlik searches equals the raw OSM node graph it contracts (walk graphs).

An OSM way is a list of nodes, most of them shape points where the way only bends. The raw OSM
walk graph (as osmnx builds it with ``simplify=False``) has every such node and one edge per
segment. jamlik contracts it twice: :func:`jamlik.networks.streets.build_street_network` splits
ways only at nodes shared by two kept ways and at way ends (a shape point never becomes a node;
a point on it is located by its offset along the piece, :mod:`jamlik.networks.snapping`), and
:func:`jamlik.networks.contraction.contract_graph` then contracts the remaining pass-through
nodes and pendant trees. This test builds the raw graph straight from the PBF with pyosmium and
pyproj (the same ways jamlik keeps, every node, projected segment lengths) and checks, with
networkx's Dijkstra on it, that walking distances between raw OSM nodes, shape points included,
equal jamlik's on its pieces graph and on the contracted graph.

Two things in jamlik's graph are not in the raw ways, so the raw graph gets them too: the
straight pieces across walkable areas (jamlik's own links, flagged ``across_area``, added with
their lengths) and nothing else. Pairs of points on the same piece are left out: jamlik joins
them through the piece's ends (the documented simplification of :mod:`jamlik.networks.snapping`).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmium
import pyproj
import pytest

from jamlik.ingest.osm import read_osm
from jamlik.networks.contraction import contract_graph
from jamlik.networks.snapping import Snapped, point_seeds, snap_points
from jamlik.networks.streets import build_street_network
from jamlik.routing.engine import travel_costs

#: Extract, its metric CRS, and the least raw ÷ pieces and raw ÷ contracted node ratios it must
#: reach (measured: Tampere 3.3 and 5.2; Porto Alegre 2.0 and 3.3, a grid city whose ways have
#: few shape points).
EXTRACTS = {
    "tampere": ("osm_gtfs_tampere/tampere.osm.pbf", "EPSG:3067", (3.0, 5.0)),
    "porto_alegre": ("osm_gtfs_porto_alegre/poa_osm.pbf", "EPSG:31982", (1.9, 3.0)),
}


@pytest.fixture(scope="module", params=list(EXTRACTS))
def walk(shared_data, request):
    rel, crs, factors = EXTRACTS[request.param]
    path = shared_data / rel
    net = build_street_network(read_osm(path), mode="walk", crs=crs)
    kept = set(net.street_osm_way_id[~net.across_area].tolist())
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    raw = nx.Graph()
    xy: dict[int, tuple[float, float]] = {}
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if not (obj.is_way() and obj.id in kept):
            continue
        refs = [n.ref for n in obj.nodes]
        x, y = to_crs.transform([n.lon for n in obj.nodes], [n.lat for n in obj.nodes])
        for i, ref in enumerate(refs):
            xy[ref] = (x[i], y[i])
        for i in range(len(refs) - 1):
            if refs[i] == refs[i + 1]:
                continue
            w = float(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]))
            a, b = refs[i], refs[i + 1]
            if not raw.has_edge(a, b) or raw[a][b]["w"] > w:
                raw.add_edge(a, b, w=w)
    frame = net.streets_frame()
    osm_of = net.node_osm_id
    for u, v, length in zip(
        *(frame[c][net.across_area] for c in ("u", "v", "length_m")), strict=True
    ):
        a, b = int(osm_of[u]), int(osm_of[v])
        if not raw.has_edge(a, b) or raw[a][b]["w"] > length:
            raw.add_edge(a, b, w=float(length))
    return net, raw, xy, factors


def _part(snapped: Snapped, rows: slice) -> Snapped:
    return Snapped(snapped.street[rows], snapped.along_m[rows], snapped.snap_distance_m[rows])


def test_contraction_factor_and_identical_distances(walk) -> None:
    net, raw, xy, (pieces_factor, contracted_factor) = walk
    graph = net.to_distance_graph()
    contracted = contract_graph(graph)
    assert raw.number_of_nodes() / graph.n_nodes > pieces_factor
    assert raw.number_of_nodes() / contracted.n_kept >= contracted_factor

    biggest = max(nx.connected_components(raw), key=len)
    junctions = set(net.node_osm_id.tolist())
    shape_points = np.array(sorted(n for n in biggest if n not in junctions))
    everything = np.array(sorted(biggest))
    rng = np.random.default_rng(11)
    origins = rng.choice(shape_points, 25, replace=False)
    targets = np.concatenate(
        [rng.choice(shape_points, 100, replace=False), rng.choice(everything, 100, replace=False)]
    )
    points = np.concatenate([origins, targets])
    px = np.array([xy[n][0] for n in points])
    py = np.array([xy[n][1] for n in points])
    snapped = snap_points(net, px, py, max_distance_m=1.0, graph=graph)
    # Every raw node lies on a piece of the jamlik network (no gap, no rounding).
    assert snapped.snapped.all()
    assert snapped.snap_distance_m.max() < 1e-6
    n_o = origins.size
    o_seeds = point_seeds(net, graph, _part(snapped, slice(0, n_o)))
    d_seeds = point_seeds(net, graph, _part(snapped, slice(n_o, None)), towards=True)
    plain = travel_costs(graph, o_seeds, d_seeds, contract=False)
    fast = travel_costs(graph, o_seeds, d_seeds, contract=True)
    compared = 0
    for i, o in enumerate(origins):
        want = nx.single_source_dijkstra_path_length(raw, int(o), weight="w")
        for j, t in enumerate(targets):
            if snapped.street[n_o + j] == snapped.street[i]:
                continue  # same piece: joined through its ends (module docstring)
            assert plain[i, j] == pytest.approx(want[int(t)], abs=1e-6)
            assert fast[i, j] == pytest.approx(want[int(t)], abs=1e-6)
            compared += 1
    assert compared >= 4_900
