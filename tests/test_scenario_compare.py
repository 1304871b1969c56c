"""Comparing a plan with today on the generated town: zero when empty, the right sign when not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
from scipy.sparse.csgraph import dijkstra

from jamlik.config import profile
from jamlik.datasets import generate_town, write_town_pack
from jamlik.ingest import Pack, load_pack, read_osm
from jamlik.ingest.scenario import load_scenario
from jamlik.networks import build_street_network
from jamlik.runs.access import AccessOptions
from jamlik.scenarios.compare import compare_scenario, per_origin_values
from jamlik.ska.assess import assess_scenario

OPTIONS = AccessOptions(profiles=("adult", "child"), categories=("school", "grocery"), grid_m=0)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    path = write_town_pack(generate_town(n_nodes=2500, seed=1), tmp_path_factory.mktemp("town"))
    return load_pack(path)


def _scenario(folder: Path, body: str) -> Path:
    path = folder / "s.toml"
    path.write_text('[scenario]\nname = "plan"\n\n' + body, encoding="utf-8")
    return path


def _lonlat(pack: Pack, x: float, y: float) -> list[float]:
    to = pyproj.Transformer.from_crs(pack.crs, "EPSG:4326", always_xy=True)
    return [float(v) for v in to.transform(x, y)]


def test_empty_scenario_changes_nothing(town: Pack, tmp_path: Path) -> None:
    comparison = compare_scenario(town, load_scenario(_scenario(tmp_path, "")), options=OPTIONS)
    deltas = comparison.area_change["delta"].to_numpy(dtype=float)
    assert np.all((deltas == 0) | np.isnan(deltas))
    assert (comparison.winners[["gain", "loss"]].to_numpy() == 0).all()
    ska = assess_scenario(comparison, town)
    assert set(ska.matrix.cells["verdict"]) <= {"0", "bedöms", "?"}
    assert ska.complexity[0] == 1


def test_new_school_far_from_schools_helps_children_there(town: Pack, tmp_path: Path) -> None:
    today = compare_scenario(town, load_scenario(_scenario(tmp_path, "")), options=OPTIONS).today
    values = per_origin_values(today)
    worst = values["school_nearest_1_min_child"].idxmax()
    x, y = today.origins.set_index("node").loc[worst, "geometry"].coords[0]
    path = _scenario(
        tmp_path,
        f'[[services]]\nname = "Ny skola"\ncategory = "school"\npoint = {_lonlat(town, x, y)}\n',
    )
    comparison = compare_scenario(town, load_scenario(path), options=OPTIONS)
    column = "school_nearest_1_min_child"  # NaN: no school within the 30-min search
    before = per_origin_values(comparison.today)[column].fillna(np.inf)
    after = per_origin_values(comparison.plan)[column].fillna(np.inf)
    # nobody loses; the worst-served node now has a school at (almost) its door
    assert (after <= before + 1e-9).all()
    assert after.loc[worst] < 2.0 < before.loc[worst]
    # the new time at every node equals an independent Dijkstra from the new school's node
    assert town.osm_path is not None
    walk = build_street_network(read_osm(town.osm_path), mode="walk", crs=town.crs.to_string())
    graph = walk.to_graph(profile("child"))
    position = np.full(walk.n_nodes, -1)
    position[graph.node_index] = np.arange(graph.n_nodes)
    school = position[worst]
    from_school = dijkstra(graph.to_scipy().T, indices=school) / 60.0  # minutes to the school
    nodes = after.index.to_numpy()
    inside = position[nodes] >= 0
    reach = from_school[position[nodes[inside]]]
    closer = (reach < before.to_numpy()[inside] - 1e-6) & (reach <= 30.0)
    np.testing.assert_allclose(after.to_numpy()[inside][closer], reach[closer], atol=0.02)
    wl = comparison.winners.set_index(["profile", "indicator", "group"])
    gain = wl.loc[("child", "school_nearest_1_min_child", "age_6_15"), "gain"]
    assert gain > 0
    assert wl.loc[("child", "school_nearest_1_min_child", "age_6_15"), "loss"] == 0
    ska = assess_scenario(comparison, town, language="en")
    cell = ska.matrix.cells.set_index(["aspect", "scale", "perspective"])
    assert cell.loc[("vardagsliv", "narmiljo", "barn"), "verdict"] == "+"
    assert "school_nearest_1_min_child" in cell.loc[("vardagsliv", "narmiljo", "barn"), "evidence"]
    assert ska.measures.to_dict("records") == [{"kind": "services", "name": "Ny skola"}]


def test_closing_a_school_hurts_children_near_it(town: Pack, tmp_path: Path) -> None:
    comparison0 = compare_scenario(town, load_scenario(_scenario(tmp_path, "")), options=OPTIONS)
    schools = comparison0.today.opportunities
    school = schools[schools["category"] == "school"].geometry.iloc[0]
    path = _scenario(
        tmp_path,
        '[[closed_services]]\nname = "Skolan stängs"\ncategory = "school"\n'
        f"point = {_lonlat(town, school.x, school.y)}\nradius_m = 5\n",
    )
    comparison = compare_scenario(town, load_scenario(path), options=OPTIONS)
    column = "school_nearest_1_min_child"
    before = per_origin_values(comparison.today)[column].fillna(np.inf)
    after = per_origin_values(comparison.plan)[column].fillna(np.inf)
    assert (after >= before - 1e-9).all()
    assert (after > before + 1.0).any()
    wl = comparison.winners.set_index(["profile", "indicator", "group"])
    assert wl.loc[("child", "school_nearest_1_min_child", "age_6_15"), "gain"] == 0
    assert wl.loc[("child", "school_nearest_1_min_child", "age_6_15"), "loss"] > 0
    assert len(comparison.plan.opportunities) == len(comparison.today.opportunities) - 1


def test_cli_compare_writes_tables_and_prints_the_matrix(town: Pack, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jamlik.cli.main import app

    today = compare_scenario(town, load_scenario(_scenario(tmp_path, "")), options=OPTIONS).today
    x, y = today.origins.geometry.iloc[0].coords[0]
    path = _scenario(
        tmp_path,
        f'[[homes]]\nname = "Kvarter"\npoint = {_lonlat(town, x, y)}\ndwellings = 150\n\n'
        f'[[services]]\nname = "Skola"\ncategory = "school"\npoint = {_lonlat(town, x, y)}\n',
    )
    out = tmp_path / "cmp"
    args = ["scenario", "compare", str(town.root), str(path), "--out", str(out)]
    result = CliRunner().invoke(
        app, [*args, "--categories", "school,grocery"], env={"JAMLIK_LANG": "en"}
    )
    assert result.exit_code == 0, result.output
    assert "Social complexity level (suggested): 2" in result.output
    assert "SKA matrix, perspective: Children" in result.output
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out / "comparison.gpkg")}
    assert {"area_change_everyone", "winners_losers", "ska_matrix", "resident_changes"} <= layers
    changes = pyogrio.read_dataframe(out / "comparison.gpkg", layer="resident_changes")
    assert int(changes["pop_total"].iloc[0]) > 150  # 150 dwellings, more than one person each
    for name in ("area_change.csv", "winners_losers.csv", "ska_matrix.csv", "comparison.json"):
        assert (out / name).is_file()
    run = CliRunner().invoke(
        app,
        [
            "scenario",
            "run",
            str(town.root),
            str(path),
            "--out",
            str(tmp_path / "p.gpkg"),
            "--categories",
            "school",
        ],
    )
    assert run.exit_code == 0, run.output
    assert (tmp_path / "p.gpkg").is_file()


def test_cli_compares_alternatives_and_lists_iterations(town: Pack, tmp_path: Path) -> None:
    import pandas as pd
    from typer.testing import CliRunner

    from jamlik.cli.main import app

    today = compare_scenario(town, load_scenario(_scenario(tmp_path, "")), options=OPTIONS).today
    x, y = today.origins.geometry.iloc[10].coords[0]
    where = _lonlat(town, x, y)
    v1 = tmp_path / "v1.toml"
    v1.write_text(
        f'[scenario]\nname = "v1"\n\n[[homes]]\nname = "Kvarter"\npoint = {where}\n'
        "dwellings = 120\n",
        encoding="utf-8",
    )
    v2 = tmp_path / "v2.toml"
    v2.write_text(
        f'[scenario]\nname = "v2"\nbased_on = "v1.toml"\n\n[[homes]]\nname = "Kvarter"\n'
        f"point = {where}\ndwellings = 200\n\n"
        f'[[services]]\nname = "Skola"\ncategory = "school"\npoint = {where}\n',
        encoding="utf-8",
    )
    out = tmp_path / "labs"
    result = CliRunner().invoke(
        app,
        [
            "scenario",
            "compare",
            str(town.root),
            str(v1),
            str(v2),
            "--out",
            str(out),
            "--categories",
            "school,grocery",
            "--profiles",
            "adult,child",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "v1" / "comparison.gpkg").is_file() and (out / "v2" / "comparison.gpkg").is_file()
    side = pd.read_csv(out / "alternatives.csv")
    assert {"v1_gain", "v1_loss", "v2_gain", "v2_loss"} <= set(side.columns)
    school = side[
        (side["indicator"] == "school_nearest_1_min_child") & (side["group"] == "pop_total")
    ]
    assert float(school["v1_gain"].iloc[0]) == 0 and float(school["v2_gain"].iloc[0]) > 0
    steps = pd.read_csv(out / "iterations.csv")
    assert steps[["version", "kind", "name", "change"]].values.tolist() == [
        ["v1", "homes", "Kvarter", "added"],
        ["v2", "homes", "Kvarter", "replaced"],
        ["v2", "services", "Skola", "added"],
    ]


def test_displaced_residents_are_not_losers(town: Pack, tmp_path: Path) -> None:
    """Demolishing every home at a node moves people out; it does not cut their access."""
    today = compare_scenario(town, load_scenario(_scenario(tmp_path, "")), options=OPTIONS).today
    assert today.residents is not None
    busy = today.residents.groupby("node")["pop_total"].sum().idxmax()
    x, y = today.origins.set_index("node").loc[busy, "geometry"].coords[0]
    path = _scenario(
        tmp_path,
        f'[[removed_homes]]\nname = "Rivs"\npoint = {_lonlat(town, x, y)}\ndwellings = 100000\n',
    )
    comparison = compare_scenario(town, load_scenario(path), options=OPTIONS, today=today)
    assert comparison.plan.resident_changes is not None
    displaced = int(comparison.plan.resident_changes["pop_total"].iloc[0])
    assert displaced == int(today.residents.loc[today.residents["node"] == busy, "pop_total"].sum())
    assert busy not in set(comparison.staying["node"])
    assert (comparison.winners[["gain", "loss", "lost_access"]].to_numpy() == 0).all()
    everyone = comparison.winners[comparison.winners["group"] == "pop_total"]
    assert (everyone["people"] == today.residents["pop_total"].sum() - displaced).all()


def test_profile_gaps_by_hand() -> None:
    import pandas as pd

    from jamlik.scenarios.compare import _profile_gaps

    rows = [
        ("adult", "school_nearest_1_min_adult", 10.0, 8.0),
        ("child", "school_nearest_1_min_child", 14.0, 9.0),
        ("senior", "school_nearest_1_min_senior", 16.0, 15.0),
        ("child", "park_nearest_1_min_child", 5.0, 5.0),  # no adult value: left out
    ]
    change = pd.DataFrame(
        [
            {
                "profile": p,
                "area_id": "*",
                "group": "pop_total",
                "indicator": i,
                "before": b,
                "after": a,
            }
            for p, i, b, a in rows
        ]
        + [
            {
                "profile": "child",
                "area_id": "A",
                "group": "pop_total",
                "indicator": "school_nearest_1_min_child",
                "before": 99.0,
                "after": 99.0,
            }
        ]
    )
    gaps = _profile_gaps(change).set_index("profile")
    assert list(gaps.index) == ["child", "senior"]
    assert (gaps.loc["child", "gap_before"], gaps.loc["child", "gap_after"]) == (4.0, 1.0)
    assert bool(gaps.loc["child", "narrows"])
    assert (gaps.loc["senior", "gap_before"], gaps.loc["senior", "gap_after"]) == (6.0, 7.0)
    assert not bool(gaps.loc["senior", "narrows"])
