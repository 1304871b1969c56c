"""How far off is the straight-line approximation? Network and straight line side by side.

Runs in the project environment (``.venv/bin/python benchmarks/approximate_bench.py``; no
peers). On the packs that have both a street network and stops (Tampere, Porto Alegre), the
share of residents within 400 m and 800 m of a stop with a departure on the date is computed

* along the walk network (as ``jamlik sdg-11-2-1`` measures it: residents on the nodes of the
  walk distance graph, stops snapped to the nearest street, the leg to the stop added;
  :func:`jamlik.runs.sdg.convenient_access`), and
* along straight lines × the detour factor (:mod:`jamlik.runs.straight_line`), from

  - ``same points``: the same resident nodes (only the distance model differs), and
  - ``fallback``: where the fallback itself puts the residents (Porto Alegre: the hexagon
    centres of the population cells; Tampere has no population, so only the nodes, weight 1).

Per area (Porto Alegre: the 1,227 H3 hexagons and 1 km squares; Tampere: 500 m squares of the
nodes, everyone weighing 1) the script prints the mean and median absolute difference of the
shares (percentage points), the Pearson correlation, and the whole-pack shares. It also prints
the empirical detour: the median ratio of the network distance to the nearest stop to the
straight distance to the nearest stop (origins 100-2000 m from a stop), and the factor that
would make the whole-pack 400 m share equal to the network's.

The script PRINTS its figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from jamlik.geo import project
from jamlik.indicators.access.transit_service import stop_service
from jamlik.ingest import load_pack, read_osm
from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks import build_street_network
from jamlik.runs.inputs import pack_residents
from jamlik.runs.sdg import convenient_access
from jamlik.runs.spread import spread_residents

PACKS = Path(__file__).resolve().parents[1] / "packs"
DATES = {"tampere": dt.date(2021, 12, 14), "porto_alegre": dt.date(2019, 5, 13)}
DISTANCES = (400.0, 800.0)


def _stops(pack, date):  # type: ignore[no-untyped-def]
    feed = read_gtfs(pack.gtfs_paths, service_date=date)
    stops = stop_service(feed, bands_min=())
    stops = stops[stops["capacity"] != "none"].reset_index(drop=True)
    stops["x"], stops["y"] = project(stops["lon"], stops["lat"], pack.crs.to_string())
    stops["capacity"] = "low"  # distance to any served stop
    return stops


def _shares(flags: np.ndarray, weight: np.ndarray, area: np.ndarray) -> pd.Series:
    frame = pd.DataFrame({"w": weight, "hit": flags * weight, "area": area})
    sums = frame.groupby("area")[["w", "hit"]].sum()
    sums = sums[sums["w"] > 0]
    return sums["hit"] / sums["w"]


def _compare(name: str, network: pd.Series, approx: pd.Series) -> str:
    both = pd.concat([network, approx], axis=1, keys=["net", "sl"]).dropna()
    diff = (both["sl"] - both["net"]).abs() * 100
    r = float(np.corrcoef(both["net"], both["sl"])[0, 1]) if both["net"].std() > 0 else np.nan
    bias = float((both["sl"] - both["net"]).mean() * 100)
    return (f"  {name:<38} n={len(both):>5}  mean|Δ|={diff.mean():5.1f} pp  "
            f"median|Δ|={diff.median():5.1f} pp  r={r:5.3f}  bias={bias:+5.1f} pp")  # fmt: skip


def _square(x: np.ndarray, y: np.ndarray, size: float) -> np.ndarray:
    return (np.floor(x / size).astype(np.int64) * 10_000_000 + np.floor(y / size)).astype(np.int64)


def run(pack_name: str, detour: float) -> None:
    """Print the comparison for one pack."""
    pack = load_pack(PACKS / pack_name)
    start = time.perf_counter()
    stops = _stops(pack, DATES[pack_name])
    osm = read_osm(pack.osm_path)
    walk = build_street_network(osm, mode="walk", crs=pack.crs.to_string())
    kept = walk.to_distance_graph().node_index
    residents = pack_residents(pack, walk, kept, osm=osm, if_missing="uniform")
    assert residents is not None
    table = residents.table
    access = convenient_access(walk, table["node"].to_numpy(), stops, low_capacity_m=800.0,
                               high_capacity_m=2000.0, max_snap_m=200.0)  # fmt: skip
    net_d = access.origins["distance_any_m"].reindex(table["node"]).to_numpy()
    network_s = time.perf_counter() - start

    tree = cKDTree(stops[["x", "y"]].to_numpy())
    straight_nodes, _ = tree.query(np.column_stack([walk.node_x[table["node"]],
                                                    walk.node_y[table["node"]]]))  # fmt: skip
    weight = table["pop_total"].to_numpy(float)
    nx, ny = walk.node_x[table["node"]], walk.node_y[table["node"]]
    print(f"\n{pack.title} ({pack_name}): {len(stops)} served stops on "
          f"{DATES[pack_name]}, {len(table)} resident rows, {weight.sum():,.0f} residents "
          f"(network run {network_s:.1f} s)")  # fmt: skip
    ok = np.isfinite(net_d) & (straight_nodes >= 100) & (straight_nodes <= 2000)
    ratio = net_d[ok] / straight_nodes[ok]
    print(f"  empirical detour (network / straight to the nearest stop, {ok.sum()} rows): "
          f"median {np.median(ratio):.2f}, quartiles {np.percentile(ratio, 25):.2f}-"
          f"{np.percentile(ratio, 75):.2f}, population-weighted mean "
          f"{np.average(ratio, weights=np.maximum(weight[ok], 1e-9)):.2f}")  # fmt: skip
    share_net_400 = np.average(np.nan_to_num(net_d, nan=np.inf) <= 400, weights=weight)
    grid = np.linspace(1.0, 2.0, 201)
    fitted = [abs(np.average(straight_nodes * f <= 400, weights=weight) - share_net_400)
              for f in grid]  # fmt: skip
    print(
        f"  detour that matches the network's whole-pack 400 m share: {grid[np.argmin(fitted)]:.2f}"
    )

    areas: dict[str, np.ndarray] = {}
    if pack_name == "porto_alegre":
        areas["hexagon"] = table["area_id"].astype(str).to_numpy()
    areas["500 m square"] = _square(nx, ny, 500.0)
    areas["1 km square"] = _square(nx, ny, 1000.0)
    spread = None
    if pack.cells() is not None:
        spread = spread_residents(pack)
    for d in DISTANCES:
        net_flag = np.nan_to_num(net_d, nan=np.inf) <= d
        sl_flag = straight_nodes * detour <= d
        net_share = np.average(net_flag, weights=weight)
        print(f" within {d:g} m (detour {detour:g}): network {net_share:.3f}, "
              f"straight line (same points) {np.average(sl_flag, weights=weight):.3f}")  # fmt: skip
        for label, area in areas.items():
            print(_compare(f"same points, per {label}", _shares(net_flag, weight, area),
                           _shares(sl_flag, weight, area)))  # fmt: skip
        if spread is not None:
            st = spread.residents.table
            sx, sy = spread.x[st["node"]], spread.y[st["node"]]
            fallback_d, _ = tree.query(np.column_stack([sx, sy]))
            fb_flag = fallback_d * detour <= d
            fb_w = st["pop_total"].to_numpy(float)
            print(f"  fallback (residents at the cell points): whole pack "
                  f"{np.average(fb_flag, weights=fb_w):.3f}")  # fmt: skip
            by_cell = _shares(fb_flag, fb_w, st["area_id"].astype(str).to_numpy())
            print(_compare("fallback, per hexagon", _shares(net_flag, weight, areas["hexagon"]),
                           by_cell))  # fmt: skip
            for size in (1000.0,):
                print(_compare(f"fallback, per {size:g} m square",
                               _shares(net_flag, weight, _square(nx, ny, size)),
                               _shares(fb_flag, fb_w, _square(sx, sy, size))))  # fmt: skip


def main() -> None:
    """Parse the options and print the figures of each pack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=["tampere", "porto_alegre"])
    parser.add_argument("--detour", type=float, default=1.3)
    args = parser.parse_args()
    for name in args.packs:
        run(name, args.detour)


if __name__ == "__main__":
    main()
