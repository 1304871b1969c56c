"""Target tracking: hand-computed progress, 2020-2023 GR data, bad target files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import linregress

from jamlik.errors import ConfigError, DataError, MissingFileError, UnknownIdError
from jamlik.indicators.vulnerability.index import vulnerability_index
from jamlik.indicators.vulnerability.targets import (
    Target,
    TargetFile,
    progress_table,
    track_target,
    track_targets,
)
from jamlik.report.charts import target_chart
from jamlik.runs.targets import load_targets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def gr_stats(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv"
    return pd.read_csv(path, dtype={"regsokod": str}).rename(columns={"regsokod": "area_id"})


def _synthetic() -> pd.DataFrame:
    rows = []
    for i, year in enumerate(range(2020, 2024)):
        rows.append({"area_id": "A", "year": year, "born_abroad": 50 - 5 * i, "pop_total": 100})
        rows.append({"area_id": "B", "year": year, "born_abroad": 30, "pop_total": 100})
    frame = pd.DataFrame(rows)
    frame["mean_wage_income_tkr"] = 250.0
    frame["dwellings_rental"] = 10
    frame["dwellings_total"] = 20
    return frame


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hand_computed_progress() -> None:
    # pooled foreign-born share of A and B: 80/200, 75/200, 70/200, 65/200 = .4 .375 .35 .325
    # target -50 % of 0.4 = 0.2 by 2030. Progress 2023 = (0.325 - 0.4) / (0.2 - 0.4) = 0.375.
    # Trend: -0.025 per year -> 2030: 0.4 - 10 * 0.025 = 0.15 -> progress 1.25, on track.
    target = Target(
        name="halve",
        indicator="foreign_born",
        areas=("A", "B"),
        baseline_year=2020,
        relative_change="-50%",
        deadline_year=2030,
    )
    p = track_target(_synthetic(), target)
    np.testing.assert_allclose(p.series["value"], [0.4, 0.375, 0.35, 0.325])
    np.testing.assert_allclose(p.series["progress"], [0.0, 0.125, 0.25, 0.375])
    np.testing.assert_allclose(p.series["linear_path"], [0.0, 0.1, 0.2, 0.3])
    assert p.target_value == pytest.approx(0.2)
    assert p.slope_per_year == pytest.approx(-0.025)
    assert p.projected_value == pytest.approx(0.15)
    assert p.projected_progress == pytest.approx(1.25)
    assert p.on_track is True
    # a harder target (-90 %) is off track: projected progress 0.25 / 0.36
    hard = track_target(_synthetic(), target.model_copy(update={"relative_change": -0.9}))
    assert hard.projected_progress == pytest.approx(0.25 / 0.36)
    assert hard.on_track is False


def test_single_year_is_undetermined() -> None:
    target = Target(
        name="t",
        indicator="born_abroad",
        areas=("A",),
        baseline_year=2023,
        target_value=10,
        deadline_year=2030,
        aggregate="sum",
    )
    p = track_target(_synthetic(), target)
    assert p.on_track is None
    assert p.series["value"].tolist() == [35.0]


def test_gap_year_is_reported() -> None:
    stats = _synthetic()
    target = Target(
        name="gap",
        indicator="foreign_born",
        areas=("A", "B"),
        baseline_year=2020,
        relative_change=-0.5,
        deadline_year=2030,
    )
    p = track_target(stats[stats.year != 2021], target)
    assert p.missing_years == (2021,)
    assert p.series["year"].tolist() == [2020, 2022, 2023]
    # the points still lie on the line 0.4 - 0.025 (year - 2020)
    assert p.slope_per_year == pytest.approx(-0.025)


def test_real_series_2020_2023(gr_stats: pd.DataFrame) -> None:
    # two Kungälv RegSO; foreign-born share pooled and worked out directly from the CSV rows
    areas = ("1482R001", "1482R004")
    target = Target(
        name="k",
        indicator="foreign_born",
        areas=areas,
        baseline_year=2020,
        relative_change=-0.2,
        deadline_year=2030,
    )
    p = track_target(gr_stats, target)
    sub = gr_stats[gr_stats.area_id.isin(areas)].groupby("year")[["born_abroad", "pop_total"]]
    share = sub.sum()["born_abroad"] / sub.sum()["pop_total"]
    np.testing.assert_allclose(p.series["value"], share.to_numpy())
    goal = share.loc[2020] * 0.8
    np.testing.assert_allclose(
        p.series["progress"], (share - share.loc[2020]) / (goal - share.loc[2020])
    )
    fit = linregress(share.index.to_numpy(dtype=float), share.to_numpy())
    assert p.slope_per_year == pytest.approx(fit.slope)
    assert p.projected_value == pytest.approx(fit.intercept + fit.slope * 2030)
    assert p.on_track is bool(p.projected_value <= goal)


def test_top_k_uses_baseline_index(gr_stats: pd.DataFrame) -> None:
    target = Target(
        name="top3",
        indicator="mean_wage_income_tkr",
        top_k_vulnerable=3,
        baseline_year=2020,
        relative_change="+25 %",
        deadline_year=2030,
    )
    p = track_target(gr_stats, target)
    base = gr_stats[gr_stats.year == 2020].set_index("area_id")
    ranked = vulnerability_index(base).table["vulnerability_index"].sort_values(ascending=False)
    assert set(p.areas) == set(ranked.index[:3])
    sub = gr_stats[gr_stats.area_id.isin(p.areas)]
    weighted = (sub.mean_wage_income_tkr * sub.pop_total).groupby(sub.year).sum()
    np.testing.assert_allclose(
        p.series["value"], (weighted / sub.groupby("year").pop_total.sum()).to_numpy()
    )


def test_example_file_and_chart(gr_stats: pd.DataFrame, tmp_path: Path) -> None:
    targets = load_targets(ROOT / "packs" / "gr" / "targets_example.toml")
    progresses = track_targets(gr_stats, targets)
    assert [p.target.name for p in progresses] == [t.name for t in targets.target]
    table = progress_table(progresses)
    assert len(table) == 4 * len(progresses)
    fig = target_chart(progresses[0], language="en")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Observed" in labels
    assert "Mål" in [
        t.get_text()
        for t in target_chart(progresses[0], language="sv").axes[0].get_legend().get_texts()
    ]
    out = tmp_path / "chart.png"
    fig.savefig(out, format="png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BASE = """
