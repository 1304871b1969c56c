"""Accessibility engine on tiny graphs with answers worked out by hand, and broken inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jamlik.errors import DataError, NegativeValueError, UnknownIdError
from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.snapping import Seeds
from jamlik.routing.decay import ExponentialDecay, LinearDecay, StepDecay
from jamlik.routing.engine import AccessResult, accessibility, travel_costs

INF = math.inf
STRATEGIES = ["from_opportunities", "from_origins"]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def seeds(groups: list[list[tuple[int, float]]]) -> Seeds:
    """Seeds from ``[[(node, cost), ...], ...]`` (one inner list per opportunity)."""
    indptr = np.cumsum([0] + [len(g) for g in groups]).astype(np.int64)
    node = np.array([n for g in groups for n, _ in g], dtype=np.int64)
    cost = np.array([c for g in groups for _, c in g], dtype=np.float64)
    return Seeds(indptr=indptr, node=node, cost=cost)


def grid3() -> Graph:
    """3 x 3 grid, unit edges both ways; node ``3 * row + col``."""
    src, dst = [], []
    for r in range(3):
        for c in range(3):
            i = 3 * r + c
            if c < 2:
                src += [i, i + 1]
                dst += [i + 1, i]
            if r < 2:
                src += [i, i + 3]
                dst += [i + 3, i]
    return graph_from_edges(src, dst, np.ones(len(src)), n_nodes=9, name="grid3")


def grid_result(strategy: str) -> AccessResult:
    # shop A at node 0; shop B at node 8 (+0.5 from the node); shop C has two entrances:
    # node 2 (+1) and node 6 (+0.25). School D at node 4 with weight 2.
    opp = {
        "shop": seeds([[(0, 0.0)], [(8, 0.5)], [(2, 1.0), (6, 0.25)]]),
        "school": seeds([[(4, 0.0)]]),
    }
    return accessibility(
        grid3(),
        opp,
        weights={"school": np.array([2.0])},
        k=2,
        cutoffs=(1.0, 2.25),
        decay=[StepDecay(threshold=2), LinearDecay(threshold=4)],
        strategy=strategy,  # type: ignore[arg-type]
    )


# Worked out by hand with Manhattan distances on the grid (max_cost = 4, the linear support):
#   node 0: shop A 0, B 4.5 (beyond 4), C min(2+1, 2+0.25) = 2.25; school 2
#   node 4: shop A 2, B 2.5, C 2.25; school 0
#   node 8: shop A 4, B 0.5, C 2.25; school 2
#   node 6: shop A 2, B 2.5, C 0.25; school 2
# linear f(c) = 1 - c/4; step f(c) = [c <= 2].
HAND = {
    # node: (shop nearest, shop counts, shop [step, linear], school nearest, counts, decayed)
    0: ([0, 2.25], [1, 2], [1, 1 + 0.4375], [2, INF], [0, 2], [2, 2 * 0.5]),
    4: ([2, 2.25], [0, 2], [1, 0.5 + 0.375 + 0.4375], [0, INF], [2, 2], [2, 2]),
    8: ([0.5, 2.25], [1, 2], [1, 0 + 0.875 + 0.4375], [2, INF], [0, 2], [2, 1]),
    6: ([0.25, 2], [1, 2], [2, 0.5 + 0.375 + 0.9375], [2, INF], [0, 2], [2, 1]),
}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_grid_by_hand(strategy: str) -> None:
    res = grid_result(strategy)
    assert res.categories == ("shop", "school")
    assert res.max_cost == 4
    for node, (sn, sc, sd, kn, kc, kd) in HAND.items():
        np.testing.assert_allclose(res.nearest[node, 0], sn, err_msg=f"node {node}")
        np.testing.assert_allclose(res.counts[node, 0], sc, err_msg=f"node {node}")
        np.testing.assert_allclose(res.decayed[node, 0], sd, err_msg=f"node {node}")
        np.testing.assert_allclose(res.nearest[node, 1], kn, err_msg=f"node {node}")
        np.testing.assert_allclose(res.counts[node, 1], kc, err_msg=f"node {node}")
        np.testing.assert_allclose(res.decayed[node, 1], kd, err_msg=f"node {node}")


def test_frame_columns_and_units() -> None:
    res = grid_result("from_opportunities")
    frame = res.to_frame(unit="s")
    assert list(frame.columns[:6]) == [
        "shop_nearest_1_s",
        "shop_nearest_2_s",
        "shop_count_1s",
        "shop_count_2p25s",
        "shop_decay_step",
        "shop_decay_linear",
    ]
    assert frame.index.name == "node"
    assert frame.loc[4, "school_nearest_1_s"] == 0  # zero is a real cost here, not "none"
    assert np.isnan(frame.loc[4, "school_nearest_2_s"])  # only one school: NaN, never 0
    minutes = res.to_frame(unit="min")
    assert minutes.loc[8, "shop_nearest_1_min"] == pytest.approx(0.5 / 60)
    desc = res.describe_columns(unit="min")
    assert set(desc) == set(minutes.columns)
    with pytest.raises(DataError):
        res.to_frame(unit="km")  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_one_way_street_and_unreachable_component(strategy: str) -> None:
    # 0 -> 1 is one-way; {2, 3} is a separate component.
    g = graph_from_edges([0, 2, 3], [1, 3, 2], [5.0, 1.0, 1.0], n_nodes=4, keep="all")
    opp = {"a": seeds([[(1, 0.0)]]), "b": seeds([[(0, 0.0)]])}
    res = accessibility(g, opp, k=1, cutoffs=(10,), decay=[ExponentialDecay(beta=0.1)],
                        max_cost=100, strategy=strategy)  # type: ignore[arg-type]  # fmt: skip
    # From node 0 opportunity a (at node 1) is 5 away; from node 1 b (at node 0) is unreachable.
    assert res.nearest[:, 0, 0].tolist() == [5, 0, INF, INF]
    assert res.nearest[:, 1, 0].tolist() == [0, INF, INF, INF]
    assert res.counts[:, 0, 0].tolist() == [1, 1, 0, 0]
    np.testing.assert_allclose(res.decayed[:, 0, 0], [math.exp(-0.5), 1, 0, 0])
    frame = res.to_frame(unit="s")
    assert frame["a_nearest_1_s"].isna().tolist() == [False, False, True, True]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_k_larger_than_opportunities_and_max_cost(strategy: str) -> None:
    res = accessibility(grid3(), {"a": seeds([[(0, 0.0)], [(8, 0.0)]])}, k=4, cutoffs=(3,),
                        max_cost=3, strategy=strategy)  # type: ignore[arg-type]  # fmt: skip
    assert res.nearest[0, 0].tolist() == [0, INF, INF, INF]  # node 8 is 4 away, beyond 3
    assert res.nearest[4, 0].tolist() == [2, 2, INF, INF]
    assert res.counts[:, 0, 0].tolist() == [1, 2, 2, 2, 2, 2, 2, 2, 1]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_origins_subset_with_repeats_and_progress(strategy: str) -> None:
    calls: list[int] = []
    res = accessibility(grid3(), {"a": seeds([[(0, 0.0)], [(8, 0.0)]])}, k=1, cutoffs=(2,),
                        origins=[8, 4, 8], strategy=strategy,  # type: ignore[arg-type]
                        progress=calls.append)  # fmt: skip
    assert res.origins.tolist() == [8, 4, 8]
    assert res.nearest[:, 0, 0].tolist() == [0, 2, 0]
    assert res.counts[:, 0, 0].tolist() == [1, 2, 1]
    assert sum(calls) == 2  # 2 opportunities, or 2 distinct origins
    # Distinct but unsorted origins keep the caller's order too.
    res = accessibility(grid3(), {"a": seeds([[(0, 0.0)]])}, k=1, cutoffs=(9,), origins=[8, 1],
                        strategy=strategy)  # type: ignore[arg-type]  # fmt: skip
    assert res.origins.tolist() == [8, 1]
    assert res.nearest[:, 0, 0].tolist() == [4, 1]


def test_empty_category_and_no_measures() -> None:
    empty = Seeds(np.zeros(1, np.int64), np.empty(0, np.int64), np.empty(0))
    res = accessibility(grid3(), {"none": empty, "a": seeds([[(4, 0.0)]])}, k=1, cutoffs=())
    assert math.isinf(res.max_cost)  # nothing bounds the search: nearest over the whole graph
    assert np.all(np.isinf(res.nearest[:, 0, 0]))
    assert res.nearest[:, 1, 0].tolist() == [2, 1, 2, 1, 0, 1, 2, 1, 2]


def test_travel_costs_by_hand() -> None:
    g = grid3()
    # Origin 0 starts 0.5 from node 0; origin 1 has two access nodes (4 at +1, 2 at +0).
    origins = seeds([[(0, 0.5)], [(4, 1.0), (2, 0.0)]])
    dests = seeds([[(8, 0.25)], [(0, 0.0)], [(3, 0.0), (5, 0.0)]])
    out = travel_costs(g, origins, dests)
    expected = [[0.5 + 4 + 0.25, 0.5, 0.5 + 1], [2 + 0.25, 2, 1]]
    np.testing.assert_allclose(out, expected)
    bounded = travel_costs(g, origins, dests, max_cost=2.1)
    assert bounded.tolist() == [[INF, 0.5, 1.5], [INF, 2, 1]]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"opportunities": {"a": seeds([[(9, 0.0)]])}}, UnknownIdError, "node 9"),
        ({"opportunities": {"a": seeds([[(1, -1.0)]])}}, NegativeValueError, "negative"),
        ({"opportunities": {"a": seeds([[(1, math.nan)]])}}, DataError, "finite"),
        ({"weights": {"a": np.array([1.0, 2.0])}}, DataError, "shape"),
        ({"weights": {"a": np.array([-1.0])}}, NegativeValueError, "negative"),
        ({"weights": {"zz": np.array([1.0])}}, UnknownIdError, "unknown categories"),
        ({"cutoffs": (5, 5)}, DataError, "repeat"),
        ({"cutoffs": (-1,)}, DataError, "positive"),
        ({"k": 0}, DataError, "k must"),
        ({"decay": [StepDecay(threshold=1), StepDecay(threshold=2)]}, DataError, "label="),
        ({"origins": [0, 12]}, UnknownIdError, "origin node 12"),
        ({"strategy": "sideways"}, DataError, "strategy"),
        ({"max_cost": -3.0}, DataError, "max_cost"),
    ],
)
def test_broken_inputs_raise_named_errors(kwargs: dict, error: type, words: str) -> None:
    args: dict = {"opportunities": {"a": seeds([[(1, 0.0)]])}, **kwargs}
    with pytest.raises(error, match=words):
        accessibility(grid3(), **args)


def test_inconsistent_seed_arrays() -> None:
    bad = Seeds(np.array([0, 2]), np.array([1]), np.array([0.0]))
    with pytest.raises(DataError, match="must match"):
        accessibility(grid3(), {"a": bad})
    with pytest.raises(DataError, match="must match"):
        travel_costs(grid3(), bad, seeds([[(0, 0.0)]]))
