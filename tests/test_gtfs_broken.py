"""A broken-GTFS corpus built at test time from the real Kuopio feed: clear errors or reported
repairs, never a traceback."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.transit import register
from jamlik.errors import DataError, GTFSError, MissingColumnError, MissingFileError
from jamlik.ingest.gtfs import GTFSFeed, read_gtfs
from jamlik.ingest.gtfs_tables import read_points

DATE = dt.date(2017, 3, 14)
KUOPIO = "gtfs_kuopio/gtfs_kuopio_2016_2017.zip"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def members(shared_data: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(shared_data / KUOPIO) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def reference(shared_data: Path) -> GTFSFeed:
    return read_gtfs(shared_data / KUOPIO, service_date=DATE)


def make_zip(path: Path, files: dict[str, bytes], folder: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(folder + name, data)
    return path


def edit(files: dict[str, bytes], name: str, change: Callable[[list[str]], list[str]]) -> dict:
    lines = files[name].decode("utf-8-sig").splitlines()
    return {**files, name: ("\n".join(change(lines)) + "\n").encode()}


def set_cell(lines: list[str], row: int, column: str, value: str) -> list[str]:
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    return [*lines[:row], ",".join(cells), *lines[row + 1 :]]


@pytest.mark.parametrize("missing", ["stops.txt", "routes.txt", "trips.txt", "stop_times.txt"])
def test_each_required_file_missing(tmp_path: Path, members: dict, missing: str) -> None:
    files = {k: v for k, v in members.items() if k != missing}
    with pytest.raises(MissingFileError, match=re.escape(missing)):
        read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)


def test_both_calendars_missing(tmp_path: Path, members: dict) -> None:
    files = {k: v for k, v in members.items() if not k.startswith("calendar")}
    with pytest.raises(MissingFileError, match="calendar.txt nor calendar_dates.txt"):
        read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)


def test_missing_agency_is_a_reported_repair(tmp_path: Path, members: dict) -> None:
    files = {k: v for k, v in members.items() if k != "agency.txt"}
    feed = read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)
    assert feed.report.counts["missing_agency"] == 1
    assert any("agency.txt is missing" in n for n in feed.report.notes)


def test_empty_calendar(tmp_path: Path, members: dict) -> None:
    files = edit(members, "calendar.txt", lambda lines: lines[:1])
    files = edit(files, "calendar_dates.txt", lambda lines: lines[:1])
    with pytest.raises(GTFSError, match="define no service"):
        read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)


def test_date_outside_the_feed(tmp_path: Path, members: dict) -> None:
    with pytest.raises(GTFSError, match=r"no trip runs on 2030-01-01 .*2016-10-24 to 2017-06-04"):
        read_gtfs(make_zip(tmp_path / "f.zip", members), service_date=dt.date(2030, 1, 1))


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "pattern"),
    [
        ("stop_times.txt", 5, "departure_time", "7:6o:00", "cannot read time"),
        ("stop_times.txt", 9, "arrival_time", "noon", "cannot read time"),
        ("stop_times.txt", 7, "stop_id", "NOPE", "is not in stops.txt"),
        ("stop_times.txt", 3, "trip_id", "ghost", "is not in trips.txt"),
        ("stop_times.txt", 4, "stop_sequence", "x", "is not a number"),
        ("trips.txt", 6, "route_id", "R404", "is not in routes.txt"),
        ("trips.txt", 8, "service_id", "never", "is not in calendar.txt or calendar_dates"),
        ("stops.txt", 2, "stop_lat", "north", "is not a number"),
        ("calendar.txt", 2, "start_date", "2017-01-01", "cannot read date"),
        ("calendar.txt", 3, "monday", "yes", "expected 0 or 1"),
    ],
)
def test_bad_values_name_file_line_and_column(
    tmp_path: Path, members: dict, file: str, row: int, column: str, value: str, pattern: str
) -> None:
    files = edit(members, file, lambda lines: set_cell(lines, row, column, value))
    with pytest.raises(GTFSError) as info:
        read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)
    text = str(info.value)
    assert pattern in text
    assert file in text
    assert f"line {row + 1}" in text
    assert f"'{column}'" in text


def test_missing_column(tmp_path: Path, members: dict) -> None:
    def drop_col(lines: list[str]) -> list[str]:
        return [",".join(c for i, c in enumerate(line.split(",")) if i != 1) for line in lines]

    files = edit(members, "stop_times.txt", drop_col)  # arrival_time
    with pytest.raises(GTFSError, match="stop_times.txt: required column 'arrival_time'"):
        read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)


def _same(a: GTFSFeed, b: GTFSFeed) -> None:
    pd.testing.assert_frame_equal(a.stop_times, b.stop_times)
    pd.testing.assert_frame_equal(a.trips, b.trips)
    pd.testing.assert_frame_equal(a.stops, b.stops)


def test_bom_crlf_and_sub_folder_read_the_same(
    tmp_path: Path, members: dict, reference: GTFSFeed
) -> None:
    files = {
        k: b"\xef\xbb\xbf" + v.decode("utf-8-sig").replace("\n", "\r\n").encode()
        for k, v in members.items()
    }
    feed = read_gtfs(make_zip(tmp_path / "f.zip", files, folder="kuopio/"), service_date=DATE)
    _same(feed, reference)
    assert any("sub-folder 'kuopio/'" in n for n in feed.report.notes)


def test_latin1_file_is_decoded_and_reported(
    tmp_path: Path, members: dict, reference: GTFSFeed
) -> None:
    text = members["stops.txt"].decode("utf-8")
    assert "ä" in text  # Finnish stop names
    files = {**members, "stops.txt": text.encode("latin-1")}
    feed = read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)
    _same(feed, reference)
    assert feed.report.counts["files_decoded_latin1"] == 1


def test_duplicates_and_short_trips_are_counted(
    tmp_path: Path, members: dict, reference: GTFSFeed
) -> None:
    st = members["stop_times.txt"].decode().splitlines()
    files = edit(members, "stop_times.txt", lambda lines: [*lines, *lines[1:4]])
    feed = read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)
    assert feed.report.counts["stop_times_duplicate"] == 3
    _same(feed, reference)
    # a trip cut to its first stop is dropped and counted
    first_trip = st[1].split(",")[0]
    keep = [st[0]] + [line for line in st[1:] if not line.startswith(first_trip + ",")]
    keep.append(st[1])
    files = {**members, "stop_times.txt": ("\n".join(keep) + "\n").encode()}
    feed = read_gtfs(make_zip(tmp_path / "h.zip", files), service_date=DATE)
    assert feed.report.counts["trips_dropped_under_two_stops"] == 1
    assert first_trip not in set(feed.trips["trip_id"])


def test_blank_end_time_and_backwards_times_drop_the_trip(
    tmp_path: Path, members: dict, reference: GTFSFeed
) -> None:
    lines = members["stop_times.txt"].decode().splitlines()
    trip_a = lines[1].split(",")[0]
    files = edit(members, "stop_times.txt", lambda ls: set_cell(set_cell(ls, 1, "arrival_time",
                 ""), 1, "departure_time", ""))  # fmt: skip
    feed = read_gtfs(make_zip(tmp_path / "f.zip", files), service_date=DATE)
    assert feed.report.counts["trips_dropped_no_end_time"] == 1
    assert trip_a not in set(feed.trips["trip_id"])
    assert len(feed.trips) == len(reference.trips) - 1
    files = edit(members, "stop_times.txt", lambda ls: set_cell(set_cell(ls, 2, "arrival_time",
                 "05:00:00"), 2, "departure_time", "05:00:00"))  # fmt: skip
    feed = read_gtfs(make_zip(tmp_path / "g.zip", files), service_date=DATE)
    assert feed.report.counts["trips_dropped_times_backwards"] == 1
    assert trip_a not in set(feed.trips["trip_id"])


def test_not_a_zip_and_missing_path(tmp_path: Path) -> None:
    bad = tmp_path / "feed.zip"
    bad.write_text("not a zip")
    with pytest.raises(GTFSError, match="is not a zip archive"):
        read_gtfs(bad, service_date=DATE)
    with pytest.raises(MissingFileError, match="does not exist"):
        read_gtfs(tmp_path / "nothing.zip", service_date=DATE)


def test_cli_reports_broken_feed_without_traceback(tmp_path: Path, members: dict) -> None:
    files = edit(members, "trips.txt", lambda lines: set_cell(lines, 6, "route_id", "R404"))
    feed = make_zip(tmp_path / "f.zip", files)
    points = tmp_path / "o.csv"
    points.write_text("id,lon,lat\na,27.68,62.89\n")
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    out = tmp_path / "od.csv"
    args = ["transit-times", "--gtfs", str(feed), "--date", "2017-03-14", "--depart", "07:00",
            "--origins", str(points), "--destinations", str(points), "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "trips.txt, line 7, column 'route_id'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_point_files(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("name,lon,lat\na,1,2\n")
    with pytest.raises(MissingColumnError, match="column 'id' is missing"):
        read_points(path)
    path.write_text("id,x,y\na,1,2\n")
    with pytest.raises(MissingColumnError, match="lon and lat, or stop_id"):
        read_points(path)
    path.write_text("id,lon,lat\na,27.1,62.9\nb,east,62.9\n")
    with pytest.raises(DataError, match=r"line 3, column 'lon': 'east' is not a number"):
        read_points(path)
    with pytest.raises(MissingFileError):
        read_points(tmp_path / "none.csv")
    path.write_text("\ufeffid,stop_id,lon,lat\n0001,S1,,\n0002,,27.1,62.9\n")
    points = read_points(path)
    assert points["id"].tolist() == ["0001", "0002"]
    assert points["stop_id"].tolist() == ["S1", ""]
    assert points["lon"].iloc[1] == 27.1
