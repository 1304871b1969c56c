"""Access indicators: aggregation to areas and groups, floating catchments, transit service."""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "ALL_AREAS": "jamlik.indicators.access.aggregate",
    "DEFAULT_DETOUR_FACTOR": "jamlik.indicators.access.straight_line",
    "FCAMethod": "jamlik.indicators.access.fca",
    "FrequencyRule": "jamlik.indicators.access.transit_service",
    "HOURS": "jamlik.indicators.access.transit_service",
    "MODE_CAPACITY": "jamlik.indicators.access.transit_service",
    "StepWeights": "jamlik.indicators.access.fca",
    "aggregate_access": "jamlik.indicators.access.aggregate",
    "area_change": "jamlik.indicators.access.change",
    "costs_from_matrix": "jamlik.indicators.access.fca",
    "crow_fly_costs": "jamlik.indicators.access.fca",
    "departure_events": "jamlik.indicators.access.transit_service",
    "departures_per_area": "jamlik.indicators.access.transit_service",
    "departures_per_hour": "jamlik.indicators.access.transit_service",
    "enhanced_two_step_fca": "jamlik.indicators.access.fca",
    "floating_catchment": "jamlik.indicators.access.fca",
    "gap_change": "jamlik.indicators.access.change",
    "gravity_two_step_fca": "jamlik.indicators.access.fca",
    "headways": "jamlik.indicators.access.transit_service",
    "is_time_indicator": "jamlik.indicators.access.aggregate",
    "parse_step_weights": "jamlik.indicators.access.fca",
    "route_modes": "jamlik.indicators.access.transit_service",
    "share_within": "jamlik.indicators.access.aggregate",
    "stop_service": "jamlik.indicators.access.transit_service",
    "straight_line_measures": "jamlik.indicators.access.straight_line",
    "two_step_fca": "jamlik.indicators.access.fca",
    "weighted_catchment": "jamlik.indicators.access.fca",
    "winners_losers": "jamlik.indicators.access.change",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
