"""Tests of write_town_pack: real files that re-read with independent readers."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from jamlik.datasets import Town, generate_town, write_town_pack
from jamlik.errors import DataError


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def town() -> Town:
    return generate_town(n_nodes=3_000, seed=5)


@pytest.fixture(scope="module")
def pack(town: Town, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_town_pack(town, tmp_path_factory.mktemp("town") / "alvvik")


def test_pack_toml_parses_and_names_existing_files(pack: Path) -> None:
    assert pack.name == "pack.toml"
    config = tomllib.loads(pack.read_text(encoding="utf-8"))
    assert config["pack"]["crs"] == "EPSG:3006"
    assert config["pack"]["name"] == "alvvik"
    paths = [config["areas"]["path"], config["osm"]["path"]]
    paths += [s["path"] for s in config["statistics"]]
    paths += [g["path"] for g in config["gtfs"]]
    for rel in paths:
        assert (pack.parent / rel).is_file(), rel
    assert config["sources"][0]["licence"] == "CC0 1.0"
    assert "jamlik" in config["sources"][0]["name"]
    stats = config["statistics"][0]
    header = (pack.parent / stats["path"]).read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in [stats["area_id"], stats["year"], stats["total"], *stats["groups"].values()]:
        assert column in header
    # Only pack files remain: the temporary files were renamed.
    assert sorted(p.name for p in pack.parent.iterdir()) == [
        "README.md",
        "areas.gpkg",
        "pack.toml",
        "statistics.csv",
        "town.osm.pbf",
        "town_gtfs.zip",
    ]


def test_statistics_and_areas_round_trip(town: Town, pack: Path) -> None:
    csv = (pack.parent / "statistics.csv").read_bytes()
    assert csv == town.statistics.to_csv(index=False, lineterminator="\n").encode("utf-8")
    back = pd.read_csv(pack.parent / "statistics.csv", dtype={"area_id": str})
    pd.testing.assert_frame_equal(back, town.statistics, check_dtype=False)
    areas = gpd.read_file(pack.parent / "areas.gpkg", layer="areas")
    assert areas.crs.to_epsg() == 3006
    assert list(areas["area_id"]) == list(town.areas["area_id"])
    assert list(areas["name"]) == list(town.areas["name"])  # å/ä/ö survive
    same = shapely.equals_exact(areas.geometry.to_numpy(), town.areas.geometry.to_numpy(), 1e-6)
    assert same.all()


class _Collect(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.node_loc: dict[int, tuple[float, float]] = {}
        self.node_tags: dict[int, dict[str, str]] = {}
        self.ways: dict[int, tuple[list[int], dict[str, str]]] = {}

    def node(self, n: osmium.osm.Node) -> None:
        self.node_loc[n.id] = (n.location.lon, n.location.lat)
        if len(n.tags):
            self.node_tags[n.id] = dict(n.tags)

    def way(self, w: osmium.osm.Way) -> None:
        self.ways[w.id] = ([nd.ref for nd in w.nodes], dict(w.tags))


@pytest.fixture(scope="module")
def osm(pack: Path) -> _Collect:
    handler = _Collect()
    handler.apply_file(str(pack.parent / "town.osm.pbf"))
    return handler


def test_pbf_counts(town: Town, osm: _Collect) -> None:
    st = town.streets
    n_bends = int(st["bend_x"].notna().sum())
    ring_nodes = sum(
        len(shapely.get_exterior_ring(g).coords) - 1
        for layer in (town.buildings, town.parks, town.barrier)
        for g in layer.geometry
    )
    expected_nodes = town.node_x.size + n_bends + ring_nodes + len(town.pois)
    assert len(osm.node_loc) == expected_nodes
    assert len(osm.ways) == len(st) + len(town.buildings) + len(town.parks) + 1
    tags = [t for _, t in osm.ways.values()]
    highway = Counter(t["highway"] for t in tags if "highway" in t)
    assert highway == Counter(st["highway"])
    assert sum(t.get("oneway") == "yes" for t in tags) == int(st["oneway"].sum())
    assert sum(t.get("bridge") == "yes" for t in tags) == int(st["bridge"].sum()) == 2
    building = Counter(t["building"] for t in tags if "building" in t)
    assert building == Counter(town.buildings["building"])
    levels = [int(t["building:levels"]) for t in tags if "building" in t]
    assert sorted(levels) == sorted(town.buildings["levels"])
    assert sum(t.get("leisure") == "park" for t in tags) == len(town.parks)
    assert sum(t.get("natural") == "water" for t in tags) == 1
    for key in ("amenity", "shop", "leisure", "highway", "opening_hours"):
        got = Counter(t[key] for t in osm.node_tags.values() if key in t)
        assert got == Counter(town.pois[key].dropna()), key


def test_pbf_geometry(town: Town, osm: _Collect) -> None:
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    ids = np.arange(1, town.node_x.size + 1)
    lon = np.array([osm.node_loc[i][0] for i in ids])
    lat = np.array([osm.node_loc[i][1] for i in ids])
    x, y = to_sweref.transform(lon, lat)
    # OSM stores 1e-7 degrees: about 1 cm.
    np.testing.assert_allclose(x, town.node_x, atol=0.02)
    np.testing.assert_allclose(y, town.node_y, atol=0.02)
    st = town.streets
    for k in range(len(st)):
        nodes, tags = osm.ways[k + 1]
        assert nodes[0] == st["u"].iat[k] + 1 and nodes[-1] == st["v"].iat[k] + 1
        assert len(nodes) == (3 if pd.notna(st["bend_x"].iat[k]) else 2)
        assert tags.get("name", "") == st["name"].iat[k]
    closed = [n for n, t in osm.ways.values() if "building" in t or "leisure" in t]
    assert all(n[0] == n[-1] and len(n) >= 5 for n in closed)


def test_pack_loads_with_jamlik(pack: Path, town: Town) -> None:
    # Integration with the pack loader of jamlik.ingest (another stage, read-only here).
    from jamlik.ingest.pack import check_pack, load_pack

    assert check_pack(pack) == []
    loaded = load_pack(pack)
    assert loaded.crs == "EPSG:3006"
    assert sorted(loaded.areas().index) == sorted(town.areas["area_id"])
    stats = loaded.statistics()
    assert int(stats["pop_total"].sum()) == int(town.statistics["pop_total"].sum())


def test_rewrite_replaces_files(town: Town, tmp_path: Path) -> None:
    first = write_town_pack(town, tmp_path)
    before = (tmp_path / "statistics.csv").read_bytes()
    second = write_town_pack(town, str(tmp_path))
    assert first == second
    assert (tmp_path / "statistics.csv").read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 6  # the five files of a pack and its GTFS zip


def test_folder_that_is_a_file_is_refused(town: Town, tmp_path: Path) -> None:
    target = tmp_path / "not_a_folder"
    target.write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        write_town_pack(town, target)


def test_same_town_gives_byte_identical_files(town: Town, pack: Path, tmp_path: Path) -> None:
    again = write_town_pack(generate_town(n_nodes=3_000, seed=5), tmp_path)
    # areas.gpkg is left out: GeoPackage stores the time it was written.
    for name in ("town.osm.pbf", "statistics.csv", "pack.toml", "README.md"):
        assert (again.parent / name).read_bytes() == (pack.parent / name).read_bytes(), name
