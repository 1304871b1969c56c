import numpy as np
import pytest

from jamlik.errors import EmptyNetworkError
from jamlik.networks import graph_from_edges


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def test_parallel_edges_collapse_to_cheapest_not_summed() -> None:
    g = graph_from_edges([0, 0, 1], [1, 1, 0], [5.0, 3.0, 3.0], n_nodes=2)
    assert g.n_edges == 2
    assert g.to_scipy()[0, 1] == 3.0  # scipy would have summed 8.0


def test_largest_strong_component_kept_and_counted() -> None:
    # 0<->1<->2 strongly connected; 3 reachable one-way only.
    g = graph_from_edges([0, 1, 1, 2, 2], [1, 0, 2, 1, 3], [1, 1, 1, 1, 1], n_nodes=4)
    assert g.dropped_nodes == 1
    assert list(g.node_index) == [0, 1, 2]


def test_reversed_turns_every_edge() -> None:
    g = graph_from_edges([0, 1, 1, 2], [1, 0, 2, 1], [1.0, 2.0, 3.0, 4.0], n_nodes=3)
    r = g.reversed()
    fwd = {(int(s), int(t)): c for s, t, c in zip(g.edge_sources(), g.indices, g.cost, strict=True)}
    rev = {(int(t), int(s)): c for s, t, c in zip(r.edge_sources(), r.indices, r.cost, strict=True)}
    assert fwd == rev


def test_no_edges_is_a_named_error() -> None:
    with pytest.raises(EmptyNetworkError):
        graph_from_edges([0], [0], [1.0], n_nodes=1)


def test_negative_cost_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        graph_from_edges(np.array([0]), np.array([1]), np.array([-1.0]), n_nodes=2)
