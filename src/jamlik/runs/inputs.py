"""Inputs shared by every pack-wide analysis: residents on the network, opportunities as seeds.

Access, cohesion, SDG 11.2.1 and transit access all start the same way: the pack's residents are
placed on street-network nodes, and destinations (points or polygons) become search seeds. The
rules live here once:

* **Residents** come from areas + statistics (on residential buildings by floor area when the
  method allows, else spread over the nodes), or from population cells, by
  :func:`jamlik.networks.place_population`; numbers are whole people, conserved per area.
* **Point destinations** are snapped to the nearest usable street; the search reaches them along
  the street and then walks the straight leg from the street to the door at the profile's speed.
  **Polygons** (parks) are reached at their edge. A destination farther than ``max_snap_m`` from
  any usable street has no seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.config import TravelProfile
from jamlik.errors import DataError, JamlikError, UnknownIdError, about_parameter
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import ALL_AREAS
from jamlik.indicators.vulnerability.index import vulnerability_index
from jamlik.ingest import OSMData, Pack, extract_buildings, read_osm
from jamlik.networks import (
    Graph,
    Residents,
    Seeds,
    StreetNetwork,
    area_seeds,
    place_population,
    point_seeds,
    snap_points,
)

__all__ = ["destination_seeds", "pack_residents", "profile_groups", "vulnerable_areas"]

FloatArray = npt.NDArray[np.float64]


def pack_residents(
    pack: Pack,
    network: StreetNetwork,
    nodes: npt.NDArray[np.int64],
    *,
    osm: OSMData | None = None,
    year: int | None = None,
    if_missing: Literal["uniform", "none", "error"] = "uniform",
) -> Residents | None:
    """Place the pack's residents on ``nodes`` of ``network`` (network node numbers).

    Parameters
    ----------
    pack
        The data pack.
    network
        Street network whose nodes receive the residents.
    nodes
        Network node numbers that may receive residents (e.g. ``graph.node_index``).
    osm
        The pack's OSM data, for residential buildings (read when needed and not given).
    year
        Statistics year (default: the pack's population year).
    if_missing
        Without population data: ``"uniform"`` gives every node a weight of 1 (and says so in
        ``warnings``), ``"none"`` returns None, ``"error"`` raises.

    Returns
    -------
    Residents or None
        ``table.node`` holds network node numbers.
    """
    x, y = network.node_x[nodes], network.node_y[nodes]
    cells = pack.cells()
    method = pack.config.population.method
    if pack.has_areas and not pack.statistics().empty:
        buildings = None
        if method in ("auto", "buildings") and pack.osm_path is not None:
            data = osm if osm is not None else read_osm(pack.osm_path)
            buildings = extract_buildings(data, crs=pack.crs.to_string())
        placed = place_population(
            node_x=x,
            node_y=y,
            areas=pack.areas(),
            population=pack.population(year),
            buildings=buildings,
            method=method,
        )
    elif cells is not None:
        placed = place_population(node_x=x, node_y=y, cells=cells, method="cells")
    elif if_missing == "none":
        return None
    elif if_missing == "error":
        raise DataError(t("runs.no_population", name=pack.name))
    else:
        table = pd.DataFrame(
            {
                "node": np.arange(nodes.size),
                "area_id": ALL_AREAS,
                "pop_total": 1,
                "snap_distance_m": 0.0,
            }
        )
        placed = Residents(table, (), pd.Series(dtype=object), (t("access.note_no_population"),))
    table = placed.table.copy()
    table["node"] = nodes[table["node"].to_numpy()]
    return Residents(table, placed.groups, placed.method_by_area, placed.warnings)


def population_known(residents: Residents) -> bool:
    """Return whether ``residents`` are people.

    ``False`` when a pack without population put weight 1 on every street node
    (see :func:`pack_residents`).
    """
    table = residents.table
    return not (
        residents.method_by_area.empty
        and not residents.groups
        and (table["area_id"] == ALL_AREAS).all()
        and (table["pop_total"] == 1).all()
        and (table["snap_distance_m"] == 0).all()
    )


def profile_groups(
    profiles: Sequence[TravelProfile], groups: Sequence[str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Return the residents each profile stands for, and notes where a pack lacks them.

    A profile with ``population_groups`` (``child``: ``age_6_15`` or SCB's ``age_0_14``,
    ``senior``: ``age_65_plus``) is weighted by the first of its groups the pack's statistics
    have, so that "seniors' access" is the access of the older residents at the senior speed.
    Without any of them the profile falls back to everyone (``pop_total``) at its speed, and a
    note says so.

    Parameters
    ----------
    profiles
        The run's travel profiles.
    groups
        The population group columns the residents carry.

    Returns
    -------
    (dict, tuple)
        ``{profile name: group column}`` and the notes (one per profile without its group).
    """
    mapping: dict[str, str] = {}
    notes: list[str] = []
    for prof in profiles:
        present = [g for g in prof.population_groups if g in groups]
        if not prof.population_groups:
            mapping[prof.name] = "pop_total"
        elif present:
            mapping[prof.name] = present[0]
            notes.append(t("approximate.note_profile_group", profile=prof.name, group=present[0]))
        else:
            mapping[prof.name] = "pop_total"
            wanted = " / ".join(prof.population_groups)
            notes.append(t("approximate.note_profile_no_group", profile=prof.name, group=wanted))
    return mapping, tuple(notes)


def destination_seeds(
    network: StreetNetwork,
    graph: Graph,
    destinations: gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    profile: TravelProfile,
    max_snap_m: float = 500.0,
) -> tuple[Seeds, FloatArray]:
    """Seeds towards each destination, one group per row, in row order.

    Returns
    -------
    (Seeds, numpy.ndarray)
        The seeds (an empty group where a destination has no usable street within
        ``max_snap_m``) and the street-to-door distance of point destinations (NaN for polygons
        and unsnapped points).
    """
    geometry = destinations.geometry if hasattr(destinations, "geometry") else destinations
    n = len(geometry)
    is_point = (geometry.geom_type == "Point").to_numpy()
    snap_m = np.full(n, np.nan)
    owners: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
    nodes: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
    costs: list[FloatArray] = [np.zeros(0)]
    points = np.flatnonzero(is_point)
    if points.size:
        geoms = geometry.iloc[points]
        snapped = snap_points(
            network,
            geoms.x.to_numpy(),
            geoms.y.to_numpy(),
            max_distance_m=max_snap_m,
            graph=graph,
            profile=profile,
        )
        ok = snapped.street >= 0
        snap_m[points] = np.where(ok, snapped.snap_distance_m, np.nan)
        part = point_seeds(network, graph, snapped, profile=profile, towards=True)
        owner = np.repeat(np.arange(points.size), np.diff(part.indptr))
        # The last leg, from the street to the door, is travelled too.
        door_s = np.where(ok, snapped.snap_distance_m, 0.0)[owner] / profile.speed_m_s
        owners.append(points[owner])
        nodes.append(part.node.astype(np.int64))
        costs.append(part.cost + door_s)
    polygons = np.flatnonzero(~is_point)
    if polygons.size:
        part = area_seeds(
            network,
            graph,
            geometry.iloc[polygons].to_numpy(),
            profile=profile,
            max_distance_m=max_snap_m,
        )
        owner = np.repeat(np.arange(polygons.size), np.diff(part.indptr))
        owners.append(polygons[owner])
        nodes.append(part.node.astype(np.int64))
        costs.append(part.cost)
    owner_all = np.concatenate(owners)
    order = np.argsort(owner_all, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner_all, minlength=n), out=indptr[1:])
    node = np.concatenate(nodes)[order]
    cost = np.concatenate(costs).astype(np.float64)[order]
    return Seeds(indptr, node, cost), snap_m


