"""Place residents on street network nodes: the origins of every accessibility computation.

Each area's population (the total and every group) is spread over network nodes:

* ``buildings``: over the residential buildings inside the area, weighted by floor area
  (footprint area x number of storeys; a building with unknown or non-positive ``levels``
  counts ``default_levels`` storeys, 1 by default). Each building's people go to the building's
  nearest node (``scipy.spatial.cKDTree``). An area without residential buildings falls back to
  ``nodes``.
* ``nodes``: evenly over the network nodes inside the area.
* ``nearest_node`` (fallback only): an area with no node inside puts everyone on the node nearest
  to its representative point, and a warning says so.
* ``cells``: each population cell (a point) puts its people on its nearest node; ``area_id`` is
  the cell id.

Whole people are conserved exactly per area and per group: fractional shares are turned into
integers with the **largest remainder (Hamilton) method** [1]_. Each item ``i`` of an area with
``N`` people and weights ``w`` gets its quota ``q_i = N w_i / sum(w)``, first ``floor(q_i)``;
the ``N - sum(floor(q))`` people left go one each to the items with the largest remainders
``q_i - floor(q_i)`` (ties: first item first). Every item so gets ``floor(q_i)`` or
``ceil(q_i)`` people, and the sum is ``N`` exactly. Each group is then split the same way over
the items with the residents each item received as weights, so a group never exceeds the total
on any item or node (its quota ``G n_i / N`` is at most the whole number ``n_i``), and its sum per
area is exact too.

References
----------
.. [1] Balinski, M. L. & Young, H. P. (2001). *Fair Representation: Meeting the Ideal of One
   Man, One Vote* (2nd ed.). Brookings Institution Press. (Hamilton's method, ch. 2.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from jamlik.errors import (
    DataError,
    EmptyNetworkError,
    MissingColumnError,
    NegativeValueError,
    UnknownIdError,
)
from jamlik.i18n import format_number, t

__all__ = ["PlacementMethod", "Residents", "apportion", "place_population"]

logger = logging.getLogger(__name__)

PlacementMethod = Literal["auto", "buildings", "nodes", "cells"]


@dataclass(frozen=True)
class Residents:
    """Residents placed on network nodes.

    Attributes
    ----------
    table
        One row per (node, area) pair with residents: ``node`` (network node number),
        ``area_id``, ``pop_total``, one integer column per group, and ``snap_distance_m``, the
        population-weighted mean distance from the buildings / cell points / area point to the
        node (0 for people spread over the nodes themselves).
    groups
        Group column names.
    method_by_area
        How each area was placed: ``buildings``, ``nodes``, ``nearest_node`` or ``cells``.
    warnings
        Human-readable notes (areas without nodes, dropped buildings).
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    method_by_area: pd.Series
    warnings: tuple[str, ...]

    def per_node(self) -> pd.DataFrame:
        """Return residents summed per node: index ``node``, ``pop_total`` and the groups."""
        columns = ["pop_total", *self.groups]
        return self.table.groupby("node")[columns].sum()


def apportion(
    totals: NDArray[np.integer], item_group: NDArray[np.integer], weights: NDArray[np.floating]
) -> NDArray[np.int64]:
    """Split whole counts over weighted items with the largest remainder (Hamilton) method.

    Parameters
    ----------
    totals
        Whole, non-negative count per group (length ``n_groups``).
    item_group
        Group number (``0 .. n_groups-1``) of each item.
    weights
        Non-negative weight of each item; a group whose weights sum to 0 is split evenly.

    Returns
    -------
    numpy.ndarray
        Integer count per item: ``floor(q_i)`` or ``ceil(q_i)`` with ``q_i = N w_i / sum(w)``,
        summing to ``totals`` exactly per group.

    Raises
    ------
    DataError
        If a group with a positive total has no item.
    """
    totals = np.asarray(totals, dtype=np.int64)
    groups = np.asarray(item_group, dtype=np.intp)
    w = np.asarray(weights, dtype=np.float64)
    n_groups = totals.shape[0]
    count = np.bincount(groups, minlength=n_groups)
    if np.any((count == 0) & (totals > 0)):
        raise DataError(t("networks.group_without_items"))
    wsum = np.bincount(groups, weights=w, minlength=n_groups)
    even = wsum[groups] <= 0
    w = np.where(even, 1.0, w)
    wsum = np.bincount(groups, weights=w, minlength=n_groups)
    quota = totals[groups] * (w / wsum[groups])
    base = np.floor(quota)
    remainder = quota - base
    base_int = base.astype(np.int64)
    left = totals - np.bincount(groups, weights=base, minlength=n_groups).round().astype(np.int64)
    order = np.lexsort((np.arange(groups.size), -remainder, groups))
    sorted_groups = groups[order]
    rank = np.arange(groups.size) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    extra = np.zeros(groups.size, dtype=np.int64)
    extra[order] = rank < left[sorted_groups]
    return base_int + extra


