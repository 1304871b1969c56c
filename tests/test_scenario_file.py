"""Scenario files on their own: models, line-numbered errors, based_on chains."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from jamlik.errors import ConfigError, MissingFileError
from jamlik.ingest.scenario import entry_geometry, load_scenario, scenario_chain

GOOD = """\
[scenario]
name = "v1"
title = "Kvarter A"

[[homes]]
name = "Kvarter A"
point = [11.98, 57.87]
dwellings = 800
tenure = { rental = 0.5, tenant_owned = 0.3, owner_occupied = 0.2 }

[[services]]
name = "Ny skola"
category = "school"
point = [11.99, 57.86]

[[links]]
name = "Gångbro"
coordinates = [[11.95, 57.72], [11.955, 57.722]]
modes = ["walk", "bike"]

[[transit_lines]]
name = "Buss 99"
stops = [[11.95, 57.72], [11.96, 57.73], [11.97, 57.74]]
speed_kmh = 20
headways = [{ day_type = "weekday", hours = "6-9", minutes = 10 }]
"""


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_every_kind(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, "s.toml", GOOD))
    assert scenario.scenario.name == "v1"
    assert [h.dwellings for h in scenario.homes] == [800]
    assert scenario.links[0].modes == ["walk", "bike"]
    assert scenario.transit_lines[0].headways[0].window_s == (6 * 3600, 9 * 3600)
    assert not scenario.is_empty


def test_empty_scenario_is_empty(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, "e.toml", '[scenario]\nname = "tom"\n'))
    assert scenario.is_empty


def test_negative_dwellings_names_line_entry_and_key(tmp_path: Path) -> None:
    text = GOOD.replace("dwellings = 800", "dwellings = -5")
    with pytest.raises(ConfigError) as err:
        load_scenario(_write(tmp_path, "bad.toml", text))
    message = str(err.value)
    assert "bad.toml, line 5" in message
    assert "'Kvarter A'" in message and "dwellings" in message


def test_unknown_key_and_second_entry_line(tmp_path: Path) -> None:
    text = GOOD + '\n[[services]]\nname = "Park"\ncategory = "park"\npoint = [1, 2]\ncolour = 3\n'
    with pytest.raises(ConfigError) as err:
        load_scenario(_write(tmp_path, "bad.toml", text))
    line = 1 + GOOD.count("\n") + 1  # the second [[services]] header
    assert f"line {line}" in str(err.value)
    assert "[[services]] #2 'Park'" in str(err.value)
    assert "unknown key" in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("point = [11.99, 57.86]\n", "either point"),  # removed: no geometry
        ("speed_kmh = 20", "either run_times_min"),  # neither timing
        ('hours = "6-9"', "hours must be"),
        ("tenure = { rental = 0.5, tenant_owned = 0.3, owner_occupied = 0.2 }", "sum to 1"),
    ],
)
def test_invalid_entries(tmp_path: Path, change: str, expected: str) -> None:
    replacement = {
        'hours = "6-9"': 'hours = "9-6"',
        "tenure = { rental = 0.5, tenant_owned = 0.3, owner_occupied = 0.2 }": (
            "tenure = { rental = 0.5, tenant_owned = 0.3, owner_occupied = 0.3 }"
        ),
    }.get(change, "")
    with pytest.raises(ConfigError, match=expected):
        load_scenario(_write(tmp_path, "bad.toml", GOOD.replace(change, replacement)))


def test_missing_table_bad_toml_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \[scenario\] table"):
        load_scenario(_write(tmp_path, "a.toml", "[[homes]]\nname = 'x'\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(_write(tmp_path, "b.toml", "[scenario\n"))
    with pytest.raises(MissingFileError):
        load_scenario(tmp_path / "none.toml")


def test_chain_merges_parent_first_and_replaces_by_name(tmp_path: Path) -> None:
    _write(tmp_path, "v1.toml", GOOD)
    v2 = _write(
        tmp_path,
        "v2.toml",
        '[scenario]\nname = "v2"\nbased_on = "v1.toml"\n\n'
        '[[homes]]\nname = "Kvarter A"\npoint = [11.98, 57.87]\ndwellings = 600\n\n'
        '[[homes]]\nname = "Kvarter B"\npoint = [11.97, 57.87]\ndwellings = 100\n',
    )
    merged = load_scenario(v2)
    assert merged.scenario.name == "v2"
    assert [(h.name, h.dwellings) for h in merged.homes] == [("Kvarter A", 600), ("Kvarter B", 100)]
    assert len(merged.services) == 1 and len(merged.links) == 1
    assert [s.scenario.name for s in scenario_chain(v2)] == ["v1", "v2"]


def test_cycle_in_chain_is_named(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", '[scenario]\nname = "a"\nbased_on = "b.toml"\n')
    _write(tmp_path, "b.toml", '[scenario]\nname = "b"\nbased_on = "a.toml"\n')
    with pytest.raises(ConfigError, match="cycle") as err:
        load_scenario(tmp_path / "a.toml")
    assert "a.toml" in str(err.value) and "b.toml" in str(err.value)


def test_geometry_in_pack_crs_matches_pyproj(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, "s.toml", GOOD))
    link = entry_geometry(scenario, scenario.links[0], crs="EPSG:3006")
    assert isinstance(link, shapely.LineString)
    # 0.005° east and 0.002° north at 57.72° N: about 298 m and 223 m (hand calculation)
    assert 360 < link.length < 380
    home = entry_geometry(scenario, scenario.homes[0], crs="EPSG:3006")
    assert 6_400_000 < home.y < 6_430_000 and 310_000 < home.x < 330_000
