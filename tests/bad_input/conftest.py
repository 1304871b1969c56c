"""The good inputs that the corpus damages: the generated sample town and real shared files.

Built once per session in a tmp folder; the real files in ``../shared/data`` are only read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from bad_input._corpus import read_rows, to_csv, write

#: The town's timetable runs on weekdays from 2024 to 2027.
TOWN_DATE = "2025-03-04"


@dataclass(frozen=True)
class Inputs:
    """Paths of the good inputs (the town pack is a private copy; shared files are read-only)."""

    town: Path  # folder of the sample-town pack (areas, statistics, OSM, GTFS)
    points: Path  # id,lon,lat inside the town (area centroids, WGS84)
    gr_stats: Path  # real: GR RegSO statistics 2020-2023 (å/ä/ö in names)
    gr_areas: Path  # real: GR RegSO polygons
    lund_pbf: Path  # real: a small OSM extract
    lund_points: Path  # id,lon,lat around Lund station
    tampere_gtfs: Path  # real GTFS feed
    demand: Path  # fca: id,demand (Porto Alegre hexagons, real)
    supply: Path  # fca: id,capacity
    cost: Path  # fca: origin_id,destination_id,minutes
    plan: Path  # the sample plan of the town (homes, a school, a bus line, a footbridge)

    @property
    def town_toml(self) -> Path:
        return self.town / "pack.toml"


@pytest.fixture(scope="session")
def inputs(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    import geopandas as gpd

    from jamlik.datasets import generate_town, write_town_pack
    from jamlik.datasets.scenario import write_town_scenario

    root = tmp_path_factory.mktemp("good")
    generated = generate_town(n_nodes=800, seed=5)
    town = write_town_pack(generated, root / "town").parent
    plan = write_town_scenario(generated, root / "plan.toml")
    centroids = gpd.read_file(town / "areas.gpkg").set_index("area_id").centroid.to_crs(4326)
    rows = [["id", "lon", "lat"]]
    rows += [[i, f"{p.x:.6f}", f"{p.y:.6f}"] for i, p in centroids.items()]
    points = write(root, "points.csv", to_csv(rows[:7]))
    lund = [
        ["id", "lon", "lat"],
        ["station", "13.1868", "55.7057"],
        ["square", "13.1930", "55.7046"],
    ]
    lund_points = write(root, "lund_points.csv", to_csv(lund))
    hexes = read_rows(shared_data / "osm_gtfs_porto_alegre" / "poa_hexgrid.csv")[1:41]
    demand = write(root, "demand.csv", to_csv([["id", "demand"], *([h[0], h[3]] for h in hexes)]))
    supply_rows = [["id", "capacity"], *([h[0], str(int(h[4]) + 1)] for h in hexes[::4])]
    supply = write(root, "supply.csv", to_csv(supply_rows))
    cost_rows: list[list[str]] = [["origin_id", "destination_id", "minutes"]]
    for o in hexes:
        for d in hexes[::4]:
            km = _km(float(o[1]), float(o[2]), float(d[1]), float(d[2]))
            cost_rows.append([o[0], d[0], f"{km * 60 / 4.8:.2f}"])
    cost = write(root, "cost.csv", to_csv(cost_rows))
    stats = shared_data / "gr_statistical_areas"
    return Inputs(
        town=town,
        points=points,
        gr_stats=stats / "regso_stats_gr_2020_2023.csv",
        gr_areas=stats / "regso_gr_2025.gpkg",
        lund_pbf=shared_data / "osm_lund_station" / "lund_station.osm.pbf",
        lund_points=lund_points,
        tampere_gtfs=shared_data / "osm_gtfs_tampere" / "tampere_gtfs.zip",
        demand=demand,
        supply=supply,
        cost=cost,
        plan=plan,
    )


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, R = 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2
    a += math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))
