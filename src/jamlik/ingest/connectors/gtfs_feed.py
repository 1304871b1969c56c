"""GTFS Regional from Trafiklab: download with the API key, normalise the zip, clip to the area.

The feed of a county's operator is ``https://opendata.samtrafiken.se/gtfs/{operator}/
{operator}.zip?key=...`` (Trafiklab, CC0 1.0). The key comes from an environment variable and
is never written to the pack or to logs (the URL in ``[[sources]]`` carries no key).

:func:`clip_feed` keeps the trips that stop at least once inside the area (plus buffer), whole
(every stop they call at, so travel times along a line stay right), and the routes, agencies,
services, shapes and transfers they use. A zip whose files sit in a sub-folder
(``feed/stops.txt``) is read as if they were at its root; the written feed has them at the root.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from jamlik.errors import GTFSError
from jamlik.i18n import t
from jamlik.ingest.connectors.http import FetchError

__all__ = ["ClipSummary", "clip_feed", "feed_members", "gtfs_key", "read_member"]

_KEEP_ALL = ("feed_info.txt", "attributions.txt")


class ClipSummary:
    """How much of a feed the clip kept."""

    def __init__(self, stops: int, trips: int, routes: int, total_trips: int) -> None:
        self.stops = stops
        self.trips = trips
        self.routes = routes
        self.total_trips = total_trips

    def __repr__(self) -> str:
        return f"ClipSummary(stops={self.stops}, trips={self.trips}/{self.total_trips})"


def gtfs_key(variable: str) -> str:
    """Return the API key from the environment, or raise a :class:`FetchError` saying how."""
    key = os.environ.get(variable, "").strip()
    if not key:
        raise FetchError(t("ingest.fetch.no_key", variable=variable))
    return key


def feed_members(archive: zipfile.ZipFile, *, label: str) -> dict[str, str]:
    """Map each GTFS file name (``stops.txt``) to its member in the zip, sub-folders allowed."""
    members: dict[str, str] = {}
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(".txt"):
            continue
        name = info.filename.rsplit("/", 1)[-1]
        if name.startswith(".") or "__MACOSX" in info.filename:
            continue
        if name in members:
            raise GTFSError(
                t("ingest.feed.twice", path=label, file=name, first=members[name],
                  second=info.filename)
            )  # fmt: skip
        members[name] = info.filename
    if "stops.txt" not in members:
        raise GTFSError(t("ingest.feed.no_stops", path=label))
    return members


def read_member(archive: zipfile.ZipFile, member: str) -> pd.DataFrame:
    """Read one GTFS table with every column as text."""
    with archive.open(member) as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def clip_feed(source: Path, target: Path, *, area: BaseGeometry, area_crs: str) -> ClipSummary:
    """Write the part of the feed ``source`` that serves ``area`` (in ``area_crs``) to ``target``.

    Raises
    ------
    GTFSError
        When the zip is not a GTFS feed or no trip stops inside the area.
    """
    label = str(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise GTFSError(t("ingest.feed.not_zip", path=label, reason=exc)) from None
    with archive:
        members = feed_members(archive, label=label)
        for needed in ("trips.txt", "stop_times.txt", "routes.txt"):
            if needed not in members:
                raise GTFSError(t("ingest.feed.file_missing", path=label, file=needed))
        stops = read_member(archive, members["stops.txt"])
        to_area = pyproj.Transformer.from_crs("EPSG:4326", area_crs, always_xy=True)
        lon = pd.to_numeric(stops.get("stop_lon"), errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(stops.get("stop_lat"), errors="coerce").to_numpy(dtype=float)
        x, y = to_area.transform(lon, lat)
        inside = shapely.contains_xy(area, x, y) & np.isfinite(x)
        inside_ids = set(stops.loc[inside, "stop_id"])
        stop_times = read_member(archive, members["stop_times.txt"])
        trips = read_member(archive, members["trips.txt"])
        total_trips = len(trips)
        kept_trips = set(stop_times.loc[stop_times["stop_id"].isin(inside_ids), "trip_id"])
        if not kept_trips:
            raise GTFSError(t("ingest.feed.no_trip_inside", path=label))
        stop_times = stop_times.loc[stop_times["trip_id"].isin(kept_trips)]
        trips = trips.loc[trips["trip_id"].isin(kept_trips)]
        used_stops = set(stop_times["stop_id"])
        if "parent_station" in stops:
            used_stops |= set(stops.loc[stops["stop_id"].isin(used_stops), "parent_station"])
            used_stops.discard("")
        tables = {
            "stops.txt": stops.loc[stops["stop_id"].isin(used_stops)],
            "stop_times.txt": stop_times,
            "trips.txt": trips,
        }
        routes = read_member(archive, members["routes.txt"])
        tables["routes.txt"] = routes.loc[routes["route_id"].isin(set(trips["route_id"]))]
        services = set(trips["service_id"])
        for name, column in (("calendar.txt", "service_id"), ("calendar_dates.txt", "service_id")):
            if name in members:
                table = read_member(archive, members[name])
                tables[name] = table.loc[table[column].isin(services)]
        if "agency.txt" in members:
            agency = read_member(archive, members["agency.txt"])
            if "agency_id" in agency and "agency_id" in tables["routes.txt"]:
                agency = agency.loc[
                    agency["agency_id"].isin(set(tables["routes.txt"]["agency_id"]))
                ]
            tables["agency.txt"] = agency
        if "shapes.txt" in members and "shape_id" in trips:
            shapes = read_member(archive, members["shapes.txt"])
            tables["shapes.txt"] = shapes.loc[shapes["shape_id"].isin(set(trips["shape_id"]))]
        if "transfers.txt" in members:
            transfers = read_member(archive, members["transfers.txt"])
            ends = [c for c in ("from_stop_id", "to_stop_id") if c in transfers]
            keep = np.ones(len(transfers), dtype=bool)
            for column in ends:
                keep &= transfers[column].isin(used_stops).to_numpy()
            tables["transfers.txt"] = transfers.loc[keep]
        for name in _KEEP_ALL:
            if name in members:
                tables[name] = read_member(archive, members[name])
    _write_zip(tables, target)
    return ClipSummary(
        stops=len(tables["stops.txt"]),
        trips=len(trips),
        routes=len(tables["routes.txt"]),
        total_trips=total_trips,
    )


def _write_zip(tables: dict[str, pd.DataFrame], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for name, table in tables.items():
                buffer = io.StringIO()
                table.to_csv(buffer, index=False)
                out.writestr(name, buffer.getvalue())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
