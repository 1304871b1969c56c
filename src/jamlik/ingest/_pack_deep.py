"""Deep checks of a pack for ``jamlik pack check``: every OSM block, every GTFS row, every value.

Private helper of :mod:`jamlik.ingest.pack`. The quick checks (:mod:`._pack_files`) only read
headers; these read everything, so they run in ``pack check`` and not every time a pack loads.

* **OSM**: every block of the extract is decompressed and decoded by libosmium (through
  pyosmium, with a handler that keeps nothing), so a flipped byte anywhere is found.
* **GTFS**: each problem is named with a notice code of the canonical GTFS validator
  (MobilityData's ``gtfs-validator``), its file, row and field. That validator is a Java program
  not served by the package registries, and the Python GTFS libraries (gtfs-kit 13, partridge)
  no longer validate, so the checks that routing depends on are written here, vectorised with
  pandas: times (``invalid_time``), stop locations (``missing_required_field``,
  ``number_out_of_range``, ``point_near_origin``), keys (``duplicate_key``,
  ``foreign_key_violation``) and the order of times along a trip
  (``stop_time_with_arrival_before_previous_departure_time``).
* **Duplicate feeds**: the same feed listed twice (same bytes or the same trip ids) would double
  every departure count.
* **Implausible incomes** (negative or absurd counts are errors already when a table is read).

Row numbers follow the pack's one convention: data rows counted from 1, the header not counted.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import osmium
import pandas as pd

from jamlik.errors import Problem, ProblemWarning
from jamlik.i18n import format_number, t
from jamlik.ingest._lines import with_lines
from jamlik.ingest.areas import format_rows

if TYPE_CHECKING:
    from jamlik.ingest._pack_build import PackData
    from jamlik.ingest.pack import PackConfig

__all__ = ["deep_problems", "gtfs_notices", "osm_block_problems"]

#: Yearly incomes above this (in the table's own unit, SEK thousands or SEK) are flagged for a look.
MAX_PLAUSIBLE_INCOME = 100_000_000
_TIME = r"^\s*\d{1,3}:[0-5]\d:[0-5]\d\s*$"
_STOP_LOCATION_TYPES_WITH_COORDINATES = {"", "0", "1", "2"}


def deep_problems(
    config: PackConfig, data: PackData, *, root: Path, skip: Collection[str] = ()
) -> list[Problem]:
    """Return the problems the deep checks find; files named in ``skip`` already failed."""
    problems: list[Problem] = []
    if config.osm is not None and config.osm.path not in skip:
        problems += osm_block_problems(root / config.osm.path, label=config.osm.path)
    feeds = [(feed.path, root / feed.path) for feed in config.gtfs if feed.path not in skip]
    for label, path in feeds:
        problems += gtfs_notices(path, label=label)
    problems += _duplicate_feeds(feeds)
    problems += _implausible_statistics(data.statistics, label=_statistics_label(config))
    return problems


class _NothingKept(osmium.SimpleHandler):
    """A handler that keeps nothing: libosmium still decodes every block to hand them over.

    pyosmium needs at least one callback; extracts hold no changesets, so this one never runs
    and the whole file is read in C++.
    """

    def changeset(self, changeset: object) -> None:
        """Ignore changesets (extracts have none)."""


def osm_block_problems(path: Path, *, label: str) -> list[Problem]:
    """Decompress and decode every block of an OSM file; a damaged block is an error."""
    try:
        _NothingKept().apply_file(str(path))
    except (RuntimeError, OSError, ValueError) as exc:
        return [Problem(label, t("ingest.deep.block_unreadable", reason=exc))]
    return []


def _read_member(archive: zipfile.ZipFile, names: dict[str, str], member: str) -> pd.DataFrame:
    if member not in names:
        return pd.DataFrame()
    text = archive.read(names[member]).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    return with_lines(frame, text)  # problems name the file's lines (header = line 1)


def _notice(
    label: str, member: str, code: str, rows: Iterable[int], field: str, text: str
) -> Problem:
    """One problem for a notice; ``rows`` are the lines of ``member`` (header = line 1)."""
    lines = np.asarray(list(rows), dtype=np.int64)
    count = " " + t("ingest.deep.rows", n=format_number(len(lines))) if len(lines) > 1 else ""
    return Problem(label, f"{member}: [{code}] {text}{count}", format_rows(lines), field)


def gtfs_notices(path: Path, *, label: str) -> list[Problem]:
    """Validate every row of a GTFS zip; one problem per notice code, file and field."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {Path(n).name: n for n in archive.namelist() if not n.endswith("/")}
            tables = {
                member: _read_member(archive, names, member)
                for member in ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
            }
            calendars = [
                _read_member(archive, names, m) for m in ("calendar.txt", "calendar_dates.txt")
            ]
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        return [Problem(label, t("ingest.deep.feed_unreadable", reason=exc))]
    problems = _stop_notices(tables["stops.txt"], label)
    problems += _key_notices(tables, calendars, label)
    problems += _time_notices(tables["stop_times.txt"], label)
    return problems


