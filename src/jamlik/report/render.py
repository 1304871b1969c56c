"""Render a report to HTML (jinja2, autoescaped, from the package's template) and PDF (WeasyPrint).

The HTML is one self-contained file: figures are embedded as ``data:`` PNG URIs and the style
sheet is inline, so the HTML and the PDF (rendered from the same string) show the same thing
offline. Every text comes from the translation catalogue (``report.*``); numbers are written as
a reader of the language writes them (``12,5`` and ``1 278`` in Swedish, ``12.5`` and ``1,278``
in English).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from jamlik.i18n import catalogue, format_number, t
from jamlik.report.content import ReportContent
from jamlik.report.figures import category_label, group_label
from jamlik.report.tables import ReportTables, ScenarioTables
from jamlik.ska.matrix import OWN_ASSESSMENT

__all__ = ["number", "render_html", "summary_lines"]

_PEOPLE_COLUMNS = ("gain", "loss", "gained_access", "lost_access", "people")
_VERDICT_CSS = {"+": "v-plus", "−": "v-minus", "±": "v-mixed", "0": "v-zero", "?": "v-few"}


def number(value: Any, language: str, digits: int = 1) -> str:
    """Format a number for ``language`` (``–`` for a missing value)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "–"
    return format_number(x, digits, language=language)


def _label(kind: str, key: str, language: str) -> str:
    try:
        return t(f"report.{kind}.{key}", language)
    except KeyError:
        return key


def _table(
    frame: pd.DataFrame, language: str, *, digits: dict[str, int] | None = None
) -> dict[str, Any]:
    """Return a frame as ``headers, rows, numeric`` for the template's table macro."""
    digits = digits or {}
    headers = [
        category_label(str(c), language)
        if f"report.category.{c}" in catalogue()
        else _label("col", str(c), language)
        for c in frame.columns
    ]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool for c in frame]
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value, is_number in zip(frame.columns, record, numeric, strict=True):
            if column == "category":
                cells.append(category_label(str(value), language))
            elif column == "group":
                cells.append(group_label(str(value), language))
            elif column in ("profile", "kind", "day_type"):
                cells.append(_label(column, str(value), language))
            elif isinstance(value, bool) or column in ("narrows", "vulnerable"):
                cells.append(t("report.yes" if bool(value) else "report.no", language))
            elif is_number:
                whole = pd.api.types.is_integer_dtype(frame[column])
                cells.append(number(value, language, digits.get(str(column), 0 if whole else 1)))
            else:
                cells.append("" if value is None else str(value))
        rows.append(cells)
    return {"headers": headers, "rows": rows, "numeric": numeric}


def _people(value: float, language: str) -> str:
    return number(value, language, 0)


def summary_lines(content: ReportContent, tables: ReportTables) -> list[str]:
    """Return the plain-language summary: today for whom, what each plan changes for whom."""
    lang = content.language
    lines: list[str] = []
    groups = tables.groups
    for category in tables.categories[:4]:
        rows = groups[groups["category"] == category]
        everyone = rows[rows["group"] == "pop_total"]
        if everyone.empty:
            continue
        worst = rows.sort_values("minutes", ascending=False).iloc[0]
        lines.append(
            t(
                "report.summary_today",
                lang,
                category=category_label(category, lang),
                minutes=number(everyone["minutes"].iloc[0], lang),
                share=number(100 * everyone["no_access_share"].iloc[0], lang, 0),
                group=group_label(str(worst["group"]), lang),
                group_minutes=number(worst["minutes"], lang),
            )
        )
    areas = tables.areas
    if content.vulnerable_areas and not areas.empty and tables.categories:
        first = tables.categories[0]
        if first in areas:
            vulnerable = areas[areas["vulnerable"]]
            others = areas[~areas["vulnerable"]]

            def mean(frame: pd.DataFrame) -> float:
                ok = frame[first].notna()
                w = frame.loc[ok, "pop_total"]
                return float((frame.loc[ok, first] * w).sum() / w.sum()) if w.sum() else math.nan

            lines.append(
                t(
                    "report.summary_vulnerable",
                    lang,
                    areas=", ".join(content.vulnerable_areas),
                    category=category_label(first, lang),
                    vulnerable=number(mean(vulnerable), lang),
                    others=number(mean(others), lang),
                )
            )
    for part, scen in zip(content.scenarios, tables.scenarios, strict=True):
        lines.extend(_scenario_summary(part.complexity, scen, lang))
    if not content.scenarios:
        lines.append(t("report.summary_no_plan", lang))
    return lines


