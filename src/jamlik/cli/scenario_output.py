"""Write and print a scenario comparison: tables and area changes in a GeoPackage, CSVs, JSON."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from jamlik.i18n import current_language, t
from jamlik.ingest import Pack
from jamlik.scenarios.compare import ScenarioComparison
from jamlik.ska.assess import SKAAssessment
from jamlik.ska.matrix import OWN_ASSESSMENT, SKARules
from jamlik.storage import sources_table, write_csv, write_geopackage, write_json

__all__ = ["print_comparison", "write_comparison"]

_out = Console(highlight=False)
#: Groups shown per profile in the console (every group is in the files).
_GROUPS_SHOWN = {
    "child": ("pop_total", "age_6_15"),
    "senior": ("pop_total", "age_65_plus"),
}
#: Indicators shown in the console: time to the nearest place of these categories.
SHOWN = ("grocery", "school", "preschool", "health_centre", "park", "transit_stop")


def _area_layer(comparison: ScenarioComparison, pack: Pack) -> gpd.GeoDataFrame | None:
    """Area polygons with the change of each time-to-nearest indicator for everyone."""
    if not pack.has_areas:
        return None
    change = comparison.area_change
    rows = change[
        (change["group"] == "pop_total")
        & (change["area_id"] != "*")
        & change["indicator"].str.contains("_nearest_1_min_")
    ]
    wide = rows.pivot_table(index="area_id", columns="indicator", values="delta", aggfunc="first")
    wide.columns = [f"d_{c.replace('_nearest_1_min_', '_')}" for c in wide.columns]
    areas = pack.areas()[["name", "geometry"]] if "name" in pack.areas() else pack.areas()
    joined = areas.join(wide.round(2), how="left")
    return gpd.GeoDataFrame(joined.reset_index(), geometry="geometry", crs=pack.crs)


def write_comparison(
    comparison: ScenarioComparison,
    assessment: SKAAssessment,
    pack: Pack,
    out: Path,
    *,
    rules: SKARules,
) -> list[Path]:
    """Write ``out/comparison.gpkg``, CSVs of the main tables and ``out/comparison.json``."""
    language = current_language()
    matrix = assessment.matrix.cells.copy()
    for column, table in (("aspect", rules.aspects), ("scale", rules.scales)):
        matrix[f"{column}_label"] = matrix[column].map(
            {k: getattr(v, language) for k, v in table.items()}
        )
    notes = pd.DataFrame({"note": list(comparison.notes)}, dtype=str)
    tables: dict[str, pd.DataFrame] = {
        "area_change": comparison.area_change,
        "winners_losers": comparison.winners,
        "gaps": comparison.gaps,
        "profile_gaps": comparison.profile_gaps,
        "ska_matrix": matrix,
        "ska_indicators": assessment.matrix.indicators,
        "ska_inventory": assessment.inventory,
        "ska_measures": assessment.measures,
        "ska_follow_up": assessment.follow_up,
        "sources": sources_table(pack.sources),
        "notes": notes,
    }
    if comparison.plan.resident_changes is not None:
        tables["resident_changes"] = comparison.plan.resident_changes
    if comparison.transit_change is not None:
        tables["transit_change"] = comparison.transit_change
    if comparison.transit is not None:
        tables["transit_winners"] = comparison.transit.winners
    layers: dict[str, pd.DataFrame] = {}
    area_layer = _area_layer(comparison, pack)
    if area_layer is not None:
        layers["area_change_everyone"] = area_layer
    layers.update({k: v for k, v in tables.items() if not v.empty})
    paths = [write_geopackage(layers, out / "comparison.gpkg")]
    csv_tables = (
        "area_change",
        "winners_losers",
        "ska_matrix",
        "transit_change",
        "transit_winners",
    )
    for name in csv_tables:
        if name in tables:
            paths.append(write_csv(tables[name], out / f"{name}.csv"))
    level, why = assessment.complexity
    summary = {
        "scenario": comparison.scenario.scenario.model_dump(),
        "pack": pack.name,
        "complexity_level": level,
        "complexity_reason": why,
        "vulnerable_areas": list(comparison.vulnerable_areas),
        "notes": list(comparison.notes),
        "sources": [s.model_dump() for s in pack.sources],
    }
    if comparison.transit_change is not None:
        change = comparison.transit_change
        whole = change[(change["area_id"] == "*") & (change["group"] == "pop_total")]
        columns = ["profile", "day_type", "hour", "indicator", "before", "after", "delta"]
        summary["transit_everyone"] = [
            {
                k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in row.items()
            }
            for row in whole[columns].round(4).to_dict("records")
        ]
    paths.append(write_json(summary, out / "comparison.json"))
    return paths


def _verdict(verdict: str) -> str:
    return t("ska.own_short") if verdict == OWN_ASSESSMENT else verdict


def _label(kind: str, key: str) -> str:
    try:
        return t(f"{kind}.{key}")
    except KeyError:
        return key


def _fmt(value: float) -> str:
    """People as a reader of the language writes them: sv ``1 278``, en ``1,278``."""
    if not np.isfinite(value):
        return "–"
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if current_language() == "sv" else text


def print_comparison(
    comparison: ScenarioComparison, assessment: SKAAssessment, rules: SKARules
) -> None:
    """Print the level, winners and losers, gaps and the SKA matrix."""
    language = current_language()
    level, why = assessment.complexity
    _out.print(t("scenario.level", level=level, why=why))
    winners = comparison.winners
    for profile in winners["profile"].drop_duplicates():
        part = winners[
            (winners["profile"] == profile)
            & winners["indicator"].str.contains("_nearest_1_min_")
            & winners["indicator"].str.startswith(SHOWN)
            & ((winners["gain"] > 0) | (winners["loss"] > 0))
            & winners["group"].isin(_GROUPS_SHOWN.get(str(profile), ("pop_total",)))
        ]
        if part.empty:
            continue
        title = t("scenario.winners_title", profile=_label("profile", str(profile)))
        _out.print(_winners_table(title, part))
    if not comparison.gaps.empty:
        for _, row in comparison.gaps.iterrows():
            if row["profile"] != "adult" or not str(row["indicator"]).startswith(SHOWN):
                continue
            if "_nearest_1_min_" not in str(row["indicator"]):
                continue
            if not np.isfinite(row["gap_before"]) or row["gap_before"] == row["gap_after"]:
                continue
            _out.print(
                t(
                    "scenario.gap_line",
                    indicator=row["indicator"],
                    profile=row["profile"],
                    before=f"{row['gap_before']:+.1f}",
                    after=f"{row['gap_after']:+.1f}",
                    verdict=t("scenario.narrows" if row["narrows"] else "scenario.widens"),
                )
            )
    if comparison.transit is not None:
        _print_transit_winners(comparison)
    cells = assessment.matrix.cells
    for p_key, perspective in rules.perspectives.items():
        table = Table(title=t("scenario.matrix_title", perspective=getattr(perspective, language)))
        table.add_column(t("scenario.col_aspect"))
        for scale in rules.scales.values():
            table.add_column(getattr(scale, language), justify="center")
        for a_key, aspect in rules.aspects.items():
            verdicts = []
            for s_key in rules.scales:
                hit = cells[
                    (cells["aspect"] == a_key)
                    & (cells["scale"] == s_key)
                    & (cells["perspective"] == p_key)
                ]
                verdicts.append(_verdict(str(hit["verdict"].iloc[0])) if len(hit) else "")
            table.add_row(getattr(aspect, language), *verdicts)
        _out.print(table)
    if comparison.transit_change is not None:
        table = comparison.transit_change
        before = table["before"].to_numpy(dtype=float)
        after = table["after"].to_numpy(dtype=float)
        same = (before == after) | (np.isnan(before) & np.isnan(after))
        _out.print(t("scenario.transit_changed", changed=int((~same).sum()), total=same.size))
    for note in comparison.notes:
        _out.print(f"• {note}", markup=False)


def _print_transit_winners(comparison: ScenarioComparison) -> None:
    """Per profile and hour: people gaining and losing transit time to the nearest place."""
    assert comparison.transit is not None
    winners = comparison.transit.winners
    part = winners[
        winners["indicator"].str.endswith("_nearest_min_transit")
        & winners["indicator"].str.startswith(SHOWN)
        & ((winners["gain"] > 0) | (winners["loss"] > 0))
    ]
    for (profile, day_type, hour), rows in part.groupby(
        ["profile", "day_type", "hour"], sort=False
    ):
        rows = rows[rows["group"].isin(_GROUPS_SHOWN.get(str(profile), ("pop_total",)))]
        if rows.empty:
            continue
        title = t(
            "scenario.transit_winners_title",
            profile=_label("profile", str(profile)),
            day_type=_label("ska.day", str(day_type)),
            hour=f"{int(hour):02d}",
        )
        _out.print(_winners_table(title, rows))


def _winners_table(title: str, rows: pd.DataFrame) -> Table:
    """People gaining and losing per indicator and group, as a console table."""
    table = Table(title=title)
    for key in ("col_indicator", "col_group", "col_gain", "col_loss"):
        table.add_column(t(f"scenario.{key}"), justify="left" if "col_i" in key else "right")
    for _, row in rows.iterrows():
        group = _label("group", str(row["group"]))
        table.add_row(row["indicator"], group, _fmt(row["gain"]), _fmt(row["loss"]))
    return table
