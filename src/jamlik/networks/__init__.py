"""Street graphs (walk, bike) in CSR form, snapping, and residents placed at origins.

The names below are imported lazily, so that the routing engine can use :mod:`graph` and
:mod:`seeds` without loading the geometry stack (geopandas, shapely, osmium).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jamlik.networks.graph import Graph, graph_from_edges
    from jamlik.networks.origins import Residents, apportion, place_population
    from jamlik.networks.seeds import Seeds
    from jamlik.networks.snapping import Snapped, area_seeds, point_seeds, snap_points
    from jamlik.networks.streets import StreetNetwork, build_street_network

_WHERE = {
    "Graph": "graph",
    "graph_from_edges": "graph",
    "Residents": "origins",
    "apportion": "origins",
    "place_population": "origins",
    "Seeds": "seeds",
    "Snapped": "snapping",
    "area_seeds": "snapping",
    "point_seeds": "snapping",
    "snap_points": "snapping",
    "StreetNetwork": "streets",
    "build_street_network": "streets",
}

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


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"jamlik.networks.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'jamlik.networks' has no attribute {name!r}")
