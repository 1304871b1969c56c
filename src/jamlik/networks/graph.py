"""Directed graphs in compressed sparse row (CSR) form, the input of every routing kernel.

A :class:`Graph` holds plain numpy arrays so that compiled kernels can take them as they are.
:func:`graph_from_edges` builds one from directed edge arrays and applies two rules that every
graph in jamlik obeys:

* **parallel edges collapse to the cheapest.** ``scipy.sparse`` *adds* duplicate entries when
  it builds a matrix, which would turn two parallel 100 m streets into one 200 m street; we sort
  by (from, to, cost) and keep the first of each pair instead. Self-loops are dropped.
* **one connected component.** By default only the largest *strongly* connected component is
  kept (for undirected walking networks this is the largest connected component). A node cut
  off by one-way streets could otherwise be reached but never left, or the reverse. The number of
  nodes dropped is reported in ``Graph.dropped_nodes``; ``node_index`` maps kept nodes back to
  the caller's node numbering.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from jamlik.errors import EmptyNetworkError
from jamlik.i18n import t

__all__ = ["Graph", "graph_from_edges"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Graph:
    """A directed graph in CSR form.

    Attributes
    ----------
    indptr
        ``int64`` array of length ``n_nodes + 1``; the out-edges of node ``i`` are
        ``indptr[i]:indptr[i + 1]``.
    indices
        ``int64`` target node of each edge.
    cost
        ``float64`` cost of each edge (seconds for travel profiles, metres for distances).
    length_m
        ``float64`` length of each edge in metres.
    node_index
        ``int64`` for each node of this graph, its index in the caller's node numbering.
    dropped_nodes
        How many of the caller's nodes were left out by the component rule.
    name
        Label used in messages.
    node_xy
        Optional ``float64`` ``n_nodes × 2`` projected coordinates (metres) of the nodes; the
        engine uses them to number nodes along a space-filling curve (memory locality).
    """

    indptr: IntArray
    indices: IntArray
    cost: FloatArray
    length_m: FloatArray
    node_index: IntArray
    dropped_nodes: int = 0
    name: str = field(default="graph")
    node_xy: FloatArray | None = None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    def edge_sources(self) -> IntArray:
        """Return the source node of every edge (the CSR row expanded)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    def reversed(self) -> Graph:
        """Return the graph with every edge turned around (for searches towards a target)."""
        src = self.edge_sources()
        order = np.lexsort((src, self.indices))
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.n_nodes), out=indptr[1:])
        return Graph(
            indptr=indptr,
            indices=src[order],
            cost=self.cost[order],
            length_m=self.length_m[order],
            node_index=self.node_index,
            dropped_nodes=self.dropped_nodes,
            name=f"{self.name} (reversed)",
            node_xy=self.node_xy,
        )

    def to_scipy(self, *, weight: str = "cost") -> sp.csr_matrix:
        """Return the graph as a ``scipy.sparse.csr_matrix`` of ``cost`` or ``length_m``."""
        data = self.cost if weight == "cost" else self.length_m
        n = self.n_nodes
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(n, n))


def graph_from_edges(
    source: npt.ArrayLike,
    target: npt.ArrayLike,
    cost: npt.ArrayLike,
    *,
    n_nodes: int,
    length_m: npt.ArrayLike | None = None,
    keep: str = "largest_strong",
    name: str = "graph",
    node_xy: npt.ArrayLike | None = None,
) -> Graph:
    """Build a :class:`Graph` from directed edges.

    Parameters
    ----------
    source, target
        Node numbers ``0 <= i < n_nodes`` of each directed edge.
    cost
        Non-negative cost of each edge.
    n_nodes
        Number of nodes in the caller's numbering.
    length_m
        Length of each edge in metres; defaults to ``cost``.
    keep
        ``"largest_strong"`` (default) keeps the largest strongly connected component,
        ``"all"`` keeps every node.
    name
        Label used in messages.
    node_xy
        Optional ``n_nodes × 2`` coordinates (metres) of the caller's nodes; kept nodes' rows
        are stored in ``Graph.node_xy``.

    Raises
    ------
    EmptyNetworkError
        If no edge is left.
    ValueError
        If a cost is negative or not finite, or a node number is out of range.
    """
    src = np.asarray(source, dtype=np.int64)
    dst = np.asarray(target, dtype=np.int64)
    w = np.asarray(cost, dtype=np.float64)
    ln = w.copy() if length_m is None else np.asarray(length_m, dtype=np.float64)
    if not (src.shape == dst.shape == w.shape == ln.shape):
        raise ValueError(t("networks.edge_arrays_length"))
    if w.size and (not np.all(np.isfinite(w)) or w.min() < 0):
        raise ValueError(t("networks.edge_costs", name=name))
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n_nodes):
        raise ValueError(t("networks.edge_endpoints", name=name, value=n_nodes - 1))

    loop = src == dst
    src, dst, w, ln = src[~loop], dst[~loop], w[~loop], ln[~loop]
    # Cheapest of each parallel group first, then keep the first occurrence.
    order = np.lexsort((ln, w, dst, src))
    src, dst, w, ln = src[order], dst[order], w[order], ln[order]
    first = np.ones(src.size, dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, w, ln = src[first], dst[first], w[first], ln[first]
    if src.size == 0:
        raise EmptyNetworkError(t("networks.no_edges", name=name))

    node_index = np.arange(n_nodes, dtype=np.int64)
    dropped = 0
    if keep == "largest_strong":
        adj = sp.csr_matrix((np.ones(src.size), (src, dst)), shape=(n_nodes, n_nodes))
        _, labels = connected_components(adj, directed=True, connection="strong")
        # Isolated nodes form singleton components; the largest has at least one edge.
        biggest = np.bincount(labels).argmax()
        kept = labels == biggest
        node_index = np.flatnonzero(kept).astype(np.int64)
        dropped = int(n_nodes - node_index.size)
        new_id = np.full(n_nodes, -1, dtype=np.int64)
        new_id[node_index] = np.arange(node_index.size)
        both = kept[src] & kept[dst]
        src, dst, w, ln = new_id[src[both]], new_id[dst[both]], w[both], ln[both]
        n_nodes = int(node_index.size)
        if src.size == 0:
            raise EmptyNetworkError(t("networks.component_no_edges", name=name))
    elif keep != "all":
        raise ValueError(t("networks.bad_keep", keep=keep))

    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
    xy = None
    if node_xy is not None:
        xy = np.asarray(node_xy, dtype=np.float64)[node_index]
    # src is sorted already, so the edges are in CSR order.
    return Graph(
        indptr=indptr,
        indices=dst,
        cost=w,
        length_m=ln,
        node_index=node_index,
        dropped_nodes=dropped,
        name=name,
        node_xy=xy,
    )
