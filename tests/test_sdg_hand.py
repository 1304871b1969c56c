"""SDG 11.2.1 on a hand-made street: residents at known walk distances from a bus stop and a rail
station.

One straight two-way street along x with nodes at 0, 300, 480, 500, 600, 1000 and 1500 m, plus a
separate 50 m piece (nodes 7 and 8) that the component rule drops. The bus stop stands 10 m off
the street at x = 0, the rail station 20 m off at x = 1500, and a stop without service at 500.
Walk distances (street + the straight leg to the stop):

=====  =========  ==========  ============================
node   bus (m)    rail (m)    convenient (500 m / 1 km)
=====  =========  ==========  ============================
1      310        1220        yes (bus)
2      490        1040        yes (bus)
3      510        1020        no
4      610        920         yes (rail)
8      --         --          no (not on the walk graph)
=====  =========  ==========  ============================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from jamlik.errors import DataError, MissingColumnError
from jamlik.networks import StreetNetwork
from jamlik.runs.sdg import convenient_access, sdg_shares

X0, Y0 = 300_000.0, 6_400_000.0
XS = [0.0, 300.0, 480.0, 500.0, 600.0, 1000.0, 1500.0]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _network() -> StreetNetwork:
    node_x = np.array([*XS, 5000.0, 5050.0]) + X0
    node_y = np.full(node_x.size, Y0)
    u = np.array([0, 1, 2, 3, 4, 5, 7])
    v = np.array([1, 2, 3, 4, 5, 6, 8])
    geometry = np.array(
        [shapely.LineString([(node_x[a], Y0), (node_x[b], Y0)]) for a, b in zip(u, v, strict=True)],
        dtype=object,
    )
    n = u.size
    return StreetNetwork(
        mode="walk",
        crs="EPSG:3006",
        node_x=node_x,
        node_y=node_y,
        node_osm_id=np.arange(node_x.size, dtype=np.int64) + 1,
        street_u=u,
        street_v=v,
        street_length_m=node_x[v] - node_x[u],
        street_forward=np.ones(n, dtype=bool),
        street_backward=np.ones(n, dtype=bool),
        street_steps=np.zeros(n, dtype=bool),
        street_highway=np.array(["residential"] * n, dtype=object),
        street_osm_way_id=np.arange(n, dtype=np.int64) + 100,
        street_geometry=geometry,
        source="hand-made",
    )


STOPS = pd.DataFrame(
    {
        "x": [X0 + 0.0, X0 + 1500.0, X0 + 500.0],
        "y": [Y0 + 10.0, Y0 - 20.0, Y0 + 5.0],
        "capacity": ["low", "high", "none"],
        "frequent_20min": [False, True, True],
        "frequent_30min": [True, True, True],
    }
)


def test_distances_and_flags_by_hand() -> None:
    access = convenient_access(_network(), [1, 2, 3, 4, 8, 2], STOPS, bands_min=(20, 30))
    flags = access.origins
    assert list(flags.index) == [1, 2, 3, 4, 8]
    np.testing.assert_allclose(flags.loc[[1, 2, 3, 4], "distance_any_m"], [310, 490, 510, 610])
    # rail beyond 1 km from nodes 1, 2 and 3 is outside the search bound (NaN)
    high = flags["distance_high_m"]
    assert high.loc[[1, 2, 3]].isna().all()
    assert high.loc[4] == pytest.approx(920)
    assert flags["convenient"].tolist() == [True, True, False, True, False]
    # 20-minute band: only the rail station is frequent
    assert flags["convenient_20min"].tolist() == [False, False, False, True, False]
    assert flags["convenient_30min"].tolist() == [True, True, False, True, False]
    assert np.isnan(flags.loc[8, "distance_any_m"])
    snap = access.snap_distance_m
    np.testing.assert_allclose(snap, [10, 20, 5])  # reported for every stop, served or not


def test_shares_by_hand() -> None:
    flags = convenient_access(_network(), [1, 2, 3, 4, 8], STOPS, bands_min=(20,)).origins
    residents = pd.DataFrame(
        {
            "node": [1, 2, 3, 4, 8, 4],
            "area_id": ["a", "a", "a", "b", "b", "c"],
            "pop_total": [10, 20, 30, 40, 50, 0],
            "senior": [1, 2, 3, 4, 0, 0],
        }
    )
    groups, areas = sdg_shares(flags, residents, groups=["pop_total", "senior"])
    assert groups.loc["pop_total", "population"] == 150
    assert groups.loc["pop_total", "share_convenient"] == pytest.approx((10 + 20 + 40) / 150)
    assert groups.loc["pop_total", "share_convenient_20min"] == pytest.approx(40 / 150)
    assert groups.loc["senior", "share_convenient"] == pytest.approx(7 / 10)
    a = areas.set_index(["area_id", "group"])
    assert a.loc[("a", "pop_total"), "share_convenient"] == pytest.approx(30 / 60)
    assert a.loc[("b", "pop_total"), "share_convenient"] == pytest.approx(40 / 90)
    assert a.loc[("b", "senior"), "share_convenient"] == pytest.approx(1.0)
    assert np.isnan(a.loc[("c", "pop_total"), "share_convenient"])  # nobody lives there
    # per-area populations add up to the groups' totals
    sums = areas.groupby("group")["population"].sum()
    assert sums["pop_total"] == 150 and sums["senior"] == 10


def test_thresholds_follow_the_arguments() -> None:
    flags = convenient_access(_network(), [3], STOPS, low_capacity_m=510.0, high_capacity_m=900.0)
    assert bool(flags.origins.loc[3, "convenient"])  # bus at exactly 510 m counts (<=)
    flags = convenient_access(_network(), [4], STOPS, low_capacity_m=400.0, high_capacity_m=900.0)
    assert not bool(flags.origins.loc[4, "convenient"])


def test_broken_inputs() -> None:
    with pytest.raises(MissingColumnError, match="frequent_20min"):
        convenient_access(_network(), [1], STOPS.drop(columns="frequent_20min"), bands_min=(20,))
    with pytest.raises(DataError, match="positive"):
        convenient_access(_network(), [1], STOPS, low_capacity_m=0.0)
