"""Change of segregation between two years: inference and a composition/spatial decomposition.

Given the same kind of area table for an earlier year ``a`` and a later year ``b``, the change
of an index ``S`` is ``Δ = S_b − S_a``.

Inference
    *Random-label permutation* (Rey & Sastré-Gutiérrez 2010; PySAL ``TwoValueTest`` with
    ``null_approach="random_label"``): the areas of both years are pooled and the year labels
    shuffled; the index difference between the two relabelled sets forms the null distribution.
    Because swapping labels negates the difference, the null is symmetric and the two-sided
    p-value is ``(1 + #{|Δ*| ≥ |Δ|}) / (N + 1)`` (Phipson & Smyth 2010).
    *Bootstrap*: areas are resampled with replacement within each year and ``Δ`` recomputed;
    the percentile interval at ``confidence`` is reported.
    Both use a seeded ``numpy.random.Generator``, so results are reproducible.

Decomposition
    Rey, Cortes & Knaap (2021) split ``Δ`` into a *spatial* part (how the group's shares are
    arranged over the areas) and a *composition* (attribute) part (the distribution of shares
    itself). The counterfactual ``S(s_a, c_b)`` keeps year a's areas and ranks but gives each
    area the year-b share at the same percentile rank (``composition`` counterfactual:
    ``p*_i = Q_b(rank_a(p_i) / n)`` with linear quantiles); then, Shapley style,
    ``spatial = ½[(S(s_b,c_a) − S(s_a,c_a)) + (S(s_b,c_b) − S(s_a,c_b))]`` and
    ``composition = ½[(S(s_a,c_b) − S(s_a,c_a)) + (S(s_b,c_b) − S(s_b,c_a))]``, which add up to
    ``Δ``. Equal (with the sign flipped to "later minus earlier") to PySAL
    ``DecomposeSegregation(..., counterfactual_approach="composition")``.

References
----------
Rey, S. J. & Sastré-Gutiérrez, M. L. (2010). Interregional inequality dynamics in Mexico.
*Spatial Economic Analysis* 5(3), 277–298. Rey, S. J., Cortes, R. X. & Knaap, E. (2021).
Comparative spatial segregation analytics. *Spatial Demography* 9, 31–64. Phipson, B. & Smyth,
G. kern. (2010). Permutation p-values should never be zero. *Stat. Appl. Genet. Mol. Biol.* 9(1).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata

from jamlik.errors import DataError
from jamlik.i18n import format_number, t
from jamlik.indicators._validate import require_columns
from jamlik.indicators.segregation import _kernels as kern
from jamlik.indicators.segregation.indices import _group_arrays

__all__ = [
    "SegregationChange",
    "composition_counterfactual",
    "decompose_change",
    "random_label_null",
    "segregation_change",
    "segregation_trend",
]

FloatArray = npt.NDArray[np.float64]
Kernel = Callable[[FloatArray, FloatArray], float]


@dataclass(frozen=True)
class SegregationChange:
    """Change of one segregation index from year ``a`` to year ``b`` with its uncertainty."""

    index: str
    value_a: float
    value_b: float
    difference: float
    p_value: float
    permutations: int
    ci_low: float
    ci_high: float
    confidence: float
    bootstraps: int
    spatial_component: float
    composition_component: float
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a plain dict."""
        return asdict(self)


def _kernel(index: str, atkinson_b: float) -> Kernel:
    if index == "atkinson":
        return partial(kern.atkinson, b=atkinson_b)
    try:
        return kern.SINGLE_GROUP_KERNELS[index]
    except KeyError:
        known = ", ".join(kern.SINGLE_GROUP_KERNELS)
        raise DataError(t("segregation.unknown_index", index=index, known=known)) from None


def random_label_null(
    x: FloatArray, t: FloatArray, n_a: int, permutations: npt.NDArray[np.intp], kernel: Kernel
) -> FloatArray:
    """Null differences ``S(set 1) − S(set 2)`` for each row of ``permutations``.

    ``x``/``t`` hold the pooled areas (year a first, ``n_a`` of them); row ``r`` of
    ``permutations`` is a permutation of ``range(len(x))`` whose first ``n_a`` entries form
    set 1 (relabelled year a).
    """
    out = np.empty(permutations.shape[0])
    for r, perm in enumerate(permutations):
        first, second = perm[:n_a], perm[n_a:]
        out[r] = kernel(x[first], t[first]) - kernel(x[second], t[second])
    return out


def composition_counterfactual(p_own: FloatArray, p_other: FloatArray) -> FloatArray:
    """Shares with ``p_other``'s distribution placed at ``p_own``'s percentile ranks.

    ``rank`` is the average rank divided by n (pandas ``rank(pct=True)``); the quantile is
    linear (numpy/pandas default).
    """
    q = rankdata(p_own, method="average") / p_own.size
    return np.asarray(np.quantile(p_other, q), dtype=np.float64)


