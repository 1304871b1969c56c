"""The ingest speaks Swedish and English, and names a place in a text file by its line.

One rule for every message that points into a CSV, GTFS or TOML file: the file's line, the
header being line 1, so the first data row is line 2 (sv "rad 4", en "line 4"), as the canonical
GTFS validator's ``csvRowNumber`` counts. Blank lines and quoted line breaks count, as in an
editor; rows dropped on the way (repeated ids) do not shift the lines of those after them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from _fetch_fake import SCB, FakeServices
from jamlik.cli.main import app
from jamlik.datasets import generate_town, write_town_pack
from jamlik.errors import ConfigError, DataError, GTFSError, Problem, ProblemWarning
from jamlik.ingest._lines import record_lines
from jamlik.ingest.connectors.http import FetchError, HttpClient
from jamlik.ingest.connectors.pxweb import PxWebApi
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.gtfs_tables import read_points
from jamlik.ingest.scenario import load_scenario

DATE = dt.date(2024, 3, 12)  # a Tuesday
STOP_TIMES = [
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence",
    "t1,08:00:00,08:00:00,A,1",
    "t1,08:05:00,08:05:00,B,2",
    "t1,08:1O:00,08:10:00,C,3",  # the third data row: a letter O for a zero
    "t1,08:15:00,08:15:00,D,4",
]


def _feed(folder: Path, **replace: list[str]) -> Path:
    """A one-trip feed as a folder; ``replace`` gives other lines for a file (stem=lines)."""
    files = {
        "stops": [
            "stop_id,stop_name,stop_lat,stop_lon",
            *(f"{s},Hållplats {s},57.{70 + i},11.9{i}" for i, s in enumerate("ABCD")),
        ],
        "routes": ["route_id,route_type", "R1,3"],
        "trips": ["route_id,service_id,trip_id", "R1,S1,t1"],
        "stop_times": [line.replace("08:1O", "08:10") for line in STOP_TIMES],
        "calendar": [
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
            "end_date",
            "S1,1,1,1,1,1,0,0,20240101,20241231",
        ],
        **replace,
    }
    folder.mkdir()
    for stem, lines in files.items():
        (folder / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("lang", "case", "expected"),
    [
        ("sv", "gtfs", "feed/stop_times.txt, rad 4, kolumn 'arrival_time': "
         "kan inte läsa tiden '08:1O:00'"),
        ("en", "gtfs", "feed/stop_times.txt, line 4, column 'arrival_time': "
         "cannot read time '08:1O:00'"),
        # a blank line counts: the fourth data row of points is line 5
        ("sv", "points", "o.csv, rad 5, kolumn 'lon': 'öst' är inte ett tal; ange WGS84-grader"),
        ("en", "points", "o.csv, line 5, column 'lon': 'öst' is not a number; give WGS84 degrees"),
    ],
)  # fmt: skip
def test_a_bad_value_names_the_line_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, case: str, expected: str
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", lang)
    with pytest.raises(DataError) as info:
        if case == "gtfs":  # the bad time is on the third data row
            read_gtfs(_feed(tmp_path / "feed", stop_times=STOP_TIMES), service_date=DATE)
        else:
            path = tmp_path / "o.csv"
            path.write_text("id,lon,lat\na,11.9,57.7\n\nb,11.91,57.71\nc,öst,57.72\n", "utf-8")
            read_points(path)
    assert expected in str(info.value)


@pytest.mark.parametrize(("lang", "word"), [("sv", "rad"), ("en", "line")])
def test_blank_lines_and_quoted_line_breaks_count_as_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, word: str
) -> None:
    # A blank line after the header and a stop name over two lines: the bad latitude sits on
    # line 7 of the file, though it is the table's fourth row.
    monkeypatch.setenv("JAMLIK_LANG", lang)
    stops = [
        "stop_id,stop_name,stop_lat,stop_lon",
        "",
        "A,Hållplats A,57.70,11.90",
        'B,"Torget',
        'norra",57.71,11.91',
        "C,Hållplats C,57.72,11.92",
        "D,Hållplats D,norr,11.93",
    ]
    feed = _feed(tmp_path / "feed", stops=stops)
    with pytest.raises(GTFSError, match=rf"stops.txt, {word} 7, \w+ 'stop_lat': 'norr'"):
        read_gtfs(feed, service_date=DATE)


def test_a_dropped_repeated_row_does_not_shift_the_lines_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", "en")
    trips = ["route_id,service_id,trip_id", "R1,S1,t1", "R1,S1,t1", "R9,S1,t2"]
    feed = _feed(tmp_path / "feed", trips=trips)
    with pytest.raises(GTFSError, match=r"trips.txt, line 4, column 'route_id': 'R9' is not in"):
        read_gtfs(feed, service_date=DATE)


def test_record_lines_by_hand() -> None:
    text = 'a,b\n1,2\n\n3,"x\ny"\n  \n4,5\n'
    assert record_lines(text, 3).tolist() == [2, 4, 7]
    assert record_lines("a,b\n1,2\n3,4\n", 2).tolist() == [2, 3]
    # a count that does not match what the parser read: one line per record under the header
    assert record_lines('a\n"open\n', 1).tolist() == [2]


GOOD_SCENARIO = """[scenario]
name = "test"

