"""The sample town's plan, an empty plan and closed stops: transit reaches the SKA matrix.

Oracle: people gaining and losing counted one resident at a time, in a plain loop, from the
transit runs' own per-origin travel times (``per_origin``) and each resident's routed origin;
means recomputed the same way. The sample plan's new bus line (Buss 10) must give a ``+`` in
everyday life with evidence naming the line; closing a line's stops must give a ``−``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app
from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
from jamlik.ingest import Pack, load_pack
from jamlik.ingest.scenario import load_scenario
from jamlik.report.content import feed_start_date
from jamlik.runs.access import AccessOptions
from jamlik.runs.transit_access import TransitAccessOptions
from jamlik.scenarios.compare import ScenarioComparison, compare_scenario
from jamlik.ska.assess import SKAAssessment, assess_scenario

pytestmark = pytest.mark.slow

CATEGORIES = ("grocery", "school", "health_centre")
ACCESS = AccessOptions(profiles=("adult", "child", "senior"), categories=CATEGORIES, grid_m=0)
PROFILE_GROUP = {"adult": ("alla", "pop_total"), "child": ("barn", "age_6_15")}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pack, Path, TransitAccessOptions]:
    root = tmp_path_factory.mktemp("transit_ska_town")
    town = generate_town(n_nodes=1500, seed=11)
    pack = load_pack(write_town_pack(town, root / "pack", seed=11))
    plan = write_town_scenario(town, root / "plan.toml")
    date = feed_start_date(pack)
    assert date is not None
    transit = TransitAccessOptions(
        date=date,
        day_types=("weekday",),
        hours=(7, 8),
        categories=CATEGORIES,
        profiles=("adult", "child", "senior"),
    )
    return pack, plan, transit


def _run(
    pack: Pack, path: Path, transit: TransitAccessOptions
) -> tuple[ScenarioComparison, SKAAssessment]:
    comparison = compare_scenario(pack, load_scenario(path), options=ACCESS, transit=transit)
    return comparison, assess_scenario(comparison, pack, language="en")


@pytest.fixture(scope="module")
def sample_plan(
    town: tuple[Pack, Path, TransitAccessOptions],
) -> tuple[ScenarioComparison, SKAAssessment]:
    pack, plan, transit = town
    return _run(pack, plan, transit)


def _by_hand(
    comparison: ScenarioComparison, column: str, profile: str, hour: int, group: str
) -> dict[str, float]:
    """Gain, loss and means over today's staying residents, one resident at a time."""
    assert comparison.transit_today is not None and comparison.transit_plan is not None
    origin_of = comparison.transit_today.origin_of_node
    assert origin_of is not None
    values = []
    for run in (comparison.transit_today, comparison.transit_plan):
        raw = run.per_origin
        assert raw is not None
        rows = raw[(raw["profile"] == profile) & (raw["hour"] == hour)]
        values.append(dict(zip(rows["origin"], rows[column], strict=True)))
    gain = loss = gained = lost = people = 0.0
    sum0 = sum1 = both = 0.0
    for node, weight in zip(comparison.staying["node"], comparison.staying[group], strict=True):
        origin = origin_of.get(node)
        if origin is None:
            continue
        a, b = values[0][origin], values[1][origin]
        people += weight
        if math.isnan(a) and not math.isnan(b):
            gain += weight
            gained += weight
        elif not math.isnan(a) and math.isnan(b):
            loss += weight
            lost += weight
        elif not math.isnan(a):
            gain += weight if b < a - 0.5 else 0.0
            loss += weight if b > a + 0.5 else 0.0
            if weight > 0:
                sum0, sum1, both = sum0 + weight * a, sum1 + weight * b, both + weight
    return {
        "gain": gain,
        "loss": loss,
        "gained_access": gained,
        "lost_access": lost,
        "people": people,
        "before": sum0 / both,
        "after": sum1 / both,
    }


def _rows(assessment: SKAAssessment, **where: Any) -> pd.DataFrame:
    rows = assessment.matrix.indicators
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return rows


