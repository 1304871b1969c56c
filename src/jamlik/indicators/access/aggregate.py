"""Access indicators aggregated from origins to areas and population groups.

The engine gives one value per origin (a street-network node): travel time to the nearest
opportunities, counts within cut-offs, decayed sums. People live at origins in known numbers per
group (:class:`jamlik.networks.origins.Residents`). An area's value for a group is the
**population-weighted mean** over the origins where that group lives:

    mean(a, g) = sum_i p(i, g) * x(i) / sum_i p(i, g)      over the origins i in area a

For travel times to the nearest opportunity, origins with *no access* (nothing reachable within
the search limit) have no time at all; they are never counted as 0 minutes. The mean is taken over
the people who have access, and the share without access is reported beside it:

    no_access_share(a, g) = sum_{i: no access} p(i, g) / sum_i p(i, g)

Counts and decayed sums are 0 where nothing is reachable, so their mean covers everyone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from jamlik.errors import DataError, MissingColumnError
from jamlik.i18n import format_number, t

__all__ = ["ALL_AREAS", "aggregate_access", "is_time_indicator", "share_within"]

ALL_AREAS = "*"


def is_time_indicator(column: str) -> bool:
    """Return True for travel-time columns (nearest-k), where NaN means no access."""
    return "_nearest_" in column


def aggregate_access(
    per_origin: pd.DataFrame,
    residents: pd.DataFrame,
    *,
    groups: Sequence[str] = ("pop_total",),
    area_column: str = "area_id",
    node_column: str = "node",
) -> pd.DataFrame:
    """Aggregate per-origin indicators to areas and population groups.

    Parameters
    ----------
    per_origin
        One row per origin node (index = node number), one column per indicator. Travel-time
        columns (``*_nearest_*``) are NaN where there is no access.
    residents
        Rows ``(node, area_id, <group counts>)``; a node may appear once per area.
    groups
        Group columns of ``residents`` to weight by (``pop_total`` is everyone).
    area_column, node_column
        Column names in ``residents``.

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``area_id, group, indicator, value, population,
        no_access_share``; ``area_id == "*"`` holds the whole study area. ``no_access_share``
        is filled for travel-time indicators only.

    Raises
    ------
    MissingColumnError
        If a group or the node/area column is missing.
    DataError
        If a resident node has no row in ``per_origin``.
    """
    for column in (node_column, area_column, *groups):
        if column not in residents.columns:
            raise MissingColumnError(t("access.residents_no_column", column=column))
    nodes = residents[node_column].to_numpy()
    unknown = ~np.isin(nodes, per_origin.index.to_numpy())
    if unknown.any():
        raise DataError(
            t(
                "access.residents_without_result",
                unknown=format_number(int(unknown.sum())),
                nodes=nodes[unknown][0],
            )
        )
    values = per_origin.loc[nodes].to_numpy(dtype=np.float64)
    indicators = list(per_origin.columns)
    reachable = ~np.isnan(values)
    filled = np.where(reachable, values, 0.0)
    areas = residents[area_column].astype(str).to_numpy()

    frames = []
    for group in groups:
        weight = residents[group].to_numpy(dtype=np.float64)
        parts = {
            "num": filled * weight[:, None],
            "den_reach": reachable * weight[:, None],
        }
        by_area = {
            key: pd.DataFrame(arr, columns=indicators).groupby(areas, sort=True).sum()
            for key, arr in parts.items()
        }
        population = pd.Series(weight).groupby(areas, sort=True).sum()
        for key in by_area:
            by_area[key].loc[ALL_AREAS] = by_area[key].sum()
        population.loc[ALL_AREAS] = population.sum()
        num, den_reach = by_area["num"], by_area["den_reach"]
        is_time = np.array([is_time_indicator(c) for c in indicators])
        pop = population.to_numpy()[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(is_time, num / den_reach, num / pop)
            no_access = np.where(is_time, 1.0 - den_reach / pop, np.nan)
        mean = np.where(pop > 0, mean, np.nan)
        no_access = np.where(pop > 0, no_access, np.nan)
        long = pd.DataFrame(
            {
                "area_id": np.repeat(num.index.to_numpy(), len(indicators)),
                "group": group,
                "indicator": np.tile(indicators, len(num.index)),
                "value": np.asarray(mean).ravel(),
                "population": np.repeat(population.to_numpy(), len(indicators)),
                "no_access_share": np.asarray(no_access).ravel(),
            }
        )
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def share_within(
    origins: pd.DataFrame,
    *,
    columns: Sequence[str],
    threshold: float,
    groups: Sequence[str] = ("pop_total",),
) -> pd.DataFrame:
    """Share of each group whose travel time in ``columns`` is at most ``threshold``.

    People without access (NaN time) count as not within the threshold.

    Parameters
    ----------
    origins
        One row per origin with group counts and travel-time columns.
    columns
        Travel-time columns (e.g. ``school_nearest_1_min_child``).
    threshold
        The standard, in the unit of the columns (e.g. 15 minutes).
    groups
        Group count columns.

    Returns
    -------
    pandas.DataFrame
        Index ``columns``, one column per group: ``sum(p_g * [t <= T]) / sum(p_g)``.
    """
    missing = [c for c in (*columns, *groups) if c not in origins.columns]
    if missing:
        raise MissingColumnError(t("access.origins_no_columns", missing=missing))
    within = (origins[list(columns)].to_numpy(dtype=np.float64) <= threshold).astype(np.float64)
    weights = origins[list(groups)].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (within.T @ weights) / weights.sum(axis=0)
    return pd.DataFrame(share, index=list(columns), columns=list(groups))
