"""travel-times and transit-times on damaged points CSVs, OSM extracts and GTFS feeds.

Points and feeds of the generated town, and the real Lund OSM extract and Tampere GTFS feed
where the damage is to the binary framing (a PBF block, a zip member).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bad_input._corpus import (
    SWEDISH,
    Case,
    assert_case,
    flip_inside_member,
    flipped,
    garbage,
    member_rows,
    read_rows,
    replace_member,
    swapped,
    to_csv,
    truncated,
    with_cell,
    write,
)
from bad_input._tables import MUTATIONS, Table
from bad_input.conftest import TOWN_DATE, Inputs

# --- points ---------------------------------------------------------------------------------


def _points_table(inputs: Inputs) -> Table:
    return Table(read_rows(inputs.points), id="id", number="lon", text="id", swap=("lon", "lat"))


def _coordinates(rows: list[list[str]], row: int, lon: str, lat: str) -> list[list[str]]:
    return with_cell(with_cell(rows, row, "lon", lon), row, "lat", lat)


#: mutation -> (damaged rows, texts the message names); lines count the header as line 1.
POINT_VALUES: dict[str, Callable[[list[list[str]]], tuple[list[list[str]], tuple[str, ...]]]] = {
    "text_lon": lambda r: (with_cell(r, 3, "lon", "east"), ("line 4", "lon")),
    "nan_lat": lambda r: (with_cell(r, 2, "lat", "NaN"), ("line 3", "lat")),
    "empty_lat": lambda r: (with_cell(r, 2, "lat", ""), ("line 3", "lat")),
    "huge_lon": lambda r: (with_cell(r, 4, "lon", "1e308"), ("line 5",)),
    "metres": lambda r: (_coordinates(r, 2, "319000", "6417000"), ("line 3", "degrees")),
    "zero": lambda r: (_coordinates(r, 5, "0", "0"), ("line 6", "0,0")),
    "swapped": lambda r: (swapped(r, "lon", "lat"), ()),
    "far_outside": lambda r: (_coordinates(r, 1, "18.06", "59.33"), ()),
    "duplicated_id": lambda r: ([*r, list(r[2])], ("lines 3, 8", r[2][0])),
}
#: Where the file itself is sound but its points are not where the network is, the engine
#: names the option (``origins``) and what to do; one point outside is a warning naming it.
ROLE_NAMED: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {
    ("travel-times", "swapped"): (("origins", "swap the two columns"), None),
    ("transit-times", "swapped"): (("origins", "no stop of the feed"), None),
    ("travel-times", "far_outside"): (
        ("origins", "1499C0010"),
        "lie outside the OSM extract and get no travel times",
    ),
    ("transit-times", "far_outside"): (
        ("origins", "1499C0010"),
        "have no stop within 1000 m and get no travel times",
    ),
}


def _travel_times(
    inputs: Inputs, tmp: Path, origins: Path, osm: Path | None = None, others: Path | None = None
) -> list[str]:
    osm = osm or inputs.town / "town.osm.pbf"
    destinations = others or inputs.points
    return ["travel-times", "--osm", str(osm), "--origins", str(origins),
            "--destinations", str(destinations), "--out", str(tmp / "tt.csv")]  # fmt: skip


def _transit_times(inputs: Inputs, tmp: Path, origins: Path, gtfs: Path | None = None) -> list[str]:
    feed = gtfs or inputs.town / "town_gtfs.zip"
    return ["transit-times", "--gtfs", str(feed), "--date", TOWN_DATE, "--depart", "07:00",
            "--window-min", "0", "--origins", str(origins), "--destinations",
            str(inputs.points), "--out", str(tmp / "tr.csv")]  # fmt: skip


COMMANDS = {"travel-times": _travel_times, "transit-times": _transit_times}
#: The table mutations that apply to a points file (no counts: negative/huge are coordinates).
POINT_TABLE = ["empty", "header_only", "truncated", "flipped", "latin1", "utf16", "garbage",
               "semicolon", "renamed", "dropped"]  # fmt: skip


@pytest.mark.parametrize("mutation", POINT_TABLE)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_points_file(inputs: Inputs, tmp_path: Path, command: str, mutation: str) -> None:
    damaged = MUTATIONS[mutation](_points_table(inputs), tmp_path, "origins.csv")
    names = tuple(n.replace("row ", "line ") for n in damaged.names if n != "cut off")
    if mutation == "truncated":  # the cut row is the file's last line (header = line 1)
        lines = damaged.path.read_bytes().count(b"\n") + 1
        names = (f"line {lines}",)
    argv = COMMANDS[command](inputs, tmp_path, damaged.path)
    assert_case(Case(f"{command}-{mutation}", argv, ("origins.csv", *names)))


@pytest.mark.parametrize("mutation", list(POINT_VALUES))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_point_values(inputs: Inputs, tmp_path: Path, command: str, mutation: str) -> None:
    rows, names = POINT_VALUES[mutation](read_rows(inputs.points))
    path = write(tmp_path, "origins.csv", to_csv(rows))
    argv = COMMANDS[command](inputs, tmp_path, path)
    if (command, mutation) in ROLE_NAMED:
        names, tolerated = ROLE_NAMED[command, mutation]
        assert_case(Case(f"{command}-{mutation}", argv, names, tolerated=tolerated))
        return
    assert_case(Case(f"{command}-{mutation}", argv, ("origins.csv", *names)))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_points_folder_or_missing(inputs: Inputs, tmp_path: Path, command: str) -> None:
    folder = tmp_path / "origins.csv"
    folder.mkdir()
    for given in (folder, tmp_path / "absent.csv"):
        argv = COMMANDS[command](inputs, tmp_path, given)
        assert_case(Case(f"{command}-{given.name}", argv, (given.name,)))


# --- OSM extracts ---------------------------------------------------------------------------

PBF_DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda b: b"",
    "truncated": lambda b: truncated(b, 0.5),
    "flipped": lambda b: flipped(b, n=256),
    "garbage": lambda b: garbage(),
    "csv_named_pbf": lambda b: b"id,lon,lat\na,13.18,55.70\n",
}


@pytest.mark.parametrize("damage", list(PBF_DAMAGE))
def test_osm_extract(inputs: Inputs, tmp_path: Path, damage: str) -> None:
    pbf = write(tmp_path, "lund.osm.pbf", PBF_DAMAGE[damage](inputs.lund_pbf.read_bytes()))
    argv = _travel_times(inputs, tmp_path, inputs.lund_points, pbf, inputs.lund_points)
    assert_case(Case(f"travel-times-osm-{damage}", argv, ("lund.osm.pbf",)))


def test_osm_extract_folder_or_missing(inputs: Inputs, tmp_path: Path) -> None:
    folder = tmp_path / "lund.osm.pbf"
    folder.mkdir()
    for given in (folder, tmp_path / "absent.osm.pbf"):
        argv = _travel_times(inputs, tmp_path, inputs.lund_points, given, inputs.lund_points)
        assert_case(Case(f"travel-times-osm-{given.name}", argv, (given.name,)))


# --- GTFS feeds -----------------------------------------------------------------------------


def _member(
    name: str, edit: Callable[[list[list[str]]], list[list[str]]], **kw: str
) -> Callable[[Path, Path], Path]:
    def damage(source: Path, target: Path) -> Path:
        text = to_csv(edit(member_rows(source, name)))
        return replace_member(source, target, name, text.encode(kw.get("encoding", "utf-8")))

    return damage


def _swedish(rows: list[list[str]]) -> list[list[str]]:
    i = rows[0].index("stop_name")
    return [rows[0], *([*r[:i], f"{SWEDISH} {r[i]}", *r[i + 1 :]] for r in rows[1:])]


def _bytes_member(name: str, edit: Callable[[bytes], bytes]) -> Callable[[Path, Path], Path]:
    def damage(source: Path, target: Path) -> Path:
        import zipfile

        with zipfile.ZipFile(source) as archive:
            data = archive.read(name)
        return replace_member(source, target, name, edit(data))

    return damage


def _whole(edit: Callable[[bytes], bytes]) -> Callable[[Path, Path], Path]:
    return lambda source, target: write(target.parent, target.name, edit(source.read_bytes()))


def _cell(member: str, row: int, name: str, value: str) -> Callable[[Path, Path], Path]:
    return _member(member, lambda r: with_cell(r, row, name, value))


STOP_TIMES = "stop_times.txt"

#: damage -> (feed it applies to, how, texts the message names besides the feed's file name)
GTFS_DAMAGE: dict[str, tuple[str, Callable[[Path, Path], Path], tuple[str, ...]]] = {
    "empty": ("town", _whole(lambda b: b""), ()),
    "garbage": ("town", _whole(lambda b: garbage()), ()),
    "truncated_zip": ("tampere", _whole(lambda b: truncated(b, 0.7)), ()),
    "flipped_member": (
        "tampere",
        lambda s, t: flip_inside_member(s, t, STOP_TIMES),
        (STOP_TIMES,),
    ),
    "no_stop_times": ("town", lambda s, t: replace_member(s, t, STOP_TIMES, None), (STOP_TIMES,)),
    "stops_latin1": ("town", _member("stops.txt", _swedish, encoding="latin-1"), ("stops.txt",)),
    "stops_utf16": ("town", _member("stops.txt", _swedish, encoding="utf-16"), ("stops.txt",)),
    "stop_times_cut": (
        "town",
        _bytes_member(STOP_TIMES, lambda b: truncated(b, 0.5)),
        (STOP_TIMES,),
    ),
    "stops_swapped": (
        "town",
        _member("stops.txt", lambda r: swapped(r, "stop_lat", "stop_lon")),
        ("stops.txt",),
    ),
    "stop_lat_text": (
        "town",
        _cell("stops.txt", 2, "stop_lat", "north"),
        ("stops.txt", "stop_lat"),
    ),
    "stop_lat_huge": (
        "town",
        _cell("stops.txt", 2, "stop_lat", "1e308"),
        ("stops.txt", "stop_lat"),
    ),
    "stops_duplicated": (
        "town",
        _member("stops.txt", lambda r: [*r, list(r[1])]),
        ("stops.txt", "stop_id"),
    ),
    "trips_duplicated": (
        "town",
        _member("trips.txt", lambda r: [*r, list(r[3])]),
        ("trips.txt", "trip_id"),
    ),
    "time_absurd": (
        "town",
        _cell(STOP_TIMES, 4, "arrival_time", "99:99:99"),
        (STOP_TIMES, "arrival_time"),
    ),
    "calendar_text": (
        "town",
        _cell("calendar.txt", 1, "start_date", "someday"),
        ("calendar.txt", "start_date"),
    ),
}


#: Damage the reader repairs, saying so: the warning is the message.
GTFS_TOLERATED = {
    "stops_latin1": "stops.txt: not valid UTF-8, decoded as Windows-1252",
    "stops_duplicated": "stops.txt: 1 duplicate stop_id rows dropped (first kept)",
    "trips_duplicated": "trips.txt: 1 duplicate trip_id rows dropped (first kept)",
}


@pytest.mark.parametrize("damage", list(GTFS_DAMAGE))
def test_gtfs_feed(inputs: Inputs, tmp_path: Path, damage: str) -> None:
    which, make, names = GTFS_DAMAGE[damage]
    if damage == "stops_swapped":  # the stops move away from the points: named by the option
        names = ("origins", "no stop of the feed")
    if which == "town":
        source, origins = inputs.town / "town_gtfs.zip", inputs.points
    else:
        source = inputs.tampere_gtfs
        origins = write(tmp_path, "tampere.csv", "id,lon,lat\na,23.76,61.50\nb,23.77,61.49\n")
    feed = make(source, tmp_path / "feed.zip")
    argv = _transit_times(inputs, tmp_path, origins, gtfs=feed)
    if which == "tampere":
        argv[argv.index("--date") + 1] = "2021-12-14"
    name = f"transit-times-gtfs-{damage}"
    if damage == "stops_swapped":
        assert_case(Case(name, argv, names))
    else:
        assert_case(Case(name, argv, ("feed.zip", *names), tolerated=GTFS_TOLERATED.get(damage)))


def test_gtfs_folder_or_missing(inputs: Inputs, tmp_path: Path) -> None:
    folder = tmp_path / "feed.zip"
    folder.mkdir()
    for given in (folder, tmp_path / "absent.zip"):
        argv = _transit_times(inputs, tmp_path, inputs.points, gtfs=given)
        assert_case(Case(f"transit-times-gtfs-{given.name}", argv, (given.name,)))


def test_points_errors_in_swedish(inputs: Inputs, tmp_path: Path) -> None:
    rows = read_rows(inputs.points)
    latin1 = write(tmp_path, "origins.csv", to_csv([*rows, [SWEDISH, "11.9", "57.8"]]),
                   encoding="latin-1")  # fmt: skip
    argv = _travel_times(inputs, tmp_path, latin1)
    names = ("origins.csv", f"rad {len(rows) + 1}", "spara punkterna som CSV UTF-8")
    assert_case(Case("sv travel-times latin1", argv, names), language="sv")
