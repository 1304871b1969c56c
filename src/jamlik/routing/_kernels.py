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

**Bundles.** The entry points take a :data:`SearchGraph` (the graph in search direction, with
its contracted chains, see :mod:`jamlik.networks.contraction`; a graph without chains has
empty chain arrays), a :data:`Workspace` of the scratch arrays above (plus ``ival``, the
costs of interior chain nodes, ``inf`` between searches, and per-chain marks), a
:data:`Query` and :data:`Measures`. The hot loops (:func:`_settle`, :func:`_add_reached`,
:func:`_sweep_reached`) are separate, non-inlined functions over plain arrays: in numba 0.62
the same loop was about twice as slow inside a function that takes the tuples.

**Threads.** :func:`aggregate_from_opportunities` and :func:`od_costs` run one workspace per
thread (``numba.prange`` over threads; workspaces carry a leading thread axis). Each thread
takes blocks of consecutive opportunities and adds into its own accumulator;
:func:`merge_accumulators` merges the k nearest exactly and adds counts and sums. Results do
not depend on the number of threads except for the order of additions in the sums.

**Exactness.** Costs are ``float64`` throughout (heap keys too); costs along a contracted
chain are added in the order a search over the uncontracted graph adds them.

Aggregation (per reached origin row ``r``, opportunity category ``c``, weight ``w``, cost ``d``)
into one accumulator ``acc[c, r, :]`` of ``k + n_cutoffs + n_decay`` floats, so that one update
touches one or two cache lines and the rows of neighbouring nodes sit together:

* ``acc[c, r, :k]`` keeps the ``k`` smallest costs in ascending order (``inf`` = none);
* ``acc[c, r, k + q] += w`` for the FIRST cutoff ``q`` (ascending cutoffs) with
  ``d <= cutoffs[q]``; a cumulative sum over ``q`` afterwards gives the counts;
* ``acc[c, r, k + n_cutoffs + m] += w * f_m(d)`` for every decay ``m`` with ``d <= support[m]``.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jamlik.routing.decay import decay_value

__all__ = [
    "Measures",
    "Query",
    "SearchGraph",
    "Workspace",
    "aggregate_from_opportunities",
    "aggregate_from_origins",
    "bounded_search",
    "clear",
    "cumulate_counts",
    "init_accumulator",
    "merge_accumulators",
    "od_costs",
    "reset",
    "search",
]

#: A contracted graph in search direction (see :mod:`jamlik.networks.contraction`): CSR over
#: kept nodes, chains (interior positions ``cptr[c]:cptr[c+1]``, ends ``cha``/``chb``: kept
#: numbers, or ``-(p + 1)`` for a chain of a pendant tree hanging from interior position
#: ``p``; edge costs ``up``/``down`` in search direction), chain of each interior position,
#: the chains ending at each kept node (``ncptr``/``ncids``) and the chains hanging inside
#: each chain (``kptr``/``kids``).
SearchGraph = namedtuple(
    "SearchGraph",
    [
        "indptr", "indices", "cost", "cptr", "cha", "chb", "up", "down", "ichain",
        "ncptr", "ncids", "kptr", "kids",
    ],
)  # fmt: skip
#: Scratch arrays of one search thread (or, with a leading thread axis, of all threads):
#: ``dist`` (kept nodes), ``touched``, heap ``hkey``/``hnode``, interior costs ``ival``,
#: per-chain stamps ``cmark`` and this search's chain list ``clist``.
Workspace = namedtuple("Workspace", ["dist", "touched", "hkey", "hnode", "ival", "cmark", "clist"])
#: What to aggregate: seed groups of the opportunities (``seed_ptr``/``seed_node``/
#: ``seed_cost``), their category and weight, output row of each kept node (``krow``) and
#: interior position (``irow``; ``-1`` = not an origin), and the search bound.
Query = namedtuple(
    "Query",
    ["seed_ptr", "seed_node", "seed_cost", "opp_cat", "opp_weight", "krow", "irow", "max_cost"],
)
#: The measures: k nearest, ascending cutoffs, decay functions (kind, parameters, support).
Measures = namedtuple("Measures", ["k", "cutoffs", "dkind", "dp0", "dp1", "dsupport"])

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
def _visit(u, d, dist, touched, n_touched, hkey, hnode, size):  # type: ignore[no-untyped-def]
    """Lower ``dist[u]`` to ``d`` if that improves it; return (heap size, n_touched)."""
    if d < dist[u]:
        if dist[u] == np.inf:
            touched[n_touched] = u
            n_touched += 1
        dist[u] = d
        size = _push(hkey, hnode, size, d, u)
    return size, n_touched


