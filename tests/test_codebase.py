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


STAGES = ("ingest", "networks", "routing", "indicators", "runs", "report", "storage", "cli")


def _imports(path: Path) -> list[str]:
    import ast

    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_no_package_imports_another_packages_private_module() -> None:
    """``jamlik.X._y`` is X's own business: other stages use X's public modules."""
    offenders = []
    for path in sorted((ROOT / "src" / "jamlik").rglob("*.py")):
        stage = path.relative_to(ROOT / "src" / "jamlik").parts[0]
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "jamlik" or len(parts) < 3 or parts[1] not in STAGES:
                continue
            private = [p for p in parts[2:] if p.startswith("_") and not p.startswith("__")]
            if private and parts[1] != stage:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, "\n".join(offenders)


def test_layout_reads_as_the_pipeline() -> None:
    packages = {p.name for p in (ROOT / "src" / "jamlik").iterdir() if (p / "__init__.py").exists()}
    assert set(STAGES) <= packages
    families = {"access", "segregation", "vulnerability"}
    assert families <= {p.name for p in (ROOT / "src" / "jamlik" / "indicators").iterdir()}
    for module in ("equity.py", "cohesion.py", "housing.py"):
        assert (ROOT / "src" / "jamlik" / "indicators" / module).exists()
