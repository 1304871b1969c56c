"""Residents placed on nodes: hand-checked tiny cases, real GR areas and Porto Alegre cells."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from jamlik.errors import (
    DataError,
    EmptyNetworkError,
    MissingColumnError,
    NegativeValueError,
    UnknownIdError,
)
from jamlik.ingest import load_pack
from jamlik.networks import place_population

PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def tiny_areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=[
            shapely.box(0, 0, 100, 100),
            shapely.box(100, 0, 200, 100),
            shapely.box(0, 200, 100, 300),
        ],
        index=pd.Index(["A", "B", "C"], name="area_id"),
        crs="EPSG:3006",
    )


NODE_X = np.array([10.0, 90.0, 150.0, 250.0])
NODE_Y = np.array([10.0, 90.0, 50.0, 50.0])
POP = pd.DataFrame({"pop_total": [10, 7, 5], "g": [3, 7, 0]}, index=["A", "B", "C"])


def rows(table: pd.DataFrame) -> dict[tuple[int, str], tuple[int, int]]:
    return {(r.node, r.area_id): (r.pop_total, r.g) for r in table.itertuples()}


def test_hand_checked_nodes_method() -> None:
    res = place_population(node_x=NODE_X, node_y=NODE_Y, areas=tiny_areas(), population=POP)
    # A: 10 over nodes 0, 1 -> 5, 5; g = 3 with weights 5, 5: quotas 1.5, 1.5 -> 1, 1 + the
    # remaining one to the first item -> 2, 1. B: all on node 2. C has no node inside: its
    # representative point (50, 250) is nearest to node 1 (90, 90): sqrt(40² + 160²) = 164.92 m.
    assert rows(res.table) == {
        (0, "A"): (5, 2),
        (1, "A"): (5, 1),
        (2, "B"): (7, 7),
        (1, "C"): (5, 0),
    }
    assert res.method_by_area.to_dict() == {"A": "nodes", "B": "nodes", "C": "nearest_node"}
    snap = res.table.set_index(["node", "area_id"])["snap_distance_m"]
    assert snap[(1, "C")] == pytest.approx(np.hypot(40, 160))
    assert snap[(0, "A")] == 0.0
    assert len(res.warnings) == 1 and "'C'" in res.warnings[0] and "165 m" in res.warnings[0]
    assert res.per_node().loc[1, "pop_total"] == 10


def test_hand_checked_buildings_method() -> None:
    buildings = gpd.GeoDataFrame(
        {"levels": [2, np.nan, 10], "residential": [True, True, False]},
        geometry=[
            shapely.box(10, 10, 20, 20),
            shapely.box(70, 70, 80, 80),
            shapely.box(40, 40, 60, 60),
        ],
        crs="EPSG:3006",
    )
    res = place_population(
        node_x=NODE_X, node_y=NODE_Y, areas=tiny_areas(), population=POP, buildings=buildings
    )
    # A: floor areas 100 m² x 2 = 200 and 100 m² x 1 (unknown levels) = 100; the office is not
    # residential. 10 people: quotas 6.67, 3.33 -> 6, 3 + 1 to the larger remainder -> 7, 3.
    # g = 3 over weights 7, 3: quotas 2.1, 0.9 -> 2, 0 + 1 to the second -> 2, 1.
    # Building 1 centre (15, 15) -> node 0 (7.07 m); building 2 centre (75, 75) -> node 1 (21.2 m).
    got = rows(res.table)
    assert got[(0, "A")] == (7, 2) and got[(1, "A")] == (3, 1)
    assert got[(2, "B")] == (7, 7)  # B has no building: spread over its nodes
    assert res.method_by_area["A"] == "buildings" and res.method_by_area["B"] == "nodes"
    snap = res.table.set_index(["node", "area_id"])["snap_distance_m"]
    assert snap[(0, "A")] == pytest.approx(np.hypot(5, 5))
    assert snap[(1, "A")] == pytest.approx(np.hypot(15, 15))
    three = place_population(
        node_x=NODE_X,
        node_y=NODE_Y,
        areas=tiny_areas(),
        population=POP,
        buildings=buildings,
        default_levels=3,
    )
    # with 3 storeys assumed the two homes weigh 200 and 300: 4, 6
    assert rows(three.table)[(0, "A")][0] == 4


def test_cells_method_hand_checked() -> None:
    cells = pd.DataFrame(
        {
            "id": ["h1", "h2", "h3"],
            "x": [12.0, 91.0, 240.0],
            "y": [10.0, 95.0, 50.0],
            "pop_total": [4, 6, 9],
            "kids": [1, 2, 3],
        }
    )
    res = place_population(node_x=NODE_X, node_y=NODE_Y, cells=cells)
    assert {(r.node, r.area_id): (r.pop_total, r.kids) for r in res.table.itertuples()} == {
        (0, "h1"): (4, 1),
        (1, "h2"): (6, 2),
        (3, "h3"): (9, 3),
    }
    snap = res.table.set_index("area_id")["snap_distance_m"]
    assert snap.to_dict() == pytest.approx({"h1": 2.0, "h2": np.hypot(1, 5), "h3": 10.0})
    assert set(res.method_by_area) == {"cells"}


def _check_conserved(res_table: pd.DataFrame, population: pd.DataFrame) -> None:
    columns = list(population.columns)
    sums = res_table.groupby("area_id")[columns].sum().reindex(population.index, fill_value=0)
    np.testing.assert_array_equal(sums.to_numpy(), population.to_numpy())
    assert (res_table[columns[1:]].to_numpy() <= res_table[["pop_total"]].to_numpy()).all()


def test_gr_population_conserved_with_synthetic_nodes_and_buildings() -> None:
    pack = load_pack(PACKS / "gr")
    areas, population = pack.areas(), pack.population(2023)
    rng = np.random.default_rng(42)
    xmin, ymin, xmax, ymax = areas.total_bounds
    n = 30_000
    x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
    res = place_population(node_x=x, node_y=y, areas=areas, population=population)
    _check_conserved(res.table, population)
    assert res.table["pop_total"].sum() == 1_080_980
    # independent geometry check: every "nodes" row lies inside its area
    nodes_rows = res.table.loc[res.method_by_area.loc[res.table["area_id"]].to_numpy() == "nodes"]
    inside = shapely.contains_xy(
        areas.geometry.loc[nodes_rows["area_id"]].to_numpy(),
        x[nodes_rows["node"]],
        y[nodes_rows["node"]],
    )
    assert inside.all()
    # independent nearest-node check (brute force) for the areas without a node inside
    lonely = res.method_by_area.index[res.method_by_area == "nearest_node"]
    assert len(lonely) == len(res.warnings) > 0
    for area in lonely[:5]:
        point = areas.geometry.loc[area].representative_point()
        expected = int(np.argmin(np.hypot(x - point.x, y - point.y)))
        assert set(res.table.loc[res.table["area_id"] == area, "node"]) == {expected}
    # synthetic buildings: 20,000 small houses, half with unknown levels, a fifth not homes
    m = 20_000
    bx, by = rng.uniform(xmin, xmax, m), rng.uniform(ymin, ymax, m)
    side = rng.uniform(5, 30, m)
    buildings = gpd.GeoDataFrame(
        {
            "levels": np.where(rng.random(m) < 0.5, np.nan, rng.integers(1, 9, m)),
            "residential": rng.random(m) > 0.2,
        },
        geometry=shapely.box(bx, by, bx + side, by + side),
        crs="EPSG:3006",
    )
    res_b = place_population(
        node_x=x, node_y=y, areas=areas, population=population, buildings=buildings
    )
    _check_conserved(res_b.table, population)
    assert (res_b.method_by_area == "buildings").sum() > 150
    assert (res_b.table["snap_distance_m"] >= 0).all()


def test_porto_alegre_cells_conserved() -> None:
    cells = load_pack(PACKS / "porto_alegre").cells()
    assert cells is not None
    rng = np.random.default_rng(7)
    x = rng.uniform(cells["x"].min(), cells["x"].max(), 5000)
    y = rng.uniform(cells["y"].min(), cells["y"].max(), 5000)
    res = place_population(node_x=x, node_y=y, cells=cells)
    assert res.table["pop_total"].sum() == 812_935
    per_cell = res.table.set_index("area_id")["pop_total"]
    expected = cells.set_index("id")["pop_total"]
    np.testing.assert_array_equal(per_cell.reindex(expected.index, fill_value=0), expected)
    # peer: brute-force nearest node for a sample of cells
    for row in cells.loc[cells["pop_total"] > 0].sample(20, random_state=1).itertuples():
        d = np.hypot(x - row.x, y - row.y)
        got = res.table.loc[res.table["area_id"] == row.id].iloc[0]
        assert got["node"] == int(np.argmin(d))
        assert got["snap_distance_m"] == pytest.approx(d.min())


@pytest.mark.parametrize(
    ("population", "error", "words"),
    [
        (pd.DataFrame({"pop_total": [1]}, index=["Z"]), UnknownIdError, "not in areas: Z"),
        (pd.DataFrame({"pop_total": [-1]}, index=["A"]), NegativeValueError, "negative"),
        (pd.DataFrame({"people": [1]}, index=["A"]), MissingColumnError, "pop_total"),
        (pd.DataFrame({"pop_total": [1], "g": [2]}, index=["A"]), DataError, "larger"),
        (pd.DataFrame({"pop_total": ["many"]}, index=["A"]), DataError, "not a number"),
    ],
)
def test_broken_population(population: pd.DataFrame, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        place_population(node_x=NODE_X, node_y=NODE_Y, areas=tiny_areas(), population=population)


def test_broken_network_and_method() -> None:
    with pytest.raises(EmptyNetworkError):
        place_population(
            node_x=np.array([]), node_y=np.array([]), areas=tiny_areas(), population=POP
        )
    with pytest.raises(DataError, match="NaN"):
        place_population(
            node_x=np.array([np.nan]), node_y=np.array([0.0]), areas=tiny_areas(), population=POP
        )
    with pytest.raises(DataError, match="needs `buildings`"):
        place_population(
            node_x=NODE_X, node_y=NODE_Y, areas=tiny_areas(), population=POP, method="buildings"
        )
    with pytest.raises(DataError, match="needs `cells`"):
        place_population(node_x=NODE_X, node_y=NODE_Y, method="cells")
