"""Rows of ``transfers.txt`` for particular routes or trips, and in-seat rows, for RAPTOR.

The GTFS Schedule reference ("transfers.txt") lets a row name the arriving trip or its route
(``from_trip_id``/``from_route_id``) and the departing trip or its route (``to_trip_id``/
``to_route_id``) besides the stops. A row *matches* the change from trip ``g`` arriving at
``from_stop_id`` A to trip ``h`` leaving from ``to_stop_id`` B when every field it gives
matches (a trip id takes precedence over a route id on the same side). Of the rows that match,
the most specific applies, by the reference's ladder (highest first):

1. both trips; 2. one trip and the other side's route; 3. one trip; 4. both routes;
5. one route; 6. the stops only.

When two rows of equal rank match (the reference says they should not), the first in the file
counts. The chosen row then acts as a stop-to-stop row does (:mod:`jamlik.networks.timetable`):
type 3 forbids the change, type 2 makes it take exactly ``min_transfer_time``, types 0 and 1 let
it take the walk between the stops (0 s within one stop; the walking rule's time when the stops
are not linked by a footpath). A change no row of this kind matches follows the stop-to-stop
rules and footpaths as before.

A trip id names the day's trip of that id, its copy from the previous service day (``@prev``)
and the trips generated from it by ``frequencies.txt`` (``#HH:MM:SS``).

In-seat rows (types 4 and 5, ``from_trip_id`` and ``to_trip_id`` given) concern staying on the
vehicle, not a change: type 4 lets a rider aboard trip ``g`` at its last stop ride on as trip
``h`` (it replaces ``g``'s successor by ``block_id``), type 5 forbids staying seated from ``g``
into ``h`` (the block link is removed). A type 4 row is applied only when ``h`` reaches its
first stop no earlier than ``g`` its last (the rule for blocks); each trip keeps one successor,
the last row's. Both are applied to the same-day pair (``X`` to ``Y`` and ``X@prev`` to
``Y@prev``).

How RAPTOR applies them exactly (classes)
-----------------------------------------
Call a stop A a *ruled from-stop* when some such row has ``from_stop_id`` A, and B a *ruled
to-stop* when some row has ``to_stop_id`` B. For a trip ``g`` arriving at a ruled from-stop A,
its *from-signature* is the set of rows with ``from_stop_id`` A whose from-side matches ``g``
(rows without a from-side match every trip); likewise the *to-signature* of a trip ``h`` leaving
a ruled to-stop B. A row matches the change (g, A) -> (h, B) exactly when it is in both
signatures, so the rule of the change, and its time ``c(g, A, h, B)``, depend only on the pair
*(from-class, to-class)* = ((A, from-signature), (B, to-signature)).

:func:`build_timetable` puts trips with different signatures at some stop into different RAPTOR
routes, so that each entry of ``route_stops`` has one class. The kernels keep, besides the usual
labels, ``RF[k, f]``: the earliest arrival in rounds <= k by a trip of from-class ``f``, and
``LT[k, c]``: the earliest time a trip of to-class ``c`` may be boarded after a change from a
ruled from-stop, ``min_f RF[k, f] + time(f, c)`` over the class links computed here. A vehicle
arrival at a ruled from-stop enters ``R`` (the arrival at the stop) and ``RF`` but never the
general label ``L``, and no footpath leaves from it; the class links carry it instead, to the
stop itself and to every stop a footpath or a row reaches. A trip is boarded at an entry of
class ``c`` from ``min(L[k-1, B], LT[k-1, c])``.

Why this is exact: a change into ``h`` at B comes either from a stop that is not a ruled
from-stop, where no such row applies, so its time is the stop-to-stop one that ``L`` holds as
before, or from a ruled from-stop A, where the time depends only on the two classes, so the
best arrival of each from-class (``RF``, pruned against itself only, not against ``R``: an
arrival later than the best at the stop may still be the best of its class) gives the best
boarding time of each to-class. ``RF`` and ``LT`` are lowered in rows k..K like ``R`` and ``L``,
so they stay monotone and exact when range RAPTOR reuses labels over departures. Feeds without
such rows have no classes and run the kernels' usual path.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.geo import haversine_m
from jamlik.ingest.gtfs import TRANSFER_IDS

__all__ = [
    "NO_CLASS",
    "ClassLinks",
    "RuleClasses",
    "apply_in_seat",
    "class_links",
    "rule_classes",
    "specificity",
]

#: ``from_class``/``to_class`` of an entry at a stop no route- or trip-level row names.
NO_CLASS = -1
_NO_TRANSFER = 1 << 30
_SUFFIX = re.compile(r"(#\d\d:\d\d:\d\d)?(@prev)?$")

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def specificity(from_route: bool, to_route: bool, from_trip: bool, to_trip: bool) -> int:
    """Rank of a row on the GTFS ladder: 6 both trips ... 1 stops only (module docstring)."""
    if from_trip and to_trip:
        return 6
    if (from_trip and to_route) or (from_route and to_trip):
        return 5
    if from_trip or to_trip:
        return 4
    if from_route and to_route:
        return 3
    if from_route or to_route:
        return 2
    return 1


class RuleClasses(NamedTuple):
    """The route- and trip-level rows of types 0-3 and the classes they make.

    ``from_code``/``to_code``: per stop time, 1 + its from-class (to-class), 0 at other stops.
    ``from_sigs``/``to_sigs``: per class, its stop and the rows (indices into ``rows``) of its
    signature. ``rows``: the rows (``from_stop``, ``to_stop``, ``transfer_type``,
    ``min_transfer_s``, ``rank``), in file order.
    """

    from_code: I64
    to_code: I64
    from_sigs: list[tuple[int, frozenset[int]]]
    to_sigs: list[tuple[int, frozenset[int]]]
    rows: pd.DataFrame


class ClassLinks(NamedTuple):
    """Per entry of ``route_stops`` its classes, and the links from from-classes to to-classes.

    ``from_class``/``to_class`` per entry (:data:`NO_CLASS` when none); the links of from-class
    ``f`` are ``link_label[link_ptr[f]:link_ptr[f+1]]`` (to-classes) taking ``link_s`` seconds;
    ``class_stop[f]`` is the stop of from-class ``f`` and ``label_stop[c]`` that of to-class
    ``c``.
    """

    from_class: I32
    to_class: I32
    link_ptr: I64
    link_label: I32
    link_s: I32
    class_stop: I32
    label_stop: I32

    @classmethod
    def none(cls, n_entries: int) -> ClassLinks:
        """No classes (a feed without route- or trip-level rows)."""
        return cls(
            np.full(n_entries, NO_CLASS, dtype=np.int32),
            np.full(n_entries, NO_CLASS, dtype=np.int32),
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
        )


def _base_ids(trip_ids: pd.Series) -> pd.Series:
    """Trip ids without the ``#HH:MM:SS`` of frequency trips and the ``@prev`` of yesterday's."""
    return trip_ids.astype(str).str.replace(_SUFFIX, "", regex=True)


