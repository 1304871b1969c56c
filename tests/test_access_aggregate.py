import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError, MissingColumnError
from jamlik.indicators.access.aggregate import ALL_AREAS, aggregate_access


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _case() -> tuple[pd.DataFrame, pd.DataFrame]:
    per_origin = pd.DataFrame(
        {"school_nearest_1_min": [2.0, 4.0, np.nan], "school_count_15min": [3.0, 1.0, 0.0]},
        index=[10, 11, 12],
    )
    residents = pd.DataFrame(
        {
            "node": [10, 11, 12, 11],
            "area_id": ["A", "A", "B", "B"],
            "pop_total": [10, 30, 20, 20],
            "age_65_plus": [0, 5, 10, 5],
        }
    )
    return per_origin, residents


def test_population_weighted_means_by_hand() -> None:
    per_origin, residents = _case()
    out = aggregate_access(per_origin, residents, groups=["pop_total", "age_65_plus"])
    row = out.set_index(["area_id", "group", "indicator"])
    # Area A, everyone: (10*2 + 30*4) / 40 = 3.5 minutes, all have access.
    assert row.loc[("A", "pop_total", "school_nearest_1_min"), "value"] == pytest.approx(3.5)
    assert row.loc[("A", "pop_total", "school_nearest_1_min"), "no_access_share"] == 0.0
    # Area B: 20 people at node 12 (no access), 20 at node 11 (4 min).
    b = row.loc[("B", "pop_total", "school_nearest_1_min")]
    assert b["value"] == pytest.approx(4.0)
    assert b["no_access_share"] == pytest.approx(0.5)
    # Counts include people without access as 0: (20*0 + 20*1)/40.
    assert row.loc[("B", "pop_total", "school_count_15min"), "value"] == pytest.approx(0.5)
    # Seniors in B: 10 at node 12, 5 at node 11.
    senior = row.loc[("B", "age_65_plus", "school_nearest_1_min")]
    assert senior["no_access_share"] == pytest.approx(10 / 15)
    # Whole study area, everyone: time mean over the 60 with access.
    total = row.loc[(ALL_AREAS, "pop_total", "school_nearest_1_min")]
    assert total["value"] == pytest.approx((10 * 2 + 30 * 4 + 20 * 4) / 60)
    assert total["population"] == 80


def test_no_access_is_never_zero_minutes() -> None:
    per_origin, residents = _case()
    only_b = residents[residents["node"] == 12]
    out = aggregate_access(per_origin, only_b)
    time = out[out["indicator"] == "school_nearest_1_min"]
    assert time["value"].isna().all()
    assert (time["no_access_share"] == 1.0).all()


def test_missing_group_and_unknown_node_are_named_errors() -> None:
    per_origin, residents = _case()
    with pytest.raises(MissingColumnError, match="born_abroad"):
        aggregate_access(per_origin, residents, groups=["born_abroad"])
    bad = residents.assign(node=[10, 11, 99, 11])
    with pytest.raises(DataError, match="node 99"):
        aggregate_access(per_origin, bad)


def test_share_within_by_hand() -> None:
    from jamlik.indicators.access.aggregate import share_within

    origins = pd.DataFrame(
        {"t": [5.0, 20.0, np.nan, 15.0], "pop_total": [10, 20, 30, 40], "old": [1, 0, 3, 0]}
    )
    out = share_within(origins, columns=["t"], threshold=15, groups=["pop_total", "old"])
    # Within 15: rows 0 and 3 (15 is inside): (10 + 40) / 100; seniors 1 / 4.
    assert out.loc["t", "pop_total"] == pytest.approx(0.5)
    assert out.loc["t", "old"] == pytest.approx(0.25)


@pytest.mark.parametrize("areas", [["A", "C", "B"], ["*"], ["B", ALL_AREAS, "A"]])
def test_random_residents_equal_a_pandas_groupby(areas: list[str]) -> None:
    """Oracle: the formulas written with a pandas groupby, row by row of the residents table.

    Nodes out of order and repeated, NaN times, an area named ``*`` (a pack without areas).
    """
    rng = np.random.default_rng(5)
    nodes = rng.permutation(400)[:300]
    times = rng.uniform(1, 30, size=(300, 2))
    times[rng.random((300, 2)) < 0.3] = np.nan
    per_origin = pd.DataFrame(
        np.column_stack([times, rng.poisson(3, size=(300, 2))]),
        index=nodes,
        columns=["a_nearest_1_min", "b_nearest_1_min", "a_count_15min", "b_count_15min"],
    )
    residents = pd.DataFrame(
        {
            "node": rng.choice(nodes, size=500),
            "area_id": rng.choice(areas, size=500),
            "pop_total": rng.integers(0, 40, size=500),
            "old": rng.integers(0, 10, size=500),
        }
    )
    got = aggregate_access(per_origin, residents, groups=["pop_total", "old"])
    for group in ("pop_total", "old"):
        frame = per_origin.loc[residents["node"]].reset_index(drop=True)
        weight = residents[group]
        whole = residents.assign(area_id=ALL_AREAS)
        for area_rows in (residents, whole):
            for area, rows in area_rows.groupby("area_id"):
                mine = got[(got["group"] == group) & (got["area_id"] == area)]
                if area_rows is residents and area == ALL_AREAS:
                    continue  # replaced by the whole pack's row
                for column in per_origin.columns:
                    x, w = frame.loc[rows.index, column], weight[rows.index]
                    row = mine[mine["indicator"] == column].iloc[0]
                    assert row["population"] == w.sum()
                    if "_nearest_" in column:
                        ok = x.notna()
                        assert row["value"] == pytest.approx((x[ok] * w[ok]).sum() / w[ok].sum())
                        assert row["no_access_share"] == pytest.approx(w[~ok].sum() / w.sum())
                    else:
                        assert row["value"] == pytest.approx((x * w).sum() / w.sum())
    expected_areas = sorted(set(areas) - {ALL_AREAS}) + [ALL_AREAS]
    if ALL_AREAS in areas:
        expected_areas = sorted(areas)
    assert list(dict.fromkeys(got["area_id"])) == expected_areas
