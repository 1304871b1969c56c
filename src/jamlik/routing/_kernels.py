"""Compiled search kernels: bounded multi-source Dijkstra and aggregating searches.

Plain numpy arrays in and out; no validation here (the public wrappers in
:mod:`jamlik.routing.engine` check their inputs). Every kernel is compiled once with
``numba.njit(cache=True)``.

Search state that is reused between searches (so a search costs what it touches, not the size
of the graph):

``dist``
    ``float64[n_nodes]``, ``inf`` everywhere between searches.
``touched``
    ``int64[n_nodes]``: the nodes whose ``dist`` a search set; :func:`reset` puts them back to
    ``inf``.
``hkey, hnode``
    a 4-ary min-heap of (cost, node) pairs with *lazy deletion*: a node whose cost improves is
    pushed again and stale entries are skipped when popped. A node is pushed only when its cost
    strictly improves, so there are at most ``n_seeds + n_edges`` pushes; the heap arrays have
    that length.

Node numbers may be ``int32`` or ``int64`` (numba compiles one version per type); the engine
passes ``int32`` when the graph is small enough, which saves memory traffic.

Aggregation (per reached origin row ``r``, opportunity category ``c``, weight ``w``, cost ``d``)
into one accumulator ``acc[c, r, :]`` of ``k + n_cutoffs + n_decay`` floats, so that one update
touches one or two cache lines and the rows of neighbouring nodes sit together:

* ``acc[c, r, :k]`` keeps the ``k`` smallest costs in ascending order (``inf`` = none);
* ``acc[c, r, k + q] += w`` for the FIRST cutoff ``q`` (ascending cutoffs) with
  ``d <= cutoffs[q]``; a cumulative sum over ``q`` afterwards gives the counts;
* ``acc[c, r, k + n_cutoffs + m] += w * f_m(d)`` for every decay ``m`` with ``d <= support[m]``.
"""

from __future__ import annotations

import numba
import numpy as np

from jamlik.routing.decay import decay_value

__all__ = [
    "aggregate_from_opportunities",
    "aggregate_from_origins",
    "bounded_search",
    "cumulate_counts",
    "init_accumulator",
    "od_costs",
    "reset",
    "reverse_csr",
]

# The kernels are compiled code: coverage and mypy see only their Python signatures.
# ruff: noqa: D103


