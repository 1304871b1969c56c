"""Compiled helpers of :mod:`jamlik.networks.contraction`: chains, pendant trees, Hilbert keys.

Plain arrays in and out; the wrapper validates and renumbers.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["find_chains", "hilbert_keys", "peel_trees", "tree_chains"]

# The kernels are compiled code: coverage and mypy see only their Python signatures.
# ruff: noqa: D103


@numba.njit(cache=True, inline="always")
def _edge_cost(indptr, indices, cost, u, w):  # type: ignore[no-untyped-def]
    """Cost of the cheapest edge ``u -> w`` (``inf`` if there is none)."""
    best = np.inf
    for e in range(indptr[u], indptr[u + 1]):
        if indices[e] == w and cost[e] < best:
            best = cost[e]
    return best


@numba.njit(cache=True)
def _pass_through(indptr, indices, rindptr, rindices, v):  # type: ignore[no-untyped-def]
    """Tell whether ``v`` is contractible: ``a <-> v <-> b``, ``a -> v -> b`` or ``a <-> v``."""
    n_out = indptr[v + 1] - indptr[v]
    n_in = rindptr[v + 1] - rindptr[v]
    if n_out == 1 and n_in == 1:
        return True
    if n_out == 2 and n_in == 2:
        o1, o2 = indices[indptr[v]], indices[indptr[v] + 1]
        i1, i2 = rindices[rindptr[v]], rindices[rindptr[v] + 1]
        return o1 != o2 and ((o1 == i1 and o2 == i2) or (o1 == i2 and o2 == i1))
    return False


@numba.njit(cache=True)
def find_chains(indptr, indices, cost, rindptr, rindices, keep):  # type: ignore[no-untyped-def]
    """Find maximal chains of pass-through nodes between kept nodes.

    Returns ``(interior, chain_ptr, chain_a, chain_b, chain_node, up, down, n_chains)``:
    ``interior[v]`` is True for contracted nodes; chain ``c`` runs ``a -> p_0 -> ... -> b``
    over the interior nodes ``chain_node[chain_ptr[c]:chain_ptr[c + 1]]``; its ``m + 1``
    edges are ``up[c + chain_ptr[c] + i]`` (towards ``b``) and ``down[...]`` (towards ``a``,
    ``inf`` on one-way chains). Dead ends are peeled off before (:func:`peel_trees`); were one
    left, its chain would run out and back, ``a -> v -> a``, which is still exact. A cycle of
    pass-through nodes with no kept node gets one of its nodes kept. Only the first
    ``n_chains`` chains (and their nodes and edges) are set.
    """
    n = indptr.shape[0] - 1
    interior = np.zeros(n, dtype=np.bool_)
    for v in range(n):
        interior[v] = (not keep[v]) and _pass_through(indptr, indices, rindptr, rindices, v)
    visited = np.zeros(n, dtype=np.bool_)
    chain_ptr = np.zeros(n + 1, dtype=np.int64)
    chain_a = np.empty(n, dtype=np.int64)
    chain_b = np.empty(n, dtype=np.int64)
    chain_node = np.empty(n, dtype=np.int64)
    up = np.empty(2 * n + 1)
    down = np.empty(2 * n + 1)
    n_ch = 0
    n_pos = 0
    n_e = 0
    for stage in range(2):
        for s in range(n):
            if stage == 0 and interior[s]:
                continue
            if stage == 1:
                if not interior[s] or visited[s]:
                    continue
                interior[s] = False  # a ring of pass-through nodes: keep one of them
            for e in range(indptr[s], indptr[s + 1]):
                cur = indices[e]
                if not interior[cur] or visited[cur]:
                    continue
                chain_a[n_ch] = s
                prev = s
                up[n_e] = cost[e]
                down[n_e] = _edge_cost(indptr, indices, cost, cur, prev)
                n_e += 1
                while interior[cur]:
                    visited[cur] = True
                    chain_node[n_pos] = cur
                    n_pos += 1
                    nxt = indices[indptr[cur]]
                    if nxt == prev and indptr[cur + 1] - indptr[cur] == 2:
                        nxt = indices[indptr[cur] + 1]
                    up[n_e] = _edge_cost(indptr, indices, cost, cur, nxt)
                    down[n_e] = _edge_cost(indptr, indices, cost, nxt, cur)
                    n_e += 1
                    prev = cur
                    cur = nxt
                chain_b[n_ch] = cur
                n_ch += 1
                chain_ptr[n_ch] = n_pos
    return interior, chain_ptr, chain_a, chain_b, chain_node, up, down, n_ch


@numba.njit(cache=True)
def _neighbour_count(indptr, indices, rindptr, rindices, v, alive):  # type: ignore[no-untyped-def]
    """Count the distinct live nodes joined to ``v`` by an edge in either direction."""
    count = 0
    for e in range(indptr[v], indptr[v + 1]):
        if alive[indices[e]]:
            count += 1
    for e in range(rindptr[v], rindptr[v + 1]):
        u = rindices[e]
        if not alive[u]:
            continue
        also_out = False
        for f in range(indptr[v], indptr[v + 1]):
            if indices[f] == u:
                also_out = True
                break
        if not also_out:
            count += 1
    return count


@numba.njit(cache=True)
def _live_neighbour(indptr, indices, rindptr, rindices, v, alive):  # type: ignore[no-untyped-def]
    """Return a live node joined to ``v`` by an edge either way (``-1`` if none)."""
    for e in range(indptr[v], indptr[v + 1]):
        if alive[indices[e]]:
            return indices[e]
    for e in range(rindptr[v], rindptr[v + 1]):
        if alive[rindices[e]]:
            return rindices[e]
    return -1


@numba.njit(cache=True)
def peel_trees(indptr, indices, rindptr, rindices, keep):  # type: ignore[no-untyped-def]
    """Peel the pendant trees of a directed graph, seen without directions.

    A node joined to exactly one other live node (edges in either direction) is peeled and
    hangs from that node; this repeats until every live node has two or more neighbours (the
    2-core), is in ``keep``, or is the last node of a tree-shaped component. Returns
    ``parent`` (``-1`` for nodes that stay). Every path between a peeled node and the rest of
    the graph passes its parent, which is what makes the peeled trees exact to contract.
    """
    n = indptr.shape[0] - 1
    alive = np.ones(n, dtype=np.bool_)
    degree = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for v in range(n):
        degree[v] = _neighbour_count(indptr, indices, rindptr, rindices, v, alive)
        if degree[v] == 1 and not keep[v]:
            stack[top] = v
            top += 1
    parent = np.full(n, -1, dtype=np.int64)
    while top > 0:
        top -= 1
        v = stack[top]
        if degree[v] != 1:  # its last neighbour went first: it ends a tree-shaped component
            continue
        u = _live_neighbour(indptr, indices, rindptr, rindices, v, alive)
        alive[v] = False
        parent[v] = u
        degree[v] = 0
        degree[u] -= 1
        if degree[u] == 1 and not keep[u]:
            stack[top] = u
            top += 1
    return parent


@numba.njit(cache=True)
def tree_chains(indptr, indices, cost, child_ptr, child, roots):  # type: ignore[no-untyped-def]
    """Cut the peeled trees into chains that hang from a node, in breadth-first order.

    ``child_ptr``/``child`` list the peeled children of each node; ``roots`` are the nodes
    that stay and have peeled children. A chain starts at a child of its anchor, follows
    first children down to a leaf and closes on the anchor with an ``inf`` edge (as a dead
    end does); the other children of its nodes start chains anchored on them, later in the
    order, so an anchor's chain always comes before the chains that hang from it. Returns
    ``(chain_ptr, anchor, chain_node, up, down, n_chains)`` laid out as :func:`find_chains`
    lays out its chains (``up`` away from the anchor).
    """
    n_peeled = child.shape[0]
    chain_ptr = np.zeros(n_peeled + 1, dtype=np.int64)
    anchor = np.empty(n_peeled, dtype=np.int64)
    chain_node = np.empty(n_peeled, dtype=np.int64)
    up = np.empty(2 * n_peeled)
    down = np.empty(2 * n_peeled)
    start_anchor = np.empty(n_peeled, dtype=np.int64)
    start_child = np.empty(n_peeled, dtype=np.int64)
    n_starts = 0
    for r in roots:
        for e in range(child_ptr[r], child_ptr[r + 1]):
            start_anchor[n_starts] = r
            start_child[n_starts] = child[e]
            n_starts += 1
    n_ch = 0
    n_pos = 0
    n_e = 0
    i = 0
    while i < n_starts:  # the list of starts grows while it is read
        prev = start_anchor[i]
        cur = start_child[i]
        anchor[n_ch] = prev
        while True:
            chain_node[n_pos] = cur
            n_pos += 1
            up[n_e] = _edge_cost(indptr, indices, cost, prev, cur)
            down[n_e] = _edge_cost(indptr, indices, cost, cur, prev)
            n_e += 1
            lo = child_ptr[cur]
            hi = child_ptr[cur + 1]
            for e in range(lo + 1, hi):
                start_anchor[n_starts] = cur
                start_child[n_starts] = child[e]
                n_starts += 1
            if lo == hi:
                break
            prev = cur
            cur = child[lo]
        up[n_e] = np.inf  # the leaf: close on the anchor, no way through
        down[n_e] = np.inf
        n_e += 1
        n_ch += 1
        chain_ptr[n_ch] = n_pos
        i += 1
    return chain_ptr, anchor, chain_node, up, down, n_ch


def hilbert_keys(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Return the position of each point along a Hilbert curve over their bounding box.

    Coordinates are quantised to 16 bits per axis (65,536 cells per side); vectorised form of
    the classic ``xy2d`` loop (Hilbert 1891; see e.g. Lam & Shapiro 1994).
    """
    side = 1 << 16
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    xi = np.minimum(((x - x.min()) / span * (side - 1)).astype(np.int64), side - 1)
    yi = np.minimum(((y - y.min()) / span * (side - 1)).astype(np.int64), side - 1)
    key = np.zeros(x.shape, dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        key += s * s * ((3 * rx) ^ ry)
        # Rotate the quadrant so the curve stays continuous.
        flip = ~ry & rx
        xi = np.where(flip, s - 1 - xi, xi)
        yi = np.where(flip, s - 1 - yi, yi)
        swap = ~ry
        xi, yi = np.where(swap, yi, xi), np.where(swap, xi, yi)
        s >>= 1
    return key
