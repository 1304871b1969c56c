"""A run's output files appear together or not at all, even when the process is killed.

A result of several files is one folder, staged under a hidden name and swapped into place
(``renameat2`` with ``RENAME_EXCHANGE``). ``jamlik access PACK --out DIR`` is killed with SIGKILL
at many moments of a second run (at every step of the swap through a test hook that exits as
``kill -9`` would, and at moments spread over the run): the folder must then hold the first
run's complete set or the second's, *without any recovery step*, never a mix. A file still
belongs to the first run when its inode is unchanged (the swap moves folders, never files); the
second run's set is recognised by its CSVs, byte for byte equal to a reference run's, and its
GeoPackage's layers. A rerun leaves no stray hidden files; SIGTERM removes the staging folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from jamlik.errors import OutputExistsError
from jamlik.storage import MANIFEST, check_replaceable, recover_result_folder, result_folder
from jamlik.storage.result_sets import _exchange

JAMLIK = [str(Path(sys.executable).with_name("jamlik"))]
EXIT_AT = "JAMLIK_TEST_RESULT_FOLDER_EXIT_AT"
FALLBACK = "JAMLIK_TEST_RESULT_FOLDER_FALLBACK"


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAMLIK_LANG", "en")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def write_set(target: Path, value: int, *, overwrite: bool = True) -> None:
    with result_folder(target, command="test", overwrite=overwrite) as folder:
        for name in ("a.csv", "b.csv"):
            pd.DataFrame({"v": [value]}).to_csv(folder.staging / name, index=False)


def values(target: Path) -> set[int]:
    return {int(pd.read_csv(target / name)["v"].iloc[0]) for name in ("a.csv", "b.csv")}


# --- the library: folder, manifest, refusals, fallback -------------------------------------


def test_a_result_folder_carries_its_manifest_and_replaces_only_with_overwrite(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out"
    write_set(target, 1, overwrite=False)
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["command"] == "test" and manifest["files"] == ["a.csv", "b.csv"]
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "a.csv", "b.csv"]
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_set(target, 2, overwrite=False)
    assert values(target) == {1}
    inode = (target / "a.csv").stat().st_ino
    write_set(target, 2)
    assert values(target) == {2} and (target / "a.csv").stat().st_ino != inode
    assert hidden(tmp_path) == []


def test_the_swap_is_one_rename_exchange_on_this_file_system(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("from a")
    (b / "x").write_text("from b")
    assert _exchange(a, b)  # Linux >= 3.15 on ext4/tmpfs: the fast, never-empty path
    assert (a / "x").read_text() == "from b" and (b / "x").read_text() == "from a"


def test_a_failure_while_staging_keeps_the_previous_set(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_set(target, 1)
    before = {p.name: digest(p) for p in target.iterdir()}
    with (
        pytest.raises(OSError, match="disk full"),
        result_folder(target, command="test", overwrite=True) as folder,
    ):
        (folder.staging / "a.csv").write_text("v\n9\n")
        raise OSError("disk full")
    assert {p.name: digest(p) for p in target.iterdir()} == before
    assert hidden(tmp_path) == []


def test_a_folder_jamlik_did_not_write_is_refused_and_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.docx").write_bytes(b"years of work")
    for overwrite in (False, True):
        with pytest.raises(OutputExistsError, match="did not write") as caught:
            write_set(foreign, 1, overwrite=overwrite)
        assert str(foreign) in str(caught.value)
    assert [p.name for p in foreign.iterdir()] == ["chapter1.docx"]
    assert (foreign / "chapter1.docx").read_bytes() == b"years of work"
    # A result with a file added beside its own: refused, the file kept.
    result = tmp_path / "result"
    write_set(result, 1)
    (result / "my_notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="my_notes.txt"):
        write_set(result, 2)
    assert values(result) == {1} and (result / "my_notes.txt").read_text() == "mine"
    # A file where the folder should be; an empty folder is fine.
    plain = tmp_path / "plain"
    plain.write_text("x")
    with pytest.raises(OutputExistsError, match="not a folder"):
        check_replaceable(plain, overwrite=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    write_set(empty, 3, overwrite=False)
    assert values(empty) == {3}
    assert hidden(tmp_path) == []


def test_the_working_folder_is_never_a_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)  # empty: it would pass as an empty folder, but it is where we stand
    for target in (Path("."), Path("sub/.."), tmp_path):
        with pytest.raises(OutputExistsError, match="current folder"):
            write_set(target, 1)
    assert list(here.iterdir()) == [] and hidden(tmp_path) == []


def test_a_record_of_a_running_swap_is_left_to_its_owner(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_set(target, 1)
    record = tmp_path / ".out.swap.json"
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        # Another process, still running, is between its renames: recovering would race it.
        record.write_text(json.dumps({"new": f".out.staging-{owner.pid}-ab", "old": ".x"}))
        recover_result_folder(target)
        assert record.exists() and values(target) == {1}
    finally:
        owner.kill()
        owner.wait()
    recover_result_folder(target)  # its owner is gone: the record is finished and removed
    assert not record.exists() and values(target) == {1}


def test_fallback_swap_without_rename_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FALLBACK, "1")
    target = tmp_path / "out"
    write_set(target, 1)
    write_set(target, 2)
    assert values(target) == {2} and hidden(tmp_path) == []


_CHILD = """
import sys
import pandas as pd
from jamlik.storage import result_folder
with result_folder(sys.argv[1], command="test", overwrite=True) as folder:
    for name in ("a.csv", "b.csv"):
        pd.DataFrame({"v": [int(sys.argv[2])]}).to_csv(folder.staging / name, index=False)
