"""Indicators: access, equity, segregation, vulnerability, targets, housing, cohesion, transit.

Pure functions over tables and arrays, plus the pack-wide runs (``compute_pack_access``,
``compute_pack_cohesion``, ``compute_transit_access``, ``sdg_11_2_1``) that chain the stages.
"""

from jamlik.indicators.access import aggregate_access, share_within
from jamlik.indicators.cohesion import area_detour, co_accessibility, local_centrality
from jamlik.indicators.cohesion_pack import CohesionOptions, PackCohesion, compute_pack_cohesion

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
from jamlik.indicators.pack_access import AccessOptions, PackAccess, compute_pack_access
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
from jamlik.indicators.transit_access import TransitAccessOptions, compute_transit_access
from jamlik.indicators.transit_sdg import SDGResult, sdg_11_2_1
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
    "AccessOptions",
    "CohesionOptions",
    "PackAccess",
    "PackCohesion",
    "SDGResult",
    "TransitAccessOptions",
    "aggregate_access",
    "area_detour",
    "co_accessibility",
    "compute_pack_access",
    "compute_pack_cohesion",
    "compute_transit_access",
    "local_centrality",
    "sdg_11_2_1",
    "share_within",
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
