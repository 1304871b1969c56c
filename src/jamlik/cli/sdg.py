"""``jamlik sdg-11-2-1``: UN SDG 11.2.1, convenient access to public transport, for a pack.

Writes into ``--out DIR``: ``sdg_11_2_1_groups.csv`` (share per population group),
``sdg_11_2_1_areas.csv`` (per area and group), ``sdg_11_2_1_stops.csv`` (every stop with its
capacity class and frequency) and ``sdg_11_2_1.json`` (date, window, rule, shares, notes and
the pack's data sources). Every file is written atomically.

Without an OSM extract (or with ``--straight-line``) the approximation along straight lines ×
``--detour`` runs instead (:mod:`jamlik.runs.straight_line`): the share of residents within
``--distances`` (400 and 800 m by default) and the UN 500 m of a stop, written as
``sdg_11_2_1_approx_groups.csv``, ``sdg_11_2_1_approx_areas.csv``, ``sdg_11_2_1_approx_stops.csv``
and ``sdg_11_2_1_approx.json``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._common import (
    OverwriteOption,
    check_output,
    console,
    fail_cleanly,
    named,
    progress_bar,
)
from jamlik.cli.access import DetourOption, StraightLineOption
from jamlik.errors import DataError
from jamlik.i18n import format_number, t
from jamlik.indicators.access.straight_line import DEFAULT_DETOUR_FACTOR
from jamlik.ingest import Pack, load_pack
from jamlik.runs.sdg import SDGResult, result_summary, sdg_11_2_1
from jamlik.storage import result_folder, write_csv, write_json

__all__ = ["parse_date", "parse_window", "register"]


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` or raise :class:`~jamlik.errors.DataError`."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(t("transit_service.bad_date", value=text)) from None


def parse_window(text: str) -> tuple[int, int]:
    """Parse ``HH:MM-HH:MM`` into seconds since midnight or raise a DataError."""
    match = re.fullmatch(r"\s*(\d{1,2}):([0-5]\d)\s*-\s*(\d{1,2}):([0-5]\d)\s*", text)
    if not match:
        raise DataError(t("transit_service.bad_window", value=text))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if not 0 <= start < end <= 86_400:
        raise DataError(t("transit_service.bad_window", value=text))
    return start, end


def _run(
    pack_path: Path, date: str | None, window: str, rule: str, out: Path, overwrite: bool
) -> SDGResult:
    if date is None:
        raise DataError(t("approximate.sdg_needs_date"))
    day = named("--date", date, lambda: parse_date(date))
    span = named("--window", window, lambda: parse_window(window))
    if rule not in ("average", "max_gap"):
        raise DataError(t("cli_misc.sdg_bad_rule", rule=rule))
    pack = load_pack(pack_path)
    with progress_bar(t("transit_service.progress_sdg"), total=4) as advance:
        result = sdg_11_2_1(
            pack,
            date=day,
            window=span,
            rule="average" if rule == "average" else "max_gap",
            progress=lambda _label, _done, _total: advance(),
        )
    summary = dict(result_summary(result))
    summary["pack"] = pack.name
    summary["sources"] = [s.model_dump() for s in pack.sources]
    with result_folder(out, command="sdg-11-2-1", overwrite=overwrite) as folder:
        write_csv(result.groups, folder.staging / "sdg_11_2_1_groups.csv")
        write_csv(result.areas, folder.staging / "sdg_11_2_1_areas.csv")
        write_csv(result.stops, folder.staging / "sdg_11_2_1_stops.csv")
        write_json(summary, folder.staging / "sdg_11_2_1.json")
    return result


def _parse_distances(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise DataError(t("approximate.bad_distances", value=text)) from None
    if not values or not all(0 < v < math.inf for v in values):
        raise DataError(t("approximate.bad_distances", value=text))
    return values


def _run_straight_line(
    pack: Pack,
    date: str | None,
    distances: str,
    detour: float,
    forced: bool,
    out: Path,
    overwrite: bool,
) -> None:
    """Run the approximation along straight lines × ``detour``; announce it and write it."""
    from jamlik.runs.straight_line import straight_line_sdg

    key = "approximate.console_forced" if forced else "approximate.console_auto"
    console.print(t(key, pack=pack.name, detour=f"{detour:g}"), style="bold yellow", markup=False)
    result = straight_line_sdg(
        pack,
        distances_m=_parse_distances(distances),
        detour_factor=detour,
        date=None if date is None else parse_date(date),
    )
    rounded = {"population": 2} | {c: 4 for c in result.areas if c.startswith("share_")}
    summary = dict(result.summary())
    summary["pack"] = pack.name
    summary["sources"] = [s.model_dump() for s in pack.sources]
    with result_folder(out, command="sdg-11-2-1", overwrite=overwrite) as folder:
        named = folder.staging / "sdg_11_2_1_approx"
        write_csv(result.groups.round(rounded).reset_index(), f"{named}_groups.csv")
        write_csv(result.areas.round(rounded), f"{named}_areas.csv")
        write_csv(result.stops.assign(method="straight_line"), f"{named}_stops.csv")
        write_json(summary, f"{named}.json")
    for note in result.notes:
        console.print(f"• {note}", markup=False, soft_wrap=True)
    everyone = result.groups.loc["pop_total"]
    shares = ", ".join(
        f"{100 * everyone[f'share_within_{d:g}m']:.1f} % ≤ {d:g} m" for d in result.distances_m
    )
    console.print(
        t("approximate.done_sdg", detour=f"{detour:g}", shares=shares,
          population=format_number(everyone["population"]), out=str(out)),
        soft_wrap=True, markup=False,
    )  # fmt: skip


def _without_osm(pack: Pack, forced: bool, run: Callable[[], None]) -> None:
    """Run the approximation; when it was chosen for want of OSM and fails, say both."""
    try:
        run()
    except DataError as exc:
        if forced:
            raise
        raise DataError(t("approximate.auto_failed", pack=pack.name, error=str(exc))) from None


def register(app: typer.Typer) -> None:
    """Add the ``sdg-11-2-1`` command to ``app``."""

    @app.command("sdg-11-2-1", help=t("transit_service.help_sdg"))
    def sdg_command(
        pack: Annotated[Path, typer.Argument(help=t("transit_service.opt_pack"))],
        out: Annotated[Path, typer.Option("--out", help=t("transit_service.opt_out_dir"))],
        date: Annotated[
            str | None, typer.Option("--date", help=t("transit_service.opt_date"))
        ] = None,
        window: Annotated[
            str, typer.Option("--window", help=t("transit_service.opt_window"))
        ] = "06:00-20:00",
        rule: Annotated[str, typer.Option("--rule", help=t("transit_service.opt_rule"))] = (
            "average"
        ),
        straight_line: StraightLineOption = False,
        detour: DetourOption = DEFAULT_DETOUR_FACTOR,
        distances: Annotated[
            str, typer.Option("--distances", help=t("approximate.opt_distances"))
        ] = "400,800",
        overwrite: OverwriteOption = False,
    ) -> None:
        check_output(out, inputs=[pack], folder=True, overwrite=overwrite)
        # checked whichever way it runs: only the approximation uses the distances
        fail_cleanly(lambda: named("--distances", distances, lambda: _parse_distances(distances)))
        loaded = fail_cleanly(lambda: load_pack(pack))
        if straight_line or loaded.osm_path is None:
            fail_cleanly(
                lambda: _without_osm(
                    loaded, straight_line,
                    lambda: _run_straight_line(
                        loaded, date, distances, detour, straight_line, out, overwrite
                    ),
                )
            )  # fmt: skip
            return
        result = fail_cleanly(lambda: _run(pack, date, window, rule, out, overwrite))
        console.print(
            t(
                "transit_service.done_sdg",
                date=result.date.isoformat(),
                share=f"{100 * result.overall['share_convenient']:.1f} %",
                population=format_number(result.overall["population"]),
                out=str(out),
            ),
            soft_wrap=True,
        )