def _scenario_summary(complexity: tuple[int, str], scen: ScenarioTables, lang: str) -> list[str]:
    lines = []
    everyone = scen.winners[scen.winners["group"] == "pop_total"]
    for _, row in everyone.iterrows():
        if row["gain"] == 0 and row["loss"] == 0:
            continue
        detail = scen.winners[
            (scen.winners["category"] == row["category"])
            & scen.winners["group"].isin(["age_6_15", "age_65_plus", "low_income"])
        ]
        by_group = ", ".join(
            f"{group_label(str(r['group']), lang)} {_people(r['gain'], lang)}"
            for _, r in detail.iterrows()
        )
        lines.append(
            t(
                "report.summary_plan_gain",
                lang,
                name=scen.title,
                gain=_people(row["gain"], lang),
                loss=_people(row["loss"], lang),
                category=category_label(str(row["category"]), lang),
                groups=by_group or "–",
            )
        )
    verdicts = scen.matrix["verdict"]
    lines.append(
        t(
            "report.summary_matrix",
            lang,
            name=scen.title,
            plus=int((verdicts == "+").sum()),
            minus=int((verdicts == "−").sum()),
            mixed=int((verdicts == "±").sum()),
            own=int((verdicts == OWN_ASSESSMENT).sum()),
            level=complexity[0],
        )
    )
    if len(lines) == 1:
        lines.insert(0, t("report.summary_plan_none", lang, name=scen.title))
    return lines


def _equity_lines(scen: ScenarioTables, lang: str) -> list[str]:
    lines = []
    for _, row in scen.gaps.iterrows():
        if not math.isfinite(row["gap_before"]) or row["gap_before"] == row["gap_after"]:
            continue
        lines.append(
            t(
                "report.equity_gap",
                lang,
                category=category_label(str(row["category"]), lang),
                before=number(row["gap_before"], lang),
                after=number(row["gap_after"], lang),
                verdict=t("report.narrows" if row["narrows"] else "report.widens", lang),
            )
        )
    if not lines:
        lines.append(t("report.equity_none", lang))
    return lines


def _matrices(content: ReportContent, scen: ScenarioTables) -> list[dict[str, Any]]:
    lang = content.language
    rules = content.rules
    cells = scen.matrix.set_index(["aspect", "scale", "perspective"])
    out = []
    for p_key, perspective in rules.perspectives.items():
        rows = []
        for a_key, aspect in rules.aspects.items():
            row = []
            for s_key in rules.scales:
                key = (a_key, s_key, p_key)
                verdict = str(cells.loc[key, "verdict"]) if key in cells.index else ""
                evidence = str(cells.loc[key, "evidence"]) if key in cells.index else ""
                own = verdict == OWN_ASSESSMENT
                row.append(
                    {
                        "text": t("report.own_assessment", lang) if own else verdict,
                        "css": "v-own" if own else _VERDICT_CSS.get(verdict, ""),
                        "evidence": evidence,
                    }
                )
            rows.append({"aspect": getattr(aspect, lang), "cells": row})
        out.append(
            {
                "perspective": getattr(perspective, lang),
                "scales": [getattr(s, lang) for s in rules.scales.values()],
                "rows": rows,
            }
        )
    return out


def _evidence(content: ReportContent, scen: ScenarioTables) -> list[str]:
    lang = content.language
    rules = content.rules
    out = []
    for _, cell in scen.matrix.iterrows():
        if cell["verdict"] in (OWN_ASSESSMENT, "0") or not cell["evidence"]:
            continue
        out.append(
            f"{getattr(rules.aspects[cell['aspect']], lang)} · "
            f"{getattr(rules.scales[cell['scale']], lang)} · "
            f"{getattr(rules.perspectives[cell['perspective']], lang)} "
            f"({cell['verdict']}): {cell['evidence']}"
        )
    return out or [t("report.no_evidence", lang)]


