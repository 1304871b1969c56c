"""The report's tables, computed once from :class:`~jamlik.report.content.ReportContent`.

The HTML/PDF, the Excel workbook and the GeoPackage all show these same frames, so a number
in the PDF is the number in the workbook. Column names are stable identifiers (English);
headings are translated when rendered (``report.col.<name>`` in the catalogue).

Rules
-----
* **Inventory** uses time to the nearest place (``<category>_nearest_1_min_<profile>``) of the
  categories in :data:`KEY_CATEGORIES` that the pack has: per group for the whole pack (the
  profile matching the group: children ``age_6_15`` walk as children, seniors
  ``age_65_plus`` as seniors, everyone else as adults) and per area for everyone (adults).
  ``no_access_share`` is the share of the group with no such place within reach.
* **Consequences** per area are the change of the mean time for everyone (``delta``, minutes;
  negative = closer); **winners and losers** are today's residents who stay, counted in
  people per group, for the same indicators.
* **Transit** before and after is for everyone at the adult walking speed, by hour; transit
  **winners and losers** are the same residents per group, each group at its own walking speed
  (as above), by day type and hour, for the time to the nearest place.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from jamlik.report.content import ReportContent, ScenarioPart
from jamlik.scenarios.compare import ScenarioComparison
from jamlik.storage import sources_table

__all__ = [
    "GROUP_PROFILE",
    "KEY_CATEGORIES",
    "ReportTables",
    "ScenarioTables",
    "report_tables",
]

#: Categories the report's tables and maps lead with (those the pack has).
KEY_CATEGORIES = ("grocery", "school", "preschool", "health_centre", "park", "transit_stop")
#: The travel profile each group is judged by.
GROUP_PROFILE = {"age_0_5": "child", "age_6_15": "child", "age_65_plus": "senior"}


@dataclass(frozen=True)
class ScenarioTables:
    """The tables of one plan."""

    name: str
    title: str
    measures: pd.DataFrame
    area_change: pd.DataFrame  # area_id, name, <category> deltas (minutes), everyone
    area_layer: gpd.GeoDataFrame | None
    winners: pd.DataFrame  # category, group, profile, gain, loss, gained_access, lost_access
    gaps: pd.DataFrame  # category, gap_before, gap_after, narrows (vulnerable vs others)
    profile_gaps: pd.DataFrame  # profile, category, gap_before, gap_after, narrows
    before_after: pd.DataFrame  # category, profile, before, after, delta (whole pack)
    matrix: pd.DataFrame  # aspect, scale, perspective, verdict, evidence, people
    follow_up: pd.DataFrame
    resident_changes: pd.DataFrame
    transit_change: pd.DataFrame  # day_type, hour, category, before, after, delta, no_access_*
    transit_winners: pd.DataFrame  # day_type, hour, category, group, profile, gain, loss, ...


@dataclass(frozen=True)
class ReportTables:
    """Every table of a report."""

    categories: tuple[str, ...]
    groups: pd.DataFrame  # category, group, profile, minutes, no_access_share, people
    areas: pd.DataFrame  # area_id, name, pop_total, vulnerable, <category> minutes
    area_layer: gpd.GeoDataFrame | None
    transit_hours: pd.DataFrame  # day_type, hour, category, minutes, service
    sources: pd.DataFrame
    notes: pd.DataFrame
    scenarios: tuple[ScenarioTables, ...]


def _indicator(category: str, profile: str) -> str:
    return f"{category}_nearest_1_min_{profile}"


def _group_table(content: ReportContent, categories: tuple[str, ...]) -> pd.DataFrame:
    summary = content.today.summary
    whole = summary[summary["area_id"] == "*"].set_index(["indicator", "group"])
    rows = []
    for category in categories:
        for group in sorted(set(summary["group"]), key=_group_order):
            profile = GROUP_PROFILE.get(group, "adult")
            key = (_indicator(category, profile), group)
            if key not in whole.index:
                continue
            row = whole.loc[key]
            rows.append(
                {
                    "category": category,
                    "group": group,
                    "profile": profile,
                    "minutes": float(row["value"]),
                    "no_access_share": float(row["no_access_share"]),
                    "people": float(row["population"]),
                }
            )
    return pd.DataFrame(
        rows, columns=["category", "group", "profile", "minutes", "no_access_share", "people"]
    )


def _group_order(group: str) -> tuple[int, str]:
    order = ("pop_total", "age_0_5", "age_6_15", "age_16_64", "age_65_plus")
    return (order.index(group), group) if group in order else (len(order), group)


def _area_table(content: ReportContent, categories: tuple[str, ...]) -> pd.DataFrame:
    summary = content.today.summary
    part = summary[
        (summary["area_id"] != "*")
        & (summary["group"] == "pop_total")
        & summary["indicator"].isin([_indicator(c, "adult") for c in categories])
    ]
    wide = part.pivot_table(index="area_id", columns="indicator", values="value", aggfunc="first")
    wide.columns = [c.removesuffix("_nearest_1_min_adult") for c in wide.columns]
    people = part.groupby("area_id")["population"].first()
    areas = content.today.areas
    names = (
        areas.set_index("area_id")["name"].astype(str)
        if areas is not None and "name" in areas
        else pd.Series(dtype=str)
    )
    table = pd.DataFrame({"area_id": people.index.astype(str)})
    table["name"] = table["area_id"].map(names).fillna("")
    table["pop_total"] = people.to_numpy()
    table["vulnerable"] = table["area_id"].isin(content.vulnerable_areas)
    for category in categories:
        if category in wide.columns:
            table[category] = table["area_id"].map(wide[category]).to_numpy(dtype=np.float64)
    return table.sort_values("area_id").reset_index(drop=True)


def _layer(content: ReportContent, table: pd.DataFrame) -> gpd.GeoDataFrame | None:
    areas = content.today.areas
    if areas is None:
        return None
    joined = areas[["area_id", "geometry"]].merge(
        table.drop(columns=["name"], errors="ignore"), on="area_id", how="left"
    )
    if "name" in areas:
        joined.insert(1, "name", areas["name"].astype(str).to_numpy())
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=areas.crs)


def _transit_hours(content: ReportContent, categories: tuple[str, ...]) -> pd.DataFrame:
    columns = ["day_type", "hour", "category", "minutes", "no_access_share", "service"]
    if content.transit is None:
        return pd.DataFrame(columns=columns)
    s = content.transit.summary
    part = s[
        (s["area_id"] == "*")
        & (s["group"] == "pop_total")
        & s["indicator"].str.endswith("_nearest_min_transit")
    ].copy()
    part["category"] = part["indicator"].str.removesuffix("_nearest_min_transit")
    part = part[part["category"].isin(categories)]
    part = part.rename(columns={"value": "minutes"})
    return part[columns].sort_values(["day_type", "category", "hour"]).reset_index(drop=True)


def _scenario_tables(
    content: ReportContent, part: ScenarioPart, categories: tuple[str, ...]
) -> ScenarioTables:
    comparison = part.comparison
    change = comparison.area_change
    wanted = {_indicator(c, "adult"): c for c in categories}
    everyone = change[(change["group"] == "pop_total") & change["indicator"].isin(wanted)]
    per_area = everyone[everyone["area_id"] != "*"]
    wide = per_area.pivot_table(index="area_id", columns="indicator", values="delta")
    wide.columns = [wanted[c] for c in wide.columns]
    area_table = wide.reset_index()
    area_table["area_id"] = area_table["area_id"].astype(str)
    areas = content.today.areas
    if areas is not None and "name" in areas:
        names = areas.set_index("area_id")["name"].astype(str)
        area_table.insert(1, "name", area_table["area_id"].map(names).fillna(""))
    area_layer = _layer(content, area_table) if areas is not None else None

    rows = []
    winners = comparison.winners
    for category in categories:
        for group in sorted(set(winners["group"]), key=_group_order):
            profile = GROUP_PROFILE.get(group, "adult")
            hit = winners[
                (winners["profile"] == profile)
                & (winners["indicator"] == _indicator(category, profile))
                & (winners["group"] == group)
            ]
            if hit.empty:
                continue
            r = hit.iloc[0]
            rows.append(
                {
                    "category": category,
                    "group": group,
                    "profile": profile,
                    "gain": float(r["gain"]),
                    "loss": float(r["loss"]),
                    "gained_access": float(r["gained_access"]),
                    "lost_access": float(r["lost_access"]),
                    "people": float(r["people"]),
                }
            )
    winners_table = pd.DataFrame(
        rows,
        columns=[
            "category", "group", "profile", "gain", "loss", "gained_access", "lost_access",
            "people",
        ],
    )  # fmt: skip

    gaps = comparison.gaps
    gap_columns = ["category", "gap_before", "gap_after", "narrows"]
    if gaps.empty:
        gap_table = pd.DataFrame(columns=gap_columns)
    else:
        g = gaps[(gaps["profile"] == "adult") & gaps["indicator"].isin(wanted)].copy()
        g["category"] = g["indicator"].map(wanted)
        gap_table = g[gap_columns].reset_index(drop=True)
    pg = comparison.profile_gaps
    pg = pg[pg["indicator"].str.contains("_nearest_1_min_")].copy()
    pg["category"] = pg["indicator"].str.replace(r"_nearest_1_min_\w+$", "", regex=True)
    pg = pg[pg["category"].isin(categories)]
    profile_gaps = pg[["profile", "category", "gap_before", "gap_after", "narrows"]].reset_index(
        drop=True
    )
    whole = change[(change["area_id"] == "*") & (change["group"] == "pop_total")]
    ba_rows = []
    for category in categories:
        for profile in ("adult", "child", "senior"):
            hit = whole[whole["indicator"] == _indicator(category, profile)]
            if hit.empty:
                continue
            r = hit.iloc[0]
            ba_rows.append(
                {
                    "category": category,
                    "profile": profile,
                    "before": float(r["before"]),
                    "after": float(r["after"]),
                    "delta": float(r["delta"]),
                }
            )
    before_after = pd.DataFrame(
        ba_rows, columns=["category", "profile", "before", "after", "delta"]
    )
    matrix = part.assessment.matrix.cells[
        ["aspect", "scale", "perspective", "verdict", "evidence", "people", "indicators"]
    ].copy()
    resident_changes = (
        comparison.plan.resident_changes
        if comparison.plan.resident_changes is not None
        else pd.DataFrame()
    )
    return ScenarioTables(
        name=part.scenario.scenario.name,
        title=part.scenario.scenario.title or part.scenario.scenario.name,
        measures=part.measures,
        area_change=area_table,
        area_layer=area_layer,
        winners=winners_table,
        gaps=gap_table,
        profile_gaps=profile_gaps,
        before_after=before_after,
        matrix=matrix,
        follow_up=part.assessment.follow_up,
        resident_changes=resident_changes,
        transit_change=_transit_change_table(part.transit_change, categories),
        transit_winners=_transit_winners_table(comparison, categories),
    )


_TRANSIT_WINNER_COLUMNS = [
    "day_type", "hour", "category", "group", "profile", "gain", "loss", "gained_access",
    "lost_access", "people",
]  # fmt: skip


def _transit_winners_table(
    comparison: ScenarioComparison, categories: tuple[str, ...]
) -> pd.DataFrame:
    """People gaining and losing transit time to the nearest place, per group and hour."""
    transit = comparison.transit
    if transit is None or transit.winners.empty:
        return pd.DataFrame(columns=_TRANSIT_WINNER_COLUMNS)
    w = transit.winners
    w = w[w["indicator"].str.endswith("_nearest_min_transit")].copy()
    w["category"] = w["indicator"].str.removesuffix("_nearest_min_transit")
    own = w["group"].map(lambda g: GROUP_PROFILE.get(str(g), "adult"))
    w = w[w["category"].isin(categories) & (w["profile"] == own)]
    order = {c: i for i, c in enumerate(categories)}
    w = w.assign(
        _c=w["category"].map(order), _g=w["group"].map(lambda g: _group_order(str(g)))
    ).sort_values(["day_type", "_c", "_g", "hour"], kind="stable")
    return w[_TRANSIT_WINNER_COLUMNS].reset_index(drop=True)


def _transit_change_table(change: pd.DataFrame | None, categories: tuple[str, ...]) -> pd.DataFrame:
    """Whole-pack transit minutes before and after the plan, for everyone, by hour.

    The minutes are a mean over the residents who reach a place; the shares without access
    stand beside them, because a line that brings far-off residents within reach can raise
    that mean while access improves (and the plan's new homes change who is counted).
    """
    columns = [
        "day_type", "hour", "category", "before", "after", "delta", "no_access_before",
        "no_access_after",
    ]  # fmt: skip
    if change is None or change.empty:
        return pd.DataFrame(columns=columns)
    part = change[
        (change["area_id"] == "*")
        & (change["group"] == "pop_total")
        & (change["profile"] == "adult")
        & change["indicator"].str.endswith("_nearest_min_transit")
    ].copy()
    part["category"] = part["indicator"].str.removesuffix("_nearest_min_transit")
    part = part[part["category"].isin(categories)]
    return part[columns].sort_values(["day_type", "category", "hour"]).reset_index(drop=True)


def report_tables(content: ReportContent) -> ReportTables:
    """Compute every table of the report (see the module docstring)."""
    present = set(content.today.opportunities["category"].astype(str))
    categories = tuple(c for c in KEY_CATEGORIES if c in present)
    areas = _area_table(content, categories) if content.today.areas is not None else None
    notes = list(content.notes)
    for part in content.scenarios:
        notes += [n for n in part.notes if n not in notes]
    return ReportTables(
        categories=categories,
        groups=_group_table(content, categories),
        areas=areas if areas is not None else pd.DataFrame(),
        area_layer=_layer(content, areas) if areas is not None else None,
        transit_hours=_transit_hours(content, categories),
        sources=sources_table(content.pack.sources),
        notes=pd.DataFrame({"note": notes}, dtype=str),
        scenarios=tuple(_scenario_tables(content, p, categories) for p in content.scenarios),
    )
