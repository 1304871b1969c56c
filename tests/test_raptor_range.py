"""Range RAPTOR equals the single-departure query run at every minute of the window, and the
window statistics equal numpy's nearest-rank percentiles of those per-minute times."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks.timetable import Timetable, build_timetable
from jamlik.routing.raptor import earliest_arrivals, link_points, travel_times

with warnings.catch_warnings():
    # typer 0.20 touches click.utils.get_binary_stream, deprecated in click 8.3 (import only)
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.transit import register

POA = "osm_gtfs_porto_alegre"


@pytest.fixture(scope="module")
def tampere(shared_data: Path) -> Timetable:
    feed = read_gtfs(
        shared_data / "osm_gtfs_tampere/tampere_gtfs.zip", service_date=dt.date(2021, 12, 14)
    )
    return build_timetable(feed, max_walk_m=800.0)


@pytest.fixture(scope="module")
def porto_alegre(shared_data: Path) -> Timetable:
    feed = read_gtfs(
        [shared_data / POA / "poa_eptc.zip", shared_data / POA / "poa_trensurb.zip"],
        service_date=dt.date(2019, 5, 13),
    )
    return build_timetable(feed)


def test_range_stop_arrivals_equal_minute_by_minute(tampere: Timetable) -> None:
    rng = np.random.default_rng(3)
    t0 = 7 * 3600
    minutes = t0 + 60 * np.arange(60)
    for origin in rng.choice(tampere.n_stops, size=15, replace=False):
        acc = link_points(tampere, pd.DataFrame({"id": [0], "stop_id": [tampere.stop_ids[origin]]}))
        kw = {"access_stops": acc.target, "access_s": acc.seconds, "max_rides": 4}
        ranged = earliest_arrivals(tampere, departures_s=minutes, **kw)
        for j, t in enumerate(minutes):
            single = earliest_arrivals(tampere, departures_s=[t], **kw)[0]
            np.testing.assert_array_equal(ranged[j], single, err_msg=f"stop {origin}, t={t}")
        # labels really change over the window (the test is not comparing constants)
        assert (ranged[0] != ranged[-1]).any()


def test_range_statistics_equal_per_minute_percentiles(
    porto_alegre: Timetable, shared_data: Path
) -> None:
    hexes = pd.read_csv(shared_data / POA / "poa_hexgrid.csv")
    origins = hexes.sample(8, random_state=1)[["id", "lon", "lat"]]
    pois = pd.read_csv(shared_data / POA / "poa_points_of_interest.csv")[["id", "lon", "lat"]]
    t0, window = 13 * 3600, 30
    pct = (10, 25, 50, 75, 90)
    res = travel_times(
        porto_alegre, origins, pois, departure_s=t0, window_min=window, percentiles=pct
    )
    per_minute = np.stack(
        [
            travel_times(
                porto_alegre, origins, pois, departure_s=t0 + 60 * m, window_min=0
            ).minutes[:, :, 0]
            for m in range(window)
        ]
    )
    per_minute = np.where(np.isnan(per_minute), np.inf, per_minute)
    want = np.stack(
        [per_minute.min(axis=0)]
        + [np.percentile(per_minute, p, axis=0, method="inverted_cdf") for p in pct],
        axis=-1,
    )
    want = np.where(np.isinf(want), np.nan, want)
    np.testing.assert_allclose(res.minutes, want, rtol=1e-6)
    assert np.isfinite(res.minutes).mean() > 0.5
    # the same with labels reset at every minute (repeated single departures)
    single = travel_times(
        porto_alegre, origins, pois, departure_s=t0, window_min=window, percentiles=pct,
        reuse_labels=False,
    )  # fmt: skip
    np.testing.assert_array_equal(res.minutes, single.minutes)


def test_cli_writes_the_library_result(
    porto_alegre: Timetable, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", "en")
    origins = tmp_path / "o.csv"
    hexes = pd.read_csv(shared_data / POA / "poa_hexgrid.csv").head(20)
    hexes[["id", "lon", "lat"]].to_csv(origins, index=False)
    dests = tmp_path / "d.csv"
    stops = porto_alegre.stop_ids[:10]
    pd.DataFrame({"id": [f"s{i}" for i in range(10)], "stop_id": stops}).to_csv(dests, index=False)
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    out = tmp_path / "od.csv"
    args = ["transit-times", "--gtfs", str(shared_data / POA / "poa_eptc.zip"), "--gtfs",
            str(shared_data / POA / "poa_trensurb.zip"), "--date", "2019-05-13", "--depart",
            "13:00", "--window-min", "20", "--origins", str(origins), "--destinations",
            str(dests), "--out", str(out), "--percentiles", "25,50,75"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "times_interpolated_distance" in result.output  # the repairs are reported
    table = pd.read_csv(out, dtype={"origin_id": str, "destination_id": str})
    assert list(table.columns) == [
        "origin_id", "destination_id", "minutes_min", "minutes_p25", "minutes_p50", "minutes_p75"
    ]  # fmt: skip
    assert len(table) == 20 * 10
    want = travel_times(
        porto_alegre, hexes[["id", "lon", "lat"]],
        pd.DataFrame({"id": [f"s{i}" for i in range(10)], "stop_id": stops}),
        departure_s=13 * 3600, window_min=20, percentiles=(25, 50, 75),
    ).to_frame()  # fmt: skip
    np.testing.assert_allclose(table["minutes_p50"], want["minutes_p50"], atol=0.006)
    assert table["minutes_p50"].isna().sum() == want["minutes_p50"].isna().sum()
    # bad input: a clean message and exit code 2
    args[args.index("--depart") + 1] = "1pm"
    result = CliRunner().invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 2
    assert "cannot read the time '1pm'" in result.output
