"""Segregation of a population group over areas: single-group, spatial and multigroup indices.

All indices are evenness/exposure measures of how a group (e.g. people born abroad) is spread
over areas compared with the whole population. Let area ``i`` hold ``x_i`` members of the group
out of ``t_i`` people, ``y_i = t_i − x_i``, ``p_i = x_i / t_i`` (0 for an empty area),
``X = Σ x_i``, ``T = Σ t_i`` and ``P = X / T``.

=================  ==========================================================================
index              formula
=================  ==========================================================================
dissimilarity      D = Σ t_i |p_i − P| / (2 T P (1 − P))            (Duncan & Duncan 1955)
gini               G = Σ_i Σ_j t_i t_j |p_i − p_j| / (2 T² P (1 − P))  (Massey & Denton 1988)
entropy            H = Σ t_i (E − E_i) / (E T), E = −P ln P − (1−P) ln(1−P) (Theil 1972)
isolation          xPx = Σ (x_i / X)(x_i / t_i)                      (Massey & Denton 1988)
exposure           xPy = Σ (x_i / X)(y_i / t_i)                      (Massey & Denton 1988)
atkinson (b)       A = 1 − P/(1−P) |Σ (1−p_i)^(1−b) p_i^b t_i / (P T)|^(1/(1−b))  (Atkinson 1970;
                   Massey & Denton 1988); ``b`` in [0, 1) weights the tails
correlation_ratio  V = (xPx − P) / (1 − P)                            (White 1986)
spatial D          SD = D − Σ_ij c_ij |p_i − p_j| / Σ_ij c_ij with c the contiguity matrix
                   (Morrill 1991); contiguity is **queen** (shared edge or vertex, libpysal)
=================  ==========================================================================

Multigroup forms (Reardon & Firebaugh 2002; Reardon & O'Sullivan 2004 for their spatial
framing) over K groups with shares ``p_ik`` and overall shares ``P_k``, ``I = Σ P_k (1 − P_k)``:
dissimilarity ``Σ_i Σ_k t_i |p_ik − P_k| / (2 T I)``, Gini ``Σ_k Σ_ij t_i t_j |p_ik − p_jk| /
(2 T² I)``, information theory ``Σ_ik t_i p_ik ln(p_ik / P_k) / (T E)``, normalized exposure
``Σ_ik t_i (p_ik − P_k)² / ((1 − P_k) T)``, relative diversity ``Σ_ik t_i (p_ik − P_k)² / (T I)``
and squared coefficient of variation ``Σ_ik t_i (p_ik − P_k)² / (T (K − 1) P_k)``.

Local-environment ("egohood") forms (Reardon & O'Sullivan 2004, as implemented in PySAL's
spatially implicit indices): every count is replaced by its sum over the area and its contiguous
neighbours, ``c̃ = (W + I) c`` with the binary contiguity matrix ``W``, and the aspatial formula
is applied to ``c̃`` (:func:`spatial_segregation_indices`, :func:`spatial_multigroup_indices`).

Every value equals PySAL ``segregation`` 2.5 to ≤ 1e-9 (see ``tests/test_segregation_pysal.py``);
PySAL's ``Atkinson`` class ignores its ``b`` argument, whereas :func:`segregation_indices`
honours ``atkinson_b``.

References
----------
Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes. *American
Sociological Review* 20(2), 210–217. Massey, D. S. & Denton, N. A. (1988). The dimensions of
residential segregation. *Social Forces* 67(2), 281–315. Morrill, R. L. (1991). On the measure
of geographic segregation. *Geography Research Forum* 11, 25–36. Reardon, S. F. & Firebaugh, G.
(2002). Measures of multigroup segregation. *Sociological Methodology* 32, 33–67. Reardon, S. F.
& O'Sullivan, D. (2004). Measures of spatial segregation. *Sociological Methodology* 34,
121–162. Atkinson, A. B. (1970). On the measurement of inequality. *J. Economic Theory* 2(3).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from jamlik.errors import DataError, UnknownIdError
from jamlik.i18n import format_number, t
from jamlik.indicators._validate import (
    require_columns,
    require_group_le_total,
    require_min_areas,
    require_non_negative,
    require_unique_ids,
    rows_label,
)
from jamlik.indicators.segregation import _kernels as kern

__all__ = [
    "MultigroupIndices",
    "SegregationIndices",
    "align_areas",
    "contiguity_matrix",
    "local_environment",
    "local_segregation",
    "multigroup_indices",
    "segregation_by",
    "segregation_indices",
    "spatial_dissimilarity",
    "spatial_multigroup_indices",
    "spatial_segregation_indices",
]

Contiguity = Literal["queen", "rook"]


@dataclass(frozen=True)
class SegregationIndices:
    """Single-group segregation indices of one group over a set of areas.

    ``spatial_dissimilarity`` and ``contiguity`` are set only when area polygons were given.
    """

    dissimilarity: float
    gini: float
    entropy: float
    isolation: float
    exposure: float
    atkinson: float
    correlation_ratio: float
    atkinson_b: float
    group_share: float
    n_areas: int
    spatial_dissimilarity: float | None = None
    contiguity: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the indices as a plain dict (spatial keys only when they were computed)."""
        out = asdict(self)
        if self.spatial_dissimilarity is None:
            out.pop("spatial_dissimilarity")
            out.pop("contiguity")
        return out


