"""A bad option value is named as the user typed it, never as a raw pydantic dump."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

JAMLIK = str(Path(sys.executable).with_name("jamlik"))
TOWN_ARGS = ["--out", "never-written.gpkg"]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("town") / "town"
    subprocess.run([JAMLIK, "sample-town", str(folder)], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (["access", "--cutoffs", "0"], "--cutoffs 0", "positive"),
        (["access", "--k", "0"], "--k 0", "must be at least 1"),
        (["access", "--profiles", "martian"], "--profiles martian", "unknown travel profile"),
        (["access", "--threshold", "-1"], "--threshold -1", "must be greater than 0"),
        (["cohesion", "--minutes", "0"], "--minutes 0", "positive"),
        (["cohesion", "--vulnerable-top-k", "0"], "--vulnerable-top-k 0", "at least 1"),
    ],
)
def test_option_named_in_english(
    town: Path, tmp_path: Path, args: list[str], option: str, reason: str
) -> None:
    command, *rest = args
    result = subprocess.run(
        [JAMLIK, "--lang", "en", command, str(town), *rest, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 2, output
    assert f"error: {option}: " in output and reason in output
    for raw in ("validation error", "type=", "pydantic", "Traceback", "input_value"):
        assert raw not in output


def test_bounds_are_worded_in_swedish(town: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [JAMLIK, "access", str(town), "--k", "0", "--out", str(tmp_path / "o.gpkg")],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "", "JAMLIK_LANG": "sv"},
    )
    assert "--k 0: måste vara minst 1" in result.stdout + result.stderr
