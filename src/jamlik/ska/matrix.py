"""The SKA matrix: aspects × scales × perspectives, each cell + / 0 / − with its evidence.

Göteborg's social impact assessment (SKA) asks, early in a detailed plan, how the plan changes
*sammanhållen stad, samspel, vardagsliv, identitet, hälsa och säkerhet* at each scale (building
or place, neighbourhood, district, whole city, region), with a child perspective (BKA) and, in
the region's labs, a senior perspective. This module fills the cells that numbers can inform and
marks the others for the planner's own assessment, never guessing.

Rules a cell follows (the thresholds live in ``aspects.toml``, editable)
-----------------------------------------------------------------------
For the residents living today at the scale's nodes, weighted by the perspective's group
(children ``age_6_15``, seniors ``age_65_plus``; everyone when the pack has no such group, with a
note), and the perspective's travel profile:

* for each indicator of the aspect, the mean before and after over the *same* residents (travel
  times over those with access in both states, and the number who gain or lose access);
* an indicator **improves** when its mean time falls by at least ``time_min`` minutes, or access
  appears for someone who had none, or its mean count rises by at least ``count``; it **worsens**
  in the opposite cases;
* the cell is ``+`` when some indicator improves and none worsens, ``−`` when some worsens and none
  improves, ``±`` when both, ``0`` when none changes; ``?`` with fewer than ``min_people``
  residents; ``bedöms`` (own assessment) when the aspect has no indicator or the scale is left to
  the planner.

Each cell's evidence names the indicator, the means before and after, and the people concerned.
Indicators with ``mode = "transit"`` are judged the same way per day type and hour from the
plan's transit comparison (:mod:`jamlik.ska.transit`), when the comparison has one.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jamlik.errors import ConfigError
from jamlik.i18n import format_number, t
from jamlik.scenarios.transit import TransitComparison
from jamlik.ska._judge import combine, evidence_text, judge_indicator
from jamlik.ska.transit import TransitCells, transit_column

__all__ = [
    "OWN_ASSESSMENT",
    "SKAMatrix",
    "SKARules",
    "complexity_level",
    "indicator_column",
    "load_ska_rules",
    "ska_matrix",
]

OWN_ASSESSMENT = "bedöms"
Verdict = Literal["+", "0", "−", "±", "?", "bedöms"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorRef(_Model):
    """An access indicator: a category, a measure and the mode that measures it.

    Walking (``mode = "walk"``, the access run): ``nearest_<k>`` (minutes to the k-th nearest)
    or ``count_<T>min``. Public transport (``mode = "transit"``, the transit runs by hour):
    ``nearest`` or ``count_<T>min`` with ``T`` one of the runs' cut-offs; ``category = "*"``
    sums every category of the runs (counts only).
    """

    category: str
    measure: str = Field(pattern=r"^(nearest(_\d+)?|count_\d+(_\d+)?min)$")
    mode: Literal["walk", "transit"] = "walk"

    @model_validator(mode="after")
    def _measure_fits_mode(self) -> IndicatorRef:
        nearest = self.measure.startswith("nearest")
        if self.mode == "walk" and self.measure == "nearest":
            raise ValueError(t("ska_matrix.walk_nearest_rank"))
        if self.mode == "transit" and nearest and self.measure != "nearest":
            raise ValueError(t("ska_matrix.transit_nearest"))
        if self.category == "*" and (self.mode != "transit" or nearest):
            raise ValueError(t("ska_matrix.every_category"))
        return self


class Aspect(_Model):
    """An SKA aspect and the indicators that inform it (none: the planner's assessment)."""

    sv: str
    en: str
    indicators: list[IndicatorRef] = Field(default_factory=list)


class Scale(_Model):
    """A scale: residents within ``radius_m`` of the changes, of the changed areas, or all."""

    sv: str
    en: str
    radius_m: float | None = Field(default=None, ge=0)
    areas: bool = False
    everyone: bool = False
    own_assessment: bool = False


class Perspective(_Model):
    """Whose view: a travel profile and the population group that weights it."""

    sv: str
    en: str
    profile: str
    group: str


class Thresholds(_Model):
    """Changes smaller than these count as no change (``0``)."""

    time_min: float = Field(default=1.0, gt=0)
    count: float = Field(default=0.5, gt=0)
    min_people: int = Field(default=20, ge=0)


class SKARules(_Model):
    """The content of ``aspects.toml``."""

    rules: Thresholds = Field(default_factory=Thresholds)
    aspects: dict[str, Aspect]
    scales: dict[str, Scale]
    perspectives: dict[str, Perspective]


def load_ska_rules(path: str | Path | None = None) -> SKARules:
    """Read an SKA rules file (``None``: the bundled ``aspects.toml``).

    Raises
    ------
    ConfigError
        If the file is not TOML or a key is missing or invalid (named in the message).
    """
    if path is None:
        text = resources.files(__package__).joinpath("aspects.toml").read_text(encoding="utf-8")
        label = t("ska_matrix.bundled")
    else:
        label = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(t("ska_matrix.unreadable", label=label, reason=exc)) from None
    try:
        return SKARules.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(t("ska_matrix.not_toml", label=label, reason=exc)) from None
    except ValidationError as exc:
        # A rule's own check reads as its text, without pydantic's "Value error, " in front.
        parts = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise ConfigError(f"{label}: " + "; ".join(parts)) from None


def indicator_column(ref: IndicatorRef, profile: str) -> str:
    """Column of the access run's per-origin table for ``ref`` and ``profile``."""
    unit = "_min" if ref.measure.startswith("nearest") else ""
    return f"{ref.category}_{ref.measure}{unit}_{profile}"


@dataclass(frozen=True)
class SKAMatrix:
    """The filled matrix.

    Attributes
    ----------
    cells
        One row per aspect × scale × perspective: ``aspect, scale, perspective, verdict,
        evidence`` (plain language, ``; ``-separated), ``people`` and ``indicators``.
    indicators
        One row per cell × indicator (× day type and hour for transit): ``aspect, scale,
        perspective, indicator, mode, before, after, delta, gained_access, lost_access, people,
        verdict``; transit rows also ``day_type, hour, gain, loss`` (people).
    notes
        What was assumed or left out.
    """

    cells: pd.DataFrame
    indicators: pd.DataFrame
    notes: tuple[str, ...]


def ska_matrix(
    before: pd.DataFrame,
    after: pd.DataFrame,
    residents: pd.DataFrame,
    scale_nodes: Mapping[str, np.ndarray | None],
    *,
    rules: SKARules | None = None,
    language: str | None = None,
    transit: TransitComparison | None = None,
    area_names: Mapping[str, str] | None = None,
) -> SKAMatrix:
    """Fill the SKA matrix from today's and the plan's per-origin access.

    Parameters
    ----------
    before, after
        Per-origin indicators (index = node) of today and of the plan.
    residents
        Today's residents: ``node`` and group columns (the people whose change is judged).
    scale_nodes
        For each scale of the rules, the nodes of its residents (``None``: everyone); a scale
        missing here, or marked ``own_assessment``, is left to the planner.
    transit
        The plan's transit comparison per resident: its indicators (``mode = "transit"``) are
        judged as :mod:`jamlik.ska.transit` says; without it they are left out.
    area_names
        Area names for the transit evidence (where the people gaining or losing live).
    """
    rules = rules or load_ska_rules()
    notes: list[str] = []
    cells: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    node = residents["node"].to_numpy()
    by_transit = (
        TransitCells(transit, residents, area_names=area_names) if transit is not None else None
    )

    @functools.cache
    def _aligned(column: str) -> tuple[np.ndarray, np.ndarray]:
        # One indicator serves many cells (scales x perspectives): align it with residents once.
        x0 = before[column].reindex(node).to_numpy(dtype=np.float64)
        return x0, after[column].reindex(node).to_numpy(dtype=np.float64)

    for p_key, perspective in rules.perspectives.items():
        group = perspective.group
        if group not in residents.columns:
            notes.append(t("ska.note_no_group", language, perspective=p_key, group=group))
            group = "pop_total"
        weight_all = residents[group].to_numpy(dtype=np.float64)
        transit_profile = perspective.profile
        used_profile = transit_profile
        if by_transit is not None and by_transit.profile(transit_profile) != transit_profile:
            used_profile = by_transit.profile(transit_profile)
            notes.append(
                t("ska.note_transit_profile", language, perspective=p_key,
                  profile=transit_profile, used=used_profile)
            )  # fmt: skip
        for s_key, scale in rules.scales.items():
            nodes = scale_nodes.get(s_key, "missing")
            at_scale = (
                None
                if scale.own_assessment or isinstance(nodes, str)
                else (np.ones(node.size, dtype=bool) if nodes is None else np.isin(node, nodes))
            )
            for a_key, aspect in rules.aspects.items():
                base = {"aspect": a_key, "scale": s_key, "perspective": p_key}
                walk_refs = [r for r in aspect.indicators if r.mode == "walk"]
                columns = [indicator_column(r, perspective.profile) for r in walk_refs]
                columns = [c for c in columns if c in before.columns and c in after.columns]
                transit_refs = [
                    r
                    for r in aspect.indicators
                    if r.mode == "transit" and by_transit is not None and by_transit.has(r)
                ]
                listed = ", ".join(
                    [*columns, *(f"{transit_column(r)}_{used_profile}" for r in transit_refs)]
                )
                if at_scale is None or not (columns or transit_refs):
                    cells.append(
                        {
                            **base,
                            "verdict": OWN_ASSESSMENT,
                            "evidence": "",
                            "people": np.nan,
                            "indicators": listed,
                        }
                    )
                    continue
                w = np.where(at_scale, weight_all, 0.0)
                people = float(w.sum())
                if people < rules.rules.min_people:
                    cells.append(
                        {
                            **base,
                            "verdict": "?",
                            "people": people,
                            "evidence": t(
                                "ska.too_few",
                                language,
                                people=format_number(people, language=language),
                            ),
                            "indicators": listed,
                        }
                    )
                    continue
                verdicts: list[str] = []
                texts: list[str] = []
                for column in columns:
                    x0, x1 = _aligned(column)
                    row: dict[str, Any] = {
                        **base, "indicator": column, "mode": "walk", "people": people,
                    }  # fmt: skip
                    row.update(
                        judge_indicator(
                            "_nearest_" in column,
                            x0,
                            x1,
                            w,
                            time_min=rules.rules.time_min,
                            count=rules.rules.count,
                        )  # fmt: skip
                    )
                    details.append(row)
                    verdicts.append(row["verdict"])
                    if row["verdict"] != "0":
                        key = "ska.evidence_time" if "_nearest_" in column else "ska.evidence_count"
                        texts.append(evidence_text(key, row, language))
                for ref in transit_refs:
                    assert by_transit is not None
                    rows, verdict, text = by_transit.judge(
                        ref, transit_profile, w, rules.rules, language
                    )
                    details.extend({**base, "mode": "transit", **r} for r in rows)
                    verdicts.append(verdict)
                    if text:
                        texts.append(text)
                cells.append(
                    {
                        **base,
                        "verdict": combine(verdicts),
                        "evidence": "; ".join(texts) or t("ska.no_change", language),
                        "people": people,
                        "indicators": listed,
                    }
                )
    return SKAMatrix(
        cells=pd.DataFrame(cells),
        indicators=pd.DataFrame(details),
        notes=tuple(dict.fromkeys(notes)),
    )


def complexity_level(
    *, dwellings: int, removed_dwellings: int, street_changes: int, transit_changes: int
) -> tuple[int, str]:
    """Suggested social complexity level (1-3) of a plan, and why.

    Level 3 when the plan displaces residents or adds more than 1,000 dwellings; level 2 when it
    adds more than 100 dwellings or changes streets or public transport; level 1 otherwise.
    The planner decides; this is a starting point stated as a rule.
    """
    if removed_dwellings > 0 or dwellings > 1000:
        return 3, t("ska.level3", dwellings=dwellings, removed=removed_dwellings)
    if dwellings > 100 or street_changes or transit_changes:
        return 2, t(
            "ska.level2", dwellings=dwellings, streets=street_changes, transit=transit_changes
        )
    return 1, t("ska.level1", dwellings=dwellings)
