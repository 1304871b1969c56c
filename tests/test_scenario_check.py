"""Scenarios checked against real packs: each problem names the entry, its line and the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app
from jamlik.errors import ProblemWarning
from jamlik.ingest import load_pack
from jamlik.ingest.gtfs_tables import read_feed_files
from jamlik.ingest.scenario import load_scenario
from jamlik.networks import build_street_network
from jamlik.scenarios.check import check_scenario

ROOT = Path(__file__).resolve().parents[1]
TAMPERE = ROOT / "packs" / "tampere"
KUNGALV = ROOT / "packs" / "kungalv"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def tampere_nodes() -> np.ndarray:
    """Lon/lat of the walk street nodes of the Tampere extract."""
    pack = load_pack(TAMPERE)
    assert pack.osm_path is not None
    net = build_street_network(pack.osm_path, mode="walk", crs=pack.crs.to_string())
    to_wgs = pyproj.Transformer.from_crs(pack.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(net.node_x, net.node_y)
    return np.column_stack([lon, lat])


def _spot_200m_from_streets(lonlat: np.ndarray) -> list[float]:
    """A point of the extract whose nearest street node is 180-250 m away (in metres, EPSG:3067)."""
    from scipy.spatial import cKDTree

    to_m = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    x, y = to_m.transform(lonlat[:, 0], lonlat[:, 1])
    tree = cKDTree(np.column_stack([x, y]))
    gx, gy = np.meshgrid(np.arange(x.min(), x.max(), 50.0), np.arange(y.min(), y.max(), 50.0))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    dist, _ = tree.query(grid)
    spot = grid[np.flatnonzero((dist > 180) & (dist < 250))[0]]
    back = pyproj.Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    return [float(v) for v in back.transform(spot[0], spot[1])]


def _scenario(folder: Path, body: str) -> Path:
    path = folder / "s.toml"
    path.write_text('[scenario]\nname = "test"\n\n' + body, encoding="utf-8")
    return path


def test_links_near_streets_pass_and_a_far_end_is_named(
    tmp_path: Path, tampere_nodes: np.ndarray
) -> None:
    a, b = (tampere_nodes[i].tolist() for i in (10, 500))
    far = _spot_200m_from_streets(tampere_nodes)
    body = (
        f'[[links]]\nname = "Bra länk"\ncoordinates = [{a}, {b}]\n\n'
        f'[[links]]\nname = "Gångbro"\ncoordinates = [{a}, {far}]\n'
    )
    scenario = load_scenario(_scenario(tmp_path, body))
    problems = check_scenario(scenario, load_pack(TAMPERE))
    assert len(problems) == 1, problems
    text = str(problems[0])
    assert "'Gångbro'" in text and "last point" in text and "line 8" in text
    assert "m from the nearest walk street node" in text
    assert problems[0].column == "coordinates"


def test_swapped_axes_and_unknown_category_and_way(
    tmp_path: Path, tampere_nodes: np.ndarray
) -> None:
    lon, lat = tampere_nodes[0]
    body = (
        f'[[services]]\nname = "Skola"\ncategory = "school"\npoint = [{lat}, {lon}]\n\n'
        f'[[services]]\nname = "Bibliotek"\ncategory = "libary"\npoint = [{lon}, {lat}]\n\n'
        '[[closures]]\nname = "Gata"\nosm_way_ids = [1]\n'
    )
    problems = check_scenario(load_scenario(_scenario(tmp_path, body)), load_pack(TAMPERE))
    messages = "\n".join(str(p) for p in problems)
    assert "'Skola': lies outside the pack" in messages
    assert "unknown category 'libary'" in messages
    assert "OSM way(s) [1] are not streets" in messages
    assert "'Skola': point lies in" in messages and "x and y swapped" in messages  # why
    assert len(problems) == 4


def test_feed_routes_and_stops(tmp_path: Path) -> None:
    pack = load_pack(TAMPERE)
    tables = read_feed_files(pack.gtfs_paths[0]).tables
    route = str(tables["routes.txt"]["route_id"].iloc[0]).strip()
    stop = str(tables["stops.txt"]["stop_id"].iloc[0]).strip()
    body = (
        f'[[headway_changes]]\nroute_id = "{route}"\n'
        'headways = [{ day_type = "weekday", hours = "6-9", minutes = 5 }]\n\n'
        '[[headway_changes]]\nroute_id = "no-such-route"\n'
        'headways = [{ day_type = "weekday", hours = "6-9", minutes = 5 }]\n\n'
        f'[[closed_stops]]\nstop_ids = ["{stop}", "nope"]\n'
    )
    problems = check_scenario(load_scenario(_scenario(tmp_path, body)), pack)
    messages = [str(p) for p in problems]
    assert len(problems) == 2, messages
    assert "unknown route 'no-such-route'" in messages[0]
    assert "unknown stop(s) ['nope']" in messages[1]


def test_homes_against_areas_of_kungalv(tmp_path: Path) -> None:
    pack = load_pack(KUNGALV)
    inside = pack.areas().geometry.iloc[0].representative_point()
    to_wgs = pyproj.Transformer.from_crs(pack.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(inside.x, inside.y)
    body = (
        f'[[homes]]\nname = "Ok"\npoint = [{lon}, {lat}]\ndwellings = 100\n\n'
        f'[[homes]]\nname = "Fel område"\npoint = [{lon}, {lat}]\ndwellings = 10\narea_id = "X"\n\n'
        '[[homes]]\nname = "Göteborg"\npoint = [11.97, 57.70]\ndwellings = 10\n\n'
        f'[[services]]\nname = "Park"\ncategory = "park"\npoint = [{lon}, {lat}]\n'
    )
    problems = check_scenario(load_scenario(_scenario(tmp_path, body)), pack)
    errors = [str(p) for p in problems if not isinstance(p, ProblemWarning)]
    warnings = [str(p) for p in problems if isinstance(p, ProblemWarning)]
    assert any("'Fel område': unknown area 'X'" in e for e in errors)
    assert any("'Göteborg': lies outside the pack" in e for e in errors)
    assert len(errors) == 3  # outside the pack is also outside every area
    assert len(warnings) == 1 and "polygon" in warnings[0]


def test_cli_scenario_check_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _scenario(tmp_path, "")
    result = runner.invoke(app, ["scenario", "check", str(KUNGALV), str(good)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nname = "b"\n\n[[homes]]\nname = "A"\npoint = [1, 2]\ndwellings = -1\n'
    )
    result = runner.invoke(app, ["scenario", "check", str(KUNGALV), str(bad)])
    assert result.exit_code == 2
    assert "line 4" in result.output and "dwellings" in result.output
