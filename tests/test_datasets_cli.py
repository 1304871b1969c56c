"""Tests of the ``jamlik sample-town`` command (on a local Typer app)."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.sample_town import register


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps Typer in multi-command mode
        """Do nothing."""

    return app


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAMLIK_LANG", "en")


def test_sample_town_writes_a_pack(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["sample-town", str(tmp_path / "town"), "--nodes", "800", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    pack = tmp_path / "town" / "pack.toml"
    config = tomllib.loads(pack.read_text(encoding="utf-8"))
    assert (pack.parent / config["osm"]["path"]).is_file()
    assert "1499" in result.output and "inhabitants" in result.output


def test_bad_size_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["sample-town", str(tmp_path), "--nodes", "5"])
    assert result.exit_code == 2
    assert "n_nodes" in result.output
    assert not (tmp_path / "pack.toml").exists()
