"""2SFCA, E2SFCA and gravity 2SFCA equal PySAL `access` on the Porto Alegre hexgrid.

Demand is the population per H3 cell, supply the schools or health facilities per cell, and the
cost table crow-fly minutes between cell centroids at the adult walking speed (1.33 m/s) — the
engine's network table plugs into the same long format.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from access import Access
from access import weights as access_weights
from pyproj import Geod

from jamlik.config import profile
from jamlik.indicators.access.fca import (
    costs_from_matrix,
    crow_fly_costs,
    enhanced_two_step_fca,
    gravity_two_step_fca,
    parse_step_weights,
    two_step_fca,
)

SPEED = profile("adult").speed_m_s


@pytest.fixture(scope="module")
def hexgrid(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "osm_gtfs_porto_alegre" / "poa_hexgrid.csv")


@pytest.fixture(scope="module", params=["schools", "healthcare"])
def case(request: pytest.FixtureRequest, hexgrid: pd.DataFrame) -> dict[str, pd.DataFrame]:
    kind = request.param
    cells = hexgrid.rename(columns={"lon": "x", "lat": "y"})
    has = cells[cells[kind] > 0]
    return {
        "demand": pd.DataFrame({"id": cells["id"], "demand": cells["population"]}),
        "supply": pd.DataFrame({"id": has["id"], "capacity": has[kind].astype(float)}),
        "costs": crow_fly_costs(cells, has, speed_m_s=SPEED, max_minutes=20),
    }


def _pysal(case: dict[str, pd.DataFrame]) -> Access:
    logging.getLogger("access").disabled = True  # it attaches its own INFO handler
    return Access(
        demand_df=case["demand"].set_index("id"),
        demand_value="demand",
        supply_df=case["supply"].set_index("id"),
        supply_value="capacity",
        cost_df=case["costs"],
        cost_origin="origin_id",
        cost_dest="destination_id",
        cost_name="minutes",
    )


def _compare(ours: pd.Series, theirs: pd.Series) -> None:
    theirs = theirs.reindex(ours.index)
    finite = np.isfinite(theirs.to_numpy())
    assert finite.sum() > 0.7 * len(ours)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-9, atol=1e-15)
    # where PySAL has no value (no supply in reach) we report 0
    assert (ours[~finite] == 0).all()


def test_two_step_equals_pysal(case: dict[str, pd.DataFrame]) -> None:
    ours = two_step_fca(case["demand"], case["supply"], case["costs"], max_minutes=10)
    theirs = _pysal(case).two_stage_fca(max_cost=10)["2sfca_capacity"]
    _compare(ours, theirs)


def test_enhanced_equals_pysal(case: dict[str, pd.DataFrame]) -> None:
    steps = parse_step_weights("5:1,10:0.68,15:0.22")
    ours = enhanced_two_step_fca(case["demand"], case["supply"], case["costs"], weights=steps)
    theirs = _pysal(case).enhanced_two_stage_fca(
        weight_fn=access_weights.step_fn({5: 1, 10: 0.68, 15: 0.22})
    )["e2sfca_capacity"]
    _compare(ours, theirs)


def test_gravity_equals_pysal(case: dict[str, pd.DataFrame]) -> None:
    ours = gravity_two_step_fca(
        case["demand"], case["supply"], case["costs"], decay_power=1.5, max_minutes=15
    )
    theirs = _pysal(case).two_stage_fca(
        name="grav", max_cost=15, weight_fn=access_weights.gravity(1, -1.5, 1)
    )["grav_capacity"]
    _compare(ours, theirs)


def test_supply_is_conserved(case: dict[str, pd.DataFrame]) -> None:
    """Σ_i D_i A_i equals the capacity of every supply location with demand in reach."""
    demand, supply, costs = case["demand"], case["supply"], case["costs"]
    score = two_step_fca(demand, supply, costs, max_minutes=10)
    inside = costs[costs["minutes"] <= 10].merge(demand, left_on="origin_id", right_on="id")
    served = inside.groupby("destination_id")["demand"].sum()
    served_ids = served[served > 0].index
    expected = supply.set_index("id").loc[served_ids, "capacity"].sum()
    total = (demand.set_index("id")["demand"] * score).sum()
    assert total == pytest.approx(expected, rel=1e-12)


def test_crow_fly_costs_match_geodesic(hexgrid: pd.DataFrame) -> None:
    cells = hexgrid.rename(columns={"lon": "x", "lat": "y"}).head(300)
    costs = crow_fly_costs(cells, cells, speed_m_s=SPEED, max_minutes=10)
    assert costs["minutes"].max() <= 10
    assert (costs["origin_id"] == costs["destination_id"]).sum() == len(cells)  # 0-minute pairs
    pos = cells.set_index("id")
    sample = costs.sample(200, random_state=1)
    lon1, lat1 = pos.loc[sample["origin_id"], ["x", "y"]].to_numpy().T
    lon2, lat2 = pos.loc[sample["destination_id"], ["x", "y"]].to_numpy().T
    _, _, dist = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    np.testing.assert_allclose(sample["minutes"], dist / SPEED / 60, rtol=2e-3, atol=1e-6)


@pytest.fixture(scope="module")
def walk_network(shared_data: Path, hexgrid: pd.DataFrame) -> tuple[Any, Any, Any, Any]:
    """The OSM walking network of Porto Alegre, its adult graph and the hexagon origins."""
    from pyproj import Transformer

    from jamlik.networks.snapping import point_seeds, snap_points
    from jamlik.networks.streets import build_street_network

    adult = profile("adult")
    network = build_street_network(
        shared_data / "osm_gtfs_porto_alegre" / "poa_osm.pbf", mode="walk"
    )
    graph = network.to_graph(adult)
    x, y = Transformer.from_crs("EPSG:4326", network.crs, always_xy=True).transform(
        hexgrid["lon"].to_numpy(), hexgrid["lat"].to_numpy()
    )
    origins = point_seeds(
        network, graph, snap_points(network, x, y, graph=graph, profile=adult), profile=adult
    )
    return network, graph, origins, (x, y)


@pytest.fixture(scope="module", params=["schools", "healthcare"])
def network_case(
    request: pytest.FixtureRequest, walk_network: tuple[Any, Any, Any, Any], hexgrid: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Walking minutes on the OSM street network from jamlik's engine (adult profile)."""
    from jamlik.networks.snapping import point_seeds, snap_points
    from jamlik.routing.engine import travel_costs

    kind = request.param
    adult = profile("adult")
    network, graph, origins, (x, y) = walk_network
    has = (hexgrid[kind] > 0).to_numpy()
    snapped = snap_points(network, x[has], y[has], graph=graph, profile=adult)
    dests = point_seeds(network, graph, snapped, profile=adult, towards=True)
    seconds = travel_costs(graph, origins, dests, max_cost=20 * 60)
    costs = costs_from_matrix(
        seconds,
        origin_ids=hexgrid["id"],
        destination_ids=hexgrid["id"][has],
        minutes_per_unit=1 / 60,
    )
    assert len(costs) > 1000
    return {
        "demand": pd.DataFrame({"id": hexgrid["id"], "demand": hexgrid["population"]}),
        "supply": pd.DataFrame(
            {"id": hexgrid["id"][has], "capacity": hexgrid[kind][has].astype(float)}
        ),
        "costs": costs,
    }


