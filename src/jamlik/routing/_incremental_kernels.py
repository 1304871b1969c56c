"""Compiled kernels of the incremental update (see :mod:`jamlik.routing.incremental`).

The accumulator ``acc[c, r, :]`` has the layout of :mod:`jamlik.routing._kernels` except that
the counts are already cumulative (an update adds ``w`` to every cutoff that holds ``d``).

One *operation* changes one opportunity of (after-)category ``c``: ``b >= 0`` is its search
before (on the graph before, seeds ``q0``), ``a >= 0`` its search after (graph after, seeds
``q1``); a pure removal has ``a = -1``, a pure addition ``b = -1``. Counts and decayed sums
take ``-w_b`` at the old costs and ``+w_a`` at the new ones. The ``k`` nearest:

* an old cost above the row's ``k``-th is not in the list: nothing to undo;
* an old cost in the list, replaced by a new cost no larger: one copy of the old value is
  taken out and the new one put in (exact: every cost outside the list is at least the
  ``k``-th, so the new list is the ``k`` smallest of the new costs);
* an old cost in the list that grows or vanishes needs the next candidate, which only a
  search can find: the row is *flagged* and recomputed afterwards.

Operations run one after another; each leaves every unflagged row exact, so the next one
may rely on it.
"""

from __future__ import annotations

import numba
import numpy as np

from jamlik.routing._kernels import clear, search
from jamlik.routing.decay import decay_value

__all__ = ["apply_operations", "reverse_csr"]

# The kernels are compiled code: coverage and mypy see only their Python signatures.
# ruff: noqa: D103


@numba.njit(cache=True, inline="always")
def _sums(acc, c, r, w, d, k, cutoffs, dkind, dp0, dp1, dsupport):  # type: ignore[no-untyped-def]
    """Add ``w`` (negative to take away) at cost ``d`` to the cumulative counts and sums."""
    n_cut = cutoffs.shape[0]
    for q in range(n_cut):
        if d <= cutoffs[q]:
            acc[c, r, k + q] += w
    for f in range(dkind.shape[0]):
        if d <= dsupport[f]:
            acc[c, r, k + n_cut + f] += w * decay_value(dkind[f], dp0[f], dp1[f], d)


@numba.njit(cache=True, inline="always")
def _insert(acc, c, r, k, d):  # type: ignore[no-untyped-def]
    """Put cost ``d`` into the ascending list of the ``k`` nearest."""
    if d < acc[c, r, k - 1]:
        i = k - 1
        while i > 0 and acc[c, r, i - 1] > d:
            acc[c, r, i] = acc[c, r, i - 1]
            i -= 1
        acc[c, r, i] = d


@numba.njit(cache=True, inline="always")
def _take_out(acc, c, r, k, d):  # type: ignore[no-untyped-def]
    """Remove one copy of ``d`` from the ``k`` nearest (``inf`` enters at the end).

    Returns whether ``d`` was there.
    """
    for i in range(k):
        if acc[c, r, i] == d:
            for j in range(i, k - 1):
                acc[c, r, j] = acc[c, r, j + 1]
            acc[c, r, k - 1] = np.inf
            return True
    return False


@numba.njit(cache=True, inline="always")
def _search_one(g, q, j, bound, stamp, ws):  # type: ignore[no-untyped-def]
    """Search from opportunity ``j`` of the query ``q``; return (n_touched, n_closed)."""
    return search(g, q.seed_node, q.seed_cost, q.seed_ptr[j], q.seed_ptr[j + 1], bound, stamp, ws)


@numba.njit(cache=True)
def apply_operations(  # type: ignore[no-untyped-def]
    g0, q0, krow0, w0, g1, q1, krow1, w1, ops, m, acc, flag, old, old_rows
):
    """Apply the operations ``ops`` (``n × 3``: before, after, category) to ``acc``.

    ``q0``/``q1`` are :data:`~jamlik.routing._kernels.Query` bundles of the opportunities
    before and after (only ``seed_*``, ``opp_weight`` and ``max_cost`` are read), ``krow0`` /
    ``krow1`` the output row of each node code of the two graphs (``-1`` = none), ``w0`` /
    ``w1`` one workspace per graph. ``flag[c, r]`` is set where the row must be recomputed.
    ``old`` (``inf`` on entry and on return) and ``old_rows`` are scratch of one per row.
    Returns the number of searches run.
    """
    k, cut, dkind, dp0, dp1, dsup = m
    bound = q0.max_cost
    n_searches = 0
    for o in range(ops.shape[0]):
        b = ops[o, 0]
        a = ops[o, 1]
        c = ops[o, 2]
        n_old = 0
        if b >= 0:
            nt, ncl = _search_one(g0, q0, b, bound, o + 1, w0)
            n_searches += 1
            wb = q0.opp_weight[b]
            for i in range(nt):
                u = w0.touched[i]
                r = krow0[u]
                d = w0.dist[u]
                if r >= 0 and d <= bound:
                    _sums(acc, c, r, -wb, d, k, cut, dkind, dp0, dp1, dsup)
                    if d <= acc[c, r, k - 1]:
                        old[r] = d
                        old_rows[n_old] = r
                        n_old += 1
            clear(g0, w0, nt, ncl)
        if a >= 0:
            nt, ncl = _search_one(g1, q1, a, bound, o + 1, w1)
            n_searches += 1
            wa = q1.opp_weight[a]
            for i in range(nt):
                u = w1.touched[i]
                r = krow1[u]
                d = w1.dist[u]
                if r >= 0 and d <= bound:
                    _sums(acc, c, r, wa, d, k, cut, dkind, dp0, dp1, dsup)
                    was = old[r]
                    if was == np.inf:
                        _insert(acc, c, r, k, d)
                    else:
                        if d <= was and _take_out(acc, c, r, k, was):
                            _insert(acc, c, r, k, d)
                        else:
                            flag[c, r] = True
                        old[r] = -1.0  # handled
            clear(g1, w1, nt, ncl)
        for i in range(n_old):
            r = old_rows[i]
            if old[r] >= 0.0:  # in the list and not reached any more
                flag[c, r] = True
            old[r] = np.inf
    return n_searches


@numba.njit(cache=True)
def reverse_csr(n, src, dst, cost):  # type: ignore[no-untyped-def]
    """CSR of the reversed edges ``dst -> src`` over ``n`` nodes, by one counting sort."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(dst.shape[0]):
        indptr[dst[e] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(dst.shape[0], dtype=src.dtype)
    out_cost = np.empty(dst.shape[0])
    for e in range(dst.shape[0]):
        p = fill[dst[e]]
        indices[p] = src[e]
        out_cost[p] = cost[e]
        fill[dst[e]] = p + 1
    return indptr, indices, out_cost
