"""``jamlik access`` and ``jamlik sdg-11-2-1`` without streets: the approximation, labelled.

Every layer and CSV of the approximation ends in ``_approx`` and carries ``method =
straight_line`` and the detour factor; the console says APPROXIMATION before anything else; the
files hold the library's numbers; bad options and impossible combinations end with a clear
message and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import typer
from typer.testing import CliRunner

from jamlik.cli import access as access_cli
from jamlik.cli import sdg as sdg_cli
from jamlik.datasets import generate_town, write_town_pack
from jamlik.ingest import load_pack
from jamlik.runs.straight_line import straight_line_sdg

PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    access_cli.register(app)
    sdg_cli.register(app)
    return app


def _invoke(app: typer.Typer, args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300", "JAMLIK_LANG": "en"})
    # The console may have been created narrower by another test: compare unwrapped text.
    return result.exit_code, " ".join(result.output.split())


def test_access_without_osm_is_an_approximation(
    app: typer.Typer, tmp_path: Path, shared_data: Path
) -> None:
    assert shared_data.is_dir()
    folder = tmp_path / "kungalv"
    code, output = _invoke(app, ["access", str(PACKS / "kungalv"), "--out", str(folder),
                                 "--profiles", "adult,senior", "--grid-m", "0"])  # fmt: skip
    out = folder / "access.gpkg"
    assert code == 0, output
    assert output.index("APPROXIMATION") < output.index("Wrote")
    assert "has no OSM extract" in output and "age_65_plus" in output
    assert "APPROXIMATION along straight lines × 1.3" in output  # the summary table's title
    assert "access --mode transit) need a GTFS feed" in output
    layers = [name for name, _ in pyogrio.list_layers(out)]
    assert layers and all(name.endswith("_approx") for name in layers)
    assert {"areas_adult_approx", "areas_senior_approx", "area_values_approx"} <= set(layers)
    for name in layers:
        if name in ("sources_approx", "column_descriptions_approx"):
            continue
        frame = pyogrio.read_dataframe(out, layer=name)
        assert set(frame["method"]) == {"straight_line"}, name
        assert set(frame["detour_factor"]) == {1.3}, name
    notes = pyogrio.read_dataframe(out, layer="notes_approx")
    assert notes["note"].str.contains("APPROXIMATION").any()
    assert sorted(p.name for p in folder.glob("*.csv")) == [
        "column_descriptions_approx.csv",
        "sources_approx.csv",
        "summary_approx.csv",
    ]
    described = pd.read_csv(folder / "column_descriptions_approx.csv")
    assert {"method", "detour_factor", "group"} <= set(described["column"])


def test_sdg_without_osm_writes_the_library_numbers(
    app: typer.Typer, tmp_path: Path, shared_data: Path
) -> None:
    assert shared_data.is_dir()
    out = tmp_path / "sdg"
    code, output = _invoke(app, ["sdg-11-2-1", str(PACKS / "kungalv"), "--out", str(out),
                                 "--detour", "1.4", "--distances", "300,600"])  # fmt: skip
    assert code == 0, output
    assert "APPROXIMATION" in output and "GTFS" in output
    assert sorted(p.name for p in out.iterdir()) == [
        ".jamlik-result.json",
        "sdg_11_2_1_approx.json",
        "sdg_11_2_1_approx_areas.csv",
        "sdg_11_2_1_approx_groups.csv",
        "sdg_11_2_1_approx_stops.csv",
    ]
    areas = pd.read_csv(out / "sdg_11_2_1_approx_areas.csv", dtype={"area_id": str})
    assert set(areas["method"]) == {"straight_line"}
    want = straight_line_sdg(load_pack(PACKS / "kungalv"), distances_m=(300, 600),
                             detour_factor=1.4).areas  # fmt: skip
    for column in ("share_within_300m", "share_within_600m", "share_convenient"):
        pd.testing.assert_series_equal(areas[column], want[column].round(4), check_names=False)
    summary = json.loads((out / "sdg_11_2_1_approx.json").read_text(encoding="utf-8"))
    assert summary["method"] == "straight_line" and summary["detour_factor"] == 1.4
    assert any("SCB" in s["name"] for s in summary["sources"])


def test_straight_line_on_a_pack_with_streets(app: typer.Typer, tmp_path: Path) -> None:
    town = write_town_pack(generate_town(n_nodes=600, seed=3), tmp_path / "town")
    out = tmp_path / "town.gpkg"
    code, output = _invoke(app, ["access", str(town), "--out", str(out), "--straight-line",
                                 "--profiles", "adult"])  # fmt: skip
    assert code == 0, output
    assert "--straight-line" in output and "residential buildings" in output
    assert "square of their point" in output and "street-network node" not in output
    assert all(name.endswith("_approx") for name, _ in pyogrio.list_layers(out))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["access", "kungalv", "--detour", "0.8"], "--detour"),
        (["access", "kungalv", "--scenario", "{scenario}"], "street network"),
        (["sdg-11-2-1", "kungalv", "--distances", "400,x"], "--distances"),
        (["sdg-11-2-1", "porto_alegre", "--straight-line"], "--date"),
    ],
)
def test_clear_errors(
    app: typer.Typer, tmp_path: Path, shared_data: Path, args: list[str], message: str
) -> None:
    assert shared_data.is_dir()
    scenario = tmp_path / "plan.toml"
    scenario.write_text('name = "x"\n', encoding="utf-8")
    full = [a.format(scenario=scenario) for a in args]
    full[1] = str(PACKS / full[1])
    target = tmp_path / ("out.gpkg" if full[0] == "access" else "out")
    code, output = _invoke(app, [*full, "--out", str(target)])
    assert code == 2, output
    assert message in output and "Traceback" not in output
