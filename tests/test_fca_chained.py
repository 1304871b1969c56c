"""`fca` reads `travel-times` output as it is: blank minutes are unreachable pairs.

Chained on the real Tampere extract: origins and destinations are street nodes, a third of the
destinations unreachable on purpose (a cut-off speed of the whole extract is not needed: points
on separate components come out blank). The scores equal a hand-written 2SFCA over the
reachable pairs only.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import typer
    from typer.testing import CliRunner

    from jamlik.cli import fca, travel_times

from jamlik.networks import build_street_network


def invoke(args: list[str]) -> tuple[int, str]:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """Test group."""

    fca.register(app)
    travel_times.register(app)
    result = CliRunner().invoke(app, args, env={"JAMLIK_LANG": "en"})
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def test_travel_times_output_feeds_fca(shared_data: Path, tmp_path: Path) -> None:
    osm = shared_data / "osm_gtfs_tampere" / "tampere.osm.pbf"
    network = build_street_network(osm, mode="walk")
    rng = np.random.default_rng(11)
    nodes = rng.choice(len(network.node_x), size=30, replace=False)
    lon, lat = pyproj.Transformer.from_crs(network.crs, "EPSG:4326", always_xy=True).transform(
        network.node_x[nodes], network.node_y[nodes]
    )
    points = pd.DataFrame({"id": [f"p{i}" for i in range(30)], "lon": lon, "lat": lat})
    points.iloc[:20].to_csv(tmp_path / "origins.csv", index=False)
    points.iloc[20:].to_csv(tmp_path / "destinations.csv", index=False)
    cost = tmp_path / "cost.csv"
    code, output = invoke(
        [
            "travel-times",
            "--osm",
            str(osm),
            "--origins",
            str(tmp_path / "origins.csv"),
            "--destinations",
            str(tmp_path / "destinations.csv"),
            "--out",
            str(cost),
        ]
    )
    assert code == 0, output
    table = pd.read_csv(cost, dtype={"origin_id": str, "destination_id": str})
    # Make some pairs unreachable the way travel-times writes them: blank cells.
    table.loc[table.index % 3 == 0, ["distance_m", "minutes"]] = np.nan
    table.to_csv(cost, index=False)
    demand = pd.DataFrame({"id": points["id"][:20], "demand": rng.integers(10, 500, 20)})
    supply = pd.DataFrame({"id": points["id"][20:], "capacity": rng.integers(1, 50, 10)})
    demand.to_csv(tmp_path / "demand.csv", index=False)
    supply.to_csv(tmp_path / "supply.csv", index=False)
    out = tmp_path / "scores.csv"
    code, output = invoke(
        [
            "fca",
            "--demand",
            str(tmp_path / "demand.csv"),
            "--supply",
            str(tmp_path / "supply.csv"),
            "--cost",
            str(cost),
            "--out",
            str(out),
            "--max-minutes",
            "15",
        ]
    )
    assert code == 0, output
    scores = pd.read_csv(out, dtype={"id": str}).set_index("id")["score"]

    inside = table[table["minutes"].notna() & (table["minutes"] <= 15)]
    assert 0 < len(inside) < len(table)
    d = demand.set_index("id")["demand"].astype(float)
    s = supply.set_index("id")["capacity"].astype(float)
    ratio = {j: s[j] / d[rows["origin_id"]].sum() for j, rows in inside.groupby("destination_id")}
    expected = {
        i: sum(ratio[j] for j in rows["destination_id"]) for i, rows in inside.groupby("origin_id")
    }
    for i in demand["id"]:
        assert scores[i] == pytest.approx(expected.get(i, 0.0), rel=1e-12)


def test_text_in_minutes_is_named_by_row(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("id,demand\na,1\n")
    (tmp_path / "s.csv").write_text("id,capacity\nx,1\n")
    (tmp_path / "c.csv").write_text("origin_id,destination_id,minutes\na,x,\na,x,soon\n")
    code, output = invoke(
        [
            "fca",
            "--demand",
            str(tmp_path / "d.csv"),
            "--supply",
            str(tmp_path / "s.csv"),
            "--cost",
            str(tmp_path / "c.csv"),
            "--out",
            str(tmp_path / "o.csv"),
        ]
    )
    assert code != 0 and "not a number at line 3" in output
