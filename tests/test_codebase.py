"""The code-quality gates run as tests, so `make test` fails when they fail."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(tool: str, *args: str) -> None:
    exe = BIN / tool
    if not exe.exists():
        found = shutil.which(tool)
        assert found, f"{tool} is not installed in the test environment"
        exe = Path(found)
    proc = subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, f"{tool} failed:\n{proc.stdout}\n{proc.stderr}"


def test_ruff_lint() -> None:
    _run("ruff", "check", "src", "tests", "benchmarks")


def test_mypy() -> None:
    _run("mypy")


def test_import_layers() -> None:
    _run("lint-imports")


class _AnyValue(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "x"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_catalogue_complete(language: str) -> None:
    from jamlik.i18n import catalogue

    for key, texts in catalogue().items():
        assert texts[language].format_map(_AnyValue()).strip(), key


def test_top_level_entry_points_resolve() -> None:
    import jamlik

    for name in jamlik.__all__:
        assert callable(getattr(jamlik, name)) or name == "__version__"
