"""Property tests of the largest-remainder (Hamilton) apportionment and of exact conservation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from jamlik.networks import apportion, place_population


def test_hand_checked_apportionment() -> None:
    # 10 seats over weights 5, 3, 2 (one group): quotas 5, 3, 2 exactly
    assert apportion(np.array([10]), np.zeros(3, int), np.array([5.0, 3, 2])).tolist() == [5, 3, 2]
    # 7 over 1/3 each: quotas 2.333 -> 2, 2, 2 and one left to the first -> 3, 2, 2
    assert apportion(np.array([7]), np.zeros(3, int), np.ones(3)).tolist() == [3, 2, 2]
    # two groups; the second has zero weights: split evenly (2 over 2 items)
    got = apportion(np.array([5, 2]), np.array([0, 0, 1, 1]), np.array([0.6, 0.4, 0.0, 0.0]))
    assert got.tolist() == [3, 2, 1, 1]
    # Alabama-style case: 4 over weights .45,.45,.1 -> quotas 1.8, 1.8, .4 -> 2, 2, 0
    assert apportion(np.array([4]), np.zeros(3, int), np.array([0.45, 0.45, 0.1])).tolist() == [
        2,
        2,
        0,
    ]


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    n_groups=st.integers(1, 6),
)
def test_apportion_quota_rule_and_exact_sums(data: st.DataObject, n_groups: int) -> None:
    totals = data.draw(arrays(np.int64, n_groups, elements=st.integers(0, 2_000_000)))
    sizes = data.draw(st.lists(st.integers(1, 12), min_size=n_groups, max_size=n_groups))
    groups = np.repeat(np.arange(n_groups), sizes)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    weights = rng.choice([0.0, 1.0, 1e-6, 3.7, 1e4], size=groups.size) * rng.random(groups.size)
    got = apportion(totals, groups, weights)
    assert got.dtype == np.int64 and (got >= 0).all()
    np.testing.assert_array_equal(np.bincount(groups, weights=got, minlength=n_groups), totals)
    # quota rule: every item gets floor(q) or ceil(q), q = N w / sum(w) (even split if sum is 0)
    wsum = np.bincount(groups, weights=weights, minlength=n_groups)
    w = np.where(wsum[groups] > 0, weights, 1.0)
    wsum = np.bincount(groups, weights=w, minlength=n_groups)
    quota = totals[groups] * w / wsum[groups]
    assert (got >= np.floor(quota) - 1e-6).all() and (got <= np.ceil(quota) + 1e-6).all()


@settings(max_examples=40, deadline=None)
@given(
    pops=st.lists(st.tuples(st.integers(0, 5000), st.floats(0, 1)), min_size=4, max_size=4),
    n_nodes=st.integers(1, 60),
    seed=st.integers(0, 10_000),
)
def test_place_population_conserves_every_area_and_group(
    pops: list[tuple[int, float]], n_nodes: int, seed: int
) -> None:
    # four 100 m squares in a row; random nodes anywhere (some areas may have none)
    areas = gpd.GeoDataFrame(
        geometry=[shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(4)],
        index=pd.Index(["a", "b", "c", "d"], name="area_id"),
        crs="EPSG:3006",
    )
    total = np.array([p for p, _ in pops])
    group = np.floor(total * np.array([s for _, s in pops])).astype(int)
    population = pd.DataFrame(
        {"pop_total": total, "g": group, "rest": total - group}, index=areas.index
    )
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-50, 450, n_nodes), rng.uniform(-50, 150, n_nodes)
    res = place_population(node_x=x, node_y=y, areas=areas, population=population)
    sums = res.table.groupby("area_id")[["pop_total", "g", "rest"]].sum()
    sums = sums.reindex(areas.index, fill_value=0)
    np.testing.assert_array_equal(sums.to_numpy(), population.to_numpy())
    assert (res.table["g"] <= res.table["pop_total"]).all()
    assert (res.table["rest"] <= res.table["pop_total"]).all()
    assert res.table[["node", "area_id"]].duplicated().sum() == 0
