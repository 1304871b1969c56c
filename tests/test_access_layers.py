"""Tidy access outputs: area and grid aggregates equal a recomputation from per-origin values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import typer
from typer.testing import CliRunner

from jamlik.cli import access as access_cli
from jamlik.config import profile
from jamlik.datasets import generate_town, write_town_pack
from jamlik.errors import DataError
from jamlik.indicators.access.aggregate import share_within
from jamlik.ingest import load_pack, read_osm
from jamlik.networks import build_street_network
from jamlik.runs.access import AccessOptions, PackAccess, compute_pack_access
from jamlik.runs.access_layers import CategoryColumns, grid_cells, tidy_values, wide_layer
from jamlik.runs.inputs import pack_residents

PROFILES = ("adult", "wheelchair")
CATEGORIES = ("grocery", "school", "park")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _hand_case() -> tuple[pd.DataFrame, pd.DataFrame, list[CategoryColumns]]:
    per_origin = pd.DataFrame(
        {
            "school_nearest_1_min_adult": [2.0, 20.0, np.nan],
            "school_count_15min_adult": [3.0, 0.0, 0.0],
            "school_decay_x_adult": [1.5, 0.25, 0.0],
        },
        index=pd.Index([10, 11, 12], name="node"),
    )
    residents = pd.DataFrame(
        {"node": [10, 11, 12, 11], "area_id": ["A", "A", "B", "B"], "pop_total": [10, 30, 20, 20]}
    )
    columns = [CategoryColumns("adult", "school", *per_origin.columns)]
    return per_origin, residents, columns


def test_tidy_values_by_hand() -> None:
    per_origin, residents, columns = _hand_case()
    out = tidy_values(per_origin, residents, columns, threshold_min=15, groups=["pop_total"],
                      id_column="area_id")  # fmt: skip
    got = out.set_index(["area_id", "measure"])
    # A: 10 people at 2 min, 30 at 20 min.
    assert got.loc[("A", "min"), "value"] == pytest.approx((10 * 2 + 30 * 20) / 40)
    assert got.loc[("A", "in15"), "value"] == pytest.approx(10 / 40)
    assert got.loc[("A", "n15"), "value"] == pytest.approx(30 / 40)
    assert got.loc[("A", "dec"), "value"] == pytest.approx((10 * 1.5 + 30 * 0.25) / 40)
    assert got.loc[("A", "min"), "no_access_share"] == 0.0
    # B: 20 without access (never 0 minutes), 20 at 20 min.
    assert got.loc[("B", "min"), "value"] == pytest.approx(20.0)
    assert got.loc[("B", "min"), "no_access_share"] == pytest.approx(0.5)
    assert got.loc[("B", "in15"), "value"] == 0.0
    assert np.isnan(got.loc[("B", "in15"), "no_access_share"])
    # The whole pack, and the population of each row.
    assert got.loc[("*", "in15"), "value"] == pytest.approx(10 / 80)
    assert got.loc[("*", "min"), "population"] == 80
    assert set(out["profile"]) == {"adult"} and set(out["category"]) == {"school"}


def test_grid_cells_by_hand() -> None:
    x = np.array([0.0, 249.9, 250.0, -0.1, 1000.0])
    y = np.array([0.0, 10.0, 10.0, 10.0, 6_820_100.0])
    cell_of, cells = grid_cells(x, y, cell_m=250, crs="EPSG:3006")
    assert list(cell_of) == ["250mN0E0", "250mN0E0", "250mN0E250", "250mN0E-250",
                             "250mN6820000E1000"]  # fmt: skip
    assert len(cells) == 4
    square = cells.set_index("cell_id").geometry["250mN6820000E1000"]
    assert square.bounds == (1000.0, 6_820_000.0, 1250.0, 6_820_250.0)
    assert (cells.geometry.area == 250.0**2).all()


def test_wide_layer_is_the_long_table_rounded() -> None:
    per_origin, residents, columns = _hand_case()
    values = tidy_values(per_origin, residents, columns, threshold_min=15, groups=["pop_total"],
                         id_column="area_id")  # fmt: skip
    _, polygons = grid_cells(np.array([0.0, 300.0]), np.array([0.0, 0.0]), cell_m=250, crs=None)
    polygons = polygons.assign(area_id=["A", "B"])[["area_id", "geometry"]]
    layer = wide_layer(values, polygons, id_column="area_id", profile="adult", threshold_min=15)
    row = layer.set_index("area_id")
    assert list(row.columns[:6]) == ["geometry", "population", "school_min", "school_noacc",
                                     "school_in15", "school_n15"]  # fmt: skip
    assert row.loc["A", "school_min"] == round((10 * 2 + 30 * 20) / 40, 2)
    assert row.loc["B", "school_noacc"] == 0.5
    assert row.loc["A", "population"] == 40 and row["population"].dtype == np.int64


@pytest.fixture(scope="module")
def town_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_town_pack(generate_town(n_nodes=2000, seed=5), tmp_path_factory.mktemp("town"))


@pytest.fixture(scope="module")
def town_access(town_pack: Path) -> PackAccess:
    options = AccessOptions(profiles=PROFILES, categories=CATEGORIES, grid_m=300)
    return compute_pack_access(load_pack(town_pack), options=options)


def _origins_frame(result: PackAccess) -> pd.DataFrame:
    origins = pd.DataFrame(result.origins.drop(columns="geometry"))
    origins["x"], origins["y"] = result.origins.geometry.x, result.origins.geometry.y
    return origins


def test_grid_equals_pandas_recomputation(town_access: PackAccess) -> None:
    origins = _origins_frame(town_access)
    origins["cell"] = [
        f"300mN{int(np.floor(y / 300) * 300)}E{int(np.floor(x / 300) * 300)}"
        for x, y in zip(origins["x"], origins["y"], strict=True)
    ]
    origins = origins[origins["pop_total"] > 0]
    values = town_access.grid_values
    assert values is not None and town_access.grid is not None
    assert set(values["cell_id"]) == set(origins["cell"]) == set(town_access.grid["cell_id"])
    for prof in PROFILES:
        for category in CATEGORIES:
            time = origins[f"{category}_nearest_1_min_{prof}"]
            p = origins["pop_total"]
            reach = time.notna()
            frame = pd.DataFrame({
                "cell": origins["cell"], "p": p, "pt": p * time.fillna(0), "pr": p * reach,
                "pin": p * (time <= 15), "pn": p * origins[f"{category}_count_15min_{prof}"],
                "pd": p * origins[f"{category}_decay_exp_half10min_{prof}"],
            })  # fmt: skip
            sums = frame.groupby("cell").sum()
            want = {
                "min": sums["pt"] / sums["pr"],
                "in15": sums["pin"] / sums["p"],
                "n15": sums["pn"] / sums["p"],
                "dec": sums["pd"] / sums["p"],
            }
            mine = values[(values["profile"] == prof) & (values["category"] == category)]
            for measure, expected in want.items():
                got = mine[mine["measure"] == measure].set_index("cell_id")
                np.testing.assert_allclose(got["value"].reindex(expected.index), expected,
                                           rtol=1e-12, equal_nan=True)  # fmt: skip
                np.testing.assert_array_equal(got["population"].reindex(sums.index), sums["p"])
            got = mine[mine["measure"] == "min"].set_index("cell_id")["no_access_share"]
            expected = 1 - sums["pr"] / sums["p"]
            np.testing.assert_allclose(got.reindex(expected.index), expected, atol=1e-12)


def test_grid_conserves_the_population(town_pack: Path, town_access: PackAccess) -> None:
    values = town_access.grid_values
    assert values is not None
    cells = values[(values["measure"] == "min") & (values["category"] == "grocery")
                   & (values["profile"] == "adult")]  # fmt: skip
    total = load_pack(town_pack).population()["pop_total"].sum()
    assert cells["population"].sum() == total == town_access.origins["pop_total"].sum()
    assert (cells["population"] > 0).all()
    layers, _ = town_access.output_layers(pd.DataFrame({"name": ["x"]}))
    assert layers["grid_adult"]["population"].sum() == total
    assert layers["areas_adult"]["population"].sum() == total


def test_areas_equal_pandas_recomputation(town_pack: Path, town_access: PackAccess) -> None:
    pack = load_pack(town_pack)
    assert pack.osm_path is not None
    osm = read_osm(pack.osm_path)
    walk = build_street_network(osm, mode="walk", crs=pack.crs.to_string())
    residents = pack_residents(pack, walk, walk.to_graph(profile("adult")).node_index, osm=osm)
    assert residents is not None
    per_node = town_access.origins.set_index("node")
    table = residents.table
    values = town_access.area_values.set_index(["area_id", "profile", "group", "category",
                                                "measure"])["value"]  # fmt: skip
    summary = town_access.summary.set_index(["area_id", "profile", "group", "indicator"])["value"]
    for group in ("pop_total", "age_65_plus", "born_abroad"):
        for prof in PROFILES:
            time = per_node[f"school_nearest_1_min_{prof}"].loc[table["node"]].to_numpy()
            p = table[group].to_numpy(dtype=float)
            within = pd.Series(p * (time <= 15)).groupby(table["area_id"].to_numpy()).sum()
            people = pd.Series(p).groupby(table["area_id"].to_numpy()).sum()
            share = (within / people)[people > 0]
            for area, expected in share.items():
                assert values[(area, prof, group, "school", "in15")] == pytest.approx(expected)
            whole = share_within(town_access.origins, columns=[f"school_nearest_1_min_{prof}"],
                                 threshold=15, groups=[group])  # fmt: skip
            assert values[("*", prof, group, "school", "in15")] == pytest.approx(
                whole.iloc[0, 0], abs=1e-12
            )
            # The other measures are the summary's values.
            for measure, indicator in (("min", "nearest_1_min"), ("n15", "count_15min"),
                                       ("dec", "decay_exp_half10min")):  # fmt: skip
                want = summary.xs((prof, group, f"school_{indicator}_{prof}"),
                                  level=("profile", "group", "indicator"))  # fmt: skip
                got = values.xs((prof, group, "school", measure),
                                level=("profile", "group", "category", "measure"))  # fmt: skip
                pd.testing.assert_series_equal(got.sort_index(), want.sort_index(),
                                               check_names=False)  # fmt: skip


def test_every_layer_column_is_described(town_access: PackAccess) -> None:
    layers, _ = town_access.output_layers(pd.DataFrame({"name": ["x"]}))
    described = set(town_access.descriptions["column"])
    for name in ("areas_adult", "grid_wheelchair"):
        columns = set(layers[name].columns) - {"geometry"}
        assert columns <= described, columns - described
    assert {"measure", "no_access_share"} <= described


def test_threshold_must_be_a_cutoff() -> None:
    assert AccessOptions().standard_min == 15.0
    assert AccessOptions(cutoffs_min=(10, 20, 30)).standard_min == 20.0
    assert AccessOptions(threshold_min=10).standard_min == 10.0
    with pytest.raises(ValueError, match="one of the cut-offs"):
        AccessOptions(threshold_min=12)


def test_geopackage_layers_and_size(town_pack: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    access_cli.register(app)
    app.command("noop")(lambda: None)
    args = ["access", str(town_pack), "--profiles", "adult,bike", "--grid-m", "500"]
    tidy, detail = tmp_path / "tidy.gpkg", tmp_path / "detail.gpkg"
    result = CliRunner().invoke(app, [*args, "--out", str(tidy)])
    assert result.exit_code == 0, result.output
    layers = dict(pyogrio.list_layers(tidy))
    assert set(layers) == {"areas_adult", "areas_bike", "grid_adult", "grid_bike",
                           "opportunities", "area_values", "summary", "column_descriptions",
                           "sources", "notes"}  # fmt: skip
    assert layers["grid_adult"] == "Polygon" and layers["area_values"] is None
    grid = pyogrio.read_dataframe(tidy, layer="grid_adult")
    assert grid["cell_id"].str.startswith("500mN").all()
    assert len(grid.columns) < 80  # a handful of short columns per category, not hundreds
    long = pyogrio.read_dataframe(tidy, layer="area_values")
    assert list(long.columns) == ["area_id", "profile", "group", "category", "measure", "value",
                                  "population", "no_access_share"]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--out", str(detail), "--detail", "origins"])
    assert result.exit_code == 0, result.output
    origins = pyogrio.read_dataframe(detail, layer="origins")
    assert "grocery_nearest_1_min_bike" in origins.columns
    # Size class: the tidy file stays small (the long summary is most of it); the per-origin
    # detail adds one point per resident node with every indicator.
    assert tidy.stat().st_size < 3_000_000 < detail.stat().st_size
    again = [*args, "--out", str(detail), "--detail", "everything", "--overwrite"]
    result = CliRunner().invoke(app, again)
    assert result.exit_code == 2 and "everything" in result.output


def test_grid_can_be_switched_off(town_pack: Path) -> None:
    options = AccessOptions(profiles=("adult",), categories=("grocery",), grid_m=0)
    result = compute_pack_access(load_pack(town_pack), options=options)
    assert result.grid is None and result.grid_values is None
    layers, _ = result.output_layers(pd.DataFrame({"name": ["x"]}))
    assert not [name for name in layers if name.startswith("grid_")]
    with pytest.raises(DataError, match="no opportunities"):
        compute_pack_access(load_pack(town_pack), options=AccessOptions(categories=("moon",)))
