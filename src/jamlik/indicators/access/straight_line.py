r"""Straight-line accessibility: the fallback where a pack has no street network.

Where no streets are known, the walk to a place is estimated as the straight (Euclidean)
distance times a **detour factor** :math:`\delta \ge 1`, the ratio of the walk along the streets
to the straight line (also called circuity or route directness):

.. math:: \hat d_{ij} = \delta \, \lVert x_i - x_j \rVert, \qquad
          \hat t_{ij} = \hat d_{ij} / v

with :math:`v` the travel profile's speed. From these estimated costs the same measures as the
network engine (:func:`jamlik.routing.accessibility`) follow: the ``k`` nearest places, the
(weighted) number within each cut-off and a decayed sum, all bounded by the largest cut-off
(nothing beyond it counts, as in the engine's bounded search).

The detour factor
-----------------
The default :data:`DEFAULT_DETOUR_FACTOR` = 1.3 is a common planning value within the range of
circuity reported for street networks: network distances between origins and destinations
average roughly 1.2 to 1.4 times the straight line (Giacomin & Levinson 2015, road routes in US
metropolitan areas), and a pedestrian route directness up to about 1.5 is the usual threshold of
a well-connected walking network (Dill 2004). It is a stated assumption, not a measurement of
the pack's streets; ``--detour`` changes it. ``benchmarks/approximate_bench.py`` measures it on
the packs with both streets and stops: the walk to the nearest served stop is a median 1.35
(Tampere) and 1.40 (Porto Alegre) times the straight line to the nearest stop, so with 1.3 the
approximation counts about 4-5 percentage points more residents within 400 m than the network
(per 1 km square: mean absolute difference 4-5 points, correlation 0.94-0.99). The run's notes
say so.

Places with an extent (parks) are represented by points along their boundary (one place, many
points): the distance to a place is the distance to its nearest boundary point, and a place
counts once however many of its points lie within a cut-off.

References
----------
Dill, J. (2004). Measuring network connectivity for bicycling and walking. *83rd Annual Meeting
of the Transportation Research Board*, Washington DC.

Giacomin, D. J. & Levinson, D. M. (2015). Road network circuity in metropolitan areas.
*Environment and Planning B: Planning and Design* 42(6), 1040-1053.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from jamlik.errors import DataError
from jamlik.i18n import t

__all__ = ["DEFAULT_DETOUR_FACTOR", "StraightLineMeasures", "straight_line_measures"]

#: Walk along the streets as a multiple of the straight line (see the module docstring).
DEFAULT_DETOUR_FACTOR = 1.3

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Origin-place pairs handled at once (bounds the memory of one block of pairs).
_PAIRS_PER_BLOCK = 4_000_000


@dataclass(frozen=True)
class StraightLineMeasures:
    r"""Estimated costs from every origin to the places of one category.

    Attributes
    ----------
    nearest_s
        ``(n_origins, k)``: estimated cost (seconds) to the nearest, second nearest, ... place;
        ``inf`` where fewer places lie within the largest cut-off.
    counts
        ``(n_origins, n_cutoffs)``: weight of the places within each cut-off.
    decayed
        ``(n_origins,)``: :math:`\sum_j w_j e^{-\beta \hat t_{ij}}` over the places within
        the largest cut-off.
    """

    nearest_s: FloatArray
    counts: FloatArray
    decayed: FloatArray


def straight_line_measures(
    origin_xy: npt.ArrayLike,
    place_xy: npt.ArrayLike,
    *,
    owner: npt.ArrayLike | None = None,
    weight: npt.ArrayLike | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_m_s: float,
    k: int = 1,
    cutoffs_s: Sequence[float] = (),
    decay_beta: float | None = None,
    max_cost_s: float | None = None,
) -> StraightLineMeasures:
    r"""Return nearest costs, counts within cut-offs and a decayed sum along straight lines.

    Parameters
    ----------
    origin_xy
        ``(n, 2)`` origin coordinates, metres (a projected CRS).
    place_xy
        ``(m, 2)`` coordinates of the places' points, metres.
    owner
        Place number of each point (``0 .. n_places-1``); default one place per point.
    weight
        Weight of each place (default 1): what the counts and the decayed sum add up.
    detour_factor
        :math:`\delta \ge 1`; the estimated walk is :math:`\delta` times the straight line.
    speed_m_s
        Travel speed, metres per second.
    k
        How many nearest places to report.
    cutoffs_s
        Cut-offs (seconds) for the counts.
    decay_beta
        Rate of the negative exponential decay per second (no decayed sum when ``None``).
    max_cost_s
        Bound of the search (default: the largest cut-off).

    Returns
    -------
    StraightLineMeasures

    Raises
    ------
    DataError
        If the detour factor is below 1, the speed not positive, or there is no bound.
    """
    if not (detour_factor >= 1.0 and np.isfinite(detour_factor)):
        raise DataError(t("access.detour_factor", detour_factor=detour_factor))
    if not speed_m_s > 0:
        raise DataError(t("access.speed_positive", speed_m_s=speed_m_s))
    cutoffs = np.asarray(sorted(cutoffs_s), dtype=np.float64)
    bound_s = max_cost_s if max_cost_s is not None else (cutoffs[-1] if cutoffs.size else None)
    if bound_s is None or not bound_s > 0:
        raise DataError(t("access.straight_needs_bound"))
    origins = np.asarray(origin_xy, dtype=np.float64).reshape(-1, 2)
    points = np.asarray(place_xy, dtype=np.float64).reshape(-1, 2)
    owners = (
        np.arange(len(points), dtype=np.int64)
        if owner is None
        else np.asarray(owner, dtype=np.int64)
    )
    n_places = int(owners.max()) + 1 if owners.size else 0
    weights = np.ones(n_places) if weight is None else np.asarray(weight, dtype=np.float64)
    n = len(origins)
    nearest = np.full((n, k), np.inf)
    counts = np.zeros((n, cutoffs.size))
    decayed = np.zeros(n)
    if n == 0 or points.size == 0:
        return StraightLineMeasures(nearest, counts, decayed)
    metres_per_s = speed_m_s / detour_factor  # straight-line metres covered per second
    radius_m = bound_s * metres_per_s
    tree = cKDTree(points)
    single = np.unique(owners).size == owners.size  # every place is one point: no dedup
    # Blocks of origins with at most _PAIRS_PER_BLOCK pairs each (exact counts per origin).
    pairs_per_origin = tree.query_ball_point(origins, radius_m, return_length=True)
    ends = np.searchsorted(
        np.cumsum(pairs_per_origin),
        np.arange(_PAIRS_PER_BLOCK, int(pairs_per_origin.sum()) + _PAIRS_PER_BLOCK,
                  _PAIRS_PER_BLOCK),
        side="right",
    )  # fmt: skip
    bounds = np.unique(np.clip(np.r_[0, ends, n], 0, n))
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        block = origins[start:stop]
        pairs = cKDTree(block).sparse_distance_matrix(tree, radius_m, output_type="ndarray")
        i = pairs["i"].astype(np.int64)
        place = owners[pairs["j"]]
        cost = pairs["v"] / metres_per_s
        if single:  # the k nearest straight from the tree; the pairs only for sums
            d, _ = tree.query(block, k=k, distance_upper_bound=np.nextafter(radius_m, np.inf))
            d = d.reshape(len(block), k)
            nearest[start:stop] = np.where(d <= radius_m, d / metres_per_s, np.inf)
        else:
            i, place, cost = _closest_per_place(i, place, cost)
            rank = _rank_within(i)
            top = rank < k
            nearest[start + i[top], rank[top]] = cost[top]
        w = weights[place]
        for c, cutoff in enumerate(cutoffs):
            within = cost <= cutoff
            counts[start:stop, c] = np.bincount(
                i[within], weights=w[within], minlength=stop - start
            )
        if decay_beta is not None:
            decayed[start:stop] = np.bincount(
                i, weights=w * np.exp(-decay_beta * cost), minlength=stop - start
            )
    return StraightLineMeasures(nearest, counts, decayed)


def _closest_per_place(
    i: IntArray, place: IntArray, cost: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Keep one pair per (origin, place), the cheapest; the result is sorted by origin, cost."""
    order = np.lexsort((cost, place, i))
    i, place, cost = i[order], place[order], cost[order]
    first = np.ones(i.size, dtype=bool)
    first[1:] = (i[1:] != i[:-1]) | (place[1:] != place[:-1])
    i, place, cost = i[first], place[first], cost[first]
    order = np.lexsort((cost, i))
    return i[order], place[order], cost[order]


def _rank_within(i: IntArray) -> IntArray:
    """Position of each row within its run of equal (sorted) ``i``: 0, 1, 2, ..."""
    if i.size == 0:
        return i
    starts = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
    run = np.repeat(starts, np.diff(np.r_[starts, i.size]))
    return np.arange(i.size) - run
