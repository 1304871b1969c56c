"""Engine benchmark on dense and real street graphs: jamlik (1 and 2 threads), a plain numba
Dijkstra, and scipy, side by side.

Run in the project environment (no peers needed)::

    .venv/bin/python benchmarks/dense_bench.py                       # all graphs
    .venv/bin/python benchmarks/dense_bench.py --graphs dense250k --runs 5

**Query** (as ``access_bench.py``): every node is an origin; 1,000 opportunities (distinct
random nodes, seed 42) in 3 categories; per origin and category the 3 nearest, the counts
within 480/960/1,440/1,920/2,400 m and ``sum exp(-d / 2400)`` for d <= 2,400 m; cost = metres.

**Engines**: ``jamlik-1`` / ``jamlik-2`` = :func:`jamlik.routing.accessibility` with
``threads=1`` / ``2``; ``jamlik-1c`` = ``threads=1, contract=True`` (pass-through chains
and pendant trees contracted); ``plain`` = the binary-heap numba
kernel of ``plain_kernel.py`` (the per-core reference); ``scipy`` =
``scipy.sparse.csgraph.dijkstra(limit=2400)`` in dense blocks plus numpy aggregation.

Each (graph, engine) runs in its own process, so that its peak memory is its own: the
whole-process peak resident set (``VmHWM``, graph building included) and the rise of the
resident set during one query (``clear_refs`` then ``VmHWM``). Times are medians of
``--runs`` queries after a warm-up (compilation), wall and CPU (``process_time``; the machine
may be shared, and CPU / wall shows how many cores a run really had). The script PRINTS its
figures; it asserts nothing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graphs import GRAPHS, make_graph  # noqa: E402
from memory import reset_peak, status  # noqa: E402

CUTOFFS = np.array([480.0, 960.0, 1440.0, 1920.0, 2400.0])
RADIUS = 2400.0
N_OPP = 1000
ENGINES = ("jamlik-1", "jamlik-2", "jamlik-1c", "plain", "scipy")
Result = tuple[np.ndarray, np.ndarray, np.ndarray]  # nearest, counts, decayed: n x 3 x ...


class Peak:
    """Whole-process peak RSS across resets of the high-water mark."""

    def __init__(self) -> None:
        self.whole = 0.0

    def reset(self) -> float:
        """Remember the peak so far, return freed heap to the OS, reset VmHWM; return RSS."""
        self.whole = max(self.whole, status("VmHWM"))
        return reset_peak()

    def done(self) -> float:
        self.whole = max(self.whole, status("VmHWM"))
        return self.whole


def opportunities(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    nodes = rng.choice(n_nodes, N_OPP, replace=False).astype(np.int64)
    return nodes, np.repeat(np.arange(3), [334, 333, 333])


def jamlik_query(graph: Any, threads: int, *, contract: bool = False) -> Callable[[], Result]:
    from jamlik.networks.seeds import Seeds
    from jamlik.routing import ExponentialDecay, accessibility

    nodes, cat = opportunities(graph.n_nodes)
    opp = {
        str(c): Seeds(np.arange((cat == c).sum() + 1), nodes[cat == c], np.zeros((cat == c).sum()))
        for c in range(3)
    }
    decay = [ExponentialDecay(beta=1 / RADIUS, max_cost=RADIUS)]

    def run() -> Result:
        res = accessibility(
            graph,
            opp,
            k=3,
            cutoffs=tuple(CUTOFFS),
            decay=decay,
            max_cost=RADIUS,
            threads=threads,
            contract=contract,
        )
        return res.nearest, res.counts, res.decayed

    return run


def plain_query(graph: Any) -> Callable[[], Result]:
    from plain_kernel import plain_query as kernel

    rev = graph.reversed()
    nodes, cat = opportunities(graph.n_nodes)

    def run() -> Result:
        near, counts, dec = kernel(
            rev.indptr, rev.indices, rev.cost, nodes, cat, 3, 3, CUTOFFS, RADIUS, RADIUS
        )
        return near, counts, dec[:, :, None]

    return run


def scipy_query(graph: Any) -> Callable[[], Result]:
    from scipy.sparse.csgraph import dijkstra

    n = graph.n_nodes
    rev = graph.to_scipy().T.tocsr()
    nodes, cat = opportunities(n)
    block = int(np.clip(1.6e8 / (8 * n), 8, 200))

    def run() -> Result:
        nearest = np.full((n, 3, 3), np.inf)
        counts = np.zeros((n, 3, CUTOFFS.size))
        decayed = np.zeros((n, 3, 1))
        for lo in range(0, N_OPP, block):
            dist = dijkstra(rev, directed=True, indices=nodes[lo : lo + block], limit=RADIUS)
            cats = cat[lo : lo + block]
            for c in np.unique(cats):
                d = dist[cats == c]
                counts[:, c, :] += (d[:, :, None] <= CUTOFFS).sum(axis=0)
                decayed[:, c, 0] += np.exp(-d / RADIUS).sum(axis=0)
                both = np.concatenate([nearest[:, c, :].T, d], axis=0)
                nearest[:, c, :] = np.sort(np.partition(both, 2, axis=0)[:3], axis=0).T
        return nearest, counts, decayed

    return run


def max_diff(a: Result, b: Result) -> dict[str, float]:
    fin = np.isfinite(a[0]) & np.isfinite(b[0])
    return {
        "nearest_m": float(np.abs(a[0][fin] - b[0][fin]).max()),
        "reach_mismatch": int((np.isfinite(a[0]) != np.isfinite(b[0])).sum()),
        "counts": float(np.abs(a[1] - b[1]).max()),
        "decayed": float(np.abs(a[2] - b[2]).max()),
    }


def one(graph_name: str, engine: str, runs: int) -> dict[str, Any]:
    """Build the graph, run one engine ``runs`` times; return its figures."""
    peak = Peak()
    t0 = time.perf_counter()
    bench = make_graph(graph_name)
    graph = bench.graph
    out: dict[str, Any] = {
        "graph": graph_name,
        "engine": engine,
        "label": bench.label,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "build_s": time.perf_counter() - t0,
    }
    if engine.startswith("jamlik"):
        from jamlik.networks.contraction import contract_graph

        out["kept_nodes"] = contract_graph(graph).n_kept
        query = jamlik_query(graph, int(engine[7]), contract=engine.endswith("c"))
    else:
        query = plain_query(graph) if engine == "plain" else scipy_query(graph)
    t0 = time.perf_counter()
    query()  # warm-up: compilation, the prepared (contracted) graph
    out["setup_s"] = time.perf_counter() - t0
    walls, cpus, rises = [], [], []
    res = None
    for _ in range(runs):
        res = None
        base = peak.reset()
        w0, c0 = time.perf_counter(), time.process_time()
        res = query()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        rises.append(status("VmHWM") - base)
    out.update(
        wall_s=float(np.median(walls)),
        cpu_s=float(np.median(cpus)),
        walls=walls,
        rise_mb=float(np.median(rises)),
        peak_mb=peak.done(),
    )
    if engine != "jamlik-1" and res is not None:
        out["diff"] = max_diff(jamlik_query(graph, 1)(), res)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--graphs",
        nargs="+",
        default=["town250k", "dense250k", "dense1m", "tampere"],
        choices=GRAPHS,
    )
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("GRAPH", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], args.runs)))
        return
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores; "
        f"medians of {args.runs} runs, each engine in its own process"
    )
    for name in args.graphs:
        rows = []
        for engine in args.engines:
            cmd = [sys.executable, __file__, "--one", name, engine, "--runs", str(args.runs)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"  {engine}: FAILED\n{done.stderr[-2000:]}")
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if not rows:
            continue
        head = rows[0]
        kept = next((r["kept_nodes"] for r in rows if "kept_nodes" in r), None)
        extra = f", {kept:,} after contraction" if kept else ""
        print(
            f"\n== {name}: {head['label']}: {head['nodes']:,} nodes{extra}, "
            f"{head['edges']:,} directed edges"
        )
        ref = next((r for r in rows if r["engine"] == "jamlik-1"), None)
        print(
            f"  {'engine':9} {'wall s':>7} {'cpu s':>7} {'cpu/wall':>8} {'cpu x jamlik-1':>14} "
            f"{'peak MB':>8} {'rise MB':>8}  wall s of runs / max |x - jamlik-1|"
        )
        for r in rows:
            ratio = r["cpu_s"] / ref["cpu_s"] if ref else float("nan")
            note = " ".join(f"{x:.3f}" for x in r["walls"])
            if "diff" in r:
                d = r["diff"]
                note += (
                    f" / nearest {d['nearest_m']:.1e} m ({d['reach_mismatch']} reach), "
                    f"counts {d['counts']:.0f}, decayed {d['decayed']:.1e}"
                )
            print(
                f"  {r['engine']:9} {r['wall_s']:7.3f} {r['cpu_s']:7.3f} "
                f"{r['cpu_s'] / r['wall_s']:8.2f} {ratio:14.2f} {r['peak_mb']:8.0f} "
                f"{r['rise_mb']:8.0f}  {note}"
            )


if __name__ == "__main__":
    main()
