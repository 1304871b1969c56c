"""The packs under packs/ load the real data; figures are checked against the data READMEs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from jamlik.ingest import check_pack, is_error, load_pack

PACKS = Path(__file__).resolve().parents[1] / "packs"
ALL = ["gr", "kungalv", "tampere", "porto_alegre", "lund", "kuopio"]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.mark.parametrize("name", ALL)
def test_real_pack_has_no_errors(name: str, shared_data: Path) -> None:
    problems = check_pack(PACKS / name)
    assert not [str(p) for p in problems if is_error(p)]
    pack = load_pack(PACKS / name)
    assert pack.name == name and pack.crs.is_projected
    assert pack.sources, "every pack names its sources and licences"
    for path in [pack.osm_path, *pack.gtfs_paths]:
        if path is not None:
            assert path.is_file() and path.resolve().is_relative_to(shared_data)


def test_gr_areas_and_population(shared_data: Path) -> None:
    pack = load_pack(PACKS / "gr")
    areas = pack.areas()
    assert len(areas) == 300 and areas.index.is_unique
    # independent read with geopandas: same ids and the same total area
    direct = gpd.read_file(shared_data / "gr_statistical_areas" / "regso_gr_2025.gpkg")
    assert set(direct["regsokod"]) == set(areas.index)
    assert areas.area.sum() == pytest.approx(direct.area.sum(), rel=1e-12)
    stats = pack.statistics()
    totals = stats.groupby("year")["pop_total"].sum()
    # README: 1,049,592 (2020), 1,058,278 (2021), 1,070,935 (2022), 1,080,980 (2023)
    assert totals.to_dict() == {2020: 1049592, 2021: 1058278, 2022: 1070935, 2023: 1080980}
    assert pack.population_year == 2023
    population = pack.population()
    assert population["pop_total"].sum() == 1080980
    assert (
        population["born_in_sweden"] + population["born_abroad"] == population["pop_total"]
    ).all()
    # områdestyp (a snapshot table) is repeated on every year; README counts 15/23/38/177/47
    y2022 = stats.loc[stats["year"] == 2022]
    assert y2022["omradestyp_2022"].value_counts().sort_index().tolist() == [15, 23, 38, 177, 47]
    by_type = y2022.groupby("omradestyp_2022")["pop_total"].sum().tolist()
    assert by_type == [63045, 74507, 110057, 627848, 195478]
    layers = pack.opportunity_layers()
    assert layers is not None and set(layers["category"]) == {"transit_stop"}
    assert len(layers) == 3183  # README: 3,183 stop areas
    assert layers.total_bounds[0] > 250_000 and layers.total_bounds[2] < 380_000  # SWEREF 99 TM


def test_kungalv_filter(shared_data: Path) -> None:
    pack = load_pack(PACKS / "kungalv")
    areas = pack.areas()
    assert len(areas) == 11 and all(i.startswith("1482") for i in areas.index)
    assert pack.population()["pop_total"].sum() == 49785
    stats = pack.statistics()
    assert set(stats["area_id"]) == set(areas.index)
    # independent: the raw CSV filtered by pandas
    raw = pd.read_csv(shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv")
    raw = raw.loc[raw["kommunkod"] == 1482]
    assert stats.groupby("year")["pop_total"].sum().to_dict() == (
        raw.groupby("year")["pop_total"].sum().to_dict()
    )
    assert stats.loc[stats["area_id"] == "1482R004", "omradestyp_2022"].nunique() == 1


def test_porto_alegre_cells_and_opportunities() -> None:
    pack = load_pack(PACKS / "porto_alegre")
    cells = pack.cells()
    assert cells is not None and len(cells) == 1227
    assert cells["pop_total"].sum() == 812935  # README
    assert pack.config.population.method == "cells"
    layers = pack.opportunity_layers()
    assert layers is not None
    sums = layers.groupby("category")["count"].sum().to_dict()
    assert sums == {"healthcare": 141, "jobs": pytest.approx(337921), "school": 194}
    assert len(pack.gtfs_paths) == 2 and pack.osm_path is not None
    assert any("empty" in w.message for w in pack.warnings)  # 5 empty jobs/healthcare cells
    with pytest.raises(FileNotFoundError, match="no \\[areas\\]"):
        pack.areas()


def test_packs_without_areas_have_empty_statistics() -> None:
    pack = load_pack(PACKS / "tampere")
    assert not pack.has_areas and pack.statistics().empty
    assert list(pack.statistics().columns) == ["area_id", "year", "pop_total"]
    assert pack.crs.to_epsg() == 3067