def _stop_notices(stops: pd.DataFrame, label: str) -> list[Problem]:
    if stops.empty or "stop_id" not in stops:
        return []
    problems: list[Problem] = []
    kind = stops.get("location_type", pd.Series("", index=stops.index)).str.strip()
    needs_place = kind.isin(_STOP_LOCATION_TYPES_WITH_COORDINATES).to_numpy()
    lat = pd.to_numeric(stops.get("stop_lat", pd.Series("", index=stops.index)), errors="coerce")
    lon = pd.to_numeric(stops.get("stop_lon", pd.Series("", index=stops.index)), errors="coerce")
    for name, values, limit in (("stop_lat", lat, 90.0), ("stop_lon", lon, 180.0)):
        missing = np.flatnonzero(needs_place & values.isna().to_numpy())
        if len(missing):
            text = t("ingest.deep.no_coordinate")
            code = "missing_required_field"
            problems.append(_notice(label, "stops.txt", code, stops.index[missing], name, text))
        outside = stops.index[(values.abs() > limit).to_numpy()]
        if len(outside):
            text = t("ingest.deep.out_of_range", limit=f"{limit:g}")
            problems.append(_notice(label, "stops.txt", "number_out_of_range", outside, name, text))
    origin = stops.index[((lat.abs() < 1.0) & (lon.abs() < 1.0)).to_numpy()]
    if len(origin):
        text = t("ingest.deep.near_origin")
        problems.append(_notice(label, "stops.txt", "point_near_origin", origin, "stop_lat", text))
    return problems


