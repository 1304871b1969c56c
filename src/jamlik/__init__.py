"""jamlik: equal access (jämlik tillgång), segregation and social impact assessment.

The package is laid out as the pipeline it runs::

    ingest → networks → routing → indicators → runs → report → cli   (storage beside)

The entry points below are imported lazily, so ``import jamlik`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_ENTRY_POINTS: dict[str, str] = {
    "load_pack": "jamlik.ingest.pack",
    "check_pack": "jamlik.ingest.pack",
    "read_osm": "jamlik.ingest.osm",
    "read_gtfs": "jamlik.ingest.gtfs",
    "build_street_network": "jamlik.networks.streets",
    "place_population": "jamlik.networks.origins",
    "accessibility": "jamlik.routing.engine",
    "travel_costs": "jamlik.routing.engine",
    "travel_times": "jamlik.routing.raptor",
    "compute_pack_access": "jamlik.runs.access",
    "compute_transit_access": "jamlik.runs.transit_access",
    "sdg_11_2_1": "jamlik.runs.sdg",
    "segregation_indices": "jamlik.indicators.segregation.indices",
    "equity_indices": "jamlik.indicators.equity",
    "floating_catchment": "jamlik.indicators.access.fca",
    "vulnerability_index": "jamlik.indicators.vulnerability.index",
    "track_targets": "jamlik.indicators.vulnerability.targets",
    "compute_pack_cohesion": "jamlik.runs.cohesion",
    "generate_town": "jamlik.datasets.town",
}

__all__ = ["__version__", *_ENTRY_POINTS]


def __getattr__(name: str) -> Any:
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jamlik' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
