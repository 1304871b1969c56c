"""Equity of an access (or any per-area) indicator: inequality measures and gaps between groups.

All measures take a value per unit (area or origin) ``x_i ≥ 0`` and an optional weight
``w_i ≥ 0`` (usually the population of the unit); without weights every unit counts once.
``W = Σ w_i`` and ``μ = Σ w_i x_i / W``. Weights act as frequency weights: with integer weights
each measure equals the unweighted measure on the data with unit ``i`` repeated ``w_i`` times.

=====================  ======================================================================
measure                definition (convention)
=====================  ======================================================================
Gini                   G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ): the mean absolute difference
                       over all n² ordered pairs (self-pairs included) divided by 2μ; the
                       unweighted form equals PySAL ``inequality.gini.Gini``
Theil T                T = (1/W) Σ w_i (x_i/μ) ln(x_i/μ), 0·ln 0 = 0 (Theil 1967); by group g:
                       T = T_between + T_within, T_between = Σ_g s_g ln(μ_g/μ),
                       T_within = Σ_g s_g T_g, s_g = W_g μ_g / (W μ) (PySAL ``TheilD``)
Atkinson (ε)           A = 1 − [Σ w_i x_i^(1−ε) / W]^(1/(1−ε)) / μ, ε = 1: 1 − exp(Σ w_i ln x_i
                       / W) / μ (Atkinson 1970); ε ≥ 1 needs x_i > 0
Palma                  (1 − L(0.9)) / L(0.4): share held by the top 10 % over the share held by
                       the bottom 40 % (Cobham & Sumner 2013); L is the Lorenz curve, linear
                       between units (a unit's weight is spread evenly over its segment)
concentration index    C = 2 cov_w(x, r) / μ with the weighted fractional rank
                       r_i = (Σ_{j ranked below i} w_j + w_i / 2) / W by the ranking variable
                       (poorest first); ties share their mean rank (Kakwani, Wagstaff & van
                       Doorslaer 1997; O'Donnell et al. 2008, ch. 8). Equivalently
                       C = 1 − 2 ∫ L_C(p) dp for the concentration curve L_C. C < 0: the
                       indicator is concentrated among the low-ranked.
=====================  ======================================================================

References
----------
Atkinson, A. B. (1970). On the measurement of inequality. *J. Economic Theory* 2(3), 244–263.
Cobham, A. & Sumner, A. (2013). Is it all about the tails? The Palma measure of income
inequality. CGD Working Paper 343. Kakwani, N., Wagstaff, A. & van Doorslaer, E. (1997).
Socioeconomic inequalities in health. *J. Econometrics* 77(1), 87–103. O'Donnell, O., van
Doorslaer, E., Wagstaff, A. & Lindelow, M. (2008). *Analyzing Health Equity Using Household
Survey Data*. World Bank. Theil, H. (1967). *Economics and Information Theory*.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, NegativeValueError
from jamlik.i18n import format_number, t
from jamlik.indicators._validate import (
    require_columns,
    require_finite,
    require_min_areas,
    require_non_negative,
)

__all__ = [
    "EquityIndices",
    "TheilDecomposition",
    "atkinson",
    "concentration_curve",
    "concentration_index",
    "equity_indices",
    "gini",
    "group_equity",
    "lorenz_curve",
    "palma",
    "theil_decomposition",
    "theil_t",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike: TypeAlias = Sequence[float] | npt.NDArray[Any] | pd.Series


def _prepare(values: ArrayLike, weights: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if x.ndim != 1 or w.shape != x.shape:
        raise DataError(t("equity.values_weights_shape", shape=x.shape, shape2=w.shape))
    if not (np.isfinite(x).all() and np.isfinite(w).all()):
        raise DataError(t("equity.values_not_finite"))
    if (x < 0).any():
        raise NegativeValueError(
            t("equity.negative_values", value=format_number(int((x < 0).sum())))
        )
    if (w < 0).any():
        raise NegativeValueError(
            t("equity.negative_weights", value=format_number(int((w < 0).sum())))
        )
    require_min_areas(int(np.count_nonzero(w)), source=t("equity.source_positive_weight"))
    if np.sum(w * x) <= 0:
        raise DataError(t("equity.all_zero"))
    return x, w


def gini(values: ArrayLike, *, weights: ArrayLike | None = None) -> float:
    """Gini coefficient ``Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ)`` (see the module docstring).

    Computed in O(n log n) from the sorted values: ``Σ_ij w_i w_j |x_i − x_j| =
    2 Σ_k w_k (x_k C_k − S_k)`` with ``C_k``/``S_k`` the weight/weighted-value sums of the
    units sorted below ``k``.
    """
    x, w = _prepare(values, weights)
    order = np.argsort(x)
    xs, ws = x[order], w[order]
    c_before = np.cumsum(ws) - ws
    s_before = np.cumsum(ws * xs) - ws * xs
    pair_sum = 2.0 * np.sum(ws * (xs * c_before - s_before))
    W = ws.sum()
    mu = np.sum(ws * xs) / W
    return float(pair_sum / (2.0 * W * W * mu))


def _theil(x: FloatArray, w: FloatArray) -> float:
    W = w.sum()
    mu = np.sum(w * x) / W
    r = x / mu
    terms = np.zeros_like(r)
    pos = r > 0
    terms[pos] = r[pos] * np.log(r[pos])
    return float(np.sum(w * terms) / W)


def theil_t(values: ArrayLike, *, weights: ArrayLike | None = None) -> float:
    """Theil T index ``(1/W) Σ w_i (x_i/μ) ln(x_i/μ)`` with ``0 · ln 0 = 0``."""
    x, w = _prepare(values, weights)
    return _theil(x, w)


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split into between- and within-group parts; ``by_group`` has one row a group."""

    total: float
    between: float
    within: float
    by_group: pd.DataFrame


