"""Straight-line measures against a brute-force computation over every origin-place pair.

The oracle builds the full distance matrix with numpy (no tree, no blocks), takes the minimum
over each place's points, and counts, sorts and decays it directly. A hand case fixes the detour
arithmetic: a place 100 m away, detour 1.3, 1.3 m/s is 100 s away.
"""

from __future__ import annotations

import numpy as np
import pytest

from jamlik.errors import DataError
from jamlik.indicators.access.straight_line import straight_line_measures


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _brute(origins, points, owner, weight, *, detour, speed, k, cutoffs, beta, bound):  # type: ignore[no-untyped-def]
    d = np.sqrt(((origins[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    n_places = int(owner.max()) + 1
    per_place = np.full((len(origins), n_places), np.inf)
    for p in range(n_places):  # the oracle may loop: it is small and obvious
        per_place[:, p] = d[:, owner == p].min(axis=1)
    cost = per_place * detour / speed
    cost[cost > bound] = np.inf
    nearest = np.sort(cost, axis=1)[:, :k]
    counts = np.stack([(np.where(cost <= c, 1.0, 0.0) * weight).sum(axis=1) for c in cutoffs], 1)
    decayed = np.where(np.isfinite(cost), weight * np.exp(-beta * cost), 0.0).sum(axis=1)
    return nearest, counts, decayed


def test_hand_case() -> None:
    got = straight_line_measures(
        [[0.0, 0.0], [0.0, 500.0]], [[100.0, 0.0]], detour_factor=1.3, speed_m_s=1.3, k=1,
        cutoffs_s=[60.0, 120.0], decay_beta=np.log(2) / 100.0,
    )  # fmt: skip
    assert got.nearest_s[0, 0] == pytest.approx(100.0)
    np.testing.assert_array_equal(got.counts[0], [0.0, 1.0])
    assert got.decayed[0] == pytest.approx(0.5)
    # 510 m straight × 1.3 / 1.3 m/s = 510 s > 120 s: beyond the bound, no access.
    assert np.isinf(got.nearest_s[1, 0]) and got.counts[1].sum() == 0 and got.decayed[1] == 0


@pytest.mark.parametrize("places", ["points", "parks"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_brute_force(seed: int, places: str) -> None:
    rng = np.random.default_rng(seed)
    origins = rng.uniform(0, 3000, size=(400, 2))
    points = rng.uniform(0, 3000, size=(250, 2))
    if places == "parks":  # places of several points: the cheapest point of each counts
        owner = np.unique(np.sort(rng.integers(0, 90, size=250)), return_inverse=True)[1]
    else:  # one point per place, in shuffled order
        owner = rng.permutation(250)
    weight = rng.integers(1, 4, size=int(owner.max()) + 1).astype(float)
    want = _brute(origins, points, owner, weight, detour=1.25, speed=1.1, k=3,
                  cutoffs=[120.0, 240.0, 360.0], beta=np.log(2) / 600.0, bound=360.0)  # fmt: skip
    got = straight_line_measures(
        origins, points, owner=owner, weight=weight, detour_factor=1.25, speed_m_s=1.1, k=3,
        cutoffs_s=[120.0, 240.0, 360.0], decay_beta=np.log(2) / 600.0,
    )  # fmt: skip
    np.testing.assert_allclose(got.nearest_s, want[0], rtol=1e-12)
    np.testing.assert_allclose(got.counts, want[1], rtol=1e-12)
    np.testing.assert_allclose(got.decayed, want[2], rtol=1e-12)
    assert np.isfinite(got.nearest_s[:, 0]).any() and np.isinf(got.nearest_s[:, 2]).any()


def test_small_blocks_give_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import jamlik.indicators.access.straight_line as module

    rng = np.random.default_rng(7)
    origins, points = rng.uniform(0, 2000, (300, 2)), rng.uniform(0, 2000, (200, 2))
    kwargs = {"detour_factor": 1.3, "speed_m_s": 1.33, "k": 2, "cutoffs_s": [600.0]}
    whole = straight_line_measures(origins, points, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(module, "_PAIRS_PER_BLOCK", 50)
    blocks = straight_line_measures(origins, points, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(whole.nearest_s, blocks.nearest_s)
    np.testing.assert_array_equal(whole.counts, blocks.counts)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"detour_factor": 0.9, "speed_m_s": 1.0, "cutoffs_s": [60.0]}, "detour factor"),
        ({"detour_factor": 1.3, "speed_m_s": 0.0, "cutoffs_s": [60.0]}, "speed"),
        ({"detour_factor": 1.3, "speed_m_s": 1.0}, "bound"),
    ],
)
def test_bad_input(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(DataError, match=match):
        straight_line_measures([[0.0, 0.0]], [[1.0, 1.0]], **kwargs)  # type: ignore[arg-type]
