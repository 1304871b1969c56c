"""Apply a scenario to the inputs of a run: streets, residents and opportunities.

Rules the changes follow
------------------------
* **Links** join the street nodes nearest their ends (at most 50 m away) with a piece as long as
  the line (:func:`jamlik.networks.edit.with_links`), in both directions, for each mode listed.
* **Closures** drop every street piece of the listed OSM ways, or every piece that intersects
  the polygon, for every mode.
* **New homes** house ``dwellings × persons_per_dwelling`` residents (rounded), with
  ``persons_per_dwelling`` from the entry, else the area's own ``pop_total / dwellings_total``
  when the statistics have dwellings, else :data:`DEFAULT_PERSONS_PER_DWELLING`. Groups follow
  the area's own shares (``group / pop_total`` of the area the homes lie in); counts are whole
  people (largest remainder). A point houses them at its nearest street node, a polygon spreads
  them evenly over the nodes inside it (its nearest node when none is inside).
* **Removed homes** displace ``dwellings × persons_per_dwelling`` residents from the nodes they
  stand on (the nearest node of a point, the nodes inside a polygon), by the groups living there,
  never more than live there (today's residents only: removals come before new homes); the
  displaced are reported by group, and the residents who stay are kept apart, so that winners
  and losers count only people who live there both today and with the plan.
* **New services** are opportunities of their category with their weight (a polygon is reached
  at its edge, as parks are); **closed services** drop the pack's opportunities of that category
  with the listed OSM ids, or within ``radius_m`` of the point.

Node numbers never change, so a scenario's per-node results line up with today's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.ingest import Pack
from jamlik.ingest.scenario import (
    ClosedServices,
    Homes,
    Link,
    RemovedHomes,
    Scenario,
    Service,
    StreetClosure,
    entry_geometry,
)
from jamlik.networks import StreetNetwork
from jamlik.networks.edit import NewLink, close_streets, with_links
from jamlik.networks.origins import apportion

__all__ = [
    "DEFAULT_PERSONS_PER_DWELLING",
    "PlacedScenario",
    "edit_opportunities",
    "edit_residents",
    "edit_streets",
    "place_scenario",
]

#: Persons per dwelling when neither the entry nor the area's statistics give it: the mean
#: household size in Sweden, about 2.2 (SCB, Hushållens sammansättning, 2023).
DEFAULT_PERSONS_PER_DWELLING = 2.2


@dataclass(frozen=True)
class PlacedScenario:
    """A scenario with every geometry in the pack's CRS."""

    scenario: Scenario
    crs: str
    homes: list[tuple[Homes, shapely.Geometry]] = field(default_factory=list)
    removed_homes: list[tuple[RemovedHomes, shapely.Geometry]] = field(default_factory=list)
    services: list[tuple[Service, shapely.Geometry]] = field(default_factory=list)
    closed_services: list[tuple[ClosedServices, shapely.Geometry | None]] = field(
        default_factory=list
    )
    links: list[tuple[Link, shapely.LineString]] = field(default_factory=list)
    closures: list[tuple[StreetClosure, shapely.Geometry | None]] = field(default_factory=list)

    @property
    def changes_streets(self) -> bool:
        """Whether the scenario adds or closes streets."""
        return bool(self.links or self.closures)


def place_scenario(scenario: Scenario, pack: Pack | str) -> PlacedScenario:
    """Transform every geometry of ``scenario`` to the pack's CRS (or a CRS given by name)."""
    crs = pack if isinstance(pack, str) else pack.crs.to_string()

    def geom(entry: object) -> shapely.Geometry:
        return entry_geometry(scenario, entry, crs=crs)  # type: ignore[arg-type]

    return PlacedScenario(
        scenario=scenario,
        crs=crs,
        homes=[(h, geom(h)) for h in scenario.homes],
        removed_homes=[(h, geom(h)) for h in scenario.removed_homes],
        services=[(s, geom(s)) for s in scenario.services],
        closed_services=[
            (c, None if c.point is None else geom(c)) for c in scenario.closed_services
        ],
        links=[(link, geom(link)) for link in scenario.links],
        closures=[(c, None if c.polygon is None else geom(c)) for c in scenario.closures],
    )


