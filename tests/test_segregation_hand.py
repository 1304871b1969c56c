"""Segregation indices on tiny cases worked out by hand, and the O(n log n) Gini vs brute force."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from jamlik.indicators.segregation import _kernels as kern
from jamlik.indicators.segregation.indices import (
    multigroup_indices,
    segregation_indices,
    spatial_dissimilarity,
)


def _frame(x: list[float], t: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"g": x, "t": t})


def test_complete_segregation() -> None:
    r = segregation_indices(_frame([10, 0], [10, 10]), group="g", total="t")
    assert r.dissimilarity == pytest.approx(1.0)
    assert r.gini == pytest.approx(1.0)
    assert r.entropy == pytest.approx(1.0)
    assert r.isolation == pytest.approx(1.0)
    assert r.exposure == pytest.approx(0.0)
    assert r.correlation_ratio == pytest.approx(1.0)
    assert r.atkinson == pytest.approx(1.0)


def test_even_spread() -> None:
    r = segregation_indices(_frame([5, 5, 5], [10, 10, 10]), group="g", total="t")
    for value in (r.dissimilarity, r.gini, r.entropy, r.correlation_ratio, r.atkinson):
        assert value == pytest.approx(0.0, abs=1e-12)
    assert r.isolation == pytest.approx(0.5)
    assert r.exposure == pytest.approx(0.5)


def test_two_areas_by_hand() -> None:
    # p = (0.2, 0.8), t = (10, 10), P = 0.5
    r = segregation_indices(_frame([2, 8], [10, 10]), group="g", total="t", atkinson_b=0.5)
    assert r.dissimilarity == pytest.approx(6 / 10)  # (10·0.3 + 10·0.3) / (2·20·0.25)
    assert r.gini == pytest.approx(120 / 200)  # 2·100·0.6 / (2·400·0.25)
    assert r.isolation == pytest.approx(0.2 * 0.2 + 0.8 * 0.8)
    assert r.exposure == pytest.approx(0.2 * 0.8 + 0.8 * 0.2)
    assert r.correlation_ratio == pytest.approx((0.68 - 0.5) / 0.5)
    assert r.atkinson == pytest.approx(1 - (2 * math.sqrt(0.16)) ** 2)  # 1 − 0.8² = 0.36
    e_area = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8))
    assert r.entropy == pytest.approx((math.log(2) - e_area) / math.log(2))


def test_empty_area_contributes_nothing() -> None:
    with_empty = segregation_indices(_frame([2, 8, 0], [10, 10, 0]), group="g", total="t")
    without = segregation_indices(_frame([2, 8], [10, 10]), group="g", total="t")
    assert with_empty.to_dict() | {"n_areas": 2} == without.to_dict()


def test_spatial_dissimilarity_three_in_a_row() -> None:
    # three unit squares in a row: queen neighbours 0-1 and 1-2; p = (0, 0.5, 1)
    areas = gpd.GeoDataFrame(
        {"g": [0, 5, 10], "t": [10, 10, 10]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:3006",
    )
    d = 10 * (0.5 + 0 + 0.5) / (2 * 30 * 0.25)
    neighbour_term = (4 * 0.5) / 4
    assert spatial_dissimilarity(areas, group="g", total="t") == pytest.approx(d - neighbour_term)


def test_multigroup_by_hand() -> None:
    # two areas, three groups; area 1 = (2, 2, 0), area 2 = (0, 2, 4)
    frame = pd.DataFrame({"a": [2, 0], "b": [2, 2], "c": [0, 4]})
    r = multigroup_indices(frame, groups=["a", "b", "c"])
    P = np.array([2, 4, 4]) / 10
    p = np.array([[0.5, 0.5, 0.0], [0.0, 1 / 3, 2 / 3]])
    t = np.array([4, 6])
    interaction = float(np.sum(P * (1 - P)))
    assert r.dissimilarity == pytest.approx(
        float(np.sum(t[:, None] * np.abs(p - P))) / (2 * 10 * interaction)
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=2, max_size=40).filter(
        lambda rows: 0 < sum(a for a, _ in rows) < sum(a + b for a, b in rows)
    )
)
def test_fast_gini_equals_pair_sum(rows: list[tuple[int, int]]) -> None:
    x = np.array([a for a, _ in rows], dtype=float)
    t = np.array([a + b for a, b in rows], dtype=float)
    p = np.divide(x, t, out=np.zeros_like(x), where=t > 0)
    T, P = t.sum(), x.sum() / t.sum()
    brute = np.sum(np.outer(t, t) * np.abs(p[:, None] - p[None, :])) / (2 * T * T * P * (1 - P))
    assert kern.gini(x, t) == pytest.approx(brute, abs=1e-12)
    counts = np.column_stack([x, t - x])
    assert kern.multi_gini(counts) == pytest.approx(brute, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 80), st.integers(1, 80)), min_size=2, max_size=30).filter(
        lambda rows: 0 < sum(a for a, _ in rows) < sum(a + b for a, b in rows)
    ),
    st.integers(2, 9),
)
def test_invariant_to_scale_and_order(rows: list[tuple[int, int]], k: int) -> None:
    frame = pd.DataFrame({"g": [a for a, _ in rows], "t": [a + b for a, b in rows]})
    base = segregation_indices(frame, group="g", total="t").to_dict()
    scaled = segregation_indices(frame * k, group="g", total="t").to_dict()
    shuffled = segregation_indices(
        frame.sample(frac=1.0, random_state=len(rows)), group="g", total="t"
    ).to_dict()
    for key, value in base.items():
        assert scaled[key] == pytest.approx(value, abs=1e-12), key
        assert shuffled[key] == pytest.approx(value, abs=1e-12), key
    for key in ("dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"):
        assert -1e-12 <= base[key] <= 1 + 1e-12, key
