"""Gini, Theil (with between/within) and Atkinson equal PySAL `inequality` on GR RegSO data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from inequality.atkinson import atkinson as pysal_atkinson
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

from jamlik.indicators.equity import (
    atkinson,
    equity_indices,
    gini,
    theil_decomposition,
    theil_t,
)

TOL = 1e-12


@pytest.fixture(scope="module")
def stats(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv",
        dtype={"regsokod": str, "kommunkod": str},
    )


@pytest.mark.parametrize("year", [2020, 2021, 2022, 2023])
@pytest.mark.parametrize("column", ["mean_wage_income_tkr", "foreign_born_share"])
def test_unweighted_equal_pysal(stats: pd.DataFrame, year: int, column: str) -> None:
    frame = stats[stats["year"] == year]
    y = frame[column].to_numpy(float)
    assert gini(y) == pytest.approx(Gini(y).g, abs=TOL)
    assert theil_t(y) == pytest.approx(Theil(y).T, abs=TOL)
    dec = theil_decomposition(y, groups=frame["kommunkod"])
    expected = TheilD(y, frame["kommunkod"].to_numpy())
    assert dec.total == pytest.approx(expected.T, abs=TOL)
    assert dec.between == pytest.approx(float(expected.bg[0]), abs=TOL)
    assert dec.within == pytest.approx(float(expected.wg[0]), abs=TOL)
    assert dec.by_group["within_contribution"].sum() == pytest.approx(dec.within)
    for eps in (0.0, 0.5, 1.0, 2.0):
        assert atkinson(y + 1e-9, epsilon=eps) == pytest.approx(
            pysal_atkinson(y + 1e-9, eps), abs=TOL
        )


def test_population_weights_equal_expanded_data(stats: pd.DataFrame) -> None:
    """Weights are frequency weights: equal to PySAL on every person (1.08 million rows)."""
    frame = stats[stats["year"] == 2023]
    y = frame["mean_wage_income_tkr"].to_numpy(float)
    w = frame["pop_total"].to_numpy()
    people = np.repeat(y, w)
    assert gini(y, weights=w) == pytest.approx(Gini(people).g, abs=1e-12)
    assert theil_t(y, weights=w) == pytest.approx(Theil(people).T, abs=1e-12)
    assert atkinson(y, epsilon=0.5, weights=w) == pytest.approx(
        pysal_atkinson(people, 0.5), abs=1e-12
    )
    groups = np.repeat(frame["kommunkod"].to_numpy(), w)
    expected = TheilD(people, groups)
    dec = theil_decomposition(y, groups=frame["kommunkod"], weights=w)
    assert dec.between == pytest.approx(float(expected.bg[0]), abs=1e-12)
    assert dec.within == pytest.approx(float(expected.wg[0]), abs=1e-12)


def test_equity_indices_matches_parts(stats: pd.DataFrame) -> None:
    frame = stats[stats["year"] == 2023]
    res = equity_indices(
        frame,
        value="mean_wage_income_tkr",
        weight="pop_total",
        group="kommunkod",
        rank="foreign_born_share",
        atkinson_e=1.0,
    )
    y, w = frame["mean_wage_income_tkr"], frame["pop_total"]
    assert res.gini == gini(y, weights=w)
    assert res.theil_between is not None and res.theil_within is not None
    assert res.theil_between + res.theil_within == pytest.approx(res.theil_t)
    assert res.atkinson == atkinson(y, epsilon=1.0, weights=w)
    # higher wages are concentrated where fewer people were born abroad
    assert res.concentration_index is not None and res.concentration_index < 0
    assert set(res.to_dict()) == {
        "gini", "theil_t", "theil_between", "theil_within", "palma", "concentration_index",
        "atkinson",
    }  # fmt: skip