def edit_streets(network: StreetNetwork, placed: PlacedScenario) -> StreetNetwork:
    """Return ``network`` with the scenario's closures and links of its mode."""
    closed = np.zeros(network.n_streets, dtype=bool)
    for closure, polygon in placed.closures:
        if closure.osm_way_ids is not None:
            closed |= np.isin(network.street_osm_way_id, closure.osm_way_ids)
        if polygon is not None:
            closed |= shapely.intersects(network.street_geometry, polygon)
    edited = close_streets(network, closed)
    links = [NewLink(link.name, line) for link, line in placed.links if network.mode in link.modes]
    return with_links(edited, links)


def edit_opportunities(frame: gpd.GeoDataFrame, placed: PlacedScenario) -> gpd.GeoDataFrame:
    """Return the opportunities with the scenario's closed services dropped and new ones added.

    ``frame`` has ``category``, ``weight``, ``source`` and a geometry (optionally ``osm_id``);
    new rows get ``source = "scenario"``.
    """
    keep = np.ones(len(frame), dtype=bool)
    category = frame["category"].to_numpy()
    for closed, point in placed.closed_services:
        same = category == closed.category
        if closed.osm_ids is not None:
            if "osm_id" not in frame:
                raise DataError(t("runs.closed_service_no_osm_ids", name=closed.name))
            keep &= ~(same & frame["osm_id"].isin(closed.osm_ids).to_numpy())
        if point is not None:
            near = frame.geometry.distance(point).to_numpy() <= closed.radius_m
            keep &= ~(same & near)
    rows = pd.DataFrame(
        {
            "category": [s.category for s, _ in placed.services],
            "weight": [s.weight for s, _ in placed.services],
            "source": "scenario",
            "name": [s.name for s, _ in placed.services],
        }
    )
    added = gpd.GeoDataFrame(rows, geometry=[g for _, g in placed.services], crs=frame.crs)
    kept = frame.loc[keep]
    if added.empty:
        return kept.reset_index(drop=True)
    return gpd.GeoDataFrame(
        pd.concat([kept, added], ignore_index=True), geometry="geometry", crs=frame.crs
    )


def _entry_nodes(
    network: StreetNetwork, nodes: np.ndarray, geometry: shapely.Geometry
) -> np.ndarray:
    """Nodes (among ``nodes``) the homes stand on: inside a polygon, else the nearest one."""
    x, y = network.node_x[nodes], network.node_y[nodes]
    if isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
        inside = shapely.contains_xy(geometry, x, y)
        if inside.any():
            return nodes[inside]
        geometry = shapely.point_on_surface(geometry)
    nearest = int(np.argmin(np.hypot(x - geometry.x, y - geometry.y)))
    return nodes[nearest : nearest + 1]


def _area_of(pack: Pack, geometry: shapely.Geometry, area_id: str | None) -> str | None:
    if area_id is not None:
        return area_id
    if not pack.has_areas:
        return None
    areas = pack.areas()
    hits = areas.index[areas.geometry.intersects(shapely.point_on_surface(geometry))]
    return str(hits[0]) if len(hits) else None


def _persons_per_dwelling(pack: Pack, area: str | None, year: int | None) -> float:
    if area is None or not pack.has_areas:
        return DEFAULT_PERSONS_PER_DWELLING
    stats = pack.statistics()
    if "dwellings_total" not in stats or "pop_total" not in stats:
        return DEFAULT_PERSONS_PER_DWELLING
    rows = stats.loc[stats["area_id"].astype(str) == area]
    if year is not None and "year" in rows:
        rows = rows.loc[rows["year"] == year]
    dwellings = float(rows["dwellings_total"].sum())
    people = float(rows["pop_total"].sum())
    return people / dwellings if dwellings > 0 and people > 0 else DEFAULT_PERSONS_PER_DWELLING


