"""Tests of the generated sample town: determinism, consistent statistics, plausible geometry."""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from opening_hours import OpeningHours

from jamlik.datasets import Town, generate_town
from jamlik.errors import DataError

ALLOWED_HIGHWAYS = {
    "residential",
    "tertiary",
    "secondary",
    "footway",
    "cycleway",
    "steps",
    "service",
}


@pytest.fixture(scope="module")
def town() -> Town:
    return generate_town()  # the default town, as users get it


@pytest.fixture(scope="module")
def small() -> Town:
    return generate_town(n_nodes=2500, seed=3)


def _latest(town: Town) -> pd.DataFrame:
    stats = town.statistics
    return stats[stats["year"] == stats["year"].max()].set_index("area_id")


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_town(small: Town) -> None:
    again = generate_town(n_nodes=2500, seed=3)
    assert (
        small.statistics.to_csv(index=False).encode()
        == again.statistics.to_csv(index=False).encode()
    )
    np.testing.assert_array_equal(small.node_x, again.node_x)
    np.testing.assert_array_equal(small.node_y, again.node_y)
    pd.testing.assert_frame_equal(small.streets, again.streets)
    for layer in ("areas", "buildings", "pois", "parks", "barrier"):
        a, b = getattr(small, layer), getattr(again, layer)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert list(shapely.to_wkb(a.geometry.to_numpy())) == list(
            shapely.to_wkb(b.geometry.to_numpy())
        ), layer


def test_other_seed_gives_other_town(small: Town) -> None:
    other = generate_town(n_nodes=2500, seed=4)
    assert not small.statistics.equals(other.statistics)
    assert small.node_x.size != other.node_x.size or not np.array_equal(small.node_x, other.node_x)


@pytest.mark.parametrize("n_nodes", [10, 499, 10**7, 2.5e3, "many"])
def test_bad_size_is_refused(n_nodes: object) -> None:
    with pytest.raises(DataError, match="n_nodes"):
        generate_town(n_nodes=n_nodes)  # type: ignore[arg-type]


# --- areas and statistics --------------------------------------------------------------------


def test_areas_tile_the_town(town: Town) -> None:
    areas = town.areas
    assert town.crs == "EPSG:3006" and areas.crs.to_epsg() == 3006
    assert 12 <= len(areas) <= 30
    assert areas["area_id"].is_unique
    assert all(re.fullmatch(r"1499[ABC]\d{4}", a) for a in areas["area_id"])
    assert all(re.fullmatch(r"1499R\d{3}", r) for r in areas["regso_id"])
    assert areas["name"].is_unique
    assert any(ch in "".join(areas["name"]) for ch in "åäöÅÄÖ")
    geoms = areas.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    union = shapely.union_all(geoms)
    # A tiling: no overlaps (the parts add up to the union) and no holes.
    assert shapely.area(geoms).sum() == pytest.approx(union.area, rel=1e-9)
    assert isinstance(union, shapely.Polygon) and len(union.interiors) == 0
    nodes = shapely.points(town.node_x, town.node_y)
    assert shapely.contains(union, nodes).all()
    # Near Kungälv in SWEREF 99 TM.
    assert abs(np.mean(town.node_x) - 320_000) < 5_000
    assert abs(np.mean(town.node_y) - 6_418_000) < 5_000


def test_statistics_cover_every_area_and_year(town: Town) -> None:
    stats = town.statistics
    assert sorted(stats["year"].unique()) == [2020, 2021, 2022, 2023]
    assert set(stats["area_id"]) == set(town.areas["area_id"])
    assert not stats.duplicated(["area_id", "year"]).any()
    assert len(stats) == 4 * len(town.areas)
    total_2023 = _latest(town)["pop_total"].sum()
    assert 30_000 <= total_2023 <= 60_000
    per_area = _latest(town)["pop_total"]
    assert 1_500 <= per_area.median() <= 3_500


def test_population_groups_are_consistent(town: Town) -> None:
    s = town.statistics
    counts = s.drop(columns=["area_id", "year", "mean_wage_income_tkr"])
    assert (counts.dtypes == np.int64).all()
    assert (counts >= 0).all().all()
    ages = s[["age_0_5", "age_6_15", "age_16_64", "age_65_plus"]].sum(axis=1)
    assert (ages == s["pop_total"]).all()
    for col in ("born_abroad", "low_income"):
        assert (s[col] <= s["pop_total"]).all(), col
    assert (s["unemployed_16_64"] <= s["age_16_64"]).all()
    tenure = s[["dwellings_rental", "dwellings_tenant_owned", "dwellings_owner_occupied"]]
    assert (tenure.sum(axis=1) == s["dwellings_total"]).all()
    assert (s["dwellings_total"] < s["pop_total"]).all()
    assert s["mean_wage_income_tkr"].between(80, 600).all()


def _top3_vulnerable(town: Town) -> list[str]:
    latest = _latest(town)
    share = latest["low_income"] / latest["pop_total"]
    return list(share.sort_values(ascending=False).index[:3])