def theil_decomposition(
    values: ArrayLike, *, groups: ArrayLike | Sequence[Hashable], weights: ArrayLike | None = None
) -> TheilDecomposition:
    """Decompose Theil T by ``groups`` (e.g. municipality): ``T = T_between + T_within``.

    ``by_group`` columns: ``weight`` (W_g), ``mean`` (μ_g), ``value_share`` (s_g), ``theil_t``
    (T_g) and ``within_contribution`` (s_g T_g).
    """
    x, w = _prepare(values, weights)
    labels = pd.Series(np.asarray(groups))
    if len(labels) != x.size or labels.isna().any():
        raise DataError(t("equity.group_labels"))
    codes, uniques = pd.factorize(labels, sort=True)
    W = w.sum()
    mu = np.sum(w * x) / W
    Wg = np.bincount(codes, weights=w)
    mug = np.bincount(codes, weights=w * x) / np.where(Wg > 0, Wg, 1.0)
    sg = Wg * mug / (W * mu)
    tg = np.array(
        [_theil(x[codes == g], w[codes == g]) if sg[g] > 0 else 0.0 for g in range(len(uniques))]
    )
    between = float(np.sum(sg[sg > 0] * np.log(mug[sg > 0] / mu)))
    within = float(np.sum(sg * tg))
    table = pd.DataFrame(
        {
            "weight": Wg,
            "mean": mug,
            "value_share": sg,
            "theil_t": tg,
            "within_contribution": sg * tg,
        },
        index=pd.Index(uniques, name="group"),
    )
    return TheilDecomposition(total=_theil(x, w), between=between, within=within, by_group=table)


def atkinson(values: ArrayLike, *, epsilon: float = 0.5, weights: ArrayLike | None = None) -> float:
    """Atkinson index with inequality aversion ``epsilon ≥ 0`` (see the module docstring)."""
    if epsilon < 0:
        raise DataError(t("equity.epsilon_negative", epsilon=epsilon))
    x, w = _prepare(values, weights)
    W = w.sum()
    mu = np.sum(w * x) / W
    if epsilon >= 1 and (x[w > 0] <= 0).any():
        raise DataError(t("equity.atkinson_zero", epsilon=epsilon))
    if epsilon == 1:
        ede = np.exp(np.sum(w[w > 0] * np.log(x[w > 0])) / W)
    else:
        ede = (np.sum(w * x ** (1.0 - epsilon)) / W) ** (1.0 / (1.0 - epsilon))
    return float(1.0 - ede / mu)


