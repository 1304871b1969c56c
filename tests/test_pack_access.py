"""End-to-end accessibility of a pack, checked against an independent scipy computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import typer
from scipy.sparse.csgraph import dijkstra
from typer.testing import CliRunner

from jamlik.cli import access as access_cli
from jamlik.config import profile
from jamlik.datasets import generate_town, write_town_pack
from jamlik.errors import DataError
from jamlik.ingest import extract_pois, load_pack, read_osm
from jamlik.networks import build_street_network, point_seeds, snap_points
from jamlik.runs.access import AccessOptions, PackAccess, compute_pack_access

PROFILES = ("adult", "wheelchair", "bike")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def town_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("town")
    return write_town_pack(generate_town(n_nodes=3000, seed=11), folder)


@pytest.fixture(scope="module")
def town_access(town_pack: Path) -> PackAccess:
    options = AccessOptions(profiles=PROFILES, categories=("grocery", "school", "park"))
    return compute_pack_access(load_pack(town_pack), options=options)


def test_population_conserved_per_area(town_pack: Path, town_access: PackAccess) -> None:
    stats = load_pack(town_pack).population()
    origins = town_access.origins
    assert origins["pop_total"].sum() == stats["pop_total"].sum()
    assert (origins["home_to_node_m"] >= 0).all() and origins["home_to_node_m"].max() < 500
    summary = town_access.summary
    per_area = summary[
        (summary["group"] == "pop_total")
        & (summary["indicator"] == "grocery_count_15min_adult")
        & (summary["area_id"] != "*")
    ].set_index("area_id")["population"]
    expected = stats["pop_total"][stats["pop_total"] > 0]
    pd.testing.assert_series_equal(
        per_area.sort_index().astype(np.int64),
        expected.sort_index().astype(np.int64),
        check_names=False,
        check_index_type=False,
    )


def test_nearest_and_counts_equal_scipy_brute_force(
    town_pack: Path, town_access: PackAccess
) -> None:
    pack = load_pack(town_pack)
    osm = read_osm(pack.osm_path)
    crs = pack.crs.to_string()
    walk = build_street_network(osm, mode="walk", crs=crs)
    adult = profile("adult")
    graph = walk.to_graph(adult)
    pois = extract_pois(osm, crs=crs)
    groceries = pois[pois["category"] == "grocery"]
    snapped = snap_points(
        walk, groceries.geometry.x, groceries.geometry.y, graph=graph, profile=adult
    )
    seeds = point_seeds(walk, graph, snapped, profile=adult, towards=True)

    origins = town_access.origins.sample(40, random_state=3)
    position = np.full(walk.n_nodes, -1)
    position[graph.node_index] = np.arange(graph.n_nodes)
    sources = position[origins["node"].to_numpy()]
    assert (sources >= 0).all()
    dist = dijkstra(graph.to_scipy(), directed=True, indices=sources)
    # cost(o, j) = min over the seeds s of opportunity j of d(o, node_s) + cost_s
    owner = np.repeat(np.arange(seeds.indptr.size - 1), np.diff(seeds.indptr))
    # The street-to-door leg is travelled at walking speed.
    door_s = snapped.snap_distance_m[owner] / adult.speed_m_s
    per_seed = dist[:, seeds.node] + (seeds.cost + door_s)[None, :]
    per_opp = np.full((len(sources), seeds.indptr.size - 1), np.inf)
    for j in range(per_opp.shape[1]):
        per_opp[:, j] = per_seed[:, owner == j].min(axis=1, initial=np.inf)
    ordered = np.sort(per_opp, axis=1) / 60.0
    for rank in (1, 2, 3):
        got = origins[f"grocery_nearest_{rank}_min_adult"].to_numpy()
        want = ordered[:, rank - 1]
        want = np.where(want <= 30.0, want, np.nan)  # beyond the search limit: no access
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)
    count = (per_opp <= 15 * 60.0).sum(axis=1)
    np.testing.assert_array_equal(origins["grocery_count_15min_adult"].to_numpy(), count)


def test_wheelchair_never_faster_than_adult(town_access: PackAccess) -> None:
    origins = town_access.origins
    adult = origins["school_nearest_1_min_adult"].to_numpy()
    wheel = origins["school_nearest_1_min_wheelchair"].to_numpy()
    both = ~np.isnan(adult) & ~np.isnan(wheel)
    assert both.sum() > 100
    assert (wheel[both] >= adult[both] - 1e-9).all()
    # Nobody reachable by wheelchair but unreachable on foot.
    assert not (np.isnan(adult) & ~np.isnan(wheel)).any()


def test_every_indicator_column_is_described_in_both_languages(town_access: PackAccess) -> None:
    described = town_access.descriptions.set_index("column")
    indicator_columns = [c for c in town_access.origins.columns if c.endswith(PROFILES)]
    assert indicator_columns
    assert set(indicator_columns) <= set(described.index)
    assert (described["sv"].str.len() > 0).all() and (described["en"].str.len() > 0).all()


def test_cli_writes_geopackage_layers(town_pack: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    access_cli.register(app)
    app.command("noop")(lambda: None)
    out = tmp_path / "res.gpkg"
    result = CliRunner().invoke(
        app,
        ["access", str(town_pack), "--out", str(out), "--profiles", "adult",
         "--categories", "grocery,park"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    layers = {name for name, _ in pyogrio.list_layers(out)}
    expected = {"areas_adult", "grid_adult", "opportunities", "column_descriptions", "sources"}
    assert expected <= layers
    areas = pyogrio.read_dataframe(out, layer="areas_adult")
    assert "grocery_min" in areas.columns
    assert not list(tmp_path.glob("res*.csv"))  # one GeoPackage: every table inside
    assert not list(tmp_path.glob(".res*"))  # no temporary files left behind


def test_cli_bad_options_and_packs_give_clean_errors(shared_data: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    access_cli.register(app)
    app.command("noop")(lambda: None)
    kuopio = Path(__file__).resolve().parents[1] / "packs" / "kuopio"
    result = CliRunner().invoke(app, ["access", str(kuopio), "--out", str(tmp_path / "x.gpkg")])
    assert result.exit_code == 2
    assert "osm" in result.output.lower()
    assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["access", str(kuopio), "--profiles", "flying"])
    assert result.exit_code == 2
    assert "flying" in result.output


def test_porto_alegre_cells_and_opportunity_layers(shared_data: Path) -> None:
    pack = load_pack(Path(__file__).resolve().parents[1] / "packs" / "porto_alegre")
    options = AccessOptions(profiles=("adult",), categories=("school", "healthcare"))
    result = compute_pack_access(pack, options=options)
    assert result.origins["pop_total"].sum() == 812_935
    opp = result.opportunities
    assert opp.loc[opp["category"] == "school", "weight"].sum() == 194
    with pytest.raises(DataError, match="no opportunities of categories"):
        compute_pack_access(pack, options=AccessOptions(categories=("spaceport",)))


def test_bike_profile_equals_scipy_on_the_bike_graph(
    town_pack: Path, town_access: PackAccess
) -> None:
    pack = load_pack(town_pack)
    osm = read_osm(pack.osm_path)
    crs = pack.crs.to_string()
    walk = build_street_network(osm, mode="walk", crs=crs)
    bike = build_street_network(osm, mode="bike", crs=crs)
    rider = profile("bike")
    graph = bike.to_graph(rider)
    schools = extract_pois(osm, crs=crs).query("category == 'school'")
    snapped = snap_points(bike, schools.geometry.x, schools.geometry.y, graph=graph, profile=rider)
    seeds = point_seeds(bike, graph, snapped, profile=rider, towards=True)
    owner = np.repeat(np.arange(seeds.indptr.size - 1), np.diff(seeds.indptr))
    door_s = snapped.snap_distance_m[owner] / rider.speed_m_s

    origins = town_access.origins.sample(30, random_state=8)
    homes = origins["node"].to_numpy()
    # Residents ride from the bike-graph node nearest their walk node (brute force).
    bx, by = bike.node_x[graph.node_index], bike.node_y[graph.node_index]
    gap = np.hypot(
        bx[None, :] - walk.node_x[homes][:, None], by[None, :] - walk.node_y[homes][:, None]
    )
    sources = gap.argmin(axis=1)
    dist = dijkstra(graph.to_scipy(), directed=True, indices=sources)
    per_seed = dist[:, seeds.node] + (seeds.cost + door_s)[None, :]
    nearest = np.full(len(sources), np.inf)
    for j in range(seeds.indptr.size - 1):
        nearest = np.minimum(nearest, per_seed[:, owner == j].min(axis=1, initial=np.inf))
    want = np.where(nearest / 60 <= 30, nearest / 60, np.nan)
    got = origins["school_nearest_1_min_bike"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)
