"""The SKA of a plan: scales drawn from the plan's own geometry, the matrix, the level, the steps.

Scales (``aspects.toml``): residents within ``radius_m`` of any change of the plan (new or
removed homes, services, links, closures, and with a transit comparison the stops of new lines,
closed stops and the stops of routes whose headways change), residents of the statistical
areas that hold a change, or everyone. The matrix itself follows :mod:`jamlik.ska.matrix`; its
transit indicators are judged when the comparison has transit (:mod:`jamlik.ska.transit`).

The four SKA steps are explicit in :class:`SKAAssessment`: **inventory** (today's values at
each scale, for whom), **measures** (the plan's entries), **consequences** (the matrix) and
**follow-up** (the indicators whose cells changed, to follow after the plan is built).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from jamlik.geo import transform_xy
from jamlik.ingest import Pack
from jamlik.ingest.scenario import entry_names
from jamlik.runs.access import PackAccess
from jamlik.runs.scenario import PlacedScenario
from jamlik.scenarios.compare import ScenarioComparison, per_origin_values
from jamlik.ska.matrix import SKAMatrix, SKARules, complexity_level, load_ska_rules, ska_matrix

__all__ = ["SKAAssessment", "assess_scenario", "scale_nodes"]


@dataclass(frozen=True)
class SKAAssessment:
    """The four SKA steps of one plan.

    Attributes
    ----------
    inventory
        Today, per scale and perspective: ``scale, perspective, people`` and the mean of each
        indicator of the matrix (``indicator, today``).
    measures
        The plan's entries: ``kind, name``.
    matrix
        The consequences (:class:`~jamlik.ska.matrix.SKAMatrix`).
    follow_up
        Indicators whose cells are not ``0``: what to follow once the plan is built.
    complexity
        Suggested social complexity level (1-3) and why.
    """

    inventory: pd.DataFrame
    measures: pd.DataFrame
    matrix: SKAMatrix
    follow_up: pd.DataFrame
    complexity: tuple[int, str]


def _changes_geometry(
    placed: PlacedScenario, stops: pd.DataFrame | None = None
) -> list[shapely.Geometry]:
    parts: list[shapely.Geometry] = []
    for group in (placed.homes, placed.removed_homes, placed.services, placed.links):
        parts.extend(geometry for _, geometry in group)
    parts.extend(g for _, g in placed.closed_services if g is not None)
    parts.extend(g for _, g in placed.closures if g is not None)
    if stops is not None and not stops.empty:
        x, y = transform_xy(
            stops["lon"].to_numpy(dtype=np.float64),
            stops["lat"].to_numpy(dtype=np.float64),
            from_crs="EPSG:4326",
            to_crs=placed.crs,
        )
        parts.extend(shapely.points(x, y).tolist())
    return parts


def scale_nodes(
    today: PackAccess,
    placed: PlacedScenario,
    rules: SKARules,
    pack: Pack,
    *,
    stops: pd.DataFrame | None = None,
) -> dict[str, np.ndarray | None]:
    """Nodes of the residents at each scale of ``rules`` (``None``: everyone).

    ``stops`` (``lon, lat``, WGS84): the transit stops the plan touches, changes too.
    """
    geometries = _changes_geometry(placed, stops)
    origins = today.origins
    nodes = origins["node"].to_numpy()
    out: dict[str, np.ndarray | None] = {}
    for key, scale in rules.scales.items():
        if scale.own_assessment:
            continue
        if scale.everyone:
            out[key] = None
        elif scale.radius_m is not None:
            if not geometries:
                out[key] = np.zeros(0, dtype=np.int64)
                continue
            zone = shapely.union_all([g.buffer(scale.radius_m) for g in geometries])
            inside = shapely.contains_xy(zone, origins.geometry.x, origins.geometry.y)
            out[key] = nodes[inside]
        elif scale.areas and pack.has_areas and today.residents is not None:
            areas = pack.areas()
            touched = {
                str(a) for g in geometries for a in areas.index[areas.geometry.intersects(g)]
            }
            table = today.residents
            out[key] = np.unique(table.loc[table["area_id"].astype(str).isin(touched), "node"])
    return out


def assess_scenario(
    comparison: ScenarioComparison,
    pack: Pack,
    *,
    rules: SKARules | None = None,
    language: str | None = None,
) -> SKAAssessment:
    """Fill the SKA of the plan in ``comparison`` (see the module docstring)."""
    rules = rules or load_ska_rules()
    before = per_origin_values(comparison.today)
    after = per_origin_values(comparison.plan).reindex(before.index)
    residents = comparison.staying
    transit = comparison.transit
    stops = transit.stops if transit is not None else None
    scales = scale_nodes(comparison.today, comparison.placed, rules, pack, stops=stops)
    names = None
    if pack.has_areas and "name" in pack.areas().columns:
        names = {str(k): str(v) for k, v in pack.areas()["name"].items()}
    matrix = ska_matrix(
        before, after, residents, scales, rules=rules, language=language, transit=transit,
        area_names=names,
    )  # fmt: skip
    details = matrix.indicators.copy()
    for column in ("mode", "day_type", "hour"):
        if column not in details.columns:
            details[column] = "walk" if column == "mode" else None
    keys = ["scale", "perspective", "indicator", "day_type", "hour"]
    inventory = (
        details[[*keys, "people", "before"]]
        .rename(columns={"before": "today"})
        .drop_duplicates(keys)
        .reset_index(drop=True)
    )
    measures = pd.DataFrame(
        [
            {"kind": kind, "name": name}
            for kind, names in entry_names(comparison.scenario).items()
            for name in names
        ],
        columns=["kind", "name"],
    )
    changed = details[details["verdict"] != "0"] if not details.empty else details
    follow_up = (
        changed[
            [
                "aspect",
                "scale",
                "perspective",
                "indicator",
                "day_type",
                "hour",
                "before",
                "after",
                "verdict",
            ]
        ].reset_index(drop=True)
        if not changed.empty
        else pd.DataFrame(columns=["aspect", "scale", "perspective", "indicator"])
    )
    scenario = comparison.scenario
    level = complexity_level(
        dwellings=sum(h.dwellings for h in scenario.homes),
        removed_dwellings=sum(h.dwellings for h in scenario.removed_homes),
        street_changes=len(scenario.links) + len(scenario.closures),
        transit_changes=len(scenario.transit_lines) + len(scenario.headway_changes),
    )
    return SKAAssessment(
        inventory=inventory,
        measures=measures,
        matrix=matrix,
        follow_up=follow_up,
        complexity=level,
    )
