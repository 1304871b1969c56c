"""Applying a scenario to streets, residents and opportunities, checked by hand and by networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from jamlik.datasets import generate_town, write_town_pack
from jamlik.errors import DataError
from jamlik.ingest import Pack, load_pack, read_osm
from jamlik.ingest.scenario import load_scenario
from jamlik.networks import build_street_network
from jamlik.networks.edit import NewLink, close_streets, with_links
from jamlik.runs.inputs import pack_residents
from jamlik.runs.scenario import (
    edit_opportunities,
    edit_residents,
    edit_streets,
    place_scenario,
)

ROOT = Path(__file__).resolve().parents[1]


def _nx_distances(network, sources: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Street distances by networkx from the network's pieces (both directions, walk)."""
    g = nx.Graph()
    g.add_nodes_from(range(network.n_nodes))
    for u, v, length in zip(
        network.street_u, network.street_v, network.street_length_m, strict=True
    ):
        if u != v and (not g.has_edge(u, v) or g[u][v]["w"] > length):
            g.add_edge(int(u), int(v), w=float(length))
    out = np.full((sources.size, network.n_nodes), np.inf)
    for i, s in enumerate(sources):
        for node, d in nx.single_source_dijkstra_path_length(g, int(s), weight="w").items():
            out[i, node] = d
    return out


