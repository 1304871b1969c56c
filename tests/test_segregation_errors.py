"""Broken inputs to the segregation functions and the `jamlik segregation` command."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli import segregation as seg_cli

from jamlik.errors import (
    DataError,
    DuplicateIdError,
    MissingColumnError,
    MissingFileError,
    NegativeValueError,
    UnknownIdError,
)
from jamlik.indicators.segregation.indices import (
    align_areas,
    multigroup_indices,
    segregation_indices,
)
from jamlik.indicators.segregation.inference import segregation_change


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _frame(**cols: list[float]) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_group_larger_than_total_names_the_row() -> None:
    frame = _frame(g=[1, 12, 3], t=[10, 10, 10])
    with pytest.raises(DataError, match=r"larger than total .t. at line 3"):
        segregation_indices(frame, group="g", total="t", source="areas.csv")


def test_negative_count() -> None:
    with pytest.raises(NegativeValueError, match=r"areas.csv, column 'g'.*line 2"):
        segregation_indices(_frame(g=[-1, 2], t=[5, 5]), group="g", total="t", source="areas.csv")


def test_single_area() -> None:
    with pytest.raises(DataError, match="1 area"):
        segregation_indices(_frame(g=[1], t=[5]), group="g", total="t")


def test_missing_column() -> None:
    with pytest.raises(MissingColumnError, match="'born_abroad'"):
        segregation_indices(_frame(g=[1, 2], t=[5, 5]), group="born_abroad", total="t")


def test_missing_values() -> None:
    with pytest.raises(DataError, match="missing or non-numeric"):
        segregation_indices(_frame(g=[1, float("nan")], t=[5, 5]), group="g", total="t")


@pytest.mark.parametrize("x", [[0, 0], [5, 5]])
def test_group_absent_or_everybody(x: list[float]) -> None:
    with pytest.raises(DataError, match="neither absent nor everybody"):
        segregation_indices(_frame(g=x, t=[5, 5]), group="g", total="t")


@pytest.mark.parametrize("b", [-0.1, 1.0, 1.5])
def test_atkinson_b_out_of_range(b: float) -> None:
    with pytest.raises(DataError, match="atkinson_b"):
        segregation_indices(_frame(g=[1, 2], t=[5, 5]), group="g", total="t", atkinson_b=b)


def test_multigroup_needs_two_groups_and_people() -> None:
    with pytest.raises(DataError, match="at least two"):
        multigroup_indices(_frame(a=[1, 2]), groups=["a"])
    with pytest.raises(DataError, match="zero everywhere"):
        multigroup_indices(_frame(a=[1, 2], b=[0, 0]), groups=["a", "b"])


def test_change_unknown_index() -> None:
    frame = _frame(g=[1, 2], t=[5, 5])
    with pytest.raises(DataError, match="unknown segregation index"):
        segregation_change(frame, frame, group="g", total="t", index="nope")


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:3006"
    )


def test_unknown_area_code() -> None:
    frame = pd.DataFrame({"code": ["A", "Z"], "g": [1, 2], "t": [5, 5]})
    with pytest.raises(UnknownIdError, match=r"line 3.*no polygon in areas.gpkg"):
        align_areas(frame, _areas(), id_column="code", areas_source="areas.gpkg")


def test_duplicate_area_code() -> None:
    frame = pd.DataFrame({"code": ["A", "A"], "g": [1, 2], "t": [5, 5]})
    with pytest.raises(DuplicateIdError, match="repeated"):
        align_areas(frame, _areas(), id_column="code")


# --- the command ---------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """Test group."""

    seg_cli.register(app)
    return app


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "2000"}).invoke(_app(), args)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_writes_exact_keys(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame({"code": ["A", "B"], "g": [2, 8], "t": [10, 10]}).to_csv(csv, index=False)
    gpkg = tmp_path / "areas.gpkg"
    _areas().to_file(gpkg)
    out = tmp_path / "r.json"
    code, _ = _run(
        ["segregation", "--input", str(csv), "--id", "code", "--group", "g", "--total", "t",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert list(data) == list(seg_cli.RESULT_KEYS)
    assert data["dissimilarity"] == pytest.approx(0.6)
    code, _ = _run(
        ["segregation", "--input", str(csv), "--id", "code", "--group", "g", "--total", "t",
         "--areas", str(gpkg), "--atkinson-b", "0.25", "--out", str(out), "--overwrite"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert list(data) == [*seg_cli.RESULT_KEYS, "spatial_dissimilarity", "contiguity"]
    # two neighbours with p = 0.2 and 0.8: SD = D − 0.6
    assert data["spatial_dissimilarity"] == pytest.approx(0.0, abs=1e-12)
    assert data["atkinson"] == pytest.approx(
        segregation_indices(
            pd.DataFrame({"g": [2, 8], "t": [10, 10]}), group="g", total="t", atkinson_b=0.25
        ).atkinson
    )
    assert not list(tmp_path.glob(".r.json.*"))  # no temporary file left behind


@pytest.mark.parametrize(
    ("rows", "extra", "message"),
    [
        ({"code": ["A", "B"], "g": [12, 8], "t": [10, 10]}, [], "larger than total"),
        ({"code": ["A", "B"], "g": [-2, 8], "t": [10, 10]}, [], "negative"),
        ({"code": ["A"], "g": [2], "t": [10]}, [], "at least 2"),
        ({"code": ["A", "B"], "x": [2, 8], "t": [10, 10]}, [], "missing column"),
        ({"code": ["A", "Q"], "g": [2, 8], "t": [10, 10]}, ["--areas"], "no polygon"),
    ],
)
def test_cli_bad_input_exit_2(
    tmp_path: Path, rows: dict[str, list[object]], extra: list[str], message: str
) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    args = ["segregation", "--input", str(csv), "--id", "code", "--group", "g", "--total", "t"]
    if extra:
        gpkg = tmp_path / "areas.gpkg"
        _areas().to_file(gpkg)
        args += ["--areas", str(gpkg)]
    out = tmp_path / "r.json"
    code, output = _run([*args, "--out", str(out)])
    assert code == 2
    assert message in " ".join(output.split())
    assert str(csv.name) in output.replace("\n", "")
    assert not out.exists()


def test_cli_duplicate_or_missing_id_column(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame({"code": ["A", "A"], "g": [2, 8], "t": [10, 10]}).to_csv(csv, index=False)
    base = ["segregation", "--input", str(csv), "--group", "g", "--total", "t"]
    code, output = _run([*base, "--id", "code", "--out", str(tmp_path / "r.json")])
    assert code == 2
    assert "repeated" in output
    code, output = _run([*base, "--id", "nope", "--out", str(tmp_path / "r.json")])
    assert code == 2
    assert "'nope'" in output


def test_cli_areas_without_geometry(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame({"code": ["A", "B"], "g": [2, 8], "t": [10, 10]}).to_csv(csv, index=False)
    args = ["segregation", "--input", str(csv), "--id", "code", "--group", "g", "--total", "t"]
    code, output = _run([*args, "--areas", str(csv), "--out", str(tmp_path / "r.json")])
    assert code == 2
    assert "no geometry" in output


def test_cli_missing_file(tmp_path: Path) -> None:
    code, output = _run(
        ["segregation", "--input", str(tmp_path / "nope.csv"), "--id", "c", "--group", "g",
         "--total", "t", "--out", str(tmp_path / "r.json")]
    )  # fmt: skip
    assert code == 2
    assert "nope.csv" in output


def test_read_csv_missing_file_is_named_error(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError):
        seg_cli.read_csv(tmp_path / "absent.csv")
