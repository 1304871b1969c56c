"""Supply–demand access: two-step floating catchment (2SFCA), enhanced 2SFCA and gravity.

Inputs are three long tables, so any cost source works (the engine's, or one the user brings):

* demand ``id, demand`` (people at each demand location, e.g. population per hexagon),
* supply ``id, capacity`` (school places, doctors, or 1 per facility),
* costs ``origin_id, destination_id, minutes`` (origin = demand id, destination = supply id).
  Pairs that are absent are unreachable.

With a weight ``f(c) ≥ 0`` of travel cost ``c`` (0 outside the catchment), for supply ``j`` and
demand ``i``:

    step 1:  R_j = S_j / Σ_i f(c_ij) D_i          (supply per unit of weighted demand)
    step 2:  A_i = Σ_j f(c_ij) R_j                 (supply per unit of demand reachable from i)

* **2SFCA** (Luo & Wang 2003): ``f(c) = 1`` if ``c ≤ d₀`` (a cost equal to the cut-off is
  inside), else 0.
* **E2SFCA** (Luo & Qi 2009): step weights ``(M₁, W₁), …, (M_k, W_k)`` with increasing ``M``:
  ``f(c) = W_r`` for the first ``r`` with ``c ≤ M_r``; ``M_k`` is the catchment edge. The
  default, when only ``max_minutes`` is given, is Luo & Qi's weights 1, 0.68, 0.22 at a third,
  two thirds and all of ``max_minutes``.
* **gravity 2SFCA** (Joseph & Bantock 1982; Luo & Wang 2003): ``f(c) = max(c, c_min)^(−β)``,
  optionally cut at ``max_minutes``; ``c_min`` (default 1 min) avoids the infinite weight at 0.

The weight enters both steps, as in PySAL ``access`` (``two_stage_fca`` with ``weight_fn``).
Conventions where PySAL gives a non-finite value: a supply location with no weighted demand in
its catchment serves nobody, so ``R_j = 0`` (PySAL: ∞ or NaN); a demand location that reaches
no supply scores 0 (PySAL: NaN). Everywhere else the scores equal PySAL's
(``tests/test_fca_pysal.py``). Σ_i D_i A_i = Σ_j S_j over supply that has demand in reach.

:func:`weighted_catchment` is the competition-free potential ``Σ_j f(c_ij) S_j`` (Hansen 1959).

References
----------
Luo, W. & Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
environment. *Environment and Planning B* 30(6), 865–884. Luo, W. & Qi, Y. (2009). An enhanced
two-step floating catchment area (E2SFCA) method. *Health & Place* 15(4), 1100–1107. Joseph, A.
E. & Bantock, P. R. (1982). Measuring potential physical accessibility to general practitioners
in rural areas. *Social Science & Medicine* 16(1), 85–90. Hansen, W. G. (1959). How
accessibility shapes land use. *J. American Institute of Planners* 25(2), 73–76.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, UnknownIdError
from jamlik.i18n import t
from jamlik.indicators._validate import (
    require_columns,
    require_finite,
    require_non_negative,
    require_unique_ids,
    rows_label,
)

__all__ = [
    "FCAMethod",
    "StepWeights",
    "costs_from_matrix",
    "crow_fly_costs",
    "enhanced_two_step_fca",
    "floating_catchment",
    "gravity_two_step_fca",
    "parse_step_weights",
    "two_step_fca",
    "weighted_catchment",
]

FCAMethod = Literal["2sfca", "e2sfca", "gravity"]
FloatArray = npt.NDArray[np.float64]
LUO_QI_WEIGHTS = (1.0, 0.68, 0.22)


@dataclass(frozen=True)
class StepWeights:
    """Step weights of E2SFCA: ``weights[r]`` for costs up to ``minutes[r]`` (increasing)."""

    minutes: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.minutes or len(self.minutes) != len(self.weights):
            raise DataError(t("fca.step_weights_count"))
        m = np.asarray(self.minutes)
        if (m <= 0).any() or (np.diff(m) <= 0).any() or not np.isfinite(m).all():
            raise DataError(t("fca.step_thresholds_order", value=list(self.minutes)))
        if any(not np.isfinite(w) or w < 0 for w in self.weights):
            raise DataError(t("fca.step_weights_finite", value=list(self.weights)))

    @property
    def edge_min(self) -> float:
        """The catchment edge: the largest threshold."""
        return self.minutes[-1]

    def __call__(self, minutes: FloatArray) -> FloatArray:
        """Weight per cost: the weight of the first threshold ≥ the cost, 0 beyond the edge."""
        pos = np.searchsorted(np.asarray(self.minutes), minutes, side="left")
        table = np.append(np.asarray(self.weights, dtype=np.float64), 0.0)
        return table[pos]

    @classmethod
    def luo_qi(cls, max_minutes: float) -> StepWeights:
        """Luo & Qi (2009) weights 1, 0.68, 0.22 at ⅓, ⅔ and all of ``max_minutes``."""
        return cls(
            minutes=(max_minutes / 3.0, 2.0 * max_minutes / 3.0, float(max_minutes)),
            weights=LUO_QI_WEIGHTS,
        )


def parse_step_weights(text: str) -> StepWeights:
    """Parse ``"5:1,10:0.68,15:0.22"`` into :class:`StepWeights`."""
    minutes: list[float] = []
    weights: list[float] = []
    for item in text.split(","):
        parts = item.strip().split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            minutes.append(float(parts[0]))
            weights.append(float(parts[1]))
        except ValueError:
            raise DataError(t("fca.step_weight_unreadable", item=item.strip(), text=text)) from None
    return StepWeights(minutes=tuple(minutes), weights=tuple(weights))


def _cost_minutes(costs: pd.DataFrame, source: str) -> FloatArray:
    """Return the costs in minutes; a blank cell (unreachable in ``travel-times``) is NaN.

    Text that is not a number and negative costs are errors, named by the file's row.
    """
    raw = costs["minutes"]
    minutes = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    filled = raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    for bad, what in (
        (np.isnan(minutes) & filled, "not a number"),
        (np.isinf(minutes), "infinite"),
        (minutes < 0, "negative"),
    ):
        if bad.any():
            raise DataError(
                t("fca.bad_minutes", source=source, what=what, value=rows_label(costs, bad))
            )
    return minutes


def _indexed_costs(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    costs: pd.DataFrame,
    sources: tuple[str, str, str],
) -> tuple[
    pd.Index, FloatArray, FloatArray, npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray
]:
    """Validate the three tables; return demand ids, D, S, origin/destination positions, cost."""
    d_src, s_src, c_src = sources
    require_columns(demand, ["id", "demand"], source=d_src)
    require_columns(supply, ["id", "capacity"], source=s_src)
    require_columns(costs, ["origin_id", "destination_id", "minutes"], source=c_src)
    require_unique_ids(demand["id"], source=d_src)
    require_unique_ids(supply["id"], source=s_src)
    require_non_negative(demand, ["demand"], source=d_src)
    require_non_negative(supply, ["capacity"], source=s_src)
    minutes = _cost_minutes(costs, c_src)
    d_ids = pd.Index(demand["id"].astype(str))
    s_ids = pd.Index(supply["id"].astype(str))
    o = d_ids.get_indexer(costs["origin_id"].astype(str))
    j = s_ids.get_indexer(costs["destination_id"].astype(str))
    for pos, col, known in ((o, "origin_id", d_src), (j, "destination_id", s_src)):
        bad = pos < 0
        if bad.any():
            first = costs[col].to_numpy()[bad][:5].tolist()
            raise UnknownIdError(
                t(
                    "fca.unknown_ids",
                    c_src=c_src,
                    col=col,
                    first=first,
                    value=rows_label(costs, bad),
                    known=known,
                )
            )
    # Blank costs (unreachable pairs) are dropped only now, so every message names file rows.
    reachable = ~np.isnan(minutes)
    pair = pd.Series(o.astype(np.int64) * len(s_ids) + j)
    dup = pair.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataError(t("fca.duplicate_pairs", c_src=c_src, value=rows_label(costs, dup)))
    return (
        d_ids,
        demand["demand"].to_numpy(dtype=np.float64),
        supply["capacity"].to_numpy(dtype=np.float64),
        o[reachable],
        j[reachable],
        minutes[reachable],
    )


def _two_step(
    o: npt.NDArray[np.intp], j: npt.NDArray[np.intp], f: FloatArray, D: FloatArray, S: FloatArray
) -> FloatArray:
    """Kernel: ``A_i = Σ_j f_ij S_j / Σ_k f_kj D_k`` over the listed pairs with ``f > 0``."""
    keep = f > 0
    o, j, f = o[keep], j[keep], f[keep]
    weighted_demand = np.bincount(j, weights=f * D[o], minlength=S.size)
    ratio = np.zeros_like(S)
    np.divide(S, weighted_demand, out=ratio, where=weighted_demand > 0)
    return np.bincount(o, weights=f * ratio[j], minlength=D.size).astype(np.float64)


def floating_catchment(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    method: FCAMethod = "2sfca",
    max_minutes: float | None = None,
    weights: StepWeights | None = None,
    decay_power: float = 1.0,
    min_minutes: float = 1.0,
    sources: tuple[str, str, str] = ("demand", "supply", "costs"),
) -> pd.Series:
    """Score every demand location by ``method`` (see the module docstring).

    Parameters
    ----------
    demand, supply, costs
        The three long tables (columns as in the module docstring).
    method
        ``"2sfca"``, ``"e2sfca"`` or ``"gravity"``.
    max_minutes
        Catchment cut-off (inclusive). Required for 2SFCA; for E2SFCA it sets Luo & Qi's default
        steps when ``weights`` is not given (and else also cuts); optional for gravity.
    weights
        E2SFCA step weights; the last threshold is the catchment edge.
    decay_power, min_minutes
        Gravity weight ``max(c, min_minutes)^(−decay_power)``.
    sources
        Names of the three inputs in error messages (e.g. file paths).

    Returns
    -------
    pandas.Series
        ``score`` per demand id (index ``id``, string), supply per unit of demand.
    """
    d_ids, D, S, o, j, c = _indexed_costs(demand, supply, costs, sources)
    if max_minutes is not None and not max_minutes > 0:
        raise DataError(t("fca.max_minutes_positive", max_minutes=max_minutes))
    inside = np.ones(c.size, dtype=bool) if max_minutes is None else c <= max_minutes
    if method == "2sfca":
        if max_minutes is None:
            raise DataError(t("fca.needs_catchment"))
        f = inside.astype(np.float64)
    elif method == "e2sfca":
        if weights is None:
            if max_minutes is None:
                raise DataError(t("fca.e2sfca_needs_weights"))
            weights = StepWeights.luo_qi(max_minutes)
        f = weights(c) * inside
    elif method == "gravity":
        if not decay_power > 0 or not min_minutes > 0:
            raise DataError(t("fca.gravity_params"))
        f = np.maximum(c, min_minutes) ** (-decay_power) * inside
    else:
        raise DataError(t("fca.unknown_method", method=method))
    return pd.Series(_two_step(o, j, f, D, S), index=d_ids.rename("id"), name="score")


def two_step_fca(
    demand: pd.DataFrame, supply: pd.DataFrame, costs: pd.DataFrame, *, max_minutes: float
) -> pd.Series:
    """2SFCA (Luo & Wang 2003) with an inclusive cut-off of ``max_minutes``."""
    return floating_catchment(demand, supply, costs, method="2sfca", max_minutes=max_minutes)


def enhanced_two_step_fca(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    weights: StepWeights | None = None,
    max_minutes: float | None = None,
) -> pd.Series:
    """E2SFCA (Luo & Qi 2009) with step ``weights`` (or Luo & Qi's default over ``max_minutes``)."""
    return floating_catchment(
        demand, supply, costs, method="e2sfca", weights=weights, max_minutes=max_minutes
    )


def gravity_two_step_fca(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    decay_power: float = 1.0,
    min_minutes: float = 1.0,
    max_minutes: float | None = None,
) -> pd.Series:
    """Gravity 2SFCA with weight ``max(c, min_minutes)^(−decay_power)``."""
    return floating_catchment(
        demand,
        supply,
        costs,
        method="gravity",
        decay_power=decay_power,
        min_minutes=min_minutes,
        max_minutes=max_minutes,
    )


def weighted_catchment(
    supply: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    origins: Sequence[str] | pd.Index,
    weights: StepWeights | None = None,
    max_minutes: float | None = None,
) -> pd.Series:
    """Competition-free potential ``Σ_j f(c_ij) S_j`` for each origin (Hansen 1959).

    ``f`` is the step weight if given, else 1 within ``max_minutes`` (a cumulative count of
    capacity). Origins without reachable supply score 0.
    """
    demand = pd.DataFrame({"id": list(origins), "demand": 0.0})
    d_ids, _, S, o, j, c = _indexed_costs(demand, supply, costs, ("origins", "supply", "costs"))
    if weights is None and max_minutes is None:
        raise DataError(t("fca.weights_or_max"))
    f = np.ones_like(c) if weights is None else weights(c)
    if max_minutes is not None:
        f = f * (c <= max_minutes)
    values = np.bincount(o, weights=f * S[j], minlength=len(d_ids))
    return pd.Series(values, index=d_ids.rename("id"), name="score")


def crow_fly_costs(
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    speed_m_s: float,
    max_minutes: float,
    crs: str = "EPSG:4326",
    metric_crs: str | None = None,
) -> pd.DataFrame:
    """Straight-line travel minutes between points, only for pairs within ``max_minutes``.

    ``origins``/``destinations`` have ``id, x, y`` (``lon, lat`` in ``crs``); ``metric_crs``
    (default: the UTM zone of the origins' centre) measures the distances. A stand-in until the
    engine's network cost table is used: it never lists pairs beyond the cut-off.
    """
    from pyproj import CRS, Transformer
    from scipy.spatial import cKDTree

    for frame, name in ((origins, "origins"), (destinations, "destinations")):
        require_columns(frame, ["id", "x", "y"], source=name)
        require_finite(frame, ["x", "y"], source=name)
    if metric_crs is None:
        from pyproj.aoi import AreaOfInterest
        from pyproj.database import query_utm_crs_info

        lon, lat = float(origins["x"].mean()), float(origins["y"].mean())
        info = query_utm_crs_info(
            datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
        )
        metric_crs = f"EPSG:{info[0].code}"
    tr = Transformer.from_crs(CRS(crs), CRS(metric_crs), always_xy=True)
    ox, oy = tr.transform(origins["x"].to_numpy(float), origins["y"].to_numpy(float))
    dx, dy = tr.transform(destinations["x"].to_numpy(float), destinations["y"].to_numpy(float))
    radius_m = speed_m_s * 60.0 * max_minutes
    pairs = cKDTree(np.column_stack([ox, oy])).sparse_distance_matrix(
        cKDTree(np.column_stack([dx, dy])), radius_m, output_type="ndarray"
    )
    return pd.DataFrame(
        {
            "origin_id": origins["id"].astype(str).to_numpy()[pairs["i"]],
            "destination_id": destinations["id"].astype(str).to_numpy()[pairs["j"]],
            "minutes": pairs["v"] / (speed_m_s * 60.0),
        }
    )


def costs_from_matrix(
    matrix: npt.ArrayLike,
    *,
    origin_ids: Sequence[str] | pd.Index,
    destination_ids: Sequence[str] | pd.Index,
    minutes_per_unit: float = 1.0,
    max_minutes: float | None = None,
) -> pd.DataFrame:
    """Turn a dense ``origins × destinations`` cost matrix into the long cost table.

    ``matrix`` is e.g. the result of :func:`jamlik.routing.engine.travel_costs` (seconds on a
    profile graph: pass ``minutes_per_unit=1/60``); ``inf``/NaN entries (unreachable) and
    entries beyond ``max_minutes`` are left out.
    """
    m = np.asarray(matrix, dtype=np.float64)
    o_ids = np.asarray(origin_ids, dtype=str)
    d_ids = np.asarray(destination_ids, dtype=str)
    if m.shape != (o_ids.size, d_ids.size):
        raise DataError(t("fca.cost_shape", shape=m.shape, size=o_ids.size, size2=d_ids.size))
    minutes = m * minutes_per_unit
    keep = np.isfinite(minutes)
    if max_minutes is not None:
        keep &= minutes <= max_minutes
    rows, cols = np.nonzero(keep)
    return pd.DataFrame(
        {"origin_id": o_ids[rows], "destination_id": d_ids[cols], "minutes": minutes[rows, cols]}
    )