def _engine_distances(network, sources: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Distances on the routing graph (largest connected part); inf outside it."""
    graph = network.to_distance_graph()
    position = np.full(network.n_nodes, -1)
    position[graph.node_index] = np.arange(graph.n_nodes)
    out = np.full((sources.size, network.n_nodes), np.inf)
    inside = position[sources] >= 0
    d = dijkstra(graph.to_scipy(), indices=position[sources[inside]])
    out[np.ix_(np.flatnonzero(inside), graph.node_index)] = d
    return out


def _same_part(network, nx_distances: np.ndarray, sources: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """networkx distances restricted to the routing graph's part of the network."""
    kept = np.zeros(network.n_nodes, dtype=bool)
    kept[network.to_distance_graph().node_index] = True
    out = np.where(kept[None, :] & kept[sources][:, None], nx_distances, np.inf)
    return out


@pytest.fixture(scope="module")
def tampere_walk():  # type: ignore[no-untyped-def]
    pack = load_pack(ROOT / "packs" / "tampere")
    assert pack.osm_path is not None
    return build_street_network(read_osm(pack.osm_path), mode="walk", crs=pack.crs.to_string())


def test_footbridge_on_real_osm_equals_networkx(tampere_walk) -> None:  # type: ignore[no-untyped-def]
    net = tampere_walk
    rng = np.random.default_rng(7)
    sources = rng.choice(net.n_nodes, size=40, replace=False)
    before = _engine_distances(net, sources)
    # The pair of nodes 80-150 m apart with the longest way round: where a bridge helps most.
    xy = np.column_stack([net.node_x, net.node_y])
    best = (0.0, 0, 0)
    for i, s in enumerate(sources):
        gap = np.hypot(*(xy - xy[s]).T)
        near = np.flatnonzero((gap > 80) & (gap < 150) & np.isfinite(before[i]))
        if near.size:
            ratio = before[i, near] / gap[near]
            j = int(np.argmax(ratio))
            if ratio[j] > best[0]:
                best = (float(ratio[j]), int(s), int(near[j]))
    ratio, a, b = best
    assert ratio > 3, "the extract should have a barrier somewhere"
    line = shapely.LineString([xy[a], xy[b]])
    edited = with_links(net, [NewLink("bro", line)])
    after = _engine_distances(edited, sources)
    expected = _same_part(edited, _nx_distances(edited, sources), sources)
    np.testing.assert_allclose(after, expected, rtol=0, atol=1e-6)
    assert np.all(after <= before + 1e-9)
    row = int(np.flatnonzero(sources == a)[0])
    assert after[row, b] == pytest.approx(line.length, abs=1e-9)
    assert (after < before - 1.0).sum() > 0


def test_closing_ways_only_lengthens(tampere_walk) -> None:  # type: ignore[no-untyped-def]
    net = tampere_walk
    rng = np.random.default_rng(3)
    sources = rng.choice(net.n_nodes, size=20, replace=False)
    ways = pd.Series(net.street_osm_way_id).value_counts().index[:30].to_numpy()
    closed = close_streets(net, np.isin(net.street_osm_way_id, ways))
    assert not np.isin(closed.street_osm_way_id, ways).any()
    assert closed.n_streets < net.n_streets and closed.n_nodes == net.n_nodes
    before = _engine_distances(net, sources)
    after = _engine_distances(closed, sources)
    expected = _same_part(closed, _nx_distances(closed, sources), sources)
    np.testing.assert_allclose(after, expected, rtol=0, atol=1e-6)
    finite = np.isfinite(after)
    assert np.all(after[finite] >= before[finite] - 1e-9)


def test_link_far_from_streets_is_an_error(tampere_walk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JAMLIK_LANG", "en")  # the match is on the English text
    net = tampere_walk
    far = shapely.LineString([(net.node_x[0], net.node_y[0]), (net.node_x.max() + 500, 0.0)])
    with pytest.raises(DataError, match="'Bro'.*last point"):
        with_links(net, [NewLink("Bro", far)])


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    path = write_town_pack(generate_town(n_nodes=2500, seed=1), tmp_path_factory.mktemp("town"))
    return load_pack(path)


def _lonlat(pack: Pack, x: float, y: float) -> list[float]:
    to = pyproj.Transformer.from_crs(pack.crs, "EPSG:4326", always_xy=True)
    return [float(v) for v in to.transform(x, y)]


def test_homes_and_removed_homes_conserve_people(town: Pack, tmp_path: Path) -> None:
    assert town.osm_path is not None
    walk = build_street_network(read_osm(town.osm_path), mode="walk", crs=town.crs.to_string())
    nodes = walk.to_distance_graph().node_index
    residents = pack_residents(town, walk, nodes)
    assert residents is not None
    area = town.areas().iloc[3]
    box = area.geometry.buffer(-50).envelope.intersection(area.geometry)
    corners = [_lonlat(town, x, y) for x, y in np.asarray(box.exterior.coords)]
    busy = residents.table.sort_values("pop_total").iloc[-1]
    removed_at = _lonlat(town, walk.node_x[busy["node"]], walk.node_y[busy["node"]])
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nname = "bo"\n\n'
        f'[[homes]]\nname = "Kvarter"\npolygon = {corners}\ndwellings = 300\n\n'
        f'[[removed_homes]]\nname = "Rivs"\npoint = {removed_at}\ndwellings = 5\n',
        encoding="utf-8",
    )
    placed = place_scenario(load_scenario(path), town)
    table, staying, changes, _ = edit_residents(
        residents.table,
        groups=residents.groups,
        network=walk,
        nodes=nodes,
        placed=placed,
        pack=town,
    )
    stats = town.statistics()
    latest = stats.loc[(stats["year"] == stats["year"].max()) & (stats["area_id"] == area.name)]
    ppd = float(latest["pop_total"].iloc[0]) / float(latest["dwellings_total"].iloc[0])
    added = changes.set_index("kind").loc["homes"]
    assert added["pop_total"] == round(300 * ppd)
    share = float(latest["age_65_plus"].iloc[0]) / float(latest["pop_total"].iloc[0])
    assert added["age_65_plus"] == round(added["pop_total"] * share)
    displaced = changes.set_index("kind").loc["removed_homes"]
    assert 0 < displaced["pop_total"] <= busy["pop_total"]
    before = residents.table["pop_total"].sum()
    assert table["pop_total"].sum() == before + added["pop_total"] - displaced["pop_total"]
    assert (table[list(residents.groups)] >= 0).all().all()
    # who stays: today's residents less the displaced, without the newcomers
    assert staying["pop_total"].sum() == before - displaced["pop_total"]


def test_services_open_and_close(town: Pack, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"category": ["school", "school", "grocery"], "weight": 1.0, "source": "osm"}
    )
    import geopandas as gpd

    x0, y0 = town.areas().geometry.iloc[0].representative_point().coords[0]
    points = [shapely.Point(x0, y0), shapely.Point(x0 + 500, y0), shapely.Point(x0, y0)]
    opportunities = gpd.GeoDataFrame(frame, geometry=points, crs=town.crs)
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nname = "skola"\n\n'
        '[[closed_services]]\nname = "Stängs"\ncategory = "school"\n'
        f"point = {_lonlat(town, x0 + 10, y0)}\n\n"
        f'[[services]]\nname = "Ny"\ncategory = "school"\npoint = {_lonlat(town, x0 + 900, y0)}\n',
        encoding="utf-8",
    )
    edited = edit_opportunities(opportunities, place_scenario(load_scenario(path), town))
    assert edited["category"].tolist() == ["school", "grocery", "school"]
    assert edited["source"].tolist() == ["osm", "osm", "scenario"]
    assert edited.geometry.iloc[2].x == pytest.approx(x0 + 900, abs=0.01)


