"""The SKA matrix worked out by hand on four homes; bundled rules load; complexity levels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import ConfigError
from jamlik.ska.matrix import (
    OWN_ASSESSMENT,
    complexity_level,
    indicator_column,
    load_ska_rules,
    ska_matrix,
)

NODES = pd.Index([0, 1, 2, 3], name="node")
RESIDENTS = pd.DataFrame(
    {
        "node": [0, 1, 2, 3],
        "area_id": ["A", "A", "B", "B"],
        "pop_total": [100, 100, 100, 100],
        "age_6_15": [30, 10, 0, 20],
        "age_65_plus": [5, 5, 5, 5],
    }
)


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = {
        "school_nearest_1_min_child": ([12.0, 12.0, 8.0, np.inf], [6.0, 12.0, 8.0, 20.0]),
        "grocery_nearest_1_min_adult": ([5.0, 5.0, 5.0, 5.0], [5.2, 5.0, 5.0, 5.0]),
        "park_nearest_1_min_senior": ([10.0, 10.0, 10.0, 10.0], [14.0, 10.0, 10.0, 10.0]),
        "park_count_15min_senior": ([1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0]),
        "transit_stop_nearest_1_min_child": ([3.0, 3.0, 3.0, 3.0], [6.0, 3.0, 3.0, 3.0]),
    }
    before = pd.DataFrame({c: v[0] for c, v in columns.items()}, index=NODES)
    after = pd.DataFrame({c: v[1] for c, v in columns.items()}, index=NODES)
    return before.replace(np.inf, np.nan), after.replace(np.inf, np.nan)


def test_matrix_by_hand() -> None:
    before, after = _frames()
    scales = {
        "plats": np.array([0]),
        "narmiljo": np.array([0, 1]),
        "stadsdel": np.array([0, 1, 2, 3]),
        "hela_staden": None,
    }
    m = ska_matrix(before, after, RESIDENTS, scales, language="en")
    cells = m.cells.set_index(["aspect", "scale", "perspective"])
    # children near the plan (nodes 0, 1; 30 + 10 children): school 12 -> (30*6 + 10*12)/40
    cell = cells.loc[("vardagsliv", "narmiljo", "barn")]
    assert cell["verdict"] == "+"
    assert cell["people"] == 40
    detail = m.indicators.set_index(["aspect", "scale", "perspective", "indicator"])
    school = detail.loc[("vardagsliv", "narmiljo", "barn", "school_nearest_1_min_child")]
    assert school["after"] == pytest.approx((30 * 6 + 10 * 12) / 40)
    assert "12.0 → 7.5 min (-4.5)" in cell["evidence"]
    # district: node 3's 20 children gain access (none -> 20 min): still +, access counted
    district = detail.loc[("vardagsliv", "stadsdel", "barn", "school_nearest_1_min_child")]
    assert district["gained_access"] == 20
    # grocery +0.2 min for adults at the place: below 1 min, no change
    assert cells.loc[("vardagsliv", "plats", "alla"), "verdict"] == "0"
    # seniors in the district (4 x 5): the park at node 0 is 4 min farther, mean +1.0 min: −
    assert cells.loc[("halsa_och_sakerhet", "stadsdel", "aldre"), "verdict"] == "−"
    assert cells.loc[("halsa_och_sakerhet", "plats", "aldre"), "verdict"] == "?"  # 5 people
    # identity has no indicator; the region is the planner's
    assert (m.cells.loc[m.cells["aspect"] == "identitet", "verdict"] == OWN_ASSESSMENT).all()
    assert (m.cells.loc[m.cells["scale"] == "region", "verdict"] == OWN_ASSESSMENT).all()
    # children at the place: transit worse (+3 min) -> sammanhållen stad −
    assert cells.loc[("sammanhallen_stad", "plats", "barn"), "verdict"] == "−"


def test_mixed_and_too_few() -> None:
    before, after = _frames()
    after["grocery_nearest_1_min_adult"] = [1.0, 5.0, 5.0, 5.0]  # better
    after["transit_stop_nearest_1_min_adult"] = [6.0, 3.0, 3.0, 3.0]
    before["transit_stop_nearest_1_min_adult"] = [3.0, 3.0, 3.0, 3.0]
    rules = load_ska_rules()
    m = ska_matrix(before, after, RESIDENTS, {"plats": np.array([0])}, rules=rules)
    cells = m.cells.set_index(["aspect", "scale", "perspective"])
    assert cells.loc[("vardagsliv", "plats", "alla"), "verdict"] == "+"
    assert cells.loc[("sammanhallen_stad", "plats", "alla"), "verdict"] == "−"
    # seniors at the place: 5 people < 20
    assert cells.loc[("vardagsliv", "plats", "aldre"), "verdict"] in ("?", OWN_ASSESSMENT)
    assert cells.loc[("halsa_och_sakerhet", "plats", "aldre"), "verdict"] == "?"


def test_missing_group_falls_back_with_a_note() -> None:
    before, after = _frames()
    residents = RESIDENTS.drop(columns=["age_65_plus"])
    m = ska_matrix(before, after, residents, {"hela_staden": None}, language="en")
    assert any("age_65_plus" in n for n in m.notes)
    assert (m.cells["perspective"] == "aldre").any()


def test_indicator_columns_follow_the_access_run() -> None:
    rules = load_ska_rules()
    ref = rules.aspects["vardagsliv"].indicators[0]
    assert indicator_column(ref, "child") == "grocery_nearest_1_min_child"
    assert indicator_column(rules.aspects["halsa_och_sakerhet"].indicators[1], "adult") == (
        "park_count_15min_adult"
    )


def test_bad_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text("[aspects.x]\nsv = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="aspects.x.en"):
        load_ska_rules(path)


def test_complexity_levels() -> None:
    assert (
        complexity_level(dwellings=50, removed_dwellings=0, street_changes=0, transit_changes=0)[0]
        == 1
    )
    assert (
        complexity_level(dwellings=50, removed_dwellings=0, street_changes=1, transit_changes=0)[0]
        == 2
    )
    assert (
        complexity_level(dwellings=800, removed_dwellings=0, street_changes=0, transit_changes=0)[0]
        == 2
    )
    level, why = complexity_level(
        dwellings=10, removed_dwellings=3, street_changes=0, transit_changes=0
    )
    assert level == 3 and "3" in why
