"""Write a generated town as a data pack: real files a user can also open in QGIS or JOSM.

The pack folder holds

* ``town.osm.pbf``: OpenStreetMap data written with pyosmium. Street intersections are nodes
  ``1..N`` (node id = index in ``Town.node_x`` + 1) and street segments are ways ``1..E``
  (way id = row of ``Town.streets`` + 1), with ``highway``, ``name``, ``oneway=yes``,
  ``bridge=yes`` + ``layer=1``; a bent segment has one extra node. Buildings and parks are
  closed ways (``building`` + ``building:levels``; ``leisure=park``), the river is a closed way
  (``natural=water`` + ``water=river``), services are tagged nodes;
* ``areas.gpkg`` (layer ``areas``) and ``statistics.csv``;
* ``town_gtfs.zip``: a bus timetable along the main roads (:mod:`jamlik.datasets._gtfs`);
* ``pack.toml``, following the pack schema, and a short ``README.md``.

Every file is written to a temporary name in the same folder and then renamed, so a reader
never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium
import pandas as pd
import shapely
from osmium.osm.mutable import Node, Way
from pyproj import Transformer

from jamlik.datasets._gtfs import town_lines, write_town_gtfs
from jamlik.datasets._names import TOWN_NAME
from jamlik.datasets._stats import STAT_COLUMNS
from jamlik.datasets.town import KOMMUN_CODE, Town
from jamlik.errors import DataError
from jamlik.i18n import t

__all__ = ["PACK_FILES", "write_town_pack"]

#: Files of a town pack, by role.
PACK_FILES = {
    "osm": "town.osm.pbf",
    "areas": "areas.gpkg",
    "statistics": "statistics.csv",
    "gtfs": "town_gtfs.zip",
    "pack": "pack.toml",
    "readme": "README.md",
}
#: Statistics columns that count people (each <= pop_total): the pack's population groups.
GROUP_COLUMNS = (
    "age_0_5",
    "age_6_15",
    "age_16_64",
    "age_65_plus",
    "born_abroad",
    "low_income",
    "unemployed_16_64",
)

FloatArray = npt.NDArray[np.float64]


@contextmanager
def _atomic(target: Path, suffix: str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    tmp.unlink()  # writers (osmium, GDAL) want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _write_text(target: Path, text: str) -> None:
    with _atomic(target, ".tmp") as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


class _NodeIds:
    """Hands out OSM node ids after the street nodes and collects their coordinates."""

    def __init__(self, first: int) -> None:
        self.next = first
        self.x: list[FloatArray] = []
        self.y: list[FloatArray] = []

    def add(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.int64]:
        ids = np.arange(self.next, self.next + x.size, dtype=np.int64)
        self.next += x.size
        self.x.append(np.asarray(x, dtype=np.float64))
        self.y.append(np.asarray(y, dtype=np.float64))
        return ids


def _ring_nodes(ids: _NodeIds, geometries: npt.NDArray[np.object_]) -> list[list[int]]:
    """Node lists of closed ways for polygon exteriors (the first node repeated at the end)."""
    rings = shapely.get_exterior_ring(geometries)
    coords, index = shapely.get_coordinates(rings, return_index=True)
    last = np.ones(index.size, dtype=np.bool_)
    last[:-1] = index[1:] != index[:-1]
    keep = ~last  # drop the closing vertex; the way repeats the first node instead
    node = ids.add(coords[keep, 0], coords[keep, 1])
    out: list[list[int]] = []
    starts = np.concatenate([[0], np.cumsum(np.bincount(index[keep], minlength=len(geometries)))])
    for k in range(len(geometries)):
        ring = node[starts[k] : starts[k + 1]].tolist()
        out.append([*ring, ring[0]])
    return out


def _clean(tags: dict[str, object]) -> dict[str, str]:
    return {k: str(v) for k, v in tags.items() if v is not None and v != "" and v == v}


def _write_pbf(town: Town, target: Path) -> None:
    to_wgs84: Callable[..., tuple[FloatArray, FloatArray]] = Transformer.from_crs(
        town.crs, "EPSG:4326", always_xy=True
    ).transform
    streets = town.streets
    n_nodes = town.node_x.size
    ids = _NodeIds(n_nodes + 1)
    ids.x.append(town.node_x)
    ids.y.append(town.node_y)

    bent = np.flatnonzero(~np.isnan(streets["bend_x"].to_numpy(dtype=np.float64)))
    bend_id = np.zeros(len(streets), dtype=np.int64)
    bend_id[bent] = ids.add(
        streets["bend_x"].to_numpy()[bent].astype(np.float64),
        streets["bend_y"].to_numpy()[bent].astype(np.float64),
    )
    building_rings = _ring_nodes(ids, town.buildings.geometry.to_numpy())
    park_rings = _ring_nodes(ids, town.parks.geometry.to_numpy())
    river_rings = _ring_nodes(ids, town.barrier.geometry.to_numpy())
    poi_xy = shapely.get_coordinates(town.pois.geometry.to_numpy())
    poi_ids = ids.add(poi_xy[:, 0], poi_xy[:, 1])

    lon, lat = to_wgs84(np.concatenate(ids.x), np.concatenate(ids.y))
    poi_tags = town.pois.drop(columns=["geometry", "area_id"], errors="ignore")
    poi_rows = poi_tags.to_dict(orient="records")
    first_poi = int(poi_ids[0]) if poi_ids.size else ids.next
    header = osmium.io.Header()
    header.set("generator", "jamlik (generated sample town)")
    with _atomic(target, ".osm.pbf") as tmp:
        writer = osmium.SimpleWriter(str(tmp), header=header, filetype="pbf")
        try:
            for k in range(lon.size):
                node_id = k + 1
                tags: dict[str, str] = {}
                if node_id >= first_poi:
                    tags = _clean(poi_rows[node_id - first_poi])
                writer.add_node(Node(id=node_id, location=(lon[k], lat[k]), tags=tags))
            u = streets["u"].to_numpy() + 1
            v = streets["v"].to_numpy() + 1
            columns = ("highway", "name", "oneway", "bridge")
            values = [streets[c].to_numpy() for c in columns]
            way_id = 0
            for k in range(len(streets)):
                way_id += 1
                highway, name, oneway, bridge = (col[k] for col in values)
                tags = {"highway": str(highway)}
                if name:
                    tags["name"] = str(name)
                if oneway:
                    tags["oneway"] = "yes"
                if bridge:
                    tags["bridge"] = "yes"
                    tags["layer"] = "1"
                nodes = [int(u[k]), int(bend_id[k]), int(v[k])] if bend_id[k] else [u[k], v[k]]
                writer.add_way(Way(id=way_id, nodes=[int(n) for n in nodes], tags=tags))
            kinds = town.buildings["building"].to_numpy()
            levels = town.buildings["levels"].to_numpy()
            for k, ring in enumerate(building_rings):
                way_id += 1
                tags = {"building": str(kinds[k]), "building:levels": str(int(levels[k]))}
                writer.add_way(Way(id=way_id, nodes=ring, tags=tags))
            park_names = town.parks["name"].to_numpy()
            for k, ring in enumerate(park_rings):
                way_id += 1
                tags = {"leisure": "park", "name": str(park_names[k])}
                writer.add_way(Way(id=way_id, nodes=ring, tags=tags))
            river_tags = town.barrier.drop(columns="geometry").to_dict(orient="records")
            for k, ring in enumerate(river_rings):
                way_id += 1
                writer.add_way(Way(id=way_id, nodes=ring, tags=_clean(river_tags[k])))
        finally:
            writer.close()


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    return json.dumps(str(value), ensure_ascii=False)


def _table(header: str, entries: dict[str, object]) -> str:
    body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in entries.items())
    return f"{header}\n{body}\n"


def pack_toml(town: Town) -> str:
    """Return the ``pack.toml`` text of a town pack."""
    years = town.statistics["year"]
    return (
        "".join(
            [
                "# Data pack of a generated sample town (synthetic data, not a real place).\n",
                f"# Municipality code {KOMMUN_CODE} belongs to no real Swedish municipality.\n\n",
                _table(
                    "[pack]",
                    {
                        "name": "alvvik",
                        "title": f"{TOWN_NAME} (genererad exempelstad)",
                        "crs": town.crs,
                        "description": (
                            f"Generated sample town {TOWN_NAME}: {len(town.areas)} areas, "
                            f"statistics {int(years.min())}-{int(years.max())}, "
                            f"{town.node_x.size} street nodes. Synthetic data made by jamlik."
                        ),
                    },
                ),
                _table(
                    "[areas]",
                    {
                        "path": PACK_FILES["areas"],
                        "layer": "areas",
                        "id": "area_id",
                        "name": "name",
                    },
                ),
                _table(
                    "[[statistics]]",
                    {
                        "path": PACK_FILES["statistics"],
                        "area_id": "area_id",
                        "year": "year",
                        "total": "pop_total",
                        "groups": {g: g for g in GROUP_COLUMNS},
                    },
                ),
                _table("[osm]", {"path": PACK_FILES["osm"]}),
                _table("[[gtfs]]", {"path": PACK_FILES["gtfs"], "name": "alvvik"})
                if town_lines(town)
                else "",
                _table("[population]", {"method": "buildings", "year": int(years.max())}),
                _table(
                    "[[sources]]",
                    {
                        "name": f"jamlik generated sample town {TOWN_NAME}",
                        "licence": "CC0 1.0",
                        "attribution": "Synthetic data generated by jamlik; not a real place",
                    },
                ),
            ]
        ).rstrip("\n")
        + "\n"
    )


def _readme(town: Town) -> str:
    return (
        f"# {TOWN_NAME}: a generated sample town\n\n"
        "Synthetic data made by `jamlik.datasets.generate_town`; **not a real place**. The area\n"
        f"codes use municipality code {KOMMUN_CODE}, which no real Swedish municipality has.\n"
        "Licence: CC0 1.0 (public domain dedication).\n\n"
        f"- `{PACK_FILES['osm']}`: streets, buildings, parks, services and the river (OSM tags)\n"
        f"- `{PACK_FILES['areas']}`: {len(town.areas)} statistical areas (layer `areas`)\n"
        f"- `{PACK_FILES['statistics']}`: population and housing per area and year\n"
        f"- `{PACK_FILES['gtfs']}`: a generated bus timetable (GTFS) along the main roads\n"
        f"- `{PACK_FILES['pack']}`: the pack description read by jamlik\n"
    )


def write_town_pack(town: Town, folder: Path | str, *, seed: int = 7) -> Path:
    """Write ``town`` as a data pack in ``folder`` (created if needed).

    Parameters
    ----------
    town
        A town from :func:`jamlik.datasets.generate_town`.
    folder
        Folder of the pack. Existing pack files in it are replaced.
    seed
        Seed of the timetable's departure offsets (:func:`jamlik.datasets._gtfs.town_gtfs_tables`).

    Returns
    -------
    Path
        The path of the written ``pack.toml``.

    Raises
    ------
    DataError
        If ``folder`` exists and is not a folder, or the statistics lack a column.
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise DataError(t("datasets.out_not_folder", root=root))
    missing = [c for c in STAT_COLUMNS if c not in town.statistics.columns]
    if missing:
        raise DataError(t("datasets.stats_missing_columns", missing=missing))
    root.mkdir(parents=True, exist_ok=True)
    _write_pbf(town, root / PACK_FILES["osm"])
    if town_lines(town):  # a town too small for a bus line gets no timetable
        write_town_gtfs(town, root / PACK_FILES["gtfs"], seed=seed)
    with _atomic(root / PACK_FILES["areas"], ".gpkg") as tmp:
        town.areas.to_file(tmp, layer="areas", driver="GPKG", engine="pyogrio")
    table: pd.DataFrame = town.statistics[list(STAT_COLUMNS)]
    _write_text(root / PACK_FILES["statistics"], table.to_csv(index=False, lineterminator="\n"))
    _write_text(root / PACK_FILES["readme"], _readme(town))
    pack = root / PACK_FILES["pack"]
    _write_text(pack, pack_toml(town))
    return pack