def test_engine_cost_table_equals_pysal(
    network_case: dict[str, pd.DataFrame], hexgrid: pd.DataFrame
) -> None:
    """With the engine's network cost table, 2SFCA and E2SFCA still equal PySAL's."""
    case = network_case
    ours = two_step_fca(case["demand"], case["supply"], case["costs"], max_minutes=15)
    _compare(ours, _pysal(case).two_stage_fca(max_cost=15)["2sfca_capacity"])
    steps = parse_step_weights("5:1,10:0.68,15:0.22")
    ours = enhanced_two_step_fca(case["demand"], case["supply"], case["costs"], weights=steps)
    theirs = _pysal(case).enhanced_two_stage_fca(
        weight_fn=access_weights.step_fn({5: 1, 10: 0.68, 15: 0.22})
    )["e2sfca_capacity"]
    _compare(ours, theirs)
    # network minutes are (almost) never shorter than crow-fly minutes at the same speed
    cells = hexgrid.rename(columns={"lon": "x", "lat": "y"})
    crow = crow_fly_costs(cells, cells, speed_m_s=SPEED, max_minutes=25)
    both = case["costs"].merge(crow, on=["origin_id", "destination_id"], suffixes=("", "_crow"))
    assert len(both) == len(case["costs"])
    assert (both["minutes"] >= both["minutes_crow"] - 0.5).mean() > 0.99


def test_costs_from_matrix() -> None:
    m = np.array([[60.0, np.inf], [120.0, 30.0]])
    table = costs_from_matrix(m, origin_ids=["a", "b"], destination_ids=["X", "Y"],
                              minutes_per_unit=1 / 60, max_minutes=1.5)  # fmt: skip
    assert table.to_dict("list") == {
        "origin_id": ["a", "b"], "destination_id": ["X", "Y"], "minutes": [1.0, 0.5]
    }  # fmt: skip