@dataclass(frozen=True)
class MultigroupIndices:
    """Multigroup segregation indices over ``groups``."""

    groups: tuple[str, ...]
    dissimilarity: float
    gini: float
    information_theory: float
    normalized_exposure: float
    relative_diversity: float
    squared_cv: float
    n_areas: int

    def to_dict(self) -> dict[str, Any]:
        """Return the indices as a plain dict."""
        out = asdict(self)
        out["groups"] = list(self.groups)
        return out


def _group_arrays(
    frame: pd.DataFrame, group: Hashable, total: Hashable, source: str
) -> tuple[np.ndarray, np.ndarray]:
    require_columns(frame, [group, total], source=source)
    require_non_negative(frame, [group, total], source=source)
    require_group_le_total(frame, group, total, source=source)
    require_min_areas(len(frame), source=source)
    x = frame[group].to_numpy(dtype=np.float64)
    tot = frame[total].to_numpy(dtype=np.float64)
    share = x.sum() / tot.sum() if tot.sum() > 0 else np.nan
    if not 0.0 < share < 1.0:
        raise DataError(
            t(
                "segregation.group_share_degenerate",
                source=source,
                group=group,
                share=share,
                total=total,
            )
        )
    return x, tot


def local_segregation(
    frame: pd.DataFrame, *, group: Hashable, total: Hashable, source: str = "input"
) -> pd.DataFrame:
    r"""Return each area's location quotient and local entropy of ``group`` against the rest.

    .. math::
        LQ_i = \frac{x_i / t_i}{X / T}, \qquad
        E_i = -\frac{p_i \ln p_i + (1 - p_i) \ln (1 - p_i)}{\ln 2}, \quad p_i = x_i / t_i

    (as PySAL's ``MultiLocationQuotient`` and ``MultiLocalEntropy`` for the group and its
    complement; :math:`0 \ln 0 = 0`). :math:`LQ_i > 1`: the group is over-represented in area
    :math:`i`; :math:`E_i` runs from 0 (one group only) to 1 (half and half). An area with
    nobody gets NaN.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``frame``: ``location_quotient``, ``local_entropy``.
    """
    x, t = _group_arrays(frame, group, total, source)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / t
        quotient = p / (x.sum() / t.sum())
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        q = 1.0 - p
        qlogq = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
        entropy = np.where(t > 0, -(plogp + qlogq) / np.log(2.0), np.nan)
    return pd.DataFrame(
        {"location_quotient": quotient, "local_entropy": entropy}, index=frame.index
    )


