"""Transit in ``scenario compare``: zero deltas for an empty plan, a new line as written GTFS.

Real data: the Tampere pack (OSM and the Nysse feed). Oracle for the new line: the same trips
written as a GTFS feed by hand (``test_scenario_transit._gtfs_by_hand``) and added to the pack
as a second feed; transit access with that pack today must equal the plan's. The SKA's transit
people are counted again resident by resident from the runs' raw per-origin times.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.errors import DataError
from jamlik.ingest import Pack, load_pack
from jamlik.ingest.pack import GtfsConfig
from jamlik.ingest.scenario import load_scenario
from jamlik.runs.access import AccessOptions
from jamlik.runs.scenario_transit import scenario_transit_access
from jamlik.runs.transit_access import TransitAccessOptions
from jamlik.scenarios.compare import compare_scenario
from jamlik.ska.assess import assess_scenario
from test_scenario_transit import _gtfs_by_hand, _scenario
from test_scenario_transit_ska import _by_hand

ROOT = Path(__file__).resolve().parents[1]
TAMPERE = ROOT / "packs" / "tampere"
ACCESS = AccessOptions(profiles=("adult",), categories=("school", "grocery"), grid_m=0)
TRANSIT = TransitAccessOptions(
    date=dt.date(2021, 12, 14),
    day_types=("weekday",),
    hours=(7,),
    categories=("school", "grocery"),
    origin_cell_m=1000,
)
pytestmark = [
    pytest.mark.slow,
]


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    return (x == y) | (np.isnan(x) & np.isnan(y))


def test_empty_plan_gives_zero_deltas_including_transit(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('[scenario]\nname = "tom"\n', encoding="utf-8")
    comparison = compare_scenario(
        load_pack(TAMPERE), load_scenario(path), options=ACCESS, transit=TRANSIT
    )
    deltas = comparison.area_change["delta"].to_numpy(dtype=float)
    assert np.all((deltas == 0) | np.isnan(deltas))
    transit = comparison.transit_change
    assert transit is not None and len(transit) > 0
    assert _same(transit["before"], transit["after"]).all()
    assert np.all((transit["delta"] == 0) | transit["delta"].isna())
    assert set(transit["indicator"].str.split("_").str[0]) == {"school", "grocery"}


def test_transit_plan_needs_a_date(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="transit-date"):
        compare_scenario(load_pack(TAMPERE), load_scenario(_scenario(tmp_path)), options=ACCESS)


def _with_feed(pack: Pack, feed: Path) -> Pack:
    out = copy.copy(pack)
    feeds = [*pack.config.gtfs, GtfsConfig(path=str(feed), name="line")]
    out.config = pack.config.model_copy(update={"gtfs": feeds})
    return out


def test_new_line_equals_the_same_trips_written_as_gtfs(tmp_path: Path) -> None:
    pack = load_pack(TAMPERE)
    comparison = compare_scenario(
        pack, load_scenario(_scenario(tmp_path)), options=ACCESS, transit=TRANSIT
    )
    assert comparison.transit_plan is not None and comparison.transit_change is not None
    empty = tmp_path / "empty.toml"
    empty.write_text('[scenario]\nname = "tom"\n', encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    by_hand, _ = scenario_transit_access(
        _with_feed(pack, _gtfs_by_hand(tmp_path)),
        load_scenario(empty),
        options=TRANSIT,
        folder=tmp_path / "feeds",
    )
    plan, hand = comparison.transit_plan.summary, by_hand.summary
    pd.testing.assert_frame_equal(plan, hand)
    # the line is used: someone's time to a school or a shop at 07-08 changes
    assert (~_same(comparison.transit_change["before"], comparison.transit_change["after"])).any()
    # ... and reaches the SKA: people gaining at 07, counted resident by resident from the raw
    # per-origin times, equal the matrix's; nobody loses by a new line
    assessment = assess_scenario(comparison, pack, language="en")
    gained = 0.0
    for category in ("school", "grocery"):
        expected = _by_hand(comparison, f"{category}_nearest_min_transit", "adult", 7, "pop_total")
        rows = assessment.matrix.indicators
        row = rows[
            (rows["aspect"] == "vardagsliv")
            & (rows["scale"] == "hela_staden")
            & (rows["perspective"] == "alla")
            & (rows["indicator"] == f"{category}_nearest_min_transit_adult")
        ]
        assert row["gain"].iloc[0] == pytest.approx(expected["gain"], rel=1e-12)
        assert row["loss"].iloc[0] == expected["loss"] == 0
        assert row["before"].iloc[0] == pytest.approx(expected["before"], rel=1e-12)
        gained += expected["gain"]
    assert gained > 0
    # A few people gain, but the means near the line (500 m of its stops) and
    # over the city move by far less than the rules' minute, and nobody gains access: 0.
    cells = assessment.matrix.cells.set_index(["aspect", "scale", "perspective"])
    for scale in ("narmiljo", "hela_staden"):
        assert cells.loc[("vardagsliv", scale, "alla"), "verdict"] == "0"
    assert comparison.transit is not None
    assert set(comparison.transit.stops["entry"]) == {"Linja 99"}
    # the transit runs walk at the adult speed only: children and seniors fall back, with a note
    assert any("child" in n for n in assessment.matrix.notes)


def test_compare_command_writes_transit_change(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from jamlik.cli.main import app

    out = tmp_path / "out"
    args = [
        "scenario",
        "compare",
        str(TAMPERE),
        str(_scenario(tmp_path)),
        "--out",
        str(out),
        "--profiles",
        "adult",
        "--categories",
        "school,grocery",
        "--transit-date",
        "2021-12-14",
        "--transit-hours",
        "7-7",
        "--transit-cell-m",
        "1000",
    ]
    result = CliRunner().invoke(app, ["--lang", "en", *args])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "transit_change.csv")
    assert set(table["hour"]) == {7}
    summary = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert {row["indicator"] for row in summary["transit_everyone"]} == set(
        table.loc[(table["area_id"] == "*") & (table["group"] == "pop_total"), "indicator"]
    )
    assert "Transit:" in result.output
    # without a date, a transit plan is refused with a clear message, not a traceback
    again = [*args[:5], str(tmp_path / "out2"), *args[6:10]]
    refused = CliRunner().invoke(app, ["--lang", "en", *again])
    assert refused.exit_code == 2 and "--transit-date" in refused.output
