"""Snapping and seeds on the hand-written fixture, with answers worked out by hand.

Points are placed at a chosen distance along a chosen street piece and a chosen distance off
it, so the expected piece, position, snap distance and seed costs follow directly.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from jamlik.config import DEFAULT_PROFILES
from jamlik.errors import CRSError, DataError
from jamlik.networks import (
    Seeds,
    area_seeds,
    build_street_network,
    point_seeds,
    snap_points,
)

FIXTURE = Path(__file__).parent / "data" / "osm" / "tags.osm"
ADULT = DEFAULT_PROFILES["adult"]
WHEEL = DEFAULT_PROFILES["wheelchair"]
BIKE = DEFAULT_PROFILES["bike"]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def walk():
    return build_street_network(FIXTURE, mode="walk", crs="EPSG:3006")


@pytest.fixture(scope="module")
def bike():
    return build_street_network(FIXTURE, mode="bike", crs="EPSG:3006")


def piece_of(net, way_id, first=True):
    pieces = np.flatnonzero(net.street_osm_way_id == way_id)
    return int(pieces[0] if first else pieces[-1])


def offset_point(net, piece, along_m, side_m):
    """Point at ``along_m`` along the piece, ``side_m`` to the right of its direction."""
    line = net.street_geometry[piece]
    p = line.interpolate(along_m)
    q = line.interpolate(min(along_m + 0.5, line.length))
    dx, dy = q.x - p.x, q.y - p.y
    norm = np.hypot(dx, dy)
    return p.x + side_m * dy / norm, p.y - side_m * dx / norm


def graph_pos(net, graph, osm_id):
    node = int(np.flatnonzero(net.node_osm_id == osm_id)[0])
    return int(np.flatnonzero(graph.node_index == node)[0])


def seeds_dict(seeds: Seeds, i: int) -> dict[int, float]:
    node, cost = seeds.of(i)
    return dict(zip(node.tolist(), cost.tolist(), strict=True))


def test_snap_along_and_distance(walk):
    piece = piece_of(walk, 10)  # nodes 1 -> 3, about 125.7 m
    x, y = offset_point(walk, piece, 40.0, 10.0)  # 10 m south of the street
    snapped = snap_points(walk, [x], [y])
    assert snapped.street.tolist() == [piece]
    assert snapped.along_m[0] == pytest.approx(40.0, abs=1e-6)
    assert snapped.snap_distance_m[0] == pytest.approx(10.0, abs=1e-6)


def test_walk_seeds_both_ends(walk):
    graph = walk.to_graph(ADULT)
    piece = piece_of(walk, 10)
    length = walk.street_length_m[piece]
    x, y = offset_point(walk, piece, 40.0, 10.0)
    snapped = snap_points(walk, [x], [y], graph=graph, profile=ADULT)
    n1, n3 = graph_pos(walk, graph, 1), graph_pos(walk, graph, 3)
    for towards in (False, True):
        seeds = point_seeds(walk, graph, snapped, profile=ADULT, towards=towards)
        got = seeds_dict(seeds, 0)
        assert got.keys() == {n1, n3}
        assert got[n1] == pytest.approx(40.0 / 1.33)
        assert got[n3] == pytest.approx((length - 40.0) / 1.33)
    metres = seeds_dict(point_seeds(walk, walk.to_distance_graph(), snapped), 0)
    assert sorted(metres.values()) == pytest.approx(sorted([40.0, length - 40.0]))


def test_bike_oneway_seeds(bike):
    graph = bike.to_graph(BIKE)
    speed = BIKE.speed_m_s
    # Way 11 is oneway 3 -> 4 -> 5; its first piece runs 3 -> 4.
    piece = piece_of(bike, 11)
    length = bike.street_length_m[piece]
    x, y = offset_point(bike, piece, 20.0, 4.0)
    snapped = snap_points(bike, [x], [y], graph=graph, profile=BIKE)
    assert snapped.street[0] == piece
    origin = seeds_dict(point_seeds(bike, graph, snapped, profile=BIKE, towards=False), 0)
    assert origin == pytest.approx({graph_pos(bike, graph, 4): (length - 20.0) / speed})
    dest = seeds_dict(point_seeds(bike, graph, snapped, profile=BIKE, towards=True), 0)
    assert dest == pytest.approx({graph_pos(bike, graph, 3): 20.0 / speed})
    # Way 20 is drawn 14 -> 15 with oneway=-1: bikes ride 15 -> 14 only.
    piece = piece_of(bike, 20)
    length = bike.street_length_m[piece]
    x, y = offset_point(bike, piece, 15.0, 2.0)
    snapped = snap_points(bike, [x], [y], graph=graph, profile=BIKE)
    assert snapped.street[0] == piece
    origin = seeds_dict(point_seeds(bike, graph, snapped, profile=BIKE, towards=False), 0)
    assert origin == pytest.approx({graph_pos(bike, graph, 14): 15.0 / speed})
    dest = seeds_dict(point_seeds(bike, graph, snapped, profile=BIKE, towards=True), 0)
    assert dest == pytest.approx({graph_pos(bike, graph, 15): (length - 15.0) / speed})


def test_steps_cost_and_wheelchair_snapping(walk):
    steps = piece_of(walk, 15)  # 7 -> 9
    length = walk.street_length_m[steps]
    x, y = offset_point(walk, steps, 30.0, 3.0)
    g_adult = walk.to_graph(ADULT)
    snapped = snap_points(walk, [x], [y], graph=g_adult, profile=ADULT)
    assert snapped.street[0] == steps
    got = seeds_dict(point_seeds(walk, g_adult, snapped, profile=ADULT), 0)
    assert got == pytest.approx(
        {
            graph_pos(walk, g_adult, 7): 30.0 / (1.33 * 0.5),
            graph_pos(walk, g_adult, 9): (length - 30.0) / (1.33 * 0.5),
        }
    )
    # A wheelchair user's point near the steps snaps to a piece the wheelchair graph can use.
    g_wheel = walk.to_graph(WHEEL)
    snapped = snap_points(walk, [x], [y], graph=g_wheel, profile=WHEEL)
    assert snapped.street[0] >= 0 and not walk.street_steps[snapped.street[0]]
    assert snapped.snap_distance_m[0] > 3.0
    assert point_seeds(walk, g_wheel, snapped, profile=WHEEL).counts()[0] > 0


def test_unsnapped_points(walk):
    graph = walk.to_distance_graph()
    x0, y0 = walk.node_x[0], walk.node_y[0]
    snapped = snap_points(walk, [x0 + 5000.0, x0], [y0, y0 + 1.0], max_distance_m=500.0)
    assert snapped.street[0] == -1 and np.isnan(snapped.along_m[0])
    assert np.isnan(snapped.snap_distance_m[0])
    assert snapped.snapped.tolist() == [False, True]
    seeds = point_seeds(walk, graph, snapped)
    assert seeds.counts().tolist()[0] == 0 and seeds.counts()[1] > 0
    assert seeds.indptr.tolist()[0] == 0 and seeds.indptr[-1] == seeds.node.size


def test_isolated_piece_not_a_candidate(walk):
    # Way 30 (nodes 24-25) is cut off from the rest and left out of the graph.
    piece = piece_of(walk, 30)
    x, y = offset_point(walk, piece, 10.0, 1.0)
    assert snap_points(walk, [x], [y]).street[0] == piece
    graph = walk.to_distance_graph()
    snapped = snap_points(walk, [x], [y], graph=graph)
    assert snapped.street[0] != piece and snapped.street[0] >= 0


def test_bad_points(walk):
    with pytest.raises(DataError, match="point 1"):
        snap_points(walk, [0.0, np.nan], [0.0, 0.0])
    with pytest.raises(DataError):
        snap_points(walk, [0.0, 1.0], [0.0])


def test_area_seeds(walk):
    graph = walk.to_graph(ADULT)
    i1, i3 = (int(np.flatnonzero(walk.node_osm_id == k)[0]) for k in (1, 3))
    x1, y1 = walk.node_x[i1], walk.node_y[i1]
    x3, y3 = walk.node_x[i3], walk.node_y[i3]
    # Polygon 0 contains node 3 (cost 0); polygon 1 lies 10 m south of node 1.
    around3 = shapely.box(x3 - 2, y3 - 2, x3 + 2, y3 + 2)
    south1 = shapely.box(x1 - 5, y1 - 30, x1 + 5, y1 - 10)
    # Polygon 2: a 5 m circle whose edge is 3 m from the middle of the sidewalk (way 17),
    # far (> 25 m) from every node: reached along the sidewalk piece.
    side = piece_of(walk, 17)
    line = walk.street_geometry[side]
    along = line.length / 2
    cx, cy = offset_point(walk, side, along, -8.0)  # 8 m left: between sidewalk and main street
    circle = shapely.Point(cx, cy).buffer(5.0, quad_segs=64)
    far = shapely.box(x1 + 5000, y1, x1 + 5010, y1 + 10)
    seeds = area_seeds(walk, graph, [around3, south1, circle, far, None], profile=ADULT)
    assert seeds.n_points == 5
    assert seeds_dict(seeds, 0) == {graph_pos(walk, graph, 3): 0.0}
    assert seeds_dict(seeds, 1) == pytest.approx({graph_pos(walk, graph, 1): 10.0 / 1.33})
    gap = 3.0
    want = {
        graph_pos(walk, graph, 1): (along + gap) / 1.33,
        graph_pos(walk, graph, 5): (line.length - along + gap) / 1.33,
    }
    assert seeds_dict(seeds, 2) == pytest.approx(want, abs=0.01)
    assert seeds.counts()[3] == 0 and seeds.counts()[4] == 0
    # In metres without a profile.
    metres = area_seeds(walk, walk.to_distance_graph(), [south1])
    assert metres.cost.tolist() == pytest.approx([10.0])


def test_area_seeds_crs_checked(walk):
    graph = walk.to_distance_graph()
    polys = gpd.GeoSeries([shapely.box(13.19, 55.70, 13.191, 55.701)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="to_crs"):
        area_seeds(walk, graph, polys)
    same = polys.to_crs(walk.crs)
    assert area_seeds(walk, graph, same).counts().tolist() == [1]  # node 1 lies inside
    frame = gpd.GeoDataFrame({"name": ["Torget"]}, geometry=same)
    np.testing.assert_array_equal(
        area_seeds(walk, graph, frame).node, area_seeds(walk, graph, same).node
    )
    with pytest.raises(CRSError):
        area_seeds(walk, graph, frame.to_crs("EPSG:4326"))


def test_profile_of_wrong_mode(walk):
    graph = walk.to_distance_graph()
    snapped = snap_points(walk, [walk.node_x[0]], [walk.node_y[0]])
    with pytest.raises(DataError, match="mode='bike'"):
        point_seeds(walk, graph, snapped, profile=BIKE)


def test_empty_inputs(walk):
    graph = walk.to_distance_graph()
    snapped = snap_points(walk, [], [])
    assert snapped.n_points == 0
    seeds = point_seeds(walk, graph, snapped)
    assert seeds.indptr.tolist() == [0] and seeds.node.size == 0
    assert area_seeds(walk, graph, []).indptr.tolist() == [0]
