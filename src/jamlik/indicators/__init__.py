"""jamlik.indicators."""

# --- equity, segregation and supply-demand (FCA) indicators ---
from jamlik.indicators.equity import (
    EquityIndices,
    concentration_curve,
    concentration_index,
    equity_indices,
    group_equity,
    lorenz_curve,
    theil_decomposition,
)
from jamlik.indicators.fca import (
    StepWeights,
    costs_from_matrix,
    crow_fly_costs,
    floating_catchment,
    parse_step_weights,
    weighted_catchment,
)
from jamlik.indicators.segregation import (
    MultigroupIndices,
    SegregationIndices,
    multigroup_indices,
    segregation_by,
    segregation_indices,
    spatial_multigroup_indices,
    spatial_segregation_indices,
)
from jamlik.indicators.segregation_inference import (
    SegregationChange,
    segregation_change,
    segregation_trend,
)

__all__ = [
    "EquityIndices",
    "MultigroupIndices",
    "SegregationChange",
    "SegregationIndices",
    "StepWeights",
    "concentration_curve",
    "concentration_index",
    "costs_from_matrix",
    "crow_fly_costs",
    "equity_indices",
    "floating_catchment",
    "group_equity",
    "lorenz_curve",
    "multigroup_indices",
    "parse_step_weights",
    "segregation_by",
    "segregation_change",
    "segregation_indices",
    "segregation_trend",
    "spatial_multigroup_indices",
    "spatial_segregation_indices",
    "theil_decomposition",
    "weighted_catchment",
]
