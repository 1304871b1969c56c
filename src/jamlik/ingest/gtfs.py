"""Read one or more GTFS feeds into the stop times of one service day, with a repair report.

:func:`read_gtfs` reads each feed (zip or folder; see :mod:`jamlik.ingest.gtfs_tables` for why
plain pandas and not gtfs-kit), validates what routing needs, keeps the trips that run on the
chosen date, repairs what can be repaired and merges the feeds.

What stops the ingest (:class:`~jamlik.errors.GTFSError` or, for a missing file,
:class:`~jamlik.errors.MissingFileError`, each naming the file, line and column):

* a missing required file (``stops.txt``, ``routes.txt``, ``trips.txt``, ``stop_times.txt``, and
  ``calendar.txt`` or ``calendar_dates.txt``) or required column;
* an unparsable time, date, coordinate or ``stop_sequence``;
* a trip whose route or service is unknown, stop times for an unknown trip or stop;
* no trip running on the date (the message gives the dates the feed covers).

What is repaired and counted in :class:`GTFSReport` (never silently): duplicate rows (first
kept), a missing ``agency.txt``, files not in UTF-8, blank times (copied or interpolated, see
:mod:`jamlik.ingest.gtfs_repair`), ``frequencies.txt`` expanded into trips, trips dropped because
they have fewer than two stops, a blank first or last time, or times that go backwards.

Boarding rules are read and kept for :mod:`jamlik.networks.timetable`, which applies them:

* ``pickup_type``/``drop_off_type`` of every stop time (blank = 0, regularly scheduled; 1 = none;
  2 = phone the agency; 3 = coordinate with the driver) as the int8 columns ``pickup_type`` and
  ``drop_off_type`` of :attr:`GTFSFeed.stop_times`; any other value stops the ingest with the
  line. The report counts the day's stop times with each restriction (``stop_times_no_pickup``,
  ``stop_times_no_drop_off``, ``stop_times_pickup_on_request``, ``stop_times_drop_off_on_request``).
* ``block_id`` of every trip (``""`` when blank) in :attr:`GTFSFeed.trips`; trips generated from
  ``frequencies.txt`` get no block (a template's block cannot say which generated trip follows
  which). The report counts ``trips_in_blocks``.
* ``transfers.txt`` as :attr:`GTFSFeed.transfers`, every row: ``from_stop``, ``to_stop`` (rows
  of ``stops``; ``-1`` when blank, which only the in-seat types 4 and 5 allow),
  ``transfer_type`` 0-5, ``min_transfer_s`` (``-1`` when blank) and ``from_route_id``,
  ``to_route_id``, ``from_trip_id``, ``to_trip_id`` (``""`` when blank, prefixed like the other
  ids). Rows naming a stop, route or trip the feed does not have are left out, counted
  (``transfers_unknown_stop``, ``transfers_unknown_route_trip``) and named by line in a note.
  Type 2 without a ``min_transfer_time``, types 0-3 without both stops and types 4/5 without
  both trips stop the ingest (the GTFS reference requires them). The report counts the rows
  kept (``transfers_rules``), those naming routes or trips (``transfers_route_trip_rules``) and
  the in-seat rows (``transfers_in_seat_rules``).

Not read (known limits): ``location_type`` (stations are ordinary stops), ``timepoint``.

Times are seconds since the *service day's* midnight (GTFS "noon minus 12 h"; daylight-saving
shifts are ignored), so they may pass 86,400. Trips of the previous service day that still run
after midnight are included with their times shifted by −86,400 s and ``@prev`` appended to the
trip id. When several feeds are read, every id (stop, route, trip, service) is prefixed with
``<prefix>:`` (the file name without extension unless ``prefixes`` is given), so ids from
different operators cannot collide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import GTFSError, MissingFileError
from jamlik.i18n import t
from jamlik.ingest._lines import at_line, line_of
from jamlik.ingest.gtfs_repair import drop_bad_trips, expand_frequencies, interpolate_times
from jamlik.ingest.gtfs_tables import (
    active_services,
    parse_times,
    read_feed_files,
    require_columns,
    strip_ids,
)

__all__ = ["GTFSFeed", "GTFSReport", "empty_transfers", "read_gtfs"]

_DAY_S = 86_400
#: Columns of :attr:`GTFSFeed.transfers` holding stop numbers and ids of routes and trips.
TRANSFER_STOPS = ("from_stop", "to_stop")
TRANSFER_IDS = ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id")
#: Counters that get a note in the report, each with its text ``ingest.gtfs.note.<counter>``.
_REPAIR_NOTES = (
    "times_copied",
    "times_interpolated_shape",
    "times_interpolated_distance",
    "times_interpolated_even",
    "trips_dropped_no_end_time",
    "trips_dropped_times_backwards",
    "trips_dropped_under_two_stops",
    "frequency_trips_added",
    "stop_times_no_pickup",
    "stop_times_no_drop_off",
    "stop_times_pickup_on_request",
    "stop_times_drop_off_on_request",
    "trips_in_blocks",
    "transfers_rules",
    "transfers_route_trip_rules",
    "transfers_in_seat_rules",
)


@dataclass
class GTFSReport:
    """What the ingest read and repaired.

    Attributes
    ----------
    counts
        Counter name → count, e.g. ``times_interpolated_shape``, ``trips_dropped_no_end_time``,
        ``stop_times_duplicate``, ``frequency_trips_added``, ``trips``, ``stop_times``.
    notes
        Readable sentences, one per repair or remark, naming the feed and file.
    """

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: int) -> None:
        """Add ``value`` to counter ``name``."""
        self.counts[name] = self.counts.get(name, 0) + int(value)

    def repairs(self) -> dict[str, int]:
        """Counters of repairs that changed or dropped something (non-zero only)."""
        skip = {
            "feeds",
            "trips",
            "stop_times",
            "stops",
            "previous_day_trips",
            "stop_times_no_pickup",
            "stop_times_no_drop_off",
            "trips_in_blocks",
            "transfers_rules",
            "transfers_route_trip_rules",
            "transfers_in_seat_rules",
        }
        return {k: v for k, v in self.counts.items() if v and k not in skip}


@dataclass(frozen=True)
class GTFSFeed:
    """The stop times of one service day, merged over feeds.

    Attributes
    ----------
    service_date
        The date the trips run.
    stops
        ``stop_id`` (str), ``stop_name``, ``lon``, ``lat`` (WGS84); row ``i`` is stop ``i``.
    trips
        ``trip_id``, ``route_id``, ``service_id``, ``route_type`` (int, -1 when unknown),
        ``block_id`` (``""`` when none); row ``j`` is trip ``j``.
    stop_times
        ``trip`` (row of ``trips``), ``stop`` (row of ``stops``), ``stop_sequence``,
        ``arrival_s``, ``departure_s`` (int64 seconds since service-day midnight),
        ``pickup_type``, ``drop_off_type`` (int8, 0-3), sorted by trip and sequence.
    report
        Counts of what was read and repaired.
    transfers
        Rows of ``transfers.txt``: ``from_stop``, ``to_stop`` (rows of ``stops``, -1 when
        blank), ``transfer_type`` (0-5), ``min_transfer_s`` (-1 when blank), ``from_route_id``,
        ``to_route_id``, ``from_trip_id``, ``to_trip_id`` (``""`` when blank).

    Feeds built in code may leave out ``block_id``, ``pickup_type``/``drop_off_type`` and
    ``transfers``: trips then form no blocks, every stop allows boarding and alighting and no
    transfer rule applies.
    """

    service_date: dt.date
    stops: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    report: GTFSReport
    transfers: pd.DataFrame = field(default_factory=lambda: empty_transfers())


def empty_transfers() -> pd.DataFrame:
    """Return a transfers table without rows (the columns of :attr:`GTFSFeed.transfers`)."""
    ids = {col: np.zeros(0, dtype=object) for col in TRANSFER_IDS}
    return pd.DataFrame(
        {
            "from_stop": np.zeros(0, np.int64),
            "to_stop": np.zeros(0, np.int64),
            "transfer_type": np.zeros(0, np.int8),
            "min_transfer_s": np.zeros(0, np.int64),
            **ids,
        }
    )


def read_gtfs(
    paths: str | Path | Sequence[str | Path],
    *,
    service_date: dt.date,
    prefixes: Sequence[str] | None = None,
) -> GTFSFeed:
    """Read GTFS feeds and return the trips that run on ``service_date``.

    Parameters
    ----------
    paths
        One feed or several (zip archives or folders).
    service_date
        The day to keep.
    prefixes
        Id prefixes, one per feed, used only when there are several feeds; default the file
        names without extension.

    Raises
    ------
    MissingFileError
        A feed or a required file in it is missing.
    GTFSError
        A problem that makes routing impossible; the message names file, line and column.
    """
    path_list = [paths] if isinstance(paths, str | Path) else list(paths)
    if not path_list:
        raise GTFSError(t("ingest.gtfs.no_feed"))
    if prefixes is None:
        names = [Path(p).stem for p in path_list]
        prefixes = [n if names.count(n) == 1 else f"{n}{i + 1}" for i, n in enumerate(names)]
    elif len(prefixes) != len(path_list):
        raise GTFSError(t("ingest.gtfs.prefixes", prefixes=len(prefixes), feeds=len(path_list)))
    report = GTFSReport()
    parts = []
    for path, prefix in zip(path_list, prefixes, strict=True):
        tag = f"{prefix}:" if len(path_list) > 1 else ""
        parts.append(_read_one(Path(path), service_date, tag, report))
    stops = pd.concat([p[0] for p in parts], ignore_index=True)
    trips = pd.concat([p[1] for p in parts], ignore_index=True)
    st_parts = []
    tr_parts = []
    stop_offset = trip_offset = 0
    for p_stops, p_trips, p_st, p_tr in parts:
        st = p_st.copy()
        st["stop"] += stop_offset
        st["trip"] += trip_offset
        st_parts.append(st)
        shift = {c: np.where(p_tr[c] >= 0, p_tr[c] + stop_offset, -1) for c in TRANSFER_STOPS}
        tr_parts.append(p_tr.assign(**shift))
        stop_offset += len(p_stops)
        trip_offset += len(p_trips)
    stop_times = pd.concat(st_parts, ignore_index=True)
    transfers = pd.concat(tr_parts, ignore_index=True)
    if stop_times.empty:
        notes = "; ".join(report.notes) or t("ingest.none")
        raise GTFSError(t("ingest.gtfs.no_trip_runs", date=service_date, notes=notes))
    for key in _REPAIR_NOTES:
        if report.counts.get(key):
            report.notes.append(t(f"ingest.gtfs.note.{key}", n=report.counts[key]))
    report.add("feeds", len(path_list))
    report.add("stops", len(stops))
    report.add("trips", len(trips))
    report.add("stop_times", len(stop_times))
    return GTFSFeed(service_date, stops, trips, stop_times, report, transfers)


def _read_one(
    path: Path, service_date: dt.date, tag: str, report: GTFSReport
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    files = read_feed_files(path)
    report.notes.extend(files.notes)
    report.add("files_decoded_latin1", files.latin1_files)
    name = path.name
    tables = files.tables
    for required in ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt"):
        if required not in tables:
            raise MissingFileError(t("ingest.gtfs.file_missing", path=str(path), file=required))
    if "calendar.txt" not in tables and "calendar_dates.txt" not in tables:
        raise MissingFileError(t("ingest.gtfs.no_calendar", path=str(path)))
    if "agency.txt" not in tables:
        report.add("missing_agency", 1)
        report.notes.append(t("ingest.gtfs.note_no_agency", feed=name))

    stops = _stops(tables["stops.txt"], f"{name}/stops.txt", report)
    routes = _dedupe(tables["routes.txt"], "route_id", f"{name}/routes.txt", report, "routes")
    trips = _dedupe(tables["trips.txt"], "trip_id", f"{name}/trips.txt", report, "trips")
    require_columns(trips, ("route_id", "service_id", "trip_id"), f"{name}/trips.txt")
    _check_refs(trips["route_id"], set(routes["route_id"]), f"{name}/trips.txt", "route_id")
    today, known, span = active_services(
        tables.get("calendar.txt"), tables.get("calendar_dates.txt"), service_date, source=name
    )
    yesterday, _, _ = active_services(
        tables.get("calendar.txt"),
        tables.get("calendar_dates.txt"),
        service_date - dt.timedelta(days=1),
        source=name,
    )
    if not known:
        raise GTFSError(t("ingest.gtfs.no_service", feed=name))
    _check_refs(trips["service_id"], known, f"{name}/trips.txt", "service_id")
    st = _stop_times(tables["stop_times.txt"], name, trips, stops, report)
    freq = _frequencies(tables.get("frequencies.txt"), name, trips)
    transfers = _transfers(tables.get("transfers.txt"), name, stops, routes, trips, tag, report)
    blocks = (
        strip_ids(trips["block_id"]).to_numpy(dtype=object)
        if "block_id" in trips
        else np.full(len(trips), "", dtype=object)
    )
    blocks[np.isin(np.arange(len(trips)), freq["trip"].to_numpy())] = ""

    latest = np.fmax(st["arr"].to_numpy(), st["dep"].to_numpy())
    past_midnight = np.unique(st["trip"].to_numpy()[latest >= _DAY_S])
    day_parts = []
    trip_tables = []
    code_offset = 0
    for services, shift, suffix in ((today, 0, ""), (yesterday, -_DAY_S, "@prev")):
        runs = trips["service_id"].isin(services).to_numpy()
        if shift:  # of the previous day, only trips still running after midnight
            runs &= np.isin(np.arange(len(trips)), past_midnight)
        codes = np.flatnonzero(runs)
        day_st, day_ids, day_template, added = _one_day(st, freq, codes, trips, report)
        if shift:
            late = day_st.groupby("trip")["arrival_s"].transform("max").to_numpy() >= _DAY_S
            day_st = day_st.loc[late]
            day_st["arrival_s"] += shift
            day_st["departure_s"] += shift
        used = np.unique(day_st["trip"].to_numpy())
        remap = np.full(len(day_ids), -1, dtype=np.int64)
        remap[used] = np.arange(len(used)) + code_offset
        day_st = day_st.assign(trip=remap[day_st["trip"].to_numpy()])
        table = trips.iloc[day_template[used]][["route_id", "service_id"]].reset_index(drop=True)
        table.insert(0, "trip_id", [f"{tid}{suffix}" for tid in day_ids[used]])
        block = blocks[day_template[used]]
        generated = np.asarray(day_template[used]) != used  # trips made from frequencies.txt
        table["block_id"] = [
            "" if (b == "" or g) else f"{tag}{b}{suffix}"
            for b, g in zip(block, generated, strict=True)
        ]
        trip_tables.append(table)
        day_parts.append(day_st)
        code_offset += len(used)
        if shift:
            report.add("previous_day_trips", len(used))
        else:
            report.add("frequency_trips_added", added)
    if code_offset == 0:
        first, last = span if span else (None, None)
        feed_label = f"{name} ({tag[:-1]})" if tag else name
        message = t(
            "ingest.gtfs.no_trip_on_date",
            feed=feed_label,
            date=service_date,
            first=first,
            last=last,
        )
        if not tag:  # a single feed: nothing to route on
            raise GTFSError(message)
        report.notes.append(message)
    day_trips = pd.concat(trip_tables, ignore_index=True)
    rtype = routes.set_index("route_id")["route_type"] if "route_type" in routes else None
    day_trips["route_type"] = (
        pd.to_numeric(day_trips["route_id"].map(rtype), errors="coerce").fillna(-1).astype(int)
        if rtype is not None
        else -1
    )
    for col in ("trip_id", "route_id", "service_id"):
        day_trips[col] = tag + day_trips[col].astype(str)
    stop_times = pd.concat(day_parts, ignore_index=True)
    stop_times = stop_times[
        [
            "trip",
            "stop",
            "stop_sequence",
            "arrival_s",
            "departure_s",
            "pickup_type",
            "drop_off_type",
        ]
    ]
    stop_times = stop_times.sort_values(["trip", "stop_sequence"], kind="stable")
    _count_rules(stop_times, day_trips, report)
    out_stops = stops[["stop_id", "stop_name", "lon", "lat"]].copy()
    out_stops["stop_id"] = tag + out_stops["stop_id"]
    return out_stops, day_trips, stop_times.reset_index(drop=True), transfers


def _count_rules(stop_times: pd.DataFrame, trips: pd.DataFrame, report: GTFSReport) -> None:
    """Count the day's boarding restrictions and block trips in the report (module docstring)."""
    pickup = stop_times["pickup_type"].to_numpy()
    drop_off = stop_times["drop_off_type"].to_numpy()
    report.add("stop_times_no_pickup", int((pickup == 1).sum()))
    report.add("stop_times_no_drop_off", int((drop_off == 1).sum()))
    report.add("stop_times_pickup_on_request", int((pickup >= 2).sum()))
    report.add("stop_times_drop_off_on_request", int((drop_off >= 2).sum()))
    report.add("trips_in_blocks", int(trips["block_id"].ne("").sum()))