[[homes]]
name = "Kvarter A"
point = [11.95, 57.72]
dwellings = 800
"""


TWO_GEOMETRIES = (
    "point = [11.95, 57.72]\npolygon = [[11.95, 57.72], [11.96, 57.72], [11.96, 57.73]]"
)


@pytest.mark.parametrize(
    ("lang", "old", "new", "expected"),
    [
        ("sv", "dwellings", "dwelings",
         "bad.toml, rad 4 ([[homes]] #1 'Kvarter A', nyckeln 'dwelings'): okänd nyckel"),
        ("en", "dwellings", "dwelings",
         "bad.toml, line 4 ([[homes]] #1 'Kvarter A', key 'dwelings'): unknown key"),
        ("sv", "point = [11.95, 57.72]", TWO_GEOMETRIES,
         "ange antingen point = [x, y] eller polygon = [[x, y], ...], inte båda"),
        ("en", "point = [11.95, 57.72]", TWO_GEOMETRIES,
         "give either point = [x, y] or polygon = [[x, y], ...], not both"),
        ("sv", "dwellings = 800", "dwellings = -1",
         "bad.toml, rad 4 ([[homes]] #1 'Kvarter A', nyckeln 'dwellings'): måste vara "
         "större än 0"),
        ("en", "dwellings = 800", "dwellings = -1",
         "bad.toml, line 4 ([[homes]] #1 'Kvarter A', key 'dwellings'): Input should be "
         "greater than 0"),
    ],
)  # fmt: skip
def test_scenario_errors_name_line_entry_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, old: str, new: str, expected: str
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", lang)
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_SCENARIO.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "SCB-tabellen TAB6574, variabeln 'ContentsCode': okända värdekoder BE0101N1 "
         "(tabellen har t.ex. "),
        ("en", "SCB table TAB6574, variable 'ContentsCode': unknown value code(s) BE0101N1 "
         "(the table has e.g. "),
    ],
)  # fmt: skip
def test_pxweb_unknown_code_against_recorded_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", lang)
    with respx.mock(assert_all_called=False) as mock:
        FakeServices(mock)  # answers with the recorded metadata of SCB's table
        with HttpClient(cache_dir=tmp_path) as client:
            meta = PxWebApi(client, base_url=SCB).metadata("TAB6574")
    with pytest.raises(FetchError) as info:
        meta.check_codes("ContentsCode", ["BE0101N1"], where="scb_tables.toml")
    assert expected in str(info.value)
    assert str(info.value).endswith("scb_tables.toml")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "stats.csv, rad 4, kolumn 'pop': x (varning)"),
        ("en", "stats.csv, line 4, column 'pop': x (warning)"),
    ],
)
def test_problem_names_line_and_column_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", lang)
    assert str(ProblemWarning("stats.csv", "x", 4, "pop")) == expected


@pytest.mark.parametrize(
    ("lang", "lines", "features"),
    [
        ("sv", "t.csv, rader 2, 3 (+1 till): x", "a.gpkg, objekt 7: x"),
        ("en", "t.csv, lines 2, 3 (+1 more): x", "a.gpkg, feature 7: x"),
    ],
)
def test_problem_units(
    monkeypatch: pytest.MonkeyPatch, lang: str, lines: str, features: str
) -> None:
    from jamlik.ingest.areas import format_rows

    monkeypatch.setenv("JAMLIK_LANG", lang)
    monkeypatch.setattr("jamlik.ingest.areas._MAX_LISTED", 2)
    assert str(Problem("t.csv", "x", format_rows([2, 3, 9]))) == lines
    assert str(Problem("a.gpkg", "x", 7, unit="feature")) == features


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = write_town_pack(generate_town(n_nodes=500, seed=3), tmp_path_factory.mktemp("town"))
    return pack.parent


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "statistics.csv, rad 4, kolumn 'pop_total': befolkningen är negativ (-5); antal "
         "måste vara 0 eller mer"),
        ("en", "statistics.csv, line 4, column 'pop_total': population is negative (-5); counts "
         "must be 0 or more"),
    ],
)  # fmt: skip
def test_pack_check_names_the_line_of_a_bad_count(
    town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    pack = Path(shutil.copytree(town, tmp_path / "pack"))
    rows = (pack / "statistics.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = rows[3].split(",")  # the third data row: line 4 of the file
    cells[header.index("pop_total")] = "-5"
    rows[3] = ",".join(cells)
    (pack / "statistics.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("JAMLIK_LANG", "sv")
    result = CliRunner().invoke(
        app, ["--lang", lang, "pack", "check", "--quick", str(pack)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
