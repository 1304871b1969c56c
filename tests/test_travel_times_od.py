"""The walk/bike OD table against networkx on the real OSM extracts, and its CSV contract."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import typer
from typer.testing import CliRunner

from jamlik.cli import travel_times as travel_times_cli
from jamlik.datasets import generate_town, write_town_pack
from jamlik.networks import build_street_network, snap_points
from jamlik.runs.travel_times import od_travel_times

EXTRACTS = {
    "lund": ("osm_lund_station/lund_station.osm.pbf", "walk", 40, 30),
    "tampere": ("osm_gtfs_tampere/tampere.osm.pbf", "walk", 20, 50),
    "porto_alegre_bike": ("osm_gtfs_porto_alegre/poa_osm.pbf", "bike", 20, 50),
}


def _networkx_graph(frame: pd.DataFrame) -> nx.DiGraph:
    graph = nx.DiGraph()
    for u, v, length, fwd, bwd in frame[["u", "v", "length_m", "forward", "backward"]].itertuples(
        index=False
    ):
        for a, b, ok in ((u, v, fwd), (v, u, bwd)):
            if ok and a != b and (not graph.has_edge(a, b) or graph[a][b]["w"] > length):
                graph.add_edge(a, b, w=length)
    return graph


@pytest.mark.parametrize("name", sorted(EXTRACTS))
def test_od_distances_equal_networkx(shared_data: Path, name: str) -> None:
    relative, mode, n_o, n_d = EXTRACTS[name]
    path = shared_data / relative
    network = build_street_network(path, mode=mode)  # type: ignore[arg-type]
    graph = network.to_distance_graph()
    rng = np.random.default_rng(5)
    nodes = rng.choice(graph.node_index, size=n_o + n_d, replace=False)
    to_lonlat = pyproj.Transformer.from_crs(network.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(network.node_x[nodes], network.node_y[nodes])
    points = pd.DataFrame({"id": [f"n{n}" for n in nodes], "lon": lon, "lat": lat})
    origins, destinations = points.iloc[:n_o], points.iloc[n_o:]
    table = od_travel_times(path, origins, destinations, mode=mode, speed_kmh=4.5)
    assert len(table) == n_o * n_d >= 1000

    reference = _networkx_graph(network.streets_frame())
    expected = []
    for o in nodes[:n_o]:
        lengths = nx.single_source_dijkstra_path_length(reference, int(o), weight="w")
        expected += [lengths.get(int(d), np.nan) for d in nodes[n_o:]]
    got = table["distance_m"].to_numpy()
    np.testing.assert_allclose(got, np.array(expected), rtol=0, atol=0.01, equal_nan=True)
    np.testing.assert_allclose(table["minutes"], got / (4.5 / 3.6) / 60, rtol=1e-12)


def test_point_mid_street_counts_snap_legs(tmp_path: Path) -> None:
    # The generated town has ordinary straight streets (Lund's extract is mostly platforms).
    write_town_pack(generate_town(n_nodes=800, seed=3), tmp_path)
    path = tmp_path / "town.osm.pbf"
    network = build_street_network(path, mode="walk")
    frame = network.streets_frame()
    to_lonlat = pyproj.Transformer.from_crs(network.crs, "EPSG:4326", always_xy=True)
    checked = 0
    # Straight pieces where a point 10 m beside the middle snaps back onto the same piece.
    for index in frame.sort_values("length_m", ascending=False).index[:200]:
        line = frame.geometry[index]
        (ax, ay), (bx, by) = line.coords[0], line.coords[-1]
        if np.hypot(bx - ax, by - ay) < 0.999 * line.length:
            continue
        mid = line.interpolate(0.5, normalized=True)
        nx_, ny_ = (ay - by) / line.length, (bx - ax) / line.length
        px, py = mid.x + 10 * nx_, mid.y + 10 * ny_
        snapped = snap_points(network, [px], [py])
        if snapped.street[0] != index or abs(snapped.snap_distance_m[0] - 10) > 1e-6:
            continue
        lon, lat = to_lonlat.transform([px, px], [py, py])
        o = pd.DataFrame({"id": ["beside"], "lon": lon[:1], "lat": lat[:1]})
        # The destination: 5 m further along the same piece, on it.
        ahead = line.interpolate(0.5 * line.length + 5.0)
        dlon, dlat = to_lonlat.transform([ahead.x, ahead.x], [ahead.y, ahead.y])
        d = pd.DataFrame({"id": ["ahead"], "lon": dlon[:1], "lat": dlat[:1]})
        table = od_travel_times(path, o, d)
        # 10 m to the street, then 5 m along it; the destination is on the street (0 m leg).
        assert table["distance_m"].iloc[0] == pytest.approx(15.0, abs=0.01)
        checked += 1
        if checked == 3:
            break
    assert checked == 3


def test_cli_contract_and_unreachable_rows(shared_data: Path, tmp_path: Path) -> None:
    osm = shared_data / "osm_lund_station/lund_station.osm.pbf"
    (tmp_path / "o.csv").write_text("id,lon,lat\na,13.18,55.705\nfar,14.5,56.0\n")
    (tmp_path / "d.csv").write_text("id,lon,lat\nb,13.185,55.71\n")
    app = typer.Typer()
    travel_times_cli.register(app)
    app.command("noop")(lambda: None)
    out = tmp_path / "od.csv"
    args = ["travel-times", "--osm", str(osm), "--mode", "walk", "--speed-kmh", "5",
            "--origins", str(tmp_path / "o.csv"), "--destinations", str(tmp_path / "d.csv"),
            "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "origin_id,destination_id,distance_m,minutes"
    assert lines[2] == "far,b,,"  # unreachable: empty, never 0
    table = pd.read_csv(out)
    assert table["distance_m"].iloc[0] > 0
    # Bad input: a missing column and a truncated OSM file give clean errors.
    (tmp_path / "bad.csv").write_text("id,x,y\na,1,2\n")
    bad_args = [*args[:-6], "--origins", str(tmp_path / "bad.csv")]
    bad_args += ["--destinations", str(tmp_path / "d.csv"), "--out", str(out), "--overwrite"]
    bad = CliRunner().invoke(app, bad_args)
    assert bad.exit_code == 2 and "lon" in bad.output
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(osm.read_bytes()[:2000])
    bad = CliRunner().invoke(app, ["travel-times", "--osm", str(broken), *args[5:], "--overwrite"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