@numba.njit(cache=True, inline="always")
def _seed(seed_node, seed_cost, lo, hi, max_cost, dist, touched, hkey, hnode):  # type: ignore[no-untyped-def]
    """Put seeds ``lo:hi`` on an empty heap; return (heap size, n_touched)."""
    size = 0
    n_touched = 0
    for s in range(lo, hi):
        if seed_cost[s] <= max_cost:
            size, n_touched = _visit(
                seed_node[s], seed_cost[s], dist, touched, n_touched, hkey, hnode, size
            )
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
    return _settle(indptr, indices, cost, max_cost, dist, touched, n_touched, hkey, hnode, size)


@numba.njit(cache=True)
def _settle(indptr, indices, cost, max_cost, dist, touched, nt, hkey, hnode, size):  # type: ignore[no-untyped-def]
    """Run Dijkstra from the ``size`` entries on the heap up to ``max_cost``; return n_touched.

    Plain arrays, not inlined: the hot loop compiled apart from callers that take tuples runs
    about twice as fast (numba 0.62; measured on the dense grid benchmark).
    """
    while size > 0:
        d, u, size = _pop(hkey, hnode, size)
        if d > dist[u]:
            continue  # stale entry
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + cost[e]
            if nd <= max_cost:
                size, nt = _visit(indices[e], nd, dist, touched, nt, hkey, hnode, size)
    return nt


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
    for f in range(dkind.shape[0]):
        if d <= dsupport[f]:
            acc[c, r, k + n_cut + f] += w * decay_value(dkind[f], dp0[f], dp1[f], d)


@numba.njit(cache=True)
def _add_reached(  # type: ignore[no-untyped-def]
    cost, node, n, row, max_cost, acc, c, w, k, cutoffs, dkind, dp0, dp1, dsupport
):
    """Add the opportunity to the origin row ``row[u]`` of each reached node ``node[:n]``.

    ``cost[u]`` is the node's cost (``> max_cost`` = not reached), ``row[u] = -1`` = not an
    origin. Plain arrays and not inlined, like :func:`_settle`.
    """
    for i in range(n):
        u = node[i]
        r = row[u]
        d = cost[u]
        if r >= 0 and d <= max_cost:
            _accumulate(acc, c, r, w, d, k, cutoffs, dkind, dp0, dp1, dsupport)


@numba.njit(cache=True)
def _add_chains(  # type: ignore[no-untyped-def]
    clist, n, cptr, ival, row, max_cost, acc, c, w, k, cutoffs, dkind, dp0, dp1, dsupport
):
    """Like :func:`_add_reached` for the interior nodes of the chains ``clist[:n]``."""
    for i in range(n):
        ch = clist[i]
        for p in range(cptr[ch], cptr[ch + 1]):
            r = row[p]
            d = ival[p]
            if r >= 0 and d <= max_cost:
                _accumulate(acc, c, r, w, d, k, cutoffs, dkind, dp0, dp1, dsupport)


@numba.njit(cache=True, inline="always")
def _sweep(cptr, up, down, ch, at_a, at_b, ival):  # type: ignore[no-untyped-def]
    """Costs of the interior nodes of chain ``ch`` given the costs at its ends.

    ``ival`` holds seed costs on the chain (``inf`` elsewhere) and receives the least
    cost of each interior node: one sweep from ``a`` along the ``up`` edges, one from ``b``
    along the ``down`` edges (a shortest path inside a chain never turns back). The additions
    follow the order of a search over the uncontracted graph. Returns the costs at which the
    chain's seeds reach ``a`` and ``b``.
    """
    lo = cptr[ch]
    hi = cptr[ch + 1]
    cur = at_a
    for p in range(lo, hi):
        cur = min(ival[p], cur + up[ch + p])
        ival[p] = cur
    to_b = cur + up[ch + hi]
    cur = at_b
    for p in range(hi - 1, lo - 1, -1):
        cur = min(ival[p], cur + down[ch + p + 1])
        ival[p] = cur
    return cur + down[ch + lo], to_b


