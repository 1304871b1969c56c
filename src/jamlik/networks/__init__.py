"""Street graphs (walk, bike) in CSR form, snapping, and residents placed at origins."""

from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.origins import Residents, apportion, place_population
from jamlik.networks.snapping import Seeds, Snapped, area_seeds, point_seeds, snap_points
from jamlik.networks.streets import StreetNetwork, build_street_network

__all__ = [
    "Graph",
    "Residents",
    "Seeds",
    "Snapped",
    "StreetNetwork",
    "apportion",
    "area_seeds",
    "build_street_network",
    "graph_from_edges",
    "place_population",
    "point_seeds",
    "snap_points",
]
