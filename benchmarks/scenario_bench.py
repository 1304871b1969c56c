"""Incremental scenario runs against full runs: one new school and one new link.

Run in the project environment::

    .venv/bin/python benchmarks/scenario_bench.py                     # both parts
    .venv/bin/python benchmarks/scenario_bench.py --part dense --runs 5

**dense** (the engine): the dense 250k-node grid of ``graphs.py`` and the query of
``dense_bench.py`` (1,000 opportunities in 3 categories, 3 nearest, 5 counts, one decay,
searches bounded at 2,400 m, cost = metres). Changes: a new school (one opportunity added to
category 0 at a random node), a closed school (one of category 0 removed: its rows need the
next candidate) and a new link (a 300 m footbridge between two nodes 600 m apart along the
grid). ``full`` = :func:`jamlik.routing.accessibility` on the changed inputs; ``incremental``
= :func:`jamlik.routing.incremental.update_accessibility` from today's result. Both times
include preparing the changed graph (a new graph object each run, as in a lab); building
the graph from its edges is timed apart (``graph``).

**pack** (the whole run): ``packs/tampere`` (real OSM), profiles adult and child, every
category. ``full`` = :func:`jamlik.runs.access.compute_pack_access` with the scenario (reads
the OSM extract, builds networks, places residents, snaps, searches, aggregates);
``incremental`` = :func:`jamlik.runs.incremental.incremental_access` from a baseline built
once (its time is printed as ``baseline``; ``changed_origins`` = resident nodes whose values
changed, whose areas and grid squares alone are aggregated again). Changes: a new school at a
street node, and a new link between two street nodes about 400 m apart.

Each (part, case, method) runs in its own process so that its peak memory is its own
(``VmHWM``, whole process, inputs included). Times are medians of ``--runs`` after a warm-up
(numba compilation). The machine may be shared: CPU / wall shows the cores a run had. The
script PRINTS its figures; it asserts nothing.
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
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graphs import ROOT, dense_grid  # noqa: E402
from memory import status  # noqa: E402

CUTOFFS = (480.0, 960.0, 1440.0, 1920.0, 2400.0)
RADIUS = 2400.0
N_OPP = 1000
DENSE_CASES = ("new_school", "closed_school", "new_link")
PACK_CASES = ("new_school", "new_link")


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``runs`` calls after a warm-up; the last result."""
    out = fn()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu)), out


def _dense(case: str, method: str, runs: int) -> dict[str, Any]:
    import dataclasses

    from jamlik.networks.graph import Graph, graph_from_edges
    from jamlik.networks.seeds import Seeds
    from jamlik.routing import ExponentialDecay, accessibility
    from jamlik.routing.incremental import OpportunitySet, update_accessibility

    graph = dense_grid(250_000)
    rng = np.random.default_rng(42)
    nodes = rng.choice(graph.n_nodes, N_OPP, replace=False).astype(np.int64)
    cat = np.repeat(np.arange(3), [334, 333, 333])
    decay = [ExponentialDecay(beta=1 / RADIUS, max_cost=RADIUS)]

    def opps(node_lists: list[np.ndarray]) -> OpportunitySet:
        seeds = {
            str(c): Seeds(np.arange(n.size + 1), n, np.zeros(n.size))
            for c, n in enumerate(node_lists)
        }
        return OpportunitySet(seeds, {c: np.ones(s.n_points) for c, s in seeds.items()})

    lists = [nodes[cat == c] for c in range(3)]
    before_opps = opps(lists)

    def full(g: Graph, o: OpportunitySet) -> Any:
        return accessibility(g, o.seeds, weights=o.weights, k=3, cutoffs=CUTOFFS, decay=decay,
                             max_cost=RADIUS)  # fmt: skip

    today = full(graph, before_opps)
    after_lists = [x.copy() for x in lists]
    src, dst, cost = graph.edge_sources(), graph.indices, graph.cost
    xy = graph.node_xy
    assert xy is not None

    def rebuild() -> Graph:
        if case != "new_link":
            return graph
        # Two nodes about 600 m apart near the middle: a 300 m footbridge between them.
        middle = xy.mean(axis=0)
        a = int(np.argmin(np.hypot(*(xy - middle).T)))
        b = int(np.argmin(np.abs(np.hypot(*(xy - xy[a]).T) - 600.0)))
        g1 = graph_from_edges(np.append(src, [a, b]), np.append(dst, [b, a]),
                              np.append(cost, [300.0, 300.0]), n_nodes=graph.n_nodes,
                              node_xy=xy, keep="all")  # fmt: skip
        # The same node numbering as today's graph (the grid's own numbers).
        return dataclasses.replace(g1, node_index=graph.node_index[g1.node_index])

    if case == "new_school":
        free = np.setdiff1d(np.arange(graph.n_nodes), nodes)
        after_lists[0] = np.append(after_lists[0], rng.choice(free))
    elif case == "closed_school":
        after_lists[0] = after_lists[0][1:]
    after_opps = opps(after_lists)
    started = time.perf_counter()
    rebuild()
    graph_s = time.perf_counter() - started
    stats: dict[str, Any] = {}

    fresh = [rebuild() if case == "new_link" else _copy(graph) for _ in range(runs + 1)]

    def run() -> Any:
        g1 = fresh.pop()
        if method == "full":
            return full(g1, after_opps)
        out = update_accessibility(today, graph_before=graph, opportunities_before=before_opps,
                                   graph_after=g1, opportunities_after=after_opps,
                                   origins=np.arange(g1.n_nodes), decay=decay)  # fmt: skip
        stats.update(searches=out.searches, recomputed_rows=out.recomputed_rows,
                     changed_opportunities=out.changed_opportunities)  # fmt: skip
        return out.result

    wall, cpu, _ = _timed(run, runs)
    return {"wall_s": wall, "cpu_s": cpu, "graph_s": graph_s, **stats}