@numba.njit(cache=True, inline="always")
def _mark(ch, stamp, cmark, clist, n_chains):  # type: ignore[no-untyped-def]
    """Add chain ``ch`` to this search's list unless it is there; return the list length."""
    if cmark[ch] != stamp:
        cmark[ch] = stamp
        clist[n_chains] = ch
        n_chains += 1
    return n_chains


@numba.njit(cache=True, inline="always")
def _end_cost(x, dist, ival):  # type: ignore[no-untyped-def]
    """Cost at a chain end: a kept node (``x >= 0``) or an interior position ``-(x + 1)``."""
    if x >= 0:
        return dist[x]
    return ival[-x - 1]


@numba.njit(cache=True)
def _sweep_reached(  # type: ignore[no-untyped-def]
    touched, nt, ncptr, ncids, cmark, clist, ncl, stamp, chains, dist, ival, max_cost
):
    """Add the chains ending at touched nodes to ``clist``; sweep them all; return its length.

    A chain's sweep settles its interior, so the chains hanging inside it join the list
    after it (and are swept after it): those whose anchor was reached, and those on the way
    from a seed in a tree to its anchor (``cmark == -stamp``, see :func:`_enter_seeds`).
    Plain arrays (``chains = (cptr, cha, chb, up, down, kptr, kids)``) and not inlined, like
    :func:`_settle`.
    """
    cptr, cha, chb, up, down, kptr, kids = chains
    for i in range(nt):
        u = touched[i]
        for e in range(ncptr[u], ncptr[u + 1]):
            ncl = _mark(ncids[e], stamp, cmark, clist, ncl)
    i = 0
    while i < ncl:  # the list grows while it is read
        ch = clist[i]
        at_a = _end_cost(cha[ch], dist, ival)
        at_b = _end_cost(chb[ch], dist, ival)
        _sweep(cptr, up, down, ch, at_a, at_b, ival)
        for e in range(kptr[ch], kptr[ch + 1]):
            kid = kids[e]
            on_seed_way = cmark[kid] == -stamp
            if on_seed_way or (cmark[kid] != stamp and ival[-cha[kid] - 1] <= max_cost):
                cmark[kid] = stamp
                clist[ncl] = kid
                ncl += 1
        i += 1
    return ncl


@numba.njit(cache=True)
def _enter_seeds(g, seed_node, seed_cost, lo, hi, max_cost, stamp, w):  # type: ignore[no-untyped-def]
    """Put seeds ``lo:hi`` on an empty heap; return (heap size, n_touched, chain list length).

    A seed inside a chain enters at the chain's ends, at its cost along the chain; in a
    chain that hangs from an interior position, that end is a seed of the chain it hangs in,
    and so on up to a chain between kept nodes. The chains on the way are stamped
    ``-stamp`` and the top chain of each way joins ``w.clist``: the sweeps after the search
    (:func:`_sweep_reached`) start there and settle every chain the seeds changed.
    """
    dist, touched, hkey, hnode, ival, cmark = w.dist, w.touched, w.hkey, w.hnode, w.ival, w.cmark
    size = 0
    nt = 0
    for s in range(lo, hi):
        x = seed_node[s]
        c = seed_cost[s]
        if c > max_cost:
            continue
        if x >= 0:
            size, nt = _visit(x, c, dist, touched, nt, hkey, hnode, size)
            continue
        p = -x - 1
        ival[p] = min(ival[p], c)
        ch = g.ichain[p]
        while True:
            cmark[ch] = -stamp
            to_a, to_b = _sweep(g.cptr, g.up, g.down, ch, np.inf, np.inf, ival)
            a = g.cha[ch]
            if a < 0:  # a hanging chain: its anchor is a seed of the chain it hangs in
                q = -a - 1
                ival[q] = min(ival[q], to_a)
                ch = g.ichain[q]
                continue
            if to_a <= max_cost:
                size, nt = _visit(a, to_a, dist, touched, nt, hkey, hnode, size)
            if to_b <= max_cost:
                size, nt = _visit(g.chb[ch], to_b, dist, touched, nt, hkey, hnode, size)
            break
    ncl = 0
    for s in range(lo, hi):  # the top chains, once each and after every way is stamped
        x = seed_node[s]
        if x >= 0 or seed_cost[s] > max_cost:
            continue
        ch = g.ichain[-x - 1]
        while g.cha[ch] < 0:
            ch = g.ichain[-g.cha[ch] - 1]
        ncl = _mark(ch, stamp, cmark, w.clist, ncl)
    return size, nt, ncl


