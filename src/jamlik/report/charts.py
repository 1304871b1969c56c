"""Charts for reports and command outputs (matplotlib's object-oriented API, no pyplot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from jamlik.i18n import t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from jamlik.indicators.vulnerability.targets import TargetProgress

__all__ = ["target_chart"]


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