def _side_trips(
    trips: pd.DataFrame, base: pd.Series, route_id: str, trip_id: str
) -> npt.NDArray[np.bool_] | None:
    """Which of the day's trips a side (route id, trip id) matches; ``None`` when it is blank."""
    if trip_id:
        return (base == trip_id).to_numpy()
    if route_id:
        return (trips["route_id"].astype(str) == route_id).to_numpy()
    return None


def _signatures(
    stop: I64, trip: I64, stops: I64, sides: list[npt.NDArray[np.bool_] | None]
) -> tuple[I64, list[tuple[int, frozenset[int]]]]:
    """Per stop time, 1 + the class of (its stop, the rows among ``stops`` whose side matches)."""
    ruled = np.isin(stop, np.unique(stops))
    pairs_r: list[I64] = []
    pairs_j: list[I64] = []
    for j, (s, side) in enumerate(zip(stops, sides, strict=True)):
        hit = stop == s
        if side is not None:
            hit &= side[trip]
        rows = np.flatnonzero(hit)
        pairs_r.append(rows)
        pairs_j.append(np.full(rows.size, j, dtype=np.int64))
    code = np.zeros(len(stop), dtype=np.int64)
    sigs: list[tuple[int, frozenset[int]]] = []
    if not ruled.any():
        return code, sigs
    r_all = np.concatenate(pairs_r) if pairs_r else np.zeros(0, np.int64)
    j_all = np.concatenate(pairs_j) if pairs_j else np.zeros(0, np.int64)
    members: dict[int, list[int]] = {}
    for r, j in zip(r_all.tolist(), j_all.tolist(), strict=True):  # rows x few rules
        members.setdefault(r, []).append(j)
    index: dict[tuple[int, frozenset[int]], int] = {}
    ruled_rows = np.flatnonzero(ruled)
    keys = [(int(stop[r]), frozenset(members.get(int(r), ()))) for r in ruled_rows]
    for r, key in zip(ruled_rows, keys, strict=True):
        if key not in index:
            index[key] = len(sigs)
            sigs.append(key)
        code[r] = index[key] + 1
    return code, sigs


