"""Routing: compiled bounded searches that aggregate accessibility as they go; decay functions.

Public entry points: :func:`accessibility` (nearest, counts within cutoffs and decayed sums for
every origin), :func:`travel_costs` (a small origin × destination cost matrix) and the decay
functions of :mod:`jamlik.routing.decay`.
"""

from jamlik.routing.decay import (
    DecayFunction,
    ExponentialDecay,
    GaussianDecay,
    LinearDecay,
    LogisticDecay,
    StepDecay,
)
from jamlik.routing.engine import DEFAULT_CUTOFFS, AccessResult, accessibility, travel_costs

__all__ = [
    "DEFAULT_CUTOFFS",
    "AccessResult",
    "DecayFunction",
    "ExponentialDecay",
    "GaussianDecay",
    "LinearDecay",
    "LogisticDecay",
    "StepDecay",
    "accessibility",
    "travel_costs",
]
