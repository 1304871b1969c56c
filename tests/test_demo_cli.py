"""`jamlik demo` runs the whole pipeline offline on the generated town and writes its outputs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from typer.testing import CliRunner

from jamlik.cli.main import app


def test_demo_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--nodes", "2500"])
    assert result.exit_code == 0, result.output
    layers = {name for name, _ in pyogrio.list_layers(out / "access" / "access.gpkg")}
    expected = {"areas_adult", "grid_bike", "opportunities", "column_descriptions", "sources"}
    assert expected <= layers
    assert "origins" not in layers  # per-origin detail only on request (--detail origins)
    areas = pyogrio.read_dataframe(out / "access" / "access.gpkg", layer="areas_adult")
    statistics = pd.read_csv(out / "sample_town_pack" / "statistics.csv")
    assert len(areas) == statistics["area_id"].nunique()
    vulnerability = pd.read_csv(out / "vulnerability" / "vulnerability.csv")
    assert len(vulnerability) == len(areas)
    assert (out / "cohesion" / "cohesion_summary.json").exists()
    sources = pd.read_csv(out / "access" / "sources.csv")
    assert sources["licence"].str.contains("CC0").any()
    # the sample plan (homes, a school, a bus line, a footbridge): the SKA report
    plan = out / "sample_plan.toml"
    assert plan.is_file()
    for suffix in ("html", "pdf", "xlsx", "gpkg"):
        assert (out / f"report.{suffix}").stat().st_size > 1000
    winners = pyogrio.read_dataframe(out / "report.gpkg", layer="p1_winners_losers")
    assert (winners["gain"] > 0).any()
    matrix = pyogrio.read_dataframe(out / "report.gpkg", layer="p1_ska_matrix")
    assert {"vardagsliv", "identitet"} <= set(matrix["aspect"])
    assert (matrix.loc[matrix["aspect"] == "identitet", "verdict"] == "bedöms").all()
    measures = pyogrio.read_dataframe(out / "report.gpkg", layer="p1_measures")
    assert set(measures["kind"]) == {"homes", "services", "links", "transit_lines"}
    transit = pyogrio.read_dataframe(out / "report.gpkg", layer="transit_hours")
    assert set(transit["day_type"]) == {"weekday", "saturday", "sunday"}
    assert np.isfinite(transit["minutes"]).any()
    # One result folder, swapped in whole: its manifest, no staging left, no silent overwrite.
    assert (out / ".jamlik-result.json").is_file() and (out / "access" / ".jamlik-result.json")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # Every file it says it wrote is where it says, never in a staging folder that is gone.
    said = " ".join(result.output.split())
    assert ".staging-" not in said
    assert str(out / "access" / "access.gpkg") in said.replace(" ", "")
    again = CliRunner().invoke(app, ["--lang", "en", "demo", "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_sample_plan_bridge_crosses_the_river_and_homes_sit_in_the_poorest_area(
    tmp_path: Path,
) -> None:
    import shapely

    from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
    from jamlik.ingest import load_pack
    from jamlik.ingest.scenario import load_scenario
    from jamlik.scenarios.check import check_scenario

    town = generate_town(n_nodes=2500, seed=7)
    pack = load_pack(write_town_pack(town, tmp_path / "town"))
    scenario = load_scenario(write_town_scenario(town, tmp_path / "plan.toml"))
    assert check_scenario(scenario, pack) == []
    river = shapely.union_all(town.barrier.geometry.to_numpy())
    bridge = shapely.LineString(scenario.links[0].coordinates)
    assert bridge.crosses(river) or bridge.intersects(river)
    line = scenario.transit_lines[0]
    assert len(line.stops) == 6 and line.both_directions
    assert {h.day_type for h in line.headways} == {"weekday", "saturday", "sunday"}
    stats = town.statistics[town.statistics["year"] == town.statistics["year"].max()]
    poorest = stats.loc[(stats["low_income"] / stats["pop_total"]).idxmax(), "area_id"]
    homes = shapely.Polygon(scenario.homes[0].polygon)
    area = town.areas.set_index("area_id").loc[poorest, "geometry"]
    assert area.contains(homes.centroid)
