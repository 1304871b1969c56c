"""Change of segregation 2020→2023: decomposition and permutation null equal PySAL's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from segregation.decomposition import DecomposeSegregation
from segregation.inference import TwoValueTest
from segregation.singlegroup import Dissim, Entropy, Gini, Isolation

from jamlik.indicators.segregation import _kernels as kern
from jamlik.indicators.segregation.inference import (
    decompose_change,
    random_label_null,
    segregation_change,
    segregation_trend,
)

CLASSES = {"dissimilarity": Dissim, "gini": Gini, "entropy": Entropy, "isolation": Isolation}


@pytest.fixture(autouse=True)
def _interpreted_pysal_gini(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run PySAL's own Gini kernel interpreted: numba would spend ~20 s compiling it per run."""
    import segregation.singlegroup.gini as pysal_gini

    monkeypatch.setattr(pysal_gini, "_gini_vecp", pysal_gini._gini_vecp.py_func)


@pytest.fixture(scope="module")
def years(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    stats = pd.read_csv(shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv")
    a = stats[stats["year"] == 2020].reset_index(drop=True)
    b = stats[stats["year"] == 2023].reset_index(drop=True)
    return a, b


def _arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return frame["born_abroad"].to_numpy(float), frame["pop_total"].to_numpy(float)


@pytest.mark.parametrize("index", list(CLASSES))
def test_decomposition_equals_pysal(years: tuple[pd.DataFrame, pd.DataFrame], index: str) -> None:
    a, b = years
    cls = CLASSES[index]
    dec = DecomposeSegregation(
        cls(a, "born_abroad", "pop_total"), cls(b, "born_abroad", "pop_total"), "composition"
    )
    spatial, composition = decompose_change(
        *_arrays(a), *_arrays(b), kern.SINGLE_GROUP_KERNELS[index]
    )
    # PySAL reports "first minus second"; we report "later minus earlier"
    assert spatial == pytest.approx(-dec.c_s, abs=1e-9)
    assert composition == pytest.approx(-dec.c_a, abs=1e-9)


def test_random_label_null_equals_pysal(years: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    a, b = years
    iterations, seed = 25, 11
    np.random.seed(seed)
    test = TwoValueTest(
        Dissim(a, "born_abroad", "pop_total"),
        Dissim(b, "born_abroad", "pop_total"),
        iterations_under_null=iterations,
        null_approach="random_label",
        n_jobs=1,
    )
    # PySAL shuffles the same label column in place each iteration (cumulative permutations)
    rs = np.random.RandomState(seed)
    labels = np.repeat([0, 1], [len(a), len(b)])
    current = np.arange(labels.size)
    perms = []
    for _ in range(iterations):
        current = current[rs.permutation(labels.size)]
        lab = labels[current]
        perms.append(np.concatenate([np.flatnonzero(lab == 0), np.flatnonzero(lab == 1)]))
    x = np.concatenate([_arrays(a)[0], _arrays(b)[0]])
    t = np.concatenate([_arrays(a)[1], _arrays(b)[1]])
    ours = random_label_null(x, t, len(a), np.array(perms), kern.dissimilarity)
    np.testing.assert_allclose(ours, np.asarray(test.est_sim), atol=1e-12)


def test_change_result_is_consistent_and_seeded(years: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    a, b = years
    kwargs = {"group": "born_abroad", "total": "pop_total", "permutations": 99, "bootstraps": 99}
    r1 = segregation_change(a, b, index="gini", seed=3, **kwargs)  # type: ignore[arg-type]
    r2 = segregation_change(a, b, index="gini", seed=3, **kwargs)  # type: ignore[arg-type]
    assert r1 == r2
    assert r1.difference == pytest.approx(r1.value_b - r1.value_a)
    assert r1.spatial_component + r1.composition_component == pytest.approx(r1.difference)
    assert r1.ci_low <= r1.difference <= r1.ci_high
    assert 1 / 100 <= r1.p_value <= 1.0
    assert r1.value_a == pytest.approx(Gini(a, "born_abroad", "pop_total").statistic, abs=1e-9)


def test_no_change_gives_zero_and_p_one(years: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    a, _ = years
    r = segregation_change(
        a, a, group="born_abroad", total="pop_total", permutations=49, bootstraps=49
    )
    assert r.difference == 0.0
    assert r.spatial_component == pytest.approx(0.0, abs=1e-12)
    assert r.composition_component == pytest.approx(0.0, abs=1e-12)
    assert r.p_value == 1.0


def test_large_shift_is_significant() -> None:
    rng = np.random.default_rng(0)
    t = rng.integers(500, 2000, 120).astype(float)
    even = pd.DataFrame({"g": np.round(t * 0.3), "t": t})
    p = np.where(np.arange(120) < 60, 0.05, 0.55)
    segregated = pd.DataFrame({"g": np.round(t * p), "t": t})
    r = segregation_change(even, segregated, group="g", total="t", permutations=199, bootstraps=99)
    assert r.difference > 0.4
    assert r.p_value == pytest.approx(1 / 200)
    assert r.ci_low > 0


def test_trend_over_2020_2023(shared_data: Path) -> None:
    stats = pd.read_csv(shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv")
    trend = segregation_trend(
        stats, year="year", group="born_abroad", total="pop_total", permutations=49, bootstraps=49
    )
    assert list(trend.index) == [2021, 2022, 2023]
    assert (trend["base_year"] == 2020).all()
    for later, row in trend.iterrows():
        part = stats[stats["year"] == later]
        expected = Dissim(part, "born_abroad", "pop_total").statistic
        assert row["value_b"] == pytest.approx(expected, abs=1e-9)
    np.testing.assert_allclose(
        trend["spatial_component"] + trend["composition_component"], trend["difference"]
    )
