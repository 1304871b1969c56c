"""Tag rules of the walk/bike networks on the hand-written fixture tests/data/osm/tags.osm.

Expected values are worked out by hand from the fixture's comments; lengths come from
geodesic distances between the fixture's coordinates (pyproj.Geod), independent of the
projection code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra

from jamlik.config import DEFAULT_PROFILES
from jamlik.errors import CRSError, DataError, EmptyNetworkError
from jamlik.ingest.osm import read_osm
from jamlik.networks.streets import build_street_network, way_rule

FIXTURE = Path(__file__).parent / "data" / "osm" / "tags.osm"
GEOD = Geod(ellps="WGS84")
COORDS = {  # node id -> (lon, lat), copied from the fixture
    1: (13.1900, 55.7000),
    2: (13.1910, 55.7000),
    3: (13.1920, 55.7000),
    4: (13.1930, 55.7000),
    5: (13.1940, 55.7000),
    7: (13.1920, 55.7010),
    9: (13.1920, 55.7020),
    10: (13.1900, 55.6990),
    11: (13.1920, 55.6990),
    12: (13.1940, 55.6990),
    13: (13.1910, 55.7005),
    200: (13.1900, 55.7040),
    201: (13.1920, 55.7040),
    202: (13.1920, 55.7050),
    210: (13.1900, 55.7020),
    212: (13.1920, 55.7055),
    220: (13.1940, 55.7040),
    221: (13.1960, 55.7040),
    224: (13.1950, 55.7055),
}


def geodesic(*nodes: int) -> float:
    lon = [COORDS[n][0] for n in nodes]
    lat = [COORDS[n][1] for n in nodes]
    return float(GEOD.line_length(lon, lat))


@pytest.fixture(scope="module")
def osm():
    return read_osm(FIXTURE)


@pytest.fixture(scope="module")
def walk(osm):
    return build_street_network(osm, mode="walk", crs="EPSG:3006")


@pytest.fixture(scope="module")
def bike(osm):
    return build_street_network(osm, mode="bike", crs="EPSG:3006")


def flags(net, way_id):
    sel = net.street_osm_way_id == way_id
    return set(
        zip(net.street_forward[sel].tolist(), net.street_backward[sel].tolist(), strict=True)
    )


def test_ways_kept_per_mode(walk, bike):
    # Hand-derived from the fixture: 12 private, 14 foot=no, 16 sidewalk=separate (walk),
    # 22 motorway, 31 construction; bikes also lose footways, steps and the sidewalk.
    walk_ways = {10, 11, 13, 15, 17, 18, 19, 20, 21, 26, 27, 28, 30, 60, 61, 62, 64, 65, 66, 67}
    assert set(walk.street_osm_way_id.tolist()) == walk_ways
    assert set(bike.street_osm_way_id.tolist()) == {10, 11, 14, 16, 19, 20, 21, 26, 27, 28}


def test_walking_ignores_oneway(walk):
    assert walk.street_forward.all()
    assert walk.street_backward.all()


def test_bike_directions(bike):
    assert flags(bike, 10) == {(True, True)}  # oneway=yes + oneway:bicycle=no
    assert flags(bike, 11) == {(True, False)}  # oneway=yes
    assert flags(bike, 19) == {(True, True)}  # cycleway=opposite_lane
    assert flags(bike, 20) == {(False, True)}  # oneway=-1
    assert flags(bike, 21) == {(True, False)}  # junction=roundabout
    assert flags(bike, 26) == {(True, True)}


def test_steps_flagged(walk):
    assert walk.street_osm_way_id[walk.street_steps].tolist() == [15]
    assert walk.street_highway[walk.street_steps].tolist() == ["steps"]


def test_split_at_shared_nodes_only(walk, bike):
    # Walk: node 2 is only used by way 10 once way 12 (private) is gone, so way 10 is one piece;
    # way 11 is one piece too (node 4 joins no walkable way).
    assert (walk.street_osm_way_id == 10).sum() == 1
    assert (walk.street_osm_way_id == 11).sum() == 1
    # Bike: the path 4-8 (foot=no) makes node 4 an intersection, so way 11 splits in two.
    assert (bike.street_osm_way_id == 11).sum() == 2
    # The roundabout 15-16-17-15 splits at 15 (twice in the ring) and 16 (way 26 starts there).
    assert (walk.street_osm_way_id == 21).sum() == 2
    assert set(walk.node_osm_id.tolist()) == {
        1, 3, 5, 7, 8, 9, 14, 15, 16, 18, 24, 25, 200, 201, 202, 212, 220, 221, 224, 230, 231
    }  # fmt: skip


def test_lengths_match_geodesic(walk):
    expected = {
        10: geodesic(1, 2, 3),
        13: geodesic(3, 7),
        15: geodesic(7, 9),
        18: geodesic(1, 13, 3),
    }
    for way, length in expected.items():
        got = walk.street_length_m[walk.street_osm_way_id == way].sum()
        assert got == pytest.approx(length, rel=5e-4), way
    # Each piece's length is the length of its own geometry.
    lengths = np.array([g.length for g in walk.street_geometry])
    np.testing.assert_allclose(walk.street_length_m, lengths, rtol=1e-12)


def test_walkable_area_links(walk, bike):
    across = walk.across_area
    pairs = {
        tuple(sorted((int(walk.node_osm_id[u]), int(walk.node_osm_id[v]))))
        for u, v in zip(walk.street_u[across], walk.street_v[across], strict=True)
    }
    # Square 60: entrances 200, 201, 202; only the diagonal 200-202 is new (200-201 and 201-202
    # run along the outline). L-shape 64: 220-221 runs along the outline and 221-224 would cut
    # the missing corner, so only 220-224.
    assert pairs == {(200, 202), (220, 224)}
    assert set(walk.street_osm_way_id[across].tolist()) == {60, 64}
    diagonal = (
        across & (walk.node_osm_id[walk.street_u] == 200) & (walk.node_osm_id[walk.street_v] == 202)
    )
    assert walk.street_length_m[diagonal].item() == pytest.approx(geodesic(200, 202), rel=5e-4)
    assert not bike.across_area.any()
    # Walking from node 1 to the dead end 212 crosses the square diagonally.
    g = walk.to_distance_graph()
    pos = {int(walk.node_osm_id[k]): i for i, k in enumerate(g.node_index)}
    d = dijkstra(g.to_scipy(), indices=pos[1])
    want = geodesic(1, 210, 200) + geodesic(200, 202) + geodesic(202, 212)
    assert d[pos[212]] == pytest.approx(want, rel=5e-4)


def test_way_with_missing_node_is_cut(osm, walk):
    # Way 30 refers to node 98, absent: its lone first vertex (node 9) is dropped.
    assert osm.n_broken_ways == 1
    piece = walk.street_osm_way_id == 30
    assert walk.node_osm_id[walk.street_u[piece]].tolist() == [24]
    assert walk.node_osm_id[walk.street_v[piece]].tolist() == [25]


def test_parallel_ways_collapse_to_shortest(walk):
    g = walk.to_distance_graph()
    pos = {int(walk.node_osm_id[k]): i for i, k in enumerate(g.node_index)}
    d = dijkstra(g.to_scipy(), indices=pos[1])
    # Way 10 (1-2-3) is shorter than the footway 1-13-3; both join nodes 1 and 3.
    assert d[pos[3]] == pytest.approx(geodesic(1, 2, 3), rel=5e-4)
    assert g.to_scipy()[pos[1], pos[3]] == pytest.approx(geodesic(1, 2, 3), rel=5e-4)
    # The isolated piece of way 30 is left out of the graph by the component rule.
    assert 24 not in pos and 25 not in pos
    assert g.dropped_nodes == 2


def test_bike_oneway_detour(bike):
    g = bike.to_distance_graph()
    pos = {int(bike.node_osm_id[k]): i for i, k in enumerate(g.node_index)}
    d = dijkstra(g.to_scipy(), indices=[pos[3], pos[5]])
    assert d[0, pos[5]] == pytest.approx(geodesic(3, 4, 5), rel=5e-4)
    # 5 -> 3 against the oneway: back along the tertiary road 5-12-11-10-1, then way 10.
    detour = geodesic(1, 10, 11, 12, 5) + geodesic(1, 2, 3)
    assert d[1, pos[3]] == pytest.approx(detour, rel=5e-4)


def test_profiles_cost_in_seconds(walk):
    adult = DEFAULT_PROFILES["adult"]
    wheel = DEFAULT_PROFILES["wheelchair"]
    g = walk.to_graph(adult)
    pos = {int(walk.node_osm_id[k]): i for i, k in enumerate(g.node_index)}
    m = g.to_scipy()
    assert m[pos[3], pos[7]] == pytest.approx(geodesic(3, 7) / 1.33, rel=5e-4)
    # Steps 7-9 at half speed for adults.
    assert m[pos[7], pos[9]] == pytest.approx(geodesic(7, 9) / (1.33 * 0.5), rel=5e-4)
    gw = walk.to_graph(wheel)
    posw = {int(walk.node_osm_id[k]): i for i, k in enumerate(gw.node_index)}
    assert 9 not in posw  # node 9 is reached only by the steps


def test_profile_mode_mismatch(walk):
    with pytest.raises(DataError, match="mode='bike'"):
        walk.to_graph(DEFAULT_PROFILES["bike"])


def test_streets_frame(walk):
    frame = walk.streets_frame()
    assert len(frame) == walk.n_streets
    assert frame.crs.to_epsg() == 3006
    assert list(frame.columns) == [
        "u", "v", "osm_way_id", "highway", "length_m", "forward", "backward", "steps",
        "across_area", "geometry",
    ]  # fmt: skip
    np.testing.assert_allclose(frame.geometry.length.to_numpy(), frame["length_m"].to_numpy())


def test_default_crs_is_utm(osm):
    net = build_street_network(osm, mode="walk")
    assert net.crs == "EPSG:32633"  # 13.19 E lies in UTM zone 33


@pytest.mark.parametrize("crs", ["EPSG:4326", "not a crs"])
def test_bad_crs(osm, crs):
    with pytest.raises(CRSError):
        build_street_network(osm, mode="walk", crs=crs)


def test_empty_network_names_file_and_mode(tmp_path):
    path = tmp_path / "no_streets.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" version="1" lat="55.7" lon="13.19"/>'
        '<node id="2" version="1" lat="55.7" lon="13.20"/>'
        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way>'
        "</osm>",
        encoding="utf-8",
    )
    with pytest.raises(EmptyNetworkError, match=r"no_streets\.osm.*'walk'"):
        build_street_network(path, mode="walk")


def test_bad_mode(osm):
    with pytest.raises(DataError):
        build_street_network(osm, mode="car")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tags", "mode", "expected"),
    [
        ({"highway": "residential", "access": "private"}, "walk", False),
        ({"highway": "residential", "access": "no", "foot": "permissive"}, "walk", True),
        ({"highway": "residential", "access": "no", "foot": "permissive"}, "bike", False),
        ({"highway": "cycleway"}, "walk", True),
        ({"highway": "cycleway", "foot": "no"}, "walk", False),
        ({"highway": "footway"}, "bike", False),
        ({"highway": "footway", "bicycle": "designated"}, "bike", True),
        ({"highway": "trunk", "motorroad": "yes"}, "walk", False),
        ({"highway": "primary", "sidewalk": "separate", "foot": "yes"}, "walk", True),
        (
            {"highway": "primary", "sidewalk:left": "separate", "sidewalk:right": "no"},
            "walk",
            False,
        ),
        (
            {"highway": "primary", "sidewalk:left": "separate", "sidewalk:right": "yes"},
            "walk",
            True,
        ),
        ({"highway": "primary", "bicycle": "use_sidepath"}, "bike", False),
        ({"railway": "platform"}, "walk", True),
        ({"building": "yes"}, "walk", False),
    ],
)
def test_way_rule_table(tags, mode, expected):
    assert way_rule(tags, mode)[0] is expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential", "oneway": "1"}, (True, False)),
        ({"highway": "residential", "oneway": "reverse"}, (False, True)),
        ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, (True, True)),
        (
            {"highway": "residential", "oneway": "yes", "cycleway:left": "opposite_track"},
            (True, True),
        ),
        ({"highway": "residential", "oneway:bicycle": "yes"}, (True, False)),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "-1"}, (False, True)),
    ],
)
def test_bike_direction_table(tags, expected):
    keep, forward, backward, _ = way_rule(tags, "bike")
    assert keep
    assert (forward, backward) == expected