def _copy(graph: Any) -> Any:
    """The same graph as a new object (not prepared yet), as a lab's next run would have."""
    import dataclasses

    return dataclasses.replace(graph)


def _pack(case: str, method: str, runs: int) -> dict[str, Any]:
    from jamlik.ingest import load_pack, read_osm
    from jamlik.ingest.scenario import load_scenario
    from jamlik.networks import build_street_network
    from jamlik.runs.access import AccessOptions, compute_pack_access
    from jamlik.runs.incremental import access_baseline, incremental_access
    from jamlik.runs.scenario import place_scenario

    pack = load_pack(ROOT / "packs" / "tampere")
    options = AccessOptions(profiles=("adult", "child"))
    assert pack.osm_path is not None
    walk = build_street_network(read_osm(pack.osm_path), mode="walk", crs=pack.crs.to_string())
    x, y = walk.node_x, walk.node_y
    rng = np.random.default_rng(3)
    crs = pack.crs.to_string()
    body = f'[scenario]\nname = "{case}"\ncrs = "{crs}"\n\n'
    a = int(rng.integers(walk.n_nodes))
    if case == "new_school":
        body += f'[[services]]\nname = "Ny skola"\ncategory = "school"\npoint = [{x[a]}, {y[a]}]\n'
    else:
        far = np.hypot(x - x[a], y - y[a])
        b = int(np.argmin(np.abs(far - 400.0)))
        body += (f'[[links]]\nname = "Gångbro"\ncoordinates = [[{x[a]}, {y[a]}], '
                 f'[{x[b]}, {y[b]}]]\nmodes = ["walk", "bike"]\n')  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        path.write_text(body, encoding="utf-8")
        placed = place_scenario(load_scenario(path), pack)
    out: dict[str, Any] = {}
    if method == "full":
        wall, cpu, _ = _timed(
            lambda: compute_pack_access(pack, options=options, scenario=placed), runs
        )
    else:
        started = time.perf_counter()
        baseline = access_baseline(pack, options=options)
        out["baseline_s"] = time.perf_counter() - started
        wall, cpu, result = _timed(lambda: incremental_access(baseline, placed), runs)
        out["searches"] = int(result[1].table["searches"].sum())
        out["changed_origins"] = result[1].changed_origins
    return {"wall_s": wall, "cpu_s": cpu, **out}


def one(part: str, case: str, method: str, runs: int) -> dict[str, Any]:
    """Run one measurement in this process; return its figures."""
    figures = (_dense if part == "dense" else _pack)(case, method, runs)
    return {"part": part, "case": case, "method": method, "peak_mb": status("VmHWM"), **figures}


def main(argv: list[str] | None = None) -> None:
    """Run every (part, case, method) in its own process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dense", "pack", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("PART", "CASE", "METHOD"))
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(*args.one, args.runs)))
        return
    parts = ("dense", "pack") if args.part == "both" else (args.part,)
    print(f"medians of {args.runs} runs after a warm-up; NUMBA_NUM_THREADS="
          f"{os.environ['NUMBA_NUM_THREADS']}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    header = f"{'part':6} {'case':14} {'wall full':>9} {'incr':>7} {'ratio':>6} "
    header += f"{'cpu full':>9} {'incr':>7} {'ratio':>6} {'MB full':>8} {'incr':>6}"
    print(header + "  incremental detail")
    for part in parts:
        for case in DENSE_CASES if part == "dense" else PACK_CASES:
            rows = {}
            for method in ("full", "incremental"):
                cmd = [sys.executable, __file__, "--one", part, case, method, "--runs",
                       str(args.runs)]  # fmt: skip
                done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                rows[method] = json.loads(done.stdout.strip().splitlines()[-1])
            f, i = rows["full"], rows["incremental"]
            detail = {k: v for k, v in i.items() if k not in f or k == "graph_s"}
            detail = {k: round(v, 3) if isinstance(v, float) else v for k, v in detail.items()}
            print(f"{part:6} {case:14} {f['wall_s']:9.3f} {i['wall_s']:7.3f} "
                  f"{f['wall_s'] / i['wall_s']:6.1f} {f['cpu_s']:9.3f} {i['cpu_s']:7.3f} "
                  f"{f['cpu_s'] / i['cpu_s']:6.1f} {f['peak_mb']:8.0f} {i['peak_mb']:6.0f}  "
                  f"{detail}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
