"""Incremental accessibility: update a result for a local change instead of searching again.

:func:`update_accessibility` takes an :class:`~jamlik.routing.engine.AccessResult` computed on
one graph with one set of opportunities (*before*) and returns the result that
:func:`~jamlik.routing.engine.accessibility` would give on another graph with another set
(*after*), searching only from what the change touches:

* **Opportunities** are matched by a stable id per category (``OpportunitySet.ids``). One that
  is gone is searched on the graph before and its contribution taken away; a new one is
  searched on the graph after and added; one whose seeds (in the caller's node numbering) or
  weight differ is both.
* **Streets**: the directed edges of both graphs are compared in the caller's node numbering
  (``Graph.node_index``), so added and closed links, changed costs and whole components that
  join or leave the graph all count. An opportunity's search can change only if a changed
  edge ``u -> v`` of cost ``c`` has ``c + d(v) <= d(u)``, ``d`` being the least cost to the
  opportunity on the graph before: a gone edge on a least path, or a new one no longer than
  the old way (otherwise the costs before still satisfy every edge after and each node keeps
  a least path, so the search settles the same nodes at the same costs). One bounded search
  *from* each end node on the graph before gives ``d`` there for every opportunity; those
  for which an edge matters are searched before and after.
* **Counts and decayed sums** take the old contribution away and add the new one. Counts of
  whole-number weights are exact; decayed sums agree with a full run to rounding.
* **The k nearest**: a new cost is inserted; an old cost in the list is swapped for a new one
  that is no larger; where an old cost in the list grows or goes, the next candidate is
  unknown and the row is recomputed: a bounded search from the flagged rows (on the graph
  after) finds every opportunity that can reach them, and only those are searched again
  (:mod:`jamlik.routing._incremental_kernels`).
* **Origins** that were not origins before (new homes on another node, a component the
  change joins) are recomputed the same way for every category.

Hand-written because no library updates bounded multi-source aggregates for edge and source
changes (dynamic shortest-path libraries update one tree, not sums over many searches).
Searches run on the graphs as they are (``contract=False``, the default of
:func:`~jamlik.routing.engine.accessibility`) and with the engine's own search kernel, so the
nearest costs are the same floats as a full run's.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.networks.graph import Graph
from jamlik.networks.seeds import Seeds
from jamlik.routing import _incremental_kernels, _kernels
from jamlik.routing._prepared import Prepared, prepared, workspace
from jamlik.routing.decay import DecayFunction
from jamlik.routing.engine import AccessResult

__all__ = ["IncrementalResult", "OpportunitySet", "changed_nodes", "update_accessibility"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Relative slack of the tests "does this search reach that node": a search in the other
#: direction adds the same costs in another order, so the bound is widened by a hair (a
#: false "yes" costs a search, a false "no" would cost exactness).
_SLACK = 1e-9
#: Most end nodes of changed edges searched one by one to test each edge against each
#: opportunity (:func:`_touched_by_edges`); beyond, one search from all of them.
_MAX_ENDS = 64


@dataclass(frozen=True)
class OpportunitySet:
    """Opportunities by category: seeds (graph nodes), weights and a stable id of each.

    ``ids[c][j]`` names opportunity ``j`` of category ``c`` across the two sets (e.g. its row
    in the pack's table); ids must be unique within a category. Without ids (``None``) the
    opportunities are matched by what they are: the same seeds (in the graphs' common
    numbering) and weight; equal ones pair up in order, since a result depends only on the
    seeds and weights of a category, not on which opportunity is which.
    """

    seeds: Mapping[str, Seeds]
    weights: Mapping[str, FloatArray]
    ids: Mapping[str, IntArray] | None = None


@dataclass(frozen=True)
class IncrementalResult:
    """An updated result and what it cost.

    Attributes
    ----------
    result
        What :func:`~jamlik.routing.engine.accessibility` gives on the graph and
        opportunities after.
    changed_edges
        Directed edges in one graph only (an edge whose cost changed counts twice).
    changed_opportunities
        Opportunities searched again (gone, new, moved or reaching a changed edge).
    recomputed_rows
        (Row, category) pairs recomputed from their candidates.
    searches
        Bounded searches run (not counting the one from the changed edges).
    """

    result: AccessResult
    changed_edges: int
    changed_opportunities: int
    recomputed_rows: int
    searches: int


def changed_nodes(before: Graph, after: Graph) -> IntArray:
    """End nodes (caller's numbering) of the directed edges that differ between two graphs.

    An edge differs when it is in one graph only or its cost differs; a node that joins or
    leaves the graph brings its edges.
    """
    src, dst, _ = _edge_diff(before, after)
    return np.unique(np.concatenate([src, dst]))


def _edge_diff(before: Graph, after: Graph) -> tuple[IntArray, IntArray, FloatArray]:
    """Directed edges ``(from, to, cost)`` in one graph only (caller's numbering).

    An edge whose cost changed is there twice: with its cost before and its cost after. On
    two graphs of the same nodes only the rows (out-edges of a node) that differ are
    compared; rows of equal degree are compared edge by edge first (``graph_from_edges``
    sorts each row by target, then cost).
    """
    empty = np.empty(0, dtype=np.int64)
    if before is after:
        return empty, empty, np.empty(0)
    if np.array_equal(before.node_index, after.node_index):
        rows = _differing_rows(before, after)
        n = before.n_nodes
        e0, e1 = _row_edges(before.indptr, rows), _row_edges(after.indptr, rows)
        u0 = np.repeat(rows, before.indptr[rows + 1] - before.indptr[rows])
        u1 = np.repeat(rows, after.indptr[rows + 1] - after.indptr[rows])
        k0, c0 = (u0 * n + before.indices[e0]).astype(np.float64), before.cost[e0]
        k1, c1 = (u1 * n + after.indices[e1]).astype(np.float64), after.cost[e1]
        caller = before.node_index
    else:
        n = int(max(before.node_index.max(initial=-1), after.node_index.max(initial=-1))) + 1
        if n**2 >= 2**53:
            raise DataError(t("incremental.graph_too_large", n=n))
        k0, c0 = _edge_keys(before, n)
        k1, c1 = _edge_keys(after, n)
        caller = np.arange(n, dtype=np.int64)
    e0, e1 = k0 + 1j * c0, k1 + 1j * c1
    gone, new = e0[~np.isin(e0, e1)], e1[~np.isin(e1, e0)]
    keys = np.concatenate([gone.real, new.real]).astype(np.int64)
    cost = np.concatenate([gone.imag, new.imag])
    return caller[keys // n], caller[keys % n], cost


def _edge_keys(graph: Graph, n_caller: int) -> tuple[FloatArray, FloatArray]:
    """Directed edges as (``u * n + v`` in the caller's numbering, cost)."""
    src = graph.node_index[graph.edge_sources()]
    dst = graph.node_index[graph.indices]
    return (src * n_caller + dst).astype(np.float64), graph.cost


def _differing_rows(before: Graph, after: Graph) -> IntArray:
    """Nodes (of two graphs on the same nodes) whose out-edges differ."""
    deg0, deg1 = np.diff(before.indptr), np.diff(after.indptr)
    differ = deg0 != deg1
    same = np.flatnonzero(~differ)
    count = deg0[same]
    e0 = _row_edges(before.indptr, same)
    e1 = _row_edges(after.indptr, same)
    bad = (before.indices[e0] != after.indices[e1]) | (before.cost[e0] != after.cost[e1])
    differ[np.repeat(same, count)[bad]] = True
    return np.flatnonzero(differ)


def _row_edges(indptr: IntArray, rows: IntArray) -> IntArray:
    """Edge numbers of the given CSR rows."""
    count = indptr[rows + 1] - indptr[rows]
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    out: IntArray = np.repeat(indptr[rows], count) + offset
    return out


def _forward_reach(graph: Graph, sources: IntArray, bound: float) -> FloatArray:
    """Least cost from any of ``sources`` (graph nodes) to every node, ``inf`` beyond ``bound``."""
    n = graph.n_nodes
    dist = np.full(n, np.inf)
    if sources.size == 0:
        return dist
    touched = np.empty(n, dtype=np.int64)
    heap = graph.n_edges + sources.size + 2
    hkey, hnode = np.empty(heap), np.empty(heap, dtype=np.int64)
    _kernels.bounded_search(
        graph.indptr,
        graph.indices,
        graph.cost,
        sources.astype(np.int64),
        np.zeros(sources.size),
        bound,
        dist,
        touched,
        hkey,
        hnode,
    )
    return dist


def _point_costs(seeds: Seeds, reach: FloatArray) -> FloatArray:
    """Least cost from the searched node(s) to each point: ``reach`` at a seed + seed cost."""
    total = reach[seeds.node] + seeds.cost
    best = np.full(seeds.n_points, np.inf)
    owner = np.repeat(np.arange(seeds.n_points), np.diff(seeds.indptr))
    np.minimum.at(best, owner, total)
    return best


def _reaching(seeds: Seeds, reach: FloatArray, bound: float) -> npt.NDArray[np.bool_]:
    """Opportunities whose search reaches a node of ``reach`` (cost to the seed + seed cost)."""
    out: npt.NDArray[np.bool_] = _point_costs(seeds, reach) <= bound
    return out


def _touched_by_edges(
    graph: Graph,
    edges: tuple[IntArray, IntArray, FloatArray],
    seeds: Seeds,
    bound: float,
    n_caller: int,
) -> npt.NDArray[np.bool_]:
    """Opportunities (``seeds`` on ``graph``, the graph before) whose search ``edges`` can change.

    Let ``d(x)`` be the least cost from node ``x`` to an opportunity on the graph before
    (``inf`` beyond ``bound`` and for a node not in that graph). A changed edge ``u -> v`` of
    cost ``c`` matters only if ``c + d(v) <= d(u)``: a gone edge on a least path, or a new one
    that is no longer than the old way. If none matters, ``d`` satisfies every edge of the
    graph after and every node keeps a least path of unchanged edges, so the search after
    settles the same nodes at the same costs. ``d`` at the end nodes comes from one search
    from each end (costs summed in the other direction, hence the slack). With more than
    :data:`_MAX_ENDS` ends, every opportunity whose search reaches one of them counts.
    """
    src, dst, cost = edges
    if src.size == 0:
        return np.zeros(seeds.n_points, dtype=bool)
    position = np.full(n_caller, -1, dtype=np.int64)
    position[graph.node_index] = np.arange(graph.n_nodes)
    ends = np.unique(np.concatenate([src, dst]))
    at = position[ends]
    if ends.size > _MAX_ENDS:
        return _reaching(seeds, _forward_reach(graph, at[at >= 0], bound), bound)
    d = np.full((ends.size, seeds.n_points), np.inf)
    for i in np.flatnonzero(at >= 0):
        d[i] = _point_costs(seeds, _forward_reach(graph, at[i : i + 1], bound))
    d_u, d_v = d[np.searchsorted(ends, src)], d[np.searchsorted(ends, dst)]
    matters = cost[:, None] + d_v <= np.minimum(d_u * (1 + _SLACK) + _SLACK, bound)
    out: npt.NDArray[np.bool_] = matters.any(axis=0)
    return out


def _same_seeds(
    s0: Seeds, g0: Graph, j0: IntArray, s1: Seeds, g1: Graph, j1: IntArray
) -> npt.NDArray[np.bool_]:
    """Whether opportunity ``j0[i]`` before has the same seeds as ``j1[i]`` after."""
    out = np.diff(s0.indptr)[j0] == np.diff(s1.indptr)[j1]
    for i in np.flatnonzero(out):
        n0, c0 = s0.of(int(j0[i]))
        n1, c1 = s1.of(int(j1[i]))
        out[i] = np.array_equal(g0.node_index[n0], g1.node_index[n1]) and np.array_equal(c0, c1)
    return out


def _query(prep: Prepared, seeds: Seeds, weights: FloatArray, bound: float) -> object:
    empty = np.empty(0, dtype=prep.it)
    return _kernels.Query(
        np.ascontiguousarray(seeds.indptr, dtype=np.int64),
        prep.code(np.asarray(seeds.node, dtype=np.int64)),
        np.ascontiguousarray(seeds.cost, dtype=np.float64),
        np.empty(0, dtype=np.int64),
        np.ascontiguousarray(weights, dtype=np.float64),
        empty,
        empty,
        bound,
    )


def _krow(prep: Prepared, graph: Graph, row_of_caller: IntArray) -> npt.NDArray[np.int64]:
    """Output row of each node code of ``prep`` (``-1`` = not an output row)."""
    return row_of_caller[graph.node_index[prep.graph.kept_node]]


def update_accessibility(
    before: AccessResult,
    *,
    graph_before: Graph,
    opportunities_before: OpportunitySet,
    graph_after: Graph,
    opportunities_after: OpportunitySet,
    origins: npt.ArrayLike,
    decay: Sequence[DecayFunction] = (),
) -> IncrementalResult:
    """Return ``accessibility(graph_after, ...)`` by updating ``before`` (module docstring).

    Parameters
    ----------
    before
        The result on ``graph_before`` with ``opportunities_before`` (same ``k``, cutoffs,
        decay and bound as wanted after).
    graph_before, graph_after
        The graphs; their ``node_index`` relate nodes of both to one numbering.
    opportunities_before, opportunities_after
        Seeds (on their graph), weights and ids per category. The result's categories are
        those of ``opportunities_after``, in its order.
    origins
        Origin nodes of ``graph_after`` (repeats allowed), as for ``accessibility``.
    decay
        The decay functions of ``before``.

    Raises
    ------
    DataError
        If ``decay`` does not match ``before`` or the graphs carry chains of a contracted run.
    """
    names = tuple(f.name for f in decay)
    if names != before.decay_names:
        raise DataError(t("incremental.decay_differs", names=names, before=before.decay_names))
    k, bound = before.k, before.max_cost
    cut = np.asarray(before.cutoffs, dtype=np.float64)
    order = np.argsort(cut, kind="stable")
    wide = bound * (1 + _SLACK) + _SLACK
    n_caller = int(max(graph_before.node_index.max(), graph_after.node_index.max())) + 1

    # Rows: the distinct origins after, in the caller's numbering.
    orig = np.asarray(origins, dtype=np.int64).reshape(-1)
    uniq, inverse = np.unique(orig, return_inverse=True)
    rows_caller = graph_after.node_index[uniq]
    row_of = np.full(n_caller, -1, dtype=np.int64)
    row_of[rows_caller] = np.arange(uniq.size)
    before_caller = graph_before.node_index[before.origins]
    first = np.unique(before_caller, return_index=True)[1]
    src_row = row_of[before_caller[first]]
    known = src_row >= 0

    cats = tuple(opportunities_after.seeds)
    n_cut, n_dec = cut.size, len(decay)
    acc = np.empty((len(cats), uniq.size, k + n_cut + n_dec))
    flag = np.ones((len(cats), uniq.size), dtype=bool)
    # Same rows in the same order (the common case): slices, not gathers.
    identity = first.size == uniq.size and np.array_equal(src_row, np.arange(uniq.size))
    rows: slice | IntArray = slice(None) if identity else src_row[known]
    sel: slice | IntArray = first if identity else first[known]
    if identity and np.array_equal(first, np.arange(before.origins.size)):
        sel = slice(None)
    for c, cat in enumerate(cats):
        acc[c, :, :k] = np.inf
        acc[c, :, k:] = 0.0
        if cat not in before.categories:
            continue
        b = before.categories.index(cat)
        acc[c, rows, :k] = before.nearest[sel, b]
        acc[c, rows, k : k + n_cut] = before.counts[sel, b][:, order]
        acc[c, rows, k + n_cut :] = before.decayed[sel, b]
        flag[c, rows] = False

    # One CSR of the opportunities before (categories kept after) and one of those after.
    s0_all, w0_all, base0 = _concat(opportunities_before, cats)
    s1_all, w1_all, base1 = _concat(opportunities_after, cats)

    ids0, ids1 = _ids(opportunities_before, graph_before, opportunities_after, graph_after, cats)

    # Which opportunities must be searched again.
    edges = _edge_diff(graph_before, graph_after)
    n_changed = int(edges[0].size)
    touching = _touched_by_edges(graph_before, edges, s0_all, wide, n_caller)
    ops: list[IntArray] = []
    for c in range(len(cats)):
        _, j0, j1 = np.intersect1d(ids0[c], ids1[c], assume_unique=True, return_indices=True)
        g0, g1 = j0 + base0[c], j1 + base1[c]
        same = (w0_all[g0] == w1_all[g1]) & ~touching[g0]
        same[same] = _same_seeds(s0_all, graph_before, g0[same], s1_all, graph_after, g1[same])
        gone = np.setdiff1d(np.arange(ids0[c].size), j0) + base0[c]
        new = np.setdiff1d(np.arange(ids1[c].size), j1) + base1[c]
        ops.append(_ops(gone, np.column_stack([g0[~same], g1[~same]]), new, c))
    all_ops = np.concatenate([np.empty((0, 3), dtype=np.int64), *ops])

    prep0 = prepared(graph_before, contract=False)
    prep1 = _prepared_after(prep0, graph_before, graph_after, n_changed == 0)
    measures = _kernels.Measures(
        k,
        cut[order],
        np.array([f.compiled()[0] for f in decay], dtype=np.int64),
        np.array([f.compiled()[1] for f in decay], dtype=np.float64),
        np.array([f.compiled()[2] for f in decay], dtype=np.float64),
        np.array([f.support for f in decay], dtype=np.float64),
    )
    q0 = _query(prep0, s0_all, w0_all, bound)
    q1 = _query(prep1, s1_all, w1_all, bound)
    krow0 = _krow(prep0, graph_before, row_of)
    krow1 = _krow(prep1, graph_after, row_of)
    old = np.full(uniq.size, np.inf)
    old_rows = np.empty(uniq.size, dtype=np.int64)

    def run(ops_: IntArray, krow_after: IntArray) -> int:
        seeds_max = int(
            max(np.diff(s0_all.indptr).max(initial=1), np.diff(s1_all.indptr).max(initial=1))
        )
        n: int = _incremental_kernels.apply_operations(
            prep0.search_graph(reverse=True),
            q0,
            krow0.astype(prep0.it),
            _one(workspace(prep0, seeds_max, 1)),
            prep1.search_graph(reverse=True),
            q1,
            krow_after.astype(prep1.it),
            _one(workspace(prep1, seeds_max, 1)),
            ops_,
            measures,
            acc,
            flag,
            old,
            old_rows,
        )
        return n

    searches = run(all_ops, krow1) if len(all_ops) else 0

    # Rows whose k nearest lost a member, and new rows: recomputed from their candidates.
    recomputed = 0
    for c in range(len(cats)):
        rows = np.flatnonzero(flag[c])
        if rows.size == 0:
            continue
        recomputed += rows.size
        acc[c, rows, :k] = np.inf
        acc[c, rows, k:] = 0.0
        reach1 = _forward_reach(graph_after, uniq[rows], wide)
        lo, hi = base1[c], base1[c + 1]
        cand = np.flatnonzero(_reaching(s1_all, reach1, wide)[lo:hi]) + lo
        krow_flagged = np.where(flag[c][np.maximum(krow1, 0)] & (krow1 >= 0), krow1, -1)
        empty = np.empty(0, dtype=np.int64)
        searches += run(_ops(empty, np.empty((0, 2), dtype=np.int64), cand, c), krow_flagged)

    nearest = acc[:, :, :k].transpose(1, 0, 2)
    counts = acc[:, :, k : k + n_cut].transpose(1, 0, 2)
    if not np.array_equal(order, np.arange(n_cut)):
        counts = counts[:, :, np.argsort(order)]
    decayed = acc[:, :, k + n_cut :].transpose(1, 0, 2)
    if not np.array_equal(orig, uniq):
        nearest, counts, decayed = nearest[inverse], counts[inverse], decayed[inverse]
    log.debug(
        "incremental: %d changed edges, %d operations, %d rows recomputed, %d searches",
        n_changed,
        len(all_ops),
        recomputed,
        searches,
    )
    result = AccessResult(
        categories=cats,
        cutoffs=before.cutoffs,
        k=k,
        decay_names=before.decay_names,
        nearest=nearest,
        counts=counts,
        decayed=decayed,
        origins=orig,
        max_cost=bound,
    )
    return IncrementalResult(result, n_changed, len(all_ops), recomputed, searches)


def _prepared_after(prep0: Prepared, g0: Graph, g1: Graph, unchanged: bool) -> Prepared:
    """Return the graph after, ready for the search kernel, without preparing it anew.

    On the same nodes, the reversed search graph of ``g1`` is built in the node codes of
    ``g0``'s preparation by one counting sort. A search's costs do not depend on how nodes
    are numbered or edges ordered (each is the least left-to-right sum over paths, and
    float addition is monotone), so the costs equal a full run's bit for bit.
    """
    if unchanged and np.array_equal(g0.node_index, g1.node_index):
        return prep0
    if prep0.graph.interior_node.size or not np.array_equal(g0.node_index, g1.node_index):
        return prepared(g1, contract=False)
    code = prep0.graph.code
    src = code[g1.edge_sources()]
    dst = code[g1.indices]
    indptr, indices, cost = _incremental_kernels.reverse_csr(
        g1.n_nodes, src.astype(prep0.it), dst.astype(prep0.it), g1.cost
    )
    reverse = prep0.reverse._replace(indptr=indptr.astype(prep0.it), indices=indices, cost=cost)
    # Only the reversed graph is searched here; ``forward`` sizes the workspaces' heaps.
    return dataclasses.replace(prep0, forward=reverse, reverse=reverse)


def _ops(gone: IntArray, pairs: npt.NDArray[np.int64], new: IntArray, c: int) -> IntArray:
    """Operations ``(before, after, category)``: removals, changes, then additions."""
    block = np.concatenate(
        [
            np.column_stack([gone, np.full(gone.size, -1)]),
            pairs.reshape(-1, 2),
            np.column_stack([np.full(new.size, -1), new]),
        ]
    ).astype(np.int64)
    out: IntArray = np.column_stack([block, np.full(len(block), c, dtype=np.int64)])
    return np.ascontiguousarray(out)


def _concat(opps: OpportunitySet, cats: Sequence[str]) -> tuple[Seeds, FloatArray, IntArray]:
    """One CSR of the categories ``cats`` (missing ones empty) and each category's first index."""
    ptrs, nodes, costs, weights = [np.zeros(1, dtype=np.int64)], [], [], []
    base = np.zeros(len(cats) + 1, dtype=np.int64)
    offset = 0
    for c, cat in enumerate(cats):
        if cat in opps.seeds:
            s = opps.seeds[cat]
            ptrs.append(np.asarray(s.indptr[1:], dtype=np.int64) + offset)
            nodes.append(np.asarray(s.node, dtype=np.int64))
            costs.append(np.asarray(s.cost, dtype=np.float64))
            weights.append(np.asarray(opps.weights[cat], dtype=np.float64))
            offset += int(s.node.size)
            base[c + 1] = base[c] + s.n_points
        else:
            base[c + 1] = base[c]
    seeds = Seeds(
        np.concatenate(ptrs),
        np.concatenate([np.empty(0, dtype=np.int64), *nodes]),
        np.concatenate([np.empty(0), *costs]),
    )
    return seeds, np.concatenate([np.empty(0), *weights]), base


def _content_keys(opps: OpportunitySet, graph: Graph, cat: str) -> list[bytes]:
    s = opps.seeds[cat]
    w = np.asarray(opps.weights[cat], dtype=np.float64)
    nodes = graph.node_index[np.asarray(s.node, dtype=np.int64)]
    cost = np.asarray(s.cost, dtype=np.float64)
    ptr = s.indptr
    return [
        nodes[ptr[j] : ptr[j + 1]].tobytes() + cost[ptr[j] : ptr[j + 1]].tobytes() + w[j].tobytes()
        for j in range(s.n_points)
    ]


def _ids(
    before: OpportunitySet, g0: Graph, after: OpportunitySet, g1: Graph, cats: Sequence[str]
) -> tuple[list[IntArray], list[IntArray]]:
    """Ids of each category's opportunities before and after (given, or by content)."""
    out0, out1 = [], []
    for cat in cats:
        if before.ids is not None and after.ids is not None:
            out0.append(np.asarray(before.ids.get(cat, np.empty(0)), dtype=np.int64))
            out1.append(np.asarray(after.ids[cat], dtype=np.int64))
            continue
        number: dict[tuple[bytes, int], int] = {}
        lists = []
        for opps, graph in ((before, g0), (after, g1)):
            keys = _content_keys(opps, graph, cat) if cat in opps.seeds else []
            seen: dict[bytes, int] = {}
            ids = np.empty(len(keys), dtype=np.int64)
            for j, key in enumerate(keys):
                nth = seen.get(key, 0)
                seen[key] = nth + 1
                ids[j] = number.setdefault((key, nth), len(number))
            lists.append(ids)
        out0.append(lists[0])
        out1.append(lists[1])
    return out0, out1


def _one(ws: object) -> object:
    """Return the first thread's workspace of a per-thread bundle."""
    return _kernels.Workspace(*(np.ascontiguousarray(a[0]) for a in ws))  # type: ignore[attr-defined]