def _duplicates(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    return np.flatnonzero(frame.duplicated(subset=keys, keep="first").to_numpy())


def _key_notices(
    tables: dict[str, pd.DataFrame], calendars: list[pd.DataFrame], label: str
) -> list[Problem]:
    problems: list[Problem] = []
    primary = {
        "stops.txt": ["stop_id"],
        "routes.txt": ["route_id"],
        "trips.txt": ["trip_id"],
        "stop_times.txt": ["trip_id", "stop_sequence"],
    }
    for member, keys in primary.items():
        frame = tables[member]
        if frame.empty or not set(keys) <= set(frame.columns):
            continue
        rows = frame.index[_duplicates(frame, keys)]
        if len(rows):
            text = t("ingest.deep.duplicate_key", keys=" + ".join(keys))
            problems.append(_notice(label, member, "duplicate_key", rows, keys[-1], text))
    services = set().union(*(set(c.get("service_id", ())) for c in calendars))
    references = (
        ("stop_times.txt", "trip_id", "trips.txt", set(tables["trips.txt"].get("trip_id", ()))),
        ("stop_times.txt", "stop_id", "stops.txt", set(tables["stops.txt"].get("stop_id", ()))),
        ("trips.txt", "route_id", "routes.txt", set(tables["routes.txt"].get("route_id", ()))),
        ("trips.txt", "service_id", "calendar.txt/calendar_dates.txt", services),
    )
    for member, column, target, known in references:
        frame = tables[member]
        if frame.empty or column not in frame:
            continue
        rows = np.flatnonzero(~frame[column].isin(known).to_numpy())
        if len(rows):
            first = frame[column].iloc[rows[0]]
            text = t("ingest.deep.foreign_key", column=column, value=first, target=target)
            lines = frame.index[rows]
            problems.append(_notice(label, member, "foreign_key_violation", lines, column, text))
    return problems


def _seconds(values: pd.Series) -> np.ndarray:
    parts = values.str.strip().str.split(":", expand=True)
    if parts.shape[1] != 3:
        return np.full(len(values), np.nan)
    numbers = parts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return numbers[:, 0] * 3600 + numbers[:, 1] * 60 + numbers[:, 2]


def _time_notices(stop_times: pd.DataFrame, label: str) -> list[Problem]:
    if stop_times.empty or not {"trip_id", "stop_sequence"} <= set(stop_times.columns):
        return []
    problems: list[Problem] = []
    valid = pd.Series(True, index=stop_times.index)
    for column in ("arrival_time", "departure_time"):
        if column not in stop_times:
            continue
        values = stop_times[column]
        bad = (values.str.strip() != "") & ~values.str.match(_TIME)
        valid &= ~bad
        rows = np.flatnonzero(bad.to_numpy())
        if len(rows):
            example = values.iloc[rows[0]]
            text = t("ingest.deep.invalid_time", value=example)
            lines = stop_times.index[rows]
            problems.append(_notice(label, "stop_times.txt", "invalid_time", lines, column, text))
    if not {"arrival_time", "departure_time"} <= set(stop_times.columns):
        return problems
    order = pd.to_numeric(stop_times["stop_sequence"], errors="coerce")
    frame = pd.DataFrame(
        {
            "trip": stop_times["trip_id"].to_numpy(),
            "sequence": order.to_numpy(),
            "arrival": np.where(valid, _seconds(stop_times["arrival_time"]), np.nan),
            "departure": np.where(valid, _seconds(stop_times["departure_time"]), np.nan),
        }
    ).sort_values(["trip", "sequence"], kind="stable")
    # The last known departure before each stop of the same trip (blank times are not timepoints).
    previous = frame.groupby("trip", sort=False)["departure"].shift()
    previous = previous.groupby(frame["trip"], sort=False).ffill()
    early = (frame["arrival"] < previous).to_numpy()
    rows = np.sort(stop_times.index.to_numpy()[frame.index.to_numpy()[early]])
    if len(rows):
        text = t("ingest.deep.arrives_early")
        code = "stop_time_with_arrival_before_previous_departure_time"
        problems.append(_notice(label, "stop_times.txt", code, rows, "arrival_time", text))
    return problems


def _feed_fingerprint(path: Path) -> tuple[str, frozenset[str]]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        with zipfile.ZipFile(path) as archive:
            names = {Path(n).name: n for n in archive.namelist() if not n.endswith("/")}
            trips = _read_member(archive, names, "trips.txt")
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, pd.errors.ParserError):
        return digest, frozenset()
    return digest, frozenset(trips.get("trip_id", ()))


def _duplicate_feeds(feeds: list[tuple[str, Path]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: list[tuple[str, str, frozenset[str]]] = []
    for label, path in feeds:
        digest, trips = _feed_fingerprint(path)
        for other, other_digest, other_trips in seen:
            if digest == other_digest:
                msg = t("ingest.deep.same_feed", other=other)
            elif trips and trips == other_trips:
                msg = t("ingest.deep.same_trips", other=other)
            else:
                continue
            problems.append(Problem(label, msg, None, "gtfs"))
            break
        seen.append((label, digest, trips))
    return problems


def _statistics_label(config: PackConfig) -> str:
    return ", ".join(s.path for s in config.statistics) or "pack.toml"


def _implausible_statistics(statistics: pd.DataFrame, *, label: str) -> list[Problem]:
    """Flag incomes below zero or absurdly high (counts are checked when a table is read)."""
    problems: list[Problem] = []
    incomes = [c for c in statistics.columns if "income" in c]
    for column in incomes:
        values = pd.to_numeric(statistics[column], errors="coerce").to_numpy(dtype=float)
        odd = np.flatnonzero((values < 0) | (values > MAX_PLAUSIBLE_INCOME) | np.isinf(values))
        if len(odd):
            rows = statistics.iloc[odd]
            places = [f"{a} ({y})" for a, y in zip(rows["area_id"], rows["year"], strict=True)]
            more = " " + t("problem.more", n=len(places) - 5) if len(places) > 5 else ""
            msg = t("ingest.deep.odd_income", limit=format_number(MAX_PLAUSIBLE_INCOME),
                    places=", ".join(places[:5]) + more)  # fmt: skip
            problems.append(ProblemWarning(label, msg, None, column))
    return problems