@numba.njit(cache=True)
def search(g, seed_node, seed_cost, lo, hi, max_cost, stamp, w):  # type: ignore[no-untyped-def]
    """Bounded multi-source Dijkstra over a contracted :class:`SearchGraph`.

    Seeds ``lo:hi`` are kept nodes (``>= 0``) or interior positions ``p`` coded ``-(p + 1)``.
    ``w`` is one thread's :class:`Workspace` (1-D arrays). On return ``w.dist`` holds the
    costs of the ``n_touched`` kept nodes ``w.touched[:n_touched]`` and ``w.ival`` those of
    the interior nodes of the ``n_chains`` chains ``w.clist[:n_chains]`` (``> max_cost``
    = not reached); the caller reads them, then calls :func:`clear`. ``stamp`` must differ
    between the searches of one workspace (and from 0).
    """
    size, nt, ncl = _enter_seeds(g, seed_node, seed_cost, lo, hi, max_cost, stamp, w)
    dist, touched, hkey, hnode = w.dist, w.touched, w.hkey, w.hnode
    nt = _settle(g.indptr, g.indices, g.cost, max_cost, dist, touched, nt, hkey, hnode, size)
    if g.cha.shape[0] > 0:
        chains = (g.cptr, g.cha, g.chb, g.up, g.down, g.kptr, g.kids)
        ncl = _sweep_reached(
            touched, nt, g.ncptr, g.ncids, w.cmark, w.clist, ncl, stamp, chains, dist, w.ival,
            max_cost,
        )  # fmt: skip
    return nt, ncl


@numba.njit(cache=True)
def clear(g, w, n_touched, n_chains):  # type: ignore[no-untyped-def]
    """Put the workspace back to its between-searches state after :func:`search`."""
    for i in range(n_touched):
        w.dist[w.touched[i]] = np.inf
    for i in range(n_chains):
        ch = w.clist[i]
        for p in range(g.cptr[ch], g.cptr[ch + 1]):
            w.ival[p] = np.inf


@numba.njit(cache=True)
def _aggregate_one(g, q, m, j, acc, c, w):  # type: ignore[no-untyped-def]
    """Search from opportunity ``j``; add it to ``acc[c]`` at every origin row it reaches."""
    nt, ncl = search(
        g, q.seed_node, q.seed_cost, q.seed_ptr[j], q.seed_ptr[j + 1], q.max_cost, j + 1, w
    )
    wt = q.opp_weight[j]
    k, cut, dkind, dp0, dp1, dsup = m
    _add_reached(
        w.dist, w.touched, nt, q.krow, q.max_cost, acc, c, wt, k, cut, dkind, dp0, dp1, dsup
    )
    _add_chains(
        w.clist, ncl, g.cptr, w.ival, q.irow, q.max_cost, acc, c, wt, k, cut, dkind, dp0, dp1, dsup
    )
    clear(g, w, nt, ncl)


@numba.njit(cache=True, parallel=True)
def aggregate_from_opportunities(g, q, m, acc, extra, slot, lo, hi, ws):  # type: ignore[no-untyped-def]
    """Search from opportunities ``lo[t]:hi[t]`` in thread ``t`` on the REVERSED graph ``g``.

    ``ws`` holds one workspace per thread (arrays with a leading thread axis). Thread ``t``
    adds an opportunity of category ``c`` into ``acc[c]``, or into ``extra[slot[t, c]]`` when
    ``slot[t, c] >= 0`` (a category that another thread also adds to);
    :func:`merge_accumulators` joins the slots afterwards.
    """
    n_threads = ws.dist.shape[0]
    for t in numba.prange(n_threads):
        w = Workspace(
            ws.dist[t], ws.touched[t], ws.hkey[t], ws.hnode[t], ws.ival[t], ws.cmark[t], ws.clist[t]
        )
        for j in range(lo[t], hi[t]):
            c = q.opp_cat[j]
            s = slot[t, c]
            if s < 0:
                _aggregate_one(g, q, m, j, acc, c, w)
            else:
                _aggregate_one(g, q, m, j, extra, s, w)


