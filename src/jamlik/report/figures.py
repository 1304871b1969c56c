"""The report's maps and charts, drawn from its content and tables, as PNG bytes.

Which figures (each only when the data is there):

* ``map_today``: areas coloured by everyone's mean time to the nearest place of the first key
  category (vulnerable areas outlined), or the streets alone for a pack without areas;
* ``groups``: the share of each group within x minutes of that category (its own profile);
* ``lorenz``: Lorenz curves of the number of such places within 15 minutes, today and with
  each plan (Gini in the legend);
* ``time_of_day``: transit, mean time to the nearest place by hour and day type;
* per plan ``map_changes_<i>`` (the plan's changes over today's map), ``map_delta_<i>`` (the
  change per area of the category that changes most) and ``before_after_<i>``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jamlik.i18n import t
from jamlik.report.charts import (
    before_after_chart,
    group_distribution_chart,
    lorenz_chart,
    time_of_day_chart,
)
from jamlik.report.content import ReportContent
from jamlik.report.maps import BaseMap, area_map, base_map_figure
from jamlik.report.tables import GROUP_PROFILE, ReportTables
from jamlik.scenarios.compare import per_origin_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["category_label", "group_label", "report_figures", "sources_line"]


def category_label(category: str, language: str) -> str:
    """Return the category's name in ``language`` (its id when the catalogue has none)."""
    try:
        return t(f"report.category.{category}", language)
    except KeyError:
        return category


def group_label(group: str, language: str) -> str:
    """Return the group's name in ``language`` (its id when the catalogue has none)."""
    try:
        return t(f"report.group.{group}", language)
    except KeyError:
        return group


def sources_line(content: ReportContent, language: str) -> str:
    """One line naming the pack's sources and licences, for the foot of a map."""
    parts = [f"{s.name} ({s.licence})" for s in content.pack.sources]
    return t("report.map_sources", language, sources="; ".join(parts) or "–")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _per_node(content: ReportContent, group: str) -> pd.Series:
    residents = content.today.residents
    assert residents is not None
    return residents.groupby("node")[group].sum()


def _changes(content: ReportContent, index: int) -> gpd.GeoSeries:
    placed = content.scenarios[index].comparison.placed
    parts: list[shapely.Geometry] = []
    for group in (placed.homes, placed.removed_homes, placed.services, placed.links):
        parts.extend(geometry for _, geometry in group)
    part = content.scenarios[index]
    for line in part.scenario.transit_lines:
        from jamlik.ingest.scenario import entry_crs, to_crs

        xy = to_crs(
            line.stops, from_crs=entry_crs(part.scenario, line), to=content.pack.crs.to_string()
        )
        parts.append(shapely.LineString(xy))
    return gpd.GeoSeries(parts, crs=content.pack.crs)


def report_figures(
    content: ReportContent, tables: ReportTables, base: BaseMap | None
) -> dict[str, bytes]:
    """Draw every figure of the report (see the module docstring); PNG bytes by name."""
    lang = content.language
    out: dict[str, bytes] = {}
    sources = sources_line(content, lang)
    first = tables.categories[0] if tables.categories else None
    layer = tables.area_layer
    vulnerable = None
    if layer is not None:
        vulnerable = layer.loc[layer["area_id"].isin(content.vulnerable_areas), "geometry"]
    if base is not None and layer is not None and first is not None:
        out["map_today"] = _png(
            area_map(
                base, layer, first,
                title=t("report.map_today_title", lang, category=category_label(first, lang)),
                legend=t("report.minutes", lang), sources=sources, reverse=True,
                outline=vulnerable,
            )
        )  # fmt: skip
    elif base is not None:
        out["map_today"] = _png(
            base_map_figure(base, title=content.pack.title or content.pack.name, sources=sources)
        )
    before = per_origin_values(content.today)
    residents = content.today.residents
    if first is not None and residents is not None:
        curves = {}
        for group in ("pop_total", "age_6_15", "age_65_plus", "born_abroad", "low_income"):
            if group not in residents.columns:
                continue
            column = f"{first}_nearest_1_min_{GROUP_PROFILE.get(group, 'adult')}"
            if column not in before.columns:
                continue
            weights = _per_node(content, group)
            minutes = before[column].reindex(weights.index).to_numpy(dtype=np.float64)
            curves[group_label(group, lang)] = (minutes, weights.to_numpy(dtype=np.float64))
        if curves:
            out["groups"] = _png(
                group_distribution_chart(
                    curves,
                    title=t(
                        "report.chart_groups_title", lang, category=category_label(first, lang)
                    ),
                    xlabel=t("report.minutes", lang),
                    ylabel=t("report.share_within", lang),
                )
            )
        count = f"{first}_count_15min_adult"
        if count in before.columns:
            weights = _per_node(content, "pop_total")
            series = {
                t("report.today", lang): (
                    before[count].reindex(weights.index).to_numpy(dtype=np.float64),
                    weights.to_numpy(dtype=np.float64),
                )
            }
            for part in content.scenarios:
                after = per_origin_values(part.comparison.plan)
                series[part.scenario.scenario.name] = (
                    after[count].reindex(weights.index).to_numpy(dtype=np.float64),
                    weights.to_numpy(dtype=np.float64),
                )
            out["lorenz"] = _png(
                lorenz_chart(
                    series,
                    title=t(
                        "report.chart_lorenz_title", lang, category=category_label(first, lang)
                    ),
                    xlabel=t("report.lorenz_x", lang),
                    ylabel=t("report.lorenz_y", lang),
                    equality=t("report.lorenz_equality", lang),
                )
            )
    if not tables.transit_hours.empty:
        out["time_of_day"] = _png(
            time_of_day_chart(
                tables.transit_hours,
                day_labels={
                    d: t(f"report.day.{d}", lang) for d in ("weekday", "saturday", "sunday")
                },
                category_labels={c: category_label(c, lang) for c in tables.categories},
                title=t("report.chart_tod_title", lang),
                xlabel=t("report.hour", lang),
                ylabel=t("report.minutes", lang),
            )
        )
    for i, scen in enumerate(tables.scenarios):
        changes = _changes(content, i)
        if base is not None and layer is not None and first is not None:
            out[f"map_changes_{i}"] = _png(
                area_map(
                    base, layer, first,
                    title=t("report.map_changes_title", lang, name=scen.title),
                    legend=t("report.minutes", lang), sources=sources, reverse=True,
                    changes=changes,
                )
            )  # fmt: skip
        delta = scen.area_change
        cats = [c for c in tables.categories if c in delta.columns]
        if base is not None and scen.area_layer is not None and cats:
            biggest = max(cats, key=lambda c: float(np.nanmax(np.abs(delta[c].to_numpy()))))
            out[f"map_delta_{i}"] = _png(
                area_map(
                    base, scen.area_layer, biggest,
                    title=t("report.map_delta_title", lang, category=category_label(biggest, lang)),
                    legend=t("report.delta_minutes", lang), sources=sources, diverging=True,
                    changes=changes,
                )
            )  # fmt: skip
        adults = scen.before_after[scen.before_after["profile"] == "adult"]
        if not adults.empty:
            out[f"before_after_{i}"] = _png(
                before_after_chart(
                    adults,
                    category_labels={c: category_label(c, lang) for c in tables.categories},
                    title=t("report.chart_before_after_title", lang),
                    ylabel=t("report.minutes", lang),
                    before=t("report.today", lang),
                    after=t("report.with_plan", lang),
                )
            )
    return out
