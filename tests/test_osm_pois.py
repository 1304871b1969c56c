"""Destination categories, POIs and buildings.

Oracles: the hand-written fixture tests/data/osm/tags.osm (expected rows worked out by hand),
the pyrosm POI counts in the Tampere README, and broken category files that must raise
DataError naming the category.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from jamlik.errors import DataError, MissingFileError
from jamlik.geo import project_geometry
from jamlik.i18n import t
from jamlik.ingest.osm import read_osm
from jamlik.ingest.pois import (
    DIMENSIONS,
    column_descriptions,
    extract_buildings,
    extract_pois,
    load_categories,
)

FIXTURE = Path(__file__).parent / "data" / "osm" / "tags.osm"
REQUIRED = {
    "grocery", "school", "preschool", "health_centre", "pharmacy", "library", "culture", "sport",
    "playground", "park", "meeting_place", "transit_stop",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def fixture_osm():
    return read_osm(FIXTURE)


def test_bundled_categories_valid():
    cats = load_categories()
    assert set(cats) >= REQUIRED
    assert {c.dimension for c in cats.values()} <= set(DIMENSIONS)
    assert cats["park"].geometry == "area"
    assert all(c.label_sv and c.label_en for c in cats.values())
    assert cats["preschool"].label_sv == "Förskola"
    assert cats["preschool"].label("en") == "Preschool"
    assert cats["preschool"].label("sv") == "Förskola"


def test_filter_semantics():
    school = load_categories()["school"]
    assert school.matches({"amenity": "school"})
    assert not school.matches({"amenity": "school", "school": "driving"})
    cats = load_categories(
        overrides={"bench": {"dimension": "pathways", "sv": "Bänk", "en": "Bench",
                             "geometry": "point", "tags": ["amenity=bench", "leisure=picnic_table",
                                                           "bench"]}}
    )  # fmt: skip
    bench = cats["bench"]
    assert bench.matches({"amenity": "bench"})
    assert bench.matches({"bench": "yes"})
    assert not bench.matches({"bench": "no"})  # a bare key means present and not "no"
    assert not bench.matches({"amenity": "bicycle_parking"})


def test_overrides_update_and_remove():
    cats = load_categories(overrides={"grocery": {"tags": ["shop=bakery"]}, "playground": None})
    assert "playground" not in cats
    assert cats["grocery"].matches({"shop": "bakery"})
    assert not cats["grocery"].matches({"shop": "supermarket"})
    assert cats["grocery"].label_en == "Grocery store"  # untouched fields kept


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"grocery": {"dimension": "shopping"}}, r"\[grocery\].*unknown dimension 'shopping'"),
        ({"grocery": {"tags": ["shop==bakery"]}}, r"\[grocery\], tags\[0\].*bad tag filter"),
        ({"grocery": {"tags": ["shop=a|"]}}, r"\[grocery\], tags\[0\]"),
        ({"grocery": {"tags": ["shop!=bakery"]}}, r"\[grocery\].*positive condition"),
        ({"grocery": {"tags": "shop=bakery"}}, r"\[grocery\].*non-empty list"),
        ({"grocery": {"geometry": "line"}}, r"\[grocery\].*'point' or 'area'"),
        ({"grocery": {"colour": "red"}}, r"\[grocery\].*unknown field"),
        ({"Bad-Key": {"dimension": "services", "sv": "x", "en": "x", "geometry": "point",
                      "tags": ["a=b"]}}, r"\[Bad-Key\].*lower case"),
        ({"newcat": {"tags": ["a=b"]}}, r"\[newcat\].*missing field"),
        ({"grocery": {"sv": ""}}, r"\[grocery\].*'sv'"),
    ],
)  # fmt: skip
def test_bad_categories_raise(override, message):
    with pytest.raises(DataError, match=message):
        load_categories(overrides=override)


def test_bad_category_files(tmp_path):
    bad = tmp_path / "cats.toml"
    bad.write_text('[grocery\ndimension = "services"\n', encoding="utf-8")
    with pytest.raises(DataError, match="cats.toml"):
        load_categories(bad)
    bad.write_text(
        '[kiosk]\ndimension = "shops"\nsv = "Kiosk"\nen = "Kiosk"\ngeometry = "point"\n'
        'tags = ["shop=kiosk"]\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"cats\.toml, category \[kiosk\].*unknown dimension"):
        load_categories(bad)
    with pytest.raises(MissingFileError):
        load_categories(tmp_path / "absent.toml")


def test_pois_on_fixture(fixture_osm):
    pois = extract_pois(fixture_osm, crs="EPSG:3006")
    assert list(pois.columns) == [
        "category", "dimension", "name", "osm_type", "osm_id", "opening_hours", "geometry"
    ]  # fmt: skip
    assert pois.crs.to_epsg() == 3006
    rows = {(r.category, r.osm_type, r.osm_id, r.name) for r in pois.itertuples()}
    # Worked out by hand from the fixture; the driving school (node 102) is excluded.
    assert rows == {
        ("school", "node", 100, "Byskolan"),
        ("grocery", "node", 101, "Konsum"),
        ("transit_stop", "node", 103, "Torget"),
        ("preschool", "way", 40, "Förskolan Solen"),
        ("park", "way", 41, "Stadsparken"),
        ("park", "relation", 1, "Lilla parken"),
        ("library", "way", 44, "Biblioteket"),
    }
    shop = pois[pois["category"] == "grocery"].iloc[0]
    assert shop["opening_hours"] == "Mo-Su 08:00-22:00"
    assert pois[pois["category"] == "school"].iloc[0]["opening_hours"] is None
    assert pois.loc[pois["category"] == "school", "dimension"].item() == "services"


def test_poi_geometry_rules(fixture_osm):
    pois = extract_pois(fixture_osm, crs="EPSG:3006").set_index(["category", "osm_id"])
    parks = pois.loc["park"].geometry
    assert set(parks.geom_type) == {"MultiPolygon"}
    # The multipolygon keeps its hole: area = outer - inner.
    outer = shapely.box(*shapely.bounds(parks.loc[1]))
    assert parks.loc[1].area < 0.9 * outer.area
    # A polygon in a point category becomes a point inside it.
    kinder = pois.loc[("preschool", 40)].geometry
    assert kinder.geom_type == "Point"
    square = fixture_osm.area_geometry[fixture_osm.area_osm_id.tolist().index(40)]
    assert project_geometry(np.array([square], dtype=object), "EPSG:3006")[0].contains(kinder)
    # An open way becomes its midpoint (taken in lon/lat, so within a millimetre of the
    # projected midpoint over 63 m).
    lib = pois.loc[("library", 44)].geometry
    ends = project_geometry(
        np.array([shapely.LineString([(13.1940, 55.7005), (13.1950, 55.7005)])], dtype=object),
        "EPSG:3006",
    )[0]
    assert lib.distance(ends.interpolate(0.5, normalized=True)) < 1e-3


def test_categories_argument_forms(fixture_osm, tmp_path):
    only_parks = tmp_path / "parks.toml"
    only_parks.write_text(
        '[green]\ndimension = "recreation"\nsv = "Grönt"\nen = "Green"\ngeometry = "point"\n'
        'tags = ["leisure=park"]\n',
        encoding="utf-8",
    )
    by_path = extract_pois(fixture_osm, crs="EPSG:3006", categories=only_parks)
    assert set(by_path["category"]) == {"green"}
    assert set(by_path.geom_type) == {"Point"}  # point geometry: parks become points
    by_dict = extract_pois(fixture_osm, crs="EPSG:3006", categories=load_categories(only_parks))
    assert len(by_dict) == len(by_path) == 2
    with pytest.raises(DataError, match=r"category \[x\]: missing field"):
        extract_pois(fixture_osm, crs="EPSG:3006", categories={"x": {"dimension": "y"}})


def test_buildings_on_fixture(fixture_osm):
    b = extract_buildings(fixture_osm, crs="EPSG:3006").set_index("osm_id")
    assert set(b.index) == {50, 51, 52}  # building=no (way 53) is left out
    assert b.loc[50, "levels"] == 4.0 and b.loc[50, "residential"]
    assert math.isnan(b.loc[51, "levels"]) and not b.loc[51, "residential"]
    assert b.loc[52, "levels"] == 2.0 and b.loc[52, "residential"]  # "2;3": first number
    assert (b.geom_type == "MultiPolygon").all()
    # Footprint of way 50: 0.0003 deg lon x 0.0002 deg lat at 55.6995 N, about 18.9 m x 22.3 m.
    assert b.loc[50].geometry.area == pytest.approx(18.9 * 22.3, rel=0.02)


def test_tampere_counts_match_readme(shared_data):
    pois = extract_pois(shared_data / "osm_gtfs_tampere/tampere.osm.pbf", crs="EPSG:3067")
    counts = pois["category"].value_counts()
    # README (pyrosm get_pois): kindergarten 45, supermarket 44, pharmacy 26, dentist 11,
    # doctors 10, hospital 7, school 72. pyrosm also counts one school mapped only as a
    # type=site relation (Hatanpään lukio), which is not an area; we find 71.
    assert counts["preschool"] == 45
    assert counts["grocery"] == 44
    assert counts["pharmacy"] == 26
    assert counts["dentist"] == 11
    assert counts["health_centre"] == 10
    assert counts["hospital"] == 7
    assert counts["school"] == 71
    assert pois.crs.to_epsg() == 3067
    assert pois.geometry.is_valid.all()


def test_lund_buildings(shared_data):
    b = extract_buildings(shared_data / "osm_lund_station/lund_station.osm.pbf", crs="EPSG:3006")
    assert (b["building"] == "train_station").sum() == 5  # README: 5 building=train_station
    assert b["residential"].sum() == (b["building"] == "apartments").sum() == 2
    x0, y0, x1, y1 = b.total_bounds
    assert 385_000 < x0 < x1 < 386_500 and 6_174_000 < y0 < y1 < 6_176_700


def test_column_descriptions_translated():
    en = column_descriptions("streets", language="en")
    sv = column_descriptions("streets", language="sv")
    assert en["length_m"] == t("osm.column.length_m", language="en") == "Length in metres"
    assert sv["length_m"] == "Längd i meter"
    assert set(column_descriptions("pois")) == {
        "category", "dimension", "name", "osm_type", "osm_id", "opening_hours"
    }  # fmt: skip
