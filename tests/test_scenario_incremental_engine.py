"""Incremental accessibility equals a full run: random changes on the sample town's graph.

Oracles: :func:`jamlik.routing.accessibility` on the changed graph and opportunities (itself
tested against scipy brute force), and for one small case a hand check. Counts must be equal
exactly, nearest costs too (same search kernel), decayed sums to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from jamlik.datasets.town import Town, generate_town
from jamlik.networks.graph import Graph, graph_from_edges
from jamlik.networks.seeds import Seeds
from jamlik.routing import ExponentialDecay, accessibility, incremental
from jamlik.routing.engine import AccessResult
from jamlik.routing.incremental import OpportunitySet, changed_nodes, update_accessibility

SPEED_M_S = 1.33
DECAY = [ExponentialDecay(beta=np.log(2) / 600.0, max_cost=1800.0, label="exp")]
CUTOFFS = (300.0, 600.0, 900.0, 1200.0, 1800.0)


def assert_same(got: AccessResult, want: AccessResult) -> None:
    """Exact nearest and counts, decayed sums to rounding."""
    assert got.categories == want.categories
    np.testing.assert_array_equal(got.origins, want.origins)
    np.testing.assert_array_equal(got.nearest, want.nearest)
    np.testing.assert_array_equal(got.counts, want.counts)
    np.testing.assert_allclose(got.decayed, want.decayed, rtol=1e-9, atol=1e-9)


def _graph(town: Town, src: np.ndarray, dst: np.ndarray, length: np.ndarray) -> Graph:
    xy = np.column_stack([town.node_x, town.node_y])
    return graph_from_edges(
        src, dst, length / SPEED_M_S, n_nodes=town.node_x.size, name="town", node_xy=xy
    )


@pytest.fixture(scope="module")
def town() -> tuple[Town, np.ndarray, np.ndarray, np.ndarray]:
    town = generate_town(n_nodes=2000, seed=7)
    s = town.streets
    u, v = s["u"].to_numpy(), s["v"].to_numpy()
    two_way = ~s["oneway"].to_numpy(bool)
    length = s["length_m"].to_numpy(dtype=float)
    src = np.concatenate([u, v[two_way]])
    dst = np.concatenate([v, u[two_way]])
    cost = np.concatenate([length, length[two_way]])
    return town, src, dst, cost


def _seeds(graph: Graph, town: Town, xy: np.ndarray) -> Seeds:
    """Two seeds per point: its two nearest graph nodes plus the straight walk."""
    gxy = np.column_stack([town.node_x[graph.node_index], town.node_y[graph.node_index]])
    d, node = cKDTree(gxy).query(xy, k=2)
    n = xy.shape[0]
    return Seeds(
        np.arange(0, 2 * n + 1, 2), node.reshape(-1).astype(np.int64), d.reshape(-1) / SPEED_M_S
    )


def _opportunities(
    graph: Graph, town: Town, places: dict[str, tuple[np.ndarray, np.ndarray]]
) -> OpportunitySet:
    seeds = {c: _seeds(graph, town, xy) for c, (xy, _) in places.items()}
    weights = {c: np.ones(len(ids)) for c, (_, ids) in places.items()}
    return OpportunitySet(seeds, weights, {c: ids for c, (_, ids) in places.items()})


def _places(town: Town) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for cat, (kind, values) in {
        "school": ("amenity", ["school", "kindergarten"]),
        "shop": ("shop", ["supermarket", "convenience"]),
    }.items():
        pois = town.pois[town.pois[kind].isin(values)]
        xy = np.column_stack([pois.geometry.x, pois.geometry.y])
        out[cat] = (xy, np.arange(len(xy), dtype=np.int64))
    return out


def _full(graph: Graph, opps: OpportunitySet, origins: np.ndarray) -> AccessResult:
    return accessibility(
        graph, opps.seeds, weights=opps.weights, k=3, cutoffs=CUTOFFS, decay=DECAY, origins=origins
    )


@pytest.mark.parametrize("named", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_random_changes_equal_full_run(town, seed: int, named: bool) -> None:  # type: ignore[no-untyped-def]
    """Closed and added streets, places and homes; ids given, or matched by content."""
    t, src, dst, length = town
    rng = np.random.default_rng(seed)
    g0 = _graph(t, src, dst, length)
    places = _places(t)
    opp0 = _opportunities(g0, t, places)
    origins0 = g0.node_index[rng.choice(g0.n_nodes, size=600, replace=False)]
    pos0 = np.searchsorted(g0.node_index, origins0)
    before = _full(g0, opp0, pos0)

    # Streets: close a few pieces, add a few long links (bridges across the town).
    keep = np.ones(src.size, dtype=bool)
    keep[rng.choice(src.size, size=rng.integers(0, 6), replace=False)] = False
    n_new = int(rng.integers(0, 4))
    a = rng.choice(t.node_x.size, size=n_new)
    b = rng.choice(t.node_x.size, size=n_new)
    new_len = np.hypot(t.node_x[a] - t.node_x[b], t.node_y[a] - t.node_y[b]) * 0.3 + 1.0
    src1 = np.concatenate([src[keep], a, b])
    dst1 = np.concatenate([dst[keep], b, a])
    g1 = _graph(t, src1, dst1, np.concatenate([length[keep], new_len, new_len]))

    # Opportunities: close some, add some, move one.
    after_places = {}
    for cat, (xy, ids) in places.items():
        stay = rng.random(ids.size) > 0.2
        xy1, ids1 = xy[stay].copy(), ids[stay]
        if ids1.size:
            xy1[0] += rng.normal(0, 150, size=2)
        extra = np.column_stack(
            [
                rng.uniform(t.node_x.min(), t.node_x.max(), 3),
                rng.uniform(t.node_y.min(), t.node_y.max(), 3),
            ]
        )
        after_places[cat] = (np.vstack([xy1, extra]), np.concatenate([ids1, 1000 + np.arange(3)]))
    opp1 = _opportunities(g1, t, after_places)
    # Origins after: today's (where still in the graph) and some new homes.
    inside = np.isin(origins0, g1.node_index)
    extra_homes = g1.node_index[rng.choice(g1.n_nodes, size=20, replace=False)]
    origins1 = np.unique(np.concatenate([origins0[inside], extra_homes]))
    pos1 = np.searchsorted(g1.node_index, origins1)
    want = _full(g1, opp1, pos1)
    if not named:
        opp0, opp1 = (
            OpportunitySet(opp0.seeds, opp0.weights),
            OpportunitySet(opp1.seeds, opp1.weights),
        )
    got = update_accessibility(
        before,
        graph_before=g0,
        opportunities_before=opp0,
        graph_after=g1,
        opportunities_after=opp1,
        origins=pos1,
        decay=DECAY,
    )
    assert_same(got.result, want)
    assert got.changed_opportunities > 0
    n_opp = sum(s.n_points for s in opp1.seeds.values())
    assert got.searches < 4 * n_opp


def test_no_change_searches_nothing(town) -> None:  # type: ignore[no-untyped-def]
    t, src, dst, length = town
    g0 = _graph(t, src, dst, length)
    opp = _opportunities(g0, t, _places(t))
    origins = np.arange(g0.n_nodes)
    before = _full(g0, opp, origins)
    g1 = _graph(t, src, dst, length)  # an equal graph, another object
    got = update_accessibility(
        before,
        graph_before=g0,
        opportunities_before=opp,
        graph_after=g1,
        opportunities_after=opp,
        origins=origins,
        decay=DECAY,
    )
    assert (got.changed_edges, got.changed_opportunities, got.searches) == (0, 0, 0)
    assert_same(got.result, before)


def test_one_new_school_by_hand() -> None:
    """A path 0-1-2-3 of 100 s edges; a school at node 0; a new one at node 3 (seed cost 10)."""
    src = np.array([0, 1, 1, 2, 2, 3])
    dst = np.array([1, 0, 2, 1, 3, 2])
    g = graph_from_edges(src, dst, np.full(6, 100.0), n_nodes=4)
    one = Seeds(np.array([0, 1]), np.array([0]), np.array([0.0]))
    two = Seeds(np.array([0, 1, 2]), np.array([0, 3]), np.array([0.0, 10.0]))
    before = accessibility(g, {"school": one}, k=2, cutoffs=(150.0, 400.0), max_cost=400.0)
    got = update_accessibility(
        before,
        graph_before=g,
        opportunities_before=OpportunitySet(
            {"school": one}, {"school": np.ones(1)}, {"school": np.array([7])}
        ),
        graph_after=g,
        opportunities_after=OpportunitySet(
            {"school": two}, {"school": np.ones(2)}, {"school": np.array([7, 8])}
        ),
        origins=np.arange(4),
    ).result
    inf = np.inf
    np.testing.assert_array_equal(got.nearest[:, 0], [[0, 310], [100, 210], [110, 200], [10, 300]])
    np.testing.assert_array_equal(got.counts[:, 0], [[1, 2], [1, 2], [1, 2], [1, 2]])
    # Closing the first school: nodes lose their nearest, the next candidate comes from a search.
    closed = update_accessibility(
        got,
        graph_before=g,
        opportunities_before=OpportunitySet(
            {"school": two}, {"school": np.ones(2)}, {"school": np.array([7, 8])}
        ),
        graph_after=g,
        opportunities_after=OpportunitySet(
            {"school": Seeds(np.array([0, 1]), np.array([3]), np.array([10.0]))},
            {"school": np.ones(1)},
            {"school": np.array([8])},
        ),
        origins=np.arange(4),
    )
    np.testing.assert_array_equal(
        closed.result.nearest[:, 0], [[310, inf], [210, inf], [110, inf], [10, inf]]
    )
    np.testing.assert_array_equal(closed.result.counts[:, 0], [[0, 1], [0, 1], [1, 1], [1, 1]])
    assert closed.recomputed_rows == 4


def test_changed_nodes_of_a_new_link(town) -> None:  # type: ignore[no-untyped-def]
    t, src, dst, length = town
    g0 = _graph(t, src, dst, length)
    a, b = int(g0.node_index[0]), int(g0.node_index[50])
    g1 = _graph(t, np.append(src, [a, b]), np.append(dst, [b, a]), np.append(length, [1.0, 1.0]))
    got = set(changed_nodes(g0, g1).tolist())
    # Both ends, and at most their neighbours (rows that differ count whole).
    position = {int(n): i for i, n in enumerate(g0.node_index)}
    near = {
        int(g0.node_index[w])
        for n in (a, b)
        for w in g0.indices[g0.indptr[position[n]] : g0.indptr[position[n] + 1]]
    }
    assert {a, b} <= got <= {a, b} | near
    # A node cut off leaves the graph (other node numbers): ends of the edges that differ,
    # compared with sets of (from, to, cost) in the town's numbering.
    n = int(g0.node_index[10])
    cut = (src != n) & (dst != n)
    g3 = _graph(t, src[cut], dst[cut], length[cut])
    assert g3.n_nodes < g0.n_nodes

    def edges(g: Graph) -> set[tuple[int, int, float]]:
        u, v = g.node_index[g.edge_sources()], g.node_index[g.indices]
        return set(zip(u.tolist(), v.tolist(), g.cost.tolist(), strict=True))

    diff = edges(g0) ^ edges(g3)
    assert set(changed_nodes(g0, g3).tolist()) == {x for e in diff for x in e[:2]}


def _path_update(g0: Graph, g1: Graph) -> tuple[AccessResult, AccessResult, int, int]:
    """A school at node 0 of ``g0``/``g1`` (same node numbers): (updated, full, searched, edges)."""
    school = {"school": Seeds(np.array([0, 1]), np.array([0]), np.array([0.0]))}
    opps = OpportunitySet(school, {"school": np.ones(1)}, {"school": np.array([1])})

    def run(g: Graph) -> AccessResult:
        return accessibility(g, school, k=1, cutoffs=(250.0, 400.0), max_cost=400.0)

    got = update_accessibility(
        run(g0),
        graph_before=g0,
        opportunities_before=opps,
        graph_after=g1,
        opportunities_after=opps,
        origins=np.arange(g1.n_nodes),
    )
    return got.result, run(g1), got.changed_opportunities, got.changed_edges


def test_only_edges_on_a_least_path_or_shorter_search_again() -> None:
    """A path 0-1-2-3 of 100 s edges plus 0-4-2 of 150 s edges; a school at node 0, by hand.

    The school reaches both ends of every edge below, yet only a change that alters a least
    cost makes it search again: closing 4-2 (no least path uses it), or adding 0-3 at 320 s
    (longer than 300 s by the path), searches nothing.
    """
    src = np.array([0, 1, 1, 2, 2, 3, 0, 4, 4, 2])
    dst = np.array([1, 0, 2, 1, 3, 2, 4, 0, 2, 4])
    cost = np.array([100.0] * 6 + [150.0] * 4)
    g0 = graph_from_edges(src, dst, cost, n_nodes=5)

    def edited(keep: np.ndarray, extra: list[tuple[int, int, float]]) -> Graph:
        s, d, c = src[keep], dst[keep], cost[keep]
        for u, v, w in extra:
            s, d, c = np.append(s, [u, v]), np.append(d, [v, u]), np.append(c, [w, w])
        return graph_from_edges(s, d, c, n_nodes=5)

    everything = np.ones(src.size, dtype=bool)
    no_4_2 = ~(((src == 4) & (dst == 2)) | ((src == 2) & (dst == 4)))
    no_1_2 = ~(((src == 1) & (dst == 2)) | ((src == 2) & (dst == 1)))
    cases = [
        (edited(no_4_2, []), 0, [0, 100, 200, 300, 150]),  # not on a least path
        (edited(everything, [(0, 3, 320.0)]), 0, [0, 100, 200, 300, 150]),  # longer way
        (edited(everything, [(0, 3, 300.0)]), 1, [0, 100, 200, 300, 150]),  # as long: searched
        (edited(everything, [(0, 3, 120.0)]), 1, [0, 100, 200, 120, 150]),  # shorter
        (edited(no_1_2, []), 1, [0, 100, 300, 400, 150]),  # on the least path to 2 and 3
    ]
    for g1, searched, nearest in cases:
        got, want, n, edges = _path_update(g0, g1)
        assert_same(got, want)
        np.testing.assert_array_equal(got.nearest[:, 0, 0], nearest)
        assert (n, edges) == (searched, 2)


@pytest.mark.parametrize("seed", [0, 3])
def test_many_changed_ends_fall_back_to_reach(town, seed: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Beyond ``_MAX_ENDS`` end nodes every opportunity reaching one is searched: still equal."""
    monkeypatch.setattr(incremental, "_MAX_ENDS", 0)
    test_random_changes_equal_full_run(town, seed, named=True)