def _curve(x: FloatArray, w: FloatArray, key: FloatArray) -> pd.DataFrame:
    """Cumulative (population share, value share) points, units ordered by ``key``; ties merged."""
    frame = pd.DataFrame({"key": key, "w": w, "wx": w * x}).groupby("key", sort=True).sum()
    pop = np.concatenate([[0.0], np.cumsum(frame["w"].to_numpy())]) / w.sum()
    val = np.concatenate([[0.0], np.cumsum(frame["wx"].to_numpy())]) / np.sum(w * x)
    return pd.DataFrame({"population_share": pop, "value_share": val})


def lorenz_curve(values: ArrayLike, *, weights: ArrayLike | None = None) -> pd.DataFrame:
    """Lorenz curve as data: cumulative ``population_share`` and ``value_share`` from (0, 0).

    Units are sorted by value (equal values merged into one step), ready for plotting.
    """
    x, w = _prepare(values, weights)
    return _curve(x, w, x)


def concentration_curve(
    values: ArrayLike, *, rank: ArrayLike, weights: ArrayLike | None = None
) -> pd.DataFrame:
    """Concentration curve: cumulative value share against population ranked by ``rank``."""
    x, w = _prepare(values, weights)
    r = np.asarray(rank, dtype=np.float64)
    if r.shape != x.shape or not np.isfinite(r).all():
        raise DataError(t("equity.rank_finite"))
    return _curve(x, w, r)


def palma(values: ArrayLike, *, weights: ArrayLike | None = None) -> float:
    """Palma ratio: value share of the top 10 % over that of the bottom 40 % (Lorenz-based).

    Returns ``inf`` when the bottom 40 % hold nothing (JSON output writes it as ``null``).
    """
    curve = lorenz_curve(values, weights=weights)
    p = curve["population_share"].to_numpy()
    v = curve["value_share"].to_numpy()
    low, high = np.interp([0.4, 0.9], p, v)
    if low <= 0:  # the bottom 40 % hold nothing
        return math.inf
    return float((1.0 - high) / low)


def concentration_index(
    values: ArrayLike, *, rank: ArrayLike, weights: ArrayLike | None = None
) -> float:
    """Concentration index ``C = 2 cov_w(x, r) / μ`` with weighted fractional ranks by ``rank``."""
    x, w = _prepare(values, weights)
    key = np.asarray(rank, dtype=np.float64)
    if key.shape != x.shape or not np.isfinite(key).all():
        raise DataError(t("equity.rank_finite"))
    W = w.sum()
    order = np.argsort(key)
    ws = w[order]
    frac = (np.cumsum(ws) - ws / 2.0) / W
    # ties in the ranking variable share the weighted mean of their fractional ranks
    tied = pd.Series(frac * ws).groupby(key[order]).transform("sum") / pd.Series(ws).groupby(
        key[order]
    ).transform("sum")
    r = np.empty_like(frac)
    r[order] = np.where(np.isfinite(tied.to_numpy()), tied.to_numpy(), frac)
    mu = np.sum(w * x) / W
    cov = np.sum(w * (x - mu) * (r - np.sum(w * r) / W)) / W
    return float(2.0 * cov / mu)


@dataclass(frozen=True)
class EquityIndices:
    """Inequality of one indicator; ``None`` where the needed grouping or ranking was not given.

    ``to_dict`` gives the seven measures; ``weighted``, ``atkinson_e`` and ``n`` describe them.
    """

    gini: float
    theil_t: float
    theil_between: float | None
    theil_within: float | None
    palma: float
    concentration_index: float | None
    atkinson: float
    atkinson_e: float
    weighted: bool
    n: int

    def to_dict(self) -> dict[str, float | None]:
        """Return the seven measures keyed by name."""
        return {
            "gini": self.gini,
            "theil_t": self.theil_t,
            "theil_between": self.theil_between,
            "theil_within": self.theil_within,
            "palma": self.palma,
            "concentration_index": self.concentration_index,
            "atkinson": self.atkinson,
        }


