"""``jamlik --help`` and ``jamlik version`` load no command: nothing heavy is imported."""

import subprocess
import sys

import pytest

HEAVY = ("numba", "geopandas", "pandas", "scipy", "matplotlib", "osmium", "pyogrio")

PROBE = """
import sys
from typer.testing import CliRunner
from jamlik.cli.main import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["version"], ["--lang", "en", "version"]])
def test_overview_imports_nothing_heavy(args: list[str]) -> None:
    code = PROBE.format(args=args, heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"{args} imported {proc.stdout.strip()}"


def test_help_lists_every_command_with_its_line() -> None:
    from typer.testing import CliRunner

    from jamlik.cli.main import COMMANDS, app

    result = CliRunner().invoke(app, ["--help"], env={"JAMLIK_LANG": "en"})
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
    assert "Walk, bike or transit accessibility" in result.output


def test_every_command_loads_and_has_help() -> None:
    from typer.testing import CliRunner

    from jamlik.cli.main import COMMANDS, app

    for name in COMMANDS:
        result = CliRunner().invoke(app, ["--lang", "en", name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage" in result.output
        result = CliRunner().invoke(app, ["--lang", "sv", name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Användning" in result.output
