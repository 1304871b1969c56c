"""The dialogue summary against hand calculations and, on a real pack, an independent count."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import LineString, Point, Polygon, box

from jamlik.dialogue import DEFAULT_CATEGORIES, age_band_label, dialogue_summary, representativeness
from jamlik.errors import MissingColumnError
from jamlik.ska import load_ska_rules

ASPECTS = {k: {"sv": a.sv, "en": a.en} for k, a in load_ska_rules().aspects.items()}


def _tiny() -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    areas = gpd.GeoDataFrame(
        {"name": ["Alfa", "Beta"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        index=pd.Index(["A", "B"], name="area_id"),
        crs=3006,
    )
    population = pd.DataFrame(
        {
            "pop_total": [300, 100],
            "age_0_5": [30, 10],
            "age_6_15": [70, 20],
            "age_16_64": [150, 50],
            "age_65_plus": [50, 20],
        },
        index=areas.index,
    )
    contributions = gpd.GeoDataFrame(
        {
            "category": ["trivs_har", "otryggt", "saknas", "motesplats", "otryggt"],
            "participant": ["p1", "p1", "p2", None, None],
            "age_band": ["age_65_plus", None, "age_16_64", "age_16_64", None],
            "home_area": ["A", None, "B", None, None],
        },
        geometry=[
            Point(5, 5),
            LineString([(12, 1), (18, 1)]),
            Polygon([(1, 1), (3, 1), (3, 3), (1, 3)]),
            Point(30, 30),
            Point(15, 5),
        ],
        crs=3006,
    )
    return areas, population, contributions


def test_summary_by_hand() -> None:
    areas, population, contributions = _tiny()
    s = dialogue_summary(
        contributions,
        areas=areas,
        population=population,
        categories=DEFAULT_CATEGORIES,
        aspects=ASPECTS,
        language="en",
    )
    assert (s.contributions, s.participants, s.outside) == (5, 4, 1)
    assert s.per_area.loc[
        "A", ["trivs_har", "otryggt", "saknas", "motesplats", "total"]
    ].tolist() == [1, 0, 1, 0, 2]
    assert s.per_area.loc[
        "B", ["trivs_har", "otryggt", "saknas", "motesplats", "total"]
    ].tolist() == [0, 2, 0, 0, 2]
    assert s.per_aspect["contributions"].to_dict() == {
        "sammanhallen_stad": 0, "samspel": 1, "vardagsliv": 1, "identitet": 1,
        "halsa_och_sakerhet": 2,
    }  # fmt: skip
    # Age: p1 65+, p2 16-64, the anonymous outside point 16-64 -> 3 stated of 4 people.
    age = s.by_age
    assert age["participants"].tolist() == [0, 0, 2, 1]
    assert age["population_share"].tolist() == pytest.approx([0.1, 0.225, 0.5, 0.175])
    assert age["ratio"].tolist() == pytest.approx([0, 0, (2 / 3) / 0.5, (1 / 3) / 0.175])
    assert age["under"].tolist() == [True, True, False, False]
    assert age["label"].tolist() == ["0–5", "6–15", "16–64", "65+"]
    chi2 = 0.3 + 0.675 + 0.5**2 / 1.5 + 0.475**2 / 0.525
    assert age.attrs["chi2_p"] == pytest.approx(stats.chi2.sf(chi2, 3))
    home = s.by_home_area
    assert home["participants"].tolist() == [1, 1]
    assert home["ratio"].tolist() == pytest.approx([0.5 / 0.75, 0.5 / 0.25])
    assert home["under"].tolist() == [False, False]
    assert home["label"].tolist() == ["Alfa", "Beta"]
    notes = " ".join(s.notes)
    assert "1 contributions lie outside" in notes
    assert "Only 3 participants stated an age band" in notes
    assert "Age bands not heard: 0–5, 6–15." in notes


def test_representativeness_edges() -> None:
    table = representativeness({"a": 0, "b": 0, "x": 5}, {"a": 10.0, "b": 0.0})
    assert table["participants"].tolist() == [0, 0]
    assert table["share"].tolist() == [0, 0]
    assert np.isnan(table.loc["b", "ratio"]) and not table.loc["b", "under"]
    assert age_band_label("age_16_64") == "16–64" and age_band_label("born_abroad") == "born_abroad"


def test_missing_columns_named() -> None:
    areas, population, contributions = _tiny()
    with pytest.raises(MissingColumnError, match="participant"):
        dialogue_summary(
            contributions.drop(columns="participant"),
            areas=areas,
            population=population,
            categories=DEFAULT_CATEGORIES,
            aspects=ASPECTS,
        )


@pytest.mark.slow
def test_real_pack_areas_and_population(shared_data: Path) -> None:
    """Kungälv's RegSO areas: points placed inside each area in proportion to its residents
    are counted back to that area (checked with shapely one by one) and every area is heard
    in proportion (ratio 1)."""
    from jamlik.ingest import load_pack

    root = Path(__file__).resolve().parents[2]
    pack = load_pack(root / "packs" / "kungalv")
    areas = pack.areas()
    population = pack.population()
    per_area = (population["pop_total"] // 1000).astype(int)
    rows = []
    for area_id, n in per_area.items():
        inside = areas.geometry[area_id].representative_point()
        rows += [{"category": "trivs_har", "participant": f"{area_id}-{i}", "age_band": None,
                  "home_area": area_id, "geometry": inside} for i in range(n)]  # fmt: skip
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=areas.crs).to_crs(4326)
    s = dialogue_summary(
        frame, areas=areas, population=population, categories=DEFAULT_CATEGORIES, aspects=ASPECTS
    )
    wgs = areas.to_crs(4326)
    expected = {
        a: sum(bool(g.contains(p)) for p in frame.geometry) for a, g in wgs.geometry.items()
    }
    assert s.per_area["total"].to_dict() == expected
    assert s.outside == 0
    shares = per_area / per_area.sum()
    pop_shares = population["pop_total"] / population["pop_total"].sum()
    assert s.by_home_area["share"].to_numpy() == pytest.approx(shares.to_numpy())
    assert s.by_home_area["ratio"].to_numpy() == pytest.approx((shares / pop_shares).to_numpy())
