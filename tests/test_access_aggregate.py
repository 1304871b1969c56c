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
