"""`jamlik pack check` and `jamlik pack info` through Typer's test runner."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.pack import register

PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("JAMLIK_LANG", "en")
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root."""

    register(app)
    return app


@pytest.mark.parametrize("name", ["gr", "kungalv", "tampere", "porto_alegre", "lund", "kuopio"])
def test_check_passes_on_real_packs(app: typer.Typer, name: str, shared_data: Path) -> None:
    result = CliRunner().invoke(app, ["pack", "check", str(PACKS / name)])
    assert result.exit_code == 0, result.output
    assert "no errors" in result.output


def test_check_lists_every_problem_and_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "stats.csv").write_text("id,year,pop\nA,2023,-3\nA,2023,4\n")
    (tmp_path / "pack.toml").write_text(
        '[pack]\nname = "bad"\ncrs = "EPSG:4326"\n[areas]\npath = "missing.gpkg"\nid = "id"\n'
    )
    result = CliRunner().invoke(app, ["pack", "check", str(tmp_path)])
    assert result.exit_code == 2
    assert "geographic" in result.output and "EPSG:3006" in result.output
    assert "missing.gpkg" in result.output and "not found" in result.output
    assert "2 errors" in result.output
    assert "Traceback" not in result.output


def test_check_malformed_toml(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text("[pack\nname = 1\n")
    result = CliRunner().invoke(app, ["pack", "check", str(tmp_path)])
    assert result.exit_code == 2 and "not valid TOML" in result.output


def test_info_prints_contents(app: typer.Typer, shared_data: Path) -> None:
    result = CliRunner().invoke(app, ["pack", "info", str(PACKS / "kungalv")])
    assert result.exit_code == 0, result.output
    assert "49,785" in result.output and "11 areas" in result.output
    assert "CC0 1.0" in result.output


def test_info_on_broken_pack_is_a_clean_error(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "pack.toml").write_text('[pack]\nname = "x"\ncrs = "EPSG:3006"\ncolour = 1\n')
    result = CliRunner().invoke(app, ["pack", "info", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown key 'colour'" in result.output or "colour" in result.output
