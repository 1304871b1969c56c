"""FCA scores on a hand-worked case, the inclusive cut-off, step weights and broken inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError, DuplicateIdError, MissingColumnError, UnknownIdError
from jamlik.indicators.access.fca import (
    StepWeights,
    enhanced_two_step_fca,
    floating_catchment,
    gravity_two_step_fca,
    parse_step_weights,
    two_step_fca,
    weighted_catchment,
)

DEMAND = pd.DataFrame({"id": ["A", "B", "C"], "demand": [100.0, 50.0, 10.0]})
SUPPLY = pd.DataFrame({"id": ["X", "Y"], "capacity": [10.0, 5.0]})
COSTS = pd.DataFrame(
    {
        "origin_id": ["A", "B", "B"],
        "destination_id": ["X", "X", "Y"],
        "minutes": [5.0, 10.0, 12.0],
    }
)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def test_two_step_by_hand() -> None:
    s = two_step_fca(DEMAND, SUPPLY, COSTS, max_minutes=10)
    # X serves A and B (B at exactly 10 min is inside): R_X = 10 / 150; Y is out of reach
    assert s["A"] == pytest.approx(10 / 150)
    assert s["B"] == pytest.approx(10 / 150)
    assert s["C"] == 0.0  # reaches nothing
    s12 = two_step_fca(DEMAND, SUPPLY, COSTS, max_minutes=12)
    assert s12["B"] == pytest.approx(10 / 150 + 5 / 50)
    just_below = two_step_fca(DEMAND, SUPPLY, COSTS, max_minutes=9.999)
    assert just_below["B"] == 0.0
    assert just_below["A"] == pytest.approx(10 / 100)


def test_enhanced_by_hand() -> None:
    steps = parse_step_weights("5:1,10:0.5")
    s = enhanced_two_step_fca(DEMAND, SUPPLY, COSTS, weights=steps)
    r_x = 10 / (100 * 1 + 50 * 0.5)
    assert s["A"] == pytest.approx(r_x)
    assert s["B"] == pytest.approx(0.5 * r_x)  # Y at 12 min is beyond the edge (10)


def test_gravity_by_hand() -> None:
    s = gravity_two_step_fca(DEMAND, SUPPLY, COSTS, decay_power=1.0)
    r_x = 10 / (100 / 5 + 50 / 10)
    r_y = 5 / (50 / 12)
    assert s["A"] == pytest.approx(r_x / 5)
    assert s["B"] == pytest.approx(r_x / 10 + r_y / 12)


def test_weighted_catchment_by_hand() -> None:
    s = weighted_catchment(SUPPLY, COSTS, origins=["A", "B", "C"], max_minutes=12)
    assert s.to_dict() == {"A": 10.0, "B": 15.0, "C": 0.0}


def test_step_weights() -> None:
    w = parse_step_weights("5:1, 10:0.68 ,15:0.22")
    np.testing.assert_allclose(
        w(np.array([0, 5, 5.01, 10, 15, 15.01])), [1, 1, 0.68, 0.68, 0.22, 0]
    )
    assert w.edge_min == 15
    default = StepWeights.luo_qi(30)
    assert default.minutes == (10, 20, 30)
    assert default.weights == (1.0, 0.68, 0.22)


@pytest.mark.parametrize("text", ["5:1,4:0.5", "5-1", "a:1", "5:-1", "0:1", ""])
def test_bad_step_weights(text: str) -> None:
    with pytest.raises(DataError):
        parse_step_weights(text)


def test_unknown_ids_in_cost_table() -> None:
    bad = COSTS.assign(origin_id=["A", "Q", "B"])
    with pytest.raises(UnknownIdError, match=r"costs.csv, column 'origin_id'.*line 3"):
        floating_catchment(
            DEMAND, SUPPLY, bad, max_minutes=10, sources=("d.csv", "s.csv", "costs.csv")
        )
    bad = COSTS.assign(destination_id=["X", "X", "Z"])
    with pytest.raises(UnknownIdError, match="'destination_id'.*line 4"):
        two_step_fca(DEMAND, SUPPLY, bad, max_minutes=10)


def test_other_bad_inputs() -> None:
    with pytest.raises(DataError, match="more than once"):
        two_step_fca(DEMAND, SUPPLY, pd.concat([COSTS, COSTS.head(1)]), max_minutes=10)
    with pytest.raises(DuplicateIdError):
        two_step_fca(pd.concat([DEMAND, DEMAND.head(1)]), SUPPLY, COSTS, max_minutes=10)
    with pytest.raises(DataError, match="negative"):
        two_step_fca(DEMAND, SUPPLY, COSTS.assign(minutes=[1, -1, 2]), max_minutes=10)
    with pytest.raises(DataError, match="negative"):
        two_step_fca(DEMAND.assign(demand=[1, -1, 0]), SUPPLY, COSTS, max_minutes=10)
    with pytest.raises(MissingColumnError, match="'capacity'"):
        two_step_fca(DEMAND, SUPPLY.rename(columns={"capacity": "cap"}), COSTS, max_minutes=10)
    with pytest.raises(DataError, match="max_minutes"):
        floating_catchment(DEMAND, SUPPLY, COSTS, method="2sfca")
    with pytest.raises(DataError, match="unknown method"):
        floating_catchment(DEMAND, SUPPLY, COSTS, method="3sfca", max_minutes=5)  # type: ignore[arg-type]


def test_scaling_demand_and_supply() -> None:
    base = two_step_fca(DEMAND, SUPPLY, COSTS, max_minutes=12)
    more_people = two_step_fca(DEMAND.assign(demand=DEMAND["demand"] * 4), SUPPLY, COSTS,
                               max_minutes=12)  # fmt: skip
    more_places = two_step_fca(DEMAND, SUPPLY.assign(capacity=SUPPLY["capacity"] * 3), COSTS,
                               max_minutes=12)  # fmt: skip
    np.testing.assert_allclose(more_people, base / 4)
    np.testing.assert_allclose(more_places, base * 3)
    # the population-weighted mean score is total reachable supply over total demand
    reached = (DEMAND.set_index("id")["demand"] * base).sum()
    assert reached == pytest.approx(SUPPLY["capacity"].sum())
