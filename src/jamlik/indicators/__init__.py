"""jamlik.indicators."""

# --- equity, segregation, supply-demand (FCA), housing, targets and vulnerability ---
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
from jamlik.indicators.housing import housing_indicators, tenure_change, tenure_mix
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
from jamlik.indicators.targets import (
    Target,
    TargetFile,
    TargetProgress,
    load_targets,
    target_chart,
    track_target,
    track_targets,
)
from jamlik.indicators.vulnerability import (
    DEFAULT_VULNERABILITY_CONFIG,
    VulnerabilityConfig,
    VulnerabilityIndicator,
    VulnerabilityResult,
    concentration_table,
    vulnerability_by_year,
    vulnerability_index,
)
from jamlik.indicators.vulnerability_report import VulnerabilityReport, assess_vulnerability
from jamlik.indicators.vulnerability_spatial import (
    TypologyAgreement,
    largest_overlap_class,
    typology_agreement,
    vulnerability_hotspots,
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
    # vulnerability, targets, housing
    "DEFAULT_VULNERABILITY_CONFIG",
    "Target",
    "TargetFile",
    "TargetProgress",
    "TypologyAgreement",
    "VulnerabilityConfig",
    "VulnerabilityIndicator",
    "VulnerabilityReport",
    "VulnerabilityResult",
    "assess_vulnerability",
    "concentration_table",
    "housing_indicators",
    "largest_overlap_class",
    "load_targets",
    "target_chart",
    "tenure_change",
    "tenure_mix",
    "track_target",
    "track_targets",
    "typology_agreement",
    "vulnerability_by_year",
    "vulnerability_hotspots",
    "vulnerability_index",
]