"""


def _child(target: Path, value: int, **env: str) -> int:
    """Write a set in a child process (which a hook may end as ``kill -9`` would)."""
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(target), str(value)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 70), run.stderr
    return run.returncode


def test_fallback_killed_between_its_renames_is_recovered_never_mixed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_set(target, 1)
    # Killed after the target went aside, before the new set came in: briefly no folder (never a
    # mix); the recovery record lets the next look put the new, complete set in place.
    assert _child(target, 2, **{FALLBACK: "1", EXIT_AT: "aside"}) == 70
    assert not target.exists()
    assert any(name.endswith(".swap.json") for name in hidden(tmp_path))
    recover_result_folder(target)
    assert values(target) == {2} and hidden(tmp_path) == []
    # The same kill, then the next write (which recovers first): the newest set, nothing stray.
    assert _child(target, 3, **{FALLBACK: "1", EXIT_AT: "aside"}) == 70
    write_set(target, 4)
    assert values(target) == {4} and hidden(tmp_path) == []


@pytest.mark.parametrize("fallback", ["0", "1"])
@pytest.mark.parametrize("step", ["staged", "manifest", "exchanged", "aside"])
def test_a_kill_at_each_step_leaves_one_whole_set(tmp_path: Path, step: str, fallback: str) -> None:
    if step == "exchanged" and fallback == "1" or step == "aside" and fallback == "0":
        return  # the step belongs to the other swap
    target = tmp_path / "out"
    write_set(target, 1)
    assert _child(target, 2, **{FALLBACK: fallback, EXIT_AT: step}) == 70
    if step == "aside":  # the one moment the fallback leaves no folder: recovered on next look
        recover_result_folder(target)
    seen = values(target)  # no recovery step on the exchange path
    assert seen in ({1}, {2}), f"a mix after a kill at {step}: {seen}"
    assert seen == ({1} if step in ("staged", "manifest") else {2})
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "a.csv", "b.csv"]
    write_set(target, 5)  # the rerun sweeps what the killed process left
    assert values(target) == {5} and hidden(tmp_path) == []


# --- the command: kill -9 during `jamlik access` -------------------------------------------

ACCESS = ["access", "--profiles", "adult", "--categories", "grocery,school"]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("town") / "town"
    subprocess.run(
        [*JAMLIK, "sample-town", str(folder), "--nodes", "2000"], check=True, capture_output=True
    )
    return folder


def _access(town: Path, out: Path, cutoffs: str, *extra: str) -> list[str]:
    return [*JAMLIK, *ACCESS[:1], str(town), *ACCESS[1:], "--cutoffs", cutoffs, "--out",
            str(out), *extra]  # fmt: skip


def _classify(out: Path, old_inodes: dict[str, int], reference: dict[str, str]) -> str:
    """``previous`` or ``new``: the whole visible set is one run's; fail on anything else."""
    files = {p.name: p for p in out.iterdir()}
    assert set(files) == set(old_inodes), sorted(files)
    kept = {name for name, p in files.items() if p.stat().st_ino == old_inodes[name]}
    if kept == set(files):
        return "previous"
    assert kept == set(), f"a mix of two runs: kept {sorted(kept)} of {sorted(files)}"
    assert {n: digest(p) for n, p in files.items() if n.endswith(".csv")} == reference
    layers = {name for name, _ in pyogrio.list_layers(out / "access.gpkg")}
    assert {"areas_adult", "summary", "sources"} <= layers
    summary = pyogrio.read_dataframe(out / "access.gpkg", layer="summary")
    assert len(summary) == len(pd.read_csv(out / "summary.csv"))
    return "new"


