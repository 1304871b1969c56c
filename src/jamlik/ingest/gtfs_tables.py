"""Low-level reading: GTFS text files from a zip (or folder), times, calendars, point CSVs.

The reader is plain :mod:`pandas` on the decoded text of each file (all columns as strings,
blanks kept as ``""``), not gtfs-kit: gtfs-kit would add a dependency and its own validation,
while jamlik needs control over *which* problems stop routing (a named
:class:`~jamlik.errors.GTFSError` with file, line and column) and which are repaired and counted
in the ingest report. Every file is read with the C parser from an in-memory string: the
biggest table of the real feeds (Tampere ``stop_times.txt``, 5.9 MB) reads in about 0.3 s, so
the pyarrow engine would gain little, and the string-only read keeps ids such as ``0001`` and
blank times exactly as written.

Origins and destinations for transit queries are CSV files ``id,lon,lat`` or ``id,stop_id``
(:func:`read_points`); ids are read as text so that ``0001`` stays ``0001``. A file may mix
both kinds of rows when it has all columns: a row with a ``stop_id`` starts or ends at that
stop, others at their coordinates.

Encodings: UTF-8 with or without a byte-order mark is read as is; a file that is not valid
UTF-8 is decoded as Windows-1252 (a superset of Latin-1 for printable text) and the repair is
reported. CRLF line ends are handled by the CSV parser.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, GTFSError, MissingColumnError, MissingFileError
from jamlik.i18n import t
from jamlik.ingest._lines import at_line, line_of, with_lines

__all__ = [
    "GTFS_FILES",
    "FeedFiles",
    "active_services",
    "parse_times",
    "read_feed_files",
    "read_points",
    "require_columns",
    "strip_ids",
]

#: The GTFS files jamlik reads; others (shapes, fares, …) are ignored.
GTFS_FILES = (
    "agency.txt",
    "stops.txt",
    "routes.txt",
    "trips.txt",
    "stop_times.txt",
    "calendar.txt",
    "calendar_dates.txt",
    "frequencies.txt",
    "transfers.txt",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class FeedFiles:
    """The tables of one feed as string DataFrames, plus notes on how they were read."""

    source: str
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    latin1_files: int = 0


def read_feed_files(path: str | Path) -> FeedFiles:
    """Read the GTFS text files of a zip archive or a folder.

    The files may sit at the top of the zip or in one sub-folder of it. Every column is read as
    a string; blank cells stay ``""``.

    Raises
    ------
    MissingFileError
        If ``path`` does not exist.
    GTFSError
        If the file is not a zip archive or a folder, or several sub-folders hold a feed.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(t("ingest.gtfs.feed_missing", path=str(path)))
    if path.is_dir():
        raw = {p.name: p.read_bytes() for p in path.iterdir() if p.name in GTFS_FILES}
        files = FeedFiles(source=str(path), tables={})
        return _decode_all(files, raw)
    if not zipfile.is_zipfile(path):
        raise GTFSError(t("ingest.gtfs.not_zip", path=str(path)))
    files = FeedFiles(source=str(path), tables={})
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        folders = {
            str(PurePosixPath(n).parent) for n in names if PurePosixPath(n).name == "stops.txt"
        }
        folders.discard("__MACOSX")
        if len(folders) > 1:
            raise GTFSError(
                t("ingest.gtfs.several_folders", path=str(path), folders=", ".join(sorted(folders)))
            )
        folder = folders.pop() if folders else "."
        if folder != ".":
            files.notes.append(t("ingest.gtfs.note_sub_folder", feed=path.name, folder=folder))
        raw = {}
        for name in names:
            pure = PurePosixPath(name)
            if str(pure.parent) == folder and pure.name in GTFS_FILES:
                try:
                    raw[pure.name] = archive.read(name)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                    raise GTFSError(
                        t("gtfs.damaged_member", path=str(path), member=name, reason=exc)
                    ) from None
    return _decode_all(files, raw)


def _decode_all(files: FeedFiles, raw: dict[str, bytes]) -> FeedFiles:
    for name, data in raw.items():
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            files.latin1_files += 1
            files.notes.append(
                t("ingest.gtfs.note_latin1", file=f"{Path(files.source).name}/{name}")
            )
        files.tables[name] = _parse_csv(text, f"{Path(files.source).name}/{name}")
    return files


