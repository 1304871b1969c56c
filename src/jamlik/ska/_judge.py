"""The judging kernel of the SKA matrix: one indicator's change over weighted residents.

Plain arrays in and out, shared by the walk cells (:mod:`jamlik.ska.matrix`) and the transit
cells (:mod:`jamlik.ska.transit`), so that both follow the same thresholds and state their
evidence alike (:func:`evidence_text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jamlik.i18n import format_number, t


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Mean of the finite ``values`` with positive weight (NaN when there are none)."""
    ok = np.isfinite(values) & (weights > 0)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() else float("nan")


def judge_indicator(
    timed: bool,
    x0: np.ndarray,
    x1: np.ndarray,
    w: np.ndarray,
    *,
    time_min: float,
    count: float,
) -> dict[str, Any]:
    """Means before and after, access gained and lost, and the verdict of one indicator.

    Times (``timed``) are compared over the residents with access in both states; an indicator
    improves when its mean falls by at least ``time_min`` or access appears for someone, and
    worsens in the opposite cases. Counts improve when their mean rises by at least ``count``.
    """
    if timed:
        both = np.isfinite(x0) & np.isfinite(x1)
        before = weighted_mean(np.where(both, x0, np.nan), w)
        after = weighted_mean(np.where(both, x1, np.nan), w)
        gained = float(w[~np.isfinite(x0) & np.isfinite(x1)].sum())
        lost = float(w[np.isfinite(x0) & ~np.isfinite(x1)].sum())
        delta = after - before
        better = gained > 0 or (np.isfinite(delta) and delta <= -time_min)
        worse = lost > 0 or (np.isfinite(delta) and delta >= time_min)
    else:
        before, after = weighted_mean(np.nan_to_num(x0), w), weighted_mean(np.nan_to_num(x1), w)
        gained = lost = 0.0
        delta = after - before
        better, worse = delta >= count, delta <= -count
    verdict = "±" if better and worse else "+" if better else "−" if worse else "0"
    return {
        "before": before,
        "after": after,
        "delta": delta,
        "gained_access": gained,
        "lost_access": lost,
        "verdict": verdict,
    }


def combine(verdicts: Sequence[str]) -> str:
    """``+`` when something improves and nothing worsens, ``−`` the reverse, ``±`` both."""
    better = any(v in ("+", "±") for v in verdicts)
    worse = any(v in ("−", "±") for v in verdicts)
    return "±" if better and worse else "+" if better else "−" if worse else "0"


def evidence_text(key: str, row: Mapping[str, Any], language: str | None, **extra: object) -> str:
    """Evidence ``key`` of the catalogue with a judged row's means, change and people.

    ``row`` holds ``indicator, before, after, delta, people, gained_access, lost_access``;
    access gained or lost is appended when there is any.
    """
    delta = row["delta"]
    text = t(
        key,
        language,
        indicator=row["indicator"],
        before=format_number(row["before"], 1, language=language),
        after=format_number(row["after"], 1, language=language),
        delta=("+" if delta > 0 else "") + format_number(delta, 1, language=language),
        people=format_number(row["people"], language=language),
        **extra,
    )
    if row["gained_access"] or row["lost_access"]:
        text += t(
            "ska.evidence_access",
            language,
            gained=format_number(row["gained_access"], language=language),
            lost=format_number(row["lost_access"], language=language),
        )
    return text
