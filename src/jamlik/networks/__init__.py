"""Street graphs (walk, bike) in CSR form, snapping, and residents placed at origins."""

from jamlik.networks.graph import Graph, graph_from_edges

__all__ = ["Graph", "graph_from_edges"]
