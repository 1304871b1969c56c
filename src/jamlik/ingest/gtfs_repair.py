"""Repairs of GTFS stop times: interpolate blank times, expand frequencies, drop unusable trips.

Everything here works on whole columns (numpy), never row by row, and returns counts of what it
changed so that the ingest report can say so.

Interpolation
-------------
GTFS lets intermediate stop times be blank when only timepoints are scheduled (the Porto
Alegre EPTC feed has times at 4,748 of 130,019 stops). A blank time between two known times is
filled linearly in the *distance travelled* between them::

    t_i = d_a + (a_b - d_a) * (x_i - x_a) / (x_b - x_a)

where ``a`` is the previous and ``b`` the next stop with a known time, ``d_a`` the departure at
``a``, ``a_b`` the arrival at ``b`` and ``x`` the distance along the trip. ``x`` is
``shape_dist_traveled`` when the trip gives it for every stop (and it never decreases), else the
cumulative crow-fly distance between consecutive stops; when that is zero over the gap (stops at
the same place) the time is spread evenly by stop count. The result is rounded to whole seconds.
The report counts the times filled by each method. This is what R5 does for blank times, except
that R5 always spreads evenly by stop count; distance weighting is closer to real running times.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.geo import haversine_m

__all__ = ["drop_bad_trips", "expand_frequencies", "interpolate_times"]

FloatArray = npt.NDArray[np.float64]


def interpolate_times(st: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Fill blank stop times and return the table with integer ``arrival_s``/``departure_s``.

    Parameters
    ----------
    st
        Stop times sorted by ``trip`` (integer code) and ``stop_sequence`` with float columns
        ``arr`` and ``dep`` (``nan`` when blank), ``shape_dist`` (``nan`` when absent), and the
        stop coordinates ``lon``, ``lat``.

    Returns
    -------
    tuple
        The table without trips whose first or last time is blank, and counts:
        ``times_copied`` (arrival from departure or the reverse), ``times_interpolated_shape``,
        ``times_interpolated_distance``, ``times_interpolated_even``,
        ``trips_dropped_no_end_time``.
    """
    counts = dict.fromkeys(
        (
            "times_copied",
            "times_interpolated_shape",
            "times_interpolated_distance",
            "times_interpolated_even",
            "trips_dropped_no_end_time",
        ),
        0,
    )
    arr = st["arr"].to_numpy(dtype=np.float64).copy()
    dep = st["dep"].to_numpy(dtype=np.float64).copy()
    one_only = np.isnan(arr) != np.isnan(dep)
    counts["times_copied"] = int(one_only.sum())
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    trip = st["trip"].to_numpy()
    n = len(trip)
    first = np.ones(n, dtype=bool)
    first[1:] = trip[1:] != trip[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = trip[1:] != trip[:-1]
    known = ~np.isnan(arr)
    bad_end = (first | last) & ~known
    if bad_end.any():
        bad_trips = np.unique(trip[bad_end])
        counts["trips_dropped_no_end_time"] = len(bad_trips)
        keep = ~np.isin(trip, bad_trips)
        st = st.loc[keep].reset_index(drop=True)
        arr, dep, trip, first, known = arr[keep], dep[keep], trip[keep], first[keep], known[keep]
        n = len(trip)
    if known.all():
        out = st.drop(columns=["arr", "dep"])
        out["arrival_s"] = arr.astype(np.int64)
        out["departure_s"] = dep.astype(np.int64)
        return out, counts

    idx = np.arange(n)
    prev = np.maximum.accumulate(np.where(known, idx, -1))
    nxt = np.minimum.accumulate(np.where(known, idx, n)[::-1])[::-1]
    # Distance along the trip: shape_dist_traveled where complete and monotone, else crow-fly.
    lon = st["lon"].to_numpy(dtype=np.float64)
    lat = st["lat"].to_numpy(dtype=np.float64)
    step = np.zeros(n)
    step[1:] = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    step[first] = 0.0
    crow = _cumsum_by_group(step, first)
    shape = st["shape_dist"].to_numpy(dtype=np.float64)
    trip_start = np.flatnonzero(first)
    bad_shape = np.isnan(shape).astype(np.int64)
    dec = np.zeros(n, dtype=np.int64)
    dec[1:] = (np.diff(shape) < 0) & ~first[1:]
    shape_ok_trip = (np.add.reduceat(bad_shape + dec, trip_start) == 0) if n else np.array([])
    trip_index = np.cumsum(first) - 1
    use_shape = shape_ok_trip[trip_index]
    along = np.where(use_shape, np.nan_to_num(shape), crow)

    gap = ~known
    a, b = prev[gap], nxt[gap]
    span = along[b] - along[a]
    frac_dist = np.divide(along[gap] - along[a], span, out=np.zeros_like(span), where=span > 0)
    frac_even = (idx[gap] - a) / (b - a)
    by_distance = span > 0
    frac = np.where(by_distance, frac_dist, frac_even)
    filled = np.rint(dep[a] + (arr[b] - dep[a]) * frac)
    arr[gap] = filled
    dep[gap] = filled
    shape_gap = use_shape[gap]
    counts["times_interpolated_shape"] = int((by_distance & shape_gap).sum())
    counts["times_interpolated_distance"] = int((by_distance & ~shape_gap).sum())
    counts["times_interpolated_even"] = int((~by_distance).sum())
    out = st.drop(columns=["arr", "dep"])
    out["arrival_s"] = arr.astype(np.int64)
    out["departure_s"] = dep.astype(np.int64)
    return out, counts


def _cumsum_by_group(values: FloatArray, first: npt.NDArray[np.bool_]) -> FloatArray:
    total = np.cumsum(values)
    start_total = total[first] - values[first]
    group = np.cumsum(first) - 1
    return np.asarray(total - start_total[group])


def drop_bad_trips(st: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop trips with fewer than two stops or with times that go backwards.

    A time goes backwards when a departure is before the arrival at the same stop or an arrival
    is before the departure at the previous stop.
    """
    trip = st["trip"].to_numpy()
    arr = st["arrival_s"].to_numpy()
    dep = st["departure_s"].to_numpy()
    n = len(trip)
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = trip[1:] == trip[:-1]
    backwards = dep < arr
    backwards[:-1] |= same_next[:-1] & (arr[1:] < dep[:-1])
    bad_time_trips = np.unique(trip[backwards])
    sizes = st.groupby("trip", sort=False)["trip"].transform("size").to_numpy()
    short_trips = np.unique(trip[sizes < 2])
    drop = np.isin(trip, bad_time_trips) | np.isin(trip, short_trips)
    counts = {
        "trips_dropped_times_backwards": len(bad_time_trips),
        "trips_dropped_under_two_stops": len(np.setdiff1d(short_trips, bad_time_trips)),
    }
    return st.loc[~drop].reset_index(drop=True), counts


def expand_frequencies(
    st: pd.DataFrame, freq: pd.DataFrame, trip_ids: npt.NDArray[np.object_]
) -> tuple[pd.DataFrame, npt.NDArray[np.object_], npt.NDArray[np.int64], int]:
    """Replace each frequency-based trip by one scheduled trip per headway.

    Parameters
    ----------
    st
        Stop times with integer trip codes (``trip``) and ``arrival_s``/``departure_s``.
    freq
        Rows ``trip`` (code of the template trip), ``start_s``, ``end_s``, ``headway_s``.
    trip_ids
        Trip id of each code.

    Returns
    -------
    tuple
        New stop times, new trip id array (template ids followed by ``<id>#<start HH:MM:SS>``),
        the template code of each new trip, and how many trips were generated. The template trip
        itself only gives the running times between stops (GTFS reference, frequencies.txt), so
        it is removed.
    """
    if freq.empty:
        return st, trip_ids, np.arange(len(trip_ids)), 0
    starts: list[npt.NDArray[np.int64]] = []
    templates: list[npt.NDArray[np.int64]] = []
    for row in freq.itertuples(index=False):  # one row per frequency period (few)
        times = np.arange(int(row.start_s), int(row.end_s), int(row.headway_s), dtype=np.int64)
        starts.append(times)
        templates.append(np.full(len(times), int(row.trip), dtype=np.int64))
    start_s = np.concatenate(starts)
    template = np.concatenate(templates)
    is_template = np.isin(st["trip"].to_numpy(), np.unique(template))
    base = st.loc[is_template]
    first_dep = base.groupby("trip")["departure_s"].min()
    pieces = []
    new_ids: list[str] = []
    new_template: list[int] = []
    next_code = len(trip_ids)
    for code in np.unique(template):  # one iteration per template trip (few)
        rows = base.loc[base["trip"] == code]
        offsets_arr = rows["arrival_s"].to_numpy() - first_dep[code]
        offsets_dep = rows["departure_s"].to_numpy() - first_dep[code]
        run = start_s[template == code]
        k, m = len(run), len(rows)
        rep = pd.DataFrame(
            {col: np.tile(rows[col].to_numpy(), k) for col in rows.columns if col != "trip"}
        )
        rep["trip"] = np.repeat(np.arange(next_code, next_code + k), m)
        rep["arrival_s"] = np.repeat(run, m) + np.tile(offsets_arr, k)
        rep["departure_s"] = np.repeat(run, m) + np.tile(offsets_dep, k)
        pieces.append(rep[st.columns])
        tid = str(trip_ids[code])
        new_ids.extend(f"{tid}#{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in run)
        new_template.extend([code] * k)
        next_code += k
    out = pd.concat([st.loc[~is_template], *pieces], ignore_index=True)
    out = out.sort_values(["trip", "stop_sequence"], kind="stable").reset_index(drop=True)
    extra = np.empty(len(new_ids), dtype=object)
    extra[:] = new_ids
    all_ids = np.concatenate([trip_ids, extra])
    all_template = np.concatenate([np.arange(len(trip_ids)), np.array(new_template, np.int64)])
    return out, all_ids, all_template, len(new_ids)
