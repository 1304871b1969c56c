"""``jamlik serve`` as users start it, and the durability run of ``benchmarks/web_load.py``.

The short durability run: 20 submitters for 10 s, the server killed with SIGKILL once and
started again; every acknowledged contribution must be in the database, none twice.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
JAMLIK = Path(sys.executable).parent / "jamlik"


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_load", ROOT / "benchmarks" / "web_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["web_load"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def _serve(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JAMLIK), "serve", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
        env={**os.environ, "JAMLIK_LANG": "en", **(env or {})},
    )  # fmt: skip


def test_serve_refuses_default_secret_outside_local(tmp_path: Path) -> None:
    done = _serve(env={"JAMLIK_LOCAL": "false"}, cwd=tmp_path)
    assert done.returncode == 2
    assert "JAMLIK_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr


def test_serve_names_a_broken_pack_and_a_bad_database(tmp_path: Path) -> None:
    done = _serve("--pack", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert done.returncode == 2 and "nowhere" in done.stderr and "Traceback" not in done.stderr
    done = _serve("--db", "mysql://u@h/d", cwd=tmp_path)
    assert done.returncode == 2 and "mysql://u@h/d" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_nothing_acknowledged_is_lost_across_kill_9(
    backend: str, request: pytest.FixtureRequest
) -> None:
    web_load = _load_module()
    db = "sqlite" if backend == "sqlite" else request.getfixturevalue("pg_base_url")
    args = web_load.parse(
        ["--db", db, "--submitters", "20", "--readers", "2", "--seconds", "10",
         "--kills", "1", "--published", "10"]
    )  # fmt: skip
    result = web_load.run(args)
    print(result.report())
    assert result.restarts == 1
    assert result.failed_attempts > 0  # the kill was felt by the clients
    assert len(result.acked) > 20  # it really ran
    assert result.lost == 0
    assert result.duplicates == 0
    assert result.stored == len(result.acked) + result.unacknowledged
    assert result.other_status == {}
    assert result.map_ms
