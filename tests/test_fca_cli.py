"""`jamlik fca` through Typer's test runner: output `id,score`, defaults, and clean errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.fca import register

from jamlik.indicators.access.fca import StepWeights, floating_catchment


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / f"{name}.csv" for name in ("demand", "supply", "cost")}
    # ids that look numeric with leading zeros must stay text
    pd.DataFrame({"id": ["001", "002", "003"], "demand": [100, 50, 10]}).to_csv(
        paths["demand"], index=False
    )
    pd.DataFrame({"id": ["X", "Y"], "capacity": [10, 5]}).to_csv(paths["supply"], index=False)
    pd.DataFrame(
        {
            "origin_id": ["001", "002", "002", "003"],
            "destination_id": ["X", "X", "Y", "Y"],
            "minutes": [5, 10, 12, 20],
        }
    ).to_csv(paths["cost"], index=False)
    return paths


def _invoke(files: dict[str, Path], *args: str) -> tuple[int, str, Path]:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """Test group."""

    register(app)
    out = files["demand"].parent / "r.csv"
    base = ["fca", "--demand", str(files["demand"]), "--supply", str(files["supply"])]
    result = CliRunner(env={"COLUMNS": "2000"}).invoke(
        app, [*base, "--cost", str(files["cost"]), *args, "--out", str(out), "--overwrite"]
    )
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split()), out


def _read(out: Path) -> pd.Series:
    frame = pd.read_csv(out, dtype={"id": str})
    assert list(frame.columns) == ["id", "score"]
    return frame.set_index("id")["score"]


def test_two_step_default_cutoff_is_10_and_inclusive(files: dict[str, Path]) -> None:
    code, _, out = _invoke(files)
    assert code == 0
    score = _read(out)
    assert score.to_dict() == pytest.approx({"001": 10 / 150, "002": 10 / 150, "003": 0.0})


def test_enhanced_with_weights(files: dict[str, Path]) -> None:
    code, _, out = _invoke(files, "--method", "e2sfca", "--weights", "5:1,10:0.68,15:0.22")
    assert code == 0
    r_x = 10 / (100 + 50 * 0.68)
    r_y = 5 / (50 * 0.22)
    assert _read(out).to_dict() == pytest.approx(
        {"001": r_x, "002": 0.68 * r_x + 0.22 * r_y, "003": 0.0}
    )


def test_enhanced_default_and_gravity_match_library(files: dict[str, Path]) -> None:
    demand = pd.read_csv(files["demand"], dtype={"id": str})
    supply = pd.read_csv(files["supply"], dtype={"id": str})
    cost = pd.read_csv(files["cost"], dtype={"origin_id": str, "destination_id": str})
    code, _, out = _invoke(files, "--method", "e2sfca", "--max-minutes", "30")
    assert code == 0
    expected = floating_catchment(
        demand, supply, cost, method="e2sfca", weights=StepWeights.luo_qi(30)
    )
    assert _read(out).to_dict() == pytest.approx(expected.to_dict())
    code, _, out = _invoke(files, "--method", "gravity", "--decay-power", "2")
    assert code == 0
    expected = floating_catchment(demand, supply, cost, method="gravity", decay_power=2)
    assert _read(out).to_dict() == pytest.approx(expected.to_dict())


def _rewrite(path: Path, **changes: list[object]) -> None:
    frame = pd.read_csv(path, dtype=str)
    for column, values in changes.items():
        frame[column] = values
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("target", "changes", "message"),
    [
        ("cost", {"origin_id": ["001", "009", "002", "003"]}, "not in"),
        ("cost", {"destination_id": ["X", "X", "Q", "Y"]}, "not in"),
        ("demand", {"demand": [100, -5, 10]}, "negative"),
        ("supply", {"id": ["X", "X"]}, "repeated"),
        ("cost", {"minutes": [5, "soon", 12, 20]}, "not a number"),  # blank = unreachable
    ],
)
def test_bad_input_exit_2(
    files: dict[str, Path], target: str, changes: dict[str, list[object]], message: str
) -> None:
    _rewrite(files[target], **changes)
    code, output, out = _invoke(files)
    assert code == 2
    assert message in output
    assert files[target].name in output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "3sfca"], "3sfca"),
        (["--method", "e2sfca", "--weights", "10:1,5:0.5"], "strictly increasing"),
        (["--method", "e2sfca", "--weights", "ten:1"], "MINUTES:WEIGHT"),
    ],
)
def test_bad_options_exit_2(files: dict[str, Path], args: list[str], message: str) -> None:
    code, output, out = _invoke(files, *args)
    assert code == 2
    assert message in output
    assert not out.exists()


def test_missing_column_exit_2(files: dict[str, Path]) -> None:
    pd.DataFrame({"id": ["X"], "cap": [1]}).to_csv(files["supply"], index=False)
    code, output, _ = _invoke(files)
    assert code == 2
    assert "'capacity'" in output
