"""Compiled RAPTOR and range-RAPTOR kernels (numba): arrays bundled in named tuples in, arrays out.

Labels
------
``R[k, s]`` (``k = 1..K``) is the earliest known arrival at stop ``s`` *by vehicle* with one to
``k`` rides; ``L[k, s]`` the earliest arrival by vehicle or by one footpath after the last ride;
``L[0, s]`` the arrival by the access walk alone. Keeping the two apart makes the rule "at most
one walk between two rides" exact even though crow-fly footpaths within ``max_walk_m`` are not
transitively closed (Delling et al. assume closed footpaths): a vehicle arrival that is later
than a walking arrival at the same stop may still be the start of a useful footpath. Every
improvement of row ``k`` is carried up to rows ``k+1..K`` so that rows stay monotone, and the
pruning test of round ``k`` is ``arrival < R[k, s]`` (or ``< L[k, s]``). This per-round pruning,
instead of the single best label ``tau*`` of Delling et al. (2012, §3.1), keeps the labels exact
when they are *reused* over departure times in range RAPTOR (§4): ``tau*`` could then hold an
arrival found with more rides at a later departure and hide a fewer-ride arrival at an earlier
one.

Round ``k`` scans every route through a stop whose ``L[k-1]`` improved (from the earliest such
stop on the route), boarding the earliest trip whose departure is at least ``L[k-1, p] +
slack`` (the transfer slack applies from round 2 on: every boarding after a ride, never the
first boarding from the access walk; rows ``k >= 1`` of ``L`` only hold arrivals after a ride,
so this is exact), then relaxes footpaths
once from the stops whose ``R[k]`` the route scan improved. Egress walks start from ``R[K]``.

Trips already ridden (as trip-based routing's ``R(t)``, Witt 2015, "Trip-Based Public Transit
Routing", ESA, §3): ``reached[k, g]`` is the earliest route position from which trip ``g`` was
ridden in a round ``<= k``, kept with the labels over a range query. Its arrivals after that
position are already in ``R[k]`` (or were beyond the bound, which only falls), and so are those
of any later trip of the route (trips never overtake). A route scan therefore records trip
``g``'s arrivals only up to ``reached[k, g]``, boards only at the stops marked for the round
(at an unmarked stop ``L[k-1]`` is what it was when that stop was last marked, and the trip it
catches was ridden from there then), and stops once it is past both the last marked stop and
the current trip's ``reached``. ``seated[k, r]`` does the same for staying seated: the chained
trips of route ``r`` from that trip on were followed in a round ``<= k``. On Tampere this made
range queries about 5x faster with the same answers (``benchmarks/README.md``).

A longest trip (``max_trip_s`` of the transit-access rule) bounds the search: arrivals after
``t0 + max_trip_s`` are not recorded. The bound only falls as range RAPTOR moves to earlier
departures, so a label left out for a later departure could not count for an earlier one
either, and the kept labels stay exact wherever they are within the bound.

Range RAPTOR runs the departures from the latest to the earliest with the labels kept. A
departure at which no trip at any access stop becomes newly catchable (``_new_boarding``) is
skipped: its first ride boards the same trips as the later departure, so all labels after a
ride are the same (only the direct walk changes).

Memory and instructions
-----------------------
Found with ``perf`` on the compiled code of the region benchmark (``benchmarks/README.md``,
"Unsigned indices"); together 0.74x the time there, side by side, with the same answers:

* numba wraps a negative index around (``a[-1]``) unless the index has an unsigned type, and
  the wrap costs a shift, a mask and an add on every access, in registers the loops need. The
  hot loops index through :data:`_ix` (``np.uint64``): 15-19 % less CPU. It is applied to
  index expressions only, never to values that take part in arithmetic (numba types
  ``uint64 + int64`` as ``float64``); every index here is non-negative by construction.
* Boarding searches a route's departures from one position by binary search without a branch
  on the times (:func:`_first_leaving`); :func:`_new_boarding` likewise.
* The footpath loop prefetches the footpath lists of the stops a few places ahead
  (:mod:`jamlik.routing._prefetch`).
* A window's travel times are sorted by insertion (:func:`_sorted_window`).
* Route scans read arrivals as a trip's shift plus running times shared by the trips of its
  route (:func:`running_times`): the region's 3.8 MB of arrivals become 160 kB of running
  times that stay in cache (6-10 % less CPU on one thread, same answers). Boarding reads
  departures the same way: the test whether an earlier trip can be caught at all was the
  largest stall left (a 3.8 MB table of departures, one cache miss per test; 13 % of the
  samples), and its time varied with the other load on the machine's shared cache.
* A round marks the boardable route entries of its marked stops (``Workspace.boarding``), so a
  route scan passes a position where it neither records nor boards with one test (30 % of
  the positions visited on the region); ``_arrive`` is called only for an arrival that
  improves ``R[k, p]`` (2-3 % less CPU together, ``benchmarks/README.md``).
* In the last round of a range query (no footpath follows it) an arrival updates only
  ``R[K]`` and the egress list (:func:`_arrive_last`), and :func:`_improve` is inlined:
  together about 3 % less CPU on one thread.

GTFS boarding rules (:mod:`jamlik.networks.timetable`)
------------------------------------------------------
* A route scan boards only at positions with ``route_board`` and records arrivals only at
  positions with ``route_alight``; ``_new_boarding`` looks only at boardable positions.
* A vehicle arrival ``a`` at stop ``p`` enters ``R[k, p]`` as before, but ``L[k, p]`` (the
  label the next round boards from) as ``a + stop_transfer_s[p]``, or not at all when transfers
  at ``p`` are not possible. The result of :func:`stop_arrivals` is therefore
  ``min(L[K], R[K])``: the arrival by vehicle or by footpath, without the wait of the rule.
* **Staying seated.** After scanning route ``r`` in round ``k`` the rider may be on any trip of
  ``r`` from the earliest one caught (trips never overtake, so any later trip could have been
  caught as well). For each such trip whose vehicle continues (``trip_next``), the following
  trip is ridden from its first stop in the same round (no boarding, no ride counted), and so
  on along the block. Its arrivals are fixed times, so a trip ridden this way in round ``k``
  gives nothing new in round ``k`` or later: ``seat_round[g]`` keeps the lowest round in which
  trip ``g`` was ridden seated, kept with the labels over a range query. Trips are taken in
  order and the scan stops at the first whose last arrival is beyond the bound.
* **Rows of ``transfers.txt`` for particular routes or trips** (the in-seat types are applied to
  ``trip_next``): see :mod:`jamlik.networks.transfer_rules` for the rule and why it is exact. An
  arrival at an entry with a from-class (``from_class >= 0``) enters ``R`` and the class label
  ``RF`` (:func:`_arrive_ruled`), never ``L`` or the footpaths; after the route scans of round
  ``k`` the class links carry each improved ``RF[k, f]`` to the to-class labels ``LT[k]``
  (:func:`_relax_classes`), marking their stops; a trip is boarded at an entry with a to-class
  from ``min(L[k-1, p], LT[k-1, to_class])``. :func:`stop_arrivals` adds the footpaths from the
  ruled stops' ``R[K]`` to its result (the arrival by footpath, as at other stops). Without such
  rows there are no classes and one test per arrival and boarding is all that changes.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

from jamlik.networks.timetable import NO_TRANSFER, TimetableArrays
from jamlik.networks.transfer_rules import ClassLinks
from jamlik.routing._prefetch import prefetch

__all__ = [
    "INF",
    "ArrivalRule",
    "Links",
    "Workspace",
    "new_workspace",
    "range_many",
    "stop_arrivals",
]

INF = 1 << 30

_ix = np.uint64  # index cast: no negative-index wrap-around (module docstring)
# The footpath loop asks for the footpath list of the stop this many places ahead in its list
# (about 5 % less CPU on the region benchmark; :mod:`jamlik.routing._prefetch`).
_FOOTPATHS_AHEAD = 4

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


class Links(NamedTuple):
    """Walks in CSR form: from point ``i`` to ``target[ptr[i]:ptr[i+1]]`` in ``seconds``."""

    ptr: I64
    target: I32
    seconds: I32


class ArrivalRule(NamedTuple):
    """When an arrival at a destination counts (open on arrival, not too long).

    ``open_*`` is a CSR of sorted, disjoint open intervals ``[start, end)`` per destination;
    ``always_open[d]`` skips the look-up; journeys longer than ``max_trip_s`` (waiting at the
    origin included) do not count.
    """

    open_ptr: I64
    open_start: I64
    open_end: I64
    always_open: Bools
    max_trip_s: int


class Workspace(NamedTuple):
    """Scratch arrays of one RAPTOR query, reused over its departures.

    ``L``/``R``: labels (module docstring), ``(K + 1, n_stops)``. ``marked``/``mlist``: stops
    to scan in the next round; ``route_first``/``rlist``: the routes to scan and the first
    marked position on each; ``ridden``/``plist``: stops whose ``R[k]`` improved this round
    (footpaths start there); ``changed``/``clist``: stops whose ``R[K]`` improved this
    departure (egress). ``seat_round``: per trip, the lowest round in which it was ridden
    seated from a previous trip of its block (``K + 1``: never). ``boarding``: per entry of
    ``route_stops``, the boardable positions of the stops marked for the round being scanned
    (riders board only there; a route scan clears each as it passes it); ``route_last``: the
    last such position on each listed route; ``reached[k, g]``: the earliest position from
    which trip ``g`` was ridden in a round ``<= k`` (``INF``: never; module docstring);
    ``seated[k, r]``: the earliest trip of route ``r`` from which the rider's staying seated
    was followed in a round ``<= k`` (``INF``: never).
    """

    L: I32
    R: I32
    marked: Bools
    mlist: I32
    route_first: I32
    rlist: I32
    ridden: Bools
    plist: I32
    changed: Bools
    clist: I32
    seat_round: I32
    boarding: Bools
    route_last: I32
    reached: I32
    seated: I32


class Derived(NamedTuple):
    """Arrays derived from a timetable once per query, for the search.

    ``chain_from``: :func:`chained_from`. ``footpath``: each footpath of ``tt`` as one int64,
    ``seconds << 32 | target stop`` (:func:`packed_footpaths`). ``trip_shift``, ``trip_row``,
    ``run_time``, ``dep_time``: the arrivals and departures as shared running times
    (:func:`running_times`). ``board_ptr``, ``board_entry``: the routes a rider may board at
    each stop (:func:`boardable_entries`). Built inside a
    ``prange`` body from the arrays: a named tuple made outside it does not reach the parallel
    loop (numba 0.62: ``NameError`` in parfor lowering).
    """

    chain_from: I32
    footpath: I64
    trip_shift: I32
    trip_row: I64
    run_time: I32
    dep_time: I32
    board_ptr: I64
    board_entry: I64


class ClassWork(NamedTuple):
    """Labels of the transfer-rule classes (module docstring), kept apart from :class:`Workspace`.

    ``RF``/``LT``: the labels of from-classes and to-classes, ``(K + 1, n)``;
    ``fmarked``/``flist``/``fcount[0]``: the from-classes whose ``RF`` improved this round. A
    separate tuple because every array added to the tuples passed per stay-seated call made the
    search slower (about 25 % on Tampere, numba 0.62).
    """

    RF: I32
    LT: I32
    fmarked: Bools
    flist: I32
    fcount: I64


@numba.njit(cache=True)
def new_workspace(  # pragma: no cover - compiled
    n_stops: int, n_routes: int, n_trips: int, n_entries: int, K: int
) -> Workspace:
    """Return a workspace with no labels (all ``INF``) and no marks."""
    return Workspace(
        L=np.full((K + 1, n_stops), INF, dtype=np.int32),
        R=np.full((K + 1, n_stops), INF, dtype=np.int32),
        marked=np.zeros(n_stops, dtype=np.bool_),
        mlist=np.empty(n_stops, dtype=np.int32),
        route_first=np.full(n_routes, -1, dtype=np.int32),
        rlist=np.empty(n_routes, dtype=np.int32),
        ridden=np.zeros(n_stops, dtype=np.bool_),
        plist=np.empty(n_stops, dtype=np.int32),
        changed=np.zeros(n_stops, dtype=np.bool_),
        clist=np.empty(n_stops, dtype=np.int32),
        seat_round=np.full(n_trips, K + 1, dtype=np.int32),
        boarding=np.zeros(n_entries, dtype=np.bool_),
        route_last=np.full(n_routes, -1, dtype=np.int32),
        reached=np.full((K + 1, n_trips), INF, dtype=np.int32),
        seated=np.full((K + 1, n_routes), INF, dtype=np.int32),
    )


@numba.njit(cache=True)
def _workspace(tt: TimetableArrays, K: int) -> Workspace:  # pragma: no cover - compiled
    """Return a workspace sized for the timetable."""
    n_stops = len(tt.stop_routes_ptr) - 1
    return new_workspace(
        n_stops, len(tt.route_stops_ptr) - 1, len(tt.trip_next), len(tt.route_stops), K
    )


@numba.njit(cache=True)
def _class_work(cl: ClassLinks, K: int) -> ClassWork:  # pragma: no cover - compiled
    """Return class labels (all ``INF``) for the classes of ``cl``."""
    n_from = len(cl.link_ptr) - 1
    return ClassWork(
        RF=np.full((K + 1, n_from), INF, dtype=np.int32),
        LT=np.full((K + 1, len(cl.label_stop)), INF, dtype=np.int32),
        fmarked=np.zeros(n_from, dtype=np.bool_),
        flist=np.empty(n_from, dtype=np.int32),
        fcount=np.zeros(1, dtype=np.int64),
    )


@numba.njit(cache=True)
def _forget(ws: Workspace, cw: ClassWork, K: int) -> None:  # pragma: no cover - compiled
    """Drop every label of ``ws`` and ``cw`` (a single-departure query starts afresh)."""
    ws.L[:] = INF
    ws.R[:] = INF
    ws.seat_round[:] = K + 1
    ws.reached[:] = INF
    ws.seated[:] = INF
    cw.RF[:] = INF
    cw.LT[:] = INF


@numba.njit(cache=True, inline="always")
def _improve(L: I32, k: int, K: int, s: int, t: int) -> bool:  # pragma: no cover - compiled
    """Lower ``L[s, k..K]`` to ``t`` where larger; return True when ``L[K, s]`` changed."""
    j = k
    while j <= K and t < L[_ix(j), _ix(s)]:
        L[_ix(j), _ix(s)] = t
        j += 1
    return j > K


@numba.njit(cache=True)
def _arrive(  # pragma: no cover - compiled
    L: I32,
    R: I32,
    marked: Bools,
    mlist: I32,
    ridden: Bools,
    plist: I32,
    changed: Bools,
    clist: I32,
    stop_transfer_s: I32,
    k: int,
    K: int,
    p: int,
    a_t: int,
    bound: int,
    nc: int,
    nm: int,
    npl: int,
) -> tuple[int, int, int]:
    """Record a vehicle arrival at ``p`` in round ``k``; return the new list lengths.

    ``R[k, p]`` takes the arrival; ``L[k, p]`` the arrival plus the stop's transfer time (not at
    all where transfers are not possible); ``clist`` (egress), ``plist`` (footpaths) and
    ``mlist`` (next round) receive ``p`` when it improved. The workspace arrays come one by
    one, not as the :class:`Workspace` tuple: called once per route-stop visit, the tuple made
    the whole search about 6x slower (numba 0.62, region benchmark).
    """
    u = _ix(p)
    if a_t < R[_ix(k), u] and a_t <= bound:
        if _improve(R, k, K, p, a_t) and not changed[u]:
            changed[u] = True
            clist[_ix(nc)] = p
            nc += 1
        if not ridden[u]:
            ridden[u] = True
            plist[_ix(npl)] = p
            npl += 1
        wait = stop_transfer_s[u]
        if wait < NO_TRANSFER and a_t + wait < L[_ix(k), u]:
            _improve(L, k, K, p, a_t + wait)
            if not marked[u]:
                marked[u] = True
                mlist[_ix(nm)] = p
                nm += 1
    return nc, nm, npl


@numba.njit(cache=True)
def _arrive_last(  # pragma: no cover - compiled
    R: I32, changed: Bools, clist: I32, K: int, p: int, a_t: int, bound: int, nc: int
) -> int:
    """:func:`_arrive` in the last round when no footpath follows it; return ``nc``.

    Only ``R[K]`` and the egress list: ``L[K]``, the footpath list and the marks for a next
    round would never be read (range queries take travel times from ``R[K]``).
    """
    u = _ix(p)
    if a_t < R[_ix(K), u] and a_t <= bound:
        R[_ix(K), u] = a_t
        if not changed[u]:
            changed[u] = True
            clist[_ix(nc)] = p
            nc += 1
    return nc


@numba.njit(cache=True)
def _arrive_ruled(  # pragma: no cover - compiled
    R: I32,
    changed: Bools,
    clist: I32,
    RF: I32,
    fmarked: Bools,
    flist: I32,
    fcount: I64,
    k: int,
    K: int,
    p: int,
    f: int,
    a_t: int,
    bound: int,
    nc: int,
) -> int:
    """Record a vehicle arrival at ruled stop ``p`` by a trip of from-class ``f``; return ``nc``.

    ``R[k, p]`` (and ``clist``) as in :func:`_arrive`; ``RF[k, f]`` when the arrival is the best
    of its class, pruned against ``RF`` only; ``L`` and the footpaths are left to the class
    links (:func:`_relax_classes`). Arrays one by one, as :func:`_arrive`.
    """
    if a_t > bound:
        return nc
    if a_t < R[k, p] and _improve(R, k, K, p, a_t) and not changed[p]:
        changed[p] = True
        clist[nc] = p
        nc += 1
    if a_t < RF[k, f]:
        _improve(RF, k, K, f, a_t)
        if not fmarked[f]:
            fmarked[f] = True
            flist[fcount[0]] = f
            fcount[0] += 1
    return nc


@numba.njit(cache=True)
def _relax_classes(  # pragma: no cover - compiled
    cl: ClassLinks,
    cw: ClassWork,
    marked: Bools,
    mlist: I32,
    k: int,
    K: int,
    bound: int,
    walk: bool,
    nm: int,
) -> int:
    """Carry the improved ``RF[k]`` along the class links to ``LT[k]``; return ``len(mlist)``."""
    link_ptr, link_label, link_s, _, label_stop = cl[2:7]
    RF, LT, fmarked, flist, fcount = cw
    for m in range(fcount[0]):
        f = flist[m]
        fmarked[f] = False
        if not walk:
            continue
        ta = RF[k, f]
        for e in range(link_ptr[f], link_ptr[f + 1]):
            c = link_label[e]
            t = ta + link_s[e]
            if t < LT[k, c] and t <= bound:
                _improve(LT, k, K, c, t)
                s = label_stop[c]
                if not marked[s]:
                    marked[s] = True
                    mlist[nm] = s
                    nm += 1
    fcount[0] = 0
    return nm


@numba.njit(cache=True)
def _stay_seated(  # pragma: no cover - compiled
    tt: TimetableArrays,
    ws: Workspace,
    g: int,
    k: int,
    K: int,
    bound: int,
    nc: int,
    nm: int,
    npl: int,
) -> tuple[int, int, int]:
    """Ride trip ``g`` and the trips of its block after it from their first stops (round ``k``)."""
    rs_ptr, rs_stop, rt_ptr, rtime_ptr, arr, dep = tt[:6]
    _, alight, trip_next, trip_route, stop_transfer_s = tt[12:]
    L, R, marked, mlist, _, _, ridden, plist, changed, clist, seat_round = ws[:11]
    while g >= 0 and seat_round[g] > k:
        seat_round[g] = k
        r = trip_route[g]
        s0 = rs_ptr[r]
        ns = rs_ptr[r + 1] - s0
        row = rtime_ptr[r] + (g - rt_ptr[r]) * ns
        if dep[row] > bound:
            break
        for i in range(ns):
            a_t = arr[_ix(row + i)]
            if a_t > bound:
                break
            if alight[_ix(s0 + i)]:
                p = rs_stop[_ix(s0 + i)]
                nc, nm, npl = _arrive(
                    L, R, marked, mlist, ridden, plist, changed, clist,
                    stop_transfer_s, k, K, p, a_t, bound, nc, nm, npl,
                )  # fmt: skip
        g = trip_next[g]
    return nc, nm, npl


@numba.njit(cache=True)
def _stay_seated_ruled(  # pragma: no cover - compiled
    tt: TimetableArrays,
    ws: Workspace,
    from_class: I32,
    RF: I32,
    fmarked: Bools,
    flist: I32,
    fcount: I64,
    g: int,
    k: int,
    K: int,
    bound: int,
    nc: int,
    nm: int,
    npl: int,
) -> tuple[int, int, int]:
    """:func:`_stay_seated` for a timetable with transfer-rule classes (module docstring).

    Arrivals at entries with a from-class go to :func:`_arrive_ruled`. A function of its own,
    used only when there are classes: the class branch and arrays inside :func:`_stay_seated`
    made the search about 20 % slower on Tampere, which has no such rows (numba 0.62). The class
    arrays (``from_class`` of ``ClassLinks``, the rest of :class:`ClassWork`) come one by one,
    as in :func:`_arrive`.
    """
    rs_ptr, rs_stop, rt_ptr, rtime_ptr, arr, dep = tt[:6]
    _, alight, trip_next, trip_route, stop_transfer_s = tt[12:]
    L, R, marked, mlist, _, _, ridden, plist, changed, clist, seat_round = ws[:11]
    while g >= 0 and seat_round[g] > k:
        seat_round[g] = k
        r = trip_route[g]
        s0 = rs_ptr[r]
        ns = rs_ptr[r + 1] - s0
        row = rtime_ptr[r] + (g - rt_ptr[r]) * ns
        if dep[row] > bound:
            break
        for i in range(ns):
            a_t = arr[row + i]
            if a_t > bound:
                break
            if alight[s0 + i]:
                p = rs_stop[s0 + i]
                f = from_class[s0 + i]
                if f >= 0:
                    nc = _arrive_ruled(
                        R, changed, clist, RF, fmarked, flist, fcount, k, K, p, f, a_t, bound, nc
                    )
                    continue
                nc, nm, npl = _arrive(
                    L, R, marked, mlist, ridden, plist, changed, clist,
                    stop_transfer_s, k, K, p, a_t, bound, nc, nm, npl,
                )  # fmt: skip
        g = trip_next[g]
    return nc, nm, npl


@numba.njit(cache=True)
def packed_links(seconds: I32, target: I32) -> I64:  # pragma: no cover - compiled
    """Each walk as ``seconds << 32 | target``; ``v >> 32`` and ``v & 0xFFFFFFFF`` undo it.

    A loop over walks reads one array instead of two, so each stop's walks take half the
    cache lines: for footpaths 6-7 % less CPU on the region benchmark and 5 % on Tampere
    (numba 0.62, ``benchmarks/README.md``); egress walks gain about 1 % more. Exact for any
    int32 seconds (an arithmetic shift gives negative ones back) and targets below 2**31.
    """
    return (seconds.astype(np.int64) << 32) | target.astype(np.int64)


@numba.njit(cache=True)
def packed_footpaths(tt: TimetableArrays) -> I64:  # pragma: no cover - compiled
    """Return the footpaths of ``tt`` as :func:`packed_links`."""
    return packed_links(tt.transfer_s, tt.transfer_stop)


@numba.njit(cache=True, inline="always")  # pragma: no cover - compiled
def _first_leaving(
    trip_shift: I32, trip_row: I64, dep_time: I32, g0: int, i: int, hi: int, need: int
) -> int:
    """Return the first of trips ``g0 .. g0 + hi - 1`` leaving position ``i`` at or after ``need``.

    As an offset from ``g0``; the caller knows that trip ``g0 + hi - 1`` does. A binary search
    without a branch on the times, which are unpredictable: the comparison becomes a conditional
    move. Departures are shifts plus shared running times (:func:`running_times`).
    """
    lo = 0
    n = hi
    while n > 1:
        half = n >> 1
        g = _ix(g0 + lo + half - 1)
        lo = lo + half if trip_shift[g] + dep_time[_ix(trip_row[g] + i)] < need else lo
        n -= half
    return lo


# A trip's running times are compared with at most this many of its route's earlier ones.
_RUNNING_TIMES_TRIED = 32


@numba.njit(cache=True)
def running_times(tt: TimetableArrays) -> tuple[I32, I64, I32, I32]:  # pragma: no cover
    """Return the arrivals and departures as running times shared by the trips of a route.

    Trip ``g`` arrives at position ``i`` of its route at ``trip_shift[g] + run_time[trip_row[g]
    + i]`` (exactly ``arrival_s``) and leaves it at ``trip_shift[g] + dep_time[trip_row[g] +
    i]`` (exactly ``departure_s``): the shift is its first arrival, and trips of a route whose
    arrivals and departures differ by one shift share one row. Timetables repeat a few
    running-time patterns per route (Tampere: 2.5 per 5.8 trips; a frequency-based or generated
    feed: one), so the rows a route scan reads are a small, cache-resident array instead of one
    row per trip (the region benchmark's timetable is 3.8 MB of arrivals, its running times
    160 kB). A trip is compared with the route's latest rows first, at most
    ``_RUNNING_TIMES_TRIED`` of them, so a route whose trips all differ costs linear time.
    """
    rs_ptr, _, rt_ptr, rtime_ptr, arr, dep = tt[:6]
    n_trips = len(tt.trip_next)
    trip_shift = np.empty(n_trips, dtype=np.int32)
    trip_row = np.empty(n_trips, dtype=np.int64)
    run_time = np.empty(len(arr), dtype=np.int32)
    dep_time = np.empty(len(arr), dtype=np.int32)
    used = 0
    for r in range(len(rs_ptr) - 1):
        ns = rs_ptr[r + 1] - rs_ptr[r]
        first = used
        for g in range(rt_ptr[r], rt_ptr[r + 1]):
            row = rtime_ptr[r] + (g - rt_ptr[r]) * ns
            shift = arr[row] if ns > 0 else 0
            found = -1
            at = used - ns
            tried = 0
            while found < 0 and at >= first and tried < _RUNNING_TIMES_TRIED:
                same = True
                for i in range(ns):
                    if (
                        run_time[at + i] != arr[row + i] - shift
                        or dep_time[at + i] != dep[row + i] - shift
                    ):
                        same = False
                        break
                if same:
                    found = at
                at -= ns
                tried += 1
            if found < 0:
                for i in range(ns):
                    run_time[used + i] = arr[row + i] - shift
                    dep_time[used + i] = dep[row + i] - shift
                found = used
                used += ns
            trip_shift[g] = shift
            trip_row[g] = found
    return trip_shift, trip_row, run_time[:used].copy(), dep_time[:used].copy()


@numba.njit(cache=True)
def chained_from(tt: TimetableArrays) -> I32:  # pragma: no cover - compiled
    """Per trip ``g``: the first trip of ``g``'s route, ``g`` or later, whose vehicle continues.

    ``-1`` when no later trip of the route has a ``trip_next``. Route scans jump straight to the
    trips a rider may stay seated in, instead of testing every later trip of the route (on a
    feed without blocks that test cost about 15 % of the search).
    """
    rt_ptr, trip_next = tt.route_trips_ptr, tt.trip_next
    out = np.full(len(trip_next), -1, dtype=np.int32)
    for r in range(len(rt_ptr) - 1):
        nxt = -1
        for g in range(rt_ptr[r + 1] - 1, rt_ptr[r] - 1, -1):
            if trip_next[g] >= 0:
                nxt = g
            out[g] = nxt
    return out


@numba.njit(cache=True)
def boardable_entries(tt: TimetableArrays) -> tuple[I64, I64]:  # pragma: no cover - compiled
    """Return, per stop, the routes a rider may board there: CSR ``ptr``, ``route << 32 | pos``.

    The entries of ``stop_routes`` whose ``route_board`` is set, packed as one int64 each (the
    route and the stop's position on it). :func:`_collect_routes` and :func:`_new_boarding`
    read one array and test nothing per entry (1-2 % less CPU on the region benchmark than
    reading ``stop_routes``, ``stop_route_pos`` and ``route_board``).
    """
    sr_ptr, sr_route, sr_pos = tt[6:9]
    rs_ptr, board = tt.route_stops_ptr, tt.route_board
    n_stops = len(sr_ptr) - 1
    ptr = np.zeros(n_stops + 1, dtype=np.int64)
    entry = np.empty(len(sr_route), dtype=np.int64)
    used = 0
    for s in range(n_stops):
        for e in range(sr_ptr[s], sr_ptr[s + 1]):
            r, pos = sr_route[e], sr_pos[e]
            if board[rs_ptr[r] + pos]:
                entry[used] = (np.int64(r) << 32) | np.int64(pos)
                used += 1
        ptr[s + 1] = used
    return ptr, entry[:used].copy()


@numba.njit(cache=True)
def _derived_arrays(  # pragma: no cover - compiled
    tt: TimetableArrays,
) -> tuple[I32, I64, I32, I64, I32, I32, I64, I64]:
    """Return the arrays of :class:`Derived` for ``tt``, in the order of its fields."""
    return (
        chained_from(tt), packed_footpaths(tt), *running_times(tt), *boardable_entries(tt)
    )  # fmt: skip


@numba.njit(cache=True)
def _collect_routes(  # pragma: no cover - compiled
    tt: TimetableArrays, ws: Workspace, nm: int, board_ptr: I64, board_entry: I64
) -> int:
    """Mark the boardable positions of the marked stops for boarding; list their routes.

    ``route_first``/``route_last`` receive the first and last such position on each route.
    Marking route entries rather than stops lets a route scan pass the other positions with
    one test (30 % of the positions visited on the region benchmark).
    """
    rs_ptr = tt.route_stops_ptr
    marked, mlist, route_first, rlist = ws[2:6]
    boarding, route_last = ws.boarding, ws.route_last
    nr = 0
    for m in range(nm):
        p = mlist[_ix(m)]
        u = _ix(p)
        marked[u] = False
        for e in range(board_ptr[u], board_ptr[_ix(p + 1)]):
            v = board_entry[_ix(e)]  # boardable_entries
            r = v >> 32
            pos = v & 0xFFFFFFFF
            ur = _ix(r)
            boarding[_ix(rs_ptr[ur] + pos)] = True
            if route_first[ur] < 0:
                route_first[ur] = pos
                route_last[ur] = pos
                rlist[_ix(nr)] = r
                nr += 1
            elif pos < route_first[ur]:
                route_first[ur] = pos
            elif pos > route_last[ur]:
                route_last[ur] = pos
    return nr


@numba.njit(cache=True, inline="always")  # inlined: about 10 % faster in range_many
def _departure(  # pragma: no cover - compiled
    tt: TimetableArrays,
    cl: ClassLinks,
    acc_stop: I32,
    acc_s: I32,
    t0: int,
    K: int,
    slack: int,
    bound: int,
    walk_after_last: bool,
    ws: Workspace,
    cw: ClassWork,
    dv: Derived,
) -> int:
    """Run RAPTOR rounds for one departure time; return how many stops entered ``ws.clist``.

    ``ws.R`` holds arrivals by vehicle, ``ws.L`` arrivals by vehicle or by one footpath after
    it; ``ws.clist`` receives the stops whose ``R[K]`` improved. Arrivals after ``bound`` are
    not recorded. Footpaths after the last round are walked only with ``walk_after_last``
    (``L[K]`` is the result of :func:`stop_arrivals`; travel times to destinations leave
    from ``R[K]``). ``dv``: the :class:`Derived` arrays of ``tt``.
    """
    # Plain locals: taking arrays out of the tuples inside the loops, or passing the tuples to
    # a helper per stop, made this kernel about twice as slow in a trial (numba 0.62).
    rs_ptr, rs_stop, rt_ptr, rtime_ptr, arr = tt[:5]
    tr_ptr = tt.transfer_ptr
    _, alight, trip_next, _, stop_transfer_s = tt[12:]
    chain_from, footpath, trip_shift, trip_row, run_time, dep_time = dv[:6]
    from_class, to_class = cl[:2]
    ruled = len(cl.link_ptr) > 1  # route- or trip-level transfer rows (module docstring)
    L, R, marked, mlist, route_first, rlist, ridden, plist, changed, clist = ws[:10]
    boarding, route_last, reached, seated = ws[11:]
    RF, LT, fmarked, flist, fcount = cw
    nc = 0
    nm = 0
    for a in range(len(acc_stop)):
        s = acc_stop[a]
        t = t0 + acc_s[a]
        if t < L[0, s]:
            L[0, s] = t
            if not marked[s]:
                marked[s] = True
                mlist[nm] = s
                nm += 1
    for k in range(1, K + 1):
        if nm == 0:
            break
        nr = _collect_routes(tt, ws, nm, dv.board_ptr, dv.board_entry)
        last = k == K and not walk_after_last  # nothing reads L[K] or the marks afterwards
        nm = 0
        npl = 0
        for q in range(nr):
            r = rlist[q]
            i0 = route_first[r]
            i1 = route_last[r]
            route_first[r] = -1
            s0 = rs_ptr[r]
            ns = rs_ptr[r + 1] - s0
            g0 = rt_ptr[r]
            nt = rt_ptr[r + 1] - g0
            base = rtime_ptr[r]
            trip = -1
            shift = 0  # ``trip`` arrives at position i at shift + run_time[row + i]
            row = 0
            stop_i = -1  # arrivals of ``trip`` after this position are known (``reached``)
            for i in range(i0, ns):
                at = _ix(s0 + i)
                if i > stop_i:
                    if i > i1:
                        break  # nothing new to record and no marked stop left to board at
                    if not boarding[at]:
                        continue
                p = rs_stop[at]
                if i <= stop_i and alight[at]:
                    a_t = shift + run_time[_ix(row + i)]
                    if ruled and from_class[s0 + i] >= 0:
                        nc = _arrive_ruled(
                            R, changed, clist, RF, fmarked, flist, fcount,
                            k, K, p, from_class[s0 + i], a_t, bound, nc,
                        )  # fmt: skip
                    elif last:
                        nc = _arrive_last(R, changed, clist, K, p, a_t, bound, nc)
                    elif a_t < R[_ix(k), _ix(p)] and a_t <= bound:  # else the call is wasted
                        nc, nm, npl = _arrive(
                            L, R, marked, mlist, ridden, plist, changed, clist,
                            stop_transfer_s, k, K, p, a_t, bound, nc, nm, npl,
                        )  # fmt: skip
                if not boarding[at]:
                    continue
                boarding[at] = False
                b = L[_ix(k - 1), _ix(p)]
                if ruled and to_class[s0 + i] >= 0 and LT[k - 1, to_class[s0 + i]] < b:
                    b = LT[k - 1, to_class[s0 + i]]
                if b >= INF:
                    continue
                need = b + slack if k > 1 else b
                hi = trip if trip >= 0 else nt  # trips before the one ridden
                if hi == 0:
                    continue
                last_g = _ix(g0 + hi - 1)
                if trip_shift[last_g] + dep_time[_ix(trip_row[last_g] + i)] < need:
                    continue  # none of them can be caught
                trip = _first_leaving(trip_shift, trip_row, dep_time, g0, i, hi, need)
                caught = _ix(g0 + trip)
                shift = trip_shift[caught]
                row = trip_row[caught]
                stop_i = reached[_ix(k), caught]
                j = k
                while j <= K and i < reached[_ix(j), caught]:
                    reached[_ix(j), caught] = i
                    j += 1
            if trip >= 0:  # stay seated into the next trip of the vehicle (module docstring)
                g = chain_from[g0 + trip]
                g_end = g0 + min(nt, seated[k, r])  # later trips: followed before
                j = k
                while j <= K and trip < seated[j, r]:
                    seated[j, r] = trip
                    j += 1
                while 0 <= g < g_end and arr[base + (g - g0) * ns + ns - 1] <= bound:
                    if ruled:
                        nc, nm, npl = _stay_seated_ruled(
                            tt, ws, from_class, RF, fmarked, flist, fcount,
                            trip_next[g], k, K, bound, nc, nm, npl,
                        )  # fmt: skip
                    else:
                        nc, nm, npl = _stay_seated(tt, ws, trip_next[g], k, K, bound, nc, nm, npl)
                    g = chain_from[g + 1] if g + 1 < g0 + nt else -1
        walk = k < K or walk_after_last
        if ruled:
            nm = _relax_classes(cl, cw, marked, mlist, k, K, bound, k < K, nm)
        for m in range(npl):
            p = plist[_ix(m)]
            ridden[_ix(p)] = False
            if not walk:
                continue
            if m + _FOOTPATHS_AHEAD < npl:  # the footpath lists are ~1.5 MB on the region
                prefetch(footpath, tr_ptr[_ix(plist[_ix(m + _FOOTPATHS_AHEAD)])])
            ta = R[_ix(k), _ix(p)]
            for e in range(tr_ptr[_ix(p)], tr_ptr[_ix(p + 1)]):
                v = footpath[_ix(e)]
                s = v & 0xFFFFFFFF
                t = ta + (v >> 32)
                if t < L[_ix(k), _ix(s)] and t <= bound:
                    _improve(L, k, K, s, t)
                    if not marked[_ix(s)]:
                        marked[_ix(s)] = True
                        mlist[_ix(nm)] = s
                        nm += 1
    for m in range(nm):
        marked[_ix(mlist[_ix(m)])] = False
    return nc


@numba.njit(cache=True)
def _new_boarding(  # pragma: no cover - compiled
    tt: TimetableArrays, dv: Derived, acc_stop: I32, acc_s: I32, t: int, t_later: int
) -> bool:
    """Whether leaving at ``t`` instead of ``t_later`` lets the first ride board a new trip.

    Round 1 boards only from the access walks, at the first trip leaving at or after
    ``t + walk``. If no trip at any access stop leaves in ``[t + walk, t_later + walk)``, round
    1 boards exactly the same trips as for ``t_later``, so every label of rounds 1..K is the
    same and range RAPTOR can skip the departure (only the direct walk changes). ``dv``: the
    :class:`Derived` arrays of ``tt``.
    """
    trip_shift, trip_row, dep_time = dv.trip_shift, dv.trip_row, dv.dep_time
    board_ptr, board_entry = dv.board_ptr, dv.board_entry
    rt_ptr = tt.route_trips_ptr
    for a in range(len(acc_stop)):
        s = _ix(acc_stop[_ix(a)])
        lo_t = t + acc_s[_ix(a)]
        hi_t = t_later + acc_s[_ix(a)]
        for e in range(board_ptr[s], board_ptr[s + _ix(1)]):
            v = board_entry[_ix(e)]  # boardable_entries
            r = _ix(v >> 32)
            i = v & 0xFFFFFFFF
            g0 = rt_ptr[r]
            nt = rt_ptr[r + _ix(1)] - g0
            if nt == 0:
                continue
            g = _ix(g0 + nt - 1)
            if trip_shift[g] + dep_time[_ix(trip_row[g] + i)] < lo_t:
                continue  # no trip leaves at or after lo_t
            g = _ix(g0 + _first_leaving(trip_shift, trip_row, dep_time, g0, i, nt, lo_t))
            if trip_shift[g] + dep_time[_ix(trip_row[g] + i)] < hi_t:
                return True
    return False


@numba.njit(cache=True)
def stop_arrivals(  # pragma: no cover - compiled
    tt: TimetableArrays,
    cl: ClassLinks,
    acc_stop: I32,
    acc_s: I32,
    departures: I64,
    K: int,
    slack: int,
    reuse: bool,
) -> I32:
    """Earliest arrival (1..K rides) at every stop for each departure: ``(n_dep, n_stops)``.

    Departures are processed from last to first; with ``reuse`` the labels carry over (range
    RAPTOR), otherwise they are reset for each departure (repeated single queries). ``cl``:
    the timetable's transfer-rule classes (``Timetable.links``).
    """
    n_stops = len(tt.stop_routes_ptr) - 1
    n_dep = len(departures)
    out = np.empty((n_dep, n_stops), dtype=np.int32)
    ws = _workspace(tt, K)
    cw = _class_work(cl, K)
    dv = Derived(*_derived_arrays(tt))
    tr_ptr, tr_stop, tr_s = tt[9:12]
    class_stop = cl.class_stop
    for di in range(n_dep - 1, -1, -1):
        if not reuse:
            _forget(ws, cw, K)
        elif di < n_dep - 1 and not _new_boarding(
            tt, dv, acc_stop, acc_s, departures[di], departures[di + 1]
        ):
            out[di, :] = out[di + 1, :]
            continue
        nc = _departure(tt, cl, acc_stop, acc_s, departures[di], K, slack, INF, True, ws, cw, dv)
        for c in range(nc):
            ws.changed[ws.clist[c]] = False
        out[di, :] = np.minimum(ws.L[K, :], ws.R[K, :])
        for f in range(len(class_stop)):  # footpaths from ruled stops (module docstring)
            a = class_stop[f]
            ta = ws.R[K, a]
            for e in range(tr_ptr[a], tr_ptr[a + 1]):
                t = ta + tr_s[e]
                if t < out[di, tr_stop[e]]:
                    out[di, tr_stop[e]] = t
    return out


@numba.njit(cache=True)
def _relax_destinations(  # pragma: no cover - compiled
    ws: Workspace,
    nc: int,
    K: int,
    eg_ptr: I64,
    eg_walk: I64,
    direct: Links,
    o: int,
    t0: int,
    best: I32,
) -> None:
    """Lower ``best`` (arrival per destination) by egress walks and origin ``o``'s direct walk.

    Egress starts from the ``nc`` stops whose arrival by vehicle changed this departure (their
    ``changed`` flags are cleared): stop ``s`` walks ``eg_walk[eg_ptr[s]:eg_ptr[s + 1]]``
    (:func:`packed_links`). The direct walk leaves at ``t0``.
    """
    R, changed, clist = ws.R, ws.changed, ws.clist
    dir_ptr, dir_dest, dir_s = direct
    for c in range(nc):
        s = _ix(clist[_ix(c)])
        changed[s] = False
        ta = R[_ix(K), s]
        for e in range(eg_ptr[s], eg_ptr[s + _ix(1)]):
            v = eg_walk[_ix(e)]
            d = _ix(v & 0xFFFFFFFF)
            t = ta + (v >> 32)
            if t < best[d]:
                best[d] = t
    for e in range(dir_ptr[o], dir_ptr[o + 1]):
        d = _ix(dir_dest[_ix(e)])
        t = t0 + dir_s[_ix(e)]
        if t < best[d]:
            best[d] = t


@numba.njit(cache=True)
def _record(  # pragma: no cover - compiled
    rule: ArrivalRule, best: I32, t0: int, buf: I32, di: int
) -> None:
    """Set ``buf[:, di]`` to the travel times from ``t0``; ``INF`` where the arrival does not count.

    An arrival counts when the journey takes at most ``rule.max_trip_s`` and the destination is
    open at the arrival.
    """
    open_ptr, open_start, open_end, always_open, max_trip_s = rule
    for d in range(len(best)):
        a = best[_ix(d)]
        ok = a < INF and a - t0 <= max_trip_s
        if ok and not always_open[d]:
            lo, hi = open_ptr[d], open_ptr[d + 1]
            while lo < hi:  # last interval starting at or before a
                mid = (lo + hi) // 2
                if open_start[mid] <= a:
                    lo = mid + 1
                else:
                    hi = mid
            ok = lo > open_ptr[d] and open_end[lo - 1] > a
        buf[_ix(d), _ix(di)] = a - t0 if ok else INF


# Windows up to this many departures are sorted by insertion (_sorted_window).
_INSERTION_SORT_MAX = 64


@numba.njit(cache=True)
def _sorted_window(values: I32, out: I32) -> None:  # pragma: no cover - compiled
    """Write ``values`` sorted into ``out`` (same length).

    A window's travel times are few (60 for an hour) and come in runs that rise by a minute
    per departure (the same trip caught from an earlier start), so insertion into ``out``
    beats ``np.sort``, which copies and runs a general quicksort: 0.31-0.71 ms against
    0.46-1.38 ms per origin for 1,000 destinations × 60 departures, about 5 % of the region
    benchmark (``benchmarks/README.md``). Longer windows use ``np.sort``.
    """
    n = len(values)
    if n > _INSERTION_SORT_MAX:
        out[:] = np.sort(values)
        return
    for i in range(n):
        v = values[i]
        j = i
        while j > 0 and out[j - 1] > v:
            out[j] = out[j - 1]
            j -= 1
        out[j] = v


@numba.njit(cache=True, parallel=True)
def range_many(  # pragma: no cover - compiled
    tt: TimetableArrays,
    cl: ClassLinks,
    access: Links,
    egress: Links,
    direct: Links,
    departures: I64,
    K: int,
    slack: int,
    reuse: bool,
    ranks: I64,
    rule: ArrivalRule,
) -> npt.NDArray[np.float32]:
    """Travel-time statistics for many origins over a departure window (``prange`` on origins).

    Parameters (beyond the timetable)
    ---------------------------------
    access
        Access walks (stop, seconds) of each origin.
    egress
        Egress walks from each stop to destinations (destination, seconds).
    direct
        Direct walks from each origin to destinations.
    ranks
        For each statistic, the 0-based rank in the sorted travel times of the window.
    rule
        When an arrival counts; one that does not counts as unreachable for that departure.
        Its length gives the number of destinations.

    Returns
    -------
    ndarray
        ``(n_origins, n_dest, len(ranks))`` float32 seconds; ``inf`` when unreachable.
    """
    n_orig = len(access.ptr) - 1
    n_dest = len(rule.always_open)
    n_dep = len(departures)
    n_rank = len(ranks)
    out = np.empty((n_orig, n_dest, n_rank), dtype=np.float32)
    acc_ptr, acc_target, acc_seconds = access
    chain_from, footpath, trip_shift, trip_row, run_time, dep_time, b_ptr, b_entry = (
        _derived_arrays(tt)
    )
    eg_walk = packed_links(egress.seconds, egress.target)
    for o in numba.prange(n_orig):
        dv = Derived(chain_from, footpath, trip_shift, trip_row, run_time, dep_time, b_ptr, b_entry)
        ws = _workspace(tt, K)
        cw = _class_work(cl, K)
        best = np.full(n_dest, INF, dtype=np.int32)
        buf = np.empty((n_dest, n_dep), dtype=np.int32)
        a0, a1 = acc_ptr[o], acc_ptr[o + 1]
        acc_stop = acc_target[a0:a1]
        acc_s = acc_seconds[a0:a1]
        for di in range(n_dep - 1, -1, -1):
            t0 = departures[di]
            bound = min(t0 + rule.max_trip_s, INF)
            if not reuse:
                _forget(ws, cw, K)
                best[:] = INF
                run = True
            else:
                run = di == n_dep - 1 or _new_boarding(
                    tt, dv, acc_stop, acc_s, t0, departures[di + 1]
                )
            nc = 0
            if run:
                nc = _departure(tt, cl, acc_stop, acc_s, t0, K, slack, bound, False, ws, cw, dv)
            _relax_destinations(ws, nc, K, egress.ptr, eg_walk, direct, o, t0, best)
            _record(rule, best, t0, buf, di)
        col = np.empty(n_dep, dtype=np.int32)
        for d in range(n_dest):
            _sorted_window(buf[d], col)
            for j in range(n_rank):
                v = col[ranks[j]]
                out[o, d, j] = np.inf if v >= INF else np.float32(v)
    return out
