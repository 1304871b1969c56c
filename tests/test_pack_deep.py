"""`pack check` reads everything: damaged OSM blocks, GTFS rows, feeds listed twice, absurd counts.

The damaged files are made in tmp_path from the real Tampere extract and feed; each expected
row number is computed independently from the edited table (data rows counted from 1).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from jamlik.errors import Problem
from jamlik.ingest import check_pack, is_error, load_pack

PACK = """
[pack]
name = "deep"
title = "Deep"
crs = "EPSG:3067"

[osm]
path = "{osm}"
{feeds}
"""


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def write_pack(folder: Path, osm: Path, feeds: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    blocks = "".join(f'\n[[gtfs]]\npath = "{f}"\nname = "feed{i}"\n' for i, f in enumerate(feeds))
    (folder / "pack.toml").write_text(PACK.format(osm=osm, feeds=blocks), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tampere(shared_data: Path) -> tuple[Path, Path]:
    folder = shared_data / "osm_gtfs_tampere"
    return folder / "tampere.osm.pbf", folder / "tampere_gtfs.zip"


def edited_feed(source: Path, target: Path, edits: dict[str, pd.DataFrame]) -> Path:
    """Copy a GTFS zip, replacing the named tables."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            name = Path(item.filename).name
            if name in edits:
                buffer = io.StringIO()
                edits[name].to_csv(buffer, index=False)
                dst.writestr(item.filename, buffer.getvalue())
            else:
                dst.writestr(item, src.read(item))
    return target


def read_table(feed: Path, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(feed) as archive, archive.open(name) as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def by_code(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if f"[{code}]" in p.message]


def test_real_tampere_pack_is_clean_when_read_in_full(tmp_path: Path, tampere) -> None:
    osm, feed = tampere
    problems = check_pack(write_pack(tmp_path / "pack", osm, [feed]), deep=True)
    assert [str(p) for p in problems if is_error(p)] == []


def test_a_flipped_byte_inside_a_block_is_found_only_by_the_deep_check(
    tmp_path: Path, tampere
) -> None:
    osm, feed = tampere
    data = bytearray(osm.read_bytes())
    # Inside a compressed block body, far from any header: the framing stays intact.
    position = int(len(data) * 0.6)
    data[position : position + 8] = bytes(b ^ 0xFF for b in data[position : position + 8])
    damaged = tmp_path / "damaged.osm.pbf"
    damaged.write_bytes(bytes(data))
    pack = write_pack(tmp_path / "pack", damaged, [feed])
    assert not [p for p in check_pack(pack) if is_error(p)]  # the quick check cannot see it
    found = [p for p in check_pack(pack, deep=True) if is_error(p)]
    assert len(found) == 1
    assert found[0].file == str(damaged) and "damaged" in found[0].message


def test_gtfs_rows_are_named_with_validator_codes(tmp_path: Path, tampere) -> None:
    osm, feed = tampere
    stop_times = read_table(feed, "stop_times.txt")
    stops = read_table(feed, "stops.txt")
    trips = read_table(feed, "trips.txt")
    bad_time_row = 1234
    stop_times.loc[bad_time_row, "arrival_time"] = "25:61:00"
    # A trip whose third stop is reached before the second was left.
    trip = stop_times["trip_id"].iloc[5000]
    rows = stop_times.index[stop_times["trip_id"] == trip]
    order = pd.to_numeric(stop_times.loc[rows, "stop_sequence"]).sort_values().index
    early_row = order[2]
    stop_times.loc[early_row, "arrival_time"] = "00:00:01"
    stop_times.loc[early_row, "departure_time"] = "00:00:01"
    stop_times.loc[77, "trip_id"] = "no-such-trip"
    no_place, at_origin = 10, 20
    stops.loc[no_place, "stop_lat"] = ""
    stops.loc[at_origin, ["stop_lat", "stop_lon"]] = ["0.0", "0.0"]
    trips = pd.concat([trips, trips.iloc[[3]]], ignore_index=True)
    broken = edited_feed(
        feed,
        tmp_path / "broken.zip",
        {"stop_times.txt": stop_times, "stops.txt": stops, "trips.txt": trips},
    )
    problems = check_pack(write_pack(tmp_path / "pack", osm, [broken]), deep=True)

    (invalid,) = by_code(problems, "invalid_time")
    assert (invalid.row, invalid.column) == (bad_time_row + 2, "arrival_time")
    assert "25:61:00" in invalid.message and "stop_times.txt" in invalid.message
    (early,) = by_code(problems, "stop_time_with_arrival_before_previous_departure_time")
    assert early.row == early_row + 2
    (missing,) = by_code(problems, "missing_required_field")
    assert (missing.row, missing.column) == (no_place + 2, "stop_lat")
    (origin,) = by_code(problems, "point_near_origin")
    assert origin.row == at_origin + 2
    foreign = by_code(problems, "foreign_key_violation")
    assert [(p.row, p.column) for p in foreign] == [(79, "trip_id")]
    (duplicate,) = by_code(problems, "duplicate_key")
    assert (duplicate.row, duplicate.column) == (len(trips) + 1, "trip_id")
    assert all(is_error(p) for p in problems if p.file == str(broken))


def test_the_same_feed_listed_twice_is_an_error(tmp_path: Path, tampere) -> None:
    osm, feed = tampere
    again = tmp_path / "again.zip"
    again.write_bytes(feed.read_bytes())
    reexported = edited_feed(feed, tmp_path / "reexported.zip", {})
    pack = write_pack(tmp_path / "pack", osm, [feed, again, reexported])
    found = [p for p in check_pack(pack, deep=True) if is_error(p)]
    assert {p.file for p in found} == {str(again), str(reexported)}
    assert all(str(feed) in p.message for p in found)


def test_an_absurd_population_is_an_error_when_the_table_is_read(tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    folder = tmp_path / "absurd"
    folder.mkdir()
    gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
        crs="EPSG:3006",
    ).to_file(folder / "areas.gpkg", layer="areas")
    (folder / "stats.csv").write_text("code,pop\nA,120\nB,1e308\n", encoding="utf-8")
    (folder / "pack.toml").write_text(
        '[pack]\nname = "absurd"\ntitle = "A"\ncrs = "EPSG:3006"\n'
        '[areas]\npath = "areas.gpkg"\nlayer = "areas"\nid = "code"\n'
        '[[statistics]]\npath = "stats.csv"\narea_id = "code"\ntotal = "pop"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not a real count") as info:
        load_pack(folder)
    assert "line 3" in str(info.value) and "'pop'" in str(info.value)