def rule_classes(
    transfers: pd.DataFrame, trips: pd.DataFrame, stop_times: pd.DataFrame
) -> RuleClasses | None:
    """Return the classes of the route- and trip-level rows of types 0-3, ``None`` if none.

    ``transfers``, ``trips`` and ``stop_times`` are those of a :class:`GTFSFeed`.
    """
    if transfers is None or transfers.empty or "from_route_id" not in transfers:
        return None
    named = transfers[list(TRANSFER_IDS)].ne("")
    rows = transfers[named.any(axis=1).to_numpy() & (transfers["transfer_type"] <= 3).to_numpy()]
    if rows.empty:
        return None
    rows = rows.reset_index(drop=True)
    rows = rows.assign(
        rank=[
            specificity(fr, tr, ft, tt)
            for fr, tr, ft, tt in (rows[list(TRANSFER_IDS)].ne("")).itertuples(index=False)
        ]
    )
    base = _base_ids(trips["trip_id"])
    from_sides = [
        _side_trips(trips, base, r, t)
        for r, t in zip(rows["from_route_id"], rows["from_trip_id"], strict=True)
    ]
    to_sides = [
        _side_trips(trips, base, r, t)
        for r, t in zip(rows["to_route_id"], rows["to_trip_id"], strict=True)
    ]
    stop = stop_times["stop"].to_numpy(np.int64)
    trip = stop_times["trip"].to_numpy(np.int64)
    from_code, from_sigs = _signatures(stop, trip, rows["from_stop"].to_numpy(np.int64), from_sides)
    to_code, to_sigs = _signatures(stop, trip, rows["to_stop"].to_numpy(np.int64), to_sides)
    return RuleClasses(from_code, to_code, from_sigs, to_sigs, rows)