def segregation_indices(
    frame: pd.DataFrame,
    *,
    group: Hashable,
    total: Hashable,
    atkinson_b: float = 0.5,
    areas: gpd.GeoDataFrame | None = None,
    contiguity: Contiguity = "queen",
    id_column: Hashable | None = None,
    source: str = "input",
) -> SegregationIndices:
    """Compute every single-group segregation index for ``group`` out of ``total``.

    Parameters
    ----------
    frame
        One row per area with the count columns ``group`` and ``total``.
    group, total
        Column names: people in the group, all people.
    atkinson_b
        Shape parameter of the Atkinson index, ``0 <= b < 1`` (0.5 weighs both tails equally).
    areas
        Optional polygons in the same row order as ``frame`` (same length); when given, the
        spatial dissimilarity with ``contiguity`` is added.
    contiguity
        ``"queen"`` (default) or ``"rook"`` contiguity from libpysal.
    id_column
        Optional area-id column; when given it must exist and be unique (an area counted twice
        would distort every index).
    source
        Name of the input used in error messages (e.g. the CSV path).

    Returns
    -------
    SegregationIndices
        See the module docstring for every formula.

    Raises
    ------
    MissingColumnError, NegativeValueError, DataError
        Missing columns, negative counts, group larger than total, fewer than two areas, or a
        group share of 0 or 1.
    """
    if not 0.0 <= atkinson_b < 1.0:
        raise DataError(t("segregation.atkinson_b_range", atkinson_b=atkinson_b))
    if id_column is not None:
        require_columns(frame, [id_column], source=source)
        require_unique_ids(frame[id_column], source=source, column=str(id_column))
    x, tot = _group_arrays(frame, group, total, source)
    values = {name: kernel(x, tot) for name, kernel in kern.SINGLE_GROUP_KERNELS.items()}
    values["atkinson"] = kern.atkinson(x, tot, b=atkinson_b)
    spatial: float | None = None
    if areas is not None:
        if len(areas) != len(frame):
            raise DataError(
                t(
                    "segregation.polygon_count",
                    source=source,
                    n=format_number(len(frame)),
                    n2=format_number(len(areas)),
                )
            )
        spatial = kern.spatial_dissimilarity(
            x, tot, contiguity_matrix(areas, contiguity=contiguity)
        )
    return SegregationIndices(
        **values,
        atkinson_b=float(atkinson_b),
        group_share=float(x.sum() / tot.sum()),
        n_areas=len(frame),
        spatial_dissimilarity=spatial,
        contiguity=contiguity if areas is not None else None,
    )


def contiguity_matrix(areas: gpd.GeoDataFrame, *, contiguity: Contiguity = "queen") -> sp.csr_array:
    """Binary (n, n) contiguity matrix of ``areas`` in row order (libpysal queen or rook)."""
    from libpysal.weights import Queen, Rook

    if not isinstance(areas, gpd.GeoDataFrame):
        raise DataError(t("segregation.areas_polygons"))
    builder = {"queen": Queen, "rook": Rook}.get(contiguity)
    if builder is None:
        raise DataError(t("segregation.bad_contiguity", contiguity=contiguity))
    w = builder.from_dataframe(areas.reset_index(drop=True), use_index=False, silence_warnings=True)
    return sp.csr_array(w.sparse)


def align_areas(
    frame: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    id_column: str,
    source: str = "input",
    areas_source: str = "areas",
) -> gpd.GeoDataFrame:
    """Return the polygons of ``areas`` in the row order of ``frame``, matched on ``id_column``.

    Both tables must have ``id_column``; ids are compared as strings. Polygons without a row in
    ``frame`` are left out (contiguity is then among the given areas only).

    Raises
    ------
    MissingColumnError, DuplicateIdError, UnknownIdError
        A table lacks ``id_column``, repeats an id, or ``frame`` has ids with no polygon.
    """
    require_columns(frame, [id_column], source=source)
    require_columns(areas, [id_column], source=areas_source)
    require_unique_ids(frame[id_column], source=source, column=id_column)
    require_unique_ids(areas[id_column], source=areas_source, column=id_column)
    keys = pd.Index(areas[id_column].astype(str))
    pos = keys.get_indexer(frame[id_column].astype(str))
    missing = pos < 0
    if missing.any():
        raise UnknownIdError(
            t(
                "segregation.codes_without_polygon",
                source=source,
                id_column=id_column,
                value=rows_label(frame, missing),
                areas_source=areas_source,
            )
        )
    return areas.iloc[pos].reset_index(drop=True)


def spatial_dissimilarity(
    areas: gpd.GeoDataFrame,
    *,
    group: Hashable,
    total: Hashable,
    contiguity: Contiguity = "queen",
    standardize: bool = False,
    source: str = "input",
) -> float:
    """Morrill's spatial dissimilarity ``D − Σ c_ij |p_i − p_j| / Σ c_ij`` over ``areas``.

    ``c`` is the binary ``contiguity`` matrix (queen by default), row-standardised when
    ``standardize``. Equal to PySAL ``SpatialDissim`` with the same weights.
    """
    x, t = _group_arrays(areas, group, total, source)
    w = contiguity_matrix(areas, contiguity=contiguity)
    return kern.spatial_dissimilarity(x, t, w, standardize=standardize)


