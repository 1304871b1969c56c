"""Scenarios: plans as changes to a pack, checked, run and compared with today.

The scenario file's models live in :mod:`jamlik.ingest.scenario` (a scenario is input, like a
pack); this package checks a scenario against its pack and compares runs.
"""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "MAX_LINK_SNAP_M": "jamlik.scenarios.check",
    "check_scenario": "jamlik.scenarios.check",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
