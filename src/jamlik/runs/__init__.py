"""Runs: the one layer that chains stages — a pack (later a pack plus a plan) in, a result out.

Each run loads what it needs from a pack (:mod:`jamlik.ingest`), builds networks
(:mod:`jamlik.networks`), routes (:mod:`jamlik.routing`) and applies the formulas of
:mod:`jamlik.indicators`, returning a frozen result dataclass. The CLI and the web app call one
run and write or show its result; they hold no analysis logic.

* :mod:`~jamlik.runs.inputs`: residents on the network, destination seeds (shared by all runs);
* :mod:`~jamlik.runs.access`: walk/bike access of every resident (:func:`compute_pack_access`);
* :mod:`~jamlik.runs.access_layers`: its tidy outputs (areas, a grid, long tables);
* :mod:`~jamlik.runs.transit_access`: transit access by hour and day type;
* :mod:`~jamlik.runs.travel_times`, :mod:`~jamlik.runs.transit_times`: OD tables;
* :mod:`~jamlik.runs.sdg`: SDG 11.2.1; :mod:`~jamlik.runs.cohesion`: cohesion;
* :mod:`~jamlik.runs.vulnerability`, :mod:`~jamlik.runs.targets`: vulnerability and targets.
"""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "edit_feed": "jamlik.runs.scenario_transit",
    "place_scenario": "jamlik.runs.scenario",
    "AccessOptions": "jamlik.runs.access",
    "CohesionOptions": "jamlik.runs.cohesion",
    "DayType": "jamlik.runs.transit_access",
    "PackAccess": "jamlik.runs.access",
    "PackCohesion": "jamlik.runs.cohesion",
    "SDGResult": "jamlik.runs.sdg",
    "StopAccess": "jamlik.runs.sdg",
    "TargetRun": "jamlik.runs.targets",
    "TransitAccess": "jamlik.runs.transit_access",
    "TransitAccessOptions": "jamlik.runs.transit_access",
    "TransitTimes": "jamlik.runs.transit_times",
    "co_accessibility": "jamlik.runs.cohesion",
    "compute_pack_access": "jamlik.runs.access",
    "compute_pack_cohesion": "jamlik.runs.cohesion",
    "compute_transit_access": "jamlik.runs.transit_access",
    "convenient_access": "jamlik.runs.sdg",
    "destination_seeds": "jamlik.runs.inputs",
    "load_targets": "jamlik.runs.targets",
    "load_vulnerability_config": "jamlik.runs.vulnerability",
    "od_travel_times": "jamlik.runs.travel_times",
    "open_travel_times": "jamlik.runs.transit_access",
    "pack_residents": "jamlik.runs.inputs",
    "representative_dates": "jamlik.runs.transit_access",
    "result_summary": "jamlik.runs.sdg",
    "run_targets": "jamlik.runs.targets",
    "run_vulnerability": "jamlik.runs.vulnerability",
    "sdg_11_2_1": "jamlik.runs.sdg",
    "sdg_shares": "jamlik.runs.sdg",
    "transit_od_times": "jamlik.runs.transit_times",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
