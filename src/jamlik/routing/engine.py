"""The accessibility engine: nearest opportunities, counts within cutoffs and decayed sums.

:func:`accessibility` answers, for every origin node of a street graph and every category of
opportunity (grocery, school, ...), three questions at once, without ever building the
origin × opportunity table:

* ``nearest[o, c, i]``: the cost of the ``i``-th nearest opportunity (``inf`` = none within
  ``max_cost``);
* ``counts[o, c, q]``: the cumulative-opportunities measure
  ``sum_j W_j * [c_oj <= T_q]`` (Geurs & van Wee 2004);
* ``decayed[o, c, m]``: the gravity measure ``sum_j W_j * f_m(c_oj)`` (Hansen 1959)
  for each decay function ``f_m`` of :mod:`jamlik.routing.decay`.

An opportunity is a group of *seeds* (:class:`~jamlik.networks.snapping.Seeds`): graph nodes
with the cost from that node to the opportunity (e.g. the walk from the street to the door, or
both ends of the street edge the door lies on). The cost from origin ``o`` to opportunity
``j`` is ``c_oj = min over seeds s of (dist(o, node_s) + cost_s)``.

Two strategies give the same numbers (up to floating-point rounding):

``from_opportunities``
    one bounded multi-source search per opportunity on the reversed graph, aggregating into
    every origin it reaches (fast when opportunities are fewer than origins);
``from_origins``
    one bounded search per origin, aggregating the opportunities it meets.

``from_opportunities`` runs its searches on ``threads`` cores (each thread takes a contiguous
share of the opportunities and its own accumulator for a category another thread also adds
to; the k nearest are merged exactly). The searches run on a prepared copy of the graph
(:mod:`jamlik.routing._prepared`: nodes renumbered along a Hilbert curve when the graph has
coordinates; with ``contract=True`` pass-through chains and pendant trees contracted), kept per
graph object.

References
----------
Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the American Institute of
Planners* 25(2), 73-76.
Geurs, K. T. & van Wee, B. (2004). Accessibility evaluation of land-use and transport
strategies. *Journal of Transport Geography* 12(2), 127-140.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, NegativeValueError, UnknownIdError
from jamlik.i18n import t
from jamlik.networks.graph import Graph
from jamlik.networks.seeds import Seeds
from jamlik.routing import _kernels
from jamlik.routing._prepared import index_type, n_threads, prepared, workspace
from jamlik.routing.decay import DecayFunction

__all__ = ["DEFAULT_CUTOFFS", "AccessResult", "accessibility", "travel_costs"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[Any]  # int32 or int64 node numbers for the kernels
Progress = Callable[[int], None]

#: Default cutoffs: 5, 10, 15, 20 and 30 minutes, in seconds.
DEFAULT_CUTOFFS: tuple[float, ...] = (300.0, 600.0, 900.0, 1200.0, 1800.0)

_UNITS = {"min": 60.0, "s": 1.0, "m": 1.0}


@dataclass(frozen=True)
class AccessResult:
    """Accessibility of each origin to each category of opportunity.

    Attributes
    ----------
    categories
        Opportunity categories, in the order of the second axis.
    cutoffs
        Cost cutoffs of ``counts`` (cost unit of the graph).
    k
        Number of nearest opportunities kept.
    decay_names
        Labels of the decay functions, in the order of the last axis of ``decayed``.
    nearest
        ``n_origins × n_categories × k`` costs, ascending; ``inf`` = unreachable (never 0).
    counts
        ``n_origins × n_categories × n_cutoffs`` weighted counts with cost ``<=`` cutoff.
    decayed
        ``n_origins × n_categories × n_decay`` decayed weighted sums.
    origins
        Graph node of each origin row.
    max_cost
        Bound of the searches; nothing beyond it is counted.

    Notes
    -----
    ``nearest``, ``counts`` and ``decayed`` may be views into one shared
    accumulator (copying them would cost more than the searches on large graphs); copy before
    modifying them in place.
    """

    categories: tuple[str, ...]
    cutoffs: tuple[float, ...]
    k: int
    decay_names: tuple[str, ...]
    nearest: FloatArray
    counts: FloatArray
    decayed: FloatArray
    origins: IntArray
    max_cost: float

    def column_names(self, *, unit: Literal["min", "s", "m"] = "min") -> list[str]:
        """Return the columns of :meth:`to_frame`, in order."""
        if unit not in _UNITS:
            raise DataError(t("routing.bad_unit", value=sorted(_UNITS), unit=unit))
        names: list[str] = []
        for cat in self.categories:
            names += [f"{cat}_nearest_{i + 1}_{unit}" for i in range(self.k)]
            names += [f"{cat}_count_{_fmt(q / _UNITS[unit])}{unit}" for q in self.cutoffs]
            names += [f"{cat}_decay_{name}" for name in self.decay_names]
        return names

    def to_frame(self, *, unit: Literal["min", "s", "m"] = "min") -> pd.DataFrame:
        """Return one row per origin and one column per measure.

        Parameters
        ----------
        unit
            ``"min"`` when the graph cost is in seconds (costs are divided by 60), ``"s"``
            (seconds as they are) or ``"m"`` (metres, for distance graphs). Used in the column
            names: ``grocery_nearest_1_min``, ``grocery_count_15min``, ``grocery_decay_<name>``.

        Returns
        -------
        pandas.DataFrame
            Indexed by the origin node (``node``); the nearest costs are ``NaN`` where no
            opportunity is reachable.
        """
        names = self.column_names(unit=unit)
        n = self.origins.shape[0]
        nearest = np.where(np.isinf(self.nearest), np.nan, self.nearest) / _UNITS[unit]
        blocks = np.concatenate([nearest, self.counts, self.decayed], axis=2)
        data = blocks.reshape(n, -1)
        return pd.DataFrame(data, columns=names, index=pd.Index(self.origins, name="node"))

    def describe_columns(self, *, unit: Literal["min", "s", "m"] = "min") -> dict[str, str]:
        """Return a translated description of each column of :meth:`to_frame`."""
        out: dict[str, str] = {}
        names = iter(self.column_names(unit=unit))
        for cat in self.categories:
            for i in range(self.k):
                out[next(names)] = t("routing.col_nearest", category=cat, rank=i + 1, unit=unit)
            for q in self.cutoffs:
                out[next(names)] = t(
                    "routing.col_count", category=cat, cutoff=_fmt(q / _UNITS[unit]), unit=unit
                )
            for name in self.decay_names:
                out[next(names)] = t("routing.col_decay", category=cat, decay=name)
        return out


def _fmt(x: float) -> str:
    return f"{x:g}".replace(".", "p")


def _check_seeds(graph: Graph, seeds: Seeds, what: str) -> tuple[IntArray, IntArray, FloatArray]:
    """Validate one group of seeds; return ``(indptr, node, cost)`` as contiguous arrays."""
    indptr = np.ascontiguousarray(seeds.indptr, dtype=np.int64)
    node = np.ascontiguousarray(seeds.node, dtype=np.int64)
    cost = np.ascontiguousarray(seeds.cost, dtype=np.float64)
    if indptr.ndim != 1 or indptr.size == 0 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise DataError(t("routing.seeds_indptr_order", what=what))
    if indptr[-1] != node.size or node.size != cost.size:
        raise DataError(
            t(
                "routing.seeds_indptr_end",
                what=what,
                indptr=indptr[-1],
                size=node.size,
                size2=cost.size,
            )
        )
    if node.size and (node.min() < 0 or node.max() >= graph.n_nodes):
        bad = int(np.flatnonzero((node < 0) | (node >= graph.n_nodes))[0])
        raise UnknownIdError(
            t(
                "routing.seed_outside_graph",
                what=what,
                bad=bad,
                node=node[bad],
                name=graph.name,
                value=graph.n_nodes - 1,
            )
        )
    if not np.all(np.isfinite(cost)):
        bad = int(np.flatnonzero(~np.isfinite(cost))[0])
        raise DataError(t("routing.seed_cost_not_finite", what=what, bad=bad, cost=cost[bad]))
    if np.any(cost < 0):
        bad = int(np.flatnonzero(cost < 0)[0])
        raise NegativeValueError(
            t("routing.seed_cost_negative", what=what, bad=bad, cost=cost[bad])
        )
    return indptr, node, cost


def _forward(graph: Graph) -> tuple[IndexArray, IndexArray, FloatArray]:
    """CSR arrays of the (uncontracted) graph in the kernels' index type."""
    it = index_type(graph.n_edges + graph.n_nodes)
    return graph.indptr.astype(it), graph.indices.astype(it), graph.cost