def decompose_change(
    x_a: FloatArray, t_a: FloatArray, x_b: FloatArray, t_b: FloatArray, kernel: Kernel
) -> tuple[float, float]:
    """Return ``(spatial, composition)`` parts of ``S_b − S_a`` (Rey, Cortes & Knaap 2021)."""
    p_a = kern._share(x_a, t_a)
    p_b = kern._share(x_b, t_b)
    s_aa = kernel(x_a, t_a)
    s_bb = kernel(x_b, t_b)
    s_a_cb = kernel(composition_counterfactual(p_a, p_b) * t_a, t_a)  # a's areas, b's shares
    s_b_ca = kernel(composition_counterfactual(p_b, p_a) * t_b, t_b)  # b's areas, a's shares
    spatial = 0.5 * ((s_b_ca - s_aa) + (s_bb - s_a_cb))
    composition = 0.5 * ((s_a_cb - s_aa) + (s_bb - s_b_ca))
    return float(spatial), float(composition)


def segregation_change(
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame,
    *,
    group: Hashable,
    total: Hashable,
    index: str = "dissimilarity",
    atkinson_b: float = 0.5,
    permutations: int = 999,
    bootstraps: int = 999,
    confidence: float = 0.95,
    seed: int = 0,
) -> SegregationChange:
    """Test and decompose the change of ``index`` from ``frame_a`` (earlier) to ``frame_b``.

    Parameters
    ----------
    frame_a, frame_b
        One row per area with ``group`` and ``total`` counts, for the earlier and later year.
        The area sets may differ (the permutation pools them).
    index
        One of ``dissimilarity, gini, entropy, isolation, exposure, atkinson,
        correlation_ratio``.
    permutations, bootstraps
        Number of random-label permutations and bootstrap resamples (≥ 1 each).
    confidence
        Level of the bootstrap percentile interval of the difference.
    seed
        Seed of the ``numpy.random.default_rng`` used for both procedures.

    Returns
    -------
    SegregationChange
        Values, difference ``b − a``, permutation p-value, bootstrap interval and the
        spatial/composition decomposition (see the module docstring).
    """
    if permutations < 1 or bootstraps < 1:
        raise DataError(t("segregation.permutations_min"))
    if not 0.0 < confidence < 1.0:
        raise DataError(t("segregation.confidence_range", confidence=confidence))
    kernel = _kernel(index, atkinson_b)
    x_a, t_a = _group_arrays(frame_a, group, total, "year a")
    x_b, t_b = _group_arrays(frame_b, group, total, "year b")
    value_a, value_b = kernel(x_a, t_a), kernel(x_b, t_b)
    diff = value_b - value_a
    rng = np.random.default_rng(seed)

    x = np.concatenate([x_a, x_b])
    tot = np.concatenate([t_a, t_b])
    perms = np.argsort(rng.random((permutations, x.size)), axis=1)
    null = random_label_null(x, tot, x_a.size, perms, kernel)
    p_value = (1.0 + np.count_nonzero(np.abs(null) >= abs(diff) - 1e-15)) / (permutations + 1)

    idx_a = rng.integers(0, x_a.size, size=(bootstraps, x_a.size))
    idx_b = rng.integers(0, x_b.size, size=(bootstraps, x_b.size))
    boot = np.array(
        [
            kernel(x_b[ib], t_b[ib]) - kernel(x_a[ia], t_a[ia])
            for ia, ib in zip(idx_a, idx_b, strict=True)
        ]
    )
    boot = boot[np.isfinite(boot)]
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha]) if boot.size else (np.nan, np.nan)

    spatial, composition = decompose_change(x_a, t_a, x_b, t_b, kernel)
    return SegregationChange(
        index=index,
        value_a=float(value_a),
        value_b=float(value_b),
        difference=float(diff),
        p_value=float(p_value),
        permutations=permutations,
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        bootstraps=bootstraps,
        spatial_component=spatial,
        composition_component=composition,
        seed=seed,
    )


def segregation_trend(
    frame: pd.DataFrame,
    *,
    year: Hashable,
    group: Hashable,
    total: Hashable,
    index: str = "dissimilarity",
    atkinson_b: float = 0.5,
    permutations: int = 999,
    bootstraps: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Change of ``index`` from the first year in ``frame[year]`` to every later year.

    ``frame`` is a long table (one row per area and year, e.g. the RegSO statistics
    2020–2023). Returns one row per later year with the columns of :class:`SegregationChange`
    (``value_a`` is the base year's value). Each comparison uses the same ``seed``.
    """
    require_columns(frame, [year], source="input")
    years = sorted(frame[year].unique())
    if len(years) < 2:
        raise DataError(t("segregation.two_years", year=year, n=format_number(len(years))))
    base = frame[frame[year] == years[0]]
    rows = {}
    for later in years[1:]:
        change = segregation_change(
            base,
            frame[frame[year] == later],
            group=group,
            total=total,
            index=index,
            atkinson_b=atkinson_b,
            permutations=permutations,
            bootstraps=bootstraps,
            seed=seed,
        )
        rows[later] = change.to_dict()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = str(year)
    out.insert(0, "base_year", years[0])
    return out
