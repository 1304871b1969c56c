"""Change of access between two states (today and a plan): per area and group, and per person.

Three views of one change, each a pure formula over tables of the access run:

* **Area change** (:func:`area_change`): the population-weighted mean of each indicator per
  area and group in each state (:func:`~jamlik.indicators.access.aggregate.aggregate_access`),
  and ``delta = after - before``. Each state is weighted by its own residents, so new homes
  count in the plan's mean.
* **Winners and losers** (:func:`winners_losers`): the residents living today at each origin,
  classified by their own change. For travel times (``*_nearest_*``) a resident *gains* when the
  time falls by more than ``tolerance_min`` or access appears (no access → access), *loses* when
  it rises by more than ``tolerance_min`` or access disappears; for counts and decayed sums the
  same with ``tolerance_count``. Counted in people per group; residents who move in with the
  plan are not winners or losers of it (they are in the area change).
* **Gap change** (:func:`gap_change`): for two sets of areas (vulnerable and the others) the
  difference of their means, ``gap = mean(vulnerable) - mean(others)``, before and after. For
  travel times a positive gap means the vulnerable areas wait longer; ``narrows`` is true when
  ``|gap|`` shrinks.

Times are minutes, NaN where there is no access (never 0), as in the access run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from jamlik.errors import DataError, MissingColumnError
from jamlik.i18n import format_number, t
from jamlik.indicators.access.aggregate import ALL_AREAS, aggregate_access, is_time_indicator

__all__ = ["area_change", "before_after", "gap_change", "winners_losers"]

KEYS = ["area_id", "group", "indicator"]


def area_change(
    before: pd.DataFrame,
    after: pd.DataFrame,
    residents_before: pd.DataFrame,
    residents_after: pd.DataFrame,
    *,
    groups: Sequence[str] = ("pop_total",),
) -> pd.DataFrame:
    """Mean of each indicator per area and group in both states, and the change.

    Parameters
    ----------
    before, after
        Per-origin indicators of each state (index = node, as for ``aggregate_access``).
    residents_before, residents_after
        Residents of each state: rows ``node, area_id, <groups>``.

    Returns
    -------
    pandas.DataFrame
        ``area_id, group, indicator, before, after, delta, population_before,
        population_after, no_access_before, no_access_after``.
    """
    a = aggregate_access(before, residents_before, groups=groups)
    b = aggregate_access(after, residents_after, groups=groups)
    return before_after(a, b, keys=KEYS)


def before_after(before: pd.DataFrame, after: pd.DataFrame, *, keys: Sequence[str]) -> pd.DataFrame:
    """Pair two aggregated tables (``keys``, ``value``, ``population``, ``no_access_share``).

    Returns ``keys, before, after, delta, population_before, population_after,
    no_access_before, no_access_after``; a row on one side only has NaN on the other.
    """
    keep = [*keys, "value", "population", "no_access_share"]
    merged = before[keep].merge(after[keep], on=list(keys), how="outer", suffixes=("_b", "_a"))
    out = merged.rename(
        columns={
            "value_b": "before",
            "value_a": "after",
            "population_b": "population_before",
            "population_a": "population_after",
            "no_access_share_b": "no_access_before",
            "no_access_share_a": "no_access_after",
        }
    )
    out["delta"] = out["after"] - out["before"]
    columns = ["before", "after", "delta", "population_before", "population_after"]
    return out[[*keys, *columns, "no_access_before", "no_access_after"]]


def winners_losers(
    before: pd.DataFrame,
    after: pd.DataFrame,
    residents: pd.DataFrame,
    *,
    groups: Sequence[str] = ("pop_total",),
    indicators: Sequence[str] | None = None,
    tolerance_min: float = 0.5,
    tolerance_count: float = 0.5,
) -> pd.DataFrame:
    """People better off, worse off and unchanged, per indicator and group.

    Parameters
    ----------
    before, after
        Per-origin indicators of each state; ``after`` must hold every node of ``residents``.
    residents
        Today's residents: rows ``node, area_id, <groups>`` (moving in is not winning).
    indicators
        Columns to classify (default: every column of ``before``).
    tolerance_min, tolerance_count
        Changes within these (minutes; counts and sums) count as unchanged.

    Returns
    -------
    pandas.DataFrame
        ``indicator, group, gain, loss, same, gained_access, lost_access, people``; ``gain`` and
        ``loss`` include those who gained or lost access altogether.
    """
    for column in ("node", *groups):
        if column not in residents.columns:
            raise MissingColumnError(t("access.change_residents_no_column", column=column))
    columns = list(indicators) if indicators is not None else list(before.columns)
    nodes = residents["node"].to_numpy()
    missing = ~np.isin(nodes, after.index.to_numpy())
    if missing.any():
        raise DataError(t("access.change_missing_nodes", missing=format_number(int(missing.sum()))))
    weights = residents[list(groups)].to_numpy(dtype=np.float64)
    rows = []
    for column in columns:
        x0 = before[column].reindex(nodes).to_numpy(dtype=np.float64)
        x1 = after[column].reindex(nodes).to_numpy(dtype=np.float64)
        if is_time_indicator(column):
            has0, has1 = np.isfinite(x0), np.isfinite(x1)
            with np.errstate(invalid="ignore"):
                faster = has0 & has1 & (x1 < x0 - tolerance_min)
                slower = has0 & has1 & (x1 > x0 + tolerance_min)
            gained, lost = ~has0 & has1, has0 & ~has1
            gain, loss = faster | gained, slower | lost
        else:
            x0, x1 = np.nan_to_num(x0), np.nan_to_num(x1)
            gain, loss = x1 > x0 + tolerance_count, x1 < x0 - tolerance_count
            gained, lost = (x0 <= 0) & (x1 > 0), (x0 > 0) & (x1 <= 0)
        for g, group in enumerate(groups):
            w = weights[:, g]
            rows.append(
                {
                    "indicator": column,
                    "group": group,
                    "gain": float(w[gain].sum()),
                    "loss": float(w[loss].sum()),
                    "same": float(w[~gain & ~loss].sum()),
                    "gained_access": float(w[gained].sum()),
                    "lost_access": float(w[lost].sum()),
                    "people": float(w.sum()),
                }
            )
    return pd.DataFrame(rows)


def gap_change(
    change: pd.DataFrame, vulnerable_areas: Sequence[str], *, group: str = "pop_total"
) -> pd.DataFrame:
    """Gap between vulnerable and other areas per indicator, before and after.

    Parameters
    ----------
    change
        Output of :func:`area_change` (per area; the whole-pack rows are ignored).
    vulnerable_areas
        Area ids of the vulnerable side.
    group
        The group whose means are compared (default everyone).

    Returns
    -------
    pandas.DataFrame
        ``indicator, vulnerable_before, others_before, gap_before, vulnerable_after,
        others_after, gap_after, narrows``; means weighted by each side's population.
    """
    rows = change[(change["group"] == group) & (change["area_id"] != ALL_AREAS)]
    side = rows["area_id"].astype(str).isin({str(a) for a in vulnerable_areas})
    if not side.any() or side.all():
        raise DataError(t("access.gap_needs_both"))
    out = []
    for indicator, part in rows.groupby("indicator", sort=False):
        record: dict[str, object] = {"indicator": indicator}
        for state in ("before", "after"):
            pop = part[f"population_{state}"].to_numpy(dtype=np.float64)
            value = part[state].to_numpy(dtype=np.float64)
            ok = np.isfinite(value) & (pop > 0)
            means = []
            for mask in (side.loc[part.index].to_numpy(), ~side.loc[part.index].to_numpy()):
                m = mask & ok
                means.append(float(np.average(value[m], weights=pop[m])) if m.any() else np.nan)
            record[f"vulnerable_{state}"] = means[0]
            record[f"others_{state}"] = means[1]
            record[f"gap_{state}"] = means[0] - means[1]
        record["narrows"] = bool(abs(record["gap_after"]) < abs(record["gap_before"]))  # type: ignore[arg-type]
        out.append(record)
    return pd.DataFrame(out)