def _chunks(total: int, progress: Progress | None) -> list[tuple[int, int]]:
    step = total if progress is None else max(64, total // 100)
    step = max(step, 1)
    return [(lo, min(lo + step, total)) for lo in range(0, total, step)]


def accessibility(
    graph: Graph,
    opportunities: Mapping[str, Seeds],
    *,
    weights: Mapping[str, npt.ArrayLike] | None = None,
    k: int = 3,
    cutoffs: Sequence[float] = DEFAULT_CUTOFFS,
    decay: Sequence[DecayFunction] = (),
    max_cost: float | None = None,
    strategy: Literal["auto", "from_opportunities", "from_origins"] = "auto",
    origins: npt.ArrayLike | None = None,
    progress: Progress | None = None,
    contract: bool = False,
    threads: int | None = None,
) -> AccessResult:
    """Compute nearest, cumulative and gravity accessibility for every origin.

    Parameters
    ----------
    graph
        Street graph; its ``cost`` is the travel cost (seconds, or metres).
    opportunities
        ``{category: Seeds}``; each seed group is one opportunity.
    weights
        ``{category: array}`` weight ``W_j`` of each opportunity (count, capacity); default 1.
    k
        Number of nearest opportunities to keep per category.
    cutoffs
        Cost cutoffs ``T_q`` for the counts (cost unit of the graph; default 5-30 min in s).
    decay
        Decay functions ``f_m`` for the gravity sums.
    max_cost
        Bound of every search; defaults to the largest cutoff or decay support.
    strategy
        ``"from_opportunities"``, ``"from_origins"`` or ``"auto"`` (searches from whichever
        side has fewer items).
    origins
        Graph nodes to report (default: every node, in node order); repeats are allowed.
    progress
        Called with the number of searches finished since the last call.
    contract
        Search the graph with its chains of pass-through nodes and pendant trees contracted
        (:mod:`jamlik.networks.contraction`); the answers are the same (to 1e-9 of the cost).
        Off by default: on OSM walk graphs it leaves about 1/1.6 of the nodes but is hardly
        faster (the interior nodes still cost a sweep each; see ``benchmarks/README.md``).
        Applies to ``from_opportunities``; ``from_origins`` searches the graph as it is.
    threads
        Parallel searches (``from_opportunities``); default: numba's thread count. The
        answers do not depend on it (sums may differ in the last bits).

    Returns
    -------
    AccessResult

    Raises
    ------
    DataError
        Inconsistent seeds, weights, cutoffs, decay labels or options.
    UnknownIdError
        A seed or origin refers to a node that is not in the graph.
    NegativeValueError
        A negative seed cost or weight.
    """
    if k < 1:
        raise DataError(t("routing.k_min", k=k))
    if strategy not in ("auto", "from_opportunities", "from_origins"):
        raise DataError(t("routing.bad_strategy", strategy=strategy))
    cut = np.asarray(cutoffs, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(cut)) or np.any(cut <= 0):
        raise DataError(t("routing.cutoffs_positive", value=list(cutoffs)))
    if np.unique(cut).size != cut.size:
        raise DataError(t("routing.cutoffs_repeat", value=list(cutoffs)))
    names = tuple(f.name for f in decay)
    if len(set(names)) != len(names):
        raise DataError(t("routing.decay_names_repeat", names=names))
    categories = tuple(opportunities)
    weights = dict(weights or {})
    unknown = set(weights) - set(categories)
    if unknown:
        raise UnknownIdError(t("routing.weights_unknown_categories", value=sorted(unknown)))

    # One concatenated CSR of all opportunities, with their category and weight.
    parts_ptr, parts_node, parts_cost, cat_of, w_of = [], [], [], [], []
    offset = 0
    for c, cat in enumerate(categories):
        indptr, node, cost = _check_seeds(graph, opportunities[cat], f"opportunities[{cat!r}]")
        n_opp = indptr.size - 1
        w = np.ones(n_opp) if cat not in weights else np.asarray(weights[cat], dtype=np.float64)
        if w.shape != (n_opp,):
            raise DataError(t("routing.weights_shape", cat=cat, shape=w.shape, n_opp=n_opp))
        if not np.all(np.isfinite(w)):
            raise DataError(t("routing.weights_not_finite", cat=cat))
        if np.any(w < 0):
            bad = int(np.flatnonzero(w < 0)[0])
            raise NegativeValueError(t("routing.weights_negative", cat=cat, bad=bad, w=w[bad]))
        parts_ptr.append(indptr[1:] + offset)
        parts_node.append(node)
        parts_cost.append(cost)
        cat_of.append(np.full(n_opp, c, dtype=np.int64))
        w_of.append(w)
        offset += node.size
    seeds_indptr = np.concatenate([np.zeros(1, dtype=np.int64), *parts_ptr])
    seeds_node = np.concatenate([np.empty(0, dtype=np.int64), *parts_node])
    seeds_cost = np.concatenate([np.empty(0), *parts_cost])
    opp_cat = np.concatenate([np.empty(0, dtype=np.int64), *cat_of])
    opp_w = np.concatenate([np.empty(0), *w_of])
    n_opp_total = seeds_indptr.size - 1

    dkind = np.array([f.compiled()[0] for f in decay], dtype=np.int64)
    dp0 = np.array([f.compiled()[1] for f in decay], dtype=np.float64)
    dp1 = np.array([f.compiled()[2] for f in decay], dtype=np.float64)
    dsupport = np.array([f.support for f in decay], dtype=np.float64)
    if max_cost is None:
        bounds = [*cut.tolist(), *dsupport.tolist()]
        max_cost = max(bounds) if bounds else np.inf
    if not max_cost > 0:
        raise DataError(t("routing.max_cost_positive", max_cost=max_cost))

    n = graph.n_nodes
    if origins is None:
        uniq = np.arange(n, dtype=np.int64)
        inverse = None
    else:
        orig = np.asarray(origins, dtype=np.int64).reshape(-1)
        if orig.size and (orig.min() < 0 or orig.max() >= n):
            bad = int(orig[(orig < 0) | (orig >= n)][0])
            raise UnknownIdError(
                t("routing.origin_outside_graph", bad=bad, name=graph.name, value=n - 1)
            )
        uniq, inverse = np.unique(orig, return_inverse=True)
    n_rows = uniq.size

    n_cat = len(categories)
    # One accumulator per (category, origin): k nearest, count buckets, decayed sums.
    cut_order = np.argsort(cut, kind="stable")
    acc = np.empty((n_cat, n_rows, k + cut.size + len(decay)))
    _kernels.init_accumulator(acc, k)
    if strategy == "auto":
        strategy = "from_origins" if n_rows < n_opp_total else "from_opportunities"
    started = time.perf_counter()
    measures = _kernels.Measures(k, cut[cut_order], dkind, dp0, dp1, dsupport)
    if strategy == "from_opportunities" and n_rows:
        _from_opportunities(
            graph,
            (seeds_indptr, seeds_node, seeds_cost, opp_cat, opp_w),
            uniq,
            origins is None,
            float(max_cost),
            measures,
            acc,
            progress,
            contract=contract,
            threads=threads,
        )
    elif strategy == "from_origins" and n_opp_total:
        # Seeds listed by graph node: which opportunity lies there, at which cost.
        order = np.argsort(seeds_node, kind="stable")
        seed_opp = np.repeat(np.arange(n_opp_total), np.diff(seeds_indptr))
        by_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(seeds_node, minlength=n), out=by_ptr[1:])
        fwd = _forward(graph)
        it = fwd[0].dtype
        query = _kernels.Query(
            seeds_indptr,
            uniq.astype(it),
            seeds_cost,
            opp_cat,
            opp_w,
            np.empty(0, dtype=it),
            np.empty(0, dtype=it),
            float(max_cost),
        )
        work = _kernels.Workspace(
            np.full(n, np.inf),
            np.empty(n, dtype=it),
            np.empty(graph.n_edges + 2),
            np.empty(graph.n_edges + 2, dtype=it),
            np.empty(0),
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=it),
        )
        by_node = (by_ptr, seed_opp[order], seeds_cost[order])
        best = np.full(n_opp_total, np.inf)
        opp_touched = np.empty(n_opp_total, dtype=np.int64)
        for lo, hi in _chunks(n_rows, progress):
            _kernels.aggregate_from_origins(
                fwd, query, measures, acc, lo, hi, by_node, best, opp_touched, work
            )
            if progress is not None:
                progress(hi - lo)
    logger.debug(
        "accessibility: %d origins, %d opportunities, %s, %.3f s",
        n_rows,
        n_opp_total,
        strategy,
        time.perf_counter() - started,
    )
    # Views in (origin, category, ...) order: copying 3 large arrays would cost more than the
    # searches on big graphs.
    _kernels.cumulate_counts(acc, k, cut.size)
    nearest = acc[:, :, :k].transpose(1, 0, 2)
    counts = acc[:, :, k : k + cut.size].transpose(1, 0, 2)
    if not np.array_equal(cut_order, np.arange(cut.size)):
        counts = counts[:, :, np.argsort(cut_order)]  # back to the caller's cutoff order
    decayed = acc[:, :, k + cut.size :].transpose(1, 0, 2)
    if inverse is not None and not np.array_equal(orig, uniq):
        # Back to the caller's order (and repeats) from the sorted distinct origins.
        nearest, counts, decayed, uniq = nearest[inverse], counts[inverse], decayed[inverse], orig
    return AccessResult(
        categories=categories,
        cutoffs=tuple(float(x) for x in cut),
        k=k,
        decay_names=names,
        nearest=nearest,
        counts=counts,
        decayed=decayed,
        origins=uniq,
        max_cost=float(max_cost),
    )