def vulnerable_areas(
    pack: Pack,
    *,
    year: int | None = None,
    top_k: int = 3,
    given: Sequence[str] | None = None,
) -> tuple[tuple[str, ...], list[str]]:
    """Return the vulnerable areas: ``given`` (checked), else the ``top_k`` of the index.

    Returns the area ids and notes (e.g. why no index could be computed: then no ids).

    Raises
    ------
    UnknownIdError
        If a given id is not an area of the pack.
    """
    ids = pack.areas().index.astype(str)
    if given is not None:
        unknown = sorted(set(given) - set(ids))
        if unknown:
            message = t(
                "runs.unknown_vulnerable_areas",
                name=pack.name,
                unknown=unknown,
                items=", ".join(list(ids[:3])),
            )
            raise about_parameter("vulnerable_areas", UnknownIdError(message))
        return tuple(given), []
    stats = pack.statistics()
    year = year if year is not None else pack.population_year
    if year is not None and stats["year"].notna().any():
        stats = stats[stats["year"] == year]
    table = stats.set_index(stats["area_id"].astype(str)).drop(columns=["area_id", "year"])
    try:
        result = vulnerability_index(table, source=f"pack {pack.name!r} statistics, {year}")
    except JamlikError as exc:
        return (), [t("cohesion.note_no_vulnerability", error=str(exc))]
    k = min(top_k, len(result.table) - 1)
    return tuple(result.top(k)), []
