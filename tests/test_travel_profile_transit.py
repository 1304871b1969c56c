"""One travel profile everywhere: the same walking speed in walk mode and in every transit walk.

The speeds live in :mod:`jamlik.config` only. Walk mode's street costs, the timetable's
footpaths, transit access and transit OD times (library and CLI) and the walk OD table must all
use the profile's ``speed_m_s``; ``--profile senior`` must make transit journeys slower by the
amount worked out by hand below.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from jamlik.cli.transit import register
from jamlik.config import DEFAULT_PROFILE, DEFAULT_PROFILES, WALK_PROFILES, profile
from jamlik.errors import DataError
from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks import build_street_network
from jamlik.networks.timetable import build_timetable
from jamlik.runs.transit_access import TransitAccessOptions
from jamlik.runs.transit_times import transit_od_times
from jamlik.runs.travel_times import od_travel_times
from test_gtfs_rules_tiny import DAY, write_feed

LUND = "osm_lund_station/lund_station.osm.pbf"
#: origin 300 m north of stop A (lat 60, lon 18.00); B lies 1.1 km east of A
ORIGIN_LAT = 60.0 + 300.0 / 111_195.0


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _feed(folder: Path) -> Path:
    trips = {
        "t1": [("A", "08:05", 0, 0), ("C", "08:10", 0, 0)],
        "t2": [("A", "08:15", 0, 0), ("C", "08:20", 0, 0)],
    }
    return write_feed(folder, trips)


def test_one_default_in_one_unit() -> None:
    assert DEFAULT_PROFILE == "adult"
    assert set(WALK_PROFILES) == {"adult", "child", "senior", "wheelchair"}
    assert profile("adult").speed_m_s == 1.33  # 4.79 km/h, walk mode's adult
    opts = TransitAccessOptions(date=DAY)
    assert opts.profiles == ("adult",) and opts.walk_speed_kmh is None
    for name in WALK_PROFILES:
        one = TransitAccessOptions(date=DAY, profiles=(name,))
        assert one.walk_speed_m_s(name) == DEFAULT_PROFILES[name].speed_m_s
    assert TransitAccessOptions(date=DAY, walk_speed_kmh=3.6).walk_speed_m_s("senior") == 1.0
    with pytest.raises(ValueError, match="transit walks use"):
        TransitAccessOptions(date=DAY, profiles=("bike",))


def test_walk_mode_and_transit_share_the_speed(shared_data: Path, tmp_path: Path) -> None:
    """Walk mode's street cost, timetable footpaths and the walk OD table use one speed."""
    network = build_street_network(shared_data / LUND, mode="walk")
    flat = ~network.street_steps
    feed = read_gtfs(_feed(tmp_path / "f"), service_date=DAY)
    for name in WALK_PROFILES:
        speed = profile(name).speed_m_s
        cost = network.street_cost(profile(name))
        np.testing.assert_allclose(cost[flat], network.street_length_m[flat] / speed)
        tt = build_timetable(feed, walk_speed_m_s=speed)
        assert tt.walk_speed_m_s == speed
    assert build_timetable(feed).walk_speed_m_s == profile("adult").speed_m_s
    # the walk OD table without --speed-kmh: the adult's speed
    pts = pd.DataFrame({"id": ["a", "b"], "lon": [13.187, 13.193], "lat": [55.705, 55.707]})
    table = od_travel_times(shared_data / LUND, pts.iloc[:1], pts.iloc[1:])
    metres = table["distance_m"].iloc[0]
    assert metres > 100
    assert table["minutes"].iloc[0] == pytest.approx(metres / 1.33 / 60, rel=1e-12)