def _one_day(
    st: pd.DataFrame,
    freq: pd.DataFrame,
    codes: np.ndarray,
    trips: pd.DataFrame,
    report: GTFSReport,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, int]:
    day = st.loc[np.isin(st["trip"].to_numpy(), codes)].reset_index(drop=True)
    day, counts = interpolate_times(day)
    for key, value in counts.items():
        report.add(key, value)
    day, counts = drop_bad_trips(day)
    for key, value in counts.items():
        report.add(key, value)
    ids = trips["trip_id"].to_numpy(dtype=object)
    day_freq = freq.loc[freq["trip"].isin(day["trip"].unique())]
    day, ids, template, added = expand_frequencies(day, day_freq, ids)
    return day, ids, template, added


def _dedupe(
    frame: pd.DataFrame, key: str, label: str, report: GTFSReport, what: str
) -> pd.DataFrame:
    require_columns(frame, (key,), label)
    frame = frame.copy()
    frame[key] = strip_ids(frame[key])
    dup = frame.duplicated(key).to_numpy()
    if dup.any():
        report.add(f"{what}_duplicate", int(dup.sum()))
        report.notes.append(t("ingest.gtfs.note_duplicates", file=label, n=int(dup.sum()), key=key))
        frame = frame.loc[~dup]  # the index keeps each row's line in the file
    return frame


