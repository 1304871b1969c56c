"""Equity measures on hand-worked cases; Palma and the concentration index by two formulas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.errors import DataError, MissingColumnError, NegativeValueError
from jamlik.indicators.equity import (
    atkinson,
    concentration_curve,
    concentration_index,
    equity_indices,
    gini,
    group_equity,
    lorenz_curve,
    palma,
    theil_decomposition,
    theil_t,
)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def test_gini_by_hand() -> None:
    # pairs of (0, 0, 4): |differences| over n² = (4+4)·2 / 9, mean 4/3 → G = (16/9) / (8/3)
    assert gini([0, 0, 4]) == pytest.approx((16 / 9) / (2 * 4 / 3))
    assert gini([5, 5, 5]) == 0.0
    assert gini([1, 2], weights=[3, 1]) == pytest.approx(gini([1, 1, 1, 2]))


def test_theil_by_hand() -> None:
    assert theil_t([1, 3]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    dec = theil_decomposition([1, 1, 3, 3], groups=["a", "a", "b", "b"])
    assert dec.within == pytest.approx(0.0, abs=1e-15)
    assert dec.between == pytest.approx(dec.total)


def test_atkinson_by_hand() -> None:
    # ε = 0.5: EDE = ((1 + 3)/2)² with square roots → ((1 + √3) / 2)²
    assert atkinson([1, 3], epsilon=0.5) == pytest.approx(1 - ((1 + math.sqrt(3)) / 2) ** 2 / 2)
    assert atkinson([1, 3], epsilon=1.0) == pytest.approx(1 - math.sqrt(3) / 2)
    assert atkinson([1, 3], epsilon=0.0) == pytest.approx(0.0)


def test_palma_by_hand() -> None:
    assert palma(range(1, 11)) == pytest.approx(10 / (1 + 2 + 3 + 4))
    # bottom 40 % hold 4 of 25, the top 10 % hold 11 of 25
    assert palma([1, 1, 1, 1, 2, 2, 2, 2, 2, 11]) == pytest.approx(11 / 4)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.lists(st.integers(1, 1000), min_size=10 * k, max_size=10 * k)
    )
)
def test_palma_two_formulas(values: list[int]) -> None:
    """Lorenz interpolation = direct top-10 %/bottom-40 % sums when n is a multiple of 10."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    direct = x[int(0.9 * n) :].sum() / x[: int(0.4 * n)].sum()
    assert palma(x) == pytest.approx(direct, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 6)), min_size=2, max_size=15))
def test_weights_equal_repetition(rows: list[tuple[int, int]]) -> None:
    x = np.array([v for v, _ in rows], dtype=float)
    w = np.array([k for _, k in rows])
    if x.sum() == 0 or np.repeat(x, w)[: int(0.4 * w.sum()) or 1].sum() == 0:
        return
    expanded = np.repeat(x, w)
    assert gini(x, weights=w) == pytest.approx(gini(expanded), abs=1e-12)
    assert theil_t(x, weights=w) == pytest.approx(theil_t(expanded), abs=1e-12)
    if np.sort(expanded)[: math.ceil(0.4 * expanded.size)].sum() > 0:
        assert palma(x, weights=w) == pytest.approx(palma(expanded), rel=1e-9)


