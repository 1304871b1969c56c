"""``jamlik sdg-11-2-1``: UN SDG 11.2.1, convenient access to public transport, for a pack.

Writes into ``--out DIR``: ``sdg_11_2_1_groups.csv`` (share per population group),
``sdg_11_2_1_areas.csv`` (per area and group), ``sdg_11_2_1_stops.csv`` (every stop with its
capacity class and frequency) and ``sdg_11_2_1.json`` (date, window, rule, shares, notes and
the pack's data sources). Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._common import check_output, console, fail_cleanly, progress_bar
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.ingest import load_pack
from jamlik.runs.sdg import SDGResult, result_summary, sdg_11_2_1
from jamlik.storage import write_csv, write_json

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


def _run(pack_path: Path, date: str, window: str, rule: str, out: Path) -> SDGResult:
    day = parse_date(date)
    span = parse_window(window)
    if rule not in ("average", "max_gap"):
        raise DataError(f"--rule must be 'average' or 'max_gap', not {rule!r}")
    pack = load_pack(pack_path)
    with progress_bar(t("transit_service.progress_sdg"), total=4) as advance:
        result = sdg_11_2_1(
            pack,
            date=day,
            window=span,
            rule="average" if rule == "average" else "max_gap",
            progress=lambda _label, _done, _total: advance(),
        )
    out.mkdir(parents=True, exist_ok=True)
    write_csv(result.groups, out / "sdg_11_2_1_groups.csv")
    write_csv(result.areas, out / "sdg_11_2_1_areas.csv")
    write_csv(result.stops, out / "sdg_11_2_1_stops.csv")
    summary = dict(result_summary(result))
    summary["pack"] = pack.name
    summary["sources"] = [s.model_dump() for s in pack.sources]
    write_json(summary, out / "sdg_11_2_1.json")
    return result


def register(app: typer.Typer) -> None:
    """Add the ``sdg-11-2-1`` command to ``app``."""

    @app.command("sdg-11-2-1", help=t("transit_service.help_sdg"))
    def sdg_command(
        pack: Annotated[Path, typer.Argument(help=t("transit_service.opt_pack"))],
        date: Annotated[str, typer.Option("--date", help=t("transit_service.opt_date"))],
        out: Annotated[Path, typer.Option("--out", help=t("transit_service.opt_out_dir"))],
        window: Annotated[
            str, typer.Option("--window", help=t("transit_service.opt_window"))
        ] = "06:00-20:00",
        rule: Annotated[str, typer.Option("--rule", help=t("transit_service.opt_rule"))] = (
            "average"
        ),
    ) -> None:
        check_output(out, inputs=[pack], folder=True)
        result = fail_cleanly(lambda: _run(pack, date, window, rule, out))
        console.print(
            t(
                "transit_service.done_sdg",
                date=result.date.isoformat(),
                share=f"{100 * result.overall['share_convenient']:.1f} %",
                population=f"{result.overall['population']:.0f}",
                out=str(out),
            ),
            soft_wrap=True,
        )