def _check_refs(values: pd.Series, known: set[str], label: str, column: str) -> None:
    """Raise naming the first id of ``values`` (``route_id``/``service_id``) not in ``known``."""
    _check_codes(np.where(strip_ids(values).isin(known).to_numpy(), 0, -1), values, label, column)


def _number(frame: pd.DataFrame, column: str, label: str) -> np.ndarray:
    text = strip_ids(frame[column])
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna().to_numpy() & text.ne("").to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        at = at_line(label, line_of(frame, pos), column)
        raise GTFSError(t("ingest.gtfs.not_number", at=at, value=frame[column].iloc[pos]))
    return values.to_numpy(dtype=np.float64)


def _stops(frame: pd.DataFrame, label: str, report: GTFSReport) -> pd.DataFrame:
    frame = _dedupe(frame, "stop_id", label, report, "stops")
    require_columns(frame, ("stop_lat", "stop_lon"), label)
    lat = _number(frame, "stop_lat", label)
    lon = _number(frame, "stop_lon", label)
    out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if out_of_range.any():
        pos = int(np.flatnonzero(out_of_range)[0])
        at = at_line(label, line_of(frame, pos))
        raise GTFSError(t("ingest.gtfs.not_wgs84", at=at, lon=lon[pos], lat=lat[pos]))
    frame = frame.assign(lon=lon, lat=lat)
    if "stop_name" not in frame:
        frame["stop_name"] = ""
    missing = np.isnan(lat) | np.isnan(lon)
    if missing.any():
        report.add("stops_without_coordinates", int(missing.sum()))
        report.notes.append(t("ingest.gtfs.note_no_coordinates", file=label, n=int(missing.sum())))
    return frame.loc[~missing].reset_index(drop=True)