def _od(tmp_path: Path, **kwargs: object) -> float:
    origins = pd.DataFrame({"id": ["o"], "lon": [18.0], "lat": [ORIGIN_LAT]})
    dests = pd.DataFrame({"id": ["c"], "stop_id": ["C"]})
    result = transit_od_times(
        [_feed(tmp_path)], origins, dests, service_date=DAY, departure_s=8 * 3600,
        window_min=0, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip
    return float(result.times.minutes[0, 0, 0])


def test_senior_walks_slower_to_the_stop_by_hand(tmp_path: Path) -> None:
    """Leaving at 08:00, 300 m from stop A: the adult catches the 08:05, the senior does not.

    Walk to A: 300 m x 1.3 / 1.33 m/s = 293 s (08:04:53, in time for the 08:05, at C 08:10:
    10 minutes); 300 m x 1.3 / 0.97 m/s = 402 s (08:06:42: the 08:15, at C 08:20: 20 minutes).
    """
    metres = haversine_m(np.array([18.0]), np.array([ORIGIN_LAT]), np.array([18.0]),
                         np.array([60.0]))[0]  # fmt: skip
    assert metres == pytest.approx(300.0, abs=0.5)
    assert round(metres * 1.3 / 1.33) == 293 and round(metres * 1.3 / 0.97) == 402
    assert _od(tmp_path / "a") == 10.0
    assert _od(tmp_path / "b", travel_profile="adult") == 10.0
    assert _od(tmp_path / "s", travel_profile="senior") == 20.0
    # the explicit override stays: 0.97 m/s by hand gives the senior's answer
    assert _od(tmp_path / "k", walk_speed_m_s=0.97) == 20.0
    with pytest.raises(DataError, match="does not walk"):
        _od(tmp_path / "x", travel_profile="bike")


def test_cli_profile_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAMLIK_LANG", "en")
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    origins = tmp_path / "o.csv"
    pd.DataFrame({"id": ["o"], "lon": [18.0], "lat": [ORIGIN_LAT]}).to_csv(origins, index=False)
    dests = tmp_path / "d.csv"
    pd.DataFrame({"id": ["c"], "stop_id": ["C"]}).to_csv(dests, index=False)
    feed = _feed(tmp_path / "feed")
    minutes = {}
    for extra in ([], ["--profile", "senior"], ["--walk-speed-kmh", "3.492"]):
        out = tmp_path / f"od{len(extra)}{extra[-1] if extra else ''}.csv"
        args = ["transit-times", "--gtfs", str(feed), "--date", DAY.isoformat(), "--depart",
                "08:00", "--window-min", "0", "--origins", str(origins), "--destinations",
                str(dests), "--out", str(out), *extra]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        minutes[" ".join(extra)] = pd.read_csv(out)["minutes_p50"].item()
    assert minutes == {"": 10.0, "--profile senior": 20.0, "--walk-speed-kmh 3.492": 20.0}
    bad = CliRunner().invoke(app, [*args[:-2], "--profile", "bike", "--overwrite"])
    assert bad.exit_code == 2 and "--profile" in bad.output and "Traceback" not in bad.output


@pytest.mark.slow
def test_transit_access_profiles(tmp_path: Path) -> None:
    """``access --mode transit --profiles adult,senior``: seniors never arrive earlier."""
    from jamlik.cli.access import _transit_options
    from jamlik.ingest import load_pack
    from jamlik.runs.transit_access import compute_transit_access

    opts = _transit_options(
        "grocery", "15,30", None, "2021-12-14", "8", "weekday", 3000.0, "adult,senior"
    )
    assert opts.profiles == ("adult", "senior")
    pack = load_pack(Path(__file__).resolve().parents[1] / "packs" / "tampere")
    result = compute_transit_access(pack, options=opts)
    summary = result.summary
    assert set(summary["profile"]) == {"adult", "senior"}
    assert any("senior" in note and "3.49 km/h" in note for note in result.notes)
    key = ["day_type", "hour", "area_id", "group", "indicator"]
    wide = summary.pivot_table(index=key, columns="profile", values="value", aggfunc="first")
    nearest = wide[wide.index.get_level_values("indicator").str.contains("nearest")]
    counts = wide[wide.index.get_level_values("indicator").str.contains("count")]
    assert (nearest["senior"] >= nearest["adult"] - 1e-9).all()
    assert (nearest["senior"] > nearest["adult"]).any()
    assert (counts["senior"] <= counts["adult"] + 1e-9).all()
