"""``jamlik departures``: departures per stop and hour of a pack's GTFS on one date (CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from jamlik.cli._common import OverwriteOption, check_output, console, fail_cleanly, named
from jamlik.cli.sdg import parse_date
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.transit_service import departures_per_hour
from jamlik.ingest import load_pack
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.pack import pack_files
from jamlik.storage import write_csv

__all__ = ["register"]


def _run(pack_path: Path, date: str, out: Path) -> pd.DataFrame:
    day = named("--date", date, lambda: parse_date(date))
    pack = load_pack(pack_path)
    if not pack.gtfs_paths:
        raise DataError(t("cli_misc.departures_need_gtfs", name=pack.name))
    feed = read_gtfs(pack.gtfs_paths, service_date=day)
    counts = departures_per_hour(feed)
    # Names and WGS84 coordinates beside the counts, so the table can be read and mapped.
    places = feed.stops.set_index("stop_id")[["stop_name", "lon", "lat"]]
    table = places.loc[counts.index].join(counts)
    write_csv(table, out, index=True)
    return counts


def register(app: typer.Typer) -> None:
    """Add the ``departures`` command to ``app``."""

    @app.command("departures", help=t("transit_service.help_departures"))
    def departures_command(
        pack: Annotated[Path, typer.Argument(help=t("transit_service.opt_pack"))],
        date: Annotated[str, typer.Option("--date", help=t("transit_service.opt_date"))],
        out: Annotated[Path, typer.Option("--out", help=t("transit_service.opt_out_csv"))],
        overwrite: OverwriteOption = False,
    ) -> None:
        check_output(out, inputs=[pack, pack / "pack.toml", *pack_files(pack)], overwrite=overwrite)
        table = fail_cleanly(lambda: _run(pack, date, out))
        total = int(table.to_numpy().sum())
        console.print(
            t("transit_service.done_departures", n=len(table), total=total, out=str(out)),
            soft_wrap=True,
        )
