"""Quick checks of the external files of a pack: the OSM extract, GTFS zips, category overrides.

Private helper of :mod:`jamlik.ingest.pack`. The checks are cheap: the OSM header is read with
pyosmium and a PBF file's block framing is walked (headers only, block bodies are skipped) so a
truncated download is found without decoding the data; a GTFS zip is opened and the header line
of each required file is read.
"""

from __future__ import annotations

import struct
import tomllib
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import osmium

from jamlik.errors import Problem
from jamlik.i18n import t

if TYPE_CHECKING:
    from jamlik.ingest.pack import PackConfig

__all__ = ["check_external_files", "check_gtfs", "check_osm"]

#: GTFS files every feed needs, with the columns routing reads from them.
GTFS_REQUIRED: dict[str, tuple[str, ...]] = {
    "agency.txt": ("agency_name",),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
}
GTFS_CALENDARS = ("calendar.txt", "calendar_dates.txt")
_MAX_BLOB_HEADER = 64 * 1024
_MAX_BLOB = 32 * 1024 * 1024


def check_external_files(config: PackConfig, *, root: Path) -> list[Problem]:
    """Check the OSM extract, every GTFS feed and the categories file of a pack."""
    problems: list[Problem] = []
    if config.osm is not None:
        problems += check_osm(root / config.osm.path, label=config.osm.path)
    for feed in config.gtfs:
        problems += check_gtfs(root / feed.path, label=feed.path)
    if config.categories is not None:
        path = root / config.categories.path
        if not path.is_file():
            msg = t("ingest.table.file_missing", path=str(path))
            problems.append(Problem(config.categories.path, msg))
        else:
            try:
                tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                msg = t("ingest.files.not_toml", reason=exc)
                problems.append(Problem(config.categories.path, msg))
    return problems


def check_osm(path: Path, *, label: str) -> list[Problem]:
    """Check that an OSM file exists, opens with pyosmium and, for PBF, is not truncated."""
    if not path.is_file():
        return [Problem(label, t("ingest.table.file_missing", path=str(path)))]
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        try:
            reader.header()
        finally:
            reader.close()
    except (RuntimeError, OSError, ValueError) as exc:
        return [Problem(label, t("ingest.files.not_osm", reason=exc))]
    if path.name.lower().endswith(".pbf"):
        error = _pbf_framing_error(path)
        if error:
            return [Problem(label, t("ingest.files.damaged_pbf", error=error))]
    return []


def _pbf_framing_error(path: Path) -> str | None:
    """Walk the PBF block framing (4-byte length, BlobHeader, blob) and report the first fault."""
    size = path.stat().st_size
    offset = 0
    blocks = 0
    with path.open("rb") as handle:
        while offset < size:
            head = handle.read(4)
            if len(head) < 4:
                return t("ingest.files.block_cut", block=blocks + 1, offset=offset)
            (header_len,) = struct.unpack(">I", head)
            if header_len == 0 or header_len > _MAX_BLOB_HEADER:
                return t("ingest.files.block_header", block=blocks + 1, offset=offset)
            header = handle.read(header_len)
            if len(header) < header_len:
                return t("ingest.files.block_cut", block=blocks + 1, offset=offset)
            kind, data_size = _parse_blob_header(header)
            if kind not in {"OSMHeader", "OSMData"} or data_size is None:
                return t("ingest.files.block_not_osm", block=blocks + 1, offset=offset)
            if data_size > _MAX_BLOB:
                return t("ingest.files.block_too_large", block=blocks + 1, offset=offset)
            offset += 4 + header_len + data_size
            if offset > size:
                return t("ingest.files.block_past_end", block=blocks + 1, offset=offset, size=size)
            handle.seek(offset)
            blocks += 1
    return None if blocks else t("ingest.files.no_blocks")


def _parse_blob_header(data: bytes) -> tuple[str, int | None]:
    """Decode the protobuf BlobHeader fields ``type`` (1) and ``datasize`` (3)."""
    kind = ""
    data_size: int | None = None
    pos = 0
    try:
        while pos < len(data):
            key, pos = _varint(data, pos)
            field, wire = key >> 3, key & 7
            if wire == 0:
                value, pos = _varint(data, pos)
                if field == 3:
                    data_size = value
            elif wire == 2:
                length, pos = _varint(data, pos)
                if field == 1:
                    kind = data[pos : pos + length].decode("ascii", errors="replace")
                pos += length
            else:
                return "", None
    except IndexError:
        return "", None
    return kind, data_size


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def check_gtfs(path: Path, *, label: str) -> list[Problem]:
    """Check that a GTFS zip opens and holds the required files with their key columns."""
    if not path.is_file():
        return [Problem(label, t("ingest.table.file_missing", path=str(path)))]
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(label, t("ingest.files.not_zip", reason=exc))]
    problems: list[Problem] = []
    with archive:
        names = {Path(n).name: n for n in archive.namelist() if not n.endswith("/")}
        nested = [n for n in archive.namelist() if "/" in n.rstrip("/")]
        for member, columns in GTFS_REQUIRED.items():
            if member not in names:
                key = "ingest.files.gtfs_member_nested" if nested else "ingest.files.gtfs_member"
                problems.append(Problem(label, t(key, member=member), None, member))
                continue
            problems += _check_header(archive, names[member], columns, label=label)
        if not any(c in names for c in GTFS_CALENDARS):
            msg = t("ingest.files.gtfs_no_calendar")
            problems.append(Problem(label, msg, None, "calendar.txt"))
        for member in GTFS_CALENDARS:
            if member in names:
                problems += _check_header(archive, names[member], ("service_id",), label=label)
    return problems


def _check_header(
    archive: zipfile.ZipFile, member: str, columns: tuple[str, ...], *, label: str
) -> list[Problem]:
    try:
        with archive.open(member) as handle:
            first = handle.readline().decode("utf-8-sig", errors="replace")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return [Problem(label, t("ingest.files.member_unreadable", member=member, reason=exc),
                        None, member)]  # fmt: skip
    header = [c.strip().strip('"') for c in first.strip().split(",")]
    missing = [c for c in columns if c not in header]
    if missing:
        msg = t("ingest.files.member_columns", member=member, columns=", ".join(missing))
        return [Problem(label, msg, None, member)]
    return []
