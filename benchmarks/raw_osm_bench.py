"""What contracting the raw OSM node graph buys: node counts and one access query, side by side.

Run in the project environment::

    .venv/bin/python benchmarks/raw_osm_bench.py              # Tampere, Porto Alegre, Lund
    .venv/bin/python benchmarks/raw_osm_bench.py --runs 5 --extracts tampere

For each extract and mode (walk, bike) three graphs of the same ways:

* ``raw``: every OSM node of the ways jamlik keeps, one edge per segment (osmnx's
  ``simplify=False`` graph), read with pyosmium and projected with pyproj, one-way rules as
  jamlik's pieces have them;
* ``pieces``: jamlik's street graph (``build_street_network``): ways split only at shared
  nodes and way ends, shape points located by offset along the piece;
* ``contracted``: ``contract_graph`` of the pieces graph (pass-through nodes and pendant trees too).

``tests/test_contraction_raw_osm.py`` shows the three give identical distances. The query is
``dense_bench.py``'s (1,000 opportunities in 3 categories at random raw nodes, 3 nearest,
counts within 480-2,400 m, exponential decay; metres), run with one thread over every node of
each graph; the opportunities sit on the same OSM nodes in all three graphs. Times are medians
of ``--runs`` queries after a warm-up, CPU seconds (``process_time``) and wall. The script
PRINTS its figures; it asserts nothing.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import osmium  # noqa: E402
import pyproj  # noqa: E402

from jamlik.ingest.osm import read_osm  # noqa: E402
from jamlik.networks.contraction import contract_graph  # noqa: E402
from jamlik.networks.graph import Graph, graph_from_edges  # noqa: E402
from jamlik.networks.snapping import Seeds, point_seeds, snap_points  # noqa: E402
from jamlik.networks.streets import StreetNetwork, build_street_network  # noqa: E402
from jamlik.routing.decay import ExponentialDecay  # noqa: E402
from jamlik.routing.engine import accessibility  # noqa: E402

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
EXTRACTS = {
    "tampere": ("osm_gtfs_tampere/tampere.osm.pbf", "EPSG:3067"),
    "porto_alegre": ("osm_gtfs_porto_alegre/poa_osm.pbf", "EPSG:31982"),
    "lund": ("osm_lund_station/lund_station.osm.pbf", "EPSG:3006"),
}
BOUND_M = 2400.0
CUTOFFS = (480.0, 960.0, 1440.0, 1920.0, 2400.0)


def raw_graph(path: Path, crs: str, net: StreetNetwork) -> tuple[Graph, dict[int, int], np.ndarray]:
    """The raw node graph of the ways ``net`` keeps; OSM id -> node, and node coordinates."""
    frame = net.streets_frame()
    kept = frame.loc[~net.across_area, ["osm_way_id", "forward", "backward"]]
    direction = {int(w): (bool(f), bool(b)) for w, f, b in kept.itertuples(index=False)}
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    index: dict[int, int] = {}
    xs: list[float] = []
    ys: list[float] = []
    src: list[int] = []
    dst: list[int] = []
    length: list[float] = []
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if not (obj.is_way() and obj.id in direction):
            continue
        fwd, bwd = direction[obj.id]
        x, y = to_crs.transform([n.lon for n in obj.nodes], [n.lat for n in obj.nodes])
        ids = []
        for i, n in enumerate(obj.nodes):
            if n.ref not in index:
                index[n.ref] = len(xs)
                xs.append(x[i])
                ys.append(y[i])
            ids.append(index[n.ref])
        for i in range(len(ids) - 1):
            w = float(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]))
            if fwd:
                src.append(ids[i]), dst.append(ids[i + 1]), length.append(w)
            if bwd:
                src.append(ids[i + 1]), dst.append(ids[i]), length.append(w)
    for u, v, w in zip(*(frame[c][net.across_area] for c in ("u", "v", "length_m")), strict=True):
        a, b = index[int(net.node_osm_id[u])], index[int(net.node_osm_id[v])]
        src += [a, b]
        dst += [b, a]
        length += [float(w), float(w)]
    xy = np.column_stack([xs, ys])
    graph = graph_from_edges(src, dst, length, n_nodes=len(xs), name="raw", node_xy=xy)
    return graph, index, xy


def opportunity_seeds(graph: Graph, nodes: np.ndarray) -> dict[str, Seeds]:
    groups = np.array_split(nodes, 3)
    return {
        c: Seeds(np.arange(g.size + 1), g.astype(np.int64), np.zeros(g.size))
        for c, g in zip("abc", groups, strict=True)
    }


def snapped_seeds(net: StreetNetwork, graph: Graph, xy: np.ndarray) -> dict[str, Seeds]:
    out = {}
    for c, part in zip("abc", np.array_split(xy, 3), strict=True):
        snapped = snap_points(net, part[:, 0], part[:, 1], max_distance_m=1.0, graph=graph)
        out[c] = point_seeds(net, graph, snapped, towards=True)
    return out


def time_query(
    graph: Graph, opp: dict[str, Seeds], runs: int, contract: bool
) -> tuple[float, float]:
    decay = [ExponentialDecay(beta=1 / BOUND_M, max_cost=BOUND_M)]

    def once() -> None:
        accessibility(
            graph, opp, k=3, cutoffs=CUTOFFS, decay=decay, max_cost=BOUND_M,
            strategy="from_opportunities", contract=contract, threads=1,
        )  # fmt: skip

    once()
    cpu, wall = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        once()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--extracts", nargs="+", default=list(EXTRACTS), choices=list(EXTRACTS))
    args = parser.parse_args()
    print(
        f"{'extract':<13} {'mode':<5} {'raw nodes':>10} {'pieces':>8} {'contracted':>10} "
        f"{'raw/pieces':>10} {'raw/contr':>9} | query CPU s (wall s): raw, pieces, contracted"
    )
    for name in args.extracts:
        rel, crs = EXTRACTS[name]
        osm = read_osm(DATA / rel)
        for mode in ("walk", "bike"):
            net = build_street_network(osm, mode=mode, crs=crs)
            pieces = net.to_distance_graph()
            contracted = contract_graph(pieces)
            raw, index, xy = raw_graph(DATA / rel, crs, net)
            rng = np.random.default_rng(42)
            chosen = rng.choice(raw.n_nodes, size=min(1000, raw.n_nodes), replace=False)
            raw_opp = opportunity_seeds(raw, chosen)
            piece_opp = snapped_seeds(net, pieces, raw.node_xy[chosen])
            t_raw = time_query(raw, raw_opp, args.runs, contract=False)
            t_pieces = time_query(pieces, piece_opp, args.runs, contract=False)
            t_contr = time_query(pieces, piece_opp, args.runs, contract=True)
            print(
                f"{name:<13} {mode:<5} {raw.n_nodes:>10,} {pieces.n_nodes:>8,} "
                f"{contracted.n_kept:>10,} {raw.n_nodes / pieces.n_nodes:>10.2f} "
                f"{raw.n_nodes / contracted.n_kept:>9.2f} | "
                + ", ".join(f"{c:.3f} ({w:.3f})" for c, w in (t_raw, t_pieces, t_contr))
            )


if __name__ == "__main__":
    main()
