"""The second inputs of commands (settings, polygons, reference packs, rules, plans) damaged.

Each file is given to the option that reads it: an empty, binary or cut-off file, a folder,
or a missing path must be refused naming the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input._corpus import Case, assert_case, garbage, truncated, write
from bad_input.conftest import TOWN_DATE, Inputs

#: option -> (file name, command line with {file}, {town}, … and {tmp})
SIDE_INPUTS: dict[str, tuple[str, list[str]]] = {
    "vulnerability --config": ("settings.toml", ["vulnerability", "{town}", "--config", "{file}",
                                                 "--out", "{tmp}/v"]),
    "vulnerability --classes": ("classes.gpkg", ["vulnerability", "{town}", "--classes",
                                                 "{file}", "--out", "{tmp}/v"]),
    "vulnerability --reference": ("reference", ["vulnerability", "{town}", "--reference",
                                                "{file}", "--out", "{tmp}/v"]),
    "segregation --areas": ("areas.gpkg", ["segregation", "--input", "{stats}", "--id",
                                           "regsokod", "--group", "born_abroad", "--total",
                                           "pop_total", "--year", "2023", "--areas", "{file}",
                                           "--out", "{tmp}/s.json"]),
    "travel-times --scenario": ("plan.toml", ["travel-times", "--osm", "{town}/town.osm.pbf",
                                              "--origins", "{points}", "--destinations",
                                              "{points}", "--scenario", "{file}", "--out",
                                              "{tmp}/tt.csv"]),
    "transit-times --osm": ("streets.osm.pbf", ["transit-times", "--gtfs",
                                                "{town}/town_gtfs.zip", "--date", TOWN_DATE,
                                                "--depart", "07:00", "--origins", "{points}",
                                                "--destinations", "{points}", "--osm", "{file}",
                                                "--out", "{tmp}/tr.csv"]),
    "access --scenario": ("plan.toml", ["access", "{town}", "--profiles", "adult",
                                        "--scenario", "{file}", "--out", "{tmp}/a.gpkg"]),
    "scenario compare --ska-rules": ("rules.toml", ["scenario", "compare", "{town}", "{plan}",
                                                    "--ska-rules", "{file}", "--out",
                                                    "{tmp}/sc"]),
    "report --scenario": ("plan.toml", ["report", "{town}", "--scenario", "{file}", "--out",
                                        "{tmp}/r"]),
}  # fmt: skip

DAMAGE: dict[str, Callable[[Path, str], Path]] = {
    "empty": lambda tmp, name: write(tmp, name, b""),
    "garbage": lambda tmp, name: write(tmp, name, garbage()),
    "cut": lambda tmp, name: write(tmp, name, truncated(b'[scenario]\nname = "x"\ncrs = "EP')),
    "folder": lambda tmp, name: _folder(tmp / name),
    "missing": lambda tmp, name: tmp / name,
}


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("option", list(SIDE_INPUTS))
def test_side_input(inputs: Inputs, tmp_path: Path, option: str, damage: str) -> None:
    name, template = SIDE_INPUTS[option]
    if name == "reference" and damage in ("empty", "garbage", "cut"):
        name = "reference.toml"  # a pack given as its pack.toml
    path = DAMAGE[damage](tmp_path, name)
    values = {"file": path, "town": inputs.town, "points": inputs.points, "tmp": tmp_path,
              "stats": inputs.gr_stats, "plan": inputs.plan}  # fmt: skip
    argv = [part.format(**values) for part in template]
    assert_case(Case(f"{option}-{damage}", argv, (name,)))
