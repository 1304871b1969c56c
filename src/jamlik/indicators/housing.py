"""Housing and living environment: tenure mix, tenure entropy, mixed-tenure score, crowding.

Tenure shares are shares of dwellings **of known tenure**. SCB publishes dwellings by
upplåtelseform as rental (hyresrätt), tenant-owned (bostadsrätt), owner-occupied (äganderätt)
and *uppgift saknas* (unknown). Unknown dwellings are left out of the denominator, so the three
shares sum to 1; their share of all dwellings is reported as ``tenure_unknown_share`` so a user
can see where that matters (in the Göteborg region 2020–2023 at most 4 dwellings per RegSO):

    p_k = d_k / (d_rental + d_tenant_owned + d_owner_occupied)

**Tenure entropy** is Shannon's entropy normalised by its maximum ``ln K`` (Theil 1972; White
1986), 0 for a single tenure and 1 for equal shares:

    E = -sum_k p_k ln p_k / ln K,   with 0 ln 0 = 0.

**Mixed-tenure score** (jamlik's definition): one minus the normalised total-variation distance
from an even mix,

    M = 1 - K / (2 (K - 1)) * sum_k |p_k - 1/K|,

0 when every dwelling has the same tenure and 1 for an even split; unlike the entropy it is
linear in the shares, so a score of 0.5 means the area is half-way (in dwellings moved between
tenures) from single-tenure to even. **Dissimilarity from the region** is
``D_i = 1/2 sum_k |p_ik - P_k|`` with ``P_k`` the tenure shares of all areas pooled: the share
of an area's dwellings that would have to change tenure for it to mirror the region.

**Crowding proxy**: persons per dwelling, ``pop_total / dwellings_total``. It is a *proxy*:
SCB's crowding norms need floor space and household size, which are not in the pack.
No affordability proxy is computed: it needs rents or prices, which the SCB tables do not have.

References
----------
Theil, H. (1972). *Statistical Decomposition Analysis*. North-Holland.
White, M. J. (1986). Segregation and diversity measures in population distribution.
*Population Index* 52(2), 198–221. https://doi.org/10.2307/3644339
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError
from jamlik.i18n import format_number, t
from jamlik.indicators._validate import (
    require_columns,
    require_non_negative,
    require_unique_ids,
    rows_label,
)

__all__ = [
    "SCB_TENURE_COLUMNS",
    "housing_indicators",
    "mixed_tenure_score",
    "tenure_change",
    "tenure_entropy",
    "tenure_mix",
]

#: Tenure name -> SCB column, as in ``regso_stats_gr_2020_2023.csv``.
SCB_TENURE_COLUMNS: dict[str, str] = {
    "rental": "dwellings_rental",
    "tenant_owned": "dwellings_tenant_owned",
    "owner_occupied": "dwellings_owner_occupied",
}


def tenure_entropy(shares: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Normalised Shannon entropy of each row of shares: ``-sum p ln p / ln K``.

    Parameters
    ----------
    shares
        Array ``(n, K)`` of shares summing to 1 per row, ``K >= 2``.
    """
    p = np.asarray(shares, dtype=float)
    k = p.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return np.asarray(-terms.sum(axis=1) / np.log(k), dtype=float)


