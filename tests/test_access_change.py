"""Change of access between two states, worked out by hand on three homes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError
from jamlik.indicators.access.change import area_change, gap_change, winners_losers

COL_T = "school_nearest_1_min_adult"
COL_C = "school_count_15min_adult"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _state(times: list[float], counts: list[float]) -> pd.DataFrame:
    return pd.DataFrame({COL_T: times, COL_C: counts}, index=pd.Index([0, 1, 2], name="node"))


RESIDENTS = pd.DataFrame(
    {
        "node": [0, 1, 2],
        "area_id": ["V", "V", "O"],
        "pop_total": [10, 20, 30],
        "age_6_15": [2, 0, 5],
    }
)


def test_area_change_by_hand() -> None:
    before = _state([10.0, np.nan, 4.0], [0.0, 0.0, 2.0])
    after = _state([6.0, 12.0, 4.0], [1.0, 1.0, 2.0])
    moved_in = pd.concat(
        [
            RESIDENTS,
            pd.DataFrame({"node": [1], "area_id": ["V"], "pop_total": [20], "age_6_15": [4]}),
        ]
    )
    out = area_change(before, after, RESIDENTS, moved_in, groups=("pop_total", "age_6_15"))
    row = out.set_index(["area_id", "group", "indicator"]).loc[("V", "pop_total", COL_T)]
    # before: only node 0 has access (10 min, 10 people); 20 of 30 have none
    assert row["before"] == pytest.approx(10.0)
    assert row["no_access_before"] == pytest.approx(20 / 30)
    # after: (10*6 + 40*12) / 50 with the 20 newcomers on node 1
    assert row["after"] == pytest.approx((10 * 6 + 40 * 12) / 50)
    assert row["delta"] == pytest.approx(row["after"] - 10.0)
    assert row["population_after"] == 50


def test_winners_losers_by_hand() -> None:
    before = _state([10.0, np.nan, 4.0], [0.0, 0.0, 2.0])
    after = _state([6.0, 12.0, 4.4], [1.0, 1.0, 1.0])
    out = winners_losers(before, after, RESIDENTS, groups=("pop_total", "age_6_15"))
    t = out.set_index(["indicator", "group"]).loc[(COL_T, "pop_total")]
    # node 0 faster by 4 min (10), node 1 gains access (20), node 2 +0.4 min: same (30)
    assert (t["gain"], t["loss"], t["same"], t["gained_access"]) == (30, 0, 30, 20)
    c = out.set_index(["indicator", "group"]).loc[(COL_C, "age_6_15")]
    # counts: node 0 +1 (2 children), node 1 +1 (0), node 2 -1 (5)
    assert (c["gain"], c["loss"], c["same"]) == (2, 5, 0)


def test_winners_need_every_node_after() -> None:
    before = _state([1.0, 2.0, 3.0], [0, 0, 0])
    with pytest.raises(DataError, match="no value after"):
        winners_losers(before, before.iloc[:2], RESIDENTS)


def test_gap_narrows_by_hand() -> None:
    before = _state([10.0, 20.0, 5.0], [0.0, 0.0, 2.0])
    after = _state([8.0, 10.0, 5.0], [1.0, 1.0, 2.0])
    change = area_change(before, after, RESIDENTS, RESIDENTS)
    gap = gap_change(change, ["V"]).set_index("indicator").loc[COL_T]
    assert gap["vulnerable_before"] == pytest.approx((10 * 10 + 20 * 20) / 30)
    assert gap["gap_before"] == pytest.approx((10 * 10 + 20 * 20) / 30 - 5.0)
    assert gap["gap_after"] == pytest.approx((10 * 8 + 20 * 10) / 30 - 5.0)
    assert gap["narrows"]
    with pytest.raises(DataError, match="both sides"):
        gap_change(change, ["V", "O"])