def equity_indices(
    frame: pd.DataFrame,
    *,
    value: Hashable,
    weight: Hashable | None = None,
    group: Hashable | None = None,
    rank: Hashable | None = None,
    atkinson_e: float = 0.5,
    source: str = "input",
) -> EquityIndices:
    """All inequality measures of column ``value`` of ``frame`` in one call.

    Parameters
    ----------
    frame
        One row per unit (area or origin).
    value
        The indicator (≥ 0), e.g. minutes saved, opportunities reached, income.
    weight
        Optional weight column (usually population); see the module docstring for conventions.
    group
        Optional categorical column; adds the Theil between/within decomposition.
    rank
        Optional ranking column (income, vulnerability); adds the concentration index.
    atkinson_e
        Inequality aversion ε of the Atkinson index.
    source
        Name of the input in error messages.
    """
    columns = [c for c in (value, weight, rank) if c is not None]
    require_columns(frame, [*columns, *([group] if group is not None else [])], source=source)
    require_non_negative(frame, [c for c in (value, weight) if c is not None], source=source)
    require_min_areas(len(frame), source=source)
    x = frame[value].to_numpy(dtype=np.float64)
    w = None if weight is None else frame[weight].to_numpy(dtype=np.float64)
    between = within = conc = None
    if group is not None:
        if frame[group].isna().any():
            raise DataError(t("equity.missing_group_labels", source=source, group=group))
        dec = theil_decomposition(x, groups=frame[group].to_numpy(), weights=w)
        between, within = dec.between, dec.within
    if rank is not None:
        require_finite(frame, [rank], source=source)
        conc = concentration_index(x, rank=frame[rank].to_numpy(dtype=np.float64), weights=w)
    return EquityIndices(
        gini=gini(x, weights=w),
        theil_t=theil_t(x, weights=w),
        theil_between=between,
        theil_within=within,
        palma=palma(x, weights=w),
        concentration_index=conc,
        atkinson=atkinson(x, epsilon=atkinson_e, weights=w),
        atkinson_e=float(atkinson_e),
        weighted=weight is not None,
        n=len(frame),
    )


def group_equity(
    frame: pd.DataFrame,
    *,
    value: Hashable,
    groups: Sequence[Hashable],
    reference: Hashable | None = None,
    standard: float | None = None,
    higher_is_better: bool = True,
    source: str = "input",
) -> pd.DataFrame:
    """Mean access of each population group and its gap to a reference group.

    ``frame`` has one row per area with the indicator ``value`` and one count column per group
    (e.g. ``born_abroad``, ``born_in_sweden``): the group's people are the denominator, so the
    group mean is ``m_g = Σ_i n_ig v_i / Σ_i n_ig``.

    Returns a DataFrame indexed by group with ``population``, ``mean``, ``ratio_to_reference``
    (``m_g / m_ref``), ``difference_to_reference`` (``m_g − m_ref``) and, when ``standard`` is
    given, ``share_below_standard``: the share of the group living where the indicator is worse
    than the standard (``v < standard`` if ``higher_is_better``, else ``v > standard``, so a
    value equal to the standard meets it). ``reference`` defaults to the first group.
    """
    groups = list(groups)
    require_columns(frame, [value, *groups], source=source)
    require_non_negative(frame, groups, source=source)
    require_finite(frame, [value], source=source)
    if reference is None:
        reference = groups[0]
    if reference not in groups:
        raise DataError(t("equity.unknown_reference", reference=reference, groups=groups))
    v = frame[value].to_numpy(dtype=np.float64)
    counts = frame[groups].to_numpy(dtype=np.float64)
    population = counts.sum(axis=0)
    if (population <= 0).any():
        empty = [str(g) for g, p in zip(groups, population, strict=True) if p <= 0]
        raise DataError(t("equity.empty_groups", source=source, empty=empty))
    means = counts.T @ v / population
    ref = means[groups.index(reference)]
    out = pd.DataFrame(
        {
            "population": population,
            "mean": means,
            "ratio_to_reference": means / ref if ref != 0 else np.nan,
            "difference_to_reference": means - ref,
        },
        index=pd.Index([str(g) for g in groups], name="group"),
    )
    if standard is not None:
        below = v < standard if higher_is_better else v > standard
        out["share_below_standard"] = counts[below].sum(axis=0) / population
    return out