@numba.njit(cache=True, inline="always")
def _push(hkey, hnode, size, key, node):  # type: ignore[no-untyped-def]
    """Add (key, node) to the 4-ary min-heap of ``size`` entries; return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if hkey[parent] <= key:
            break
        hkey[i] = hkey[parent]
        hnode[i] = hnode[parent]
        i = parent
    hkey[i] = key
    hnode[i] = node
    return size + 1


@numba.njit(cache=True, inline="always")
def _pop(hkey, hnode, size):  # type: ignore[no-untyped-def]
    """Remove the root of the 4-ary min-heap; return (key, node, new_size).

    A 4-ary heap is shallower than a binary one and its children share a cache line; it
    was about 30 % faster than a binary heap on street graphs.
    """
    key = hkey[0]
    node = hnode[0]
    size -= 1
    if size > 0:
        lk = hkey[size]
        ln = hnode[size]
        i = 0
        while True:
            first = 4 * i + 1
            if first >= size:
                break
            best = first
            best_key = hkey[first]
            for j in range(first + 1, min(first + 4, size)):
                if hkey[j] < best_key:
                    best_key = hkey[j]
                    best = j
            if best_key >= lk:
                break
            hkey[i] = best_key
            hnode[i] = hnode[best]
            i = best
        hkey[i] = lk
        hnode[i] = ln
    return key, node, size


@numba.njit(cache=True)
def reverse_csr(indptr, indices, cost, rindptr, rindices, rcost):  # type: ignore[no-untyped-def]
    """Fill ``rindices, rcost`` with the reversed graph (counting sort by target node).

    ``rindptr`` must already hold the reversed row offsets (cumulative in-degrees). Within a
    row, edges keep the order of their source node.
    """
    fill = rindptr[:-1].copy()
    for u in range(indptr.shape[0] - 1):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            p = fill[v]
            rindices[p] = u
            rcost[p] = cost[e]
            fill[v] = p + 1


@numba.njit(cache=True)
def init_accumulator(acc, k):  # type: ignore[no-untyped-def]
    """Set ``acc[c, r, :k]`` to ``inf`` (no opportunity yet) and the rest to 0, in one pass."""
    for c in range(acc.shape[0]):
        for r in range(acc.shape[1]):
            for i in range(k):
                acc[c, r, i] = np.inf
            for i in range(k, acc.shape[2]):
                acc[c, r, i] = 0.0


@numba.njit(cache=True)
def cumulate_counts(acc, k, n_cut):  # type: ignore[no-untyped-def]
    """Turn the count buckets ``acc[c, r, k:k + n_cut]`` into cumulative counts, in place."""
    for c in range(acc.shape[0]):
        for r in range(acc.shape[1]):
            for q in range(k + 1, k + n_cut):
                acc[c, r, q] += acc[c, r, q - 1]


@numba.njit(cache=True)
def reset(dist, touched, n_touched):  # type: ignore[no-untyped-def]
    """Set ``dist`` back to ``inf`` on the first ``n_touched`` touched nodes."""
    for i in range(n_touched):
        dist[touched[i]] = np.inf


@numba.njit(cache=True, inline="always")
def _seed(seed_node, seed_cost, lo, hi, max_cost, dist, touched, hkey, hnode):  # type: ignore[no-untyped-def]
    """Put seeds ``lo:hi`` on an empty heap; return (heap size, n_touched)."""
    size = 0
    n_touched = 0
    for s in range(lo, hi):
        u = seed_node[s]
        c = seed_cost[s]
        if c <= max_cost and c < dist[u]:
            if dist[u] == np.inf:
                touched[n_touched] = u
                n_touched += 1
            dist[u] = c
            size = _push(hkey, hnode, size, c, u)
    return size, n_touched


@numba.njit(cache=True)
def bounded_search(  # type: ignore[no-untyped-def]
    indptr, indices, cost, seed_node, seed_cost, max_cost, dist, touched, hkey, hnode
):
    """Multi-source Dijkstra from all seeds; fills ``dist`` up to ``max_cost``.

    Returns the number of touched nodes (their numbers are ``touched[:n]``). The caller must
    call :func:`reset` before the next search.
    """
    size, n_touched = _seed(
        seed_node, seed_cost, 0, seed_node.shape[0], max_cost, dist, touched, hkey, hnode
    )
    while size > 0:
        d, u, size = _pop(hkey, hnode, size)
        if d > dist[u]:
            continue  # stale entry
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + cost[e]
            if nd < dist[v] and nd <= max_cost:
                if dist[v] == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                size = _push(hkey, hnode, size, nd, v)
    return n_touched


@numba.njit(cache=True, inline="always")
def _accumulate(acc, c, r, w, d, k, cutoffs, dkind, dp0, dp1, dsupport):  # type: ignore[no-untyped-def]
    """Add one opportunity (category ``c``, weight ``w``) at cost ``d`` to origin row ``r``.

    ``acc[c, r]`` holds the k nearest costs, then one count bucket per (ascending) cutoff,
    then the decayed sums; the buckets are turned into cumulative counts by the caller.
    """
    if d < acc[c, r, k - 1]:
        i = k - 1
        while i > 0 and acc[c, r, i - 1] > d:
            acc[c, r, i] = acc[c, r, i - 1]
            i -= 1
        acc[c, r, i] = d
    n_cut = cutoffs.shape[0]
    for q in range(n_cut):
        if d <= cutoffs[q]:
            acc[c, r, k + q] += w  # first cutoff that holds d: one bucket
            break
    for m in range(dkind.shape[0]):
        if d <= dsupport[m]:
            acc[c, r, k + n_cut + m] += w * decay_value(dkind[m], dp0[m], dp1[m], d)


@numba.njit(cache=True)
def aggregate_from_opportunities(  # type: ignore[no-untyped-def]
    rindptr,
    rindices,
    rcost,
    seeds_indptr,
    seeds_node,
    seeds_cost,
    opp_category,
    opp_weight,
    start,
    stop,
    node_row,
    max_cost,
    cutoffs,
    dkind,
    dp0,
    dp1,
    dsupport,
    k,
    acc,
    dist,
    touched,
    hkey,
    hnode,
):
    """One search per opportunity ``start:stop`` on the REVERSED graph; aggregate in place.

    ``node_row[u]`` is the output row of node ``u`` (``-1`` if ``u`` is not an origin).
    A node is aggregated when it is popped with its final cost, so each (origin, opportunity)
    pair is counted once.
    """
    for j in range(start, stop):
        c = opp_category[j]
        w = opp_weight[j]
        size, n_touched = _seed(
            seeds_node,
            seeds_cost,
            seeds_indptr[j],
            seeds_indptr[j + 1],
            max_cost,
            dist,
            touched,
            hkey,
            hnode,
        )
        while size > 0:
            d, u, size = _pop(hkey, hnode, size)
            if d > dist[u]:
                continue
            r = node_row[u]
            if r >= 0:
                _accumulate(acc, c, r, w, d, k, cutoffs, dkind, dp0, dp1, dsupport)
            for e in range(rindptr[u], rindptr[u + 1]):
                v = rindices[e]
                nd = d + rcost[e]
                if nd < dist[v] and nd <= max_cost:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    size = _push(hkey, hnode, size, nd, v)
        for i in range(n_touched):
            dist[touched[i]] = np.inf


@numba.njit(cache=True)
def aggregate_from_origins(  # type: ignore[no-untyped-def]
    indptr,
    indices,
    cost,
    origin_node,
    start,
    stop,
    by_node_indptr,
    by_node_opp,
    by_node_cost,
    opp_category,
    opp_weight,
    max_cost,
    cutoffs,
    dkind,
    dp0,
    dp1,
    dsupport,
    k,
    acc,
    dist,
    touched,
    hkey,
    hnode,
    best,
    opp_touched,
):
    """One forward search per origin row ``start:stop``; aggregate the opportunities met.

    ``by_node_indptr/opp/cost`` list, for each graph node, the seeds located there (the
    opportunity and the seed cost). The cost of opportunity ``j`` for the origin is
    ``min over its seeds s of dist(node_s) + cost_s``, collected in ``best`` (``inf`` between
    searches) and aggregated when the search ends.
    """
    seed_n = np.empty(1, dtype=np.int64)
    seed_c = np.zeros(1, dtype=np.float64)
    for r in range(start, stop):
        seed_n[0] = origin_node[r]
        size, n_touched = _seed(seed_n, seed_c, 0, 1, max_cost, dist, touched, hkey, hnode)
        n_opp = 0
        while size > 0:
            d, u, size = _pop(hkey, hnode, size)
            if d > dist[u]:
                continue
            for s in range(by_node_indptr[u], by_node_indptr[u + 1]):
                total = d + by_node_cost[s]
                j = by_node_opp[s]
                if total <= max_cost and total < best[j]:
                    if best[j] == np.inf:
                        opp_touched[n_opp] = j
                        n_opp += 1
                    best[j] = total
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + cost[e]
                if nd < dist[v] and nd <= max_cost:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    size = _push(hkey, hnode, size, nd, v)
        for i in range(n_touched):
            dist[touched[i]] = np.inf
        for i in range(n_opp):
            j = opp_touched[i]
            _accumulate(
                acc, opp_category[j], r, opp_weight[j], best[j], k, cutoffs, dkind, dp0, dp1,
                dsupport,
            )  # fmt: skip
            best[j] = np.inf


@numba.njit(cache=True)
def od_costs(  # type: ignore[no-untyped-def]
    indptr,
    indices,
    cost,
    o_indptr,
    o_node,
    o_cost,
    d_indptr,
    d_node,
    d_cost,
    start,
    stop,
    max_cost,
    out,
    dist,
    touched,
    hkey,
    hnode,
):
    """Fill ``out[i, j]`` = least cost from origin group ``i`` to destination group ``j``.

    Origin seed costs are from the origin point to the node, destination seed costs from the
    node to the destination; ``inf`` where the total exceeds ``max_cost``.
    """
    n_dest = d_indptr.shape[0] - 1
    for i in range(start, stop):
        lo = o_indptr[i]
        hi = o_indptr[i + 1]
        n_touched = bounded_search(
            indptr, indices, cost, o_node[lo:hi], o_cost[lo:hi], max_cost, dist, touched, hkey,
            hnode,
        )  # fmt: skip
        for j in range(n_dest):
            b = np.inf
            for s in range(d_indptr[j], d_indptr[j + 1]):
                t = dist[d_node[s]] + d_cost[s]
                if t < b:
                    b = t
            out[i, j] = b if b <= max_cost else np.inf
        for t in range(n_touched):
            dist[touched[t]] = np.inf
