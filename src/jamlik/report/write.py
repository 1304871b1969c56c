"""``write_report``: one call from a pack (and plans) to the HTML, PDF, Excel and GeoPackage.

The four files hold the same tables (:mod:`jamlik.report.tables`): the HTML and PDF show them
with maps and charts, the workbook lists them for social services, the GeoPackage carries them
for QGIS with the area tables as polygon layers. Each file is written to a temporary name and
renamed, so a failed run leaves no half-written report.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from jamlik.errors import DataError
from jamlik.i18n import LANGUAGES, t
from jamlik.ingest import load_pack
from jamlik.report.content import ReportContent, build_content
from jamlik.report.figures import report_figures
from jamlik.report.maps import read_base_map
from jamlik.report.render import render_html, write_pdf
from jamlik.report.tables import ReportTables, report_tables
from jamlik.report.workbook import write_workbook
from jamlik.storage import atomic_path, write_geopackage

__all__ = ["render_report", "report_layers", "write_report"]

log = logging.getLogger(__name__)


@contextmanager
def _language(language: str) -> Iterator[None]:
    """Make the runs' own notes speak the report's language (they follow ``JAMLIK_LANG``)."""
    before = os.environ.get("JAMLIK_LANG")
    os.environ["JAMLIK_LANG"] = language
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("JAMLIK_LANG", None)
        else:
            os.environ["JAMLIK_LANG"] = before


def _check_out(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(t("report.out_is_file", path=str(out_dir)))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(t("report.out_unwritable", path=str(out_dir), reason=str(exc))) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise DataError(t("report.out_unwritable", path=str(out_dir), reason="permission denied"))


def report_layers(tables: ReportTables) -> dict[str, pd.DataFrame]:
    """Return the report's tables by layer/sheet name (area tables as polygon layers)."""
    layers: dict[str, pd.DataFrame] = {
        "areas": tables.area_layer if tables.area_layer is not None else tables.areas,
        "groups": tables.groups,
        "transit_hours": tables.transit_hours,
    }
    for i, scen in enumerate(tables.scenarios, start=1):
        prefix = f"p{i}_"
        layers.update(
            {
                f"{prefix}measures": scen.measures,
                f"{prefix}area_change": scen.area_layer
                if scen.area_layer is not None
                else scen.area_change,
                f"{prefix}winners_losers": scen.winners,
                f"{prefix}gaps": scen.gaps,
                f"{prefix}profile_gaps": scen.profile_gaps,
                f"{prefix}before_after": scen.before_after,
                f"{prefix}ska_matrix": scen.matrix,
                f"{prefix}follow_up": scen.follow_up,
                f"{prefix}resident_changes": scen.resident_changes,
                f"{prefix}transit_change": scen.transit_change,
                f"{prefix}transit_winners": scen.transit_winners,
            }
        )
    layers["sources"] = tables.sources
    layers["notes"] = tables.notes
    return layers


def write_report(
    pack: Path,
    *,
    scenarios: Sequence[Path] = (),
    out_dir: Path,
    language: str = "sv",
    dialogue: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write the SKA report of ``pack`` (and its plans) to ``out_dir``.

    Parameters
    ----------
    pack
        The pack folder or its ``pack.toml``.
    scenarios
        Scenario files (``.toml``) of the pack; none gives the inventory alone.
    out_dir
        Output folder (created): ``report.html``, ``report.pdf``, ``report.xlsx``,
        ``report.gpkg``.
    language
        ``"sv"`` (default) or ``"en"``.
    dialogue
        Optional summary of a dialogue (one row per theme, any columns), shown as its own
        section; ``None`` leaves the section out.
    progress
        Called with a message before each long step.

    Returns
    -------
    dict
        ``{"html", "pdf", "xlsx", "gpkg"}`` → written paths.

    Raises
    ------
    DataError
        If ``out_dir`` cannot be written, a scenario does not fit the pack, or the pack has no
        OSM extract (each message names the file).

    Notes
    -----
    The runs write their notes in the language of ``JAMLIK_LANG``; the call sets it to
    ``language`` while it runs and restores it after, so two reports in different languages
    should not run in threads of one process at the same time (processes are fine).
    """
    if language not in LANGUAGES:
        raise DataError(t("report.bad_language", given=language, choices=", ".join(LANGUAGES)))
    out_dir = Path(out_dir)
    _check_out(out_dir)
    say = progress or (lambda _message: None)
    with _language(language):
        data_pack = load_pack(pack)
        content = build_content(
            data_pack,
            scenarios=[Path(s) for s in scenarios],
            language=language,
            dialogue=dialogue,
            progress=say,
        )
        return render_report(content, out_dir, progress=say)


def render_report(
    content: ReportContent, out_dir: Path, *, progress: Callable[[str], None] | None = None
) -> dict[str, Path]:
    """Draw and write the report of already computed ``content`` (see :func:`write_report`)."""
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    _check_out(out_dir)
    lang = content.language
    say(t("report.step_maps", lang))
    osm = content.pack.osm_path
    base = read_base_map(osm, content.pack.crs) if osm is not None else None
    tables = report_tables(content)
    figures = report_figures(content, tables, base)
    html = render_html(content, tables, figures, created=dt.date.today())
    say(t("report.step_write", lang))
    written: dict[str, Path] = {}
    with atomic_path(out_dir / "report.html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    written["html"] = out_dir / "report.html"
    with atomic_path(out_dir / "report.pdf") as tmp:
        write_pdf(html, tmp)
    written["pdf"] = out_dir / "report.pdf"
    layers = report_layers(tables)
    written["xlsx"] = write_workbook(layers, out_dir / "report.xlsx", language=lang)
    written["gpkg"] = write_geopackage(_non_empty(layers), out_dir / "report.gpkg")
    notes = list(tables.notes["note"])
    if notes:
        # Warnings that qualify the numbers reach the console too, not only the report's notes.
        say(t("report.notes_header", lang, n=len(notes)))
        for note in notes:
            say(f"  • {note}")
    return written


def _non_empty(layers: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: v for k, v in layers.items() if len(v) and len(v.columns)}
