"""Transit access by hour: equal to single RAPTOR queries per minute + street walks + hours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.ingest import Pack, load_pack
from jamlik.ingest.gtfs import read_gtfs
from jamlik.ingest.opening_hours import opening_schedule
from jamlik.networks import build_street_network
from jamlik.networks.timetable import WalkLinks, build_timetable
from jamlik.routing.raptor import PointWalks, travel_times
from jamlik.routing.transit_walk import StreetWalker, street_transfers
from jamlik.runs.transit_access import (
    TransitAccess,
    TransitAccessOptions,
    _opportunity_table,
    compute_transit_access,
)

PACKS = Path(__file__).resolve().parents[1] / "packs"


def _row(links: WalkLinks, i: int) -> WalkLinks:
    lo, hi = int(links.ptr[i]), int(links.ptr[i + 1])
    return WalkLinks(np.array([0, hi - lo]), links.target[lo:hi], links.seconds[lo:hi])


def _brute_force(pack: Pack, opts: TransitAccessOptions, result: TransitAccess, n: int) -> None:
    """Recompute ``n`` routed origins with one plain RAPTOR query per departure minute."""
    assert result.per_origin is not None
    date = opts.date
    walk = build_street_network(pack.osm_path, mode="walk", crs=pack.crs.to_string())  # type: ignore[arg-type]
    walker = StreetWalker(
        walk, max_walk_m=opts.max_walk_m, walk_speed_m_s=opts.walk_speed_m_s("adult")
    )
    names = [f.name or "" for f in pack.config.gtfs]
    feed = read_gtfs(pack.gtfs_paths, service_date=date, prefixes=names)
    tt = street_transfers(build_timetable(feed, max_walk_m=0.0), walker)
    opp = _opportunity_table(pack, opts)
    schedule = opening_schedule(
        opp["opening_hours"].tolist(), date=date, ids=opp["id"].tolist(),
        categories=opp["category"].tolist(),
    )  # fmt: skip
    stops = walker.place(tt.stop_lon, tt.stop_lat)
    d_pts = walker.place_xy(opp["x"], opp["y"])
    egress = walker.links(d_pts, stops)
    destinations = pd.DataFrame({"id": np.arange(len(opp)), "lon": 0.0, "lat": 0.0})
    origin_nodes = result.origins["origin"].to_numpy()
    rng = np.random.default_rng(11)
    sample = rng.choice(origin_nodes, size=n, replace=False)
    o_pts = walker.place_xy(walk.node_x[sample], walk.node_y[sample])
    access = walker.links(o_pts, stops)
    direct = walker.links(o_pts, d_pts)
    rank = 29  # nearest rank of the median of 60 minutes: ceil(0.5 * 60) - 1
    checked = 0
    for k, node in enumerate(sample):
        walks = PointWalks(_row(access, k), egress, _row(direct, k))
        origin = pd.DataFrame({"id": ["o"], "lon": [0.0], "lat": [0.0]})
        for hour in opts.hours:
            per_minute = np.full((60, len(opp)), np.inf)
            for m in range(60):
                t0 = 3600 * hour + 60 * m
                single = travel_times(
                    tt, origin, destinations, departure_s=t0, window_min=0, reuse_labels=False,
                    walks=walks, percentiles=(),
                )  # fmt: skip
                minutes = single.minutes[0, :, 0].astype(np.float64)
                ok = np.isfinite(minutes)
                arrival = t0 + np.rint(np.where(ok, minutes, 0) * 60).astype(np.int64)
                is_open = schedule.is_open(np.arange(len(opp)), arrival)
                short = minutes <= opts.max_trip_min + 1e-6
                per_minute[m] = np.where(ok & is_open & short, minutes, np.inf)
            p50 = np.sort(per_minute, axis=0)[rank]
            table = result.per_origin
            got = table[(table["hour"] == hour) & (table["origin"] == node)].iloc[0]
            for category, cols in opp.groupby("category").indices.items():
                near = p50[cols].min()
                want_near = near if np.isfinite(near) else np.nan
                assert got[f"{category}_nearest_min_transit"] == pytest.approx(
                    want_near, abs=1e-4, nan_ok=True
                )
                for cut in opts.cutoffs_min:
                    count = float(opp["weight"].to_numpy()[cols][p50[cols] <= cut].sum())
                    assert got[f"{category}_count_{cut:g}min_transit"] == pytest.approx(count)
                checked += 1
    assert checked > 0


def test_tampere_hours_7_to_9_equal_brute_force() -> None:
    pack = load_pack(PACKS / "tampere")
    opts = TransitAccessOptions(
        date=dt.date(2021, 12, 14), day_types=("weekday",), hours=(7, 8, 9),
        origin_cell_m=1500, keep_origins=True, cutoffs_min=(15, 30, 45),
    )  # fmt: skip
    result = compute_transit_access(pack, options=opts)
    assert result.dates == {"weekday": dt.date(2021, 12, 14)}
    summary = result.summary
    assert set(summary["hour"]) == {7, 8, 9} and set(summary["area_id"]) == {"*"}
    grocery = summary[summary["indicator"] == "grocery_count_30min_transit"]
    assert (grocery["value"] > 0).all()
    _brute_force(pack, opts, result, n=2)


def test_porto_alegre_hours_12_to_16_equal_brute_force() -> None:
    pack = load_pack(PACKS / "porto_alegre")
    opts = TransitAccessOptions(
        date=dt.date(2019, 5, 13), day_types=("weekday",), hours=(12, 13, 14, 15, 16),
        origin_cell_m=2000, keep_origins=True, categories=("school", "healthcare"),
        cutoffs_min=(20, 40),
    )  # fmt: skip
    result = compute_transit_access(pack, options=opts)
    summary = result.summary
    everyone = summary[(summary["area_id"] == "*") & (summary["group"] == "pop_total")]
    assert everyone["population"].iloc[0] == pytest.approx(812_935, rel=1e-6)
    # The r5r feed is cut to trips between about 11:20 and 17:50: service all five hours.
    schools = everyone[everyone["indicator"] == "school_count_40min_transit"]
    assert len(schools) == 5 and (schools["value"] > 0).all()
    _brute_force(pack, opts, result, n=2)