[[target]]
name = "t"
indicator = "foreign_born"
baseline_year = 2020
deadline_year = 2030
"""


@pytest.mark.parametrize(
    ("extra", "error", "match"),
    [
        ('areas = ["A"]\nrelative_change = -0.5\n', None, None),
        ('areas = ["A"]\n', ConfigError, "exactly one of 'target_value'"),
        ("relative_change = -0.5\n", ConfigError, "exactly one of 'areas'"),
        ('areas = ["A"]\nrelative_change = "half"\n', ConfigError, r"target\[0\]\.relative_change"),
        ('areas = ["A"]\nrelative_change = -0.5\ncolour = "red"\n', ConfigError, "colour"),
    ],
)
def test_bad_target_files(
    tmp_path: Path, extra: str, error: type[Exception] | None, match: str | None
) -> None:
    path = _write(tmp_path, BASE + extra)
    if error is None:
        assert isinstance(load_targets(path), TargetFile)
        return
    with pytest.raises(error, match=match) as info:
        load_targets(path)
    assert "mal.toml" in str(info.value)


def test_deadline_before_baseline(tmp_path: Path) -> None:
    text = BASE.replace("2030", "2019") + 'areas = ["A"]\nrelative_change = -0.5\n'
    with pytest.raises(ConfigError, match=r"mal\.toml.*target\[0\].*deadline_year"):
        load_targets(_write(tmp_path, text))
    with pytest.raises(MissingFileError):
        load_targets(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_targets(_write(tmp_path, "[[target]\n"))


def test_unknown_areas_missing_years(tmp_path: Path) -> None:
    stats = _synthetic()
    unknown = load_targets(_write(tmp_path, BASE + 'areas = ["A", "Q9"]\ntarget_value = 0.1\n'))
    with pytest.raises(UnknownIdError, match=r"mal\.toml: key target\[0\]\.areas.*Q9"):
        track_targets(stats, unknown)
    ok = load_targets(_write(tmp_path, BASE + 'areas = ["A", "B"]\ntarget_value = 0.1\n'))
    with pytest.raises(DataError, match=r"target\[0\]\.baseline_year.*2020"):
        track_targets(stats[stats.year > 2020], ok)
    gap = stats[~((stats.year == 2022) & (stats.area_id == "B"))]
    with pytest.raises(DataError, match=r"year 2022 lacks area\(s\) \['B'\]"):
        track_targets(gap, ok)
    bad = load_targets(
        _write(
            tmp_path,
            BASE.replace("foreign_born", "nonsense") + 'areas = ["A"]\ntarget_value = 0.1\n',
        )
    )
    with pytest.raises(ConfigError, match=r"target\[0\]\.indicator.*nonsense"):
        track_targets(stats, bad)
    same = load_targets(_write(tmp_path, BASE + 'areas = ["A", "B"]\ntarget_value = 0.4\n'))
    with pytest.raises(ConfigError, match="equals the baseline"):
        track_targets(stats, same)
