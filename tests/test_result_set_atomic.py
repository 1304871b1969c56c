"""A run's output files appear together or not at all, even when the process is killed.

`jamlik access` writes a GeoPackage and CSV tables beside it. Killed with SIGKILL at many
moments of a second run, the folder must hold the first run's complete set or the second's,
never a mix; a rerun leaves no stray files; SIGTERM removes the temporary files at once.
A file still belongs to the first run when its inode is unchanged (a finished write renames a
new file into place, which gives the name a new inode). A kill inside the commit's renames (a few
microseconds) leaves the commit record, and finishing it gives the new set.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from jamlik.storage import write_result_set
from jamlik.storage.result_sets import recover_result_set

JAMLIK = [str(Path(sys.executable).with_name("jamlik"))]


def visible(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.iterdir() if not p.name.startswith(".")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failure_while_staging_keeps_the_previous_set(tmp_path: Path) -> None:
    target = tmp_path / "out.gpkg"
    first = pd.DataFrame({"a": [1, 2]})
    write_result_set({"t": first}, target, csv_tables={"summary": first})
    before = {name: digest(p) for name, p in visible(tmp_path).items()}

    class Boom(pd.DataFrame):
        def to_csv(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_result_set({"t": first}, target, csv_tables={"summary": Boom({"a": [3]})})
    assert {name: digest(p) for name, p in visible(tmp_path).items()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_commit_interrupted_between_renames_is_finished_by_the_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.gpkg"
    old = pd.DataFrame({"a": [1]})
    write_result_set({"t": old}, target, csv_tables={"x": old, "y": old})
    new = pd.DataFrame({"a": [2]})
    real_replace = os.replace
    calls: list[str] = []

    def dies_after_one(src: str, dst: str) -> None:
        calls.append(str(dst))
        # Three staged files, the commit record, the GeoPackage and one CSV; then the kill.
        if len(calls) > 6:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        write_result_set({"t": new}, target, csv_tables={"x": new, "y": new})
    monkeypatch.setattr(os, "replace", real_replace)
    recover_result_set(target)
    for name in ("out_x.csv", "out_y.csv"):
        assert pd.read_csv(tmp_path / name)["a"].tolist() == [2]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_kill_9_during_access_never_leaves_a_mix(tmp_path: Path) -> None:
    subprocess.run(
        [*JAMLIK, "sample-town", str(tmp_path / "town")], check=True, capture_output=True
    )
    first = [*JAMLIK, "access", str(tmp_path / "town"), "--out"]
    second = [*first[:-1], "--cutoffs", "10,20", "--out"]
    out = tmp_path / "out" / "access.gpkg"
    subprocess.run([*first, str(out)], check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [*second, str(tmp_path / "ref" / "access.gpkg")], check=True, capture_output=True
    )
    duration = time.perf_counter() - started
    reference = {n: digest(p) for n, p in visible(tmp_path / "ref").items() if n.endswith(".csv")}
    old_inodes = {name: p.stat().st_ino for name, p in visible(out.parent).items()}
    outcomes = []
    for fraction in (0.6, 0.9, 0.97, 1.05):
        process = subprocess.Popen(
            [*second, str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if (out.parent / ".access.gpkg.commit.json").exists():
            # Killed inside the renames after the commit (microseconds): the set counts as
            # written, and the next writer (or a reader calling recover) finishes it first.
            recover_result_set(out)
            outcomes.append("committed")
        files = visible(out.parent)
        assert set(files) == set(old_inodes)
        kept = {name for name, p in files.items() if p.stat().st_ino == old_inodes[name]}
        if kept == set(files):
            outcomes.append("previous")
            continue
        assert kept == set(), f"a mix of two runs after SIGKILL at {fraction:.0%}: kept {kept}"
        assert {n: digest(p) for n, p in files.items() if n.endswith(".csv")} == reference
        outcomes.append("new")
        # The new set is complete: the next round must again tell old from new.
        old_inodes = {name: p.stat().st_ino for name, p in files.items()}
    subprocess.run([*second, str(out)], check=True, capture_output=True)
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
    assert {n: digest(p) for n, p in visible(out.parent).items() if n.endswith(".csv")} == reference
    assert "previous" in outcomes  # the kills did land while the second run was working


def test_sigterm_removes_temporary_files_at_once(tmp_path: Path) -> None:
    subprocess.run(
        [*JAMLIK, "sample-town", str(tmp_path / "town")], check=True, capture_output=True
    )
    out = tmp_path / "out" / "access.gpkg"
    process = subprocess.Popen(
        [*JAMLIK, "access", str(tmp_path / "town"), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the output is being staged, then ask the process to stop.
    deadline = time.monotonic() + 120
    while not (out.parent / ".access.gpkg.staging").exists() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    code = process.wait()
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    if code == 0:  # it finished before the signal arrived: then everything is in place
        assert leftovers == [] and (out.parent / "access_summary.csv").exists()
    else:
        assert code == 128 + signal.SIGTERM
        assert leftovers == []
        assert not out.exists()
