"""The straight-line fallback on ``packs/gr`` (300 RegSO, 3,183 Västtrafik stop areas, no OSM).

Oracles, each independent of the run's code path:

* residents per RegSO and group sum to SCB's statistics;
* for a few RegSO (the most populous, the largest, three drawn at random), the lattice is rebuilt
  with geopandas (``within``), each point's distance to the nearest stop is measured with
  shapely, and the share within 400 / 800 m (straight line × 1.3) is the plain mean over the
  points: it must equal the run's share;
* the same shares are close to the area-overlap fraction ``area(A ∩ ⋃ discs) / area(A)`` of
  discs of radius ``d / 1.3`` around the stops (the continuous version of an even spread).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from jamlik.ingest import load_pack
from jamlik.runs.straight_line import StraightLineSDG, straight_line_sdg

PACK = Path(__file__).resolve().parents[1] / "packs" / "gr"
DETOUR = 1.3
SPACING = 100.0


@pytest.fixture(scope="module")
def result(shared_data: Path) -> StraightLineSDG:
    assert shared_data.is_dir()
    return straight_line_sdg(load_pack(PACK), distances_m=(400, 800), detour_factor=DETOUR)


def _chosen(areas: gpd.GeoDataFrame, population: dict[str, float]) -> list[str]:
    rng = np.random.default_rng(11)
    drawn = rng.choice(areas.index.to_numpy(), size=3, replace=False)
    largest = str(areas.geometry.area.idxmax())
    most = max(population, key=population.__getitem__)
    return list(dict.fromkeys([most, largest, *map(str, drawn)]))


def test_residents_sum_to_the_statistics(result: StraightLineSDG) -> None:
    pack = load_pack(PACK)
    stats = pack.population()
    rows = result.areas[result.areas["area_id"] != "*"]
    for group in ("pop_total", "born_abroad"):
        got = rows[rows["group"] == group].set_index("area_id")["population"]
        want = stats[group].astype(float)
        want = want[want > 0]
        np.testing.assert_allclose(got.reindex(want.index).to_numpy(), want.to_numpy(), rtol=1e-9)
    assert result.groups.loc["pop_total", "population"] == pytest.approx(1_080_980)


def test_shares_equal_shapely_distances(result: StraightLineSDG) -> None:
    pack = load_pack(PACK)
    areas = pack.areas()
    layer = pack.opportunity_layers()
    assert layer is not None
    stops = shapely.multipoints(layer.loc[layer["category"] == "transit_stop"].geometry.to_numpy())
    assert shapely.get_num_geometries(stops) == 3183
    population = pack.population()["pop_total"].to_dict()
    shares = result.areas[result.areas["group"] == "pop_total"].set_index("area_id")
    for area_id in _chosen(areas, population):
        polygon = areas.geometry.loc[area_id]
        x0, y0, x1, y1 = polygon.bounds
        step = min(SPACING, np.sqrt(polygon.area / 50))  # finer in small areas (runs.spread)
        gx = (np.arange(np.floor(x0 / step), np.ceil(x1 / step)) + 0.5) * step
        gy = (np.arange(np.floor(y0 / step), np.ceil(y1 / step)) + 0.5) * step
        grid = gpd.GeoSeries(gpd.points_from_xy(*(a.ravel() for a in np.meshgrid(gx, gy))))
        points = grid[grid.within(polygon)]
        assert len(points) >= 30
        walk = shapely.distance(points.to_numpy(), stops) * DETOUR
        for d in (400, 800):
            want = float(np.mean(walk <= d))
            assert shares.loc[area_id, f"share_within_{d}m"] == pytest.approx(want, abs=1e-9)
            # Continuous check: the fraction of the polygon within d / detour of a stop.
            discs = shapely.union_all(
                shapely.buffer(shapely.get_parts(shapely.clip_by_rect(stops, x0 - d, y0 - d,
                                                                     x1 + d, y1 + d)),
                               d / DETOUR, quad_segs=32)
            )  # fmt: skip
            overlap = shapely.area(shapely.intersection(polygon, discs)) / polygon.area
            assert want == pytest.approx(overlap, abs=max(0.03, 8 / len(points)))


def test_whole_pack_is_the_weighted_mean_of_areas(result: StraightLineSDG) -> None:
    rows = result.areas[(result.areas["group"] == "pop_total") & (result.areas["area_id"] != "*")]
    for column in ("share_within_400m", "share_within_800m", "share_convenient"):
        want = np.average(rows[column], weights=rows["population"])
        assert result.groups.loc["pop_total", column] == pytest.approx(want, rel=1e-12)
    everyone = result.groups.loc["pop_total"]
    assert 0 < everyone["share_within_400m"] < everyone["share_convenient"]
    assert everyone["share_convenient"] < everyone["share_within_800m"] < 1
    assert (result.areas["method"] == "straight_line").all()


def test_notes_say_approximation_and_gtfs(result: StraightLineSDG) -> None:
    text = " ".join(result.notes)
    assert "APPROXIMATION" in text and "GTFS" in text and "1.3" in text
