"""Property tests of the way splitting: random ways over a small grid of nodes.

Ways may share nodes, close into rings, visit a node twice or repeat a node. For every random
file the network must keep each way's exact length, put nodes exactly at way ends and shared
nodes, and give the same shortest distances as networkx on a graph of the raw way segments
(no splitting at all on the oracle side).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from jamlik.errors import EmptyNetworkError
from jamlik.networks.streets import build_street_network

GRID = 5  # 5 x 5 nodes, 0.001 degrees apart near Lund
CRS = "EPSG:3006"


def node_lonlat(node: int) -> tuple[float, float]:
    return 13.19 + 0.001 * (node % GRID), 55.70 + 0.0007 * (node // GRID)


ways_strategy = st.lists(
    st.lists(st.integers(0, GRID * GRID - 1), min_size=2, max_size=7),
    min_size=1,
    max_size=12,
)


def write_osm(ways: list[list[int]], folder: Path) -> Path:
    lines = ['<?xml version="1.0"?>', '<osm version="0.6">']
    for n in range(GRID * GRID):
        lon, lat = node_lonlat(n)
        lines.append(f'<node id="{n + 1}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for i, refs in enumerate(ways):
        nds = "".join(f'<nd ref="{r + 1}"/>' for r in refs)
        lines.append(f'<way id="{i + 1}" version="1">{nds}<tag k="highway" v="footway"/></way>')
    lines.append("</osm>")
    path = folder / "random.osm"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def clean(refs: list[int]) -> list[int]:
    """Drop consecutive repeats of a node."""
    return [r for k, r in enumerate(refs) if k == 0 or r != refs[k - 1]]


@settings(max_examples=60, deadline=None)
@given(ways_strategy)
@example([[0, 1, 0]])  # a lone ring
@example([[0, 1, 2, 0], [2, 3]])  # a ring with a tail
@example([[0, 1, 2, 1, 3]])  # a way visiting node 1 twice
@example([[0, 0, 1, 1, 2]])  # repeated nodes
def test_random_ways(ways: list[list[int]]) -> None:
    ways = [w for w in ways if len(clean(w)) >= 2]
    if not ways:
        return
    with tempfile.TemporaryDirectory() as folder:
        net = build_street_network(write_osm(ways, Path(folder)), mode="walk", crs=CRS)
    transformer = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    xy = np.array([transformer.transform(*node_lonlat(n)) for n in range(GRID * GRID)])

    def seg(a: int, b: int) -> float:
        return float(np.hypot(*(xy[a] - xy[b])))

    # 1. Each way keeps its exact length.
    for i, refs in enumerate(ways):
        refs = clean(refs)
        want = sum(seg(a, b) for a, b in zip(refs[:-1], refs[1:], strict=True))
        got = net.street_length_m[net.street_osm_way_id == i + 1].sum()
        assert abs(got - want) < 1e-6
    # 2. Nodes are exactly the way ends and the nodes used more than once.
    uses: dict[int, int] = {}
    ends: set[int] = set()
    for refs in map(clean, ways):
        ends |= {refs[0], refs[-1]}
        for r in refs:
            uses[r] = uses.get(r, 0) + 1
    expected_nodes = ends | {r for r, k in uses.items() if k >= 2}
    assert set((net.node_osm_id - 1).tolist()) == expected_nodes
    # 3. Shortest distances equal networkx on the raw segments.
    g_nx = nx.Graph()
    for refs in map(clean, ways):
        for a, b in zip(refs[:-1], refs[1:], strict=True):
            w = seg(a, b)
            if not g_nx.has_edge(a, b) or g_nx[a][b]["w"] > w:
                g_nx.add_edge(a, b, w=w)
    if (net.street_u == net.street_v).all():
        # Only rings touching nothing: no edge is left once self-loops go.
        with pytest.raises(EmptyNetworkError):
            net.to_distance_graph()
        return
    graph = net.to_distance_graph()
    dist = dijkstra(graph.to_scipy(), directed=True)
    osm = net.node_osm_id[graph.node_index] - 1
    for i, a in enumerate(osm.tolist()):
        ref = nx.single_source_dijkstra_path_length(g_nx, a, weight="w")
        for j, b in enumerate(osm.tolist()):
            assert abs(dist[i, j] - ref[b]) < 1e-6