def test_concentration_index_by_hand() -> None:
    # r = (1/6, 1/2, 5/6), μ = 2, cov = 2/9 → C = 2·(2/9)/2
    assert concentration_index([1, 2, 3], rank=[10, 20, 30]) == pytest.approx(2 / 9)
    assert concentration_index([1, 2, 3], rank=[30, 20, 10]) == pytest.approx(-2 / 9)
    assert concentration_index([4, 4, 4], rank=[1, 2, 3]) == pytest.approx(0.0, abs=1e-15)
    curve = concentration_curve([1, 2, 3], rank=[10, 20, 30])
    np.testing.assert_allclose(curve["population_share"], [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(curve["value_share"], [0, 1 / 6, 1 / 2, 1])


def _curve_formula(values: np.ndarray, rank: np.ndarray, weights: np.ndarray) -> float:
    c = concentration_curve(values, rank=rank, weights=weights)
    p, v = c["population_share"].to_numpy(), c["value_share"].to_numpy()
    return float(1 - np.sum((p[1:] - p[:-1]) * (v[1:] + v[:-1])))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 8), st.integers(1, 5)), min_size=2, max_size=25
    )
)
def test_concentration_index_two_formulas(rows: list[tuple[int, int, int]]) -> None:
    """Covariance formula = 1 − 2·(area under the concentration curve), ties included."""
    x = np.array([a for a, _, _ in rows], dtype=float)
    r = np.array([b for _, b, _ in rows], dtype=float)
    w = np.array([c for _, _, c in rows], dtype=float)
    if x.sum() == 0:
        return
    assert concentration_index(x, rank=r, weights=w) == pytest.approx(
        _curve_formula(x, r, w), abs=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=2, max_size=30, unique=True))
def test_gini_is_concentration_index_ranked_by_itself(values: list[int]) -> None:
    x = np.asarray(values, dtype=float)
    if x.sum() == 0:
        return
    assert concentration_index(x, rank=x) == pytest.approx(gini(x), abs=1e-12)
    lc = lorenz_curve(x)
    assert 1 - np.sum(np.diff(lc["population_share"]) * (
        lc["value_share"].to_numpy()[1:] + lc["value_share"].to_numpy()[:-1]
    )) == pytest.approx(gini(x), abs=1e-12)  # fmt: skip


def test_group_equity_by_hand() -> None:
    frame = pd.DataFrame({"minutes": [10.0, 20.0], "a": [1, 3], "b": [3, 1]})
    out = group_equity(frame, value="minutes", groups=["a", "b"], standard=15)
    assert out.loc["a", "mean"] == pytest.approx((10 + 60) / 4)
    assert out.loc["b", "mean"] == pytest.approx((30 + 20) / 4)
    assert out.loc["b", "ratio_to_reference"] == pytest.approx(12.5 / 17.5)
    assert out.loc["b", "difference_to_reference"] == pytest.approx(-5.0)
    assert out.loc["a", "share_below_standard"] == pytest.approx(1 / 4)  # higher is better
    times = group_equity(
        frame, value="minutes", groups=["a", "b"], standard=15, higher_is_better=False
    )
    assert times.loc["a", "share_below_standard"] == pytest.approx(3 / 4)
    at_standard = group_equity(frame, value="minutes", groups=["a"], standard=10)
    assert at_standard.loc["a", "share_below_standard"] == 0.0  # equal to the standard meets it


def test_bad_inputs() -> None:
    with pytest.raises(NegativeValueError):
        gini([1, -2, 3])
    with pytest.raises(NegativeValueError):
        gini([1, 2], weights=[1, -1])
    with pytest.raises(DataError, match="1 area"):
        gini([3])
    with pytest.raises(DataError, match="zero mean"):
        theil_t([0, 0, 0])
    with pytest.raises(DataError, match="finite"):
        gini([1, float("nan")])
    with pytest.raises(DataError, match="needs every value > 0"):
        atkinson([0, 1, 2], epsilon=1.0)
    assert palma([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == math.inf
    frame = pd.DataFrame({"v": [1.0, 2.0], "w": [1, 2]})
    with pytest.raises(MissingColumnError, match="'rank_col'"):
        equity_indices(frame, value="v", rank="rank_col")
    with pytest.raises(NegativeValueError, match="column 'w'"):
        equity_indices(frame.assign(w=[1, -2]), value="v", weight="w", source="t.csv")
    with pytest.raises(DataError, match="reference group"):
        group_equity(frame, value="v", groups=["w"], reference="x")