def test_the_new_bus_line_gives_a_plus_with_people_counted_one_by_one(
    sample_plan: tuple[ScenarioComparison, SKAAssessment],
) -> None:
    comparison, assessment = sample_plan
    cells = assessment.matrix.cells.set_index(["aspect", "scale", "perspective"])
    cell = cells.loc[("vardagsliv", "narmiljo", "alla")]
    assert cell["verdict"] == "+"
    assert "by public transport (Buss 10)" in cell["evidence"]
    assert comparison.transit is not None
    winners = comparison.transit.winners
    seen_gain = False
    for profile, (perspective, group) in PROFILE_GROUP.items():
        for hour in (7, 8):
            expected = _by_hand(comparison, "grocery_nearest_min_transit", profile, hour, group)
            row = _rows(
                assessment,
                aspect="vardagsliv",
                scale="hela_staden",
                perspective=perspective,
                indicator=f"grocery_nearest_min_transit_{profile}",
                hour=hour,
            )
            assert len(row) == 1
            for key in ("gain", "loss", "gained_access", "lost_access", "people"):
                assert row[key].iloc[0] == pytest.approx(expected[key], rel=1e-12), key
            assert row["before"].iloc[0] == pytest.approx(expected["before"], rel=1e-12)
            assert row["after"].iloc[0] == pytest.approx(expected["after"], rel=1e-12)
            table = winners[
                (winners["profile"] == profile)
                & (winners["hour"] == hour)
                & (winners["group"] == group)
                & (winners["indicator"] == "grocery_nearest_min_transit")
            ]
            assert table["gain"].iloc[0] == expected["gain"]
            assert table["loss"].iloc[0] == expected["loss"] == 0  # a new line only adds trips
            seen_gain |= expected["gain"] > 0
    assert seen_gain
    # The whole town's evidence names the line and a people count worked out above
    whole = cells.loc[("vardagsliv", "hela_staden", "alla"), "evidence"]
    gains = [_by_hand(comparison, "grocery_nearest_min_transit", "adult", h, "pop_total")["gain"]
             for h in (7, 8)]  # fmt: skip
    assert "Buss 10" in whole
    assert any(f"{g:,.0f} get a shorter" in whole for g in gains)
    # The line's stops are changes of the plan: the scales count residents near them
    assert set(comparison.transit.stops["entry"]) == {"Buss 10"}


def test_an_empty_plan_changes_nothing_by_transit(
    town: tuple[Pack, Path, TransitAccessOptions], tmp_path: Path
) -> None:
    pack, _, transit = town
    path = tmp_path / "empty.toml"
    path.write_text('[scenario]\nname = "tom"\n', encoding="utf-8")
    comparison, assessment = _run(pack, path, transit)
    rows = _rows(assessment, mode="transit")
    assert len(rows) > 0 and (rows["verdict"] == "0").all()
    assert (rows[["gain", "loss", "gained_access", "lost_access"]] == 0).all().all()
    assert comparison.transit is not None
    assert (comparison.transit.winners[["gain", "loss"]] == 0).all().all()
    cells = assessment.matrix.cells
    whole = cells[(cells["scale"] == "hela_staden") & cells["aspect"].isin(
        ["vardagsliv", "sammanhallen_stad"])]  # fmt: skip
    assert (whole["verdict"] == "0").all()