def _counts(population: pd.DataFrame, columns: Sequence[str]) -> NDArray[np.int64]:
    values = population[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            t("networks.population_not_number", index=population.index[row], columns=columns[col])
        )
    if (values < 0).any():
        row, col = np.argwhere(values < 0)[0]
        raise NegativeValueError(
            t(
                "networks.population_negative",
                index=population.index[row],
                columns=columns[col],
                values=f"{values[row, col]:g}",
            )
        )
    return np.rint(values).astype(np.int64)


def _node_tree(node_x: NDArray[np.floating], node_y: NDArray[np.floating]) -> cKDTree:
    x = np.asarray(node_x, dtype=float)
    y = np.asarray(node_y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise DataError(t("networks.node_xy_shape", shape=x.shape, shape2=y.shape))
    if x.size == 0:
        raise EmptyNetworkError(t("networks.no_nodes"))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise DataError(t("networks.node_not_finite"))
    return cKDTree(np.column_stack([x, y]))


def place_population(
    *,
    node_x: NDArray[np.floating],
    node_y: NDArray[np.floating],
    areas: gpd.GeoDataFrame | None = None,
    population: pd.DataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    cells: pd.DataFrame | None = None,
    method: PlacementMethod = "auto",
    groups: Sequence[str] | None = None,
    default_levels: float = 1.0,
) -> Residents:
    """Place each area's residents (total and groups) on the street network nodes.

    Parameters
    ----------
    node_x, node_y
        Node coordinates in the pack CRS (metres); node ``i`` is network node number ``i``.
    areas
        Area polygons, index = area id (pack CRS). Needed unless ``method`` is ``cells``.
    population
        Residents per area for one year: index = area id, column ``pop_total`` and the groups.
        Values are rounded to whole people. Areas without a row get nobody.
    buildings
        Building polygons with ``levels`` (storeys, may be missing) and ``residential`` (bool).
    cells
        Population cells as points: ``id``, ``x``, ``y`` (pack CRS), ``pop_total`` + groups.
    method
        ``auto`` (cells if given, else buildings if given, else nodes), ``buildings``, ``nodes``
        or ``cells``.
    groups
        Group columns to place; default every column of ``population`` (or ``cells``) other than
        ``pop_total`` (and ``id``, ``x``, ``y`` for cells).
    default_levels
        Storeys assumed for a building without a usable ``levels`` value.

    Returns
    -------
    Residents
        The per-(node, area) table; sums per area and group equal the input exactly.

    Raises
    ------
    MissingColumnError, UnknownIdError, NegativeValueError, DataError, EmptyNetworkError
        On unusable input; the message names the area, column or argument.
    """
    tree = _node_tree(node_x, node_y)
    if method == "auto":
        method = "cells" if cells is not None else "buildings" if buildings is not None else "nodes"
    if method == "cells":
        if cells is None:
            raise DataError(t("networks.cells_needed"))
        return _place_cells(tree, cells, groups)
    if areas is None or population is None:
        raise DataError(t("networks.areas_population_needed", method=method))
    if method == "buildings" and buildings is None:
        raise DataError(t("networks.buildings_needed"))
    if "pop_total" not in population.columns:
        have = ", ".join(map(str, population.columns))
        raise MissingColumnError(t("networks.population_no_total", have=have))
    names = (
        tuple(groups)
        if groups is not None
        else tuple(str(c) for c in population.columns if c != "pop_total")
    )
    missing = [g for g in names if g not in population.columns]
    if missing:
        raise MissingColumnError(t("networks.population_no_groups", missing=missing))
    unknown = population.index.difference(areas.index)
    if len(unknown):
        raise UnknownIdError(
            t("networks.population_unknown_areas", items=", ".join(map(str, unknown[:8])))
        )
    if population.index.has_duplicates:
        raise DataError(t("networks.population_repeated_area"))
    columns = ["pop_total", *names]
    counts = np.zeros((len(areas), len(columns)), dtype=np.int64)
    rows = areas.index.get_indexer(population.index)
    counts[rows] = _counts(population, columns)
    over = np.argwhere(counts[:, 1:] > counts[:, :1])
    if over.size:
        row, col = over[0]
        raise DataError(
            t(
                "networks.group_above_total",
                index=areas.index[row],
                names=names[col],
                counts=counts[row, col + 1],
                counts2=counts[row, 0],
            )
        )
    return _place_areas(
        tree,
        areas=areas,
        counts=counts,
        columns=columns,
        buildings=buildings if method == "buildings" else None,
        default_levels=default_levels,
    )


def _building_items(
    tree: cKDTree, areas: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, default_levels: float
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    for column in ("levels", "residential"):
        if column not in buildings.columns:
            raise MissingColumnError(t("networks.buildings_no_column", column=column))
    if buildings.crs is not None and areas.crs is not None and buildings.crs != areas.crs:
        buildings = buildings.to_crs(areas.crs)
    homes = buildings.loc[buildings["residential"].fillna(False).astype(bool).to_numpy()]
    geometry = homes.geometry.to_numpy()
    keep = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    geometry = geometry[keep]
    levels = pd.to_numeric(homes["levels"], errors="coerce").to_numpy(float)[keep]
    levels = np.where(np.isfinite(levels) & (levels > 0), levels, default_levels)
    weight = shapely.area(geometry) * levels
    points = shapely.point_on_surface(geometry)
    pairs = areas.sindex.query(points, predicate="intersects")
    first = np.unique(pairs[0], return_index=True)[1]  # a point on a shared edge: first area
    building, area = pairs[0][first], pairs[1][first]
    distance, node = tree.query(shapely.get_coordinates(points[building]))
    return area, node.astype(np.intp), weight[building], distance


def _place_areas(
    tree: cKDTree,
    *,
    areas: gpd.GeoDataFrame,
    counts: NDArray[np.int64],
    columns: list[str],
    buildings: gpd.GeoDataFrame | None,
    default_levels: float,
) -> Residents:
    n_areas = len(areas)
    method = np.full(n_areas, "nodes", dtype=object)
    warnings: list[str] = []
    parts_area, parts_node, parts_weight, parts_dist = [], [], [], []
    covered = np.zeros(n_areas, dtype=bool)
    if buildings is not None:
        area, node, weight, dist = _building_items(tree, areas, buildings, default_levels)
        has = np.bincount(area, minlength=n_areas) > 0
        covered |= has
        method[has] = "buildings"
        parts_area.append(area)
        parts_node.append(node)
        parts_weight.append(weight)
        parts_dist.append(dist)
    nodes = shapely.points(tree.data)
    pairs = areas.sindex.query(nodes, predicate="intersects")
    first = np.unique(pairs[0], return_index=True)[1]
    node_ids, node_area = pairs[0][first], pairs[1][first]
    use = ~covered[node_area]
    parts_area.append(node_area[use])
    parts_node.append(node_ids[use].astype(np.intp))
    parts_weight.append(np.ones(int(use.sum())))
    parts_dist.append(np.zeros(int(use.sum())))
    covered |= np.bincount(node_area, minlength=n_areas) > 0
    lonely = np.flatnonzero(~covered)
    if lonely.size:
        points = shapely.get_coordinates(areas.geometry.iloc[lonely].representative_point())
        dist, node = tree.query(points)
        method[lonely] = "nearest_node"
        parts_area.append(lonely)
        parts_node.append(node.astype(np.intp))
        parts_weight.append(np.ones(lonely.size))
        parts_dist.append(dist)
        for i, d in zip(lonely, dist, strict=True):
            if counts[i, 0] > 0:
                warnings.append(
                    t(
                        "networks.area_without_node",
                        area=areas.index[i],
                        n=format_number(counts[i, 0]),
                        distance=f"{d:.0f}",
                    )
                )
    item_area = np.concatenate(parts_area)
    item_node = np.concatenate(parts_node)
    item_weight = np.concatenate(parts_weight)
    item_dist = np.concatenate(parts_dist)
    placed_total = apportion(counts[:, 0], item_area, item_weight)
    share = placed_total.astype(np.float64)
    placed = np.column_stack(
        [placed_total] + [apportion(counts[:, j], item_area, share) for j in range(1, len(columns))]
    )
    table = _aggregate(
        area_ids=areas.index.to_numpy()[item_area],
        nodes=item_node,
        counts=placed,
        distance=item_dist,
        columns=columns,
    )
    for message in warnings:
        logger.warning("%s", message)
    return Residents(
        table=table,
        groups=tuple(columns[1:]),
        method_by_area=pd.Series(method, index=areas.index, name="method"),
        warnings=tuple(warnings),
    )


def _aggregate(
    *,
    area_ids: NDArray[np.object_],
    nodes: NDArray[np.intp],
    counts: NDArray[np.int64],
    distance: NDArray[np.float64],
    columns: list[str],
) -> pd.DataFrame:
    frame = pd.DataFrame(counts, columns=columns)
    frame.insert(0, "area_id", area_ids)
    frame.insert(0, "node", nodes.astype(np.int64))
    frame = frame.loc[counts.any(axis=1)]
    frame["_weighted"] = distance[frame.index] * frame["pop_total"]
    frame["_plain"] = distance[frame.index]
    frame["_n"] = 1
    out = frame.groupby(["node", "area_id"], sort=True).sum().reset_index()
    mean = np.divide(
        out["_weighted"], out["pop_total"], out=np.zeros(len(out)), where=out["pop_total"] > 0
    )
    plain = out["_plain"] / out["_n"]
    out["snap_distance_m"] = np.where(out["pop_total"] > 0, mean, plain)
    return out.drop(columns=["_weighted", "_plain", "_n"]).reset_index(drop=True)


def _place_cells(tree: cKDTree, cells: pd.DataFrame, groups: Sequence[str] | None) -> Residents:
    for column in ("x", "y", "pop_total"):
        if column not in cells.columns:
            raise MissingColumnError(t("networks.cells_no_column", column=column))
    names = (
        tuple(groups)
        if groups is not None
        else tuple(str(c) for c in cells.columns if c not in {"id", "x", "y", "pop_total"})
    )
    columns = ["pop_total", *names]
    ids = cells["id"].astype(str) if "id" in cells.columns else pd.Series(cells.index.astype(str))
    if ids.duplicated().any():
        raise DataError(
            t("networks.cells_repeated", items=", ".join(ids[ids.duplicated()].head(8)))
        )
    frame = pd.DataFrame(cells[columns].to_numpy(), index=ids.to_numpy(), columns=columns)
    counts = _counts(frame, columns)
    xy = cells[["x", "y"]].to_numpy(float)
    if not np.isfinite(xy).all():
        raise DataError(t("networks.cells_not_finite"))
    distance, node = tree.query(xy)
    table = _aggregate(
        area_ids=ids.to_numpy(dtype=object),
        nodes=node.astype(np.intp),
        counts=counts,
        distance=distance,
        columns=columns,
    )
    return Residents(
        table=table,
        groups=names,
        method_by_area=pd.Series("cells", index=pd.Index(ids.to_numpy(), name="area_id")),
        warnings=(),
    )
