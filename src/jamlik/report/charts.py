"""Charts for reports and command outputs (matplotlib's object-oriented API, no pyplot)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jamlik.i18n import t
from jamlik.indicators.equity import gini, lorenz_curve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from jamlik.indicators.vulnerability.targets import TargetProgress

__all__ = [
    "before_after_chart",
    "group_distribution_chart",
    "lorenz_chart",
    "target_chart",
    "time_of_day_chart",
]

_COLOURS = ("#1f4e79", "#c0504d", "#2e7d32", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f")


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


def _figure(width: float = 7.0, height: float = 3.6) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110)


def weighted_cdf(minutes: np.ndarray, weights: np.ndarray, grid_min: np.ndarray) -> np.ndarray:
    """Share of ``weights`` with ``minutes <= g`` for each ``g`` of ``grid_min`` (NaN: never)."""
    total = float(weights.sum())
    if total <= 0:
        return np.full(grid_min.size, np.nan)
    ok = np.isfinite(minutes)
    order = np.argsort(minutes[ok], kind="stable")
    sorted_min = minutes[ok][order]
    cum = np.concatenate([[0.0], np.cumsum(weights[ok][order])])
    return cum[np.searchsorted(sorted_min, grid_min, side="right")] / total


def group_distribution_chart(
    minutes: Mapping[str, tuple[np.ndarray, np.ndarray]], *, title: str, xlabel: str, ylabel: str
) -> Figure:
    """Share of each group that reaches a place within x minutes (weighted by residents).

    ``minutes`` maps a group's label to ``(minutes per resident node, residents of the group)``.
    """
    fig = _figure()
    ax = fig.add_subplot()
    finite = [m[np.isfinite(m)] for m, _ in minutes.values()]
    top = max((float(np.percentile(f, 99)) for f in finite if f.size), default=30.0)
    grid = np.linspace(0.0, max(top, 5.0), 200)
    for k, (label, (values, weights)) in enumerate(minutes.items()):
        ax.plot(grid, 100 * weighted_cdf(values, weights, grid), color=_COLOURS[k % 7], label=label)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def lorenz_chart(
    values: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    equality: str,
) -> Figure:
    """Lorenz curves (:func:`jamlik.indicators.equity.lorenz_curve`) with the Gini in the legend.

    ``values`` maps a label (e.g. today / with the plan) to ``(values, weights)``.
    """
    fig = _figure(5.6, 4.4)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], ":", color="#7f7f7f", label=equality)
    for k, (label, (x, w)) in enumerate(values.items()):
        ok = np.isfinite(x) & (w > 0)
        if not ok.any() or float(np.sum(x[ok] * w[ok])) <= 0:
            continue
        curve = lorenz_curve(x[ok], weights=w[ok])
        g = gini(x[ok], weights=w[ok])
        ax.plot(
            curve["population_share"],
            curve["value_share"],
            color=_COLOURS[k % 7],
            label=f"{label} (Gini {g:.2f})",
        )
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig


def time_of_day_chart(
    table: pd.DataFrame,
    *,
    day_labels: Mapping[str, str],
    category_labels: Mapping[str, str],
    title: str,
    xlabel: str,
    ylabel: str,
) -> Figure:
    """Mean time to the nearest place by transit, by hour; one panel per day type.

    ``table`` has ``day_type, hour, category, minutes`` (hours without service are NaN and
    left as gaps, never joined across).
    """
    days = [d for d in day_labels if d in set(table["day_type"])]
    fig = _figure(7.0, 3.2)
    axes = fig.subplots(1, max(1, len(days)), sharey=True, squeeze=False)[0]
    for ax, day in zip(axes, days, strict=False):
        part = table[table["day_type"] == day]
        for k, category in enumerate(category_labels):
            rows = part[part["category"] == category].sort_values("hour")
            if rows.empty:
                continue
            ax.plot(
                rows["hour"], rows["minutes"], "o-", color=_COLOURS[k % 7], markersize=3,
                label=category_labels[category],
            )  # fmt: skip
        ax.set_title(day_labels[day], fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_xticks(range(6, 24, 4))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize="x-small", loc="upper left")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def before_after_chart(
    table: pd.DataFrame,
    *,
    category_labels: Mapping[str, str],
    title: str,
    ylabel: str,
    before: str,
    after: str,
) -> Figure:
    """Mean time to the nearest place today and with the plan, per category (bars)."""
    fig = _figure()
    ax = fig.add_subplot()
    rows = table.set_index("category").reindex(list(category_labels)).dropna(subset=["before"])
    x = np.arange(len(rows))
    ax.bar(x - 0.2, rows["before"], width=0.4, color="#9db7d5", label=before)
    ax.bar(x + 0.2, rows["after"], width=0.4, color="#1f4e79", label=after)
    ax.set_xticks(x, [category_labels[c] for c in rows.index], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
