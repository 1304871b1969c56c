"""Origin–destination travel times on foot or by bike: the small-study OD table.

The contract of ``jamlik travel-times`` (stable, tested):

* origins and destinations are CSV files ``id,lon,lat`` (WGS84);
* each point is snapped to the nearest usable street piece of the walk or bike network (within
  ``max_snap_m``); the route runs from the snapped point along the street to a street end and
  on over the network (one-way streets respected for bikes);
* ``distance_m`` is the shortest network distance **plus the snap legs at both ends** (the
  straight lines from each point to its street);
* ``minutes`` is ``distance_m / speed``: the speed is the one given, on every kind of street,
  by default the speed of the mode's default travel profile (:mod:`jamlik.config`: ``adult``
  for walking, ``bike`` for cycling, the speeds walk mode and transit walks use);
* a pair with no route (point too far from any street, or cut off by one-way streets) has
  empty ``distance_m`` and ``minutes``.

Two points on the same street piece are joined through the piece's end nodes, never straight
along the piece, so very close pairs may be slightly overestimated. The table has
``n_origins × n_destinations`` rows, so it is meant for small studies; region-wide access uses
:func:`jamlik.routing.accessibility`, which never materialises all pairs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.config import DEFAULT_PROFILE, profile
from jamlik.errors import DataError, MissingColumnError
from jamlik.geo import project
from jamlik.i18n import format_number, t
from jamlik.ingest.osm import read_osm
from jamlik.ingest.scenario import Scenario
from jamlik.networks import (
    Snapped,
    StreetNetwork,
    build_street_network,
    point_seeds,
    snap_points,
)
from jamlik.routing.engine import travel_costs
from jamlik.runs.scenario import edit_streets, place_scenario

__all__ = ["od_travel_times"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]


def od_travel_times(
    osm: str | Path,
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    mode: Literal["walk", "bike"] = "walk",
    speed_kmh: float | None = None,
    max_snap_m: float = 500.0,
    crs: str | None = None,
    progress: Callable[[int], None] | None = None,
    scenario: Scenario | None = None,
) -> pd.DataFrame:
    """Return the walk or bike OD table between two sets of ``id, lon, lat`` points.

    Parameters
    ----------
    osm
        OSM extract (``.osm.pbf`` or ``.osm``).
    origins, destinations
        Frames with columns ``id``, ``lon``, ``lat`` (WGS84).
    mode
        ``walk`` or ``bike``: which street network and tag rule.
    speed_kmh
        Travel speed in km/h; default the speed of the ``adult`` profile for walking and of
        the ``bike`` profile for cycling.
    max_snap_m
        Points farther than this from a usable street are unreachable.
    crs
        Metric CRS for the network; default: the UTM zone of the extract.
    progress
        Called with the number of origins finished since the last call.
    scenario
        A plan whose street links and closures apply (:mod:`jamlik.runs.scenario`); its
        homes and places do not change an OD table.

    Returns
    -------
    pandas.DataFrame
        ``origin_id, destination_id, distance_m, minutes`` (NaN when unreachable).

    Raises
    ------
    MissingColumnError
        If a point table lacks ``id``, ``lon`` or ``lat``.
    DataError
        If ``mode`` or ``speed_kmh`` is invalid or ids repeat.
    """
    if mode not in ("walk", "bike"):
        raise DataError(t("runs.bad_mode", mode=mode))
    if speed_kmh is None:
        speed_kmh = profile(DEFAULT_PROFILE if mode == "walk" else "bike").speed_kmh
    if not 0 < speed_kmh <= 100:
        raise DataError(t("runs.bad_speed", speed_kmh=speed_kmh))
    for name, frame in (("origins", origins), ("destinations", destinations)):
        missing = [c for c in ("id", "lon", "lat") if c not in frame.columns]
        if missing:
            raise MissingColumnError(t("runs.points_missing_columns", name=name, missing=missing))
        repeated = frame["id"][frame["id"].duplicated()].unique()
        if repeated.size:
            raise DataError(
                t("runs.ids_repeat", name=name, items=", ".join(map(str, repeated[:5])))
            )

    data = read_osm(osm)
    network = build_street_network(data, mode=mode, crs=crs)
    if scenario is not None:
        network = edit_streets(network, place_scenario(scenario, network.crs))
    graph = network.to_distance_graph()
    for name, frame in (("origins", origins), ("destinations", destinations)):
        _check_inside_extract(network, frame, name=name, margin_m=max_snap_m)

    def snap(frame: pd.DataFrame) -> tuple[Snapped, FloatArray, FloatArray, FloatArray]:
        x, y = project(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), network.crs)
        snapped = snap_points(network, x, y, max_distance_m=max_snap_m, graph=graph)
        snap_m = np.where(snapped.street >= 0, snapped.snap_distance_m, np.inf)
        return snapped, snap_m, x, y

    o_snapped, o_snap, o_x, o_y = snap(origins)
    d_snapped, d_snap, d_x, d_y = snap(destinations)
    o_seeds = point_seeds(network, graph, o_snapped, towards=False)
    d_seeds = point_seeds(network, graph, d_snapped, towards=True)
    network_m = travel_costs(graph, o_seeds, d_seeds, progress=progress)
    network_m = np.minimum(network_m, _along_same_street(network, o_snapped, d_snapped))
    distance = network_m + o_snap[:, None] + d_snap[None, :]
    same_place = (o_x[:, None] == d_x[None, :]) & (o_y[:, None] == d_y[None, :])
    distance = np.where(same_place & np.isfinite(distance), 0.0, distance)
    distance = np.where(np.isfinite(distance), distance, np.nan)
    minutes = distance / (speed_kmh / 3.6) / 60.0
    n_o, n_d = distance.shape
    log.info(t("runs.od_table", n_o=format_number(n_o), n_d=format_number(n_d)))
    return pd.DataFrame(
        {
            "origin_id": np.repeat(origins["id"].to_numpy(), n_d),
            "destination_id": np.tile(destinations["id"].to_numpy(), n_o),
            "distance_m": distance.ravel(),
            "minutes": minutes.ravel(),
        }
    )


def _check_inside_extract(
    network: StreetNetwork, points: pd.DataFrame, *, name: str, margin_m: float
) -> None:
    """Refuse swapped lon/lat and points wholly outside the extract; warn about some outside.

    A point farther than ``margin_m`` outside the streets' bounding box can never be snapped:
    its travel times would come out blank with no reason given.
    """
    if points.empty:
        return
    x0, x1 = float(network.node_x.min()) - margin_m, float(network.node_x.max()) + margin_m
    y0, y1 = float(network.node_y.min()) - margin_m, float(network.node_y.max()) + margin_m

    def inside(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
        x, y = project(lon, lat, network.crs)
        return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)

    lon, lat = points["lon"].to_numpy(float), points["lat"].to_numpy(float)
    ok = inside(lon, lat)
    if ok.all():
        return
    if not ok.any():
        if inside(lat, lon).mean() > 0.5:
            raise DataError(t("runs.osm_lonlat_swapped", name=name))
        raise DataError(
            t(
                "runs.points_outside_extract",
                name=name,
                n=format_number(len(points)),
                lon=f"{lon[0]:g}",
                lat=f"{lat[0]:g}",
            )
        )
    ids = ", ".join(map(str, points["id"].to_numpy()[~ok][:5]))
    log.warning(
        t(
            "runs.some_points_outside_extract",
            name=name,
            value=format_number(int((~ok).sum())),
            ids=ids,
        ),
    )


def _along_same_street(network: StreetNetwork, origin: Snapped, destination: Snapped) -> FloatArray:
    """Distance straight along the street piece for pairs snapped to the same piece.

    The seeds join a point to its piece's end nodes only; two points on one piece can also meet
    directly along it, where the piece may be travelled in that direction.
    """
    o_street, d_street = origin.street[:, None], destination.street[None, :]
    same = (o_street == d_street) & (o_street >= 0)
    delta = destination.along_m[None, :] - origin.along_m[:, None]
    street = np.where(same, o_street, 0)
    allowed = np.where(delta >= 0, network.street_forward[street], network.street_backward[street])
    return np.where(same & allowed, np.abs(delta), np.inf)
