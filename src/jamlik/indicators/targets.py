"""Target tracking: "halve vulnerability in the three worst areas by year X".

A target file (TOML) lists targets::

    [[target]]
    name = "low_income_top3"
    indicator = "low_income"          # a statistics column, a vulnerability indicator name,
                                      # or a column of the vulnerability index (flag_count, ...)
    top_k_vulnerable = 3              # or: areas = ["1482R004", "1482R007"]
    baseline_year = 2020
    relative_change = "-50%"          # or: target_value = 0.25
    deadline_year = 2030
    aggregate = "auto"                # auto | pooled | weighted_mean | mean | sum

    [vulnerability]                   # optional: the index used to pick the top-k areas
    flag_percentile = 0.9

The selected areas' values are aggregated per year to one value ``V(y)``: a share indicator
(``column / denominator``) is *pooled* (``sum column / sum denominator``), other statistics are
population-weighted means, columns of the vulnerability index plain means, or as chosen.
An indicator that enters the index inverted (``low_income``) is tracked on its own column (mean
wage income), so "less low income" is a target *above* the baseline.

With baseline ``V0 = V(baseline_year)`` and target ``V* = target_value`` or
``V0 * (1 + relative_change)``:

* **progress** in year *y*: ``P(y) = (V(y) - V0) / (V* - V0)`` (the share of the required change
  achieved; 0 at baseline, 1 when the target is reached, negative when moving away);
* **linear path**: ``L(y) = (y - baseline) / (deadline - baseline)``, the progress a straight
  path to the target would show in year *y*;
* **trend**: ordinary least squares ``V(y) ~ a + b y`` over the observed years from the baseline
  on, projected to the deadline, ``V_hat = a + b * deadline``; **on track** when the projected
  progress ``(V_hat - V0) / (V* - V0) >= 1``. With a single observed year no trend is fitted and
  on-track is undetermined (None). Years missing between the baseline and the latest year are
  skipped by the fit and listed in ``missing_years``.

The top-k areas are the *k* highest vulnerability indices in the baseline year, fixed for all
years (the same places are followed over time).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jamlik._toml import read_toml_file
from jamlik.errors import ConfigError, DataError, UnknownIdError
from jamlik.i18n import t
from jamlik.indicators._validate import require_columns
from jamlik.indicators.vulnerability import (
    DEFAULT_VULNERABILITY_CONFIG,
    VulnerabilityConfig,
    indicator_values,
    vulnerability_by_year,
)

__all__ = [
    "Target",
    "TargetFile",
    "TargetProgress",
    "load_targets",
    "progress_table",
    "target_chart",
    "track_target",
    "track_targets",
]

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

Aggregate = Literal["auto", "pooled", "weighted_mean", "mean", "sum"]
_PERCENT = re.compile(r"^\s*([+\-\u2212]?)\s*(\d+(?:[.,]\d+)?)\s*%\s*$")


class Target(BaseModel):
    """One target: an indicator over some areas, from a baseline year to a deadline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    indicator: str = Field(min_length=1)
    areas: tuple[str, ...] | None = None
    top_k_vulnerable: int | None = Field(default=None, ge=1)
    baseline_year: int
    deadline_year: int
    target_value: float | None = None
    relative_change: float | None = None
    aggregate: Aggregate = "auto"

    @field_validator("relative_change", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        """Accept ``-0.5`` as well as ``"-50%"`` or ``"−50 %"``."""
        if isinstance(value, str):
            match = _PERCENT.match(value)
            if not match:
                raise ValueError(f"{value!r} is neither a number nor a percentage like '-50%'")
            sign = -1.0 if match.group(1) in ("-", "\u2212") else 1.0
            return sign * float(match.group(2).replace(",", ".")) / 100.0
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if (self.areas is None) == (self.top_k_vulnerable is None):
            raise ValueError("give exactly one of 'areas' and 'top_k_vulnerable'")
        if self.areas is not None and not self.areas:
            raise ValueError("'areas' is empty; list at least one area code")
        if (self.target_value is None) == (self.relative_change is None):
            raise ValueError("give exactly one of 'target_value' and 'relative_change'")
        if self.deadline_year <= self.baseline_year:
            raise ValueError(
                f"'deadline_year' ({self.deadline_year}) must be after 'baseline_year' "
                f"({self.baseline_year})"
            )
        return self


class TargetFile(BaseModel):
    """A target file: ``[[target]]`` entries and an optional ``[vulnerability]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: tuple[Target, ...] = Field(min_length=1)
    vulnerability: VulnerabilityConfig | None = None
    source: str = "input"

    @model_validator(mode="after")
    def _unique(self) -> TargetFile:
        names = [tg.name for tg in self.target]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"target names must be unique; repeated: {repeated}")
        return self


def _key(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_targets(path: str | Path) -> TargetFile:
    """Read and validate a target file.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ConfigError
        If it is not TOML or a key is missing or invalid; the message names the file and the key
        (e.g. ``target[0].deadline_year``).
    """
    path = Path(path)
    data = read_toml_file(path, what="target file")
    try:
        return TargetFile.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        parts = [f"key {_key(e['loc'])!r}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{path}: " + "; ".join(parts)) from exc


@dataclass(frozen=True)
class TargetProgress:
    """Progress towards one target (see the module docstring for the formulas).

    ``series`` has one row per observed year from the baseline on: ``year``, ``value``,
    ``progress``, ``linear_path``, ``trend_value``.
    """

    target: Target
    areas: tuple[str, ...]
    baseline_value: float
    target_value: float
    series: pd.DataFrame
    slope_per_year: float
    intercept: float
    projected_value: float
    projected_progress: float
    on_track: bool | None
    missing_years: tuple[int, ...] = ()

    @property
    def latest_progress(self) -> float:
        """Progress in the latest observed year."""
        return float(self.series["progress"].iloc[-1])

    def as_dict(self) -> dict[str, Any]:
        """Plain-data summary for JSON output."""
        tg = self.target
        return {
            "name": tg.name,
            "indicator": tg.indicator,
            "areas": list(self.areas),
            "baseline_year": tg.baseline_year,
            "deadline_year": tg.deadline_year,
            "baseline_value": self.baseline_value,
            "target_value": self.target_value,
            "latest_year": int(self.series["year"].iloc[-1]),
            "latest_value": float(self.series["value"].iloc[-1]),
            "latest_progress": self.latest_progress,
            "slope_per_year": self.slope_per_year,
            "projected_value": self.projected_value,
            "projected_progress": self.projected_progress,
            "on_track": self.on_track,
            "missing_years": list(self.missing_years),
        }


def _resolve(
    statistics: pd.DataFrame,
    target: Target,
    config: VulnerabilityConfig,
    vuln: pd.DataFrame,
    *,
    area_column: str,
    year_column: str,
    source: str,
    key: str,
) -> tuple[pd.DataFrame, str]:
    """Return a long frame (area, year, num, den) and the aggregate actually used."""
    ind = {i.name: i for i in config.usable(list(statistics.columns)).indicators}
    pop = config.population
    if target.indicator in ind:
        spec = ind[target.indicator]
        values = indicator_values(statistics, config=config, source=source)[target.indicator]
        if spec.denominator is not None:
            num, den, default = statistics[spec.column], statistics[spec.denominator], "pooled"
        else:
            num, den, default = values, statistics[pop], "weighted_mean"
        frame = pd.DataFrame({"value": values, "num": num, "den": den})
    elif target.indicator in statistics.columns and target.indicator not in (
        area_column,
        year_column,
    ):
        require_columns(statistics, [pop], source=source)
        vals = pd.to_numeric(statistics[target.indicator], errors="coerce")
        frame = pd.DataFrame({"value": vals, "num": vals, "den": statistics[pop]})
        default = "weighted_mean"
    elif target.indicator in vuln.columns and target.indicator not in (area_column, year_column):
        merged = statistics[[area_column, year_column]].merge(
            vuln[[area_column, year_column, target.indicator]], how="left"
        )
        vals = merged[target.indicator].to_numpy(dtype=float)
        frame = pd.DataFrame({"value": vals, "num": vals, "den": 1.0}, index=statistics.index)
        default = "mean"
    else:
        known = sorted(set(ind) | {c for c in vuln.columns if c not in (area_column, year_column)})
        raise ConfigError(
            f"{source}: key {key}.indicator: unknown indicator {target.indicator!r}; use a "
            f"statistics column or one of {known}."
        )
    frame[area_column] = statistics[area_column].astype(str).to_numpy()
    frame[year_column] = statistics[year_column].to_numpy()
    agg = default if target.aggregate == "auto" else target.aggregate
    if agg == "pooled" and default != "pooled":
        raise ConfigError(
            f"{source}: key {key}.aggregate: 'pooled' needs a share indicator "
            f"(column / denominator); {target.indicator!r} is not one."
        )
    return frame, agg


def _aggregate(frame: pd.DataFrame, agg: str, year_column: str) -> pd.Series:
    g = frame.groupby(year_column, sort=True)
    if agg == "pooled":
        return g["num"].sum() / g["den"].sum()
    if agg == "weighted_mean":
        w = frame["den"] * frame["value"]
        return w.groupby(frame[year_column]).sum() / g["den"].sum()
    if agg == "sum":
        return g["value"].sum()
    return g["value"].mean()


def track_target(
    statistics: pd.DataFrame,
    target: Target,
    *,
    config: VulnerabilityConfig = DEFAULT_VULNERABILITY_CONFIG,
    area_column: str = "area_id",
    year_column: str = "year",
    source: str = "input",
    key: str = "target",
) -> TargetProgress:
    """Evaluate one target on a long statistics table (one row per area and year).

    Parameters
    ----------
    statistics
        Long table with ``area_column``, ``year_column`` and the columns the indicator needs.
    target
        The target.
    config
        Vulnerability configuration (for indicator names and the top-k selection).
    area_column, year_column
        Column names.
    source, key
        File name and key prefix used in error messages (e.g. ``targets.toml``, ``target[0]``).

    Returns
    -------
    TargetProgress

    Raises
    ------
    ConfigError
        Unknown indicator, or the target equals the baseline value.
    UnknownIdError
        Area codes not in the statistics.
    DataError
        The baseline year is not in the data, or a selected area lacks a year.
    """
    require_columns(statistics, [area_column, year_column], source=source)
    stats = statistics.reset_index(drop=True)
    years = sorted(int(y) for y in pd.unique(stats[year_column]))
    if target.baseline_year not in years:
        raise DataError(
            f"{source}: key {key}.baseline_year: year {target.baseline_year} is not in the "
            f"statistics (years present: {years}); choose one of them."
        )
    indicator_names = {ind.name for ind in config.indicators}
    needs_index = target.top_k_vulnerable is not None or (
        target.indicator not in stats.columns and target.indicator not in indicator_names
    )
    vuln = (
        vulnerability_by_year(
            stats, config=config, area_column=area_column, year_column=year_column, source=source
        )
        if needs_index
        else pd.DataFrame(columns=[area_column, year_column])
    )
    if vuln.size:
        vuln[area_column] = vuln[area_column].astype(str)
    ids = stats[area_column].astype(str)
    if target.areas is not None:
        unknown = sorted(set(target.areas) - set(ids))
        if unknown:
            raise UnknownIdError(
                f"{source}: key {key}.areas: unknown area code(s) {unknown}; codes must match "
                f"the pack's area ids (e.g. {sorted(set(ids))[:3]})."
            )
        areas = tuple(target.areas)
    else:
        base = vuln[vuln[year_column] == target.baseline_year].set_index(area_column)
        k = int(target.top_k_vulnerable or 0)
        if k > len(base):
            raise ConfigError(
                f"{source}: key {key}.top_k_vulnerable: {k} is more than the {len(base)} areas."
            )
        order = base.assign(_id=base.index).sort_values(
            ["vulnerability_index", "_id"], ascending=[False, True], kind="mergesort"
        )
        areas = tuple(order.index[:k].astype(str))
    frame, agg = _resolve(
        stats,
        target,
        config,
        vuln,
        area_column=area_column,
        year_column=year_column,
        source=source,
        key=key,
    )
    frame = frame[frame[area_column].isin(areas) & (frame[year_column] >= target.baseline_year)]
    counts = frame.groupby(year_column)[area_column].nunique()
    short = counts[counts < len(areas)]
    if len(short):
        year = int(short.index[0])
        have = set(frame.loc[frame[year_column] == year, area_column])
        raise DataError(
            f"{source}: key {key}: year {year} lacks area(s) {sorted(set(areas) - have)}; every "
            "selected area needs a value in every year from the baseline on."
        )
    if not np.isfinite(frame["value"].to_numpy(dtype=float)).all():
        raise DataError(f"{source}: key {key}: the indicator has missing values for the areas.")
    series = _aggregate(frame, agg, year_column)
    v0 = float(series.loc[target.baseline_year])
    goal = (
        float(target.target_value)
        if target.target_value is not None
        else v0 * (1.0 + float(target.relative_change or 0.0))
    )
    if math.isclose(goal, v0, rel_tol=0.0, abs_tol=1e-12):
        raise ConfigError(
            f"{source}: key {key}: the target value equals the baseline value ({v0:g}); there is "
            "no change to track."
        )
    yrs = series.index.to_numpy(dtype=float)
    gaps = tuple(
        sorted(set(range(target.baseline_year, int(yrs.max()) + 1)) - set(yrs.astype(int)))
    )
    if gaps:
        logger.warning(
            "%s: %s: no statistics for year(s) %s; the trend skips them", source, key, gaps
        )
    vals = series.to_numpy(dtype=float)
    if len(yrs) >= 2:
        slope, intercept = np.polyfit(yrs, vals, 1)
        projected = float(intercept + slope * target.deadline_year)
        projected_progress = (projected - v0) / (goal - v0)
        on_track: bool | None = bool(projected_progress >= 1.0)
        trend = intercept + slope * yrs
    else:
        slope = intercept = projected = projected_progress = float("nan")
        on_track = None
        trend = np.full(len(yrs), np.nan)
    table = pd.DataFrame(
        {
            "year": yrs.astype(int),
            "value": vals,
            "progress": (vals - v0) / (goal - v0) + 0.0,  # + 0.0 turns -0.0 into 0.0
            "linear_path": (yrs - target.baseline_year)
            / (target.deadline_year - target.baseline_year),
            "trend_value": trend,
        }
    )
    return TargetProgress(
        target=target,
        areas=areas,
        baseline_value=v0,
        target_value=goal,
        series=table,
        slope_per_year=float(slope),
        intercept=float(intercept),
        projected_value=projected,
        projected_progress=float(projected_progress),
        on_track=on_track,
        missing_years=gaps,
    )


def track_targets(
    statistics: pd.DataFrame,
    targets: TargetFile,
    *,
    area_column: str = "area_id",
    year_column: str = "year",
) -> list[TargetProgress]:
    """Evaluate every target of a target file (errors name the file and ``target[i]``)."""
    config = targets.vulnerability or DEFAULT_VULNERABILITY_CONFIG
    return [
        track_target(
            statistics,
            tg,
            config=config,
            area_column=area_column,
            year_column=year_column,
            source=targets.source,
            key=f"target[{i}]",
        )
        for i, tg in enumerate(targets.target)
    ]


def progress_table(progresses: Sequence[TargetProgress]) -> pd.DataFrame:
    """One row per target and observed year, for CSV output."""
    frames = []
    for p in progresses:
        frame = p.series.copy()
        frame.insert(0, "target", p.target.name)
        frame.insert(1, "indicator", p.target.indicator)
        frame["baseline_value"] = p.baseline_value
        frame["target_value"] = p.target_value
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def target_chart(progress: TargetProgress, *, language: str | None = None) -> Figure:
    """Draw observed values, the trend to the deadline, the target and the linear path.

    Uses the object-oriented matplotlib API (no pyplot, no global state); save with
    ``fig.savefig(path, format="png")``. Labels come from the translation catalogue.
    """
    from matplotlib.figure import Figure  # imported here: matplotlib is only needed for charts

    tg = progress.target
    fig = Figure(figsize=(7.0, 4.2), dpi=120)
    ax = fig.add_subplot()
    s = progress.series
    ax.plot(
        s["year"],
        s["value"],
        "o-",
        color="#1f4e79",
        label=t("vulnerability.targets.observed", language),
    )
    if np.isfinite(progress.slope_per_year):
        xs = np.array([tg.baseline_year, tg.deadline_year], dtype=float)
        ax.plot(
            xs,
            progress.intercept + progress.slope_per_year * xs,
            "--",
            color="#7f7f7f",
            label=t("vulnerability.targets.trend", language),
        )
    ax.plot(
        [tg.baseline_year, tg.deadline_year],
        [progress.baseline_value, progress.target_value],
        ":",
        color="#2e7d32",
        label=t("vulnerability.targets.linear_path", language),
    )
    ax.plot(
        [tg.deadline_year],
        [progress.target_value],
        "*",
        markersize=14,
        color="#2e7d32",
        label=t("vulnerability.targets.target", language),
    )
    status_key = {
        True: "vulnerability.targets.on_track",
        False: "vulnerability.targets.off_track",
        None: "vulnerability.targets.undetermined",
    }[progress.on_track]
    ax.set_title(f"{tg.name}: {t(status_key, language)}")
    ax.set_xlabel(t("vulnerability.targets.year", language))
    ax.set_ylabel(tg.indicator)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig
