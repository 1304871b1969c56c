"""Transit cells of the SKA matrix: a plan's lines, headways and closed stops, per resident.

An aspect's indicator with ``mode = "transit"`` (``aspects.toml``) is judged from a
:class:`~jamlik.scenarios.transit.TransitComparison`: the same residents, scale and perspective
as the walk indicators of the cell, each resident with the transit values of its routed origin.

Rules a transit indicator follows
---------------------------------
* For every day type and hour compared (the perspective's travel profile; adult, with a note,
  when the transit runs lack it) the indicator is judged as a walk indicator is
  (:func:`jamlik.ska._judge.judge_indicator`: the mean time over those with access in both
  states falls or rises by at least ``time_min``, access appears or disappears, the mean count
  rises or falls by at least ``count``). The indicator's verdict combines the hours: ``+`` when
  some hour improves and none worsens, ``−`` the reverse, ``±`` both.
* People who **gain** or **lose** at an hour are counted as the comparison's winners and losers
  (its tolerances), weighted by the perspective's group, among the residents at the scale.
* The **evidence** names the indicator, the plan's transit entries (line names, headway
  changes, closures), the hours that changed, the hour that changed most with its means before
  and after and its people gaining and losing, and the areas where most of them live.
* ``category = "*"`` (counts only) sums the places of every category of the transit runs
  within the cut-off: how much of the town a home reaches by public transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jamlik.i18n import format_number, t
from jamlik.scenarios.transit import TransitComparison, entry_label
from jamlik.ska._judge import combine, evidence_text, judge_indicator

if TYPE_CHECKING:
    from jamlik.ska.matrix import IndicatorRef, Thresholds

__all__ = ["TransitCells", "transit_column"]

_FALLBACK_PROFILE = "adult"


def transit_column(ref: IndicatorRef) -> str:
    """Column of the transit run for ``ref`` (``all_...`` for ``category = "*"``)."""
    category = "all" if ref.category == "*" else ref.category
    if ref.measure == "nearest":
        return f"{category}_nearest_min_transit"
    return f"{category}_{ref.measure}_transit"


def gain_loss(
    timed: bool, x0: np.ndarray, x1: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of who gains and who loses, as :func:`~jamlik.indicators.access.winners_losers`."""
    if timed:
        has0, has1 = np.isfinite(x0), np.isfinite(x1)
        with np.errstate(invalid="ignore"):
            faster = has0 & has1 & (x1 < x0 - tolerance)
            slower = has0 & has1 & (x1 > x0 + tolerance)
        return faster | (~has0 & has1), slower | (has0 & ~has1)
    a, b = np.nan_to_num(x0), np.nan_to_num(x1)
    return b > a + tolerance, b < a - tolerance


class TransitCells:
    """Judges the transit indicators of the cells for one comparison and its residents.

    Parameters
    ----------
    transit
        The per-resident transit comparison.
    residents
        The residents of the matrix (``node``, ``area_id``, groups), in the matrix's row order.
    area_names
        Names of the areas for the evidence (an area id stands for itself when missing).
    """

    def __init__(
        self,
        transit: TransitComparison,
        residents: pd.DataFrame,
        *,
        area_names: Mapping[str, str] | None = None,
    ) -> None:
        self.transit = transit
        origin = transit.origins_of(residents["node"].to_numpy())
        self.placed = origin >= 0
        self.origins, pos = np.unique(origin[self.placed], return_inverse=True)
        self.pos = np.full(origin.size, -1, dtype=np.int64)
        self.pos[self.placed] = pos
        self.area = (
            residents["area_id"].astype(str).to_numpy()
            if "area_id" in residents.columns
            else np.full(origin.size, "", dtype=object)
        )
        self.area_names = dict(area_names or {})
        self._cache: dict[tuple[str, str, str, str, int], np.ndarray] = {}

    def has(self, ref: IndicatorRef) -> bool:
        """Whether the transit runs hold ``ref``'s values."""
        if not self.transit.before:
            return False
        return bool(self._columns(next(iter(self.transit.before.values())), ref))

    def profile(self, wanted: str) -> str:
        """Return the profile judged for a perspective's ``wanted`` profile (adult when missing)."""
        profiles = self.transit.profiles
        return wanted if wanted in profiles else _FALLBACK_PROFILE

    @staticmethod
    def _columns(frame: pd.DataFrame, ref: IndicatorRef) -> list[str]:
        if ref.category == "*":
            return [c for c in frame.columns if c.endswith(f"_{ref.measure}_transit")]
        column = transit_column(ref)
        return [column] if column in frame.columns else []

    def _values(self, state: str, ref: IndicatorRef, key: tuple[str, str, int]) -> np.ndarray:
        cache_key = (state, transit_column(ref), *key)
        if cache_key not in self._cache:
            frame = (self.transit.before if state == "before" else self.transit.after)[key]
            part = frame[self._columns(frame, ref)].reindex(self.origins)
            values = part.to_numpy(dtype=np.float64)
            self._cache[cache_key] = (
                np.nansum(values, axis=1) if ref.category == "*" else values[:, 0]
            )
        return self._cache[cache_key]

    def judge(
        self,
        ref: IndicatorRef,
        profile: str,
        w: np.ndarray,
        rules: Thresholds,
        language: str | None,
    ) -> tuple[list[dict[str, Any]], str, str]:
        """Judge ``ref`` for residents weighted by ``w`` (0 outside the cell's scale).

        Returns the rows of every hour (``indicator, day_type, hour, before, after, delta,
        gained_access, lost_access, gain, loss, people, verdict``), the indicator's verdict
        and its evidence (empty when ``0``).
        """
        used = self.profile(profile)
        timed = ref.measure == "nearest"
        tolerance = self.transit.tolerance_min if timed else self.transit.tolerance_count
        weight = np.bincount(
            self.pos[self.placed], weights=w[self.placed], minlength=self.origins.size
        )
        column = f"{transit_column(ref)}_{used}"
        rows: list[dict[str, Any]] = []
        masks: list[tuple[np.ndarray, np.ndarray]] = []
        for key in self.transit.keys:
            if key[0] != used:
                continue
            x0, x1 = self._values("before", ref, key), self._values("after", ref, key)
            row: dict[str, Any] = {"indicator": column, "day_type": key[1], "hour": key[2]}
            row.update(
                judge_indicator(timed, x0, x1, weight, time_min=rules.time_min, count=rules.count)
            )
            gain, loss = gain_loss(timed, x0, x1, tolerance)
            row.update(
                gain=float(weight[gain].sum()),
                loss=float(weight[loss].sum()),
                people=float(weight.sum()),
            )
            rows.append(row)
            masks.append((gain, loss))
        verdict = combine([r["verdict"] for r in rows])
        if verdict == "0" or not rows:
            return rows, verdict, ""
        return rows, verdict, self._evidence(rows, masks, w, timed, verdict, language)

    def _evidence(
        self,
        rows: list[dict[str, Any]],
        masks: list[tuple[np.ndarray, np.ndarray]],
        w: np.ndarray,
        timed: bool,
        verdict: str,
        language: str | None,
    ) -> str:
        changed = [i for i, r in enumerate(rows) if r["verdict"] != "0"]
        size = np.array(
            [abs(rows[i]["delta"]) if np.isfinite(rows[i]["delta"]) else 0.0 for i in changed]
        )
        moved = np.array([rows[i]["gain"] + rows[i]["loss"] for i in changed])
        top = changed[int(np.lexsort((-moved, -size))[0])]
        row = rows[top]
        by_day: dict[str, list[str]] = {}
        for i in changed:
            by_day.setdefault(rows[i]["day_type"], []).append(f"{rows[i]['hour']:02d}")
        hours = "; ".join(_when(day, ", ".join(hs), language) for day, hs in by_day.items())
        text = evidence_text(
            "ska.evidence_transit_time" if timed else "ska.evidence_transit_count",
            row,
            language,
            changes=", ".join(entry_label(k, n, language) for k, n in self.transit.entries) or "-",
            hours=hours,
            when=_when(row["day_type"], row["hour"], language),
            gain=format_number(row["gain"], language=language),
            loss=format_number(row["loss"], language=language),
        )
        gain, loss = masks[top]
        mask = gain if verdict != "−" else loss
        who = np.zeros(self.pos.size, dtype=bool)
        who[self.placed] = mask[self.pos[self.placed]]
        people = pd.Series(np.where(who, w, 0.0)).groupby(self.area).sum()
        people = people[people > 0].sort_values(ascending=False, kind="stable").head(3)
        if not people.empty:
            places = ", ".join(self.area_names.get(a, a) or a for a in people.index)
            text += t("ska.evidence_places", language, places=places)
        return text


def _when(day_type: str, hours: str | int, language: str | None) -> str:
    text = f"{hours:02d}" if isinstance(hours, int) else hours
    return f"{t('ska.day.' + day_type, language)} {text}"