def _stop_times(
    frame: pd.DataFrame, name: str, trips: pd.DataFrame, stops: pd.DataFrame, report: GTFSReport
) -> pd.DataFrame:
    label = f"{name}/stop_times.txt"
    require_columns(
        frame, ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"), label
    )
    trip_codes = pd.Index(trips["trip_id"]).get_indexer(strip_ids(frame["trip_id"]))
    _check_codes(trip_codes, frame["trip_id"], label, "trip_id")
    stop_codes = pd.Index(stops["stop_id"]).get_indexer(strip_ids(frame["stop_id"]))
    _check_codes(stop_codes, frame["stop_id"], label, "stop_id")
    seq = _number(frame, "stop_sequence", label)
    if np.isnan(seq).any():
        pos = int(np.flatnonzero(np.isnan(seq))[0])
        at = at_line(label, line_of(frame, pos), "stop_sequence")
        raise GTFSError(t("ingest.gtfs.blank_sequence", at=at))
    pickup = _flag(frame, "pickup_type", label)
    drop_off = _flag(frame, "drop_off_type", label)
    shape = (
        _number(frame, "shape_dist_traveled", label)
        if "shape_dist_traveled" in frame
        else np.full(len(frame), np.nan)
    )
    st = pd.DataFrame(
        {
            "trip": trip_codes,
            "stop": stop_codes,
            "stop_sequence": seq.astype(np.int64),
            "arr": parse_times(frame["arrival_time"], label, "arrival_time"),
            "dep": parse_times(frame["departure_time"], label, "departure_time"),
            "shape_dist": shape,
            "pickup_type": pickup,
            "drop_off_type": drop_off,
            "lon": stops["lon"].to_numpy()[stop_codes],
            "lat": stops["lat"].to_numpy()[stop_codes],
        }
    )
    st = st.sort_values(["trip", "stop_sequence"], kind="stable")
    dup = st.duplicated(["trip", "stop_sequence"]).to_numpy()
    if dup.any():
        report.add("stop_times_duplicate", int(dup.sum()))
        report.notes.append(t("ingest.gtfs.note_repeated_sequence", file=label, n=int(dup.sum())))
        st = st.loc[~dup]
    return st.reset_index(drop=True)


