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
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jamlik.errors import ConfigError
from jamlik.i18n import format_number, t

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
    """An access indicator: a category and a measure (``nearest_1`` or ``count_15min``)."""

    category: str
    measure: str = Field(pattern=r"^(nearest_\d+|count_\d+(_\d+)?min)$")


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
        label = "aspects.toml (bundled)"
    else:
        label = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{label}: cannot read the SKA rules ({exc})") from None
    try:
        return SKARules.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: not valid TOML ({exc})") from None
    except ValidationError as exc:
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
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
        One row per cell × indicator: ``aspect, scale, perspective, indicator, before, after,
        delta, gained_access, lost_access, people, verdict``.
    notes
        What was assumed or left out.
    """

    cells: pd.DataFrame
    indicators: pd.DataFrame
    notes: tuple[str, ...]


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values) & (weights > 0)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() else float("nan")


def _judge_indicator(
    column: str, x0: np.ndarray, x1: np.ndarray, w: np.ndarray, rules: Thresholds
) -> dict[str, Any]:
    timed = "_nearest_" in column
    if timed:
        both = np.isfinite(x0) & np.isfinite(x1)
        before, after = _mean(np.where(both, x0, np.nan), w), _mean(np.where(both, x1, np.nan), w)
        gained = float(w[~np.isfinite(x0) & np.isfinite(x1)].sum())
        lost = float(w[np.isfinite(x0) & ~np.isfinite(x1)].sum())
        delta = after - before
        better = gained > 0 or (np.isfinite(delta) and delta <= -rules.time_min)
        worse = lost > 0 or (np.isfinite(delta) and delta >= rules.time_min)
    else:
        before, after = _mean(np.nan_to_num(x0), w), _mean(np.nan_to_num(x1), w)
        gained = lost = 0.0
        delta = after - before
        better, worse = delta >= rules.count, delta <= -rules.count
    verdict = "±" if better and worse else "+" if better else "−" if worse else "0"
    return {
        "before": before,
        "after": after,
        "delta": delta,
        "gained_access": gained,
        "lost_access": lost,
        "verdict": verdict,
    }


def _combine(verdicts: Sequence[str]) -> str:
    better = any(v in ("+", "±") for v in verdicts)
    worse = any(v in ("−", "±") for v in verdicts)
    return "±" if better and worse else "+" if better else "−" if worse else "0"


def _evidence(column: str, row: Mapping[str, Any], language: str | None) -> str:
    key = "ska.evidence_time" if "_nearest_" in column else "ska.evidence_count"
    text = t(
        key,
        language,
        indicator=column,
        before=format_number(row["before"], 1, language=language),
        after=format_number(row["after"], 1, language=language),
        delta=("+" if row["delta"] > 0 else "") + format_number(row["delta"], 1, language=language),
        people=format_number(row["people"], language=language),
    )
    if row["gained_access"] or row["lost_access"]:
        text += t(
            "ska.evidence_access",
            language,
            gained=format_number(row["gained_access"], language=language),
            lost=format_number(row["lost_access"], language=language),
        )
    return text


def ska_matrix(
    before: pd.DataFrame,
    after: pd.DataFrame,
    residents: pd.DataFrame,
    scale_nodes: Mapping[str, np.ndarray | None],
    *,
    rules: SKARules | None = None,
    language: str | None = None,
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
    """
    rules = rules or load_ska_rules()
    notes: list[str] = []
    cells: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    node = residents["node"].to_numpy()

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
        for s_key, scale in rules.scales.items():
            nodes = scale_nodes.get(s_key, "missing")
            at_scale = (
                None
                if scale.own_assessment or isinstance(nodes, str)
                else (np.ones(node.size, dtype=bool) if nodes is None else np.isin(node, nodes))
            )
            for a_key, aspect in rules.aspects.items():
                base = {"aspect": a_key, "scale": s_key, "perspective": p_key}
                columns = [indicator_column(r, perspective.profile) for r in aspect.indicators]
                columns = [c for c in columns if c in before.columns and c in after.columns]
                if at_scale is None or not columns:
                    cells.append(
                        {
                            **base,
                            "verdict": OWN_ASSESSMENT,
                            "evidence": "",
                            "people": np.nan,
                            "indicators": ", ".join(columns),
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
                            "evidence": t("ska.too_few", language, people=f"{people:.0f}"),
                            "indicators": ", ".join(columns),
                        }
                    )
                    continue
                judged: list[dict[str, Any]] = []
                for column in columns:
                    x0, x1 = _aligned(column)
                    row: dict[str, Any] = {**base, "indicator": column, "people": people}
                    row.update(_judge_indicator(column, x0, x1, w, rules.rules))
                    details.append(row)
                    judged.append(row)
                evidence = "; ".join(
                    _evidence(r["indicator"], r, language) for r in judged if r["verdict"] != "0"
                )
                cells.append(
                    {
                        **base,
                        "verdict": _combine([r["verdict"] for r in judged]),
                        "evidence": evidence or t("ska.no_change", language),
                        "people": people,
                        "indicators": ", ".join(columns),
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
