"""Tidy outputs of a pack access run: a few readable layers for people and QGIS.

The per-origin table of :func:`jamlik.runs.access.compute_pack_access` has one column per
category × measure × profile (hundreds). A planner opens a handful of layers instead: per travel
profile, the pack's **areas** and a regular **grid** of squares, with five short columns per
category of opportunity, and the same numbers as a **long table** to filter and join.

Measures (``T`` is the standard, 15 minutes by default)
-------------------------------------------------------
=============  =========================================  ======================================
column         meaning                                    over the residents ``i`` (``p_i``)
=============  =========================================  ======================================
``<c>_min``    minutes to the nearest opportunity         ``sum p_i t_i / sum p_i`` over those
                                                          with access (``t_i`` defined)
``<c>_noacc``  share with none within the search limit    ``sum_{t_i undefined} p_i / sum p_i``
``<c>_inT``    share with the nearest within ``T`` min    ``sum p_i [t_i <= T] / sum p_i``
``<c>_nT``     opportunities within ``T`` min (weighted)  ``sum p_i n_i / sum p_i``
``<c>_dec``    decayed sum (half-life as in the options)  ``sum p_i g_i / sum p_i``
=============  =========================================  ======================================

These are the formulas of :func:`jamlik.indicators.access.aggregate_access` (population-weighted
means; no access is never 0 minutes). The long tables hold ``min``, ``inT``, ``nT`` and ``dec``
as ``measure`` with ``value``, ``population`` and, for ``min``, ``no_access_share``.

Grid
----
Squares of ``grid_m`` metres in the pack CRS, aligned on multiples of ``grid_m`` (the square of
``(x, y)`` has its south-west corner at ``(floor(x / g) g, floor(y / g) g)``), named in the style
of the INSPIRE / Eurostat grid, ``250mN6820000E327000`` (size, northing and easting of that
corner). Residents count in the square of their street-network node; only squares with
residents are kept, so the grid's population is the pack's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from jamlik.i18n import t
from jamlik.indicators.access.aggregate import ALL_AREAS, aggregate_access

__all__ = [
    "ROUND_DECIMALS",
    "CategoryColumns",
    "grid_cells",
    "layer_descriptions",
    "measure_codes",
    "round_origins",
    "tidy_values",
    "wide_layer",
]

#: Decimals kept in file outputs, by kind of value: minutes to 0.01 (0.6 s), shares to 0.0001,
#: counts and decayed sums to 0.001. A GeoPackage stores every real in 8 bytes, so rounding
#: costs no space and shows ``12.35`` in QGIS where a float32 shows ``12.350000381``.
ROUND_DECIMALS = {"min": 2, "noacc": 4, "in": 4, "n": 3, "dec": 3}

#: Value columns of the long tables, in order.
LONG_COLUMNS = ("profile", "group", "category", "measure", "value", "population",
                "no_access_share")  # fmt: skip


@dataclass(frozen=True)
class CategoryColumns:
    """Per-origin columns of one category and profile that the tidy outputs summarise."""

    profile: str
    category: str
    nearest: str
    count: str
    decay: str


def measure_codes(threshold_min: float) -> tuple[str, str, str, str]:
    """Codes of the long tables' measures: ``min``, ``in15``, ``n15``, ``dec`` (for T = 15)."""
    code = f"{threshold_min:g}".replace(".", "p")
    return "min", f"in{code}", f"n{code}", "dec"


def tidy_values(
    per_origin: pd.DataFrame,
    residents: pd.DataFrame,
    columns: Sequence[CategoryColumns],
    *,
    threshold_min: float,
    groups: Sequence[str],
    id_column: str,
    whole: bool = True,
) -> pd.DataFrame:
    """Long table of the main measures per polygon (area or grid square), profile and group.

    Parameters
    ----------
    per_origin
        One row per origin node (index: node), the columns named in ``columns``.
    residents
        Rows ``node, <id_column>, <groups>`` (a node may appear once per polygon).
    columns
        Which per-origin columns hold each category's nearest time, count within the threshold
        and decayed sum.
    threshold_min
        The standard ``T`` for the share within ``T`` minutes.
    groups, id_column
        Group count columns and the polygon id column of ``residents``.
    whole
        Keep the whole-pack rows (``id == "*"``).

    Returns
    -------
    pandas.DataFrame
        ``<id_column>, profile, group, category, measure, value, population, no_access_share``.
    """
    codes = measure_codes(threshold_min)
    profiles = list(dict.fromkeys(c.profile for c in columns))
    categories = sorted({c.category for c in columns})
    frames = []
    for prof in profiles:
        mine = [c for c in columns if c.profile == prof]
        times = per_origin[[c.nearest for c in mine]].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            within = (times <= threshold_min).astype(np.float64)
        others = per_origin[[name for c in mine for name in (c.count, c.decay)]]
        values = np.hstack([times, within, others.to_numpy(dtype=np.float64)])
        # Names for aggregate_access: its time indicators are those with "_nearest_".
        names = [c.nearest for c in mine] + [f"{c.category}_within" for c in mine]
        names += list(others.columns)
        category_of = [c.category for c in mine] * 2 + [c.category for c in mine for _ in "nd"]
        measure_of = [0] * len(mine) + [1] * len(mine) + [2, 3] * len(mine)
        frame = pd.DataFrame(values, index=per_origin.index, columns=names)
        long = aggregate_access(frame, residents, groups=groups, area_column=id_column)
        if not whole:
            long = long[long["area_id"] != ALL_AREAS]
        # Category and measure of each row through integer codes (no per-row Python objects).
        which = pd.Categorical(long["indicator"], categories=names).codes
        category_code = np.array([categories.index(c) for c in category_of])[which]
        frames.append(
            pd.DataFrame(
                {
                    id_column: long["area_id"].to_numpy(),
                    "profile": pd.Categorical.from_codes(
                        np.full(len(long), profiles.index(prof)), categories=profiles
                    ),
                    "group": pd.Categorical(long["group"], categories=list(groups)),
                    "category": pd.Categorical.from_codes(category_code, categories=categories),
                    "measure": pd.Categorical.from_codes(
                        np.array(measure_of)[which], categories=list(codes)
                    ),
                    "value": long["value"].to_numpy(),
                    "population": long["population"].to_numpy(),
                    "no_access_share": long["no_access_share"].to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=[id_column, *LONG_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def wide_layer(
    values: pd.DataFrame,
    polygons: gpd.GeoDataFrame,
    *,
    id_column: str,
    profile: str,
    threshold_min: float,
    group: str = "pop_total",
) -> gpd.GeoDataFrame:
    """Return one polygon layer for one profile: id, population, five columns per category.

    Values are for the residents of ``group`` (everyone by default; the profile's own group,
    e.g. ``age_65_plus`` for seniors, when the pack has it), named in the column ``group``, and
    rounded for reading (:data:`ROUND_DECIMALS`). Polygons without residents have population 0
    and empty values.
    """
    codes = measure_codes(threshold_min)
    rows = values[(values["profile"] == profile) & (values["group"] == group)]
    rows = rows[rows[id_column] != ALL_AREAS]
    wide = rows.pivot(index=id_column, columns=["category", "measure"], values="value")
    no_access = rows[rows["measure"] == codes[0]].pivot(
        index=id_column, columns="category", values="no_access_share"
    )
    population = rows.groupby(id_column, observed=True)["population"].first()
    kinds = dict(zip(codes, ("min", "in", "n", "dec"), strict=True))
    data: dict[str, pd.Series] = {"population": population}
    for category in rows["category"].cat.remove_unused_categories().cat.categories:
        for code in codes:
            data[f"{category}_{code}"] = wide[(category, code)].round(ROUND_DECIMALS[kinds[code]])
            if code == codes[0]:
                data[f"{category}_noacc"] = no_access[category].round(ROUND_DECIMALS["noacc"])
    table = pd.DataFrame(data)
    table.index = table.index.astype(str)
    shapes = polygons.set_index(id_column)
    joined = shapes.join(table, how="left")
    joined["population"] = _as_int(joined["population"].fillna(0.0))
    joined["group"] = group  # whose access: everyone, or the profile's own group
    return joined.reset_index()


def _as_int(population: pd.Series) -> pd.Series:
    rounded = population.round()
    return rounded.astype(np.int64) if np.allclose(rounded, population) else population


def grid_cells(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], *, cell_m: int, crs: object
) -> tuple[npt.NDArray[np.object_], gpd.GeoDataFrame]:
    """Square of each point, and the squares' polygons (``cell_id``, geometry).

    Parameters
    ----------
    x, y
        Point coordinates in the projected ``crs`` (metres).
    cell_m
        Side of the squares; they are aligned on its multiples.

    Returns
    -------
    (numpy.ndarray, geopandas.GeoDataFrame)
        The cell id of every point, and one square per distinct id (sorted by id).
    """
    ix = np.floor(np.asarray(x) / cell_m).astype(np.int64)
    iy = np.floor(np.asarray(y) / cell_m).astype(np.int64)
    pairs, inverse = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    west, south = pairs[:, 0] * cell_m, pairs[:, 1] * cell_m
    ids = np.array([f"{cell_m}mN{s}E{w}" for w, s in zip(west, south, strict=True)], dtype=object)
    squares = shapely.box(west, south, west + cell_m, south + cell_m)
    cells = gpd.GeoDataFrame({"cell_id": ids}, geometry=squares, crs=crs)
    return ids[inverse.reshape(-1)], cells


def layer_descriptions(
    categories: Sequence[str], *, threshold_min: float, grid_m: int | None
) -> dict[str, tuple[str, str]]:
    """``{column: (sv, en)}`` for the columns of the area and grid layers and the long tables."""
    codes = measure_codes(threshold_min)
    minutes = f"{threshold_min:g}"
    texts: dict[str, tuple[str, str]] = {}

    def add(column: str, key: str, **values: object) -> None:
        texts[column] = (t(key, language="sv", **values), t(key, language="en", **values))

    add("area_id", "access.col_area_id")
    add("name", "access.col_area_name")
    if grid_m:
        add("cell_id", "access.col_cell_id", size=grid_m)
    add("population", "access.col_population")
    add("group", "approximate.col_group")
    for category in categories:
        add(f"{category}_{codes[0]}", "access.col_min", category=category)
        add(f"{category}_noacc", "access.col_noacc", category=category)
        add(f"{category}_{codes[1]}", "access.col_in", category=category, minutes=minutes)
        add(f"{category}_{codes[2]}", "access.col_n", category=category, minutes=minutes)
        add(f"{category}_dec", "access.col_dec", category=category)
    add("measure", "access.col_measure", codes=", ".join(codes))
    add("no_access_share", "access.col_no_access_share")
    return texts


def round_origins(origins: gpd.GeoDataFrame, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Per-origin detail for a file: indicator ``columns`` rounded to 0.001 in one block."""
    block = origins[list(columns)].to_numpy(dtype=np.float64, copy=True)
    np.round(block, 3, out=block)
    rest = origins.drop(columns=list(columns))
    rounded = pd.DataFrame(block, index=origins.index, columns=list(columns))
    out = pd.concat([rest, rounded], axis=1)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=origins.crs)
