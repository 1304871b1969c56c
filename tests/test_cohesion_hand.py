"""Detour/barrier index, meeting-place reach and co-accessibility on tiny cases worked by hand."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pytest
import shapely

from jamlik.errors import DataError
from jamlik.networks import Graph, Seeds, StreetNetwork, graph_from_edges
from jamlik.routing.network_measures import area_detour, place_reach
from jamlik.runs.cohesion import co_accessibility

CRS = "EPSG:3006"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def network(xy: Sequence[tuple[float, float]], edges: Sequence[tuple[int, int]]) -> StreetNetwork:
    """Two-way straight streets between the given nodes."""
    x = np.array([p[0] for p in xy], dtype=float)
    y = np.array([p[1] for p in xy], dtype=float)
    u = np.array([e[0] for e in edges])
    v = np.array([e[1] for e in edges])
    geometry = np.array([shapely.LineString([xy[a], xy[b]]) for a, b in edges], dtype=object)
    n = len(edges)
    return StreetNetwork(
        mode="walk", crs=CRS, node_x=x, node_y=y, node_osm_id=np.arange(len(xy)),
        street_u=u, street_v=v, street_length_m=shapely.length(geometry).astype(float),
        street_forward=np.ones(n, bool), street_backward=np.ones(n, bool),
        street_steps=np.zeros(n, bool), street_highway=np.full(n, "footway", dtype=object),
        street_osm_way_id=np.arange(n), street_geometry=geometry, source="hand",
    )  # fmt: skip


@pytest.fixture()
def river_case() -> tuple[StreetNetwork, gpd.GeoDataFrame]:
    # A (west) and B (east) share an edge; C lies south of A and touches B at a corner.
    # Streets: A-C directly; A and B only by a detour north (a bridge at y = 300).
    areas = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100),
                  shapely.box(0, -100, 100, 0)],
        index=["A", "B", "C"], crs=CRS,
    )  # fmt: skip
    xy = [(50, 50), (150, 50), (50, -50), (50, 300), (150, 300)]
    return network(xy, [(0, 3), (3, 4), (4, 1), (0, 2)]), areas


def test_detour_and_barrier_by_hand(river_case: tuple[StreetNetwork, gpd.GeoDataFrame]) -> None:
    walk, areas = river_case
    result = area_detour(walk, areas)
    pairs = result.pairs.set_index(["area_a", "area_b"])
    # A-B: 250 + 100 + 250 = 600 m on the network, 100 m straight.
    assert pairs.loc[("A", "B"), "network_m"] == pytest.approx(600)
    assert pairs.loc[("A", "B"), "detour"] == pytest.approx(6.0)
    assert pairs.loc[("A", "C"), "detour"] == pytest.approx(1.0)
    # B-C (queen: they share the corner (100, 0)): 700 m against 100 * sqrt(2).
    assert pairs.loc[("B", "C"), "detour"] == pytest.approx(700 / np.hypot(100, 100))
    assert len(pairs) == 3
    bc = 700 / np.hypot(100, 100)
    barrier = result.areas["barrier_index"]
    assert barrier["A"] == pytest.approx((6 + 1) / 2)
    assert barrier["B"] == pytest.approx((6 + bc) / 2)
    assert barrier["C"] == pytest.approx((1 + bc) / 2)
    assert result.areas["node"].tolist() == [0, 1, 2]
    assert result.areas["node_inside"].all()
    assert (result.areas["n_neighbours"] == 2).all()


def test_detour_beyond_search_limit_is_infinite(
    river_case: tuple[StreetNetwork, gpd.GeoDataFrame],
) -> None:
    walk, areas = river_case
    # Each pair's search stops at 5.5 x its straight distance: A-B needs 600 m > 550 m;
    # B-C needs 700 m <= 5.5 * 141 m = 778 m.
    result = area_detour(walk, areas, max_detour=5.5)
    pairs = result.pairs.set_index(["area_a", "area_b"])
    bc = 700 / np.hypot(100, 100)
    assert np.isinf(pairs.loc[("A", "B"), "detour"])
    assert pairs.loc[("B", "C"), "detour"] == pytest.approx(bc)
    assert pairs.loc[("A", "C"), "detour"] == pytest.approx(1.0)
    # The barrier index averages the finite detours only.
    barrier = result.areas["barrier_index"]
    assert barrier.tolist() == pytest.approx([1.0, bc, (1.0 + bc) / 2])
    assert result.areas.loc["A", "max_detour"] == pytest.approx(1.0)


def test_detour_bad_input(river_case: tuple[StreetNetwork, gpd.GeoDataFrame]) -> None:
    walk, areas = river_case
    with pytest.raises(DataError, match="at least two areas"):
        area_detour(walk, areas.iloc[:1])
    with pytest.raises(DataError, match="to_crs"):
        area_detour(walk, areas.to_crs("EPSG:4326"))
    broken = areas.copy()
    broken.loc["B", "geometry"] = shapely.Polygon()
    with pytest.raises(DataError, match="'B' has no geometry"):
        area_detour(walk, broken)


def line_graph() -> tuple[Graph, Seeds]:
    """Nodes 0-1-2-3-4, 100 s apart, two-way. Places: X at node 0, Y at node 4, Z near node 2
    (10 s from it), W not snapped (no seeds)."""
    src = [0, 1, 1, 2, 2, 3, 3, 4]
    dst = [1, 0, 2, 1, 3, 2, 4, 3]
    graph = graph_from_edges(src, dst, np.full(8, 100.0), n_nodes=5)
    seeds = Seeds(
        indptr=np.array([0, 1, 2, 3, 3]),
        node=np.array([0, 4, 2]),
        cost=np.array([0.0, 0.0, 10.0]),
    )
    return graph, seeds


def test_place_reach_by_hand() -> None:
    graph, seeds = line_graph()
    weight = np.ones((5, 1))
    reach, nearest = place_reach(graph, seeds, weight, cutoffs=[150.0, 250.0])
    # X: nodes 0, 1 within 150 s; 0, 1, 2 within 250 s. Z: nodes 1, 2, 3 (110, 10, 110 s),
    # nodes 0 and 4 are at 210 s.
    np.testing.assert_array_equal(reach[:, :, 0], [[2, 3], [2, 3], [3, 5], [0, 0]])
    np.testing.assert_allclose(nearest, [0, 100, 10, 100, 0])


def test_place_reach_follows_direction_home_to_place() -> None:
    # 0 -> 1 costs 100 s, 1 -> 0 costs 500 s; the place is at node 1.
    graph = graph_from_edges([0, 1], [1, 0], [100.0, 500.0], n_nodes=2)
    seeds = Seeds(indptr=np.array([0, 1]), node=np.array([1]), cost=np.array([0.0]))
    reach, nearest = place_reach(graph, seeds, np.array([[7.0], [0.0]]), cutoffs=[200.0])
    assert reach[0, 0, 0] == 7.0  # the home at node 0 is 100 s from the place
    assert nearest[0] == 100.0


def test_co_accessibility_by_hand() -> None:
    graph, seeds = line_graph()
    vulnerable = np.array([5.0, 5.0, 0, 0, 0])
    other = np.array([0, 0, 0, 10.0, 30.0])
    result = co_accessibility(graph, seeds, vulnerable_pop=vulnerable, other_pop=other,
                              threshold=200.0)  # fmt: skip
    places = result.places
    # X (node 0): vulnerable nodes 0, 1; other node 3 is 300 s away.
    # Y (node 4): other nodes 3, 4; vulnerable node 1 is 300 s away.
    # Z (node 2 + 10 s): node 1 (110 s) and node 3 (110 s); nodes 0 and 4 at 210 s.
    assert places["shared"].tolist() == [False, False, True, False]
    assert places["vulnerable_share"].tolist() == pytest.approx([1.0, 0.0, 0.5, 0.0])
    assert places["other_share"].tolist() == pytest.approx([0.0, 1.0, 0.25, 0.0])
    assert places["vulnerable_nodes"].tolist() == [2, 0, 1, 0]
    assert places["snapped"].tolist() == [True, True, True, False]
    s = result.summary
    assert s["places"] == 3  # W has no seeds and is left out
    assert s["shared_share"] == pytest.approx(1 / 3)
    assert s["reachable_vulnerable_share"] == pytest.approx(2 / 3)
    assert s["reachable_other_share"] == pytest.approx(2 / 3)
    assert s["mean_min_share"] == pytest.approx((0 + 0 + 0.25) / 3)


def test_co_accessibility_and_reach_bad_input() -> None:
    graph, seeds = line_graph()
    with pytest.raises(DataError, match="both sides"):
        co_accessibility(graph, seeds, vulnerable_pop=np.zeros(5), other_pop=np.ones(5),
                         threshold=100.0)  # fmt: skip
    with pytest.raises(DataError, match="one value per graph node"):
        co_accessibility(graph, seeds, vulnerable_pop=np.ones(3), other_pop=np.ones(5),
                         threshold=100.0)  # fmt: skip
    with pytest.raises(DataError, match="one row per graph node"):
        place_reach(graph, seeds, np.ones((4, 1)), cutoffs=[100.0])
    with pytest.raises(DataError, match="non-negative"):
        place_reach(graph, seeds, -np.ones((5, 1)), cutoffs=[100.0])
    with pytest.raises(DataError, match="cut-offs"):
        place_reach(graph, seeds, np.ones((5, 1)), cutoffs=[0.0])
    outside = Seeds(indptr=np.array([0, 1]), node=np.array([9]), cost=np.array([0.0]))
    with pytest.raises(DataError, match="outside the graph"):
        place_reach(graph, outside, np.ones((5, 1)), cutoffs=[100.0])
