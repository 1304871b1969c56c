"""Local centrality benchmark: jamlik (numba Brandes) vs cityseer 4.22 (Rust), one thread each.

Run it in the benchmark environment (cityseer is not in the project's .venv)::

    .venv-bench/bin/python benchmarks/cohesion_bench.py            # Porto Alegre + town 50k
    .venv-bench/bin/python benchmarks/cohesion_bench.py --skip-cityseer

Query: every node is a source; radii 400/800/1,600 m; betweenness and closeness for every
radius. Graphs: the Porto Alegre walk network (OSM; ``to_distance_graph()``) and the generated
town's array graph ``street_arrays(n_nodes=50_000)``. cityseer gets the same graph: each
directed edge as a two-segment line whose length equals the edge length (as in
``access_bench.py``). The reach (cityseer's ``node_density``) must agree exactly; betweenness
differs by definition: cityseer follows ONE shortest path per pair (ties broken by jitter),
jamlik splits a pair over all shortest paths (Brandes), so only the totals are printed.
The script PRINTS its figures; it asserts nothing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from jamlik.datasets import street_arrays  # noqa: E402
from jamlik.networks import Graph, build_street_network, graph_from_edges  # noqa: E402
from jamlik.routing.network_measures import local_centrality  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
RADII = (400.0, 800.0, 1600.0)
sys.path.insert(0, str(Path(__file__).resolve().parent))


def now() -> np.ndarray:
    """Wall and CPU seconds."""
    return np.array([time.perf_counter(), time.process_time()])


def poa() -> tuple[Graph, np.ndarray, np.ndarray]:
    """Porto Alegre walk network, distances in metres."""
    walk = build_street_network(DATA / "osm_gtfs_porto_alegre" / "poa_osm.pbf", mode="walk")
    g = walk.to_distance_graph()
    return g, walk.node_x[g.node_index], walk.node_y[g.node_index]


def town(n: int) -> tuple[Graph, np.ndarray, np.ndarray]:
    """Generated town street graph (two-way), distances in metres."""
    x, y, u, v, length = street_arrays(n_nodes=n, seed=7)
    g = graph_from_edges(np.r_[u, v], np.r_[v, u], np.r_[length, length], n_nodes=x.size)
    return g, x[g.node_index], y[g.node_index]


def run_jamlik(g: Graph) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Time jamlik after compiling on a tiny graph."""
    tiny = graph_from_edges([0, 1], [1, 0], [1.0, 1.0], n_nodes=2)
    local_centrality(tiny, radii_m=RADII)
    t0 = now()
    out = local_centrality(g, radii_m=RADII)
    elapsed = now() - t0
    cols = {c: out[c].to_numpy(dtype=np.float64) for c in out.columns if c != "network_node"}
    return elapsed, cols


def run_cityseer(
    g: Graph, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Time cityseer's ``local_node_centrality_shortest`` (structure building not timed)."""
    from cityseer import config, rustalgos

    from access_bench import _bent_wkt

    config.QUIET_MODE = True
    src = g.edge_sources()
    wkt = _bent_wkt(x[src], y[src], x[g.indices], y[g.indices], g.length_m)
    ns = rustalgos.graph.NetworkStructure()
    for i in range(g.n_nodes):
        ns.add_street_node(str(i), float(x[i]), float(y[i]), True, 1.0)
    for e in range(g.n_edges):
        a, b = int(src[e]), int(g.indices[e])
        ns.add_street_edge(a, b, e, str(a), str(b), wkt[e], 1.0)
    ns.validate()
    ns.build_edge_rtree()
    dists = [int(r) for r in RADII]
    t0 = now()
    res = ns.local_node_centrality_shortest(
        distances=dists, compute_closeness=True, compute_betweenness=True, pbar_disabled=True
    )
    elapsed = now() - t0
    cols: dict[str, np.ndarray] = {}
    for d in dists:
        cols[f"reach_{d}m"] = np.asarray(res.node_density[d], dtype=np.float64)
        cols[f"betweenness_{d}m"] = np.asarray(res.node_betweenness[d], dtype=np.float64)
        cols[f"harmonic_{d}m"] = np.asarray(res.node_harmonic[d], dtype=np.float64)
    return elapsed, cols


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-cityseer", action="store_true")
    parser.add_argument("--town-nodes", type=int, default=50_000)
    args = parser.parse_args()
    for name, (g, x, y) in (
        ("poa", poa()),
        (f"town{args.town_nodes // 1000}k", town(args.town_nodes)),
    ):
        print(f"\n{name}: {g.n_nodes:,} nodes, {g.n_edges:,} directed edges, radii {RADII} m")
        t_j, j = run_jamlik(g)
        print(f"  jamlik    wall {t_j[0]:8.2f} s  cpu {t_j[1]:8.2f} s")
        if args.skip_cityseer:
            continue
        t_c, c = run_cityseer(g, x, y)
        print(f"  cityseer  wall {t_c[0]:8.2f} s  cpu {t_c[1]:8.2f} s  "
              f"(jamlik {t_c[1] / t_j[1]:.1f}x faster in CPU)")  # fmt: skip
        for r in RADII:
            label = f"{int(r)}m"
            same = np.mean(j[f"reach_{label}"] == c[f"reach_{label}"])
            rel = np.nanmax(np.abs(j[f"harmonic_{label}"] - c[f"harmonic_{label}"])
                            / np.maximum(j[f"harmonic_{label}"], 1e-12))  # fmt: skip
            print(f"  {label}: reach equal at {100 * same:.2f} % of nodes; harmonic max rel diff "
                  f"{rel:.1e}; betweenness totals jamlik {j[f'betweenness_{label}'].sum():.4g} "
                  f"cityseer {c[f'betweenness_{label}'].sum():.4g}")  # fmt: skip


if __name__ == "__main__":
    main()