def travel_costs(
    graph: Graph,
    origin_seeds: Seeds,
    destination_seeds: Seeds,
    *,
    max_cost: float | None = None,
    progress: Progress | None = None,
    contract: bool = False,
    threads: int | None = None,
) -> FloatArray:
    """Return the least cost from every origin to every destination (for small studies).

    The cost is ``c_ij = min over origin seeds s and destination seeds u of
    (cost_s + dist(node_s, node_u) + cost_u)``.

    Parameters
    ----------
    graph
        Street graph.
    origin_seeds
        One group per origin; seed cost = cost from the origin point to the node.
    destination_seeds
        One group per destination; seed cost = cost from the node to the destination.
    max_cost
        Bound of the searches (default: none).
    progress
        Called with the number of origins finished since the last call.
    contract
        Search the graph with its pass-through chains contracted (same answers; see
        :func:`accessibility`).
    threads
        Parallel searches; default: numba's thread count.

    Returns
    -------
    numpy.ndarray
        ``n_origins × n_destinations`` float64; ``inf`` where unreachable within ``max_cost``.
    """
    o_ptr, o_node, o_cost = _check_seeds(graph, origin_seeds, "origin_seeds")
    d_ptr, d_node, d_cost = _check_seeds(graph, destination_seeds, "destination_seeds")
    bound = np.inf if max_cost is None else float(max_cost)
    if not bound > 0:
        raise DataError(t("routing.max_cost_positive", max_cost=max_cost))
    n_o, n_d = o_ptr.size - 1, d_ptr.size - 1
    out = np.full((n_o, n_d), np.inf)
    prep = prepared(graph, contract=contract)
    seeds_max = int(np.diff(o_ptr).max()) if n_o else 0
    n_thr = n_threads(threads, n_o)
    work = workspace(prep, seeds_max, n_thr)
    sg = prep.search_graph(reverse=False)
    o = (o_ptr, prep.code(o_node), o_cost)
    d = (d_ptr, prep.code(d_node), d_cost)
    for lo, hi in _chunks(n_o, progress):
        _kernels.od_costs(sg, o, d, lo, hi, bound, out, work)
        if progress is not None:
            progress(hi - lo)
    return out