def _group_shares(
    pack: Pack, area: str | None, groups: tuple[str, ...], year: int | None
) -> np.ndarray:
    if area is None or not pack.has_areas or not groups:
        return np.zeros(len(groups))
    population = pack.population(year)
    if area not in population.index or population.loc[area, "pop_total"] <= 0:
        return np.zeros(len(groups))
    row = population.loc[area]
    return np.array([float(row[g]) / float(row["pop_total"]) for g in groups])


def edit_residents(
    table: pd.DataFrame,
    *,
    groups: tuple[str, ...],
    network: StreetNetwork,
    nodes: np.ndarray,
    placed: PlacedScenario,
    pack: Pack,
    year: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Return residents with removed homes' residents taken and the new homes' added.

    Parameters
    ----------
    table
        Residents as :class:`~jamlik.networks.origins.Residents` ``table``.
    groups
        Group columns of ``table``.
    network, nodes
        The walk network and the nodes that may receive residents.

    Returns
    -------
    table, staying, changes, notes
        The new table; today's residents who stay (removals only: the people whose change
        in access is theirs); one row per entry: ``entry``, ``kind`` (``homes``/``removed_homes``),
        ``area_id``, ``pop_total`` and the groups (added or displaced residents); notes.
    """
    columns = ["pop_total", *groups]
    out = table.copy()
    changes: list[dict[str, object]] = []
    notes: list[str] = []
    for removed, geometry in placed.removed_homes:
        area = _area_of(pack, geometry, removed.area_id)
        ppd = _persons_per_dwelling(pack, area, year)
        wanted = int(round(removed.dwellings * ppd))
        targets = _entry_nodes(network, nodes, geometry)
        here = out["node"].isin(targets).to_numpy()
        living = float(out.loc[here, "pop_total"].sum())
        share = min(1.0, wanted / living) if living > 0 else 0.0
        taken = np.rint(out.loc[here, columns].to_numpy(dtype=np.float64) * share).astype(np.int64)
        out.loc[here, columns] = out.loc[here, columns].to_numpy() - taken
        displaced = taken.sum(axis=0)
        changes.append(
            {
                "entry": removed.name,
                "kind": "removed_homes",
                "area_id": area,
                **dict(zip(columns, displaced.tolist(), strict=True)),
            }
        )
        if living < wanted:
            notes.append(
                t(
                    "scenario.note_fewer_displaced",
                    name=removed.name,
                    wanted=wanted,
                    living=int(living),
                )
            )
    staying = out.loc[out["pop_total"] > 0].reset_index(drop=True)
    for homes, geometry in placed.homes:
        area = _area_of(pack, geometry, homes.area_id)
        ppd = homes.persons_per_dwelling or _persons_per_dwelling(pack, area, year)
        total = int(round(homes.dwellings * ppd))
        counts = np.rint(_group_shares(pack, area, groups, year) * total).astype(np.int64)
        targets = _entry_nodes(network, nodes, geometry)
        whole = np.concatenate([[total], counts])
        spread = np.column_stack(
            [
                apportion(
                    np.array([c]), np.zeros(targets.size, dtype=np.int64), np.ones(targets.size)
                )
                for c in whole
            ]
        )
        added = pd.DataFrame(spread, columns=columns)
        added.insert(0, "node", targets)
        added.insert(1, "area_id", area if area is not None else "*")
        added["snap_distance_m"] = 0.0
        out = pd.concat([out, added[added["pop_total"] > 0]], ignore_index=True)
        changes.append(
            {
                "entry": homes.name,
                "kind": "homes",
                "area_id": area,
                **dict(zip(columns, whole.tolist(), strict=True)),
            }
        )
        if homes.persons_per_dwelling is None and area is None:
            notes.append(t("scenario.note_default_ppd", name=homes.name, ppd=f"{ppd:g}"))
    out = out.loc[out["pop_total"] > 0].reset_index(drop=True)
    frame = pd.DataFrame(changes, columns=["entry", "kind", "area_id", *columns])
    return out, staying, frame, notes
