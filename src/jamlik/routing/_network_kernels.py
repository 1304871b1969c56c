"""Compiled kernels of the cohesion indicators: localised centrality and meeting-place reach.

Plain numpy arrays in and out, no validation (the wrappers in :mod:`jamlik.routing.network_measures`
check their inputs). The min-heap, the bounded search and the reset come from
:mod:`jamlik.routing._kernels`.

:func:`local_centrality`
    Brandes' (2001) algorithm with one Dijkstra search per source bounded by the largest
    radius; betweenness, farness, harmonic closeness and reach are accumulated for every radius
    in the same pass. Shortest-path counts ``sigma`` and predecessor lists are built while
    relaxing (``nd < dist - tie``: a new shortest path resets them; ``|nd - dist| <= tie``: an
    equally short one adds to them), as in networkx's ``_single_source_dijkstra_path_basic``
    but with a tolerance ``tie`` for floating-point rounding (two routes round a block add the
    same lengths in a different order). Edge costs must exceed ``tie`` (a shorter edge could
    reach a node that is already settled).
:func:`place_reach`
    one bounded search per place on the REVERSED graph, seeded with the place's seeds; adds the
    weights of every node within each cut-off, and keeps the least cost from each node to any
    place.
:func:`group_distances`
    one bounded search per source node, reading the distances of its own list of targets
    (detours between neighbouring areas).
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jamlik.routing._kernels import _pop, _push, bounded_search, reset

__all__ = [
    "Brandes",
    "Centrality",
    "Csr",
    "SearchSpace",
    "SeedSet",
    "group_distances",
    "local_centrality",
    "place_reach",
    "search_space",
]

#: A graph's arrays, as numba takes them (one tuple instead of three arguments).
Csr = namedtuple("Csr", ["indptr", "indices", "cost"])
#: The seeds of places: group ``j`` is ``node[indptr[j]:indptr[j + 1]]`` with its costs.
SeedSet = namedtuple("SeedSet", ["indptr", "node", "cost"])
#: Scratch of one bounded search: distances, touched nodes and the heap.
SearchSpace = namedtuple("SearchSpace", ["dist", "touched", "hkey", "hnode"])
#: Scratch of Brandes' accumulation: path counts, dependencies, predecessor lists, order.
Brandes = namedtuple("Brandes", ["sigma", "delta", "pred_head", "pred_next", "pred_node", "order"])
#: Outputs of local centrality, each ``(n_nodes, n_radii)``.
Centrality = namedtuple("Centrality", ["betweenness", "farness", "harmonic", "reach"])

# ruff: noqa: D103


@numba.njit(cache=True)
def _local_centrality(  # type: ignore[no-untyped-def]
    indptr,
    indices,
    cost,
    radii,
    tie,
    start,
    stop,
    betweenness,
    farness,
    harmonic,
    reach,
    dist,
    sigma,
    delta,
    pred_head,
    pred_next,
    pred_node,
    order,
    hkey,
    hnode,
):
    """Accumulate centrality of sources ``start:stop`` into the ``(n_nodes, n_radii)`` outputs.

    ``radii`` must be ascending. ``dist`` is ``inf`` and ``delta`` zero between searches.
    ``betweenness[v, q] += sum_{t: d(s,t) <= r_q} sigma_st(v) / sigma_st`` over the sources
    ``s != v``; ``farness[s, q]``, ``harmonic[s, q]`` and ``reach[s, q]`` sum ``d``, ``1/d`` and
    ``1`` over the targets ``t != s`` with ``d(s, t) <= r_q``.
    """
    n_r = radii.shape[0]
    max_r = radii[n_r - 1]
    for s in range(start, stop):
        dist[s] = 0.0
        sigma[s] = 1.0
        pred_head[s] = -1
        size = _push(hkey, hnode, 0, 0.0, s)
        n_order = 0
        n_pred = 0
        while size > 0:
            d, u, size = _pop(hkey, hnode, size)
            if d > dist[u]:
                continue  # stale entry
            order[n_order] = u
            n_order += 1
            if u != s:
                for q in range(n_r):
                    if d <= radii[q]:
                        farness[s, q] += d
                        harmonic[s, q] += 1.0 / d
                        reach[s, q] += 1.0
            su = sigma[u]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + cost[e]
                if nd > max_r:
                    continue
                if nd < dist[v] - tie:
                    dist[v] = nd
                    sigma[v] = su
                    pred_node[n_pred] = u
                    pred_next[n_pred] = -1
                    pred_head[v] = n_pred
                    n_pred += 1
                    size = _push(hkey, hnode, size, nd, v)
                elif nd <= dist[v] + tie:
                    sigma[v] += su
                    pred_node[n_pred] = u
                    pred_next[n_pred] = pred_head[v]
                    pred_head[v] = n_pred
                    n_pred += 1
        # Dependency accumulation in order of decreasing distance (Brandes 2001, eq. 6), one
        # dependency per radius: a target w counts for radius q only when d(s, w) <= r_q.
        for i in range(n_order - 1, 0, -1):
            w = order[i]
            dw = dist[w]
            sw = sigma[w]
            for q in range(n_r):
                if dw > radii[q]:
                    continue
                coeff = (1.0 + delta[w, q]) / sw
                p = pred_head[w]
                while p >= 0:
                    v = pred_node[p]
                    delta[v, q] += sigma[v] * coeff
                    p = pred_next[p]
                betweenness[w, q] += delta[w, q]
        for i in range(n_order):
            w = order[i]
            dist[w] = np.inf
            for q in range(n_r):
                delta[w, q] = 0.0


@numba.njit(cache=True)
def _place_reach(  # type: ignore[no-untyped-def]
    rindptr,
    rindices,
    rcost,
    seeds_indptr,
    seeds_node,
    seeds_cost,
    node_weight,
    cutoffs,
    out,
    best,
    dist,
    touched,
    hkey,
    hnode,
):
    """For each place ``j``: ``out[j, q, c] = sum_u node_weight[u, c] * [cost(u -> j) <= T_q]``.

    The search runs on the reversed graph from the place's seeds (whose costs are node -> place),
    so ``dist[u]`` is the cost from node ``u`` to the place. ``cutoffs`` are ascending; the search
    is bounded by the last one. ``best[u]`` keeps the least cost from ``u`` to any place
    (``inf`` when none is within the last cut-off).
    """
    n_places = seeds_indptr.shape[0] - 1
    n_cut = cutoffs.shape[0]
    n_cols = node_weight.shape[1]
    max_cost = cutoffs[n_cut - 1]
    for j in range(n_places):
        lo = seeds_indptr[j]
        hi = seeds_indptr[j + 1]
        if hi == lo:
            continue
        n_touched = bounded_search(
            rindptr,
            rindices,
            rcost,
            seeds_node[lo:hi],
            seeds_cost[lo:hi],
            max_cost,
            dist,
            touched,
            hkey,
            hnode,
        )
        for i in range(n_touched):
            u = touched[i]
            d = dist[u]
            if d < best[u]:
                best[u] = d
            for q in range(n_cut):
                if d <= cutoffs[q]:
                    for c in range(n_cols):
                        out[j, q, c] += node_weight[u, c]
        reset(dist, touched, n_touched)


@numba.njit(cache=True)
def _group_distances(  # type: ignore[no-untyped-def]
    indptr,
    indices,
    cost,
    source,
    group_indptr,
    target,
    max_cost,
    out,
    dist,
    touched,
    hkey,
    hnode,
):
    """``out[k] = d(source[i], target[k])`` for the targets ``k`` of group ``i``.

    One search per group bounded by ``max_cost[i]``; ``inf`` beyond it.
    """
    seed_n = np.empty(1, dtype=np.int64)
    seed_c = np.zeros(1, dtype=np.float64)
    for i in range(source.shape[0]):
        seed_n[0] = source[i]
        n_touched = bounded_search(
            indptr, indices, cost, seed_n, seed_c, max_cost[i], dist, touched, hkey, hnode
        )
        for k in range(group_indptr[i], group_indptr[i + 1]):
            out[k] = dist[target[k]]
        reset(dist, touched, n_touched)


# The public kernels take bundled tuples and hand plain arrays to the loops above: numba runs a
# loop that indexes arrays held in a tuple markedly slower than one over plain arrays.


@numba.njit(cache=True)
def local_centrality(g, radii, tie, start, stop, out, space, brandes):  # type: ignore[no-untyped-def]
    """Accumulate centrality of sources ``start:stop`` into ``out`` (see the module docstring)."""
    _local_centrality(
        g.indptr,
        g.indices,
        g.cost,
        radii,
        tie,
        start,
        stop,
        out.betweenness,
        out.farness,
        out.harmonic,
        out.reach,
        space.dist,
        brandes.sigma,
        brandes.delta,
        brandes.pred_head,
        brandes.pred_next,
        brandes.pred_node,
        brandes.order,
        space.hkey,
        space.hnode,
    )


@numba.njit(cache=True)
def place_reach(rg, seeds, node_weight, cutoffs, out, best, space):  # type: ignore[no-untyped-def]
    """Weights within each cut-off of every place, on the reversed graph ``rg``."""
    _place_reach(
        rg.indptr,
        rg.indices,
        rg.cost,
        seeds.indptr,
        seeds.node,
        seeds.cost,
        node_weight,
        cutoffs,
        out,
        best,
        space.dist,
        space.touched,
        space.hkey,
        space.hnode,
    )


@numba.njit(cache=True)
def group_distances(g, source, group_indptr, target, max_cost, out, space):  # type: ignore[no-untyped-def]
    """``out[k] = d(source[i], target[k])`` for the targets ``k`` of group ``i``."""
    _group_distances(
        g.indptr,
        g.indices,
        g.cost,
        source,
        group_indptr,
        target,
        max_cost,
        out,
        space.dist,
        space.touched,
        space.hkey,
        space.hnode,
    )


def search_space(n_nodes: int, heap_size: int) -> SearchSpace:
    """Fresh scratch for bounded searches on a graph of ``n_nodes`` (heap of ``heap_size``)."""
    return SearchSpace(
        np.full(n_nodes, np.inf),
        np.empty(n_nodes, dtype=np.int64),
        np.empty(heap_size),
        np.empty(heap_size, dtype=np.int64),
    )
