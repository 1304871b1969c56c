"""Housing: tenure mix, entropy, mixed-tenure score, change, crowding proxy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy

from jamlik.errors import DataError, MissingColumnError, NegativeValueError
from jamlik.indicators.housing import (
    housing_indicators,
    mixed_tenure_score,
    tenure_change,
    tenure_entropy,
    tenure_mix,
)

COLS = ["dwellings_rental", "dwellings_tenant_owned", "dwellings_owner_occupied"]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def gr_stats(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv"
    return pd.read_csv(path, dtype={"regsokod": str}).rename(columns={"regsokod": "area_id"})


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dwellings_rental": [10, 1, 2, 0],
            "dwellings_tenant_owned": [0, 1, 1, 0],
            "dwellings_owner_occupied": [0, 1, 1, 0],
            "dwellings_tenure_unknown": [5, 0, 0, 3],
            "dwellings_total": [15, 3, 4, 3],
            "pop_total": [30, 6, 10, 4],
        },
        index=pd.Index(["single", "even", "half", "unknown_only"], name="area_id"),
    )


def test_hand_computed() -> None:
    out = housing_indicators(_tiny())
    # unknown tenure is left out of the denominator and reported on its own
    np.testing.assert_allclose(out["share_rental"].iloc[:3], [1.0, 1 / 3, 0.5])
    np.testing.assert_allclose(out["tenure_unknown_share"], [5 / 15, 0, 0, 1])
    # entropy: 0, 1, and -(.5 ln .5 + 2 * .25 ln .25) / ln 3 = 1.5 ln 2 / ln 3
    np.testing.assert_allclose(
        out["tenure_entropy"].iloc[:3], [0.0, 1.0, 1.5 * np.log(2) / np.log(3)]
    )
    # mixed score: 1 - 3/4 * sum |p - 1/3|: 0, 1, 1 - 3/4 * (1/6 + 1/12 + 1/12) = 0.75
    np.testing.assert_allclose(out["mixed_tenure_score"].iloc[:3], [0.0, 1.0, 0.75])
    # an area without any dwelling of known tenure has no mix
    assert out.loc["unknown_only", ["share_rental", "tenure_entropy"]].isna().all()
    np.testing.assert_allclose(out["persons_per_dwelling"], [2.0, 2.0, 2.5, 4 / 3])
    # region pooled over known tenure: rental 13/17, others 2/17 each
    regional = np.array([13, 2, 2]) / 17
    expected = 0.5 * np.abs(np.array([1 / 3, 1 / 3, 1 / 3]) - regional).sum()
    assert out.loc["even", "dissimilarity_from_region"] == pytest.approx(expected)


def test_kernels_edge_values() -> None:
    assert tenure_entropy([[1.0, 0.0]])[0] == 0.0
    assert mixed_tenure_score([[0.5, 0.5]])[0] == pytest.approx(1.0)


def test_real_data_against_scipy_entropy(gr_stats: pd.DataFrame) -> None:
    table = gr_stats[gr_stats.year == 2023].set_index("area_id")
    out = tenure_mix(table)
    counts = table[COLS].to_numpy(dtype=float)
    expected = entropy(counts, axis=1) / np.log(3)  # scipy normalises the counts itself
    np.testing.assert_allclose(out["tenure_entropy"], expected, atol=1e-12)
    shares = out[["share_rental", "share_tenant_owned", "share_owner_occupied"]]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (out["mixed_tenure_score"].between(0, 1)).all()
    # entropy and mixed score are both maximal for an even mix: they rank areas alike
    assert out["tenure_entropy"].corr(out["mixed_tenure_score"], method="spearman") > 0.9


def test_change_over_years(gr_stats: pd.DataFrame) -> None:
    change = tenure_change(gr_stats, from_year=2020, to_year=2023)
    assert len(change) == 300
    a = tenure_mix(gr_stats[gr_stats.year == 2020].set_index("area_id"))
    b = tenure_mix(gr_stats[gr_stats.year == 2023].set_index("area_id"))
    np.testing.assert_allclose(
        change["share_rental_change"], (b["share_rental"] - a["share_rental"]).loc[change.index]
    )
    np.testing.assert_allclose(
        change["dwellings_known_change"].sum(),
        gr_stats.loc[gr_stats.year == 2023, COLS].to_numpy().sum()
        - gr_stats.loc[gr_stats.year == 2020, COLS].to_numpy().sum(),
    )


def test_bad_input(gr_stats: pd.DataFrame) -> None:
    with pytest.raises(NegativeValueError, match="dwellings_rental"):
        tenure_mix(_tiny().assign(dwellings_rental=[-1, 1, 1, 0]), source="bostad.csv")
    with pytest.raises(MissingColumnError, match="dwellings_owner_occupied"):
        tenure_mix(_tiny().drop(columns="dwellings_owner_occupied"))
    with pytest.raises(DataError, match="year 2019"):
        tenure_change(gr_stats, from_year=2019, to_year=2023)
    gap = gr_stats[~((gr_stats.year == 2023) & (gr_stats.area_id == "1482R001"))]
    with pytest.raises(DataError, match="1482R001"):
        tenure_change(gap, from_year=2020, to_year=2023)
