"""Tiny packs written in tmp_path, valid and deliberately broken: every problem is named."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from jamlik.errors import PackError, Problem, ProblemWarning
from jamlik.ingest import check_pack, is_error, load_pack

SQUARES = {"A1": (0, 0), "A2": (1000, 0), "A3": (0, 1000)}

STATS = """code,year,pop,foreign,income
A1,2022,100,10,250.5
A2,2022,50,5,300
A3,2022,0,0,
A1,2023,110,12,260
A2,2023,55,6,310
A3,2023,0,0,
"""

PACK = """
[pack]
name = "tiny"
title = "Tiny"
crs = "{crs}"

[areas]
path = "areas.gpkg"
layer = "areas"
id = "code"
name = "namn"

[[statistics]]
path = "stats.csv"
area_id = "code"
year = "year"
total = "pop"
groups = {{ foreign_born = "foreign" }}

[population]
year = {year}
"""


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def write_areas(
    folder: Path, *, ids: list[str] | None = None, crs: str | None = "EPSG:3006"
) -> None:
    ids = ids if ids is not None else list(SQUARES)
    corners = [SQUARES.get(i, (2000, 2000)) for i in ids]
    geoms = [
        shapely.box(x + 6.5e5, y + 6.4e6, x + 6.5e5 + 1000, y + 6.4e6 + 1000) for x, y in corners
    ]
    frame = gpd.GeoDataFrame(
        {"code": ids, "namn": [f"Area {i}" for i in ids]}, geometry=geoms, crs="EPSG:3006"
    )
    if crs is None:
        frame = frame.set_crs(None, allow_override=True)
    elif crs != "EPSG:3006":
        frame = frame.to_crs(crs)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        frame.to_file(folder / "areas.gpkg", layer="areas", driver="GPKG")


def make_pack(
    folder: Path,
    *,
    stats: str = STATS,
    toml: str | None = None,
    crs: str = "EPSG:3006",
    year: int = 2023,
    area_ids: list[str] | None = None,
    area_crs: str | None = "EPSG:3006",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_areas(folder, ids=area_ids, crs=area_crs)
    (folder / "stats.csv").write_text(stats, encoding="utf-8")
    text = toml if toml is not None else PACK.format(crs=crs, year=year)
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    return folder


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if is_error(p)]


def only_error(path: Path) -> Problem:
    """Load must fail with PackError; return its single error problem."""
    with pytest.raises(PackError) as info:
        load_pack(path)
    assert isinstance(info.value, ValueError)  # named errors also inherit the builtin
    found = errors(info.value.problems)
    assert len(found) == 1, [str(p) for p in found]
    assert found == errors(check_pack(path))
    return found[0]


def test_valid_tiny_pack_loads_with_hand_checked_tables(tmp_path: Path) -> None:
    pack = load_pack(make_pack(tmp_path / "tiny"))
    areas = pack.areas()
    assert list(areas.index) == ["A1", "A2", "A3"]
    assert areas.loc["A2", "name"] == "Area A2"
    assert areas.crs.to_epsg() == 3006
    stats = pack.statistics()
    assert list(stats.columns[:4]) == ["area_id", "year", "pop_total", "foreign_born"]
    assert "income" in stats.columns  # other numeric columns are kept
    assert len(stats) == 6
    row = stats.loc[(stats["area_id"] == "A1") & (stats["year"] == 2023)].iloc[0]
    assert (row["pop_total"], row["foreign_born"], row["income"]) == (110, 12, 260)
    assert pack.years == (2022, 2023)
    assert pack.groups == ("foreign_born",)
    pop = pack.population()
    assert pop.loc["A2", "pop_total"] == 55 and pop.loc["A3", "pop_total"] == 0
    assert pack.population(2022)["pop_total"].sum() == 150
    # A3 has nobody: a warning, not an error
    assert any(isinstance(w, ProblemWarning) and "A3" in w.message for w in pack.warnings)
    assert pack.cells() is None and pack.opportunity_layers() is None
    assert pack.osm_path is None and pack.gtfs_paths == []


def test_missing_file(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p")
    (folder / "stats.csv").unlink()
    problem = only_error(folder)
    assert problem.file == "stats.csv"
    assert "not found" in problem.message and "fix the path" in problem.message


def test_no_pack_toml(tmp_path: Path) -> None:
    problem = only_error(tmp_path)
    assert "no pack.toml" in problem.message


def test_duplicate_area_ids_name_ids_and_rows(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p", area_ids=["A1", "A2", "A1", "A3"])
    problem = only_error(folder)
    assert problem.file == "areas.gpkg" and problem.column == "code"
    assert "A1" in problem.message and "not unique" in problem.message
    assert (problem.row, problem.unit) == ("1, 3", "feature")


def test_negative_population(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p", stats=STATS.replace("A2,2023,55,6", "A2,2023,-55,6"))
    problem = only_error(folder)
    assert (problem.file, problem.row, problem.column) == ("stats.csv", 6, "pop")  # header = line 1
    assert "negative" in problem.message


def test_statistics_rows_for_unknown_areas(tmp_path: Path) -> None:
    stats = STATS + "B9,2023,10,1,100\nB8,2022,10,1,100\n"
    problem = only_error(make_pack(tmp_path / "p", stats=stats))
    assert problem.column == "code" and problem.row == "8, 9"
    assert "B9" in problem.message and "B8" in problem.message


def test_group_larger_than_total(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p", stats=STATS.replace("A1,2022,100,10", "A1,2022,100,101"))
    problem = only_error(folder)
    assert (problem.row, problem.column) == (2, "foreign")
    assert "larger than the total" in problem.message


def test_non_numeric_value(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p", stats=STATS.replace("A2,2022,50", "A2,2022,femtio"))
    problem = only_error(folder)
    assert (problem.row, problem.column) == (3, "pop")
    assert "femtio" in problem.message and "not a number" in problem.message


def test_requested_year_missing(tmp_path: Path) -> None:
    problem = only_error(make_pack(tmp_path / "p", year=2019))
    assert "2019" in problem.message and "[2022, 2023]" in problem.message


def test_geographic_pack_crs(tmp_path: Path) -> None:
    problem = only_error(make_pack(tmp_path / "p", crs="EPSG:4326"))
    assert problem.column == "pack.crs"
    assert "geographic" in problem.message and "EPSG:3006" in problem.message


def test_unknown_pack_crs(tmp_path: Path) -> None:
    problem = only_error(make_pack(tmp_path / "p", crs="EPSG:99999999"))
    assert "unknown CRS" in problem.message


def test_non_metric_projected_crs(tmp_path: Path) -> None:
    problem = only_error(make_pack(tmp_path / "p", crs="EPSG:2227"))  # California, US feet
    assert "not metres" in problem.message


def test_areas_in_other_crs_are_reprojected_with_a_note(tmp_path: Path) -> None:
    pack = load_pack(make_pack(tmp_path / "p", area_crs="EPSG:4326"))
    assert any("reprojected" in w.message for w in pack.warnings)
    bounds = pack.areas().total_bounds
    assert bounds == pytest.approx([6.5e5, 6.4e6, 6.52e5, 6.402e6], abs=0.01)


def test_areas_without_crs(tmp_path: Path) -> None:
    problem = only_error(make_pack(tmp_path / "p", area_crs=None))
    assert problem.file == "areas.gpkg" and "no CRS" in problem.message


def test_malformed_toml(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p", toml='[pack]\nname = "x\ncrs = 3006\n')
    problem = only_error(folder)
    assert "not valid TOML" in problem.message and "line" in problem.message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    toml = PACK.format(crs="EPSG:3006", year=2023).replace('total = "pop"', 'totl = "pop"')
    with pytest.raises(PackError) as info:
        load_pack(make_pack(tmp_path / "p", toml=toml))
    messages = [p.message for p in info.value.problems]
    assert any("unknown key 'statistics.0.totl'" in m and "'total'" in m for m in messages)


def test_unknown_layer_lists_layers(tmp_path: Path) -> None:
    toml = PACK.format(crs="EPSG:3006", year=2023).replace('layer = "areas"', 'layer = "omr"')
    problem = only_error(make_pack(tmp_path / "p", toml=toml))
    assert "unknown layer 'omr'" in problem.message and "areas" in problem.message


def test_missing_id_column_lists_columns(tmp_path: Path) -> None:
    toml = PACK.format(crs="EPSG:3006", year=2023).replace('\nid = "code"', '\nid = "kod"')
    problem = only_error(make_pack(tmp_path / "p", toml=toml))
    assert problem.column == "kod" and "code" in problem.message


def test_every_problem_is_collected_at_once(tmp_path: Path) -> None:
    stats = STATS.replace("A2,2022,50", "A2,2022,-50").replace("A1,2023,110,12", "A1,2023,110,x")
    stats += "ZZ,2023,1,0,0\n"
    folder = make_pack(tmp_path / "p", stats=stats, area_ids=["A1", "A2", "A2", "A3"])
    found = errors(check_pack(folder))
    kinds = {
        (
            "not unique" in p.message,
            "negative" in p.message,
            "not a number" in p.message,
            "ZZ" in p.message,
        )
        for p in found
    }
    assert len(found) == 4, [str(p) for p in found]
    assert len(kinds) == 4


def _write_gtfs(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)


GTFS_OK = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n1,A,http://a,Europe/Stockholm\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n1,S,57.7,11.9\n",
    "routes.txt": "route_id,route_type\nR,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR,S1,T1\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,1,1\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nS1,20240101,1\n",
}


@pytest.mark.parametrize(
    ("drop", "expected"),
    [("stop_times.txt", "stop_times.txt is missing"), ("calendar_dates.txt", "calendar.txt or")],
)
def test_gtfs_missing_required_file(tmp_path: Path, drop: str, expected: str) -> None:
    folder = make_pack(tmp_path / "p")
    members = {k: v for k, v in GTFS_OK.items() if k != drop}
    _write_gtfs(folder / "feed.zip", members)
    with (folder / "pack.toml").open("a") as handle:
        handle.write('\n[[gtfs]]\npath = "feed.zip"\n')
    problem = only_error(folder)
    assert problem.file == "feed.zip" and expected in problem.message


def test_gtfs_valid_and_missing_column(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p")
    _write_gtfs(folder / "feed.zip", GTFS_OK)
    with (folder / "pack.toml").open("a") as handle:
        handle.write('\n[[gtfs]]\npath = "feed.zip"\n')
    assert load_pack(folder).gtfs_paths == [folder.resolve() / "feed.zip"]
    broken = dict(GTFS_OK, **{"trips.txt": "route_id,trip_id\nR,T1\n"})
    _write_gtfs(folder / "feed.zip", broken)
    problem = only_error(folder)
    assert "trips.txt lacks the column(s) service_id" in problem.message


def test_truncated_osm_is_reported(tmp_path: Path, shared_data: Path) -> None:
    folder = make_pack(tmp_path / "p")
    source = shared_data / "osm_lund_station" / "lund_station.osm.pbf"
    with (folder / "pack.toml").open("a") as handle:
        handle.write('\n[osm]\npath = "town.osm.pbf"\n')
    shutil.copyfile(source, folder / "town.osm.pbf")  # a tmp copy, to damage it
    assert load_pack(folder).osm_path == folder.resolve() / "town.osm.pbf"
    data = source.read_bytes()
    (folder / "town.osm.pbf").write_bytes(data[: len(data) // 2])
    problem = only_error(folder)
    assert problem.file == "town.osm.pbf" and "truncated" in problem.message
    (folder / "town.osm.pbf").write_bytes(b"this is not OSM data at all" * 10)
    assert "OSM" in only_error(folder).message


def test_cells_and_opportunities(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p")
    cells = pd.DataFrame(
        {
            "cid": ["c1", "c2"],
            "lon": [11.9, 11.95],
            "lat": [57.7, 57.71],
            "pop": [10, 20],
            "kids": [1, ""],
            "schools": [0, 2],
        }
    )
    cells.to_csv(folder / "cells.csv", index=False)
    with (folder / "pack.toml").open("a") as handle:
        handle.write(
            '\n[[cells]]\npath = "cells.csv"\nid = "cid"\nx = "lon"\ny = "lat"\ncrs = "EPSG:4326"\n'
            'total = "pop"\ngroups = { children = "kids" }\n'
            '\n[[opportunities]]\npath = "cells.csv"\nx = "lon"\ny = "lat"\ncrs = "EPSG:4326"\n'
            'category = "school"\ncount = "schools"\n'
        )
    problem = only_error(folder)  # an empty group count is an error unless empty_as_zero
    assert (problem.row, problem.column) == (3, "kids") and "empty_as_zero" in problem.message
    text = (
        (folder / "pack.toml")
        .read_text()
        .replace(
            'groups = { children = "kids" }', 'groups = { children = "kids" }\nempty_as_zero = true'
        )
    )
    (folder / "pack.toml").write_text(text)
    pack = load_pack(folder)
    got = pack.cells()
    assert (
        got is not None and list(got["pop_total"]) == [10, 20] and list(got["children"]) == [1, 0]
    )
    # EPSG:4326 -> 3006 by pyproj directly, as an independent check of the projection
    x, y = pyproj.Transformer.from_crs(4326, 3006, always_xy=True).transform(11.9, 57.7)
    assert (got.loc[0, "x"], got.loc[0, "y"]) == pytest.approx((x, y))
    layers = pack.opportunity_layers()
    assert layers is not None and len(layers) == 1  # rows with count 0 are dropped
    assert layers.iloc[0]["category"] == "school" and layers.iloc[0]["count"] == 2
    assert np.isclose(layers.geometry.iloc[0].x, got.loc[1, "x"])


def test_statistics_as_parquet_load_like_csv(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p")
    pd.read_csv(StringIO(STATS), dtype={"code": str}).to_parquet(folder / "stats.parquet")
    text = (folder / "pack.toml").read_text().replace('"stats.csv"', '"stats.parquet"')
    (folder / "pack.toml").write_text(text)
    from_parquet = load_pack(folder).statistics()
    from_csv = load_pack(make_pack(tmp_path / "q")).statistics()
    pd.testing.assert_frame_equal(from_parquet, from_csv)


def test_population_for_a_year_without_statistics(tmp_path: Path) -> None:
    pack = load_pack(make_pack(tmp_path / "p"))
    with pytest.raises(ValueError, match="no statistics for 2030"):
        pack.population(2030)


def test_invalid_and_missing_geometries(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "p")
    areas = gpd.read_file(folder / "areas.gpkg")
    bowtie = shapely.Polygon([(6.5e5, 6.4e6), (6.51e5, 6.401e6), (6.51e5, 6.4e6), (6.5e5, 6.401e6)])
    areas.loc[1, "geometry"] = bowtie
    areas.to_file(folder / "areas.gpkg", layer="areas", driver="GPKG")
    pack = load_pack(folder)  # a self-intersecting polygon is repaired, with a warning
    assert any("make_valid" in w.message and w.row == 2 for w in pack.warnings)
    assert pack.areas().geometry.is_valid.all()
    areas.loc[2, "geometry"] = None
    areas.to_file(folder / "areas.gpkg", layer="areas", driver="GPKG")
    problem = only_error(folder)
    assert (problem.row, problem.column) == (3, "geometry") and "no geometry" in problem.message
