"""Every command that reads a data pack, on a copy of the sample-town pack with one file damaged.

``pack check`` gets every damage; each other pack command gets the damages its reading path
differs on (statistics, areas, OSM, GTFS, pack.toml, a missing or wrong pack path). Scenario
and target files are damaged for the commands that read them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input._corpus import (
    SWEDISH,
    Case,
    assert_case,
    flipped,
    garbage,
    read_rows,
    truncated,
    write,
)
from bad_input._tables import MUTATIONS, Table
from bad_input.conftest import TOWN_DATE, Inputs

STATS = "statistics.csv"


def _stats_table(inputs: Inputs) -> Table:
    return Table(
        read_rows(inputs.town / STATS),
        id="area_id",
        number="pop_total",
        swap=("born_abroad", "pop_total"),
        row=6,
    )


def _copy(inputs: Inputs, tmp: Path) -> Path:
    return Path(shutil.copytree(inputs.town, tmp / "pack"))


def _stats(mutation: str) -> Callable[[Inputs, Path], tuple[Path, tuple[str, ...]]]:
    def damage(inputs: Inputs, pack: Path) -> tuple[Path, tuple[str, ...]]:
        damaged = MUTATIONS[mutation](_stats_table(inputs), pack, STATS)
        names = tuple(n for n in damaged.names if n != "cut off")
        if mutation == "duplicated":  # a repeated (area, year) pair: both lines named
            names = ("area_id", f"lines {damaged.names[1]}")
        return damaged.path, (STATS, *names)

    return damage


def _bytes(name: str, edit: Callable[[bytes], bytes]) -> Callable[..., tuple[Path, tuple[str]]]:
    def damage(inputs: Inputs, pack: Path) -> tuple[Path, tuple[str]]:
        return write(pack, name, edit((pack / name).read_bytes())), (name,)

    return damage


def _toml(edit: Callable[[str], str], *names: str, encoding: str = "utf-8") -> Callable:
    def damage(inputs: Inputs, pack: Path) -> tuple[Path, tuple[str, ...]]:
        text = edit((pack / "pack.toml").read_text(encoding="utf-8"))
        return write(pack, "pack.toml", text, encoding=encoding), ("pack.toml", *names)

    return damage


def _cut_toml(text: str) -> str:
    return text[: text.index("[osm]") + 3]


STATS_DAMAGE = ["empty", "header_only", "truncated", "flipped", "utf16", "garbage", "renamed",
                "dropped", "swapped", "duplicated", "negative", "huge", "nan", "text"]  # fmt: skip

#: damage -> how (on the pack copy) -> (damaged path, texts the message names)
PACK_DAMAGE: dict[str, Callable[[Inputs, Path], tuple[Path, tuple[str, ...]]]] = {
    **{f"stats_{m}": _stats(m) for m in STATS_DAMAGE},
    "areas_empty": _bytes("areas.gpkg", lambda b: b""),
    "areas_truncated": _bytes("areas.gpkg", lambda b: truncated(b, 0.5)),
    "areas_garbage": _bytes("areas.gpkg", lambda b: garbage()),
    "osm_empty": _bytes("town.osm.pbf", lambda b: b""),
    "osm_truncated": _bytes("town.osm.pbf", lambda b: truncated(b, 0.5)),
    "osm_flipped": _bytes("town.osm.pbf", lambda b: flipped(b, n=256)),
    "osm_garbage": _bytes("town.osm.pbf", lambda b: garbage()),
    "gtfs_truncated": _bytes("town_gtfs.zip", lambda b: truncated(b, 0.5)),
    "gtfs_garbage": _bytes("town_gtfs.zip", lambda b: garbage()),
    "toml_empty": _toml(lambda s: ""),
    "toml_garbage": lambda i, p: (write(p, "pack.toml", garbage()), ("pack.toml",)),
    "toml_truncated": _toml(_cut_toml, "not valid TOML", "end of document"),
    "toml_latin1": _toml(lambda s: s, encoding="latin-1"),
    "toml_utf16": _toml(lambda s: s, encoding="utf-16"),
    "toml_typo": _toml(
        lambda s: s.replace('path = "statistics.csv"', 'pth = "statistics.csv"'), "pth"
    ),  # fmt: skip
    "toml_crs": _toml(lambda s: s.replace('"EPSG:3006"', '"EPSG:99999"'), "EPSG:99999"),
    "toml_missing_file": lambda i, p: (
        write(p, "pack.toml", (p / "pack.toml").read_text("utf-8").replace(STATS, "stat.csv")),
        ("stat.csv", "file not found"),
    ),
}


def _pack_argv(command: str, pack: Path, tmp: Path, extra: Path | None = None) -> list[str]:
    """The command line of ``command`` on ``pack``; ``extra`` is its second input, if any."""
    out = tmp / "out"
    return {
        "pack check": ["pack", "check", str(pack)],
        "pack info": ["pack", "info", str(pack)],
        "access": ["access", str(pack), "--profiles", "adult", "--out", str(tmp / "a.gpkg")],
        "departures": ["departures", str(pack), "--date", TOWN_DATE, "--out", str(tmp / "d.csv")],
        "sdg-11-2-1": ["sdg-11-2-1", str(pack), "--date", TOWN_DATE, "--out", str(out)],
        "vulnerability": ["vulnerability", str(pack), "--permutations", "99", "--out", str(out)],
        "cohesion": ["cohesion", str(pack), "--out", str(out)],
        "targets": ["targets", str(pack), str(extra), "--no-chart", "--out", str(out)],
        "scenario check": ["scenario", "check", str(pack), str(extra)],
        "scenario run": [
            "scenario",
            "run",
            str(pack),
            str(extra),
            "--profiles",
            "adult",
            "--out",
            str(tmp / "s.gpkg"),
        ],  # fmt: skip
        "scenario compare": [
            "scenario",
            "compare",
            str(pack),
            str(extra),
            "--profiles",
            "adult",
            "--out",
            str(out),
        ],  # fmt: skip
        "report": ["report", str(pack), "--out", str(out)],
        "serve": ["serve", "--pack", str(pack), "--db", f"sqlite:///{tmp / 'web.db'}"],
    }[command]


TARGETS = """[[target]]
name = "halve_low_income"
indicator = "low_income"
baseline_year = 2020
deadline_year = 2030
areas = ["1499A0040"]
relative_change = -0.5
"""


def _second_input(inputs: Inputs, command: str, tmp: Path) -> Path | None:
    if command == "targets":
        return write(tmp, "targets.toml", TARGETS)
    if command.startswith("scenario"):
        return inputs.plan
    return None


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` must refuse before it starts: reaching uvicorn is an exit 0 (a silent accept)."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)


@pytest.mark.parametrize("damage", list(PACK_DAMAGE))
def test_pack_check(inputs: Inputs, tmp_path: Path, damage: str) -> None:
    pack = _copy(inputs, tmp_path)
    _, names = PACK_DAMAGE[damage](inputs, pack)
    assert_case(Case(f"pack-check-{damage}", _pack_argv("pack check", pack, tmp_path), names))


PACK_COMMANDS = ["pack info", "access", "departures", "sdg-11-2-1", "vulnerability", "cohesion",
                 "targets", "scenario check", "scenario run", "scenario compare", "report",
                 "serve"]  # fmt: skip
#: Per command, the damages along its own reading path: every command reads pack.toml, the
#: areas and the statistics; the OSM extract or the GTFS feed where it routes or counts.
COMMAND_DAMAGE = ["stats_truncated", "stats_utf16", "areas_garbage", "toml_garbage",
                  "toml_typo"]  # fmt: skip
OSM_COMMANDS = {"access", "sdg-11-2-1", "cohesion", "scenario run", "scenario compare", "report"}
GTFS_COMMANDS = {"departures", "sdg-11-2-1"}


def _command_cases() -> list[tuple[str, str]]:
    cases = [(c, d) for c in PACK_COMMANDS for d in COMMAND_DAMAGE]
    cases += [(c, "osm_truncated") for c in sorted(OSM_COMMANDS)]
    cases += [(c, "gtfs_garbage") for c in sorted(GTFS_COMMANDS)]
    return cases


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize(("command", "damage"), _command_cases())
def test_pack_commands(inputs: Inputs, tmp_path: Path, command: str, damage: str) -> None:
    pack = _copy(inputs, tmp_path)
    _, names = PACK_DAMAGE[damage](inputs, pack)
    argv = _pack_argv(command, pack, tmp_path, _second_input(inputs, command, tmp_path))
    assert_case(Case(f"{command}-{damage}", argv, names))


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize("command", ["pack check", *PACK_COMMANDS])
def test_pack_path_wrong(inputs: Inputs, tmp_path: Path, command: str) -> None:
    extra = _second_input(inputs, command, tmp_path)
    empty = tmp_path / "empty_pack"
    empty.mkdir()
    csv_file = shutil.copy(inputs.town / STATS, tmp_path / "not_a_pack.csv")
    for given in (tmp_path / "absent_pack", empty, Path(csv_file)):
        argv = _pack_argv(command, given, tmp_path, extra)
        assert_case(Case(f"{command}-{given.name}", argv, (given.name,)))


# --- scenario and target files ---------------------------------------------------------------


def _scenario_text(inputs: Inputs) -> str:
    return inputs.plan.read_text(encoding="utf-8")


#: damage -> (edit of the scenario text or bytes, texts the message names besides the file)
SCENARIO_DAMAGE: dict[str, tuple[Callable[[str], str | bytes], tuple[str, ...]]] = {
    "empty": (lambda s: "", ()),
    "garbage": (lambda s: garbage(), ()),
    "truncated": (lambda s: s[: s.index("dwellings = 300") + 5], ("not valid TOML",)),
    "latin1": (lambda s: s.encode("latin-1"), ()),
    "utf16": (lambda s: s.encode("utf-16"), ()),
    "unknown_key": (lambda s: s.replace("dwellings = 300", "dwelings = 300"), ("dwelings",)),
    "negative_homes": (lambda s: s.replace("dwellings = 300", "dwellings = -300"), ("dwellings",)),
    "huge_homes": (lambda s: s.replace("dwellings = 300", "dwellings = 1e308"), ("dwellings",)),
    "nan_speed": (lambda s: s.replace("speed_kmh = 20", "speed_kmh = nan"), ("speed_kmh",)),
    "text_point": (lambda s: s.replace("point = [319537.1", 'point = ["east"'), ("point",)),
    "degrees_as_metres": (
        lambda s: s.replace("point = [319537.1, 6417211.9]", "point = [11.95, 57.87]"),
        ("services",),
    ),
    "far_outside": (
        lambda s: s.replace("point = [319537.1, 6417211.9]", "point = [674000.0, 6580000.0]"),
        ("services",),
    ),
}


@pytest.mark.parametrize("damage", list(SCENARIO_DAMAGE))
@pytest.mark.parametrize("command", ["scenario check", "scenario run"])
def test_scenario_file(inputs: Inputs, tmp_path: Path, command: str, damage: str) -> None:
    edit, names = SCENARIO_DAMAGE[damage]
    plan = write(tmp_path, "plan.toml", edit(_scenario_text(inputs)))
    argv = _pack_argv(command, inputs.town, tmp_path, plan)
    assert_case(Case(f"{command}-{damage}", argv, ("plan.toml", *names)))


TARGET_DAMAGE: dict[str, tuple[Callable[[str], str | bytes], tuple[str, ...]]] = {
    "empty": (lambda s: "", ()),
    "garbage": (lambda s: garbage(), ()),
    "truncated": (lambda s: s[: s.index("deadline_year") + 4], ("not valid TOML",)),
    "utf16": (lambda s: s.encode("utf-16"), ()),
    "latin1": (lambda s: f"# {SWEDISH}\n{s}".encode("latin-1"), ()),
    "unknown_area": (lambda s: s.replace('["1499A0040"]', '["9999X"]'), ("9999X",)),
    "absurd_year": (lambda s: s.replace("2030", "1e308"), ("deadline_year",)),
}


@pytest.mark.parametrize("damage", list(TARGET_DAMAGE))
def test_targets_file(inputs: Inputs, tmp_path: Path, damage: str) -> None:
    edit, names = TARGET_DAMAGE[damage]
    targets = write(tmp_path, "targets.toml", edit(TARGETS))
    argv = _pack_argv("targets", inputs.town, tmp_path, targets)
    assert_case(Case(f"targets-{damage}", argv, ("targets.toml", *names)))
