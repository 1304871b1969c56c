"""Opening hours: hand cases, real OSM strings against the parser itself, broken inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import opening_hours as oh
import pytest

from jamlik.errors import ConfigError, DataError, MissingFileError
from jamlik.ingest import extract_pois
from jamlik.ingest.opening_hours import (
    HoursOverrides,
    load_hours_overrides,
    opening_schedule,
    pack_overrides_path,
)

H = 3600
TUESDAY = dt.date(2021, 12, 14)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def test_weekday_hours_hand() -> None:
    hours = ["Mo-Fr 08:00-17:00"]
    sat = opening_schedule(hours, date=dt.date(2021, 12, 18))
    mon = opening_schedule(hours, date=dt.date(2021, 12, 13))
    assert not sat.open_at(10 * H)[0]
    assert mon.open_at(9 * H)[0]
    assert not mon.open_at(7 * H + 59 * 60)[0]
    assert mon.open_at(8 * H)[0]  # [start, end)
    assert not mon.open_at(17 * H)[0]
    # 24 h later on the service day is Tuesday 09:00: open again.
    assert mon.open_at(33 * H)[0]


def test_public_holiday_needs_country() -> None:
    hours = ["Mo-Fr 08:00-17:00; PH off"]
    independence_day = dt.date(2021, 12, 6)  # Finland, a Monday
    assert not opening_schedule(hours, date=independence_day, country="FI").open_at(10 * H)[0]
    assert opening_schedule(hours, date=independence_day).open_at(10 * H)[0]
    with pytest.raises(DataError, match="country"):
        opening_schedule(hours, date=independence_day, country="XX")


def test_after_midnight_and_unknown() -> None:
    s = opening_schedule(["Tu 22:00-02:00", "Tu 08:00-12:00 unknown"], date=TUESDAY)
    assert s.is_open([0, 0, 0], [21 * H, 23 * H, 25 * H]).tolist() == [False, True, True]
    assert s.is_open(1, 9 * H)
    closed = opening_schedule(["Tu 08:00-12:00 unknown"], date=TUESDAY, unknown_is_open=False)
    assert not closed.open_at(9 * H)[0]


def test_missing_and_broken_hours_count_as_always_open() -> None:
    s = opening_schedule(
        [None, "", "every day in summer", "Mo-Su 10:00-11:00"],
        date=TUESDAY,
        ids=["node/1", "node/2", "node/3", "node/4"],
        categories=["grocery"] * 4,
    )
    assert s.n_without_hours == 3
    assert s.open_at(3 * H).tolist() == [True, True, True, False]
    assert len(s.warnings) == 1 and "node/3" in s.warnings[0] and "grocery" in s.warnings[0]


def test_override_precedence() -> None:
    ov = HoursOverrides(
        defaults={"school": "Mo-Fr 08:00-16:00"},
        categories={"health": "Mo-Fr 10:00-11:00"},
        pois={"node/9": "24/7"},
    )
    s = opening_schedule(
        ["Mo-Su 00:00-01:00", None, "Mo-Su 00:00-01:00", None, "Mo-Su 00:00-01:00"],
        date=TUESDAY,
        ids=["node/9", "node/1", "node/2", "node/3", "node/4"],
        categories=["school", "school", "health", "park", "school"],
        overrides=ov,
    )
    # node/9: place override (open at 12:00); node/1: default (school day); node/2: category
    # replaces the tag; node/3: nothing, always open; node/4: its own tag.
    assert s.open_at(12 * H).tolist() == [True, True, False, True, False]
    assert s.open_at(10 * H + 30 * 60).tolist() == [True, True, True, True, False]
    assert s.n_without_hours == 1


def test_vectorised_matches_parser_on_real_strings(shared_data: Path) -> None:
    texts: list[str] = []
    for name in ("osm_gtfs_tampere/tampere.osm.pbf", "osm_lund_station/lund_station.osm.pbf"):
        pois = extract_pois(shared_data / name)
        texts += [t for t in pois["opening_hours"].dropna() if t.strip()]
    assert len(texts) > 50
    rng = np.random.default_rng(1)
    for date in (TUESDAY, dt.date(2021, 12, 18), dt.date(2021, 12, 19)):
        s = opening_schedule(texts, date=date)
        place = rng.integers(0, len(texts), 3000)
        second = rng.integers(0, 2 * 86400, 3000)
        got = s.is_open(place, second)
        start = dt.datetime.combine(date, dt.time())
        want = [
            oh.OpeningHours(texts[p]).is_open(start + dt.timedelta(seconds=int(x)))
            for p, x in zip(place, second, strict=True)
        ]
        assert got.tolist() == want
        assert s.n_without_hours == 0


def test_overrides_file(tmp_path: Path) -> None:
    good = tmp_path / "opening_hours.toml"
    good.write_text('[categories]\nschool = "Mo-Fr 08:00-16:00"\n[pois]\n"node/1" = "24/7"\n')
    ov = load_hours_overrides(good)
    assert ov.categories["school"] == "Mo-Fr 08:00-16:00" and ov.pois["node/1"] == "24/7"
    assert pack_overrides_path(tmp_path) == good
    assert pack_overrides_path(tmp_path / "nowhere") is None
    bad = tmp_path / "bad.toml"
    bad.write_text('[categories]\nschool = "Mo-Fr 8 to 4"\n')
    with pytest.raises(ConfigError, match="school"):
        load_hours_overrides(bad)
    bad.write_text('[hours]\nschool = "24/7"\n')
    with pytest.raises(ConfigError, match="allowed tables"):
        load_hours_overrides(bad)
    bad.write_text("[categories\n")
    with pytest.raises(ConfigError, match="TOML"):
        load_hours_overrides(bad)
    with pytest.raises(MissingFileError):
        load_hours_overrides(tmp_path / "missing.toml")
