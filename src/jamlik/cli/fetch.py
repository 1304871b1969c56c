"""``jamlik fetch --kommun 1482 --out packs/kungalv``: a data pack from public sources.

Thin: parses the options, builds an :class:`~jamlik.ingest.connectors.HttpClient` with a cache
folder, calls :func:`~jamlik.ingest.connectors.build_pack` once and prints what it wrote, the
notes (figures from another year, suppressed values, assumed codes) and the next command.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from jamlik.cli._common import bad_option, check_output, console, fail_cleanly, refuse
from jamlik.i18n import t

__all__ = ["register"]

_out = Console(highlight=False)
DEFAULT_CACHE = Path.home() / ".cache" / "jamlik" / "fetch"


def fetch(
    out: Annotated[Path, typer.Option("--out", help=t("fetch.help.out"))],
    kommun: Annotated[
        list[str] | None, typer.Option("--kommun", help=t("fetch.help.kommun"))
    ] = None,
    lan: Annotated[str | None, typer.Option("--lan", help=t("fetch.help.lan"))] = None,
    year: Annotated[int | None, typer.Option("--year", help=t("fetch.help.year"))] = None,
    level: Annotated[str, typer.Option("--level", help=t("fetch.help.level"))] = "regso",
    osm: Annotated[str, typer.Option("--osm", help=t("fetch.help.osm"))] = "extract",
    no_gtfs: Annotated[bool, typer.Option("--no-gtfs", help=t("fetch.help.no_gtfs"))] = False,
    gtfs_operator: Annotated[
        str | None, typer.Option("--gtfs-operator", help=t("fetch.help.gtfs_operator"))
    ] = None,
    buffer_m: Annotated[
        float | None, typer.Option("--buffer-m", help=t("fetch.help.buffer"))
    ] = None,
    cache: Annotated[Path | None, typer.Option("--cache", help=t("fetch.help.cache"))] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help=t("fetch.help.overwrite"))] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help=t("fetch.help.refresh"))] = False,
    scb_api_url: Annotated[str | None, typer.Option(hidden=True)] = None,
    geodata_url: Annotated[str | None, typer.Option(hidden=True)] = None,
    osm_url: Annotated[str | None, typer.Option(hidden=True)] = None,
    overpass_url: Annotated[str | None, typer.Option(hidden=True)] = None,
    gtfs_url: Annotated[str | None, typer.Option(hidden=True)] = None,
) -> None:
    """Build a data pack for municipalities or a county from SCB, OpenStreetMap and GTFS."""
    from jamlik.errors import DataError
    from jamlik.ingest.connectors import FetchOptions, HttpClient, build_pack

    check_output(out, folder=True)
    if buffer_m is not None and not 0 <= buffer_m < math.inf:
        refuse(bad_option("--buffer-m", buffer_m, t("common.option_greater_than_equal", limit=0)))
    if level not in ("regso", "deso"):
        fail_cleanly(lambda: _raise(DataError(f"--level {level!r}: use regso or deso")))
    osm_choice: Any = osm if osm in ("extract", "overpass", "none") else Path(osm)
    options = FetchOptions(
        out=out,
        kommuner=tuple(kommun or ()),
        lan=lan,
        year=year,
        level=level,  # type: ignore[arg-type]
        osm=osm_choice,
        gtfs=not no_gtfs,
        gtfs_operator=gtfs_operator,
        buffer_m=buffer_m,
        overwrite=overwrite,
        scb_api_url=scb_api_url,
        geodata_url=geodata_url,
        osm_url=osm_url,
        overpass_url=overpass_url,
        gtfs_url=gtfs_url,
    )

    def step(key: str, **values: Any) -> None:
        console.print(t(key, **values), highlight=False, markup=False)

    with (
        HttpClient(cache_dir=cache or DEFAULT_CACHE, refresh=refresh) as client,
        Progress(
            TextColumn("{task.description}"),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(t("fetch.downloading"), total=None, visible=False)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total, visible=True)

        result = fail_cleanly(
            lambda: build_pack(options, client=client, step=step, progress=progress)
        )
    for note in result.notes:
        _out.print(f"[yellow]{t('fetch.note')}:[/] ", end="")
        _out.print(note, markup=False, soft_wrap=True)
    population = f"{result.population:,.0f}".replace(",", "\u00a0")
    _out.print(
        t("fetch.done", path=str(result.pack_dir), areas=result.areas, population=population,
          year=result.year),
        markup=False,
    )  # fmt: skip
    _out.print(t("fetch.next", path=str(result.pack_dir)), markup=False)


def _raise(exc: Exception) -> None:
    raise exc


def register(app: typer.Typer) -> None:
    """Add the ``fetch`` command to ``app``."""
    app.command("fetch", help=t("cli.commands.fetch"))(fetch)
