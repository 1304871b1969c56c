"""A generated GTFS timetable for the sample town: bus lines along its main roads.

Rules the timetable follows (deterministic for a town and a seed)
------------------------------------------------------------------
* **Lines.** The town's bus stops (``highway=bus_stop`` points beside the main roads) are
  grouped by the street they stand on; each street with at least three stops, most stops first,
  becomes a line (at most ``max_lines``). Stops closer than 250 m along the street to the
  previous one are skipped, as a real operator would serve one of them. The stops are ordered
  along the street's longer extent.
* **Run times.** Each leg takes its straight-line length times 1.3 (streets are not straight)
  at 22 km/h, rounded up to whole minutes (at least one); each intermediate stop adds a dwell
  of 30 s. Trips run in both directions.
* **Headways** by hour and day type, as in a Swedish town of this size: on weekdays every 10
  minutes in the peaks (06-09, 15-18), 15 or 20 between, 30 in the evening (18-23) and from
  05; Saturdays every 20 or 30 minutes 07-23; Sundays every 30 or 60 minutes 08-23. The first
  line (the busiest street) gets the shorter of each pair; the seed shifts each line's first
  departure by 0-9 minutes so that lines do not all leave together.
* **Calendar.** ``calendar.txt`` has three services (``weekday``, ``saturday``, ``sunday``)
  valid from :data:`FEED_START` to :data:`FEED_END`.

The feed is written as a zip with ``agency.txt``, ``stops.txt``, ``routes.txt``, ``trips.txt``,
``stop_times.txt``, ``calendar.txt`` and ``feed_info.txt`` (valid GTFS; times as ``HH:MM:SS``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from jamlik.datasets.town import Town

__all__ = [
    "FEED_END",
    "FEED_START",
    "TownLine",
    "town_gtfs_tables",
    "town_lines",
    "write_town_gtfs",
]

FEED_START = dt.date(2024, 1, 1)
FEED_END = dt.date(2027, 12, 31)
SPEED_KMH = 22.0
DETOUR = 1.3
DWELL_S = 30
MIN_STOP_GAP_M = 250.0
#: (day type, first hour, last hour, headway of the main line, headway of the others), minutes.
HEADWAYS: tuple[tuple[str, int, int, int, int], ...] = (
    ("weekday", 5, 6, 30, 30),
    ("weekday", 6, 9, 10, 15),
    ("weekday", 9, 15, 15, 20),
    ("weekday", 15, 18, 10, 15),
    ("weekday", 18, 23, 30, 30),
    ("saturday", 7, 23, 20, 30),
    ("sunday", 8, 23, 30, 60),
)


@dataclass(frozen=True)
class TownLine:
    """One generated bus line: its name, its stops in order (EPSG:3006) and leg run times."""

    route_id: str
    name: str
    street: str
    stop_names: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    run_min: np.ndarray  # one per leg


def town_lines(town: Town, *, max_lines: int = 4) -> list[TownLine]:
    """Return the bus lines of ``town`` (see the module docstring)."""
    pois = town.pois
    stops = pois[pois["highway"] == "bus_stop"]
    names = stops["name"].astype(str).str.rsplit(" ", n=1).str[0]
    xs = shapely.get_x(stops.geometry.to_numpy())
    ys = shapely.get_y(stops.geometry.to_numpy())
    counts = names.value_counts()
    streets = sorted((s for s, n in counts.items() if n >= 3), key=lambda s: (-counts[s], str(s)))
    lines: list[TownLine] = []
    for street in streets:
        on = np.flatnonzero((names == street).to_numpy())
        px, py = xs[on], ys[on]
        along = px if np.ptp(px) >= np.ptp(py) else py
        order = np.argsort(along, kind="stable")
        keep: list[int] = []
        for k in order:
            if keep and abs(along[k] - along[keep[-1]]) < MIN_STOP_GAP_M:
                continue
            keep.append(int(k))
        if len(keep) < 3:
            continue
        sx, sy = px[keep], py[keep]
        leg_m = np.hypot(np.diff(sx), np.diff(sy)) * DETOUR
        run_min = np.maximum(1.0, np.ceil(leg_m / (SPEED_KMH / 3.6) / 60.0))
        number = len(lines) + 1
        lines.append(
            TownLine(
                route_id=f"alvvik-{number}",
                name=str(number),
                street=str(street),
                stop_names=tuple(str(n) for n in stops["name"].to_numpy()[on][keep]),
                x=sx,
                y=sy,
                run_min=run_min,
            )
        )
        if len(lines) == max_lines:
            break
    return lines


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def town_gtfs_tables(town: Town, *, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Return the GTFS tables of the town's bus lines, by file name (see the module docstring)."""
    rng = np.random.default_rng(seed)
    lines = town_lines(town)
    to_wgs84 = Transformer.from_crs(town.crs, "EPSG:4326", always_xy=True)
    stop_rows, route_rows, trip_rows, time_rows = [], [], [], []
    for k, line in enumerate(lines):
        lon, lat = to_wgs84.transform(line.x, line.y)
        ids = [f"{line.route_id}-{i + 1}" for i in range(line.x.size)]
        for sid, name, lo, la in zip(ids, line.stop_names, lon, lat, strict=True):
            stop_rows.append(
                {
                    "stop_id": sid,
                    "stop_name": name,
                    "stop_lat": f"{la:.6f}",
                    "stop_lon": f"{lo:.6f}",
                }
            )
        route_rows.append(
            {
                "route_id": line.route_id,
                "agency_id": "alvvik",
                "route_short_name": line.name,
                "route_long_name": line.street,
                "route_type": 3,
            }
        )
        offset_s = int(rng.integers(0, 10)) * 60
        for direction, order in ((0, list(range(len(ids)))), (1, list(range(len(ids)))[::-1])):
            legs = line.run_min if direction == 0 else line.run_min[::-1]
            for day_type, first_h, last_h, main_min, other_min in HEADWAYS:
                headway_s = (main_min if k == 0 else other_min) * 60
                for start in range(first_h * 3600 + offset_s, last_h * 3600, headway_s):
                    trip_id = (
                        f"{line.route_id}-{day_type}-{direction}-{_hms(start).replace(':', '')}"
                    )
                    trip_rows.append(
                        {
                            "route_id": line.route_id,
                            "service_id": day_type,
                            "trip_id": trip_id,
                            "direction_id": direction,
                        }
                    )
                    t = start
                    for seq, stop in enumerate(order):
                        if seq > 0:
                            t += int(legs[seq - 1] * 60)
                        depart = t + (DWELL_S if 0 < seq < len(order) - 1 else 0)
                        time_rows.append(
                            {
                                "trip_id": trip_id,
                                "arrival_time": _hms(t),
                                "departure_time": _hms(depart),
                                "stop_id": ids[stop],
                                "stop_sequence": seq + 1,
                            }
                        )
                        t = depart
    first, last = FEED_START.strftime("%Y%m%d"), FEED_END.strftime("%Y%m%d")
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    calendar = pd.DataFrame(
        [
            {"service_id": service, **{d: int(d in on) for d in days}}
            | {"start_date": first, "end_date": last}
            for service, on in (
                ("weekday", days[:5]),
                ("saturday", ("saturday",)),
                ("sunday", ("sunday",)),
            )
        ]
    )
    return {
        "agency.txt": pd.DataFrame(
            [
                {
                    "agency_id": "alvvik",
                    "agency_name": "Älvviks stadsbussar (genererad)",
                    "agency_url": "https://example.org/alvvik",
                    "agency_timezone": "Europe/Stockholm",
                    "agency_lang": "sv",
                }
            ]
        ),
        "stops.txt": pd.DataFrame(stop_rows),
        "routes.txt": pd.DataFrame(route_rows),
        "trips.txt": pd.DataFrame(trip_rows),
        "stop_times.txt": pd.DataFrame(time_rows),
        "calendar.txt": calendar,
        "feed_info.txt": pd.DataFrame(
            [
                {
                    "feed_publisher_name": "jamlik (generated sample town, CC0)",
                    "feed_publisher_url": "https://example.org/alvvik",
                    "feed_lang": "sv",
                    "feed_start_date": first,
                    "feed_end_date": last,
                }
            ]
        ),
    }


def write_town_gtfs(town: Town, target: Path, *, seed: int = 7) -> Path:
    """Write :func:`town_gtfs_tables` as a GTFS zip at ``target`` (atomically) and return it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, table in town_gtfs_tables(town, seed=seed).items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, table.to_csv(index=False, lineterminator="\n"))
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(target)
    return target
