"""`jamlik demo` runs the whole pipeline offline on the generated town and writes its outputs."""

from pathlib import Path

import pandas as pd
import pyogrio
from typer.testing import CliRunner

from jamlik.cli.main import app


def test_demo_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--nodes", "2500"])
    assert result.exit_code == 0, result.output
    layers = {name for name, _ in pyogrio.list_layers(out / "access.gpkg")}
    expected = {"areas_adult", "grid_bike", "opportunities", "column_descriptions", "sources"}
    assert expected <= layers
    assert "origins" not in layers  # per-origin detail only on request (--detail origins)
    areas = pyogrio.read_dataframe(out / "access.gpkg", layer="areas_adult")
    statistics = pd.read_csv(out / "sample_town_pack" / "statistics.csv")
    assert len(areas) == statistics["area_id"].nunique()
    vulnerability = pd.read_csv(out / "vulnerability" / "vulnerability.csv")
    assert len(vulnerability) == len(areas)
    assert (out / "cohesion" / "cohesion_summary.json").exists()
    sources = pd.read_csv(out / "access_sources.csv")
    assert sources["licence"].str.contains("CC0").any()
