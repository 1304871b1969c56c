"""Transit cells of the SKA matrix worked out by hand on four homes in three transit clusters.

Four street nodes, 100 residents each; the transit run routed three origins (nodes 0 and 1
share origin 0). One line ("Buss 1") at 07 and 08 on a weekday. Every mean, count of people
and verdict below is computed by hand from the numbers in ``_values``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import ConfigError
from jamlik.scenarios.transit import TransitComparison
from jamlik.ska.matrix import load_ska_rules, ska_matrix

RESIDENTS = pd.DataFrame(
    {
        "node": [0, 1, 2, 3],
        "area_id": ["A", "A", "B", "C"],
        "pop_total": [100, 100, 100, 100],
        "age_6_15": [30, 10, 0, 20],
        "age_65_plus": [5, 5, 5, 5],
    }
)
ORIGIN_OF_NODE = pd.Series([0, 0, 2, 3], index=pd.Index([0, 1, 2, 3], name="node"))
NAN = np.nan


def _frame(grocery: list[float], school_30: list[float], grocery_30: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "grocery_nearest_min_transit": grocery,
            "grocery_count_30min_transit": grocery_30,
            "school_count_30min_transit": school_30,
        },
        index=pd.Index([0, 2, 3], name="origin"),
    )


def _values(change: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Per (profile, day type, hour): origin values today and with the plan."""
    before, after = {}, {}
    for profile in ("adult", "child", "senior"):
        for hour in (7, 8):
            today = _frame([20.0, 15.0, NAN], [1.0, 0.0, 0.0], [2.0, 1.0, 0.0])
            if change == "line":
                # origin 0: 20 -> 12 min at 07 only; origin 3 reaches a shop (25 min) at both
                # hours; within 30 min origin 0 reaches 2 more schools at both hours.
                plan = _frame([12.0 if hour == 7 else 20.0, 15.0, 25.0], [3.0, 0.0, 0.0],
                              [2.0, 1.0, 1.0])  # fmt: skip
            elif change == "closed":
                # origin 2 loses its stop: 15 -> 22 min at both hours, one shop fewer
                plan = _frame([20.0, 22.0, NAN], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0])
            else:
                plan = today.copy()
            before[(profile, "weekday", hour)] = today
            after[(profile, "weekday", hour)] = plan
    return before, after


def _comparison(change: str) -> TransitComparison:
    before, after = _values(change)
    empty = pd.DataFrame()
    return TransitComparison(
        before=before,
        after=after,
        origin_of_node=ORIGIN_OF_NODE,
        change=empty,
        winners=empty,
        stops=empty,
        entries=(("line", "Buss 1"),),
    )


