"""``jamlik transit-times``: travel times by public transport and on foot (range RAPTOR).

Walks go at the speed of ``--profile`` (adult by default: the speed of walk mode, from
:mod:`jamlik.config`), or at ``--walk-speed-kmh`` when given; they are crow-fly ×
``--detour-factor``, or, with ``--osm FILE``, on the street network of the extract
(:mod:`jamlik.routing.transit_walk`; the detour factor is then not used).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._common import (
    OverwriteOption,
    bad_option,
    check_output,
    console,
    fail_cleanly,
    named,
    progress_bar,
)
from jamlik.config import DEFAULT_PROFILE, WALK_PROFILES
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.ingest.gtfs_tables import read_points
from jamlik.ingest.scenario import load_scenario
from jamlik.networks.timetable import DEFAULT_DETOUR_FACTOR
from jamlik.routing.raptor import TravelTimes
from jamlik.runs.transit_times import transit_od_times
from jamlik.storage.files import write_csv

__all__ = ["register"]


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(t("transit.bad_date", value=text)) from None


def _parse_clock(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{1,2}):([0-5]\d)(?::([0-5]\d))?\s*", text)
    if not match:
        raise DataError(t("transit.bad_time", value=text))
    h, m, s = match.groups()
    return int(h) * 3600 + int(m) * 60 + int(s or 0)


def _parse_percentiles(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise DataError(t("transit.bad_percentiles", value=text)) from None
    if not values or not all(0 <= v <= 100 for v in values):
        raise DataError(t("transit.bad_percentiles", value=text))
    return values


def _run(
    gtfs: list[Path],
    date: str,
    depart: str,
    window_min: int,
    origins: Path,
    destinations: Path,
    travel_profile: str,
    walk_speed_kmh: float | None,
    max_walk_m: float,
    detour_factor: float,
    max_rides: int,
    transfer_slack_s: int,
    percentiles: str,
    osm: Path | None = None,
    scenario: Path | None = None,
    on_request: str = "forbid",
) -> TravelTimes:
    service_date = named("--date", date, lambda: _parse_date(date))
    departure_s = named("--depart", depart, lambda: _parse_clock(depart))
    pct = named("--percentiles", percentiles, lambda: _parse_percentiles(percentiles))
    if walk_speed_kmh is not None and not 0 < walk_speed_kmh <= 20:
        reason = t("transit.bad_walk_speed", value=walk_speed_kmh)
        raise bad_option("--walk-speed-kmh", walk_speed_kmh, reason)
    if travel_profile not in WALK_PROFILES:
        raise DataError(
            t("transit.bad_profile", value=travel_profile, known=", ".join(WALK_PROFILES))
        )
    if on_request not in ("forbid", "allow"):
        raise DataError(t("transit.bad_on_request", value=on_request))
    plan = load_scenario(scenario) if scenario is not None else None
    origin_points = read_points(origins)
    destination_points = read_points(destinations)
    with progress_bar("GTFS + RAPTOR", total=3 if osm is None else 4) as advance:
        result = transit_od_times(
            gtfs,
            origin_points,
            destination_points,
            service_date=service_date,
            departure_s=departure_s,
            window_min=window_min,
            travel_profile=travel_profile,
            walk_speed_m_s=None if walk_speed_kmh is None else walk_speed_kmh / 3.6,
            on_request="allow" if on_request == "allow" else "forbid",
            max_walk_m=max_walk_m,
            detour_factor=detour_factor,
            max_rides=max_rides,
            transfer_slack_s=transfer_slack_s,
            percentiles=pct,
            osm=osm,
            progress=advance,
            scenario=plan,
        )
    for note in result.notes:
        console.print(t("transit.note", note=note), markup=False, highlight=False)
    if result.repairs:
        text = ", ".join(f"{k}={v}" for k, v in result.repairs.items())
        console.print(t("transit.repairs", repairs=text), markup=False, highlight=False)
    return result.times


def register(app: typer.Typer) -> None:
    """Add the ``transit-times`` command to ``app``."""

    @app.command("transit-times", help=t("transit.help"))
    def transit_times_command(
        gtfs: Annotated[list[Path], typer.Option("--gtfs", help=t("transit.opt_gtfs"))],
        date: Annotated[str, typer.Option("--date", help=t("transit.opt_date"))],
        depart: Annotated[str, typer.Option("--depart", help=t("transit.opt_depart"))],
        origins: Annotated[Path, typer.Option("--origins", help=t("transit.opt_origins"))],
        destinations: Annotated[
            Path, typer.Option("--destinations", help=t("transit.opt_destinations"))
        ],
        out: Annotated[Path, typer.Option("--out", help=t("transit.opt_out"))],
        window_min: Annotated[
            int, typer.Option("--window-min", min=0, help=t("transit.opt_window"))
        ] = 60,
        travel_profile: Annotated[
            str, typer.Option("--profile", help=t("transit.opt_profile"))
        ] = DEFAULT_PROFILE,
        walk_speed_kmh: Annotated[
            float | None, typer.Option("--walk-speed-kmh", help=t("transit.opt_walk_speed"))
        ] = None,
        max_walk_m: Annotated[
            float, typer.Option("--max-walk-m", min=0, help=t("transit.opt_max_walk"))
        ] = 1000.0,
        detour_factor: Annotated[
            float, typer.Option("--detour-factor", min=1, help=t("transit.opt_detour"))
        ] = DEFAULT_DETOUR_FACTOR,
        max_rides: Annotated[
            int, typer.Option("--max-rides", min=1, help=t("transit.opt_rides"))
        ] = 4,
        transfer_slack_s: Annotated[
            int, typer.Option("--transfer-slack-s", min=0, help=t("transit.opt_slack"))
        ] = 0,
        percentiles: Annotated[
            str, typer.Option("--percentiles", help=t("transit.opt_percentiles"))
        ] = "50",
        osm: Annotated[Path | None, typer.Option("--osm", help=t("transit_access.opt_osm"))] = None,
        scenario: Annotated[
            Path | None, typer.Option("--scenario", help=t("scenario.opt_scenario_transit"))
        ] = None,
        on_request: Annotated[
            str, typer.Option("--on-request", help=t("transit.opt_on_request"))
        ] = "forbid",
        overwrite: OverwriteOption = False,
    ) -> None:
        check_output(out, inputs=[*gtfs, origins, destinations, osm, scenario], overwrite=overwrite)
        result = fail_cleanly(
            lambda: _run(
                gtfs,
                date,
                depart,
                window_min,
                origins,
                destinations,
                travel_profile,
                walk_speed_kmh,
                max_walk_m,
                detour_factor,
                max_rides,
                transfer_slack_s,
                percentiles,
                osm,
                scenario,
                on_request,
            )
        )
        frame = result.to_frame()
        minutes = [c for c in frame.columns if c.startswith("minutes_")]
        frame[minutes] = frame[minutes].round(2)
        write_csv(frame, out)
        console.print(
            t(
                "transit.done",
                n=len(frame),
                origins=len(result.origin_ids),
                destinations=len(result.destination_ids),
                departures=len(result.departures_s),
                path=out,
            ),
            highlight=False,
        )