def test_closing_a_lines_stops_gives_a_minus_for_those_who_lose_them(
    town: tuple[Pack, Path, TransitAccessOptions], tmp_path: Path
) -> None:
    pack, _, transit = town
    path = tmp_path / "closed.toml"
    path.write_text(
        '[scenario]\nname = "stang"\n\n[[closed_stops]]\nname = "Kyrkallén"\n'
        'stop_ids = ["alvvik-1-1", "alvvik-1-2", "alvvik-1-3"]\n',
        encoding="utf-8",
    )
    comparison, assessment = _run(pack, path, transit)
    rows = _rows(assessment, mode="transit")
    assert (rows["gain"] == 0).all()  # closing stops helps nobody
    assert (rows["loss"] > 0).any()
    cells = assessment.matrix.cells.set_index(["aspect", "scale", "perspective"])
    cell = cells.loc[("vardagsliv", "narmiljo", "alla")]
    assert cell["verdict"] == "−"
    assert "closed stops Kyrkallén" in cell["evidence"]
    for hour in (7, 8):
        expected = _by_hand(comparison, "grocery_nearest_min_transit", "adult", hour, "pop_total")
        row = _rows(
            assessment,
            aspect="vardagsliv",
            scale="hela_staden",
            perspective="alla",
            indicator="grocery_nearest_min_transit_adult",
            hour=hour,
        )
        assert row["loss"].iloc[0] == expected["loss"]
        assert row["gain"].iloc[0] == expected["gain"] == 0


def test_scenario_compare_writes_and_prints_transit_winners(
    town: tuple[Pack, Path, TransitAccessOptions], tmp_path: Path
) -> None:
    pack, plan, transit = town
    out = tmp_path / "out"
    args = ["--lang", "en", "scenario", "compare", str(pack.root), str(plan), "--out", str(out),
            "--profiles", "adult,child", "--categories", ",".join(CATEGORIES),
            "--transit-date", transit.date.isoformat(), "--transit-hours", "7-7"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    winners = pd.read_csv(out / "transit_winners.csv")
    assert set(winners["profile"]) == {"adult", "child"}  # each walking profile compared
    assert set(winners["hour"]) == {7}
    assert (winners["gain"] > 0).any()
    assert "Public transport: winners and losers" in result.output
    matrix = pd.read_csv(out / "ska_matrix.csv")
    everyday = matrix[(matrix["aspect"] == "vardagsliv") & (matrix["scale"] == "narmiljo")]
    assert (everyday["verdict"] == "+").any()
    assert everyday["evidence"].str.contains("Buss 10").any()


def test_changed_stops_of_a_headway_change_a_closure_and_a_line(
    town: tuple[Pack, Path, TransitAccessOptions], tmp_path: Path
) -> None:
    from jamlik.ingest.gtfs import read_gtfs
    from jamlik.runs.scenario_transit import changed_stops

    pack, plan, transit = town
    path = tmp_path / "mixed.toml"
    path.write_text(
        plan.read_text(encoding="utf-8")
        + '\n[[headway_changes]]\nroute_id = "alvvik-2"\n'
        + 'headways = [{ day_type = "weekday", hours = "7-9", minutes = 5 }]\n'
        + '\n[[closed_stops]]\nstop_ids = ["alvvik-1-2"]\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    feed = read_gtfs(pack.gtfs_paths, service_date=transit.date, prefixes=["alvvik"])
    stops = changed_stops(feed, scenario)
    # by hand: the stops any trip of route alvvik-2 calls at, one trip at a time
    served = set()
    for j, route in enumerate(feed.trips["route_id"]):
        if route == "alvvik-2":
            rows = feed.stop_times[feed.stop_times["trip"] == j]
            served |= {feed.stops["stop_id"].iloc[s] for s in rows["stop"]}
    assert set(stops.loc[stops["change"] == "headway", "stop_id"]) == served
    assert set(stops.loc[stops["change"] == "headway", "entry"]) == {"alvvik-2"}
    assert stops.loc[stops["change"] == "closed", "stop_id"].tolist() == ["alvvik-1-2"]
    line = scenario.transit_lines[0]
    assert (stops["change"] == "new").sum() == len(line.stops)
    assert set(stops.loc[stops["change"] == "new", "stop_name"]) == set(line.stop_names or [])
    # the SKA names every kind of entry in the language of the evidence
    _, assessment = _run(pack, path, transit)
    evidence = " ".join(assessment.matrix.cells["evidence"])
    assert "Buss 10, alvvik-2 (new headways), closed stops alvvik-1-2" in evidence