def mixed_tenure_score(shares: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Mixed-tenure score ``1 - K / (2 (K - 1)) * sum_k |p_k - 1/K|`` of each row of shares."""
    p = np.asarray(shares, dtype=float)
    k = p.shape[1]
    return np.asarray(1.0 - k / (2.0 * (k - 1)) * np.abs(p - 1.0 / k).sum(axis=1), dtype=float)


def tenure_mix(
    table: pd.DataFrame,
    *,
    tenure_columns: Mapping[str, str] = SCB_TENURE_COLUMNS,
    unknown_column: str | None = "dwellings_tenure_unknown",
    source: str | None = None,
) -> pd.DataFrame:
    """Tenure shares (of known tenure), entropy, mixed-tenure score and regional dissimilarity.

    Parameters
    ----------
    table
        Rows of dwellings counts (one per area, or per area and year: then the regional mix
        ``P_k`` pools all rows, so pass one year at a time for a per-year dissimilarity).
    tenure_columns
        Tenure name -> count column (at least two tenures).
    unknown_column
        Column with dwellings of unknown tenure, or None if there is none.
    source
        Name of the input for error messages.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``table.index``: ``dwellings_known``, ``share_<tenure>`` per tenure,
        ``tenure_unknown_share``, ``tenure_entropy``, ``mixed_tenure_score``,
        ``dissimilarity_from_region``. Rows with no dwelling of known tenure get NaN shares.

    Raises
    ------
    MissingColumnError, NegativeValueError, DataError
        Missing or negative count columns, fewer than two tenures.
    """
    src = source or "input"
    if len(tenure_columns) < 2:
        raise DataError(t("housing.tenure_two_columns", src=src))
    cols = list(tenure_columns.values())
    extra = [unknown_column] if unknown_column else []
    require_columns(table, cols + extra, source=src)
    require_non_negative(table, cols + extra, source=src)
    counts = table[cols].to_numpy(dtype=float)
    known = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = counts / known[:, None]
    shares[known == 0] = np.nan
    unknown = (
        table[unknown_column].to_numpy(dtype=float) if unknown_column else np.zeros(len(table))
    )
    total = known + unknown
    regional = counts.sum(axis=0) / counts.sum() if counts.sum() > 0 else np.full(len(cols), np.nan)
    out: dict[str, npt.NDArray[np.float64]] = {"dwellings_known": known}
    for j, name in enumerate(tenure_columns):
        out[f"share_{name}"] = shares[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["tenure_unknown_share"] = np.where(total > 0, unknown / total, np.nan)
    out["tenure_entropy"] = tenure_entropy(shares)
    out["mixed_tenure_score"] = mixed_tenure_score(shares)
    out["dissimilarity_from_region"] = 0.5 * np.abs(shares - regional).sum(axis=1)
    frame = pd.DataFrame(out, index=table.index)
    frame.loc[known == 0, ["tenure_entropy", "mixed_tenure_score", "dissimilarity_from_region"]] = (
        np.nan
    )
    return frame


def housing_indicators(
    table: pd.DataFrame,
    *,
    tenure_columns: Mapping[str, str] = SCB_TENURE_COLUMNS,
    unknown_column: str | None = "dwellings_tenure_unknown",
    population_column: str = "pop_total",
    dwellings_column: str = "dwellings_total",
    source: str | None = None,
) -> pd.DataFrame:
    """Tenure mix (:func:`tenure_mix`) plus the crowding proxy where the columns exist.

    ``persons_per_dwelling = pop_total / dwellings_total`` is added when both columns are in
    ``table`` (NaN where there are no dwellings). It is a proxy for crowding only.
    """
    src = source or "input"
    out = tenure_mix(
        table, tenure_columns=tenure_columns, unknown_column=unknown_column, source=src
    )
    if population_column in table.columns and dwellings_column in table.columns:
        require_non_negative(table, [population_column, dwellings_column], source=src)
        dw = table[dwellings_column].to_numpy(dtype=float)
        pop = table[population_column].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["persons_per_dwelling"] = np.where(dw > 0, pop / dw, np.nan)
    return out


def tenure_change(
    statistics: pd.DataFrame,
    *,
    from_year: int,
    to_year: int,
    area_column: str = "area_id",
    year_column: str = "year",
    tenure_columns: Mapping[str, str] = SCB_TENURE_COLUMNS,
    unknown_column: str | None = "dwellings_tenure_unknown",
    source: str | None = None,
) -> pd.DataFrame:
    """Change of the tenure indicators of each area between two years.

    Returns
    -------
    pandas.DataFrame
        Index = area id; for every column of :func:`tenure_mix` (except the regional
        dissimilarity) ``<col>_<from_year>``, ``<col>_<to_year>`` and ``<col>_change``
        (``to - from``; shares in units of 1, i.e. 0.01 = one percentage point), plus
        ``dwellings_known_change``.

    Raises
    ------
    DataError
        A year is not in the table, or an area is present in only one of the two years.
    """
    src = source or "input"
    require_columns(statistics, [area_column, year_column], source=src)
    years = set(pd.unique(statistics[year_column]).tolist())
    for year in (from_year, to_year):
        if year not in years:
            raise DataError(
                t(
                    "housing.year_missing",
                    src=src,
                    year=year,
                    year_column=year_column,
                    value=sorted(years),
                )
            )
    parts = {}
    for year in (from_year, to_year):
        part = statistics.loc[statistics[year_column] == year].set_index(area_column)
        require_unique_ids(part.index, source=f"{src}, year {year}", column=area_column)
        mix = tenure_mix(
            part,
            tenure_columns=tenure_columns,
            unknown_column=unknown_column,
            source=f"{src}, year {year}",
        )
        parts[year] = mix.drop(columns=["dissimilarity_from_region"])
    a, b = parts[from_year], parts[to_year]
    only = a.index.symmetric_difference(b.index)
    if len(only):
        frame = pd.DataFrame(index=only)
        raise DataError(
            t(
                "housing.areas_one_year",
                src=src,
                n=format_number(len(only)),
                from_year=from_year,
                to_year=to_year,
                value=rows_label(frame, np.ones(len(only), dtype=bool)),
            )
        )
    b = b.loc[a.index]
    out = {}
    for col in a.columns:
        out[f"{col}_{from_year}"] = a[col]
        out[f"{col}_{to_year}"] = b[col]
        out[f"{col}_change"] = b[col] - a[col]
    return pd.DataFrame(out, index=a.index)