def _data_uri(png: bytes | None) -> str | None:
    if png is None:
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(
    content: ReportContent,
    tables: ReportTables,
    figures: dict[str, bytes],
    *,
    created: dt.date | None = None,
) -> str:
    """Render the report as one self-contained HTML string."""
    lang = content.language
    env = Environment(
        loader=PackageLoader("jamlik.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    template = env.get_template("report.html.j2")
    scenarios = []
    for i, (part, scen) in enumerate(zip(content.scenarios, tables.scenarios, strict=True)):
        level, why = part.complexity
        scenarios.append(
            {
                "name": scen.name,
                "title": scen.title,
                "level": t("report.level", lang, level=level, why=why),
                "measures_table": _table(scen.measures, lang),
                "winners_table": _table(
                    scen.winners.drop(columns=["profile"]),
                    lang,
                    digits=dict.fromkeys(_PEOPLE_COLUMNS, 0),
                ),
                "gaps_table": _table(scen.gaps, lang),
                "profile_gaps_table": _table(scen.profile_gaps, lang),
                "area_change_table": _table(scen.area_change, lang),
                "transit_change_table": _table(scen.transit_change, lang)
                if not scen.transit_change.empty
                else None,
                "transit_winners_table": _transit_winners(scen, lang),
                "follow_up_table": _table(_follow_up(content, scen.follow_up), lang),
                "equity": _equity_lines(scen, lang),
                "matrices": _matrices(content, scen),
                "evidence": _evidence(content, scen),
                "figures": {
                    key: _data_uri(figures.get(f"{key}_{i}"))
                    for key in ("map_changes", "map_delta", "before_after")
                },
            }
        )
    figure_uris = {
        key: _data_uri(figures.get(key)) for key in ("map_today", "groups", "lorenz", "time_of_day")
    }
    dialogue = content.dialogue
    return template.render(
        lang=lang,
        tr=partial(t, language=lang),
        title=t("report.title", lang, pack=content.pack.title or content.pack.name),
        pack_name=content.pack.name,
        created=(created or dt.date.today()).isoformat(),
        summary=summary_lines(content, tables),
        figures=figure_uris,
        groups_table=_table(tables.groups, lang, digits={"people": 0, "no_access_share": 2}),
        areas_table=_table(tables.areas, lang, digits={"pop_total": 0})
        if not tables.areas.empty
        else None,
        scenarios=scenarios,
        dialogue_table=_table(dialogue, lang) if dialogue is not None and len(dialogue) else None,
        method=[t(f"report.method_{k}", lang) for k in _METHOD],
        notes=list(tables.notes["note"]),
        sources_table=_table(tables.sources, lang),
    )


#: Groups whose transit winners the HTML/PDF lists (every group is in the workbook).
_TRANSIT_GROUPS_SHOWN = ("pop_total", "age_6_15", "age_65_plus")


def _transit_winners(scen: ScenarioTables, lang: str) -> dict[str, Any] | None:
    """Hours at which someone gains or loses by transit, for everyone, children and seniors."""
    w = scen.transit_winners
    shown = w[w["group"].isin(_TRANSIT_GROUPS_SHOWN) & ((w["gain"] > 0) | (w["loss"] > 0))]
    if shown.empty:
        return None
    return _table(shown.drop(columns=["profile"]), lang, digits=dict.fromkeys(_PEOPLE_COLUMNS, 0))


_METHOD: Sequence[str] = ("access", "groups", "transit", "scenario", "ska", "limits")


def _follow_up(content: ReportContent, follow_up: pd.DataFrame) -> pd.DataFrame:
    if follow_up.empty:
        return follow_up
    lang = content.language
    rules = content.rules
    frame = follow_up.copy()
    frame["aspect"] = frame["aspect"].map(lambda k: getattr(rules.aspects[k], lang))
    frame["scale"] = frame["scale"].map(lambda k: getattr(rules.scales[k], lang))
    frame["perspective"] = frame["perspective"].map(lambda k: getattr(rules.perspectives[k], lang))
    if "hour" in frame.columns:
        # Transit rows name their day type and hour; walking rows have neither.
        hours = pd.to_numeric(frame["hour"], errors="coerce")
        frame["hour"] = [f"{int(h):02d}" if pd.notna(h) else "" for h in hours]
        frame["day_type"] = [
            _label("day", str(d), lang) if isinstance(d, str) and d else ""
            for d in frame["day_type"]
        ]
    return frame


def write_pdf(html: str, target: Any) -> None:
    """Render ``html`` to a PDF file at ``target`` (WeasyPrint)."""
    from weasyprint import HTML

    HTML(string=html).write_pdf(target)