def class_links(
    classes: RuleClasses | None,
    *,
    entry_from_code: I64,
    entry_to_code: I64,
    entry_stop: I32,
    raw_walks: tuple[I64, I32, I32],
    ruled_walks: tuple[I64, I32, I32],
    stop_transfer_s: I32,
    lon: F64,
    lat: F64,
    walk_speed_m_s: float,
    detour_factor: float,
) -> ClassLinks:
    """Links from each from-class to the to-classes it reaches, with the change's seconds.

    ``raw_walks`` are the footpaths before any rule, ``ruled_walks`` after the stop-to-stop
    rules (:func:`jamlik.networks.timetable.build_timetable`); both CSR ``(ptr, target,
    seconds)``. ``entry_*_code`` are the stop times' codes (:class:`RuleClasses`) read off each
    entry's route.
    """
    n_entries = len(entry_stop)
    if classes is None:
        return ClassLinks.none(n_entries)
    rows = classes.rows
    kind = rows["transfer_type"].to_numpy()
    min_s = rows["min_transfer_s"].to_numpy()
    rank = rows["rank"].to_numpy()

    def walks_of(walks: tuple[I64, I32, I32], a: int) -> dict[int, int]:
        ptr, target, seconds = walks
        lo, hi = int(ptr[a]), int(ptr[a + 1])
        return dict(zip(target[lo:hi].tolist(), seconds[lo:hi].tolist(), strict=True))

    def walk_s(a: int, b: int) -> int:
        d = haversine_m(lon[a : a + 1], lat[a : a + 1], lon[b : b + 1], lat[b : b + 1])[0]
        return int(np.rint(d * detour_factor / walk_speed_m_s))

    to_of_stop: dict[int, list[tuple[int, frozenset[int]]]] = {}
    labels: dict[tuple[int, frozenset[int]], int] = {}
    for key in classes.to_sigs:
        labels[key] = len(labels)
        to_of_stop.setdefault(key[0], []).append(key)
    ptr = [0]
    link_label: list[int] = []
    link_s: list[int] = []
    for a, sig_f in classes.from_sigs:
        raw = walks_of(raw_walks, a)
        ruled = walks_of(ruled_walks, a)
        if stop_transfer_s[a] < _NO_TRANSFER:
            ruled[a] = int(stop_transfer_s[a])
        targets = {a, *ruled, *raw, *(int(rows["to_stop"].iloc[j]) for j in sig_f)}
        for b in sorted(targets):
            keys = to_of_stop.get(b) or [(b, frozenset())]
            for key in keys:
                match = sig_f & key[1]
                if match:
                    j = min(match, key=lambda i: (-rank[i], i))
                    if kind[j] == 3:
                        continue
                    if kind[j] == 2:
                        seconds = int(min_s[j])
                    else:
                        seconds = 0 if a == b else raw.get(b, walk_s(a, b))
                elif b in ruled:
                    seconds = ruled[b]
                else:
                    continue
                if key not in labels:
                    labels[key] = len(labels)
                link_label.append(labels[key])
                link_s.append(seconds)
        ptr.append(len(link_label))
    from_class = np.where(entry_from_code > 0, entry_from_code - 1, NO_CLASS).astype(np.int32)
    to_class = np.full(n_entries, NO_CLASS, dtype=np.int32)
    has_code = entry_to_code > 0
    to_keys = classes.to_sigs
    to_class[has_code] = [labels[to_keys[c - 1]] for c in entry_to_code[has_code]]
    plain = {key[0]: lab for key, lab in labels.items() if not key[1] and key not in to_keys}
    for e in np.flatnonzero(~has_code):
        lab = plain.get(int(entry_stop[e]))
        if lab is not None:
            to_class[e] = lab
    label_stop = np.zeros(len(labels), dtype=np.int32)
    for key, lab in labels.items():
        label_stop[lab] = key[0]
    return ClassLinks(
        from_class=from_class,
        to_class=to_class,
        link_ptr=np.asarray(ptr, dtype=np.int64),
        link_label=np.asarray(link_label, dtype=np.int32),
        link_s=np.asarray(link_s, dtype=np.int32),
        class_stop=np.asarray([a for a, _ in classes.from_sigs], dtype=np.int32),
        label_stop=label_stop,
    )


def apply_in_seat(
    trip_next: I32,
    transfers: pd.DataFrame,
    trip_ids: npt.NDArray[np.object_],
    first_arrival_s: I64,
    last_arrival_s: I64,
) -> tuple[I32, list[str]]:
    """Apply in-seat rows (types 4 and 5) to ``trip_next`` (module docstring); return notes.

    ``trip_ids``, ``first_arrival_s`` and ``last_arrival_s`` are per trip in route order, like
    ``trip_next``.
    """
    out = trip_next.copy()
    if transfers is None or transfers.empty or "from_trip_id" not in transfers:
        return out, []
    seat = transfers[transfers["transfer_type"] >= 4]
    if seat.empty:
        return out, []
    where = {str(t): i for i, t in enumerate(trip_ids)}
    linked = unlinked = too_early = 0
    for kind in (4, 5):
        part = seat[seat["transfer_type"] == kind]
        for x, y in zip(part["from_trip_id"], part["to_trip_id"], strict=True):
            for suffix in ("", "@prev"):
                g, h = where.get(f"{x}{suffix}"), where.get(f"{y}{suffix}")
                if g is None or h is None:
                    continue
                if kind == 5:
                    if out[g] == h:
                        out[g] = -1
                        unlinked += 1
                elif first_arrival_s[h] >= last_arrival_s[g]:
                    out[g] = h
                    linked += 1
                else:
                    too_early += 1
    notes = []
    if linked or unlinked:
        notes.append(
            f"transfers.txt: {linked} in-seat links added (type 4), {unlinked} block links "
            "removed (type 5)"
        )
    if too_early:
        notes.append(
            f"transfers.txt: {too_early} in-seat rows (type 4) not applied: the second trip "
            "starts before the first ends"
        )
    return out, notes
