"""Assemble the tables of a pack (areas, statistics, cells, opportunities) and collect problems.

Private helper of :mod:`jamlik.ingest.pack`: reads every table named in ``pack.toml`` through the
readers of :mod:`jamlik.ingest.areas`, merges the statistics tables into one long table and adds
the pack-level checks (requested year present, population per area, method prerequisites).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyproj

from jamlik.errors import Problem, ProblemWarning
from jamlik.i18n import t
from jamlik.ingest.areas import (
    format_rows,
    parse_crs,
    read_areas,
    read_points,
    read_statistics_table,
    unit_of,
)

if TYPE_CHECKING:
    from jamlik.ingest.pack import CellsConfig, OpportunitiesConfig, PackConfig

__all__ = ["PackData", "build_pack_data"]

_FALLBACK_CRS = pyproj.CRS.from_epsg(3006)


@dataclass
class PackData:
    """Everything read from a pack's tables, and the problems found while reading them."""

    crs: pyproj.CRS
    areas: gpd.GeoDataFrame | None
    statistics: pd.DataFrame
    groups: tuple[str, ...]
    cells: pd.DataFrame | None
    opportunities: gpd.GeoDataFrame | None
    problems: list[Problem] = field(default_factory=list)


def build_pack_data(config: PackConfig, *, root: Path) -> PackData:
    """Read every table of ``config`` (paths relative to ``root``) and collect all problems."""
    problems: list[Problem] = []
    crs, found = parse_crs(
        config.pack.crs, file="pack.toml", column="pack.crs", require_metric=True
    )
    problems += found
    areas = None
    all_ids: frozenset[str] | None = None
    if config.areas is not None:
        cfg = config.areas
        areas, ids, found = read_areas(
            root / cfg.path,
            label=cfg.path,
            layer=cfg.layer,
            id_column=cfg.id,
            name_column=cfg.name,
            filters=cfg.filter,
            declared_crs=cfg.crs,
            pack_crs=crs,
        )
        problems += found
        all_ids = ids if areas is not None else None
    statistics, groups, found = _statistics(config, root=root, areas=areas, all_ids=all_ids)
    problems += found
    cells, found = _cells(config, root=root, crs=crs)
    problems += found
    if not groups and cells is not None:
        groups = tuple(dict.fromkeys(g for c in config.cells for g in c.groups))
    opportunities, found = _opportunities(config, root=root, crs=crs)
    problems += found
    problems += _population_checks(config, areas=areas, statistics=statistics, cells=cells)
    return PackData(
        crs=crs or _FALLBACK_CRS,
        areas=areas,
        statistics=statistics,
        groups=groups,
        cells=cells,
        opportunities=opportunities,
        problems=problems,
    )


def _empty_statistics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_id": pd.Series(dtype=str),
            "year": pd.Series(dtype="Int64"),
            "pop_total": pd.Series(dtype=float),
        }
    )


def _statistics(
    config: PackConfig,
    *,
    root: Path,
    areas: gpd.GeoDataFrame | None,
    all_ids: frozenset[str] | None,
) -> tuple[pd.DataFrame, tuple[str, ...], list[Problem]]:
    problems: list[Problem] = []
    if config.statistics and config.areas is None:
        msg = t("ingest.pack.statistics_need_areas")
        return _empty_statistics(), (), [Problem("pack.toml", msg, None, "statistics")]
    yearly: list[pd.DataFrame] = []
    snapshots: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    groups: list[str] = []
    for index, cfg in enumerate(config.statistics):
        label = cfg.path
        table, found = read_statistics_table(
            root / cfg.path,
            label=label,
            area_id=cfg.area_id,
            year=cfg.year,
            total=cfg.total,
            groups=cfg.groups,
            filters=cfg.filter,
            attributes=cfg.attributes,
            known_ids=all_ids,
        )
        problems += found
        if table is None:
            continue
        for column in table.columns.drop(["area_id", "year"]):
            if column in seen:
                msg = t("ingest.pack.column_twice", column=column, other=seen[column], index=index)
                problems.append(Problem(label, msg, None, column))
            seen[column] = label
        groups += [g for g in cfg.groups if g not in groups]
        if areas is not None:
            table = table.loc[table["area_id"].isin(areas.index)]
        (yearly if cfg.year is not None else snapshots).append(table)
    if any(p for p in problems if not isinstance(p, ProblemWarning)):
        return _empty_statistics(), tuple(groups), problems
    merged = _merge_tables(yearly, snapshots)
    first = ["area_id", "year", "pop_total", *groups]
    ordered = [c for c in first if c in merged] + [c for c in merged if c not in first]
    merged = merged[ordered].sort_values(["area_id", "year"], kind="stable")
    return merged.reset_index(drop=True), tuple(groups), problems