def test_vulnerability_is_concentrated(town: Town) -> None:
    latest = _latest(town)
    top = _top3_vulnerable(town)
    pop_share = latest.loc[top, "pop_total"].sum() / latest["pop_total"].sum()
    for col in ("low_income", "born_abroad", "unemployed_16_64", "dwellings_rental"):
        group_share = latest.loc[top, col].sum() / latest[col].sum()
        assert group_share > 1.8 * pop_share, col
    # The same areas are the most vulnerable by every measure (one underlying index).
    abroad = (latest["born_abroad"] / latest["pop_total"]).sort_values(ascending=False)
    assert set(abroad.index[:3]) & set(top)
    wage = latest["mean_wage_income_tkr"].sort_values()
    assert set(wage.index[:3]) & set(top)


def test_statistics_change_slowly(town: Town) -> None:
    s = town.statistics.set_index(["area_id", "year"]).sort_index()
    shares = s[["born_abroad", "low_income", "age_65_plus"]].div(s["pop_total"], axis=0)
    step = shares.groupby(level="area_id").diff().dropna().abs()
    assert (step < 0.05).all().all()
    growth = s["pop_total"].groupby(level="area_id").pct_change().dropna()
    assert growth.between(-0.05, 0.08).all()


# --- streets and the river -------------------------------------------------------------------


def test_street_table(town: Town) -> None:
    st = town.streets
    assert set(st["highway"]) <= ALLOWED_HIGHWAYS
    for needed in ("residential", "secondary", "footway", "cycleway", "steps"):
        assert (st["highway"] == needed).any(), needed
    assert st["oneway"].any() and not st["oneway"].all()
    assert (st["u"] != st["v"]).all()
    pairs = np.sort(st[["u", "v"]].to_numpy(), axis=1)
    assert not pd.DataFrame(pairs).duplicated().any()
    assert st[["u", "v"]].to_numpy().max() < town.node_x.size
    # Lengths are those of the geometry: at least the straight line, equal when unbent.
    lines = town.street_lines()
    np.testing.assert_allclose(st["length_m"], lines.length, rtol=1e-12)
    chord = np.hypot(
        town.node_x[st["u"]] - town.node_x[st["v"]], town.node_y[st["u"]] - town.node_y[st["v"]]
    )
    straight = st["bend_x"].isna().to_numpy()
    np.testing.assert_allclose(st["length_m"][straight], chord[straight], rtol=1e-12)
    assert (st["length_m"][~straight] > chord[~straight]).all()
    assert (~straight).sum() > 0.05 * len(st)  # some curved streets
    residential = st["highway"] == "residential"
    assert 60 <= st.loc[residential, "length_m"].median() <= 120
    # Named streets carry Swedish names; one-way streets are in the centre only.
    assert (st.loc[residential, "name"] != "").all()
    centre = np.hypot(town.node_x - 320_000, town.node_y - 6_418_000)
    assert centre[st.loc[st["oneway"], "u"]].max() < 2_000


def _graph(town: Town, *, drop: tuple[str, ...] = (), drop_bridges: bool = False) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(town.node_x.size))
    st = town.streets
    keep = ~st["highway"].isin(drop)
    if drop_bridges:
        keep &= ~st["bridge"]
    for u, v, oneway in st.loc[keep, ["u", "v", "oneway"]].itertuples(index=False):
        g.add_edge(u, v)
        if not oneway:
            g.add_edge(v, u)
    return g


def test_network_is_strongly_connected_for_every_profile(town: Town) -> None:
    # networkx is the independent peer: walking (all), wheelchair/bike (no steps), cars
    # (no paths at all) each reach every node, one-way streets included.
    assert nx.is_strongly_connected(_graph(town))
    assert nx.is_strongly_connected(_graph(town, drop=("steps",)))
    assert nx.is_strongly_connected(_graph(town, drop=("steps", "footway", "cycleway")))


def test_river_is_crossed_only_at_the_bridges(town: Town) -> None:
    river = town.barrier.geometry.iloc[0]
    assert town.barrier["natural"].iloc[0] == "water"
    st = town.streets
    crossing = shapely.intersects(town.street_lines().to_numpy(), river)
    np.testing.assert_array_equal(crossing, st["bridge"].to_numpy())
    bridges = st[st["bridge"]]
    assert sorted(bridges["highway"]) == ["footway", "secondary"]
    # Without the bridges the river splits the town in two: one part on each bank.
    parts = list(nx.weakly_connected_components(_graph(town, drop_bridges=True)))
    assert len(parts) == 2
    nodes = shapely.points(town.node_x, town.node_y)
    assert not shapely.intersects(nodes, river).any()
    for u, v in bridges[["u", "v"]].itertuples(index=False):
        assert sum(u in p for p in parts) == 1 and sum(v in p for p in parts) == 1
        assert not any(u in p and v in p for p in parts)


# --- buildings, services, parks --------------------------------------------------------------


