"""Bad output paths for every command that writes, refused before any computing.

The rules, one case each per command:

* a folder where a file is expected is refused ("is a folder");
* a file where a folder is expected is refused ("is a file");
* a file as a parent of the output is refused ("part of the path is a file");
* an output equal to one of the inputs is refused and the input kept ("would overwrite an input");
* an existing output is not silently replaced where the command has an explicit overwrite
  option (``fetch --overwrite``).

* a place nobody may write (a read-only file system: ``/proc``, where even root cannot make a
  file) is refused ("cannot write there"), also before any computing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bad_input._corpus import Case, assert_case, write
from bad_input.conftest import TOWN_DATE, Inputs

#: command -> its command line with ``{out}`` where the output goes
FILE_OUTPUTS = {
    "access": ["access", "{town}", "--profiles", "adult", "--out", "{out}"],
    "travel-times": ["travel-times", "--osm", "{town}/town.osm.pbf", "--origins", "{points}",
                     "--destinations", "{points}", "--out", "{out}"],
    "transit-times": ["transit-times", "--gtfs", "{town}/town_gtfs.zip", "--date", TOWN_DATE,
                      "--depart", "07:00", "--origins", "{points}", "--destinations",
                      "{points}", "--out", "{out}"],
    "departures": ["departures", "{town}", "--date", TOWN_DATE, "--out", "{out}"],
    "segregation": ["segregation", "--input", "{stats}", "--id", "regsokod", "--group",
                    "born_abroad", "--total", "pop_total", "--year", "2023", "--out", "{out}"],
    "equity": ["equity", "--input", "{stats}", "--value", "pop_total", "--year", "2023",
               "--out", "{out}"],
    "fca": ["fca", "--demand", "{demand}", "--supply", "{supply}", "--cost", "{cost}",
            "--out", "{out}"],
    "scenario run": ["scenario", "run", "{town}", "{plan}", "--out", "{out}"],
}  # fmt: skip
FOLDER_OUTPUTS = {
    "sdg-11-2-1": ["sdg-11-2-1", "{town}", "--date", TOWN_DATE, "--out", "{out}"],
    "vulnerability": ["vulnerability", "{town}", "--out", "{out}"],
    "targets": ["targets", "{town}", "{targets}", "--out", "{out}"],
    "cohesion": ["cohesion", "{town}", "--out", "{out}"],
    "scenario compare": ["scenario", "compare", "{town}", "{plan}", "--out", "{out}"],
    "report": ["report", "{town}", "--out", "{out}"],
    "demo": ["demo", "--nodes", "500", "--out", "{out}"],
    "sample-town": ["sample-town", "{out}", "--nodes", "500"],
    "fetch": ["fetch", "--kommun", "1482", "--no-gtfs", "--osm", "none", "--out", "{out}"],
}  # fmt: skip
#: The first input of each file-output command, which ``--out`` must never overwrite.
FIRST_INPUT = {
    "access": "{town}/areas.gpkg", "travel-times": "{points}", "transit-times": "{points}",
    "departures": "{town}/town_gtfs.zip", "segregation": "{stats}", "equity": "{stats}",
    "fca": "{cost}", "scenario run": "{plan}",
}  # fmt: skip


def _paths(inputs: Inputs, tmp: Path) -> dict[str, str]:
    """Private copies of every input in ``tmp``: an output that hits one harms no other case."""
    import shutil

    town = shutil.copytree(inputs.town, tmp / "town")
    copies = {name: shutil.copy(getattr(inputs, name), tmp / f"{name}.csv")
              for name in ("points", "demand", "supply", "cost")}  # fmt: skip
    stats = shutil.copy(inputs.gr_stats, tmp / "stats.csv")
    plan = shutil.copy(inputs.plan, tmp / "plan.toml")
    targets = write(tmp, "targets.toml", '[[target]]\nname = "t"\nindicator = "low_income"\n'
                    'baseline_year = 2020\ndeadline_year = 2030\nareas = ["1499A0040"]\n'
                    "relative_change = -0.5\n")  # fmt: skip
    paths = {"town": town, "stats": stats, "plan": plan, "targets": targets, **copies}
    return {key: str(value) for key, value in paths.items()}


def _argv(template: list[str], paths: dict[str, str], out: Path | str) -> list[str]:
    return [part.format(out=out, **paths) for part in template]


#: File-output commands whose ``--out`` without a suffix names a result folder (several files
#: swapped in whole): an existing folder is theirs to replace only if jamlik wrote it.
RESULT_FOLDERS = {"access", "segregation", "scenario run"}


@pytest.mark.parametrize("command", list(FILE_OUTPUTS))
def test_file_output_is_a_folder(inputs: Inputs, tmp_path: Path, command: str) -> None:
    folder = tmp_path / "result"
    folder.mkdir()
    argv = _argv(FILE_OUTPUTS[command], _paths(inputs, tmp_path), folder)
    if command not in RESULT_FOLDERS:
        assert_case(Case(f"{command}-out-folder", argv, ("result", "is a folder"), code=2))
        return
    own = write(folder, "notes.txt", "a planner's own notes")
    assert_case(Case(f"{command}-out-foreign-folder", argv, ("result", "jamlik did not write")))
    assert own.read_text(encoding="utf-8") == "a planner's own notes"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("command", list(FILE_OUTPUTS) + list(FOLDER_OUTPUTS))
def test_output_under_a_file(inputs: Inputs, tmp_path: Path, command: str) -> None:
    blocker = write(tmp_path, "blocker", "x")
    template = {**FILE_OUTPUTS, **FOLDER_OUTPUTS}[command]
    argv = _argv(template, _paths(inputs, tmp_path), blocker / "result")
    assert_case(Case(f"{command}-out-under-file", argv, ("blocker", "part of the path is a file")))


@pytest.mark.parametrize("command", list(FOLDER_OUTPUTS))
def test_folder_output_is_a_file(inputs: Inputs, tmp_path: Path, command: str) -> None:
    existing = write(tmp_path, "result.txt", "keep me")
    argv = _argv(FOLDER_OUTPUTS[command], _paths(inputs, tmp_path), existing)
    assert_case(Case(f"{command}-out-file", argv, ("result.txt", "is a file")))
    assert existing.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("command", list(FILE_OUTPUTS))
def test_output_equal_to_an_input(inputs: Inputs, tmp_path: Path, command: str) -> None:
    paths = _paths(inputs, tmp_path)
    target = Path(FIRST_INPUT[command].format(**paths))
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    argv = _argv(FILE_OUTPUTS[command], paths, target)
    assert_case(Case(f"{command}-out-input", argv, (target.name, "would overwrite an input")))
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_fetch_keeps_an_existing_pack_without_overwrite(inputs: Inputs, tmp_path: Path) -> None:
    pack = tmp_path / "kungalv"
    write(pack, "pack.toml", "[pack]\nname = 'mine'\n")
    argv = _argv(FOLDER_OUTPUTS["fetch"], _paths(inputs, tmp_path), pack)
    assert_case(Case("fetch-existing", argv, ("kungalv", "--overwrite")))
    assert (pack / "pack.toml").read_text(encoding="utf-8") == "[pack]\nname = 'mine'\n"


#: A folder where no one, root included, can make a file: the tests run as root, for whom a
#: ``chmod 555`` folder is still writable, so a read-only file system stands in for it.
READ_ONLY = Path("/proc")


@pytest.mark.skipif(not READ_ONLY.is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", list(FILE_OUTPUTS) + list(FOLDER_OUTPUTS))
def test_output_in_a_read_only_place(inputs: Inputs, tmp_path: Path, command: str) -> None:
    template = {**FILE_OUTPUTS, **FOLDER_OUTPUTS}[command]
    out = READ_ONLY / "jamlik-result" / ("r.csv" if command in FILE_OUTPUTS else "r")
    argv = _argv(template, _paths(inputs, tmp_path), out)
    assert_case(Case(f"{command}-out-read-only", argv, ("jamlik-result", "cannot write there")))
