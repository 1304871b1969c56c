"""The generated sample town writes a pack in the agreed schema: it loads and places residents."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jamlik.datasets import generate_town, write_town_pack
from jamlik.ingest import check_pack, is_error, load_pack
from jamlik.networks import place_population


def test_town_pack_loads_and_population_is_conserved(tmp_path: Path) -> None:
    town = generate_town(n_nodes=3000, seed=3)
    path = write_town_pack(town, tmp_path / "town")
    assert not [str(p) for p in check_pack(path) if is_error(p)]
    pack = load_pack(path)
    areas = pack.areas()
    assert len(areas) == len(town.areas)
    latest = int(town.statistics["year"].max())
    assert pack.population_year == latest
    population = pack.population()
    expected = town.statistics.loc[town.statistics["year"] == latest].set_index("area_id")
    np.testing.assert_array_equal(
        population["pop_total"].to_numpy(), expected.loc[areas.index, "pop_total"].to_numpy()
    )
    buildings = town.buildings.assign(residential=True)
    res = place_population(
        node_x=town.node_x,
        node_y=town.node_y,
        areas=areas,
        population=population,
        buildings=buildings,
    )
    sums = res.table.groupby("area_id")[list(population.columns)].sum()
    sums = sums.reindex(population.index, fill_value=0)
    np.testing.assert_array_equal(sums.to_numpy(), population.to_numpy().astype(np.int64))
    assert (res.method_by_area == "buildings").any()


def test_town_osm_buildings_and_streets_place_everyone(tmp_path: Path) -> None:
    """End to end: pack -> OSM buildings + walk network (other modules) -> residents on nodes."""
    from jamlik.ingest.pois import extract_buildings
    from jamlik.networks import build_street_network

    pack = load_pack(write_town_pack(generate_town(n_nodes=3000, seed=5), tmp_path / "t").parent)
    assert pack.osm_path is not None
    crs = pack.crs.to_string()
    buildings = extract_buildings(pack.osm_path, crs=crs)
    network = build_street_network(pack.osm_path, mode="walk", crs=crs)
    population = pack.population()
    res = place_population(
        node_x=network.node_x,
        node_y=network.node_y,
        areas=pack.areas(),
        population=population,
        buildings=buildings,
        method=pack.config.population.method,  # "buildings" in the town pack
    )
    sums = res.table.groupby("area_id")[list(population.columns)].sum()
    sums = sums.reindex(population.index, fill_value=0)
    np.testing.assert_array_equal(sums.to_numpy(), population.to_numpy().astype(np.int64))
    homes = buildings.loc[buildings["residential"]]
    with_homes = set(pack.areas().sjoin(homes.set_geometry(homes.representative_point())).index)
    assert set(res.method_by_area.index[res.method_by_area == "buildings"]) == with_homes
    assert res.table["node"].between(0, network.node_x.size - 1).all()