def _matrix(change: str, scales: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    walk = pd.DataFrame(index=pd.Index([0, 1, 2, 3], name="node"))
    scales = scales or {"plats": np.array([0, 1]), "narmiljo": np.array([0, 1, 2, 3])}
    return ska_matrix(
        walk,
        walk,
        RESIDENTS,
        scales,
        language="en",
        transit=_comparison(change),
        area_names={"A": "Ängen", "C": "Centrum"},
    )


def test_a_new_line_by_hand() -> None:
    m = _matrix("line")
    cells = m.cells.set_index(["aspect", "scale", "perspective"])
    rows = m.indicators.set_index(["aspect", "scale", "perspective", "indicator", "hour"])
    # Everyone at the place (nodes 0 and 1, 200 people, both at origin 0)
    at7 = rows.loc[("vardagsliv", "plats", "alla", "grocery_nearest_min_transit_adult", 7)]
    assert (at7["before"], at7["after"], at7["delta"]) == (20.0, 12.0, -8.0)
    assert (at7["gain"], at7["loss"], at7["people"], at7["verdict"]) == (200, 0, 200, "+")
    at8 = rows.loc[("vardagsliv", "plats", "alla", "grocery_nearest_min_transit_adult", 8)]
    assert (at8["delta"], at8["gain"], at8["verdict"]) == (0.0, 0, "0")
    cell = cells.loc[("vardagsliv", "plats", "alla")]
    assert cell["verdict"] == "+"
    assert "by public transport (Buss 1) changes weekday 07" in cell["evidence"]
    assert "20.0 → 12.0 min (-8.0) for 200 residents, 200 get a shorter" in cell["evidence"]
    assert "mostly in Ängen" in cell["evidence"]
    # The neighbourhood (all 400): at 07 the mean over those with access in both states is
    # (200 x 12 + 100 x 15) / 300 = 13.0 from (200 x 20 + 100 x 15) / 300 = 18.33; node 3's 100
    # gain access: 300 people gain. At 08 only node 3 gains.
    hood = rows.loc[("vardagsliv", "narmiljo", "alla", "grocery_nearest_min_transit_adult", 7)]
    assert hood["before"] == pytest.approx(5500 / 300)
    assert hood["after"] == pytest.approx(13.0)
    assert (hood["gain"], hood["gained_access"]) == (300, 100)
    hood8 = rows.loc[("vardagsliv", "narmiljo", "alla", "grocery_nearest_min_transit_adult", 8)]
    assert (hood8["gain"], hood8["gained_access"], hood8["verdict"]) == (100, 100, "+")
    # Children (30 + 10 at origin 0, 20 at node 3): 40 + 20 gain at 07
    kids = rows.loc[("vardagsliv", "narmiljo", "barn", "grocery_nearest_min_transit_child", 7)]
    assert (kids["gain"], kids["people"]) == (60, 60)
    # Seniors at the place: 10 < 20 people, too few to judge
    assert cells.loc[("vardagsliv", "plats", "aldre"), "verdict"] == "?"
    # Sammanhållen stad: every category within 30 min, summed: origin 0 reaches 3 -> 5,
    # origin 3 0 -> 1; mean over 400: (200 x 3 + 100 x 1 + 0) / 400 = 1.75 -> (200 x 5 + 100 +
    # 100) / 400 = 3.0: +1.25 >= 0.5
    allp = rows.loc[("sammanhallen_stad", "narmiljo", "alla", "all_count_30min_transit_adult", 7)]
    assert (allp["before"], allp["after"], allp["verdict"]) == (1.75, 3.0, "+")
    assert allp["gain"] == 300  # origin 0 (+2) and origin 3 (+1) beyond the 0.5 tolerance
    assert cells.loc[("sammanhallen_stad", "narmiljo", "alla"), "verdict"] == "+"


def test_closed_stop_by_hand() -> None:
    m = _matrix("closed")
    cells = m.cells.set_index(["aspect", "scale", "perspective"])
    rows = m.indicators.set_index(["aspect", "scale", "perspective", "indicator", "hour"])
    # Only node 2 (origin 2) changes: 15 -> 22 min, 100 people lose; the place does not see it
    assert cells.loc[("vardagsliv", "plats", "alla"), "verdict"] == "0"
    hood = rows.loc[("vardagsliv", "narmiljo", "alla", "grocery_nearest_min_transit_adult", 7)]
    # mean over those with access in both (nodes 0, 1, 2): (40 + 15) / 3 -> (40 + 22) / 3
    assert hood["delta"] == pytest.approx(7 / 3)
    assert (hood["gain"], hood["loss"], hood["verdict"]) == (0, 100, "−")
    cell = cells.loc[("vardagsliv", "narmiljo", "alla")]
    assert cell["verdict"] == "−"
    assert "0 get a shorter and 100 a longer trip" in cell["evidence"]
    assert "mostly in B" in cell["evidence"]  # an area without a name stands for itself
    # places within 30 min: (200 x 3 + 100 x 1) / 400 = 1.75 -> 1.5: -0.25, below 0.5
    assert cells.loc[("sammanhallen_stad", "narmiljo", "alla"), "verdict"] == "0"


def test_no_change_and_no_transit() -> None:
    m = _matrix("none")
    transit_rows = m.indicators[m.indicators["mode"] == "transit"]
    assert len(transit_rows) > 0
    assert (transit_rows["verdict"] == "0").all()
    assert (transit_rows[["gain", "loss", "gained_access", "lost_access"]] == 0).all().all()
    judged = m.cells[~m.cells["verdict"].isin(["bedöms", "?"])]
    assert set(judged["verdict"]) == {"0"}
    assert (judged["evidence"] == "No measurable change.").all()
    # Without a transit comparison the transit indicators are not judged at all
    walk = pd.DataFrame(index=pd.Index([0, 1, 2, 3], name="node"))
    plain = ska_matrix(walk, walk, RESIDENTS, {"plats": np.array([0, 1])})
    assert (plain.cells["verdict"] == "bedöms").all()


def test_missing_profile_falls_back_to_adult_with_a_note() -> None:
    comparison = _comparison("line")
    before = {k: v for k, v in comparison.before.items() if k[0] == "adult"}
    after = {k: v for k, v in comparison.after.items() if k[0] == "adult"}
    adult_only = TransitComparison(
        before=before,
        after=after,
        origin_of_node=ORIGIN_OF_NODE,
        change=pd.DataFrame(),
        winners=pd.DataFrame(),
        stops=pd.DataFrame(),
        entries=(("line", "Buss 1"),),
    )
    walk = pd.DataFrame(index=pd.Index([0, 1, 2, 3], name="node"))
    m = ska_matrix(walk, walk, RESIDENTS, {"narmiljo": None}, transit=adult_only, language="en")
    assert any("child" in n and "adult" in n for n in m.notes)
    kids = m.indicators[(m.indicators["perspective"] == "barn") & (m.indicators["hour"] == 7)]
    assert "grocery_nearest_min_transit_adult" in set(kids["indicator"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{ category = "grocery", measure = "nearest_1", mode = "transit" }', "använd 'nearest'"),
        ('{ category = "grocery", measure = "nearest" }', "nearest_1"),
        ('{ category = "*", measure = "count_30min" }', "bara antal med kollektivtrafik"),
    ],
)
def test_bad_transit_indicators_are_named(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        f'[aspects.x]\nsv = "x"\nen = "x"\nindicators = [{line}]\n[scales.a]\nsv = "a"\n'
        'en = "a"\neveryone = true\n[perspectives.p]\nsv = "p"\nen = "p"\nprofile = "adult"\n'
        'group = "pop_total"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=expected):
        load_ska_rules(path)


def test_bundled_rules_name_transit_for_everyday_life_and_the_cohesive_city() -> None:
    rules = load_ska_rules()
    modes = {k: {r.mode for r in a.indicators} for k, a in rules.aspects.items()}
    assert "transit" in modes["vardagsliv"] and "transit" in modes["sammanhallen_stad"]
