"""Graphs prepared for the search kernels: contracted, renumbered, in the kernels' types.

Preparing a graph (:func:`jamlik.networks.contraction.contract_graph`) costs about as much as
a few hundred searches, so the result is kept per :class:`~jamlik.networks.graph.Graph`
object (the graph is frozen; the entry goes when the graph is garbage-collected).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from jamlik.networks.contraction import ContractedGraph, contract_graph
from jamlik.networks.graph import Graph
from jamlik.routing import _kernels

__all__ = ["Prepared", "prepared", "workspace"]

IndexArray = npt.NDArray[Any]


def index_type(n: int) -> type[np.integer[Any]]:
    """``int32`` node and edge numbers when they fit (less memory traffic), else ``int64``."""
    return np.int32 if n < 2**31 - 1 else np.int64


@dataclass
class Prepared:
    """A contracted graph and its search tuples (forward and reversed).

    ``graph`` keeps the node codes and chains; its own CSR arrays are dropped once the search
    tuples (in the kernels' index type) are built, so each edge is stored twice, not three
    times (about 50 MB on a graph of a million nodes).
    """

    graph: ContractedGraph
    it: type[np.integer[Any]]
    forward: Any
    reverse: Any

    @classmethod
    def build(cls, cg: ContractedGraph, it: type[np.integer[Any]]) -> Prepared:
        """Build both search tuples of ``cg``."""
        fwd = _search_graph(cg, it)
        rev = _search_graph(cg.reversed(), it)
        empty = np.empty(0, dtype=np.int64)
        light = replace(cg, indptr=empty, indices=empty, cost=np.empty(0))
        return cls(light, it, fwd, rev)

    def search_graph(self, *, reverse: bool) -> Any:
        """Return the :class:`~jamlik.routing._kernels.SearchGraph` in search direction."""
        return self.reverse if reverse else self.forward

    def code(self, node: npt.NDArray[np.int64]) -> IndexArray:
        """Seed nodes of the original graph coded for :func:`~jamlik.routing._kernels.search`."""
        out: IndexArray = self.graph.code[node].astype(self.it)
        return out


def _search_graph(cg: ContractedGraph, it: type[np.integer[Any]]) -> Any:
    ncptr, ncids = cg.chain_incidence()
    kptr, kids = cg.chain_children()
    return _kernels.SearchGraph(
        cg.indptr.astype(it),
        cg.indices.astype(it),
        cg.cost,
        cg.chain_ptr.astype(it),
        cg.chain_a.astype(it),
        cg.chain_b.astype(it),
        cg.up,
        cg.down,
        cg.interior_chain.astype(it),
        ncptr.astype(it),
        ncids.astype(it),
        kptr.astype(it),
        kids.astype(it),
    )


_CACHE: dict[tuple[int, bool], tuple[weakref.ref[Graph], Prepared]] = {}


def prepared(graph: Graph, *, contract: bool) -> Prepared:
    """Return the prepared form of ``graph`` (cached per graph object)."""
    key = (id(graph), contract)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is graph:
        return hit[1]
    cg = contract_graph(graph, chains=contract)
    prep = Prepared.build(cg, index_type(graph.n_edges + graph.n_nodes))
    _CACHE[key] = (weakref.ref(graph, lambda _ref: _CACHE.pop(key, None)), prep)
    return prep


def n_threads(threads: int | None, n_tasks: int) -> int:
    """Threads to use: ``threads`` or numba's count, at most one per task and at least 1."""
    want = numba.get_num_threads() if threads is None else int(threads)
    return max(1, min(want, n_tasks))


def workspace(prep: Prepared, n_seeds: int, threads: int) -> Any:
    """Scratch arrays of ``threads`` searches (a leading thread axis), between-searches state."""
    cg, it = prep.graph, prep.it
    n_kept, n_int, n_ch = cg.n_kept, cg.interior_node.size, cg.n_chains
    heap = prep.forward.indices.size + 2 * max(n_seeds, 1) + 1
    return _kernels.Workspace(
        np.full((threads, n_kept), np.inf),
        np.empty((threads, n_kept), dtype=it),
        np.empty((threads, heap)),
        np.empty((threads, heap), dtype=it),
        np.full((threads, n_int), np.inf),
        np.zeros((threads, n_ch), dtype=np.int64),
        np.empty((threads, n_ch), dtype=it),
    )
