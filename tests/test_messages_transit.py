"""Messages of transit routing and runs, SKA rules and the departures command, in sv and en.

The words a planner reads when a transit run cannot go ahead: a date outside the feed's
calendar, hours outside the service day, a point without a position (named by the line of its
file, the header being line 1), a bad SKA rule and a pack without a feed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app
from jamlik.errors import ConfigError, DataError, UnknownIdError
from jamlik.i18n import LANGUAGES
from jamlik.ingest import load_pack
from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks.timetable import Timetable, build_timetable
from jamlik.routing.raptor import point_coordinates, travel_times
from jamlik.runs.transit_access import TransitAccessOptions, compute_transit_access
from jamlik.ska.matrix import load_ska_rules
from test_transit_access_tiny import FILES, TUESDAY

PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs in Swedish and in English (monkeypatch puts JAMLIK_LANG back)."""
    monkeypatch.setenv("JAMLIK_LANG", request.param)
    return str(request.param)


@pytest.fixture(scope="module")
def two_stops(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    """The two-stop feed worked out by hand in test_transit_access_tiny (A 08:00 -> B 08:10)."""
    path = tmp_path_factory.mktemp("feed") / "tiny.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in FILES.items():
            z.writestr(name, text)
    return build_timetable(read_gtfs(path, service_date=TUESDAY), max_walk_m=500)


def test_transit_access_on_a_date_outside_the_feed(lang: str) -> None:
    expected = {
        "sv": "paketet 'tampere': ingen tur går 2030-01-01; välj ett --date inom GTFS-flödets "
        "trafikperiod",
        "en": "pack 'tampere': no trip runs on 2030-01-01; choose a --date inside the feed's "
        "calendar",
    }
    options = TransitAccessOptions(date=dt.date(2030, 1, 1), day_types=("weekday",), hours=(8,))
    with pytest.raises(DataError) as info:
        compute_transit_access(load_pack(PACKS / "tampere"), options=options)
    assert str(info.value) == expected[lang]


def test_transit_hours_outside_the_service_day(lang: str) -> None:
    expected = {
        "sv": "timmarna måste ligga i 0-47 (trafikdygnets timmar; 24-47 är efter midnatt), "
        "fick [8, 50]",
        "en": "hours must lie in 0-47 (service-day hours; 24-47 are after midnight), got [8, 50]",
    }
    with pytest.raises(ValueError, match=re.escape(expected[lang])):
        TransitAccessOptions(date=TUESDAY, hours=(8, 50))


def test_point_without_position_names_its_file_line(
    two_stops: Timetable, tmp_path: Path, lang: str
) -> None:
    expected = {
        "sv": "origins, rad 4 (id 'c'): saknar användbar position; ange lon/lat i "
        "WGS84-grader eller ett stop_id",
        "en": "origins, line 4 (id 'c'): no usable position; give lon/lat in WGS84 degrees or "
        "a stop_id",
    }
    csv = tmp_path / "origins.csv"
    csv.write_text("id,lon,lat\na,18.0,59.0\nb,18.0,59.05\nc,18.0,\n")  # c on line 4
    with pytest.raises(DataError) as info:
        point_coordinates(two_stops, pd.read_csv(csv), role="origins")
    assert str(info.value) == expected[lang]


def test_unknown_stop_of_a_point(two_stops: Timetable, lang: str) -> None:
    expected = {
        "sv": "destinations: stop_id 'Z' är ingen hållplats i GTFS-flödet (med flera flöden "
        "börjar hållplatsernas id med flödets namn och ':')",
        "en": "destinations: stop_id 'Z' is not a stop of the feed (with several feeds, stop "
        "ids are prefixed with the feed name and ':')",
    }
    origins = pd.DataFrame({"id": ["o"], "stop_id": ["A"]})
    destinations = pd.DataFrame({"id": ["d"], "stop_id": ["Z"]})
    with pytest.raises(UnknownIdError) as info:
        travel_times(two_stops, origins, destinations, departure_s=8 * 3600)
    assert str(info.value) == expected[lang]


def test_ska_rule_for_every_category_on_foot(tmp_path: Path, lang: str) -> None:
    expected = {
        "sv": "kategorin '*' (alla kategorier) gäller bara antal med kollektivtrafik",
        "en": "category '*' (every category) is for transit counts only",
    }
    path = tmp_path / "rules.toml"
    path.write_text(
        '[aspects.x]\nsv = "x"\nen = "x"\nindicators = [{ category = "*", measure = '
        '"count_30min" }]\n[scales.a]\nsv = "a"\nen = "a"\neveryone = true\n'
        '[perspectives.p]\nsv = "p"\nen = "p"\nprofile = "adult"\ngroup = "pop_total"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_ska_rules(path)
    assert str(info.value) == f"{path}: aspects.x.indicators.0: {expected[lang]}"


def test_ska_rules_file_that_is_not_toml(tmp_path: Path, lang: str) -> None:
    expected = {"sv": "inte giltig TOML", "en": "not valid TOML"}
    path = tmp_path / "rules.toml"
    path.write_text("[aspects.x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {expected[lang]} (")):
        load_ska_rules(path)


def test_departures_of_a_pack_without_a_feed(tmp_path: Path, lang: str) -> None:
    expected = {
        "sv": "paketet 'lund' saknar [[gtfs]]-flöde; lägg till ett för att räkna avgångar",
        "en": "pack 'lund' has no [[gtfs]] feed; add one to count departures",
    }
    out = tmp_path / "departures.csv"
    args = ["--lang", lang, "departures", str(PACKS / "lund"), "--date", "2021-12-14"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert expected[lang] in " ".join(result.output.split())
    assert not out.exists()
