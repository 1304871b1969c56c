"""SDG 11.2.1 along straight lines on a pack with a timetable (Porto Alegre, 2019-05-13).

With GTFS the approximation knows which stops are served on the date and which are
high-capacity (Trensurb metro), so the UN rule applies: 500 m to any served stop or 1 km to a
high-capacity one, both as straight line × 1.3. The oracle measures each population cell's
distances with shapely (to the served stops, and to the high-capacity ones) and weights the
cells by their residents.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely

from jamlik.geo import project
from jamlik.indicators.access.transit_service import stop_service
from jamlik.ingest import load_pack
from jamlik.ingest.gtfs import read_gtfs
from jamlik.runs.straight_line import straight_line_sdg

PACK = Path(__file__).resolve().parents[1] / "packs" / "porto_alegre"
DATE = dt.date(2019, 5, 13)


def test_un_rule_along_straight_lines_equals_shapely(shared_data: Path) -> None:
    assert shared_data.is_dir()
    pack = load_pack(PACK)
    result = straight_line_sdg(pack, distances_m=(400, 800), detour_factor=1.3, date=DATE)
    stops = stop_service(read_gtfs(pack.gtfs_paths, service_date=DATE), bands_min=())
    served = stops[stops["capacity"] != "none"]
    x, y = project(served["lon"], served["lat"], pack.crs.to_string())
    points = shapely.points(np.asarray(x), np.asarray(y))
    high = points[(served["capacity"] == "high").to_numpy()]
    assert 0 < high.size < points.size
    cells = pack.cells()
    assert cells is not None
    cells = cells[cells["pop_total"] > 0]
    homes = shapely.points(cells["x"].to_numpy(), cells["y"].to_numpy())
    to_any = shapely.distance(homes, shapely.multipoints(points)) * 1.3
    to_high = shapely.distance(homes, shapely.multipoints(high)) * 1.3
    pop = cells["pop_total"].to_numpy(float)
    everyone = result.groups.loc["pop_total"]
    assert everyone["population"] == pytest.approx(pop.sum())
    want = np.average((to_any <= 500) | (to_high <= 1000), weights=pop)
    assert everyone["share_convenient"] == pytest.approx(want, abs=1e-12)
    for d in (400, 800):
        assert everyone[f"share_within_{d}m"] == pytest.approx(
            np.average(to_any <= d, weights=pop), abs=1e-12
        )
    assert any(DATE.isoformat() in note for note in result.notes)
    assert len(result.stops) == len(served)
