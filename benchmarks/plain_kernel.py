"""A plain numba Dijkstra (binary heap) answering the benchmark query: the per-core reference.

What a competent first version looks like: one bounded search per opportunity on the
reversed CSR graph (original node numbers, float64, binary heap with lazy deletion), the
3 nearest, the counts within the cutoffs and ``sum exp(-d / scale)`` aggregated when a node
is settled. No contraction, no renumbering, one thread.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["plain_query"]

# ruff: noqa: D103


@numba.njit(cache=True)
def _sift_up(hk, hn, i):  # type: ignore[no-untyped-def]
    while i > 0:
        p = (i - 1) // 2
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hn[p], hn[i] = hn[i], hn[p]
        i = p


@numba.njit(cache=True)
def _sift_down(hk, hn, size):  # type: ignore[no-untyped-def]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hn[c], hn[i] = hn[i], hn[c]
        i = c


@numba.njit(cache=True)
def plain_query(rindptr, rindices, rcost, opp_node, opp_cat, n_cat, k, cutoffs, scale, max_cost):  # type: ignore[no-untyped-def]
    """Return ``nearest (n, C, k)``, ``counts (n, C, Q)`` and ``decayed (n, C)``."""
    n = rindptr.shape[0] - 1
    nearest = np.full((n, n_cat, k), np.inf)
    counts = np.zeros((n, n_cat, cutoffs.shape[0]))
    decayed = np.zeros((n, n_cat))
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    hk = np.empty(rindices.shape[0] + 1)
    hn = np.empty(rindices.shape[0] + 1, dtype=np.int64)
    for j in range(opp_node.shape[0]):
        c = opp_cat[j]
        s = opp_node[j]
        dist[s] = 0.0
        touched[0] = s
        nt = 1
        hk[0] = 0.0
        hn[0] = s
        size = 1
        while size > 0:
            d = hk[0]
            u = hn[0]
            size -= 1
            hk[0] = hk[size]
            hn[0] = hn[size]
            _sift_down(hk, hn, size)
            if d > dist[u]:
                continue
            if d < nearest[u, c, k - 1]:  # insert into the sorted k nearest
                i = k - 1
                while i > 0 and nearest[u, c, i - 1] > d:
                    nearest[u, c, i] = nearest[u, c, i - 1]
                    i -= 1
                nearest[u, c, i] = d
            for q in range(cutoffs.shape[0]):
                if d <= cutoffs[q]:
                    counts[u, c, q] += 1.0
            decayed[u, c] += np.exp(-d / scale)
            for e in range(rindptr[u], rindptr[u + 1]):
                v = rindices[e]
                nd = d + rcost[e]
                if nd < dist[v] and nd <= max_cost:
                    if dist[v] == np.inf:
                        touched[nt] = v
                        nt += 1
                    dist[v] = nd
                    hk[size] = nd
                    hn[size] = v
                    size += 1
                    _sift_up(hk, hn, size - 1)
        for i in range(nt):
            dist[touched[i]] = np.inf
    return nearest, counts, decayed
