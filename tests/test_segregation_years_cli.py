"""`--year` and `--change` on `segregation` and `equity`, on the real GR statistics 2020-2023.

A table with several years is never summed over them; one year's indices equal PySAL's on that
year's rows; the change table's values equal PySAL's per year and its differences b − a.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from inequality.gini import Gini
from segregation.singlegroup import Dissim, Entropy, Isolation

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli import equity, segregation


@pytest.fixture(scope="module")
def stats(shared_data: Path) -> Path:
    return shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv"


def invoke(args: list[str]) -> tuple[int, str]:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """Test group."""

    segregation.register(app)
    equity.register(app)
    result = CliRunner().invoke(app, args, env={"JAMLIK_LANG": "en"})
    return result.exit_code, result.output


def seg_args(stats: Path, out: Path) -> list[str]:
    return [
        "segregation",
        "--input",
        str(stats),
        "--id",
        "regsokod",
        "--group",
        "born_abroad",
        "--total",
        "pop_total",
        "--out",
        str(out),
    ]


def test_several_years_without_a_choice_is_an_error_not_a_sum(stats: Path, tmp_path: Path) -> None:
    code, output = invoke(seg_args(stats, tmp_path / "s.json"))
    assert code != 0 and "several years (2020, 2021, 2022, 2023)" in " ".join(output.split())
    assert not (tmp_path / "s.json").exists()
    code, output = invoke(
        ["equity", "--input", str(stats), "--value", "mean_wage_income_tkr", "--out", "e.json"]
    )
    assert code != 0 and "--year" in output


def test_one_year_equals_pysal_on_that_years_rows(stats: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    code, output = invoke([*seg_args(stats, out), "--year", "2022"])
    assert code == 0, output
    result = json.loads(out.read_text())
    rows = pd.read_csv(stats).query("year == 2022")
    assert result["year"] == 2022
    assert result["dissimilarity"] == pytest.approx(
        Dissim(rows, group_pop_var="born_abroad", total_pop_var="pop_total").statistic
    )
    assert result["isolation"] == pytest.approx(
        Isolation(rows, group_pop_var="born_abroad", total_pop_var="pop_total").statistic
    )
    code, output = invoke([*seg_args(stats, out), "--year", "2019", "--overwrite"])
    assert code != 0 and "no rows for 2019" in " ".join(output.split())


def test_change_table_values_and_differences(stats: Path, tmp_path: Path) -> None:
    code, output = invoke([*seg_args(stats, tmp_path / "s.json"), "--change"])
    assert code == 2 and "give a folder as --out" in " ".join(output.split())
    out = tmp_path / "s"  # a result folder: segregation.json and change.csv appear together
    code, output = invoke([*seg_args(stats, out), "--change", "--permutations", "49"])
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        ".jamlik-result.json", "change.csv", "segregation.json"
    ]  # fmt: skip
    change = pd.read_csv(out / "change.csv")
    assert len(change) == 4 * 3 and set(change["year_a"]) == {2020}
    assert sorted(set(change["year_b"])) == [2021, 2022, 2023]
    frame = pd.read_csv(stats)
    for index, cls in (("dissimilarity", Dissim), ("entropy", Entropy), ("isolation", Isolation)):
        for year in (2021, 2023):
            row = change[(change["index"] == index) & (change["year_b"] == year)].iloc[0]
            rows = frame[frame["year"] == year]
            expected = cls(rows, group_pop_var="born_abroad", total_pop_var="pop_total").statistic
            assert row["value_b"] == pytest.approx(expected)
            assert row["difference"] == pytest.approx(row["value_b"] - row["value_a"])
            assert 0 < row["p_value"] <= 1 and row["ci_low"] <= row["difference"] <= row["ci_high"]
    latest = json.loads((out / "segregation.json").read_text())
    assert latest["year"] == 2023  # the latest year's indices beside it


def test_equity_for_one_year_equals_inequality_gini(stats: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.json"
    args = ["equity", "--input", str(stats), "--value", "mean_wage_income_tkr", "--out", str(out)]
    code, output = invoke([*args, "--year", "2023"])
    assert code == 0, output
    values = pd.read_csv(stats).query("year == 2023")["mean_wage_income_tkr"].to_numpy()
    assert json.loads(out.read_text())["gini"] == pytest.approx(Gini(values).g)


def test_local_segregation_per_area_with_polygons_equals_pysal(
    stats: Path, shared_data: Path, tmp_path: Path
) -> None:
    import geopandas as gpd
    import numpy as np
    from segregation.local import MultiLocalEntropy, MultiLocationQuotient

    areas = shared_data / "gr_statistical_areas" / "regso_gr_2025.gpkg"
    out = tmp_path / "s"
    code, output = invoke(
        [*seg_args(stats, out), "--year", "2023", "--total", "pop_total", "--areas", str(areas)]
    )
    assert code == 0, output
    layer = gpd.read_file(out / "local.gpkg", layer="local")
    rows = pd.read_csv(stats, dtype={"regsokod": str}).query("year == 2023")
    assert (
        len(layer) == len(rows) == 300 and layer.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    )
    assert list(layer["regsokod"]) == list(rows["regsokod"])
    frame = rows.assign(rest=rows["pop_total"] - rows["born_abroad"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lq = np.asarray(MultiLocationQuotient(frame, ["born_abroad", "rest"]).statistics)[:, 0]
        entropy = np.asarray(MultiLocalEntropy(frame, ["born_abroad", "rest"]).statistics)
    np.testing.assert_allclose(layer["location_quotient"], lq, rtol=1e-12)
    np.testing.assert_allclose(layer["local_entropy"], entropy, rtol=1e-12)
