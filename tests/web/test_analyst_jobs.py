"""The background worker: once per key, progress, errors kept, nothing half-written."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from jamlik.errors import DataError
from jamlik.web.jobs import JobRunner, Progress, cache_key


def test_a_key_runs_once_and_its_result_survives_a_restart(tmp_path: Path) -> None:
    runner = JobRunner(tmp_path)
    gate = threading.Event()
    calls: list[Path] = []

    def work(folder: Path, progress: Progress) -> None:
        calls.append(folder)
        progress("half", 1, 2)
        gate.wait(10)
        (folder / "out.txt").write_text("42")

    first = runner.submit("k", work)
    second = runner.submit("k", work)
    assert first is second
    assert runner.ready("k") is None  # not before the job ends
    gate.set()
    job = runner.wait("k")
    assert job.state == "done" and len(calls) == 1
    assert (job.label, job.done, job.total) == ("half", 1, 2)
    folder = runner.ready("k")
    assert folder is not None and (folder / "out.txt").read_text() == "42"
    runner.shutdown()
    again = JobRunner(tmp_path)  # a restarted server finds the result on disk
    assert again.ready("k") == folder
    assert again.submit("k", work).state == "done" and len(calls) == 1
    again.shutdown()


def test_a_failed_job_keeps_its_message_and_leaves_nothing(tmp_path: Path) -> None:
    runner = JobRunner(tmp_path)

    def bad(folder: Path, progress: Progress) -> None:
        (folder / "half.txt").write_text("half")
        raise DataError("pack.toml row 3: no such area 'X'")

    job = runner.wait(runner.submit("bad", bad).key)
    assert job.state == "failed" and job.error == "pack.toml row 3: no such area 'X'"
    assert not job.bug
    assert runner.ready("bad") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no partial folder left
    # A failed job stays failed until a retry is asked for.
    assert runner.submit("bad", bad) is job
    retried = runner.submit("bad", lambda folder, progress: None, retry=True)
    assert retried is not job and runner.wait("bad").state == "done"
    runner.shutdown()


def test_a_bug_is_reported_by_type(tmp_path: Path) -> None:
    runner = JobRunner(tmp_path)

    def buggy(folder: Path, progress: Progress) -> None:
        raise ZeroDivisionError("division by zero")

    job = runner.wait(runner.submit("bug", buggy).key)
    assert job.error == "ZeroDivisionError: division by zero" and job.bug
    assert runner.by_id(job.id) is job and runner.by_id("nope") is None
    runner.shutdown()


def test_cache_key_changes_with_files_and_options(tmp_path: Path) -> None:
    data = tmp_path / "a.csv"
    data.write_text("1")
    key = cache_key("access", [data], {"grid_m": 250})
    assert key == cache_key("access", [data], {"grid_m": 250})
    assert key != cache_key("access", [data], {"grid_m": 500})
    assert key != cache_key("compare", [data], {"grid_m": 250})
    data.write_text("12")
    assert key != cache_key("access", [data], {"grid_m": 250})
    with pytest.raises(FileNotFoundError):
        cache_key("access", [tmp_path / "missing.csv"], {})


def test_a_broken_pack_is_named_not_a_traceback(tmp_path: Path) -> None:
    import warnings

    from jamlik.web.app import create_app
    from jamlik.web.settings import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's test client warns about httpx
        from fastapi.testclient import TestClient

    pack = tmp_path / "broken" / "pack.toml"
    pack.parent.mkdir()
    pack.write_text('[pack]\nname = "Bad Name!"\ncrs = "EPSG:3006"\n', encoding="utf-8")
    app = create_app(
        Settings(pack=pack, cache_dir=tmp_path / "cache", db_url=f"sqlite:///{tmp_path / 'web.db'}")
    )
    with TestClient(app) as client:
        answer = client.get("/api/analyst/meta?lang=en")
        assert answer.status_code == 422
        assert answer.json()["detail"].startswith("The pack cannot be read:")
        assert "pack.toml" in answer.json()["detail"] and "name" in answer.json()["detail"]
        first = client.get("/api/analyst/access/meta?lang=en")  # the job meets the same error
        if first.status_code == 202:
            app.state.analyst.runner.wait(first.json()["key"])
            first = client.get("/api/analyst/access/meta?lang=en")
        assert first.status_code == 422 and "pack.toml" in first.json()["detail"]
    app.state.analyst.runner.shutdown()
