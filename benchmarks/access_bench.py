"""Accessibility engine benchmark: jamlik vs scipy (dense blocks), pandana and cityseer.

Run it in the separate benchmark environment (peers are not in the project's .venv)::

    UV_PROJECT_ENVIRONMENT=.venv-bench uv sync --frozen --group bench
    .venv-bench/bin/python benchmarks/access_bench.py            # all graphs, all engines
    .venv-bench/bin/python benchmarks/access_bench.py --graphs poa town250k --skip cityseer

The same query on the same graph for every engine: every node is an origin; 1,000 opportunities
(random distinct nodes, seed 42) in 3 categories (334/333/333, weight 1); per origin and category
the 3 nearest, the counts within 480/960/1,440/1,920/2,400 m and one decayed sum
``sum exp(-d / 2400)`` over d <= 2,400 m (pandana's ``decay="exp"``); cost = metres.

Every engine runs on ONE thread (OMP/RAYON/NUMBA/BLAS thread counts set to 1 before import).
Times are wall-clock after compilation / index building (those are reported as "setup").
Peak memory is the rise of the process's resident set during the query (``malloc_trim``, then
VmHWM after ``clear_refs``), so it includes memory of C++/Rust peers that tracemalloc cannot
see; for jamlik the larger of that and the tracemalloc peak of a second call is shown. A peer
that would take more than 10 minutes is timed on a stated part of the work and scaled; the
output says so.
The script PRINTS its figures; it asserts nothing.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "RAYON_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from jamlik.networks.graph import Graph, graph_from_edges  # noqa: E402
from jamlik.networks.snapping import Seeds  # noqa: E402
from jamlik.routing import ExponentialDecay, accessibility  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graphs import GRAPHS, make_graph  # noqa: E402
from memory import reset_peak, status  # noqa: E402

CUTOFFS = (480.0, 960.0, 1440.0, 1920.0, 2400.0)
RADIUS = 2400.0
K = 3
N_OPP = 1000
CATS = ("a", "b", "c")
BUDGET_S = 600.0  # a peer estimated above this is timed on a part of the work and scaled


@dataclass
class Case:
    name: str
    graph: Graph
    x: np.ndarray
    y: np.ndarray
    opp_nodes: np.ndarray
    opp_cat: np.ndarray


@dataclass
class Row:
    engine: str
    setup_s: np.ndarray  # [wall, cpu] seconds
    query_s: np.ndarray  # [wall, cpu] seconds
    peak_mb: float
    note: str = ""
    nearest: np.ndarray | None = None  # n x C x K (inf = none); rows = `rows`
    counts: np.ndarray | None = None
    decayed: np.ndarray | None = None
    rows: np.ndarray | None = None  # origin nodes the arrays cover (None = all)
    extra: dict[str, float] = field(default_factory=dict)


def now() -> np.ndarray:
    """Wall-clock and CPU time of this process (the machine may be shared: CPU is fairer)."""
    return np.array([time.perf_counter(), time.process_time()])


def peak_since(base_mb: float) -> float:
    return status("VmHWM") - base_mb


# --- graphs -----------------------------------------------------------------------------------


def make_case(name: str) -> Case:
    t0 = now()
    bench = make_graph(name)
    graph = bench.graph
    assert graph.node_xy is not None
    x, y = graph.node_xy[:, 0], graph.node_xy[:, 1]
    rng = np.random.default_rng(42)
    opp_nodes = rng.choice(graph.n_nodes, N_OPP, replace=False).astype(np.int64)
    opp_cat = np.repeat(np.arange(3), [334, 333, 333])
    print(
        f"\n== {name}: {bench.label}: {graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges "
        f"(built in {(now() - t0)[0]:.1f} s)"
    )
    return Case(name, graph, x, y, opp_nodes, opp_cat)


# --- engines ----------------------------------------------------------------------------------


def run_jamlik(case: Case) -> Row:
    opp = {
        c: Seeds(
            np.arange(int((case.opp_cat == i).sum()) + 1, dtype=np.int64),
            case.opp_nodes[case.opp_cat == i],
            np.zeros(int((case.opp_cat == i).sum())),
        )
        for i, c in enumerate(CATS)
    }
    decay = [ExponentialDecay(beta=1 / RADIUS, max_cost=RADIUS)]
    kwargs = {"k": K, "cutoffs": CUTOFFS, "decay": decay, "max_cost": RADIUS}
    # Compile (or load from the numba cache) on a tiny graph first.
    tiny = graph_from_edges([0, 1], [1, 0], [1.0, 1.0], n_nodes=2)
    accessibility(tiny, {"a": Seeds(np.array([0, 1]), np.array([0]), np.zeros(1))}, **kwargs)
    accessibility(
        tiny,
        {"a": Seeds(np.array([0, 1]), np.array([0]), np.zeros(1))},
        strategy="from_origins",
        **kwargs,
    )
    base = reset_peak()
    t0 = now()
    res = accessibility(case.graph, opp, **kwargs)
    elapsed = now() - t0
    rss = peak_since(base)
    del res
    tracemalloc.start()  # a second, untimed call: numpy allocations seen by tracemalloc
    res = accessibility(case.graph, opp, **kwargs)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    note = f"from_opportunities, numba, 1 thread; tracemalloc peak {traced:.0f} MB"
    return Row(
        "jamlik", np.zeros(2), elapsed, max(rss, traced), note, res.nearest, res.counts, res.decayed
    )


def run_scipy(case: Case) -> Row:
    n = case.graph.n_nodes
    rev = case.graph.to_scipy().T.tocsr()  # searches towards each opportunity
    block = int(np.clip(1.6e8 / (8 * n), 8, 200))
    nearest = np.full((3, K, n), np.inf)
    counts = np.zeros((3, len(CUTOFFS), n))
    decayed = np.zeros((3, n))
    cut = np.asarray(CUTOFFS)
    base = reset_peak()
    t0 = now()
    done = 0
    note = f"dijkstra(limit=2400) in dense blocks of {block} opportunities x {n:,} nodes"
    for lo in range(0, N_OPP, block):
        hi = min(lo + block, N_OPP)
        dist = dijkstra(rev, directed=True, indices=case.opp_nodes[lo:hi], limit=RADIUS)
        cats = case.opp_cat[lo:hi]
        for c in np.unique(cats):
            d = dist[cats == c]
            for q in range(cut.size):
                counts[c, q] += (d <= cut[q]).sum(axis=0)
            decayed[c] += np.exp(-d / RADIUS).sum(axis=0)  # exp(-inf) = 0 beyond the limit
            both = np.concatenate([nearest[c], d], axis=0)
            nearest[c] = np.sort(np.partition(both, K - 1, axis=0)[:K], axis=0)
        done = hi
        elapsed = now() - t0
        if elapsed[0] * N_OPP / done > BUDGET_S and done < N_OPP:
            note += f"; timed on {done} of {N_OPP} opportunities and scaled"
            break
    elapsed = (now() - t0) * N_OPP / done
    peak = peak_since(base)
    if done < N_OPP:
        return Row("scipy", np.zeros(2), elapsed, peak, note)
    return Row(
        "scipy",
        np.zeros(2),
        elapsed,
        peak,
        note,
        nearest.transpose(2, 0, 1),
        counts.transpose(2, 0, 1),
        decayed.T[:, :, None],
    )


def run_pandana(case: Case) -> Row:
    import pandana

    g = case.graph
    src = g.edge_sources()
    base = reset_peak()
    t0 = now()
    net = pandana.Network(
        pd.Series(case.x),
        pd.Series(case.y),
        pd.Series(src),
        pd.Series(g.indices),
        pd.DataFrame({"m": g.cost}),
        twoway=False,
    )
    net.precompute(RADIUS)
    ox, oy = case.x[case.opp_nodes], case.y[case.opp_nodes]
    for i, c in enumerate(CATS):
        sel = case.opp_cat == i
        net.set_pois(
            c, maxdist=RADIUS, maxitems=K, x_col=pd.Series(ox[sel]), y_col=pd.Series(oy[sel])
        )
        ids = net.get_node_ids(pd.Series(ox[sel]), pd.Series(oy[sel]))
        net.set(ids, variable=pd.Series(np.ones(int(sel.sum())), index=ids.index), name=c)
    setup = now() - t0
    n = g.n_nodes
    nearest = np.full((n, 3, K), np.inf)
    counts = np.zeros((n, 3, len(CUTOFFS)))
    decayed = np.zeros((n, 3, 1))

    t0 = now()
    pilot = net.aggregate(RADIUS, type="sum", decay="flat", name="a").to_numpy()
    t_pilot = now() - t0
    counts[:, 0, -1] = pilot
    calls_total = 3 * (len(CUTOFFS) + 2)  # counts, decayed sum and nearest per category
    if calls_total * t_pilot[0] <= BUDGET_S:
        cats, note = range(3), "all calls timed"
    elif (calls_total // 3) * t_pilot[0] <= BUDGET_S:
        cats, note = range(1), "timed on category a of 3, x3"
    else:
        cats = range(0)
        note = (
            f"only aggregate(2400 m) timed ({t_pilot[0]:.1f} s), x{calls_total} calls "
            "(upper bound: smaller radii are cheaper)"
        )
    t0 = now() - t_pilot
    for i in cats:
        c = CATS[i]
        for q, cutoff in enumerate(CUTOFFS):
            if (i, q) != (0, len(CUTOFFS) - 1):
                counts[:, i, q] = net.aggregate(cutoff, type="sum", decay="flat", name=c)
        decayed[:, i, 0] = net.aggregate(RADIUS, type="sum", decay="exp", name=c)
        near = net.nearest_pois(RADIUS, c, num_pois=K, max_distance=np.inf)
        nearest[:, i, :] = near.to_numpy()[:, :K]
    elapsed = now() - t0
    peak = peak_since(base)
    if len(cats) == 3:
        return Row("pandana", setup, elapsed, peak, note, nearest, counts, decayed)
    if len(cats) == 1:
        keep = np.array([0])
        return Row(
            "pandana",
            setup,
            elapsed * 3,
            peak,
            note,
            nearest[:, keep],
            counts[:, keep],
            decayed[:, keep],
        )
    return Row("pandana", setup, t_pilot * calls_total, peak, note, None, counts[:, :1, -1:])


def _bent_wkt(
    ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, length: np.ndarray
) -> list[str]:
    """Two-segment lines from a to b whose length equals the edge cost (a kink at mid-way)."""
    chord = np.hypot(bx - ax, by - ay)
    off = np.sqrt(np.maximum((length / 2) ** 2 - (chord / 2) ** 2, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        nx_ = np.where(chord > 0, -(by - ay) / chord, 1.0)
        ny_ = np.where(chord > 0, (bx - ax) / chord, 0.0)
    mx, my = (ax + bx) / 2 + nx_ * off, (ay + by) / 2 + ny_ * off
    return [
        f"LINESTRING ({a} {b}, {c} {d}, {e} {f})"
        for a, b, c, d, e, f in zip(ax, ay, mx, my, bx, by, strict=True)
    ]


def run_cityseer(case: Case, sample: int) -> Row:
    from cityseer import config, rustalgos

    config.QUIET_MODE = True
    g = case.graph
    n = g.n_nodes
    rng = np.random.default_rng(1)
    t0 = now()
    src = g.edge_sources()
    wkt = _bent_wkt(case.x[src], case.y[src], case.x[g.indices], case.y[g.indices], g.cost)
    setup_wkt = now() - t0

    def build(live: np.ndarray) -> tuple[object, object, np.ndarray]:
        t = now()
        ns = rustalgos.graph.NetworkStructure()
        live_mask = np.zeros(n, dtype=bool)
        live_mask[live] = True
        for i in range(n):
            ns.add_street_node(str(i), float(case.x[i]), float(case.y[i]), bool(live_mask[i]), 1.0)
        for e in range(g.n_edges):
            a, b = int(src[e]), int(g.indices[e])
            ns.add_street_edge(a, b, e, str(a), str(b), wkt[e], 1.0)
        ns.validate()
        ns.build_edge_rtree()
        dm = rustalgos.data.DataMap()
        for j in range(N_OPP):
            node = case.opp_nodes[j]
            dm.insert(str(j), f"POINT ({case.x[node]} {case.y[node]})")
        dm.assign_data_to_network(ns, 100.0, 6)
        return ns, dm, now() - t

    landuses = {str(j): CATS[case.opp_cat[j]] for j in range(N_OPP)}
    dists = [int(c) for c in CUTOFFS]
    # Pilot on 200 origins to decide how many origins fit the budget.
    pilot_live = rng.choice(n, min(200, n), replace=False)
    ns, dm, _ = build(pilot_live)
    t0 = now()
    dm.accessibility(ns, landuses, list(CATS), distances=dists, pbar_disabled=True)
    per_origin = (now() - t0) / pilot_live.size
    if per_origin[0] * n <= BUDGET_S:
        live = np.arange(n)
        note = "all origins"
    else:
        m = int(min(n, max(sample, 1)))
        live = np.sort(rng.choice(n, m, replace=False))
        note = f"timed on {m:,} random origins of {n:,}, scaled x{n / m:.1f}"
    ns, dm, setup = build(live)
    base = reset_peak()
    t0 = now()
    res = dm.accessibility(ns, landuses, list(CATS), distances=dists, pbar_disabled=True)
    elapsed = (now() - t0) * n / live.size
    peak = peak_since(base)
    nearest = np.full((live.size, 3, 1), np.inf)
    counts = np.zeros((live.size, 3, len(CUTOFFS)))
    idx = np.asarray(res.node_indices)
    pos = np.searchsorted(idx, live)
    for i, c in enumerate(CATS):
        acc = res.result[c]
        near = np.asarray(acc.distance[int(RADIUS)], dtype=np.float64)[pos]
        nearest[:, i, 0] = np.where(np.isnan(near), np.inf, near)
        for q, d in enumerate(dists):
            counts[:, i, q] = np.asarray(acc.unweighted[d])[pos]
    note += "; float32 results; nearest-1 only; its own decay (not compared)"
    return Row("cityseer", setup + setup_wkt, elapsed, peak, note, nearest, counts, None, live)


# --- comparison -------------------------------------------------------------------------------


def compare(ref: Row, row: Row) -> str:
    if row.nearest is None and row.counts is None:
        return "results not compared (partial run)"
    rows = slice(None) if row.rows is None else row.rows
    parts = []
    if row.nearest is not None:
        kk = row.nearest.shape[2]
        cc = row.nearest.shape[1]
        a = ref.nearest[rows][:, :cc, :kk]
        b = row.nearest
        fin = np.isfinite(a) & np.isfinite(b)
        mismatch = int((np.isfinite(a) != np.isfinite(b)).sum())
        diff = float(np.abs(a[fin] - b[fin]).max()) if fin.any() else 0.0
        parts.append(f"nearest {diff:.2e} m ({mismatch} reach mismatches)")
    if row.counts is not None:
        cc, qq = row.counts.shape[1], row.counts.shape[2]
        diff = float(np.abs(ref.counts[rows][:, :cc, -qq:] - row.counts).max())
        parts.append(f"counts {diff:.3g}")
    if row.decayed is not None:
        cc = row.decayed.shape[1]
        diff = float(np.abs(ref.decayed[rows][:, :cc] - row.decayed).max())
        parts.append(f"decayed {diff:.2e}")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--graphs", nargs="+", default=["poa", "town250k", "town1m"], choices=GRAPHS
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["scipy", "pandana", "cityseer"])
    parser.add_argument("--cityseer-sample", type=int, default=5_000)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; one thread per engine")
    for name in args.graphs:
        case = make_case(name)
        rows = [run_jamlik(case)]
        for engine in ("scipy", "pandana", "cityseer"):
            if engine in args.skip:
                continue
            try:
                if engine == "scipy":
                    rows.append(run_scipy(case))
                elif engine == "pandana":
                    rows.append(run_pandana(case))
                else:
                    rows.append(run_cityseer(case, args.cityseer_sample))
            except ModuleNotFoundError as exc:
                print(f"  {engine}: skipped ({exc.name} is not installed; see `make bench`)")
            except Exception as exc:  # a failing peer must not hide the others' figures
                print(f"  {engine}: FAILED: {type(exc).__name__}: {exc}")
        ref = rows[0]
        print(
            f"  {'engine':9} {'setup cpu s':>11} {'query wall s':>12} {'query cpu s':>11} "
            f"{'peak MB':>8} {'cpu x jamlik':>12}"
        )
        for row in rows:
            ratio = row.query_s[1] / ref.query_s[1]
            print(
                f"  {row.engine:9} {row.setup_s[1]:11.2f} {row.query_s[0]:12.2f} "
                f"{row.query_s[1]:11.2f} {row.peak_mb:8.0f} {ratio:12.1f}  {row.note}"
            )
        for row in rows[1:]:
            print(f"    max |{row.engine} - jamlik|: {compare(ref, row)}")
        del rows


if __name__ == "__main__":
    main()