@pytest.mark.slow
def test_kill_9_during_access_never_leaves_a_mix(town: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "results"
    subprocess.run(_access(town, out, "10"), check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(_access(town, tmp_path / "ref", "10,20"), check=True, capture_output=True)
    duration = time.perf_counter() - started
    reference = {p.name: digest(p) for p in (tmp_path / "ref").glob("*.csv")}
    old_inodes = {p.name: p.stat().st_ino for p in out.iterdir()}
    second = _access(town, out, "10,20", "--overwrite")
    outcomes = []
    # Killed at each step of the swap (a hook exits as kill -9 would), then at moments spread
    # over the run. No recovery step is called before looking.
    plans = [("staged", None), ("manifest", None), ("exchanged", None)]
    plans += [(None, fraction) for fraction in (0.3, 0.6, 0.9, 0.97, 1.05)]
    for step, fraction in plans:
        env = {**os.environ, EXIT_AT: step} if step else None
        process = subprocess.Popen(
            second, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        if fraction is not None:
            time.sleep(duration * fraction)
            process.send_signal(signal.SIGKILL)
        code = process.wait()
        outcome = _classify(out, old_inodes, reference)
        if step is not None:
            assert code == 70
            assert outcome == ("new" if step == "exchanged" else "previous"), step
        outcomes.append(outcome)
        if outcome == "new":  # the next round must again tell old from new
            old_inodes = {p.name: p.stat().st_ino for p in out.iterdir()}
    subprocess.run(second, check=True, capture_output=True)
    assert hidden(out.parent) == []  # the rerun swept every staging folder the kills left
    assert _classify(out, old_inodes, reference) == "new"
    assert outcomes.count("previous") >= 3  # the kills did land while the run was working


def test_sigterm_removes_the_staging_folder_at_once(town: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "results"
    process = subprocess.Popen(
        _access(town, out, "10"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # Wait until the output is being staged, then ask the process to stop.
    deadline = time.monotonic() + 120
    while process.poll() is None and not (
        out.parent.is_dir() and list(out.parent.glob(".results.staging-*"))
    ):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    code = process.wait()
    if code == 0:  # it finished before the signal arrived: then everything is in place
        assert hidden(out.parent) == [] and (out / "summary.csv").exists()
    else:
        assert code == 128 + signal.SIGTERM
        assert hidden(out.parent) == []
        assert not out.exists()


def test_access_to_one_geopackage_holds_every_table(town: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.gpkg"
    subprocess.run(_access(town, out, "10"), check=True, capture_output=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.gpkg"]  # no CSV beside
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"areas_adult", "summary", "column_descriptions", "sources"} <= layers
    # The same tables as the folder's CSVs.
    folder = tmp_path / "folder"
    subprocess.run(_access(town, folder, "10"), check=True, capture_output=True)
    for name in ("summary", "sources"):
        from_file = pyogrio.read_dataframe(out, layer=name)
        from_csv = pd.read_csv(folder / f"{name}.csv", keep_default_na=False)
        assert list(from_file.columns) == list(from_csv.columns)
        assert len(from_file) == len(from_csv)
    again = subprocess.run(_access(town, out, "10"), capture_output=True, text=True)
    assert again.returncode == 2 and "--overwrite" in " ".join(again.stderr.split())


# --- the web app's job results: the same writer ---------------------------------------------

_JOB = """
import sys
from pathlib import Path
from jamlik.web.jobs import JobRunner

def work(folder, progress):
    for name in ("a.csv", "b.csv"):
        (folder / name).write_text("v\\n" + sys.argv[2] + "\\n")

runner = JobRunner(Path(sys.argv[1]))
runner.submit("k", work)
print(runner.wait("k").state)
runner.shutdown()
"""


@pytest.mark.parametrize("step", ["staged", "manifest"])
def test_a_web_job_killed_while_writing_leaves_no_result_and_a_rerun_no_stray_files(
    tmp_path: Path, step: str
) -> None:
    cache = tmp_path / "cache"
    killed = subprocess.run(
        [sys.executable, "-c", _JOB, str(cache), "1"],
        env={**os.environ, EXIT_AT: step}, capture_output=True, text=True,
    )  # fmt: skip
    assert killed.returncode == 70, killed.stderr
    assert [p.name for p in cache.iterdir() if not p.name.startswith(".")] == []  # no result
    done = subprocess.run(
        [sys.executable, "-c", _JOB, str(cache), "2"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "done"
    assert sorted(p.name for p in cache.iterdir()) == ["k"]  # the killed staging swept
    assert sorted(p.name for p in (cache / "k").iterdir()) == [
        ".complete", MANIFEST, "a.csv", "b.csv"
    ]  # fmt: skip
    assert values(cache / "k") == {2}


def test_kill_9_while_writing_one_geopackage_leaves_the_previous_file_and_a_rerun_no_stray(
    town: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results.gpkg"
    subprocess.run(_access(town, out, "10"), check=True, capture_output=True)
    before = digest(out)
    process = subprocess.Popen(
        _access(town, out, "10,20", "--overwrite"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while process.poll() is None and not list(tmp_path.glob(".results.gpkg.tmp-*")):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.returncode == -signal.SIGKILL and hidden(tmp_path):  # killed while writing
        assert digest(out) == before  # the previous file, whole
    subprocess.run(_access(town, out, "10,20", "--overwrite"), check=True, capture_output=True)
    assert hidden(tmp_path) == []  # the killed run's temporary file is swept
    assert "summary" in {name for name, _ in pyogrio.list_layers(out)}


def test_a_folder_inside_another_ones_staging_names_the_final_place(tmp_path: Path) -> None:
    outer_target = tmp_path / "demo"
    with result_folder(outer_target, command="demo", overwrite=False) as outer:
        with result_folder(outer.staging / "access", command="access", overwrite=False) as inner:
            staged = inner.staging / "summary.csv"
            staged.write_text("x\n", encoding="utf-8")
            assert inner.final(staged) == outer_target / "access" / "summary.csv"
        assert outer.final(outer.staging / "report.html") == outer_target / "report.html"
    assert (outer_target / "access" / "summary.csv").read_text(encoding="utf-8") == "x\n"
