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
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, MissingColumnError
from jamlik.i18n import format_number, t
from jamlik.indicators.access._kernels import area_sums

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
    index = per_origin.index
    values = per_origin.to_numpy(dtype=np.float64)  # the frame's own block: no copy
    indicators = list(per_origin.columns)
    if not np.array_equal(nodes, index.to_numpy()):  # else one row per origin, in order
        unknown = ~np.isin(nodes, index.to_numpy())
        if unknown.any():
            raise DataError(
                t(
                    "access.residents_without_result",
                    unknown=format_number(int(unknown.sum())),
                    nodes=nodes[unknown][0],
                )
            )
        where = index.get_indexer(nodes) if index.is_unique else None
        values = (
            values[where] if where is not None else per_origin.loc[nodes].to_numpy(dtype=np.float64)
        )
    codes, labels = pd.factorize(residents[area_column].astype(str).to_numpy(), sort=True)
    # Rows of the areas (sorted, as a groupby) then the whole pack: "*" replaces an area of
    # that name or comes last.
    names = np.asarray(labels, dtype=object)
    whole = int(np.flatnonzero(names == ALL_AREAS)[0]) if ALL_AREAS in set(names) else names.size
    if whole == names.size:
        names = np.append(names, np.array([ALL_AREAS], dtype=object))
    is_time = np.array([is_time_indicator(c) for c in indicators], dtype=bool)
    by_column = bool(values.flags.f_contiguous and not values.flags.c_contiguous)

    frames = []
    for group in groups:
        weight = residents[group].to_numpy(dtype=np.float64)
        num, den_reach = area_sums(values, weight, codes, labels.size, by_column)
        num, den_reach = _with_whole(num, whole), _with_whole(den_reach, whole)
        by_area = np.bincount(codes, weights=weight, minlength=labels.size).astype(np.float64)
        population = _with_whole(by_area, whole)
        pop = population[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(is_time, num / den_reach, num / pop)
            no_access = np.where(is_time, 1.0 - den_reach / pop, np.nan)
        mean = np.where(pop > 0, mean, np.nan)
        no_access = np.where(pop > 0, no_access, np.nan)
        long = pd.DataFrame(
            {
                "area_id": np.repeat(names, len(indicators)),
                "group": group,
                "indicator": np.tile(indicators, names.size),
                "value": np.asarray(mean).ravel(),
                "population": np.repeat(population, len(indicators)),
                "no_access_share": np.asarray(no_access).ravel(),
            }
        )
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def _with_whole(by_area: npt.NDArray[np.float64], whole: int) -> npt.NDArray[np.float64]:
    """Per-area sums with the whole pack's (their sum) at row ``whole`` (replaced or appended)."""
    total = by_area.sum(axis=0)
    if whole == by_area.shape[0]:
        return np.concatenate([by_area, np.asarray(total)[None]])
    out = by_area.copy()
    out[whole] = total
    return out


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
