"""Transit benchmark: range RAPTOR vs repeated single-departure RAPTOR, Tampere and a region.

Run it with the project's environment::

    .venv/bin/python benchmarks/transit_bench.py                 # Tampere + generated region
    .venv/bin/python benchmarks/transit_bench.py --skip-region   # Tampere only

Cases (every origin × every departure minute of the window, 4 rides, 1,000 m walks, slack 0):

* **Tampere**, 2021-12-14, departures 07:00-07:59 every minute (60), all 1,141 stops as origins
  and as destinations; statistics min, p25, p50, p75 of travel time over the window. The same
  query is run with range RAPTOR (labels reused from the latest departure to the earliest) and
  with single-departure RAPTOR repeated for each minute (labels reset); the results must be
  identical and the script checks that they are.
* **Region**, a generated feed written as a GTFS zip and read through the normal ingest: a
  100 × 100 grid of stops (10,000, 400 m apart, jittered) with a bus line along every grid row
  and column in both directions, trips every 10 min 06:00-10:00 (about 1M stop_times). All
  10,000 stops are origins for 07:00-07:59; 1,000 of them (random, seed 1) are destinations, so
  the result (10,000 × 1,000 × 2 statistics) stays small, while RAPTOR itself still labels
  every stop. Repeated single departures for all origins would take many minutes, so they are
  run for 200 origins (random, seed 2) and compared with the same origins' rows of the range
  result.

Times are wall-clock medians of ``--repeats`` runs (``--region-repeats`` for the region; 3 by
default) after numba compilation (the compile run is reported as "setup"), with numba's default
thread count (the cores of the machine). Memory: the whole process's peak resident set (VmHWM)
and its rise during the query (VmHWM after ``clear_refs``), so numba's allocations that
tracemalloc cannot see are included.
"tampere no rules" is the range query on the same feed with its GTFS boarding rules left out
(every stop open, no blocks, no transfers.txt), to show what the rules cost.
The "before" column repeats the figures of the code before the unsigned indices (commit
c4bebb2, quiet machine, ``benchmarks/README.md``), measured with this script. "CPU" is the
process's CPU time per run (all threads), steadier than wall time on a shared machine. The
script PRINTS its figures; it asserts only that range and repeated single departures agree.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from jamlik.ingest.gtfs import empty_transfers, read_gtfs
from jamlik.networks.timetable import Timetable, build_timetable
from jamlik.routing.raptor import TravelTimes, travel_times

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
DEPART_S = 7 * 3600
WINDOW_MIN = 60
# Median wall seconds at c4bebb2, before the unsigned indices (quiet machine, benchmarks/README.md).
BEFORE_S = {
    "tampere range": 2.41,
    "tampere no rules": 2.12,
    "region range": 80.79,
}
_PEAK_KIB = [0]
_CPU_S = [0.0]  # mean CPU seconds (all threads) per run of the last _run


def _reset_peak() -> int:
    _PEAK_KIB[0] = max(_PEAK_KIB[0], _rss_kib("VmHWM"))
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _rss_kib("VmHWM")
    except OSError:
        return 0


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _run(
    tt: Timetable,
    origins: pd.DataFrame,
    dests: pd.DataFrame,
    *,
    reuse: bool,
    pct: tuple[int, ...],
    repeats: int,
) -> tuple[TravelTimes, list[float], float]:
    """Run the query ``repeats`` times; return the result, the wall times and the peak rise."""
    walls, rise_mib = [], 0.0
    cpu = time.process_time()
    for _ in range(repeats):
        base = _reset_peak()
        start = time.perf_counter()
        result = travel_times(
            tt,
            origins,
            dests,
            departure_s=DEPART_S,
            window_min=WINDOW_MIN,
            max_rides=4,
            percentiles=pct,
            reuse_labels=reuse,
        )
        walls.append(time.perf_counter() - start)
        rise_mib = max(rise_mib, (_rss_kib("VmHWM") - base) / 1024)
    _CPU_S[0] = (time.process_time() - cpu) / repeats
    return result, walls, rise_mib


def _report(name: str, n_orig: int, walls: list[float], rise: float) -> None:
    wall = statistics.median(walls)
    queries = n_orig * WINDOW_MIN
    before = BEFORE_S.get(name)
    was = f"before {before:6.1f} s ({before / wall:4.1f}x)" if before else ""
    runs = ", ".join(f"{w:.1f}" for w in walls)
    _PEAK_KIB[0] = max(_PEAK_KIB[0], _rss_kib("VmHWM"))
    print(
        f"  {name:<16} median {wall:7.2f} s of {len(walls)} [{runs}]  CPU {_CPU_S[0]:7.1f} s/run  "
        f"{was}  "
        f"{queries / wall:9,.0f} queries/s  rise +{rise:6.1f} MiB  "
        f"process peak {_PEAK_KIB[0] / 1024:6.0f} MiB  ({n_orig:,} origins x {WINDOW_MIN})"
    )


def tampere(repeats: int) -> None:
    print("Tampere 2021-12-14, 07:00-07:59 every minute")
    start = time.perf_counter()
    feed = read_gtfs(DATA / "osm_gtfs_tampere/tampere_gtfs.zip", service_date=dt.date(2021, 12, 14))
    tt = build_timetable(feed)
    ingest = time.perf_counter() - start
    stops = pd.DataFrame({"id": tt.stop_ids, "stop_id": tt.stop_ids})
    start = time.perf_counter()
    travel_times(tt, stops.iloc[:2], stops.iloc[:2], departure_s=DEPART_S, window_min=2)
    setup = time.perf_counter() - start
    print(
        f"  ingest + timetable {ingest:.2f} s ({feed.report.counts['stop_times']:,} stop_times, "
        f"{tt.n_routes} routes, {len(tt.transfers.target):,} footpaths); "
        f"compile/setup {setup:.2f} s"
    )
    pct = (25, 50, 75)
    ranged, wall_r, peak_r = _run(tt, stops, stops, reuse=True, pct=pct, repeats=repeats)
    _report("tampere range", len(stops), wall_r, peak_r)
    single, wall_s, peak_s = _run(tt, stops, stops, reuse=False, pct=pct, repeats=repeats)
    _report("tampere single", len(stops), wall_s, peak_s)
    bare = build_timetable(
        dataclasses.replace(
            feed,
            stop_times=feed.stop_times.drop(columns=["pickup_type", "drop_off_type"]),
            trips=feed.trips.drop(columns=["block_id"]),
            transfers=empty_transfers(),
        )
    )
    _, wall_b, peak_b = _run(bare, stops, stops, reuse=True, pct=pct, repeats=repeats)
    _report("tampere no rules", len(stops), wall_b, peak_b)
    print(
        "  GTFS rules (pickup/drop-off, transfers.txt, 1,330 block links) cost: range "
        f"{statistics.median(wall_r) / statistics.median(wall_b):.2f}x the same query without them"
    )
    same = np.array_equal(ranged.minutes, single.minutes, equal_nan=True)
    speed_up = statistics.median(wall_s) / statistics.median(wall_r)
    print(f"  range / repeated single speed-up: {speed_up:.1f}x; results identical: {same}")
    if not same:
        raise SystemExit("range and single-departure results differ")
    reach = np.isfinite(ranged.minutes[:, :, 2]).mean()
    print(f"  OD pairs with a median travel time: {reach:.1%}")


def _regional_feed(folder: Path, *, n: int = 100, spacing_m: float = 400.0) -> Path:
    rng = np.random.default_rng(0)
    lat0, lon0 = 59.0, 17.0
    dlat = spacing_m / 111_195.0
    dlon = dlat / np.cos(np.radians(lat0))
    gy, gx = np.divmod(np.arange(n * n), n)
    stops = pd.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n * n)],
            "stop_name": "stop",
            "stop_lat": lat0 + (gy + rng.uniform(-0.2, 0.2, n * n)) * dlat,
            "stop_lon": lon0 + (gx + rng.uniform(-0.2, 0.2, n * n)) * dlon,
        }
    )
    lines = []
    for r in range(n):
        row = r * n + np.arange(n)
        col = np.arange(n) * n + r
        lines += [row, row[::-1], col, col[::-1]]
    starts = np.arange(6 * 3600, 10 * 3600, 600)
    hop_s = 70
    trip_ids, route_ids, st_parts = [], [], []
    for li, seq in enumerate(lines):
        offset = int(rng.integers(0, 600))
        for k, s0 in enumerate(starts):
            tid = f"t{li}_{k}"
            trip_ids.append(tid)
            route_ids.append(f"r{li}")
            times = s0 + offset + hop_s * np.arange(len(seq))
            st_parts.append((tid, seq, times))
    trip_col = np.concatenate([np.full(len(s), t, dtype=object) for t, s, _ in st_parts])
    stop_col = np.concatenate([s for _, s, _ in st_parts])
    time_col = np.concatenate([t for _, _, t in st_parts])
    seq_col = np.concatenate([np.arange(1, len(s) + 1) for _, s, _ in st_parts])
    hms = pd.Series(time_col).map(lambda s: f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}")
    stop_times = pd.DataFrame(
        {
            "trip_id": trip_col,
            "arrival_time": hms,
            "departure_time": hms,
            "stop_id": stops["stop_id"].to_numpy()[stop_col],
            "stop_sequence": seq_col,
        }
    )
    tables = {
        "agency.txt": pd.DataFrame(
            {
                "agency_id": ["a"],
                "agency_name": ["Region"],
                "agency_url": ["https://example.org"],
                "agency_timezone": ["Europe/Stockholm"],
            }
        ),
        "stops.txt": stops,
        "routes.txt": pd.DataFrame(
            {"route_id": [f"r{i}" for i in range(len(lines))], "route_type": 3}
        ),
        "trips.txt": pd.DataFrame({"route_id": route_ids, "service_id": "wk", "trip_id": trip_ids}),
        "stop_times.txt": stop_times,
        "calendar.txt": pd.DataFrame(
            {
                "service_id": ["wk"],
                "monday": [1],
                "tuesday": [1],
                "wednesday": [1],
                "thursday": [1],
                "friday": [1],
                "saturday": [0],
                "sunday": [0],
                "start_date": ["20240101"],
                "end_date": ["20241231"],
            }
        ),
    }
    path = folder / "region.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            archive.writestr(name, frame.to_csv(index=False))
    return path


def region(repeats: int) -> None:
    print("Generated region (10,000 stops), 07:00-07:59 every minute")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = _regional_feed(Path(tmp))
        made = time.perf_counter() - start
        start = time.perf_counter()
        feed = read_gtfs(path, service_date=dt.date(2024, 3, 5))
        tt = build_timetable(feed)
        ingest = time.perf_counter() - start
    print(
        f"  generated in {made:.1f} s; ingest + timetable {ingest:.1f} s "
        f"({feed.report.counts['stop_times']:,} stop_times, {len(feed.trips):,} trips, "
        f"{tt.n_stops:,} stops, {len(tt.transfers.target):,} footpaths)"
    )
    stops = pd.DataFrame({"id": tt.stop_ids, "stop_id": tt.stop_ids})
    dests = stops.sample(1000, random_state=1)
    ranged, wall, peak = _run(tt, stops, dests, reuse=True, pct=(50,), repeats=repeats)
    _report("region range", len(stops), wall, peak)
    reach = np.isfinite(ranged.minutes[:, :, 1]).mean()
    print(f"  OD pairs with a median travel time: {reach:.1%}")
    pick = np.sort(np.random.default_rng(2).choice(len(stops), size=200, replace=False))
    single, wall_s, peak_s = _run(tt, stops.iloc[pick], dests, reuse=False, pct=(50,), repeats=1)
    _report("region single", len(pick), wall_s, peak_s)
    same = np.array_equal(ranged.minutes[pick], single.minutes, equal_nan=True)
    print(f"  range = repeated single departures for {len(pick)} origins: {same}")
    if not same:
        raise SystemExit("range and single-departure results differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-region", action="store_true")
    parser.add_argument("--skip-tampere", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--region-repeats", type=int, default=3, help="runs of the region case")
    args = parser.parse_args()
    print(f"numba threads: {numba.get_num_threads()}")
    if not args.skip_tampere:
        tampere(args.repeats)
    if not args.skip_region:
        region(args.region_repeats)


if __name__ == "__main__":
    main()
