"""Compiled RAPTOR and range-RAPTOR kernels (numba); plain arrays in and out.

Labels
------
``R[s, k]`` (``k = 1..K``) is the earliest known arrival at stop ``s`` *by vehicle* with one to
``k`` rides; ``L[s, k]`` the earliest arrival by vehicle or by one footpath after the last ride;
``L[s, 0]`` the arrival by the access walk alone. Keeping the two apart makes the rule "at most
one walk between two rides" exact even though crow-fly footpaths within ``max_walk_m`` are not
transitively closed (Delling et al. assume closed footpaths): a vehicle arrival that is later
than a walking arrival at the same stop may still be the start of a useful footpath. Every
improvement of row ``k`` is carried up to rows ``k+1..K`` so that rows stay monotone, and the
pruning test of round ``k`` is ``arrival < R[s, k]`` (or ``< L[s, k]``). This per-round pruning,
instead of the single best label ``tau*`` of Delling et al. (2012, §3.1), keeps the labels exact
when they are *reused* over departure times in range RAPTOR (§4): ``tau*`` could then hold an
arrival found with more rides at a later departure and hide a fewer-ride arrival at an earlier
one.

Round ``k`` scans every route through a stop whose ``L[k-1]`` improved (from the earliest such
stop on the route), boarding the earliest trip whose departure is at least ``L[p, k-1] +
slack`` (the transfer slack applies from round 2 on: every boarding after a ride, never the
first boarding from the access walk; rows ``k >= 1`` of ``L`` only hold arrivals after a ride,
so this is exact), then relaxes footpaths
once from the stops whose ``R[k]`` the route scan improved. Egress walks start from ``R[K]``.

Range RAPTOR runs the departures from the latest to the earliest with the labels kept. A
departure at which no trip at any access stop becomes newly catchable (``_new_boarding``) is
skipped: its first ride boards the same trips as the later departure, so all labels after a
ride are the same (only the direct walk changes).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["INF", "range_many", "stop_arrivals"]

INF = 1 << 30

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


@numba.njit(cache=True)
def _improve(L: I32, k: int, K: int, s: int, t: int) -> bool:  # pragma: no cover - compiled
    """Lower ``L[s, k..K]`` to ``t`` where larger; return True when ``L[s, K]`` changed."""
    j = k
    while j <= K and t < L[s, j]:
        L[s, j] = t
        j += 1
    return j > K


@numba.njit(cache=True)
def _departure(  # pragma: no cover - compiled
    rs_ptr: I64,
    rs_stop: I32,
    rt_ptr: I64,
    rtime_ptr: I64,
    arr: I32,
    dep: I32,
    sr_ptr: I64,
    sr_route: I32,
    sr_pos: I32,
    tr_ptr: I64,
    tr_stop: I32,
    tr_s: I32,
    acc_stop: I32,
    acc_s: I32,
    t0: int,
    K: int,
    slack: int,
    L: I32,
    R: I32,
    marked: npt.NDArray[np.bool_],
    mlist: I32,
    route_first: I32,
    rlist: I32,
    ridden: npt.NDArray[np.bool_],
    plist: I32,
    changed: npt.NDArray[np.bool_],
    clist: I32,
) -> int:
    """Run RAPTOR rounds for one departure time; return how many stops entered ``clist``.

    ``R`` holds arrivals by vehicle, ``L`` arrivals by vehicle or by one footpath after it;
    ``clist`` receives the stops whose ``R[K]`` improved.
    """
    nc = 0
    nm = 0
    for a in range(len(acc_stop)):
        s = acc_stop[a]
        t = t0 + acc_s[a]
        if t < L[s, 0]:
            L[s, 0] = t
            if not marked[s]:
                marked[s] = True
                mlist[nm] = s
                nm += 1
    for k in range(1, K + 1):
        if nm == 0:
            break
        nr = 0
        for m in range(nm):
            p = mlist[m]
            marked[p] = False
            for e in range(sr_ptr[p], sr_ptr[p + 1]):
                r = sr_route[e]
                pos = sr_pos[e]
                if route_first[r] < 0:
                    route_first[r] = pos
                    rlist[nr] = r
                    nr += 1
                elif pos < route_first[r]:
                    route_first[r] = pos
        nm = 0
        npl = 0
        for q in range(nr):
            r = rlist[q]
            i0 = route_first[r]
            route_first[r] = -1
            s0 = rs_ptr[r]
            ns = rs_ptr[r + 1] - s0
            nt = rt_ptr[r + 1] - rt_ptr[r]
            base = rtime_ptr[r]
            trip = -1
            for i in range(i0, ns):
                p = rs_stop[s0 + i]
                if trip >= 0:
                    a_t = arr[base + trip * ns + i]
                    if a_t < R[p, k]:
                        if _improve(R, k, K, p, a_t) and not changed[p]:
                            changed[p] = True
                            clist[nc] = p
                            nc += 1
                        if not ridden[p]:
                            ridden[p] = True
                            plist[npl] = p
                            npl += 1
                        if a_t < L[p, k]:
                            _improve(L, k, K, p, a_t)
                            if not marked[p]:
                                marked[p] = True
                                mlist[nm] = p
                                nm += 1
                b = L[p, k - 1]
                if b >= INF:
                    continue
                need = b + slack if k > 1 else b
                hi = trip if trip >= 0 else nt
                if hi == 0 or dep[base + (hi - 1) * ns + i] < need:
                    continue
                lo = 0
                while lo < hi:  # first trip with departure >= need
                    mid = (lo + hi) // 2
                    if dep[base + mid * ns + i] >= need:
                        hi = mid
                    else:
                        lo = mid + 1
                trip = lo
        for m in range(npl):
            p = plist[m]
            ridden[p] = False
            ta = R[p, k]
            for e in range(tr_ptr[p], tr_ptr[p + 1]):
                s = tr_stop[e]
                t = ta + tr_s[e]
                if t < L[s, k]:
                    _improve(L, k, K, s, t)
                    if not marked[s]:
                        marked[s] = True
                        mlist[nm] = s
                        nm += 1
    for m in range(nm):
        marked[mlist[m]] = False
    return nc


@numba.njit(cache=True)
def _new_boarding(  # pragma: no cover - compiled
    rs_ptr: I64,
    rt_ptr: I64,
    rtime_ptr: I64,
    dep: I32,
    sr_ptr: I64,
    sr_route: I32,
    sr_pos: I32,
    acc_stop: I32,
    acc_s: I32,
    t: int,
    t_later: int,
) -> bool:
    """Whether leaving at ``t`` instead of ``t_later`` lets the first ride board a new trip.

    Round 1 boards only from the access walks, at the first trip leaving at or after
    ``t + walk``. If no trip at any access stop leaves in ``[t + walk, t_later + walk)``, round
    1 boards exactly the same trips as for ``t_later``, so every label of rounds 1..K is the
    same and range RAPTOR can skip the departure (only the direct walk changes).
    """
    for a in range(len(acc_stop)):
        s = acc_stop[a]
        lo_t = t + acc_s[a]
        hi_t = t_later + acc_s[a]
        for e in range(sr_ptr[s], sr_ptr[s + 1]):
            r = sr_route[e]
            i = sr_pos[e]
            ns = rs_ptr[r + 1] - rs_ptr[r]
            base = rtime_ptr[r]
            lo = 0
            hi = rt_ptr[r + 1] - rt_ptr[r]
            while lo < hi:  # first trip with departure >= lo_t
                mid = (lo + hi) // 2
                if dep[base + mid * ns + i] >= lo_t:
                    hi = mid
                else:
                    lo = mid + 1
            if lo < rt_ptr[r + 1] - rt_ptr[r] and dep[base + lo * ns + i] < hi_t:
                return True
    return False


@numba.njit(cache=True)
def stop_arrivals(  # pragma: no cover - compiled
    rs_ptr: I64,
    rs_stop: I32,
    rt_ptr: I64,
    rtime_ptr: I64,
    arr: I32,
    dep: I32,
    sr_ptr: I64,
    sr_route: I32,
    sr_pos: I32,
    tr_ptr: I64,
    tr_stop: I32,
    tr_s: I32,
    acc_stop: I32,
    acc_s: I32,
    departures: I64,
    K: int,
    slack: int,
    reuse: bool,
) -> I32:
    """Earliest arrival (1..K rides) at every stop for each departure: ``(n_dep, n_stops)``.

    Departures are processed from last to first; with ``reuse`` the labels carry over (range
    RAPTOR), otherwise they are reset for each departure (repeated single queries).
    """
    n_stops = len(sr_ptr) - 1
    n_routes = len(rs_ptr) - 1
    n_dep = len(departures)
    out = np.empty((n_dep, n_stops), dtype=np.int32)
    L = np.full((n_stops, K + 1), INF, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    changed = np.zeros(n_stops, dtype=np.bool_)
    mlist = np.empty(n_stops, dtype=np.int32)
    clist = np.empty(n_stops, dtype=np.int32)
    R = np.full((n_stops, K + 1), INF, dtype=np.int32)
    ridden = np.zeros(n_stops, dtype=np.bool_)
    plist = np.empty(n_stops, dtype=np.int32)
    route_first = np.full(n_routes, -1, dtype=np.int32)
    rlist = np.empty(n_routes, dtype=np.int32)
    for di in range(n_dep - 1, -1, -1):
        if not reuse:
            L[:] = INF
            R[:] = INF
        elif di < n_dep - 1 and not _new_boarding(
            rs_ptr, rt_ptr, rtime_ptr, dep, sr_ptr, sr_route, sr_pos, acc_stop, acc_s,
            departures[di], departures[di + 1],
        ):  # fmt: skip
            out[di, :] = out[di + 1, :]
            continue
        nc = _departure(
            rs_ptr, rs_stop, rt_ptr, rtime_ptr, arr, dep, sr_ptr, sr_route, sr_pos,
            tr_ptr, tr_stop, tr_s, acc_stop, acc_s, departures[di], K, slack,
            L, R, marked, mlist, route_first, rlist, ridden, plist, changed, clist,
        )  # fmt: skip
        for c in range(nc):
            changed[clist[c]] = False
        out[di, :] = L[:, K]
    return out


@numba.njit(cache=True, inline="always")
def relax_destinations(  # pragma: no cover - compiled
    clist: I32,
    nc: int,
    changed: npt.NDArray[np.bool_],
    R: I32,
    K: int,
    eg_ptr: I64,
    eg_dest: I32,
    eg_s: I32,
    dir_ptr: I64,
    dir_dest: I32,
    dir_s: I32,
    o: int,
    t0: int,
    best: I32,
) -> None:
    """Lower ``best`` (arrival per destination) by egress walks and origin ``o``'s direct walk.

    Egress starts from the ``nc`` stops whose arrival by vehicle changed this departure (their
    ``changed`` flags are cleared); the direct walk leaves at ``t0``.
    """
    for c in range(nc):
        s = clist[c]
        changed[s] = False
        ta = R[s, K]
        for e in range(eg_ptr[s], eg_ptr[s + 1]):
            d = eg_dest[e]
            t = ta + eg_s[e]
            if t < best[d]:
                best[d] = t
    for e in range(dir_ptr[o], dir_ptr[o + 1]):
        d = dir_dest[e]
        t = t0 + dir_s[e]
        if t < best[d]:
            best[d] = t


@numba.njit(cache=True, parallel=True)
def range_many(  # pragma: no cover - compiled
    rs_ptr: I64,
    rs_stop: I32,
    rt_ptr: I64,
    rtime_ptr: I64,
    arr: I32,
    dep: I32,
    sr_ptr: I64,
    sr_route: I32,
    sr_pos: I32,
    tr_ptr: I64,
    tr_stop: I32,
    tr_s: I32,
    acc_ptr: I64,
    acc_stop: I32,
    acc_s: I32,
    eg_ptr: I64,
    eg_dest: I32,
    eg_s: I32,
    dir_ptr: I64,
    dir_dest: I32,
    dir_s: I32,
    departures: I64,
    K: int,
    slack: int,
    reuse: bool,
    ranks: I64,
    n_dest: int,
) -> npt.NDArray[np.float32]:
    """Travel-time statistics for many origins over a departure window (``prange`` on origins).

    Parameters (beyond the timetable arrays)
    ----------------------------------------
    acc_*
        CSR: access walks (stop, seconds) of each origin.
    eg_*
        CSR: egress walks from each stop to destinations (destination, seconds).
    dir_*
        CSR: direct walks from each origin to destinations.
    ranks
        For each statistic, the 0-based rank in the sorted travel times of the window.

    Returns
    -------
    ndarray
        ``(n_origins, n_dest, len(ranks))`` float32 seconds; ``inf`` when unreachable.
    """
    n_orig = len(acc_ptr) - 1
    n_stops = len(sr_ptr) - 1
    n_routes = len(rs_ptr) - 1
    n_dep = len(departures)
    n_rank = len(ranks)
    out = np.empty((n_orig, n_dest, n_rank), dtype=np.float32)
    for o in numba.prange(n_orig):
        L = np.full((n_stops, K + 1), INF, dtype=np.int32)
        marked = np.zeros(n_stops, dtype=np.bool_)
        changed = np.zeros(n_stops, dtype=np.bool_)
        mlist = np.empty(n_stops, dtype=np.int32)
        clist = np.empty(n_stops, dtype=np.int32)
        R = np.full((n_stops, K + 1), INF, dtype=np.int32)
        ridden = np.zeros(n_stops, dtype=np.bool_)
        plist = np.empty(n_stops, dtype=np.int32)
        route_first = np.full(n_routes, -1, dtype=np.int32)
        rlist = np.empty(n_routes, dtype=np.int32)
        best = np.full(n_dest, INF, dtype=np.int32)
        buf = np.empty((n_dest, n_dep), dtype=np.int32)
        a0, a1 = acc_ptr[o], acc_ptr[o + 1]
        for di in range(n_dep - 1, -1, -1):
            t0 = departures[di]
            if not reuse:
                L[:] = INF
                R[:] = INF
                best[:] = INF
                run = True
            else:
                run = di == n_dep - 1 or _new_boarding(
                    rs_ptr, rt_ptr, rtime_ptr, dep, sr_ptr, sr_route, sr_pos,
                    acc_stop[a0:a1], acc_s[a0:a1], t0, departures[di + 1],
                )  # fmt: skip
            nc = 0
            if run:
                nc = _departure(
                    rs_ptr, rs_stop, rt_ptr, rtime_ptr, arr, dep, sr_ptr, sr_route, sr_pos,
                    tr_ptr, tr_stop, tr_s, acc_stop[a0:a1], acc_s[a0:a1], t0, K, slack,
                    L, R, marked, mlist, route_first, rlist, ridden, plist, changed, clist,
                )  # fmt: skip
            relax_destinations(
                clist, nc, changed, R, K, eg_ptr, eg_dest, eg_s, dir_ptr, dir_dest, dir_s, o, t0,
                best,
            )  # fmt: skip
            for d in range(n_dest):
                buf[d, di] = best[d] - t0 if best[d] < INF else INF
        for d in range(n_dest):
            col = np.sort(buf[d])
            for j in range(n_rank):
                v = col[ranks[j]]
                out[o, d, j] = np.inf if v >= INF else np.float32(v)
    return out
