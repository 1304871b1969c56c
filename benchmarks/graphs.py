"""Benchmark graphs: a dense perturbed street grid, the generated town and real OSM walk graphs.

The dense grid stands for a city centre with short blocks: nodes every 50 m, jittered by a
normal offset (sigma 10 m), 12 % of the grid edges dropped, a diagonal in 5 % of the cells,
edge length = Euclidean length x U(1, 1.15), both directions, largest connected component.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jamlik.networks.graph import Graph, graph_from_edges

__all__ = ["GRAPHS", "BenchGraph", "dense_grid", "make_graph"]

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
OSM = {
    "tampere": DATA / "osm_gtfs_tampere" / "tampere.osm.pbf",
    "poa": DATA / "osm_gtfs_porto_alegre" / "poa_osm.pbf",
}
GRAPHS = ("town250k", "town1m", "dense250k", "dense1m", "tampere", "poa")


@dataclass
class BenchGraph:
    """A benchmark graph and a description of where it comes from."""

    name: str
    label: str
    graph: Graph


def dense_grid(n_nodes: int, *, seed: int = 7, spacing_m: float = 50.0) -> Graph:
    """Return the dense perturbed grid of about ``n_nodes`` nodes (see the module docstring)."""
    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(n_nodes)))
    ii, jj = np.divmod(np.arange(side * side, dtype=np.int64), side)
    x = jj * spacing_m + rng.normal(0.0, 10.0, side * side)
    y = ii * spacing_m + rng.normal(0.0, 10.0, side * side)
    node = np.arange(side * side, dtype=np.int64).reshape(side, side)
    horizontal = (node[:, :-1].ravel(), node[:, 1:].ravel())
    vertical = (node[:-1, :].ravel(), node[1:, :].ravel())
    u = np.concatenate([horizontal[0], vertical[0]])
    v = np.concatenate([horizontal[1], vertical[1]])
    keep = rng.random(u.size) >= 0.12
    u, v = u[keep], v[keep]
    cells = node[:-1, :-1].ravel()
    diag = cells[rng.random(cells.size) < 0.05]
    rising = rng.random(diag.size) < 0.5  # which of the cell's two diagonals
    du = np.where(rising, diag, diag + 1)
    dv = np.where(rising, diag + side + 1, diag + side)
    u, v = np.concatenate([u, du]), np.concatenate([v, dv])
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.15, u.size)
    return graph_from_edges(
        np.concatenate([u, v]),
        np.concatenate([v, u]),
        np.concatenate([length, length]),
        n_nodes=side * side,
        name=f"dense grid {side}x{side}",
        node_xy=np.column_stack((x, y)),
    )


def make_graph(name: str) -> BenchGraph:
    """Build one of :data:`GRAPHS` (cost = metres)."""
    if name in OSM:
        from jamlik.networks.streets import build_street_network

        net = build_street_network(OSM[name], mode="walk")
        label = f"{name} walk network (OSM, build_street_network)"
        return BenchGraph(name, label, net.to_distance_graph())
    if name.startswith("dense"):
        size = {"dense250k": 250_000, "dense1m": 1_000_000}[name]
        label = "dense 50 m grid (sigma 10 m, 12 % dropped, 5 % diagonals)"
        return BenchGraph(name, label, dense_grid(size))
    from jamlik.datasets.town import street_arrays

    size = {"town250k": 250_000, "town1m": 1_000_000}[name]
    xs, ys, u, v, length = street_arrays(n_nodes=size, seed=7)
    graph = graph_from_edges(
        np.concatenate([u, v]),
        np.concatenate([v, u]),
        np.concatenate([length, length]),
        n_nodes=xs.size,
        name=name,
        node_xy=np.column_stack((xs, ys)),
    )
    return BenchGraph(name, f"generated town, street_arrays(n_nodes={size})", graph)