def _flag(frame: pd.DataFrame, column: str, label: str) -> npt.NDArray[np.int8]:
    """Read a ``pickup_type``/``drop_off_type`` column as int8 0-3 (blank or absent: 0)."""
    if column not in frame:
        return np.zeros(len(frame), dtype=np.int8)
    text = strip_ids(frame[column])
    bad = ~text.isin(["", "0", "1", "2", "3"]).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        at = at_line(label, line_of(frame, pos), column)
        raise GTFSError(t("ingest.gtfs.bad_boarding_type", at=at, value=frame[column].iloc[pos]))
    return text.replace("", "0").astype(np.int8).to_numpy()


def _transfers(
    frame: pd.DataFrame | None,
    name: str,
    stops: pd.DataFrame,
    routes: pd.DataFrame,
    trips: pd.DataFrame,
    tag: str,
    report: GTFSReport,
) -> pd.DataFrame:
    """Read ``transfers.txt``: stop, route and trip rows, in-seat types (module docstring)."""
    if frame is None or frame.empty:
        return empty_transfers()
    label = f"{name}/transfers.txt"
    require_columns(frame, ("transfer_type",), label)
    kind = strip_ids(frame["transfer_type"]).replace("", "0")
    bad = ~kind.isin(["0", "1", "2", "3", "4", "5"]).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        at = at_line(label, line_of(frame, pos), "transfer_type")
        value = frame["transfer_type"].iloc[pos]
        raise GTFSError(t("ingest.gtfs.bad_transfer_type", at=at, value=value))
    kind_num = kind.astype(np.int8).to_numpy()
    seconds = (
        _number(frame, "min_transfer_time", label)
        if "min_transfer_time" in frame
        else np.full(len(frame), np.nan)
    )
    missing = (kind_num == 2) & ~(seconds >= 0)
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        at = at_line(label, line_of(frame, pos), "min_transfer_time")
        raise GTFSError(t("ingest.gtfs.min_transfer_time", at=at))
    text = {
        col: strip_ids(frame[col]) if col in frame else pd.Series("", index=frame.index)
        for col in (
            "from_stop_id",
            "to_stop_id",
            "from_route_id",
            "to_route_id",
            "from_trip_id",
            "to_trip_id",
        )
    }
    in_seat = kind_num >= 4
    for col, needed in (
        ("from_stop_id", ~in_seat),
        ("to_stop_id", ~in_seat),
        ("from_trip_id", in_seat),
        ("to_trip_id", in_seat),
    ):
        blank = needed & text[col].eq("").to_numpy()
        if blank.any():
            pos = int(np.flatnonzero(blank)[0])
            at = at_line(label, line_of(frame, pos), col)
            raise GTFSError(t(f"ingest.gtfs.transfer_blank.{col}", at=at))
    stop_index = pd.Index(stops["stop_id"])
    from_stop = stop_index.get_indexer(text["from_stop_id"])
    to_stop = stop_index.get_indexer(text["to_stop_id"])
    # in-seat rows may leave the stops out (the trips' last and first stops are meant)
    unknown = ((from_stop < 0) & text["from_stop_id"].ne("").to_numpy()) | (
        (to_stop < 0) & text["to_stop_id"].ne("").to_numpy()
    )
    unknown_id = np.zeros(len(frame), dtype=bool)
    for col, known in (
        ("from_route_id", routes["route_id"]),
        ("to_route_id", routes["route_id"]),
        ("from_trip_id", trips["trip_id"]),
        ("to_trip_id", trips["trip_id"]),
    ):
        unknown_id |= text[col].ne("").to_numpy() & ~text[col].isin(set(known)).to_numpy()
    unknown &= ~unknown_id
    for flag, key in (
        (unknown, "transfers_unknown_stop"),
        (unknown_id, "transfers_unknown_route_trip"),
    ):
        if flag.any():
            lines = ", ".join(str(line_of(frame, i)) for i in np.flatnonzero(flag)[:5])
            more = ", …" if flag.sum() > 5 else ""
            n = int(flag.sum())
            report.add(key, n)
            report.notes.append(t(f"ingest.gtfs.note.{key}", file=label, n=n, lines=lines + more))
    keep = ~unknown & ~unknown_id
    specific = np.zeros(len(frame), dtype=bool)
    for col in ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id"):
        specific |= text[col].ne("").to_numpy()
    report.add("transfers_rules", int(keep.sum()))
    report.add("transfers_route_trip_rules", int((keep & specific & ~in_seat).sum()))
    report.add("transfers_in_seat_rules", int((keep & in_seat).sum()))

    def ids(col: str) -> npt.NDArray[np.object_]:
        values = text[col].to_numpy(dtype=object)[keep]
        return np.array([f"{tag}{v}" if v else "" for v in values], dtype=object)

    return pd.DataFrame(
        {
            "from_stop": from_stop[keep].astype(np.int64),
            "to_stop": to_stop[keep].astype(np.int64),
            "transfer_type": kind_num[keep],
            "min_transfer_s": np.where(np.isnan(seconds), -1, seconds)[keep].astype(np.int64),
            "from_route_id": ids("from_route_id"),
            "to_route_id": ids("to_route_id"),
            "from_trip_id": ids("from_trip_id"),
            "to_trip_id": ids("to_trip_id"),
        }
    )