def _from_opportunities(
    graph: Graph,
    seeds: tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray],
    uniq: IntArray,
    every_node: bool,
    max_cost: float,
    measures: Any,
    acc: FloatArray,
    progress: Progress | None,
    *,
    contract: bool,
    threads: int | None,
) -> None:
    """Aggregate one search per opportunity into ``acc``.

    Row ``r`` is node ``r`` with ``every_node``, else origin ``uniq[r]``. (Rows in the
    prepared graph's order would be written more locally, but putting them back in node
    order costs more than that saves.)
    """
    seed_ptr, seed_node, seed_cost, opp_cat, opp_w = seeds
    prep = prepared(graph, contract=contract)
    cg, it = prep.graph, prep.it
    n_kept, n_int = cg.n_kept, cg.interior_node.size
    if every_node:
        krow = cg.kept_node.astype(it)
        irow = cg.interior_node.astype(it)
    else:
        krow = np.full(n_kept, -1, dtype=it)
        irow = np.full(n_int, -1, dtype=it)
        code = cg.code[uniq]
        rows = np.arange(uniq.size)
        krow[code[code >= 0]] = rows[code >= 0]
        irow[-code[code < 0] - 1] = rows[code < 0]
    n_opp = seed_ptr.size - 1
    query = _kernels.Query(
        seed_ptr, prep.code(seed_node), seed_cost, opp_cat, opp_w, krow, irow, max_cost
    )
    n_thr = n_threads(threads, n_opp // 16)
    seeds_max = int(np.diff(seed_ptr).max()) if n_opp else 0
    work = workspace(prep, seeds_max, n_thr)
    # Thread t takes the opportunities bounds[t]:bounds[t + 1] (sorted by category). A category
    # that several threads add to gets an extra accumulator ("slot") for all but the first.
    bounds = np.linspace(0, n_opp, n_thr + 1).round().astype(np.int64)
    slot = np.full((n_thr, acc.shape[0]), -1, dtype=np.int64)
    slot_cat: list[int] = []
    for th in range(n_thr):
        for c in np.unique(opp_cat[bounds[th] : bounds[th + 1]]):
            if np.any(opp_cat[: bounds[th]] == c):
                slot[th, c] = len(slot_cat)
                slot_cat.append(int(c))
    extra = np.empty((len(slot_cat), *acc.shape[1:]))
    _kernels.init_accumulator(extra, measures.k)
    sg = prep.search_graph(reverse=True)
    done = bounds[:-1].copy()
    for lo, hi in _chunks(n_opp, progress):
        # Each call advances every thread by its share of the chunk (for progress reports).
        upto = np.minimum(
            bounds[:-1] + (np.diff(bounds) * hi + n_opp - 1) // max(n_opp, 1), bounds[1:]
        )
        _kernels.aggregate_from_opportunities(
            sg, query, measures, acc, extra, slot, done, upto, work
        )
        done = upto
        if progress is not None:
            progress(hi - lo)
    if slot_cat:
        _kernels.merge_accumulators(acc, extra, np.array(slot_cat, dtype=np.int64), measures.k)
