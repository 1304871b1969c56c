"""Transit access by hour: opening hours respected (hand case), dates, broken inputs, CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from jamlik.cli.access import register
from jamlik.errors import DataError
from jamlik.ingest import load_pack
from jamlik.runs.transit_access import (
    TransitAccessOptions,
    compute_transit_access,
    representative_dates,
)

PACKS = Path(__file__).resolve().parents[1] / "packs"
TUESDAY = dt.date(2021, 12, 14)


def test_representative_dates_hand() -> None:
    kinds = ("weekday", "saturday", "sunday")
    assert representative_dates(TUESDAY, kinds) == {
        "weekday": TUESDAY,
        "saturday": dt.date(2021, 12, 18),
        "sunday": dt.date(2021, 12, 19),
    }
    sunday = representative_dates(dt.date(2021, 12, 19), kinds)
    assert sunday == {
        "weekday": dt.date(2021, 12, 20),
        "saturday": dt.date(2021, 12, 25),
        "sunday": dt.date(2021, 12, 19),
    }
    with pytest.raises(DataError, match="okänd dagtyp 'holiday'"):
        representative_dates(TUESDAY, ("holiday",))


def test_opening_hours_respected_hand_case(tmp_path: Path) -> None:
    """Groceries open 08:00-08:30 only, pharmacies closed on Tuesdays, schools untouched."""
    hours_file = tmp_path / "hours.toml"
    hours_file.write_text(
        '[categories]\ngrocery = "Mo-Fr 08:00-08:30"\npharmacy = "Sa 10:00-11:00"\n'
    )
    pack = load_pack(PACKS / "tampere")
    common = {
        "date": TUESDAY, "day_types": ("weekday",), "hours": (8, 9), "origin_cell_m": 2500,
        "keep_origins": True, "categories": ("grocery", "pharmacy", "school"),
        "cutoffs_min": (30, 60),
    }  # fmt: skip
    base = compute_transit_access(pack, options=TransitAccessOptions(**common)).per_origin
    hours = compute_transit_access(
        pack, options=TransitAccessOptions(**common, opening_hours_path=str(hours_file))
    )
    ov = hours.per_origin
    assert base is not None and ov is not None
    # Pharmacies: closed all day -> nothing in reach, no time, at every hour.
    assert (ov["pharmacy_count_60min_transit"] == 0).all()
    assert ov["pharmacy_nearest_min_transit"].isna().all()
    assert (base["pharmacy_count_60min_transit"] > 0).any()
    # Groceries in the 9:00 window: every arrival is after 08:30 -> closed.
    nine = ov[ov["hour"] == 9]
    assert (nine["grocery_count_60min_transit"] == 0).all()
    assert nine["grocery_nearest_min_transit"].isna().all()
    # 8:00 window: only departures arriving before 08:30 count: never more than without hours.
    eight_ov = ov[ov["hour"] == 8]["grocery_count_60min_transit"].to_numpy()
    eight_base = base[base["hour"] == 8]["grocery_count_60min_transit"].to_numpy()
    assert (eight_ov <= eight_base).all() and eight_base.sum() > 0
    # Schools have no hours in either run: identical.
    school = [c for c in base.columns if c.startswith("school_")]
    pd.testing.assert_frame_equal(base[school], ov[school])
    assert any("hours.toml" in note for note in hours.notes)
    assert set(hours.opportunities.loc[hours.opportunities["category"] == "pharmacy",
                                       "opening_hours"]) == {"Sa 10:00-11:00"}  # fmt: skip


def test_broken_inputs(tmp_path: Path) -> None:
    pack = load_pack(PACKS / "tampere")
    no_service = TransitAccessOptions(
        date=dt.date(2030, 1, 1), day_types=("weekday",), hours=(8,), origin_cell_m=5000
    )
    with pytest.raises(DataError, match="ingen tur går 2030-01-01"):
        compute_transit_access(pack, options=no_service)
    with pytest.raises(
        DataError, match=r"\[\[gtfs\]\]-flöde för tillgänglighet med kollektivtrafik"
    ):
        compute_transit_access(load_pack(PACKS / "lund"), options=no_service)
    with pytest.raises(DataError, match=r"inga målpunkter av kategorierna \['zoo'\]"):
        compute_transit_access(
            pack,
            options=TransitAccessOptions(date=TUESDAY, hours=(8,), categories=("zoo",)),
        )
    with pytest.raises(ValueError, match="timmarna måste ligga i 0-47"):
        TransitAccessOptions(date=TUESDAY, hours=(50,))


def test_cli_transit_mode(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command keeps "access" as a subcommand
    runner = CliRunner()
    out = tmp_path / "transit.csv"
    base = ["access", str(PACKS / "tampere"), "--mode", "transit", "--out", str(out)]
    res = runner.invoke(app, [*base, "--date", "2021-12-14", "--hours", "8-9",
                              "--day-type", "weekday", "--origin-cell-m", "3000",
                              "--categories", "grocery", "--cutoffs", "30"])  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert set(table["hour"]) == {8, 9} and set(table["day_type"]) == {"weekday"}
    assert set(table["indicator"]) == {"grocery_nearest_min_transit", "grocery_count_30min_transit"}
    assert np.isfinite(table["value"]).any()
    for args in ([], ["--date", "2021-12-14", "--hours", "x-9"]):
        res = runner.invoke(app, [*base, *args, "--overwrite"])
        assert res.exit_code == 2, res.output
    res = runner.invoke(app, ["access", str(PACKS / "tampere"), "--mode", "boat"])
    assert res.exit_code == 2


def test_hours_without_service_are_reported_not_averaged() -> None:
    """Tampere's feed ends at noon: 18:00 has no departure, 11:00 lies at the feed's edge."""
    pack = load_pack(PACKS / "tampere")
    options = TransitAccessOptions(
        date=dt.date(2021, 12, 14),
        day_types=("weekday",),
        hours=(8, 11, 18),
        categories=("grocery",),
        origin_cell_m=2000,
    )
    result = compute_transit_access(pack, options=options)
    service = result.summary.groupby("hour")["service"].first().to_dict()
    assert service == {8: "ok", 11: "feed_ends", 18: "no_service"}
    evening = result.summary[result.summary["hour"] == 18]
    assert evening["value"].isna().all() and evening["no_access_share"].isna().all()
    morning = result.summary[result.summary["hour"] == 8]
    assert morning["value"].notna().any()
    assert any("18" in n and "no_service" in n for n in result.notes)
    assert any("11" in n and "feed_ends" in n for n in result.notes)