def segregation_by(
    frame: pd.DataFrame,
    *,
    by: Hashable,
    group: Hashable,
    total: Hashable,
    atkinson_b: float = 0.5,
    source: str = "input",
) -> pd.DataFrame:
    """Single-group indices within each value of ``by`` (e.g. per municipality or year).

    Returns a DataFrame indexed by the values of ``by`` with one column per index plus
    ``group_share`` and ``n_areas``. Every subset must pass the same checks as
    :func:`segregation_indices` (at least two areas, group share strictly between 0 and 1).
    """
    require_columns(frame, [by], source=source)
    rows = {}
    for key, part in frame.groupby(by, sort=True):
        res = segregation_indices(
            part,
            group=group,
            total=total,
            atkinson_b=atkinson_b,
            source=f"{source} ({by}={key})",
        )
        rows[key] = res.to_dict()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = str(by)
    return out


def multigroup_indices(
    frame: pd.DataFrame, *, groups: Sequence[Hashable], source: str = "input"
) -> MultigroupIndices:
    """Multigroup segregation indices over the count columns ``groups`` (K ≥ 2).

    The groups must partition the population (their row sum is the area total); see the module
    docstring for the formulas. Equal to PySAL ``MultiDissim``, ``MultiGini``,
    ``MultiInfoTheory``, ``MultiNormExposure``, ``MultiRelativeDiversity`` and
    ``MultiSquaredCoefVar``.
    """
    groups = list(groups)
    if len(groups) < 2:
        raise DataError(t("segregation.two_groups", source=source, groups=groups))
    require_columns(frame, groups, source=source)
    require_non_negative(frame, groups, source=source)
    require_min_areas(len(frame), source=source)
    counts = frame[groups].to_numpy(dtype=np.float64)
    empty = [str(g) for g, s in zip(groups, counts.sum(axis=0), strict=True) if s <= 0]
    if empty:
        raise DataError(t("segregation.zero_groups", source=source, empty=empty))
    return MultigroupIndices(
        groups=tuple(str(g) for g in groups),
        n_areas=len(frame),
        **{name: kernel(counts) for name, kernel in kern.MULTI_GROUP_KERNELS.items()},
    )


def local_environment(counts: np.ndarray, w: sp.csr_array) -> np.ndarray:
    """Sum counts over each area and its neighbours: ``(W + I) c`` (binary ``W``, diagonal 1).

    As PySAL's ``_build_local_environment`` with a contiguity ``W`` (``fill_diagonal`` then
    ``lag_spatial``); with integer counts the result is integer, so PySAL's rounding is void.
    """
    c = sp.coo_array(w)
    off = c.row != c.col
    binary = sp.csr_array((np.ones(int(off.sum())), (c.row[off], c.col[off])), shape=c.shape)
    return np.asarray(binary @ counts + counts, dtype=np.float64)


def spatial_segregation_indices(
    areas: gpd.GeoDataFrame,
    *,
    group: Hashable,
    total: Hashable,
    contiguity: Contiguity = "queen",
    atkinson_b: float = 0.5,
    source: str = "input",
) -> SegregationIndices:
    """Single-group indices of the local environments (area + ``contiguity`` neighbours).

    Equal to PySAL's single-group classes called with ``w=`` a binary contiguity matrix.
    ``spatial_dissimilarity`` of the result is Morrill's index on the original counts.
    """
    x, t = _group_arrays(areas, group, total, source)
    w = contiguity_matrix(areas, contiguity=contiguity)
    local = local_environment(np.column_stack([x, t]), w)
    frame = pd.DataFrame({"x": local[:, 0], "t": local[:, 1]})
    res = segregation_indices(frame, group="x", total="t", atkinson_b=atkinson_b, source=source)
    return SegregationIndices(
        **{**res.to_dict(), "n_areas": len(areas)},
        spatial_dissimilarity=kern.spatial_dissimilarity(x, t, w),
        contiguity=contiguity,
    )


def spatial_multigroup_indices(
    areas: gpd.GeoDataFrame,
    *,
    groups: Sequence[Hashable],
    contiguity: Contiguity = "queen",
    source: str = "input",
) -> MultigroupIndices:
    """Multigroup indices of the local environments (area + ``contiguity`` neighbours)."""
    groups = list(groups)
    require_columns(areas, groups, source=source)
    require_non_negative(areas, groups, source=source)
    w = contiguity_matrix(areas, contiguity=contiguity)
    local = local_environment(areas[groups].to_numpy(dtype=np.float64), w)
    frame = pd.DataFrame(local, columns=[str(g) for g in groups])
    return multigroup_indices(frame, groups=list(frame.columns), source=source)
