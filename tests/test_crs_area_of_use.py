"""Coordinates are checked against their CRS's area of use: degrees called metres, metres called
degrees, swapped axes, 0,0 and points far outside are errors (or a warning) naming the rows.

Oracles: hand cases (Göteborg's centre in SWEREF 99 TM and in degrees), the area of use's
bounds recomputed independently by projecting 400 points along each edge, and the real GR areas
(which must pass cleanly in every layer) turned into each mistake.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely

from jamlik.errors import PackError, ProblemWarning
from jamlik.ingest import load_pack
from jamlik.ingest.areas import read_areas, read_points
from jamlik.ingest.crs_checks import area_of_use_bounds, check_coordinates, check_geometries

SWEREF = pyproj.CRS("EPSG:3006")
WGS84 = pyproj.CRS("EPSG:4326")
# Göteborg's centre (Gustaf Adolfs torg): SWEREF 99 TM and lon/lat.
GBG_XY = (319_330.0, 6_399_830.0)
GBG_LONLAT = pyproj.Transformer.from_crs(SWEREF, WGS84, always_xy=True).transform(*GBG_XY)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def texts(problems: list) -> list[str]:
    return [str(p) for p in problems]


def test_the_area_of_use_bounds_equal_an_independent_edge_projection() -> None:
    west, south, east, north = SWEREF.area_of_use.bounds
    edge = np.linspace(0, 1, 400)
    lon = np.concatenate([west + (east - west) * edge, np.full(400, east),
                          east - (east - west) * edge, np.full(400, west)])  # fmt: skip
    lat = np.concatenate([np.full(400, south), south + (north - south) * edge,
                          np.full(400, north), north - (north - south) * edge])  # fmt: skip
    x, y = pyproj.Transformer.from_crs(WGS84, SWEREF, always_xy=True).transform(lon, lat)
    want = (min(x), min(y), max(x), max(y))
    got = area_of_use_bounds(SWEREF)
    assert got is not None
    # The margin: a tenth of each side plus 10 km.
    dx, dy = (want[2] - want[0]) * 0.1 + 10_000, (want[3] - want[1]) * 0.1 + 10_000
    expected = (want[0] - dx, want[1] - dy, want[2] + dx, want[3] + dy)
    np.testing.assert_allclose(got, expected, atol=200.0)  # 21 vs 400 points per edge


def test_hand_cases_in_sweref() -> None:
    lon, lat = GBG_LONLAT
    x = [GBG_XY[0], 0.0, lon, GBG_XY[1], GBG_XY[0] + 1000, np.nan]
    y = [GBG_XY[1], 0.0, lat, GBG_XY[0], GBG_XY[1] + 1000, 5.0]
    problems = check_coordinates(x, y, crs=SWEREF, label="places.csv", column="x")
    assert texts(problems) == [
        "places.csv, line 2, column 'x': point at 0,0 in SWEREF99 TM: a missing coordinate "
        "written as zero? Give the real position or remove the row",
        "places.csv, line 3, column 'x': point looks like longitude/latitude in degrees, but "
        'SWEREF99 TM is in metres; state the CRS of the numbers (e.g. crs = "EPSG:4326")',
        "places.csv, line 4, column 'x': point lies in Sweden - onshore and offshore: "
        "10.03..24.17 E, 54.96..69.07 N only with x and y swapped: the columns are exchanged "
        "(x is easting/longitude, y northing/latitude)",
    ]
    assert not any(isinstance(p, ProblemWarning) for p in problems)
    assert check_coordinates([GBG_XY[0]], [GBG_XY[1]], crs=SWEREF, label="f") == []


def test_hand_cases_in_degrees_projected_into_a_pack() -> None:
    lon, lat = GBG_LONLAT
    # Metres called degrees; lat/lon swapped (inside the world, outside Sweden once projected).
    problems = check_coordinates(
        [lon, GBG_XY[0], lat], [lat, GBG_XY[1], lon], crs=WGS84, label="pop.csv",
        column="lon", pack_crs=SWEREF, rows=[12, 13, 14],
    )  # fmt: skip
    shown = texts(problems)
    assert len(shown) == 2
    assert shown[0].startswith("pop.csv, line 13, column 'lon': point has values beyond ±180/±90")
    assert shown[1].startswith("pop.csv, line 14, column 'lon': point lies in Sweden")
    assert "swapped" in shown[1]


def test_far_outside_is_a_warning_for_some_and_an_error_for_all() -> None:
    lon, lat = GBG_LONLAT
    # New York in a Swedish pack: one of two points -> a warning; the only point -> an error.
    some = check_coordinates([lon, -74.0], [lat, 40.7], crs=WGS84, label="f", pack_crs=SWEREF)
    assert len(some) == 1 and isinstance(some[0], ProblemWarning)
    assert "far outside the area of use of WGS 84" in str(some[0]) and "line 2" in str(some[0])
    alone = check_coordinates([-74.0], [40.7], crs=WGS84, label="f", pack_crs=SWEREF)
    assert len(alone) == 1 and not isinstance(alone[0], ProblemWarning)
    # Just across the border (Oslo, 10.75 E, in a SWEREF pack): inside the margin, no problem.
    assert check_coordinates([10.75], [59.91], crs=WGS84, label="f", pack_crs=SWEREF) == []


GR = "gr_statistical_areas"


@pytest.mark.parametrize(
    "name",
    ["regso_gr_2025.gpkg", "deso_gr_2025.gpkg", "kommuner_gr.gpkg",
     "goteborg_socioekonomisk_omradesindelning.gpkg"],
)  # fmt: skip
def test_the_real_gr_areas_pass_cleanly(shared_data: Path, name: str) -> None:
    path = shared_data / GR / name
    for layer, _ in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=layer)
        crs = pyproj.CRS(frame.crs)
        assert check_geometries(frame.geometry.to_numpy(), crs=crs, label=name) == [], layer
        # Their centres projected to lon/lat pass too, as a population table would give them.
        centre = frame.geometry.centroid.to_crs(WGS84)
        found = check_coordinates(centre.x, centre.y, crs=WGS84, label=name, pack_crs=SWEREF)
        assert found == [], layer


def test_the_gr_pack_loads_without_a_crs_problem() -> None:
    pack = load_pack(Path(__file__).resolve().parents[1] / "packs" / "gr")
    assert len(pack.areas()) > 100


def _mislabelled(shared_data: Path, tmp_path: Path, kind: str) -> Path:
    """The GR RegSO areas with one of the mistakes, written as a GeoPackage."""
    areas = pyogrio.read_dataframe(shared_data / GR / "regso_gr_2025.gpkg", layer="regso_2025")
    if kind == "degrees called metres":
        areas = areas.to_crs(WGS84).set_crs(SWEREF, allow_override=True)
    elif kind == "metres called degrees":
        areas = areas.set_crs(WGS84, allow_override=True)
    else:  # swapped axes
        swapped = shapely.transform(areas.geometry.to_numpy(), lambda xy: xy[:, ::-1])
        areas = gpd.GeoDataFrame(areas.drop(columns="geometry"), geometry=swapped, crs=SWEREF)
    path = tmp_path / "areas.gpkg"
    areas.to_file(path, layer="regso_2025", engine="pyogrio")
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("degrees called metres", "looks like longitude/latitude in degrees"),
        ("metres called degrees", "values beyond ±180/±90"),
        ("swapped axes", "only with x and y swapped"),
    ],
)
def test_real_areas_with_each_mistake_are_refused_naming_file_and_rows(
    shared_data: Path, tmp_path: Path, kind: str, message: str
) -> None:
    path = _mislabelled(shared_data, tmp_path, kind)
    areas, _, problems = read_areas(
        path, label="areas.gpkg", layer="regso_2025", id_column="regsokod",
        name_column="regsonamn", filters={}, declared_crs=None, pack_crs=SWEREF,
    )  # fmt: skip
    errors = [p for p in problems if not isinstance(p, ProblemWarning) and message in str(p)]
    assert len(errors) == 1, texts(problems)
    assert str(errors[0]).startswith("areas.gpkg, features 1, 2, 3")
    assert "(+" in str(errors[0])  # every area, listed short
    # Through a pack: the load fails with the same problem.
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.toml").write_text(
        f'[pack]\nname = "p"\ncrs = "EPSG:3006"\n\n[areas]\npath = "{path.as_posix()}"\n'
        'layer = "regso_2025"\nid = "regsokod"\nname = "regsonamn"\n',
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="areas") as caught:
        load_pack(pack)
    assert any(message in str(p) for p in caught.value.problems)


def test_population_points_swapped_or_at_zero_name_their_rows(tmp_path: Path) -> None:
    lon, lat = GBG_LONLAT
    table = tmp_path / "population.csv"
    table.write_text(
        f"id,lon,lat,pop\na,{lon},{lat},10\nb,{lat},{lon},5\nc,0,0,3\n", encoding="utf-8"
    )
    frame, problems = read_points(
        table, label="population.csv", id_column="id", x="lon", y="lat", crs="EPSG:4326",
        pack_crs=SWEREF, counts={"pop": "pop"}, filters={},
    )  # fmt: skip
    assert frame is not None
    shown = texts(problems)
    assert any(
        s.startswith("population.csv, line 3, column 'lon'") and "swapped" in s for s in shown
    )
    assert any(s.startswith("population.csv, line 4, column 'lon'") and "0,0" in s for s in shown)
    assert len(shown) == 2


def test_scenario_points_swapped_or_in_the_wrong_units_are_named(tmp_path: Path) -> None:
    from jamlik.ingest.scenario import load_scenario
    from jamlik.scenarios.check import check_scenario

    lon, lat = 11.981, 57.871  # Kungälv's centre
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[scenario]\nname = "test"\n\n'
        f'[[services]]\nname = "Rätt"\ncategory = "school"\npoint = [{lon}, {lat}]\n\n'
        f'[[services]]\nname = "Bytt"\ncategory = "school"\npoint = [{lat}, {lon}]\n\n'
        '[[services]]\nname = "Meter"\ncategory = "school"\ncrs = "EPSG:3006"\n'
        f"point = [{lon}, {lat}]\n",
        encoding="utf-8",
    )
    pack = load_pack(Path(__file__).resolve().parents[1] / "packs" / "kungalv")
    problems = [str(p) for p in check_scenario(load_scenario(plan), pack)]
    assert not any("'Rätt'" in p for p in problems), problems
    assert any("'Bytt': point lies in Sweden" in p and "swapped" in p for p in problems)
    assert any("'Meter': point looks like longitude/latitude in degrees" in p for p in problems)