def test_floor_area_follows_population(town: Town) -> None:
    b = town.buildings
    assert set(b["building"]) <= {"apartments", "house", "detached", "terrace"}
    assert (b["levels"] >= 1).all() and (b["levels"] <= 8).all()
    assert shapely.is_valid(b.geometry.to_numpy()).all()
    np.testing.assert_allclose(b["floor_area_m2"], b.geometry.area * b["levels"], atol=0.06)
    floor = b.groupby("area_id")["floor_area_m2"].sum()
    pop = _latest(town)["pop_total"].reindex(floor.index)
    assert len(floor) == len(town.areas)
    per_person = floor / pop
    assert per_person.between(35, 50).all()
    assert np.corrcoef(floor, pop)[0, 1] > 0.9


def test_buildings_stay_off_streets_river_and_parks(town: Town) -> None:
    geoms = town.buildings.geometry.to_numpy()
    tree = shapely.STRtree(town.street_lines().to_numpy())
    assert tree.query(geoms, predicate="intersects").size == 0
    river = town.barrier.geometry.iloc[0]
    assert not shapely.intersects(geoms, river).any()
    parks = shapely.union_all(town.parks.geometry.to_numpy())
    assert not shapely.intersects(geoms, parks).any()
    own = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert (own[0] == own[1]).all()  # each building touches only itself


def test_services(town: Town) -> None:
    p = town.pois
    expected = {
        ("amenity", "school"),
        ("amenity", "kindergarten"),
        ("amenity", "pharmacy"),
        ("amenity", "library"),
        ("amenity", "clinic"),
        ("amenity", "doctors"),
        ("amenity", "community_centre"),
        ("shop", "supermarket"),
        ("leisure", "playground"),
        ("leisure", "sports_centre"),
        ("highway", "bus_stop"),
    }
    present = {(k, val) for k in ("amenity", "shop", "leisure", "highway") for val in p[k].dropna()}
    assert expected <= present
    tagged = p[["amenity", "shop", "leisure", "highway"]].notna().sum(axis=1)
    assert (tagged == 1).all()
    assert p["name"].notna().all()
    hours = p["opening_hours"].dropna()
    assert 0 < len(hours) < len(p)
    for text in hours.unique():
        OpeningHours(text)  # parses, else raises
    areas = town.areas.set_index("area_id").geometry
    assert shapely.contains(areas.loc[p["area_id"]].to_numpy(), p.geometry.to_numpy()).all()
    assert not shapely.intersects(p.geometry.to_numpy(), town.barrier.geometry.iloc[0]).any()


def test_fewer_services_in_vulnerable_areas(town: Town) -> None:
    p = town.pois
    services = p[p["amenity"].notna() | p["shop"].notna() | p["leisure"].notna()]
    latest = _latest(town)
    # The clearly vulnerable areas: low-income share over 1.6 times the town's.
    share = latest["low_income"] / latest["pop_total"]
    top = list(share.index[share > 1.6 * latest["low_income"].sum() / latest["pop_total"].sum()])
    assert 2 <= len(top) <= 3
    count = services["area_id"].value_counts().reindex(latest.index, fill_value=0)
    per_1000 = count / latest["pop_total"] * 1000
    rest = latest.index.difference(top)
    assert count[top].sum() / latest.loc[top, "pop_total"].sum() < (
        0.8 * count[rest].sum() / latest.loc[rest, "pop_total"].sum()
    )
    assert per_1000[top].mean() < per_1000[rest].mean()


def test_parks(town: Town) -> None:
    parks = town.parks
    assert len(parks) >= 4
    assert (parks["leisure"] == "park").all()
    geoms = parks.geometry.to_numpy()
    assert shapely.is_valid(geoms).all() and (shapely.area(geoms) > 1_000).all()
    tree = shapely.STRtree(town.street_lines().to_numpy())
    assert tree.query(geoms, predicate="intersects").size == 0


@pytest.mark.parametrize(("n_nodes", "seed"), [(500, 0), (800, 1), (4_000, 2), (6_000, 3)])
def test_invariants_hold_for_other_sizes_and_seeds(n_nodes: int, seed: int) -> None:
    other = generate_town(n_nodes=n_nodes, seed=seed)
    assert abs(other.node_x.size / n_nodes - 1) <= 0.05
    crossing = shapely.intersects(other.street_lines().to_numpy(), other.barrier.geometry.iloc[0])
    np.testing.assert_array_equal(crossing, other.streets["bridge"].to_numpy())
    assert int(other.streets["bridge"].sum()) == 2
    assert nx.is_strongly_connected(_graph(other, drop=("steps",)))
    s = other.statistics
    ages = s[["age_0_5", "age_6_15", "age_16_64", "age_65_plus"]].sum(axis=1)
    assert (ages == s["pop_total"]).all()
    floor = other.buildings.groupby("area_id")["floor_area_m2"].sum()
    pop = _latest(other)["pop_total"].reindex(floor.index)
    assert len(floor) == len(other.areas)
    assert (floor / pop).between(35, 50).all()
