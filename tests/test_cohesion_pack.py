"""Cohesion of whole packs: the generated town (river, vulnerable areas) and Lund (no people)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import typer
from scipy.sparse.csgraph import dijkstra
from typer.testing import CliRunner

from jamlik.cli import cohesion as cohesion_cli
from jamlik.config import profile
from jamlik.datasets import Town, generate_town, write_town_pack
from jamlik.errors import DataError, UnknownIdError
from jamlik.indicators.access.aggregate import share_within
from jamlik.indicators.vulnerability.index import vulnerability_index
from jamlik.ingest import extract_pois, load_pack, read_osm
from jamlik.networks import build_street_network, point_seeds, snap_points
from jamlik.runs.access import AccessOptions, compute_pack_access
from jamlik.runs.cohesion import CohesionOptions, PackCohesion, compute_pack_cohesion

PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Town, Path]:
    generated = generate_town(n_nodes=3000, seed=11)
    return generated, write_town_pack(generated, tmp_path_factory.mktemp("cohesion_town"))


@pytest.fixture(scope="module")
def town_cohesion(town: tuple[Town, Path]) -> PackCohesion:
    return compute_pack_cohesion(load_pack(town[1]))


def test_meeting_place_shares_equal_pack_access(
    town: tuple[Town, Path], town_cohesion: PackCohesion
) -> None:
    categories = tuple(sorted(set(town_cohesion.meeting_places["category"])))
    assert len(town_cohesion.meeting_places) >= 5
    access = compute_pack_access(
        load_pack(town[1]),
        options=AccessOptions(profiles=("adult",), categories=categories, cutoffs_min=(10, 15)),
    )
    origins = access.origins.copy()
    times = [f"{c}_nearest_1_min_adult" for c in categories]
    origins["nearest"] = origins[times].min(axis=1, skipna=True)
    groups = ["pop_total", "born_abroad", "age_65_plus"]
    whole = town_cohesion.area_access[town_cohesion.area_access["area_id"] == "*"]
    for minutes in (10, 15):
        expected = share_within(origins, columns=["nearest"], threshold=minutes, groups=groups)
        got = whole[whole["threshold_min"] == minutes].set_index("group")["share"]
        for group in groups:
            assert got[group] == pytest.approx(expected.loc["nearest", group], abs=1e-12)
    # Per area, the populations add up to the pack's statistics.
    areas = town_cohesion.area_access
    per_area = areas[(areas["group"] == "pop_total") & (areas["threshold_min"] == 10)]
    stats = load_pack(town[1]).population()["pop_total"]
    assert per_area[per_area["area_id"] != "*"]["population"].sum() == stats.sum()


def test_residents_within_reach_equal_scipy(
    town: tuple[Town, Path], town_cohesion: PackCohesion
) -> None:
    pack = load_pack(town[1])
    assert pack.osm_path is not None
    osm = read_osm(pack.osm_path)
    walk = build_street_network(osm, mode="walk", crs="EPSG:3006")
    adult = profile("adult")
    graph = walk.to_graph(adult)
    places = town_cohesion.meeting_places
    pois = extract_pois(osm, crs="EPSG:3006")
    points = places[places["category"] != "park"]
    # Residents per graph node, from the independent pack-access run's origins.
    access = compute_pack_access(pack, options=AccessOptions(profiles=("adult",),
                                                             categories=("grocery",)))  # fmt: skip
    position = np.full(walk.n_nodes, -1)
    position[graph.node_index] = np.arange(graph.n_nodes)
    pop = np.zeros(graph.n_nodes)
    pop[position[access.origins["node"].to_numpy()]] = access.origins["pop_total"].to_numpy()
    assert set(points["osm_id"]) <= set(pois["osm_id"])
    snapped = snap_points(walk, points.geometry.x, points.geometry.y, graph=graph, profile=adult)
    seeds = point_seeds(walk, graph, snapped, profile=adult, towards=True)
    to_node = dijkstra(graph.to_scipy().T.tocsr(), directed=True, indices=seeds.node)
    for i, row in enumerate(points.itertuples()):
        lo, hi = seeds.indptr[i], seeds.indptr[i + 1]
        leg = snapped.snap_distance_m[i] / adult.speed_m_s
        cost = (to_node[lo:hi] + seeds.cost[lo:hi, None] + leg).min(axis=0)
        for minutes in (10, 15):
            expected = pop[cost <= 60.0 * minutes].sum()
            assert getattr(row, f"pop_total_{minutes}min") == pytest.approx(expected)


def test_river_shows_as_high_detour(town: tuple[Town, Path], town_cohesion: PackCohesion) -> None:
    generated, _ = town
    detour = town_cohesion.detour
    assert detour is not None
    osm_path = load_pack(town[1]).osm_path
    assert osm_path is not None
    walk = build_street_network(read_osm(osm_path), mode="walk", crs="EPSG:3006")
    node = detour.areas["node"]
    a = node.loc[detour.pairs["area_a"]].to_numpy()
    b = node.loc[detour.pairs["area_b"]].to_numpy()
    segments = shapely.linestrings(
        np.stack([np.stack([walk.node_x[a], walk.node_y[a]], 1),
                  np.stack([walk.node_x[b], walk.node_y[b]], 1)], 1)
    )  # fmt: skip
    crosses = shapely.intersects(segments, generated.barrier.geometry.iloc[0])
    assert crosses.sum() >= 3 and (~crosses).sum() >= 3
    d = detour.pairs["detour"].to_numpy()
    # Pairs whose straight line crosses the river (bridged at two places only) detour more;
    # the longest detour of the town crosses it.
    assert d[crosses].mean() > 1.4 * d[~crosses].mean()
    assert crosses[np.argmax(d)]
    # Network distances equal networkx's shortest path lengths.
    graph = walk.to_distance_graph()
    g = nx.DiGraph()
    for u, v, w in zip(graph.edge_sources(), graph.indices, graph.length_m, strict=True):
        g.add_edge(int(u), int(v), weight=float(w))
    position = pd.Series(np.arange(graph.n_nodes), index=graph.node_index)
    for i in range(0, len(a), max(1, len(a) // 8)):
        expected = nx.shortest_path_length(g, int(position[a[i]]), int(position[b[i]]),
                                           weight="weight")  # fmt: skip
        assert detour.pairs["network_m"].iloc[i] == pytest.approx(expected)


def test_co_accessibility_uses_the_most_vulnerable_areas(
    town: tuple[Town, Path], town_cohesion: PackCohesion
) -> None:
    pack = load_pack(town[1])
    stats = pack.statistics()
    stats = stats[stats["year"] == pack.population_year].set_index("area_id")
    expected = vulnerability_index(stats.drop(columns="year")).top(3)
    assert list(town_cohesion.vulnerable_areas) == expected
    co = town_cohesion.co_access
    assert co is not None
    places = town_cohesion.meeting_places
    shared = places["reached_vulnerable"] & places["reached_other"]
    assert (places["shared"] == shared).all()
    assert co.summary["shared_share"] == pytest.approx(shared.mean())
    assert co.summary["places"] == len(places)
    # A given list replaces the top-k.
    chosen = compute_pack_cohesion(
        pack, options=CohesionOptions(vulnerable_areas=(expected[-1],), radii_m=(400,))
    )
    assert chosen.vulnerable_areas == (expected[-1],)
    with pytest.raises(UnknownIdError, match="not areas of the pack"):
        compute_pack_cohesion(pack, options=CohesionOptions(vulnerable_areas=("nowhere",)))


def test_lund_has_no_population_and_says_so() -> None:
    result = compute_pack_cohesion(load_pack(PACKS / "lund"), options=CohesionOptions())
    assert result.co_access is None and result.detour is None
    assert result.area_access.empty
    assert any("no population" in n or "ingen befolkning" in n for n in result.notes)
    assert result.nodes["reach_1600m"].max() > 0
    assert result.streets["betweenness_400m"].notna().any()


def test_bad_packs_and_options_raise() -> None:
    with pytest.raises(DataError, match="no \\[osm\\] extract"):
        compute_pack_cohesion(load_pack(PACKS / "kuopio"))
    with pytest.raises(DataError, match="walking profile"):
        compute_pack_cohesion(load_pack(PACKS / "lund"), options=CohesionOptions(profile="bike"))
    with pytest.raises(ValueError, match="positive"):
        CohesionOptions(thresholds_min=(-5,))


def test_cli_writes_outputs_and_fails_cleanly(town: tuple[Town, Path], tmp_path: Path) -> None:
    app = typer.Typer()
    cohesion_cli.register(app)

    @app.command("other")
    def other() -> None:  # a second command keeps the group form ``app cohesion ...``
        """Nothing."""

    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["cohesion", str(town[1]), "--out", str(out), "--radii", "400"])
    assert result.exit_code == 0, result.output
    for name in ("meeting_places.csv", "meeting_place_access.csv", "centrality_nodes.csv",
                 "detour_pairs.csv", "barrier_index.csv", "cohesion.gpkg",
                 "column_descriptions.csv"):  # fmt: skip
        assert (out / name).is_file(), name
    described = pd.read_csv(out / "column_descriptions.csv").set_index("column")
    assert {"betweenness_400m", "pop_total_10min", "shared", "barrier_index"} <= set(
        described.index
    )
    assert described.loc["closeness_400m", "sv"].startswith("Lokal närhetscentralitet inom 400 m")
    assert set(pyogrio.list_layers(out / "cohesion.gpkg")[:, 0]) >= {
        "streets", "meeting_places", "areas", "column_descriptions", "sources"
    }  # fmt: skip
    summary = json.loads((out / "cohesion_summary.json").read_text(encoding="utf-8"))
    assert summary["co_accessibility"]["threshold_min"] == 10
    assert len(summary["vulnerable_areas"]) == 3
    nodes = pd.read_csv(out / "centrality_nodes.csv")
    assert {"betweenness_400m", "closeness_400m"} <= set(nodes.columns)
    again = runner.invoke(app, ["cohesion", str(town[1]), "--out", str(out), "--radii", "400"])
    assert again.exit_code == 2 and "--overwrite" in again.output  # replacing is explicit
    bad = ["cohesion", str(town[1]), "--out", str(out), "--radii", "x", "--overwrite"]
    bad = runner.invoke(app, bad)
    assert bad.exit_code == 2 and "--radii" in bad.output
    bad = runner.invoke(app, ["cohesion", str(town[1]), "--radii", "-400"])
    assert bad.exit_code == 2