def _merge_tables(yearly: list[pd.DataFrame], snapshots: list[pd.DataFrame]) -> pd.DataFrame:
    merged: pd.DataFrame | None = None
    for table in yearly:
        merged = (
            table if merged is None else merged.merge(table, on=["area_id", "year"], how="outer")
        )
    for table in snapshots:
        snap = table.drop(columns="year")
        merged = table if merged is None else merged.merge(snap, on="area_id", how="outer")
    if merged is None:
        return _empty_statistics()
    merged["year"] = merged["year"].astype("Int64")
    return merged


def _read_layer(
    cfg: CellsConfig | OpportunitiesConfig,
    *,
    root: Path,
    crs: pyproj.CRS | None,
    counts: dict[str, str],
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one point layer of the pack (cells or opportunities) with its count columns."""
    return read_points(
        root / cfg.path,
        label=cfg.path,
        id_column=cfg.id,
        x=cfg.x,
        y=cfg.y,
        crs=cfg.crs,
        pack_crs=crs,
        counts=counts,
        filters=cfg.filter,
        empty_as_zero=cfg.empty_as_zero,
    )


def _cells(
    config: PackConfig, *, root: Path, crs: pyproj.CRS | None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    problems: list[Problem] = []
    tables = []
    for cfg in config.cells:
        label = cfg.path
        counts = {"pop_total": cfg.total, **cfg.groups}
        table, found = _read_layer(cfg, root=root, crs=crs, counts=counts)
        problems += found
        if table is None or "x" not in table:
            continue
        for name, column in cfg.groups.items():
            over = table[name].to_numpy() > table["pop_total"].to_numpy()
            if over.any():
                msg = t("ingest.pack.cell_group_over_total", name=name)
                rows = format_rows(table.index[over])
                problems.append(Problem(label, msg, rows, column, unit_of(table.index)))
        tables.append(table)
    if not tables:
        return None, problems
    cells = pd.concat(tables, ignore_index=True).fillna({"pop_total": 0.0})
    return cells, problems


def _opportunities(
    config: PackConfig, *, root: Path, crs: pyproj.CRS | None
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    problems: list[Problem] = []
    layers = []
    for cfg in config.opportunities:
        counts = {"count": cfg.count} if cfg.count else {}
        table, found = _read_layer(cfg, root=root, crs=crs, counts=counts)
        problems += found
        if table is None or "x" not in table:
            continue
        if cfg.count is None:
            table["count"] = 1.0
        table = table.loc[table["count"] > 0]
        layers.append(
            gpd.GeoDataFrame(
                {"id": table["id"].to_numpy(), "category": cfg.category, "count": table["count"]},
                geometry=gpd.points_from_xy(table["x"], table["y"]),
                crs=crs,
            )
        )
    if not layers:
        return None, problems
    return gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), crs=crs), problems


def _population_checks(
    config: PackConfig,
    *,
    areas: gpd.GeoDataFrame | None,
    statistics: pd.DataFrame,
    cells: pd.DataFrame | None,
) -> list[Problem]:
    problems: list[Problem] = []
    method = config.population.method
    if method == "cells" and not config.cells:
        msg = t("ingest.pack.cells_method")
        problems.append(Problem("pack.toml", msg, None, "population.method"))
    if method == "buildings" and config.osm is None:
        msg = t("ingest.pack.buildings_method")
        problems.append(Problem("pack.toml", msg, None, "population.method"))
    if method in {"buildings", "nodes"} and config.areas is None:
        msg = t("ingest.pack.method_needs_areas", method=method)
        problems.append(Problem("pack.toml", msg, None, "population.method"))
    stats_files = ", ".join(s.path for s in config.statistics) or "pack.toml"
    years = sorted(int(y) for y in statistics["year"].dropna().unique())
    wanted = config.population.year
    if wanted is not None and config.statistics and not statistics.empty and wanted not in years:
        msg = t("ingest.pack.population_year", year=wanted, years=years)
        problems.append(Problem(stats_files, msg, None, "year"))
        return problems
    if areas is None or "pop_total" not in statistics or statistics.empty:
        if areas is not None and not config.cells:
            msg = t("ingest.pack.no_population")
            problems.append(ProblemWarning(stats_files, msg, None, "total"))
        return problems
    year = wanted if wanted is not None else (years[-1] if years else None)
    rows = statistics if year is None else statistics.loc[statistics["year"] == year]
    population = rows.groupby("area_id")["pop_total"].sum().reindex(areas.index)
    missing = population.index[population.isna()]
    if len(missing):
        shown = ", ".join(missing[:8])
        msg = t("ingest.pack.areas_without_statistics", n=len(missing), year=year, shown=shown)
        problems.append(ProblemWarning(stats_files, msg, None, "area_id"))
    zero = population.index[population == 0]
    if len(zero):
        shown = ", ".join(zero[:8])
        msg = t("ingest.pack.areas_zero_population", n=len(zero), year=year, shown=shown)
        problems.append(ProblemWarning(stats_files, msg, None, "pop_total"))
    return problems