def _parse_csv(text: str, label: str) -> pd.DataFrame:
    if not text.strip():
        return pd.DataFrame()
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise GTFSError(t("ingest.gtfs.unreadable_csv", file=label, reason=exc)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return with_lines(frame, text)


def require_columns(frame: pd.DataFrame, columns: Iterable[str], label: str) -> None:
    """Raise :class:`GTFSError` naming the file and the first missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or t("ingest.none")
        raise GTFSError(t("ingest.gtfs.missing_column", file=label, column=missing[0], have=have))


def parse_times(values: pd.Series, label: str, column: str) -> npt.NDArray[np.float64]:
    """Parse ``H:MM:SS`` GTFS times into seconds since service-day midnight.

    Hours may exceed 23 (trips running past midnight). Blank cells become ``nan``.

    Raises
    ------
    GTFSError
        Naming the file, line (header = line 1) and column of the first unparsable time.
    """
    # Feeds repeat the same few thousand time strings: parse each distinct string once.
    codes, uniques = pd.factorize(values.astype(str), sort=False)
    text = pd.Series(uniques, dtype=object).str.strip()
    parts = text.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    blank = text.eq("").to_numpy()
    bad = parts[0].isna().to_numpy() & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad[codes])[0])
        at = at_line(label, line_of(values, pos), column)
        raise GTFSError(t("ingest.gtfs.bad_time", at=at, value=values.iloc[pos]))
    unique_s = np.full(len(uniques), np.nan)
    ok = ~blank
    if ok.any():
        hms = parts.loc[ok].astype(np.int64).to_numpy()
        unique_s[ok] = hms[:, 0] * 3600 + hms[:, 1] * 60 + hms[:, 2]
    return unique_s[codes] if len(codes) else np.zeros(0)


def strip_ids(values: pd.Series) -> pd.Series:
    """Strip blanks around ids, working on the distinct values only (fast on long columns)."""
    codes, uniques = pd.factorize(values.astype(str), sort=False)
    stripped = pd.Series(uniques, dtype=object).str.strip().to_numpy(dtype=object)
    return pd.Series(stripped[codes], index=values.index, dtype=object)


def _parse_dates(values: pd.Series, label: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(values.str.strip(), format="%Y%m%d", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        at = at_line(label, line_of(values, pos), column)
        raise GTFSError(t("ingest.gtfs.bad_date", at=at, value=values.iloc[pos]))
    return parsed.dt.date


def active_services(
    calendar: pd.DataFrame | None,
    calendar_dates: pd.DataFrame | None,
    service_date: dt.date,
    *,
    source: str,
) -> tuple[set[str], set[str], tuple[dt.date, dt.date] | None]:
    """Return the services running on ``service_date`` and every known service id.

    A service runs when ``calendar.txt`` says so for the weekday within its date range, unless
    ``calendar_dates.txt`` removes it (``exception_type`` 2); ``exception_type`` 1 adds it.

    Returns
    -------
    tuple
        ``(active ids, all known ids, (first date, last date) or None)``; the date span helps
        error messages when nothing runs.
    """
    active: set[str] = set()
    known: set[str] = set()
    first: dt.date | None = None
    last: dt.date | None = None
    if calendar is not None and len(calendar):
        label = f"{source}/calendar.txt"
        require_columns(calendar, ("service_id", *_WEEKDAYS, "start_date", "end_date"), label)
        start = _parse_dates(calendar["start_date"], label, "start_date")
        end = _parse_dates(calendar["end_date"], label, "end_date")
        day = _WEEKDAYS[service_date.weekday()]
        flags = calendar[day].str.strip()
        bad = ~flags.isin(["0", "1"])
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            at = at_line(label, line_of(flags, pos), day)
            raise GTFSError(t("ingest.gtfs.bad_weekday", at=at, value=flags.iloc[pos]))
        runs = flags.eq("1") & (start <= service_date) & (end >= service_date)
        active |= set(calendar.loc[runs, "service_id"].str.strip())
        known |= set(calendar["service_id"].str.strip())
        first, last = min(start), max(end)
    if calendar_dates is not None and len(calendar_dates):
        label = f"{source}/calendar_dates.txt"
        require_columns(calendar_dates, ("service_id", "date", "exception_type"), label)
        dates = _parse_dates(calendar_dates["date"], label, "date")
        kind = calendar_dates["exception_type"].str.strip()
        bad = ~kind.isin(["1", "2"])
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            at = at_line(label, line_of(kind, pos), "exception_type")
            raise GTFSError(t("ingest.gtfs.bad_exception_type", at=at, value=kind.iloc[pos]))
        ids = calendar_dates["service_id"].str.strip()
        on_day = (dates == service_date).to_numpy()
        active |= set(ids[on_day & kind.eq("1").to_numpy()])
        active -= set(ids[on_day & kind.eq("2").to_numpy()])
        known |= set(ids)
        lo, hi = min(dates), max(dates)
        first = lo if first is None else min(first, lo)
        last = hi if last is None else max(last, hi)
    span = (first, last) if first is not None and last is not None else None
    return active, known, span


def read_points(path: str | Path) -> pd.DataFrame:
    """Read a CSV of points with columns ``id`` and ``lon,lat`` or ``stop_id``.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    MissingColumnError
        If ``id``, or both ``lon,lat`` and ``stop_id``, are missing.
    DataError
        If a ``lon``/``lat`` value is not a number (the message names the line) or the file
        has no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(t("ingest.points.missing", path=str(path)))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(t("points.not_utf8", path=str(path), line=line)) from None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise DataError(t("points.empty", path=str(path))) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(t("points.unreadable", path=str(path), reason=exc)) from None
    frame = with_lines(frame, text)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "id" not in frame.columns:
        raise MissingColumnError(t("ingest.points.no_id", path=str(path)))
    has_xy = {"lon", "lat"} <= set(frame.columns)
    if not has_xy and "stop_id" not in frame.columns:
        have = ", ".join(frame.columns)
        raise MissingColumnError(t("ingest.points.no_xy", path=str(path), have=have))
    if frame.empty:
        raise DataError(t("ingest.points.no_rows", path=str(path)))
    out = pd.DataFrame({"id": frame["id"].str.strip()})
    repeated = out["id"].duplicated(keep=False).to_numpy()
    if repeated.any():
        lines = ", ".join(str(line_of(out, int(i))) for i in repeated.nonzero()[0][:5])
        first = out["id"].to_numpy()[repeated][0]
        raise DataError(t("points.duplicate_ids", path=str(path), lines=lines, id=first))
    if "stop_id" in frame.columns:
        out["stop_id"] = frame["stop_id"].str.strip()
    if has_xy:
        use_xy = out["stop_id"].eq("") if "stop_id" in out else pd.Series(True, index=out.index)
        for col in ("lon", "lat"):
            cells = frame[col].str.strip()
            values = pd.to_numeric(cells, errors="coerce")
            bad = values.isna() & (use_xy | cells.ne(""))
            if bad.any():
                pos = int(bad.to_numpy().nonzero()[0][0])
                at = at_line(str(path), line_of(frame, pos), col)
                raise DataError(t("ingest.points.not_number", at=at, value=frame[col].iloc[pos]))
            out[col] = values
        _check_degrees(out, use_xy, path)
    return out.reset_index(drop=True)


def _check_degrees(points: pd.DataFrame, use_xy: pd.Series, path: Path) -> None:
    """Refuse coordinates that are not WGS84 degrees, and 0,0 (a missing point written as 0)."""
    lon, lat = points["lon"], points["lat"]
    for bad, key in (
        (use_xy & ((lon.abs() > 180) | (lat.abs() > 90)), "ingest.points.not_degrees"),
        (use_xy & (lon.abs() < 1e-9) & (lat.abs() < 1e-9), "ingest.points.zero"),
    ):
        if bad.any():
            pos = int(bad.to_numpy().nonzero()[0][0])
            at = at_line(str(path), line_of(points, pos))
            lon_lat = f"{lon.iloc[pos]:g},{lat.iloc[pos]:g}"
            raise DataError(t(key, at=at, lon_lat=lon_lat, n=int(bad.sum())))