def _check_codes(codes: np.ndarray, ids: pd.Series, label: str, column: str) -> None:
    """Raise naming the first row whose id in ``column`` is not found (``codes`` < 0)."""
    bad = codes < 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        at = at_line(label, line_of(ids, pos), column)
        n = int(bad.sum())
        raise GTFSError(t(f"ingest.gtfs.unknown_id.{column}", at=at, value=ids.iloc[pos], n=n))


def _frequencies(frame: pd.DataFrame | None, name: str, trips: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame({"trip": [], "start_s": [], "end_s": [], "headway_s": []})
    if frame is None or frame.empty:
        return empty
    label = f"{name}/frequencies.txt"
    require_columns(frame, ("trip_id", "start_time", "end_time", "headway_secs"), label)
    codes = pd.Index(trips["trip_id"]).get_indexer(frame["trip_id"].str.strip())
    _check_codes(codes, frame["trip_id"], label, "trip_id")
    start = parse_times(frame["start_time"], label, "start_time")
    end = parse_times(frame["end_time"], label, "end_time")
    headway = _number(frame, "headway_secs", label)
    bad = np.isnan(start) | np.isnan(end) | ~(headway > 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        at = at_line(label, line_of(frame, pos))
        raise GTFSError(t("ingest.gtfs.frequency_incomplete", at=at))
    return pd.DataFrame({"trip": codes, "start_s": start, "end_s": end, "headway_s": headway})
