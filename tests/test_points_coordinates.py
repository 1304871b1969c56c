"""Coordinates that cannot be right are refused: metres labelled degrees, 0,0, swapped lon/lat,
points outside the extract (issue: "0 reachable" with exit 0 is never the answer)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from jamlik.errors import DataError
from jamlik.ingest.gtfs_tables import read_points
from jamlik.runs.travel_times import od_travel_times

LUND = ("osm_lund_station", "lund_station.osm.pbf")
# Two points near Lund C (WGS84).
NEAR = [("a", 13.1870, 55.7050), ("b", 13.1900, 55.7060)]


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def csv(tmp_path: Path, rows: list[tuple[str, float, float]], name: str = "p.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows, columns=["id", "lon", "lat"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", 13.187, 55.705), ("b", 386000.0, 6176000.0)], "line 3: lon,lat 386000"),
        ([("a", 0.0, 0.0), ("b", 13.19, 55.706)], "line 2: lon,lat 0,0 is 0,0"),
    ],
)
def test_impossible_degrees_are_named_by_line(
    tmp_path: Path, rows: list[tuple[str, float, float]], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        read_points(csv(tmp_path, rows))


def test_swapped_lon_lat_is_an_error(shared_data: Path, tmp_path: Path) -> None:
    osm = shared_data.joinpath(*LUND)
    swapped = pd.DataFrame([(i, lat, lon) for i, lon, lat in NEAR], columns=["id", "lon", "lat"])
    good = pd.DataFrame(NEAR, columns=["id", "lon", "lat"])
    with pytest.raises(DataError, match="swap the two columns"):
        od_travel_times(osm, swapped, good)


def test_points_outside_the_extract(shared_data: Path, caplog: pytest.LogCaptureFixture) -> None:
    osm = shared_data.joinpath(*LUND)
    good = pd.DataFrame(NEAR, columns=["id", "lon", "lat"])
    far = pd.DataFrame([("stockholm", 18.07, 59.33)], columns=["id", "lon", "lat"])
    with pytest.raises(DataError, match="none of the 1 points lies in the OSM extract"):
        od_travel_times(osm, far, good)
    with caplog.at_level(logging.WARNING):
        table = od_travel_times(osm, pd.concat([good, far], ignore_index=True), good)
    assert "1 point(s) lie outside the OSM extract" in caplog.text and "stockholm" in caplog.text
    assert table.loc[table["origin_id"] == "stockholm", "minutes"].isna().all()
    assert table.loc[table["origin_id"] == "a", "minutes"].notna().all()


def test_transit_points_far_from_every_stop(
    shared_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import datetime as dt

    from jamlik.runs.transit_times import transit_od_times

    feed = shared_data / "gtfs_kuopio" / "gtfs_kuopio_2016_2017.zip"
    # Kuopio market square and the railway station (WGS84).
    good = pd.DataFrame([("tori", 27.6782, 62.8924), ("asema", 27.6970, 62.8976)],
                        columns=["id", "lon", "lat"])  # fmt: skip
    swapped = good.rename(columns={"lon": "lat", "lat": "lon"})
    far = pd.DataFrame([("helsinki", 24.94, 60.17)], columns=["id", "lon", "lat"])
    run = {"service_date": dt.date(2016, 11, 15), "departure_s": 8 * 3600, "window_min": 10}
    with pytest.raises(DataError, match="swap the two columns"):
        transit_od_times([feed], swapped, good, **run)
    with pytest.raises(DataError, match="no stop of the feed is within 1000 m"):
        transit_od_times([feed], far, good, **run)
    with caplog.at_level(logging.WARNING):
        table = transit_od_times([feed], pd.concat([good, far], ignore_index=True), good, **run)
    assert "1 point(s) have no stop within 1000 m" in caplog.text and "helsinki" in caplog.text
    assert table is not None