def test_edit_streets_respects_modes(town: Pack, tmp_path: Path) -> None:
    assert town.osm_path is not None
    osm = read_osm(town.osm_path)
    walk = build_street_network(osm, mode="walk", crs=town.crs.to_string())
    bike = build_street_network(osm, mode="bike", crs=town.crs.to_string())
    a, b = (
        0,
        int(np.argmax(np.hypot(walk.node_x - walk.node_x[0], walk.node_y - walk.node_y[0]) < 300)),
    )
    b = int(
        np.flatnonzero(np.hypot(walk.node_x - walk.node_x[0], walk.node_y - walk.node_y[0]) > 100)[
            0
        ]
    )
    ends = [_lonlat(town, walk.node_x[i], walk.node_y[i]) for i in (a, b)]
    path = tmp_path / "s.toml"
    path.write_text(
        f'[scenario]\nname = "l"\n\n[[links]]\nname = "Gångväg"\ncoordinates = {ends}\n',
        encoding="utf-8",
    )
    placed = place_scenario(load_scenario(path), town)
    assert edit_streets(walk, placed).n_streets == walk.n_streets + 1
    assert edit_streets(bike, placed).n_streets == bike.n_streets  # walk only


def test_travel_times_with_a_footbridge_walk_the_bridge(tampere_walk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The OD command's scenario: the walk between two bridged nodes is the bridge itself."""
    from jamlik.runs.travel_times import od_travel_times

    net = tampere_walk
    pack = load_pack(ROOT / "packs" / "tampere")
    to_wgs = pyproj.Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    xy = np.column_stack([net.node_x, net.node_y])
    graph = net.to_distance_graph()
    kept = graph.node_index
    rng = np.random.default_rng(11)
    a = int(rng.choice(kept))
    gap = np.hypot(*(xy[kept] - xy[a]).T)
    b = int(kept[np.flatnonzero((gap > 100) & (gap < 200))[0]])
    ends = [[float(v) for v in to_wgs.transform(*xy[i])] for i in (a, b)]
    path = tmp_path / "bro.toml"
    path.write_text(
        f'[scenario]\nname = "bro"\n\n[[links]]\nname = "Bro"\ncoordinates = {ends}\n',
        encoding="utf-8",
    )
    points = pd.DataFrame(
        {"id": ["a", "b"], "lon": [ends[0][0], ends[1][0]], "lat": [ends[0][1], ends[1][1]]}
    )
    assert pack.osm_path is not None
    kwargs = {"crs": net.crs, "mode": "walk"}
    today = od_travel_times(pack.osm_path, points, points, **kwargs)  # type: ignore[arg-type]
    plan = od_travel_times(
        pack.osm_path,
        points,
        points,
        scenario=load_scenario(path),
        **kwargs,  # type: ignore[arg-type]
    )
    pair = (plan["origin_id"] == "a") & (plan["destination_id"] == "b")
    bridge = float(np.hypot(*(xy[a] - xy[b])))
    assert float(plan.loc[pair, "distance_m"].iloc[0]) == pytest.approx(bridge, abs=0.01)
    assert float(today.loc[pair, "distance_m"].iloc[0]) >= bridge - 1e-6
