"""``jamlik travel-times``: the walk/bike origin–destination table (a stable CSV contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

import pandas as pd
import typer
from rich.console import Console

from jamlik.cli._common import (
    OverwriteOption,
    bad_option,
    check_output,
    fail_cleanly,
    progress_bar,
)
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.ingest.gtfs_tables import read_points
from jamlik.runs.travel_times import od_travel_times
from jamlik.storage import write_csv

__all__ = ["register"]

_out = Console(highlight=False)


def _points(path: Path) -> pd.DataFrame:
    frame = read_points(path)
    if "lon" not in frame.columns:
        raise DataError(t("travel_times.need_lonlat", path=str(path)))
    return frame


def _check_options(mode: str, speed_kmh: float | None, max_snap_m: float) -> None:
    if mode not in ("walk", "bike"):
        raise bad_option("--mode", mode, t("travel_times.bad_mode"))
    if speed_kmh is not None and not 0 < speed_kmh <= 100:
        raise bad_option("--speed-kmh", speed_kmh, t("travel_times.bad_speed"))
    if not max_snap_m > 0:
        raise bad_option("--max-snap-m", max_snap_m, t("common.option_greater_than", limit=0))


def travel_times(
    osm: Annotated[Path, typer.Option("--osm", help=t("travel_times.opt_osm"))],
    origins: Annotated[Path, typer.Option("--origins", help=t("travel_times.opt_points"))],
    destinations: Annotated[
        Path, typer.Option("--destinations", help=t("travel_times.opt_points"))
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help=t("opt.out_csv"))],
    mode: Annotated[str, typer.Option(help=t("travel_times.opt_mode"))] = "walk",
    speed_kmh: Annotated[
        float | None, typer.Option("--speed-kmh", help=t("transit.opt_od_speed"))
    ] = None,
    max_snap_m: Annotated[
        float, typer.Option("--max-snap-m", help=t("travel_times.opt_snap"))
    ] = 500.0,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help=t("scenario.opt_scenario_od"))
    ] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Walk or bike travel times between points: origin_id,destination_id,distance_m,minutes."""
    check_output(out, inputs=[osm, origins, destinations, scenario], overwrite=overwrite)
    fail_cleanly(lambda: _check_options(mode, speed_kmh, max_snap_m))
    from jamlik.ingest.scenario import load_scenario

    plan = fail_cleanly(lambda: load_scenario(scenario)) if scenario is not None else None
    o = fail_cleanly(lambda: _points(origins))
    d = fail_cleanly(lambda: _points(destinations))
    # od_travel_times names a mode other than walk or bike in its error
    travel_mode = cast(Literal["walk", "bike"], mode)
    with progress_bar(t("travel_times.routing"), total=len(o)) as advance:
        table = fail_cleanly(
            lambda: od_travel_times(
                osm,
                o,
                d,
                mode=travel_mode,
                speed_kmh=speed_kmh,
                max_snap_m=max_snap_m,
                progress=advance,
                scenario=plan,
            )
        )
    fail_cleanly(lambda: write_csv(table, out))
    reachable = int(table["minutes"].notna().sum())
    _out.print(t("travel_times.done", pairs=len(table), reachable=reachable, path=str(out)))


def register(app: typer.Typer) -> None:
    """Add ``travel-times`` to ``app``."""
    app.command("travel-times", help=t("travel_times.help"))(travel_times)
