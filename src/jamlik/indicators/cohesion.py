"""Co-accessibility: meeting places shared by residents of vulnerable and other areas.

Meeting places within ``T`` (cost from home node to the place) of residents of two sides
(vulnerable areas and the others). Two rules, both reported:

* node rule: a place is **shared** when at least one node with residents of each side reaches
  it within ``T``; ``shared_share`` = shared places / places;
* population rule: ``a_j`` and ``b_j`` are the shares of each side's residents within ``T`` of
  place ``j``; ``mean_min_share = mean_j min(a_j, b_j)`` (1 when every place is within reach of
  everyone on both sides).

The sums per place come from :func:`jamlik.routing.network_measures.place_reach`; this module
only turns them into shares, so it is a pure formula over arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError
from jamlik.i18n import t

__all__ = ["CO_ACCESS_WEIGHTS", "CoAccess", "co_access_shares", "co_access_weights"]

#: Columns of the node weights that :func:`co_access_shares` expects, in order.
CO_ACCESS_WEIGHTS = ("vulnerable_nodes", "other_nodes", "vulnerable_pop", "other_pop")


@dataclass(frozen=True)
class CoAccess:
    """Meeting places shared by two sides (see the module docstring for the rules).

    Attributes
    ----------
    places
        One row per place: ``vulnerable_nodes``, ``other_nodes`` (resident nodes of each side
        within the threshold), ``vulnerable_pop``, ``other_pop`` (residents within),
        ``vulnerable_share``, ``other_share`` (of each side's residents), ``reached_vulnerable``,
        ``reached_other``, ``snapped``, ``shared``.
    summary
        ``places``, ``shared_share``, ``reachable_vulnerable_share``,
        ``reachable_other_share``, ``mean_min_share``, ``threshold``.
    """

    places: pd.DataFrame
    summary: dict[str, float]


def co_access_weights(
    vulnerable_pop: npt.ArrayLike, other_pop: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Node weights ``(n_nodes, 4)`` in the order of :data:`CO_ACCESS_WEIGHTS`.

    Raises
    ------
    DataError
        If the two arrays differ in shape or a side has no residents.
    """
    v = np.asarray(vulnerable_pop, dtype=np.float64)
    o = np.asarray(other_pop, dtype=np.float64)
    if v.ndim != 1 or v.shape != o.shape:
        raise DataError(t("cohesion.pop_per_node"))
    if not (v.sum() > 0 and o.sum() > 0):
        raise DataError(t("cohesion.needs_both_sides"))
    return np.column_stack([v > 0, o > 0, v, o]).astype(np.float64)


def co_access_shares(
    reach: npt.ArrayLike,
    *,
    snapped: npt.ArrayLike,
    vulnerable_total: float,
    other_total: float,
    threshold: float,
) -> CoAccess:
    """Shares of places within ``threshold`` of residents of both sides.

    Node rule: place ``j`` is shared when ``exists u: V_u > 0, c(u,j) <= T`` and
    ``exists u: O_u > 0, c(u,j) <= T``; population rule:
    ``mean_j min(sum_u V_u [c(u,j) <= T] / sum V, sum_u O_u [c(u,j) <= T] / sum O)``.

    Parameters
    ----------
    reach
        ``(n_places, 4)`` sums within ``threshold`` of the weights of
        :func:`co_access_weights` per place.
    snapped
        Whether each place lies on the network; places that do not are left out of every share.
    vulnerable_total, other_total
        Residents of each side in all.
    threshold
        The cut-off the sums were taken at (reported in the summary).
    """
    r = np.asarray(reach, dtype=np.float64)
    has_seed = np.asarray(snapped, dtype=bool)
    if r.ndim != 2 or r.shape[1] != len(CO_ACCESS_WEIGHTS) or r.shape[0] != has_seed.size:
        raise DataError(t("cohesion.reach_shape", shape=r.shape))
    places = pd.DataFrame(
        {
            "vulnerable_nodes": r[:, 0].astype(np.int64),
            "other_nodes": r[:, 1].astype(np.int64),
            "vulnerable_pop": r[:, 2],
            "other_pop": r[:, 3],
            "vulnerable_share": r[:, 2] / vulnerable_total,
            "other_share": r[:, 3] / other_total,
            "reached_vulnerable": r[:, 0] > 0,
            "reached_other": r[:, 1] > 0,
            "snapped": has_seed,
        }
    )
    places["shared"] = places["reached_vulnerable"] & places["reached_other"]
    usable = places[has_seed]
    count = len(usable)

    def share(mask: pd.Series) -> float:
        return float(mask.sum() / count) if count else float("nan")

    summary = {
        "places": float(count),
        "threshold": float(threshold),
        "shared_share": share(usable["shared"]),
        "reachable_vulnerable_share": share(usable["reached_vulnerable"]),
        "reachable_other_share": share(usable["reached_other"]),
        "mean_min_share": (
            float(np.minimum(usable["vulnerable_share"], usable["other_share"]).mean())
            if count
            else float("nan")
        ),
    }
    return CoAccess(places=places, summary=summary)
