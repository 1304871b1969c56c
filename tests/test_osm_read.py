"""Reading OSM files: real extracts against their README counts, and broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jamlik.errors import MissingFileError, OSMReadError
from jamlik.ingest.osm import read_osm, resolve_crs, utm_crs

FIXTURE = Path(__file__).parent / "data" / "osm" / "tags.osm"

# (file, ways tagged highway) as verified with pyosmium in each README.
EXTRACTS = [
    ("osm_gtfs_tampere/tampere.osm.pbf", 29_836),
    ("osm_gtfs_porto_alegre/poa_osm.pbf", 15_886),
    ("osm_lund_station/lund_station.osm.pbf", 199),
]


@pytest.mark.parametrize(("name", "n_highway"), EXTRACTS)
def test_real_extract_counts(shared_data, name, n_highway):
    osm = read_osm(shared_data / name)
    highway_ways = {int(w) for w, t in zip(osm.way_id, osm.way_tags, strict=True) if "highway" in t}
    assert len(highway_ways) == n_highway
    assert osm.n_broken_ways == 0
    # CSR vertex arrays are consistent and every way has at least two vertices.
    assert osm.way_indptr[-1] == osm.way_node_id.size == osm.way_lon.size
    assert np.diff(osm.way_indptr).min() >= 2


def test_lund_bounds_and_swedish_names(shared_data):
    osm = read_osm(shared_data / "osm_lund_station/lund_station.osm.pbf")
    lon0, lat0, lon1, lat1 = osm.bounds
    # README node extent 13.174269, 55.701375, 13.189490, 55.721052 (we keep tagged nodes and
    # way vertices, so our extent lies inside it).
    assert 13.174269 - 1e-6 <= lon0 < lon1 <= 13.189490 + 1e-6
    assert 55.701375 - 1e-6 <= lat0 < lat1 <= 55.721052 + 1e-6
    names = {t.get("name", "") for t in osm.way_tags}
    assert any(ch in n for n in names for ch in "åäö")
    assert osm.default_crs() == "EPSG:32633"


def test_fixture_areas(tmp_path):
    osm = read_osm(FIXTURE)
    kinds = dict(zip(osm.area_osm_id.tolist(), osm.area_osm_type.tolist(), strict=True))
    assert kinds[1] == "relation"  # the multipolygon park with a hole
    park = osm.area_geometry[osm.area_osm_id.tolist().index(1)]
    assert len(park.geoms) == 1 and len(park.geoms[0].interiors) == 1
    assert kinds[40] == "way"


def test_missing_file(tmp_path):
    with pytest.raises(MissingFileError, match="nowhere.osm.pbf"):
        read_osm(tmp_path / "nowhere.osm.pbf")


def test_truncated_pbf(shared_data, tmp_path):
    data = (shared_data / "osm_gtfs_tampere/tampere.osm.pbf").read_bytes()
    for size in (40, 300_000):
        broken = tmp_path / f"cut_{size}.osm.pbf"
        broken.write_bytes(data[:size])
        with pytest.raises(OSMReadError, match=f"cut_{size}.osm.pbf"):
            read_osm(broken)


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.osm", b"hello, this is not xml"), ("x.osm.pbf", b"\x00\x00\x00\x05hello"),
     ("empty.pbf", b""), ("odd.data", b"plain text")],
)  # fmt: skip
def test_not_osm(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(OSMReadError, match=name.replace(".", r"\.")):
        read_osm(path)


def test_format_sniffed_for_unknown_suffix(shared_data, tmp_path):
    path = tmp_path / "lund.download"
    path.write_bytes((shared_data / "osm_lund_station/lund_station.osm.pbf").read_bytes())
    assert (
        read_osm(path).n_ways
        == read_osm(shared_data / "osm_lund_station/lund_station.osm.pbf").n_ways
    )
    xml = tmp_path / "fixture.xml"
    xml.write_bytes(FIXTURE.read_bytes())
    assert read_osm(xml).n_ways == read_osm(FIXTURE).n_ways


def test_utm_zones():
    assert utm_crs(13.19, 55.7) == "EPSG:32633"
    assert utm_crs(23.7, 61.5) == "EPSG:32634"
    assert utm_crs(-51.2, -30.05) == "EPSG:32722"
    assert resolve_crs("epsg:3006", read_osm(FIXTURE)) == "EPSG:3006"