@numba.njit(cache=True, parallel=True)
def merge_accumulators(acc, extra, slot_cat, k):  # type: ignore[no-untyped-def]
    """Add every ``extra[s]`` into ``acc[slot_cat[s]]``: merge the k nearest, add the rest."""
    n_rows, width = acc.shape[1], acc.shape[2]
    for r in numba.prange(n_rows):
        merged = np.empty(k)
        for t in range(extra.shape[0]):
            c = slot_cat[t]
            i = 0
            j = 0
            for s in range(k):
                if acc[c, r, i] <= extra[t, r, j]:
                    merged[s] = acc[c, r, i]
                    i += 1
                else:
                    merged[s] = extra[t, r, j]
                    j += 1
            for s in range(k):
                acc[c, r, s] = merged[s]
            for s in range(k, width):
                acc[c, r, s] += extra[t, r, s]


@numba.njit(cache=True, parallel=True)
def od_costs(g, o, d, start, stop, max_cost, out, ws):  # type: ignore[no-untyped-def]
    """Fill ``out[i, j]`` = least cost from origin group ``i`` to destination group ``j``.

    ``o`` and ``d`` are ``(indptr, node, cost)`` seed groups coded as in :func:`search`;
    origin seed costs are from the origin point to the node, destination seed costs from the
    node to the destination; ``inf`` where the total exceeds ``max_cost``.
    """
    n_threads = ws.dist.shape[0]
    d_ptr, d_node, d_cost = d
    n_dest = d_ptr.shape[0] - 1
    for t in numba.prange(n_threads):
        w = Workspace(
            ws.dist[t], ws.touched[t], ws.hkey[t], ws.hnode[t], ws.ival[t], ws.cmark[t], ws.clist[t]
        )
        for i in range(start + t, stop, n_threads):
            nt, ncl = search(g, o[1], o[2], o[0][i], o[0][i + 1], max_cost, i + 1, w)
            for j in range(n_dest):
                b = np.inf
                for s in range(d_ptr[j], d_ptr[j + 1]):
                    x = d_node[s]
                    reach = w.dist[x] if x >= 0 else w.ival[-x - 1]
                    b = min(b, reach + d_cost[s])
                out[i, j] = b if b <= max_cost else np.inf
            clear(g, w, nt, ncl)


@numba.njit(cache=True)
def aggregate_from_origins(g, q, m, acc, start, stop, by_node, best, opp_touched, w):  # type: ignore[no-untyped-def]
    """One forward search per origin row ``start:stop`` on the plain graph ``g``; aggregate.

    ``g`` is ``(indptr, indices, cost)``, ``q.krow`` is unused and ``q.seed_node`` holds the
    origin node of each row. ``by_node = (ptr, opp, cost)`` lists, for each graph node, the
    seeds located there (the opportunity and the seed cost). The cost of opportunity ``j``
    for the origin is ``min over its seeds s of dist(node_s) + cost_s``, collected in
    ``best`` (``inf`` between searches) and aggregated when the search ends.
    """
    indptr, indices, cost = g
    by_ptr, by_opp, by_cost = by_node
    dist, touched, hkey, hnode = w.dist, w.touched, w.hkey, w.hnode
    for r in range(start, stop):
        size, n_touched = _visit(q.seed_node[r], 0.0, dist, touched, 0, hkey, hnode, 0)
        n_opp = 0
        while size > 0:
            d, u, size = _pop(hkey, hnode, size)
            if d > dist[u]:
                continue
            for s in range(by_ptr[u], by_ptr[u + 1]):
                total = d + by_cost[s]
                j = by_opp[s]
                if total <= q.max_cost and total < best[j]:
                    if best[j] == np.inf:
                        opp_touched[n_opp] = j
                        n_opp += 1
                    best[j] = total
            for e in range(indptr[u], indptr[u + 1]):
                nd = d + cost[e]
                if nd <= q.max_cost:
                    size, n_touched = _visit(
                        indices[e], nd, dist, touched, n_touched, hkey, hnode, size
                    )
        reset(dist, touched, n_touched)
        for i in range(n_opp):
            j = opp_touched[i]
            _accumulate(
                acc,
                q.opp_cat[j],
                r,
                q.opp_weight[j],
                best[j],
                m.k,
                m.cutoffs,
                m.dkind,
                m.dp0,
                m.dp1,
                m.dsupport,
            )
            best[j] = np.inf
