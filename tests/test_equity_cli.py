"""`jamlik equity` through Typer's test runner: exact keys, values, and clean errors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.equity import register

from jamlik.indicators.equity import concentration_index, gini, palma

KEYS = [
    "gini",
    "theil_t",
    "theil_between",
    "theil_within",
    "palma",
    "concentration_index",
    "atkinson",
]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _invoke(args: list[str]) -> tuple[int, str]:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """Test group."""

    register(app)
    result = CliRunner(env={"COLUMNS": "2000"}).invoke(app, ["equity", *args])
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def test_keys_and_values(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    frame = pd.DataFrame(
        {
            "v": [1.0, 2.0, 3.0, 4.0, 10.0],
            "pop": [5, 1, 2, 2, 1],
            "kommun": ["0101", "0101", "0202", "0202", "0202"],
            "income": [9, 8, 7, 6, 5],
        }
    )
    frame.to_csv(csv, index=False)
    out = tmp_path / "r.json"
    code, _ = _invoke(["--input", str(csv), "--value", "v", "--out", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert list(data) == KEYS
    assert data["gini"] == pytest.approx(gini(frame["v"]))
    assert data["palma"] == pytest.approx(palma(frame["v"]))
    assert data["theil_between"] is None and data["concentration_index"] is None
    args = ["--input", str(csv), "--value", "v", "--weight", "pop", "--group", "kommun"]
    code, _ = _invoke(
        [*args, "--rank", "income", "--atkinson-e", "1", "--out", str(out), "--overwrite"]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert list(data) == KEYS
    assert data["gini"] == pytest.approx(gini(frame["v"], weights=frame["pop"]))
    assert data["theil_between"] + data["theil_within"] == pytest.approx(data["theil_t"])
    assert data["concentration_index"] == pytest.approx(
        concentration_index(frame["v"], rank=frame["income"], weights=frame["pop"])
    )


@pytest.mark.parametrize(
    ("frame", "args", "message"),
    [
        (pd.DataFrame({"v": [1.0, -2.0]}), [], "negative"),
        (pd.DataFrame({"v": [1.0]}), [], "at least 2"),
        (pd.DataFrame({"v": [1.0, 2.0]}), ["--weight", "pop"], "missing column(s) 'pop'"),
        (pd.DataFrame({"v": [1.0, None]}), [], "missing or non-numeric"),
        (
            pd.DataFrame({"v": [0.0, 2.0, 3.0, 4.0, 5.0]}),
            ["--atkinson-e", "2"],
            "needs every value > 0",
        ),
    ],
)
def test_bad_input_exit_2(
    tmp_path: Path, frame: pd.DataFrame, args: list[str], message: str
) -> None:
    csv = tmp_path / "t.csv"
    frame.to_csv(csv, index=False)
    out = tmp_path / "r.json"
    code, output = _invoke(["--input", str(csv), "--value", "v", *args, "--out", str(out)])
    assert code == 2
    assert message in output
    assert not out.exists()
