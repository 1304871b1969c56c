"""Segregation indices (single-group, multigroup, spatial) and their inference over time."""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "MultigroupIndices": "jamlik.indicators.segregation.indices",
    "SegregationChange": "jamlik.indicators.segregation.inference",
    "SegregationIndices": "jamlik.indicators.segregation.indices",
    "align_areas": "jamlik.indicators.segregation.indices",
    "composition_counterfactual": "jamlik.indicators.segregation.inference",
    "contiguity_matrix": "jamlik.indicators.segregation.indices",
    "decompose_change": "jamlik.indicators.segregation.inference",
    "local_environment": "jamlik.indicators.segregation.indices",
    "multigroup_indices": "jamlik.indicators.segregation.indices",
    "random_label_null": "jamlik.indicators.segregation.inference",
    "segregation_by": "jamlik.indicators.segregation.indices",
    "segregation_change": "jamlik.indicators.segregation.inference",
    "segregation_indices": "jamlik.indicators.segregation.indices",
    "segregation_trend": "jamlik.indicators.segregation.inference",
    "spatial_dissimilarity": "jamlik.indicators.segregation.indices",
    "spatial_multigroup_indices": "jamlik.indicators.segregation.indices",
    "spatial_segregation_indices": "jamlik.indicators.segregation.indices",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
