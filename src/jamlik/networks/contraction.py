"""Street graphs with chains of pass-through nodes contracted, numbered for memory locality.

A node that only passes traffic on (``a <-> v <-> b``, or ``a -> v -> b`` on a one-way
street) never changes which way a shortest path goes; a search needs only the *kept* nodes
(junctions, nodes with another in/out structure) and one edge per chain of
pass-through nodes. :func:`contract_graph` finds those chains and keeps, for every interior
node, its place in its chain and the cost of each chain edge in both directions, so that the
search kernels (:mod:`jamlik.routing._kernels`) give *exact* costs for interior nodes too:

* an interior node's cost is ``min(cost via end a, cost via end b, a seed on the same chain
  reached along the chain)``, computed by one sweep along the chain in each direction after
  the search (a shortest path inside a chain never turns back);
* a seed (an origin or opportunity) on an interior node enters the search as seeds at the
  chain's two ends, at the cost along the chain.

Pendant trees are contracted too (dead ends, cul-de-sac trees, a yard's paths): nodes that
join the rest of the graph through one node only are peeled off first (what is left is the
graph's 2-core), chains are found in the rest, and each tree is cut into chains that *hang*
from a node, kept or interior (``chain_a == chain_b`` coded like a seed, ``< 0`` = interior
position), and close on it with an ``inf`` last edge, as a dead end does. A junction that
only had a tree beside it becomes a pass-through node of its street. Hanging chains are
exact for the same reason chains are: the only way into or out of a tree is its anchor, so a
node's cost is ``min(cost at the anchor + cost down the tree, a seed in the same tree)``,
swept chain by chain from the anchor down after the search; a seed in a tree enters at its
anchor. On Porto Alegre's OSM walk graph this keeps 11,407 of its 13,834 junctions (3.3×
fewer nodes than the raw OSM graph instead of 2.7×).

One-way chains have ``inf`` as the cost against their direction; chains that close on
themselves (``a == b``) are ordinary chains; a ring made only of pass-through nodes keeps one
of its nodes, and so does a component that is a tree. Kept nodes are numbered along a Hilbert curve
over their coordinates when the graph has them (:attr:`Graph.node_xy`), so that nodes near
each other on the ground sit near each other in memory (OSM node ids scatter them).

Why hand-written: street-graph simplification in osmnx or momepy rewrites geometries and
drops the interior nodes, and no library keeps exact offsets of interior nodes that compiled
searches can use, so origins and opportunities on interior nodes would lose exact costs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from jamlik.networks._contraction_kernels import (
    find_chains,
    hilbert_keys,
    peel_trees,
    tree_chains,
)
from jamlik.networks.graph import Graph

__all__ = ["ContractedGraph", "contract_graph"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ContractedGraph:
    """A graph whose pass-through chains are single edges, with the interior kept aside.

    Attributes
    ----------
    indptr, indices, cost
        CSR of the contracted graph over the kept nodes ``0..n_kept-1`` (parallel edges may
        remain; the searches take the cheapest).
    kept_node
        Node of the original graph for each kept node.
    chain_ptr
        Interior positions of chain ``c`` are ``chain_ptr[c]:chain_ptr[c + 1]``.
    chain_a, chain_b
        End nodes of each chain; the chain runs ``a -> interior... -> b``. A chain of a
        pendant tree hangs from one node (``a == b``, last edge ``inf``), a kept number
        (``>= 0``) or an interior position ``p`` of an earlier chain coded ``-(p + 1)``.
    interior_node
        Original node of each interior position.
    interior_chain
        Chain of each interior position.
    up, down
        Cost of chain edge ``i`` of chain ``c`` at ``c + chain_ptr[c] + i``
        (``i = 0..m``): ``up`` towards ``b``, ``down`` towards ``a`` (``inf`` = no edge).
    code
        For each original node: its kept number (``>= 0``) or ``-(position + 1)`` if interior.
    """

    indptr: IntArray
    indices: IntArray
    cost: FloatArray
    kept_node: IntArray
    chain_ptr: IntArray
    chain_a: IntArray
    chain_b: IntArray
    interior_node: IntArray
    interior_chain: IntArray
    up: FloatArray
    down: FloatArray
    code: IntArray

    @property
    def n_kept(self) -> int:
        """Number of kept nodes."""
        return int(self.kept_node.size)

    @property
    def n_chains(self) -> int:
        """Number of contracted chains."""
        return int(self.chain_a.size)

    def row_of_node(self) -> IntArray:
        """Return, for each original node, ``code`` for kept nodes and ``n_kept + pos`` else."""
        return np.where(self.code >= 0, self.code, self.n_kept - self.code - 1)

    def chain_incidence(self) -> tuple[IntArray, IntArray]:
        """Return a CSR ``(ptr, chain)`` of the chains ending at each kept node (once each).

        Chains that hang inside another chain end at no kept node and are left out.
        """
        ids = np.flatnonzero(self.chain_a >= 0)
        a, b = self.chain_a[ids], self.chain_b[ids]
        node = np.concatenate([a, b[b != a]])
        chain = np.concatenate([ids, ids[b != a]])
        order = np.argsort(node, kind="stable")
        ptr = np.zeros(self.n_kept + 1, dtype=np.int64)
        np.cumsum(np.bincount(node, minlength=self.n_kept), out=ptr[1:])
        return ptr, chain[order]

    def chain_children(self) -> tuple[IntArray, IntArray]:
        """Return a CSR ``(ptr, chain)`` of the chains hanging inside each chain."""
        ids = np.flatnonzero(self.chain_a < 0)
        parent = self.interior_chain[-self.chain_a[ids] - 1]
        order = np.argsort(parent, kind="stable")
        ptr = np.zeros(self.n_chains + 1, dtype=np.int64)
        np.cumsum(np.bincount(parent, minlength=self.n_chains), out=ptr[1:])
        return ptr, ids[order]

    def reversed(self) -> ContractedGraph:
        """Return the contracted graph with every edge (and chain edge) turned around."""
        n = self.n_kept
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        order = np.lexsort((src, self.indices))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=n), out=indptr[1:])
        return replace(
            self,
            indptr=indptr,
            indices=src[order],
            cost=self.cost[order],
            up=self.down,
            down=self.up,
        )


def _kept_order(graph: Graph, kept: IntArray) -> IntArray:
    """Kept nodes along a Hilbert curve when the graph has coordinates, else as they are."""
    if graph.node_xy is None or kept.size < 2:
        return kept
    xy = graph.node_xy[kept]
    return kept[np.argsort(hilbert_keys(xy[:, 0], xy[:, 1]), kind="stable")]


def contract_graph(
    graph: Graph, *, chains: bool = True, keep: npt.ArrayLike | None = None
) -> ContractedGraph:
    """Contract the chains of pass-through nodes of ``graph`` and renumber its nodes.

    Parameters
    ----------
    graph
        Directed street graph (parallel edges collapsed, no self-loops, as
        :func:`~jamlik.networks.graph.graph_from_edges` builds it).
    chains
        ``False`` keeps every node (only the renumbering is done).
    keep
        Optional boolean mask of nodes that must stay kept.

    Returns
    -------
    ContractedGraph
    """
    n = graph.n_nodes
    keep_mask = np.zeros(n, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    if not chains:
        keep_mask = np.ones(n, dtype=bool)
    if keep_mask.all():  # nothing to contract: skip the reversed graph and the walk
        interior, n_ch = np.zeros(n, dtype=bool), 0
        cptr, ca, cb, cnode = np.zeros(1, dtype=np.int64), *(np.empty(0, dtype=np.int64),) * 3
        up = down = np.empty(0)
    else:
        interior, cptr, ca, cb, cnode, up, down = _chains_and_trees(graph, keep_mask)
        n_ch = ca.size

    kept = _kept_order(graph, np.flatnonzero(~interior).astype(np.int64))
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[kept] = np.arange(kept.size)

    # Chains in the order of the kept node they start from (a hanging chain: the kept node
    # its tree hangs from), so a node's chains sit near each other.
    order = np.argsort(_start_key(cptr, ca, cnode, new_id, n), kind="stable")
    length = np.diff(cptr)[order]
    pos = _segments(cptr[:-1][order], length)
    edges = _segments((cptr[:-1] + np.arange(n_ch))[order], length + 1)
    cnode, up, down, ca, cb = cnode[pos], up[edges], down[edges], ca[order], cb[order]
    cptr = np.zeros(n_ch + 1, dtype=np.int64)
    np.cumsum(length, out=cptr[1:])

    code = np.empty(n, dtype=np.int64)
    code[kept] = np.arange(kept.size)
    code[cnode] = -np.arange(1, cnode.size + 1)
    ca, cb = code[ca], code[cb]

    # Contracted edges: kept -> kept edges as they are, plus one edge per chain direction.
    src = graph.edge_sources()
    direct = ~interior[src] & ~interior[graph.indices]
    first = cptr[:-1] + np.arange(n_ch)
    up_total = np.add.reduceat(up, first) if n_ch else np.empty(0)
    down_total = np.add.reduceat(down, first) if n_ch else np.empty(0)
    real = ca != cb
    fwd = real & np.isfinite(up_total)
    bwd = real & np.isfinite(down_total)
    e_src = np.concatenate([new_id[src[direct]], ca[fwd], cb[bwd]])
    e_dst = np.concatenate([new_id[graph.indices[direct]], cb[fwd], ca[bwd]])
    e_cost = np.concatenate([graph.cost[direct], up_total[fwd], down_total[bwd]])
    by = np.lexsort((e_cost, e_dst, e_src))
    indptr = np.zeros(kept.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_src, minlength=kept.size), out=indptr[1:])
    return ContractedGraph(
        indptr=indptr,
        indices=e_dst[by],
        cost=e_cost[by],
        kept_node=kept,
        chain_ptr=cptr,
        chain_a=ca,
        chain_b=cb,
        interior_node=cnode,
        interior_chain=np.repeat(np.arange(n_ch, dtype=np.int64), np.diff(cptr)),
        up=up,
        down=down,
        code=code,
    )


def _chains_and_trees(graph: Graph, keep: npt.NDArray[np.bool_]) -> tuple[Any, ...]:
    """Peel the pendant trees, find the chains of the rest, cut the trees into chains.

    Returns ``(interior, chain_ptr, chain_a, chain_b, chain_node, up, down)`` over original
    node numbers: the chains between kept nodes first, then the hanging chains of the trees
    (``a == b`` = their anchor, a node that may itself lie inside an earlier chain).
    """
    n = graph.n_nodes
    rev = graph.reversed()
    parent = peel_trees(graph.indptr, graph.indices, rev.indptr, rev.indices, keep)
    peeled = parent >= 0
    core, core_rev = _without(graph, peeled), _without(rev, peeled)
    del rev
    interior, cptr, ca, cb, cnode, up, down, n_ch = find_chains(
        core.indptr, core.indices, core.cost, core_rev.indptr, core_rev.indices, keep | peeled
    )
    n_pos = int(cptr[n_ch])
    cptr, ca, cb, cnode = cptr[: n_ch + 1], ca[:n_ch], cb[:n_ch], cnode[:n_pos]
    up, down = up[: n_pos + n_ch], down[: n_pos + n_ch]
    if not peeled.any():
        return interior, cptr, ca, cb, cnode, up, down

    kids = np.flatnonzero(peeled)
    by_parent = np.argsort(parent[kids], kind="stable")
    child = kids[by_parent]
    child_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent[kids], minlength=n), out=child_ptr[1:])
    roots = np.unique(parent[kids][~peeled[parent[kids]]])
    tptr, anchor, tnode, tup, tdown, t_ch = tree_chains(
        graph.indptr, graph.indices, graph.cost, child_ptr, child, roots
    )
    t_pos = int(tptr[t_ch])
    return (
        interior | peeled,
        np.concatenate([cptr, tptr[1 : t_ch + 1] + n_pos]),
        np.concatenate([ca, anchor[:t_ch]]),
        np.concatenate([cb, anchor[:t_ch]]),
        np.concatenate([cnode, tnode[:t_pos]]),
        np.concatenate([up, tup[: t_pos + t_ch]]),
        np.concatenate([down, tdown[: t_pos + t_ch]]),
    )


def _without(graph: Graph, dropped: npt.NDArray[np.bool_]) -> Graph:
    """``graph`` with every edge at a ``dropped`` node removed (the nodes stay, isolated)."""
    src = graph.edge_sources()
    edge = ~dropped[src] & ~dropped[graph.indices]
    indptr = np.zeros(graph.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src[edge], minlength=graph.n_nodes), out=indptr[1:])
    return replace(
        graph,
        indptr=indptr,
        indices=graph.indices[edge],
        cost=graph.cost[edge],
        length_m=graph.length_m[edge],
    )


def _start_key(
    cptr: IntArray, anchor: IntArray, cnode: IntArray, new_id: IntArray, n: int
) -> IntArray:
    """Return the kept number each chain starts from (a hanging chain: its anchor chain's).

    A hanging chain comes after the chain it hangs in, so each round settles one more level.
    """
    chain_of = np.full(n, -1, dtype=np.int64)
    chain_of[cnode] = np.repeat(np.arange(anchor.size, dtype=np.int64), np.diff(cptr))
    key = new_id[anchor]
    pending = np.flatnonzero(key < 0)
    while pending.size:
        key[pending] = key[chain_of[anchor[pending]]]
        pending = pending[key[pending] < 0]
    return key


def _segments(start: npt.NDArray[Any], length: npt.NDArray[Any]) -> IntArray:
    """Concatenate the ranges ``start[i] : start[i] + length[i]``."""
    total = int(length.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(start - np.concatenate([[0], np.cumsum(length)[:-1]]), length)
    return (np.arange(total, dtype=np.int64) + offsets).astype(np.int64)
