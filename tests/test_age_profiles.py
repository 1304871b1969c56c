"""Children's and seniors' access means the children and older residents, at their speed.

Hand case (straight line × 1.3, no streets): two 800 m squares, a stop at the centre of A, B far
away. Seniors walk 0.97 m/s, so 15 minutes reach 0.97 × 900 / 1.3 = 671.5 m of straight line:
every lattice point of A (at most 495 m from the centre) is within, no point of B (at least
1650 m away, beyond the 30-minute bound of 1343 m). A has 100 residents of whom 30 are 65+,
B has 50 of whom 40 are 65+. So:

* seniors' share within 15 min = 30 / 70 = 0.4286 (older residents, senior speed);
* the senior speed applied to everyone (the old behaviour) = 100 / 150 = 0.6667.

On the generated sample town (streets, buildings) the senior area layer holds the 65+ residents:
its population per area equals the statistics, its values equal the long table's rows for the
group ``age_65_plus``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from jamlik.config import profile
from jamlik.datasets import generate_town, write_town_pack
from jamlik.ingest import load_pack
from jamlik.runs.access import AccessOptions, PackAccess, compute_pack_access
from jamlik.runs.inputs import profile_groups
from jamlik.runs.straight_line import straight_line_access

X0, Y0 = 300_000.0, 6_400_000.0


def _tiny_pack(folder: Path, *, ages: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    squares = [shapely.box(X0, Y0, X0 + 800, Y0 + 800),
               shapely.box(X0 + 2000, Y0, X0 + 2800, Y0 + 800)]  # fmt: skip
    gpd.GeoDataFrame({"area_id": ["A", "B"], "name": ["A", "B"]}, geometry=squares,
                     crs="EPSG:3006").to_file(folder / "areas.gpkg", layer="areas")  # fmt: skip
    stats = pd.DataFrame({"area_id": ["A", "B"], "year": [2023, 2023], "pop_total": [100, 50],
                          "age_6_15": [20, 5], "age_65_plus": [30, 40]})  # fmt: skip
    stats.to_csv(folder / "stats.csv", index=False)
    # A second stop 10 km away (beyond every bound): a one-row layer trips a NumPy deprecation
    # inside the point reader (ingest.areas.read_points).
    stops = pd.DataFrame({"id": ["s1", "far"], "x": [X0 + 400] * 2, "y": [Y0 + 400, Y0 + 1e4]})
    stops.to_csv(folder / "stops.csv", index=False)
    groups = 'groups = { age_6_15 = "age_6_15", age_65_plus = "age_65_plus" }' if ages else ""
    (folder / "pack.toml").write_text(
        f"""[pack]
name = "tiny"
crs = "EPSG:3006"

[areas]
path = "areas.gpkg"
layer = "areas"
id = "area_id"
name = "name"

[[statistics]]
path = "stats.csv"
area_id = "area_id"
year = "year"
total = "pop_total"
{groups}

[[opportunities]]
path = "stops.csv"
id = "id"
x = "x"
y = "y"
crs = "EPSG:3006"
category = "transit_stop"
""",
        encoding="utf-8",
    )
    return folder


def _value(result: PackAccess, prof: str, group: str, area: str, measure: str) -> float:
    v = result.area_values
    row = v[(v["profile"] == prof) & (v["group"] == group) & (v["area_id"] == area)
            & (v["measure"] == measure)]  # fmt: skip
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_hand_case_seniors_are_older_residents(tmp_path: Path) -> None:
    pack = load_pack(_tiny_pack(tmp_path / "tiny", ages=True))
    opts = AccessOptions(profiles=("adult", "senior"), grid_m=0)
    result = straight_line_access(pack, options=opts, detour_factor=1.3)
    assert result.profile_groups == {"adult": "pop_total", "senior": "age_65_plus"}
    assert _value(result, "senior", "age_65_plus", "*", "in15") == pytest.approx(30 / 70)
    assert _value(result, "senior", "pop_total", "*", "in15") == pytest.approx(100 / 150)
    # Minutes to the stop in A: the mean over A's 64 lattice points (100 m, centres at 50 m).
    c = np.arange(50.0, 800.0, 100.0)
    d = np.hypot(*np.meshgrid(c - 400, c - 400))
    assert d.max() < 0.97 * 900 / 1.3 < 1650
    want = float(np.mean(d * 1.3 / 0.97 / 60))
    assert _value(result, "senior", "age_65_plus", "A", "min") == pytest.approx(want, rel=1e-9)
    layers, _ = result.output_layers(pd.DataFrame({"name": ["x"]}))
    senior = layers["areas_senior_approx"].set_index("area_id")
    assert (senior["group"] == "age_65_plus").all()
    assert senior.loc["A", "population"] == 30 and senior.loc["B", "population"] == 40
    assert senior.loc["B", "transit_stop_noacc"] == 1.0
    assert senior.loc["A", "transit_stop_in15"] == 1.0
    assert (layers["areas_adult_approx"]["group"] == "pop_total").all()
    # Per-area senior counts on the points sum to the statistics.
    sums = result.residents.groupby("area_id")["age_65_plus"].sum()  # type: ignore[union-attr]
    assert sums.to_dict() == pytest.approx({"A": 30.0, "B": 40.0})
    assert any("age_65_plus" in n and "senior" in n for n in result.notes)


def test_without_age_statistics_everyone_with_a_warning(tmp_path: Path) -> None:
    pack = load_pack(_tiny_pack(tmp_path / "noage", ages=False))
    opts = AccessOptions(profiles=("child", "senior"), grid_m=0)
    result = straight_line_access(pack, options=opts)
    assert result.profile_groups == {"child": "pop_total", "senior": "pop_total"}
    warnings = [n for n in result.notes if "WARN" in n or "VARNING" in n]
    assert len(warnings) == 2 and any("age_65_plus" in n for n in warnings)
    layers, _ = result.output_layers(pd.DataFrame({"name": ["x"]}))
    assert (layers["areas_senior_approx"]["group"] == "pop_total").all()
    assert _value(result, "senior", "pop_total", "*", "in15") == pytest.approx(100 / 150)


def test_profile_groups_mapping() -> None:
    profiles = [profile(n) for n in ("adult", "child", "senior", "bike")]
    mapping, notes = profile_groups(profiles, ["pop_total", "age_65_plus"])
    assert mapping == {"adult": "pop_total", "child": "pop_total", "senior": "age_65_plus",
                       "bike": "pop_total"}  # fmt: skip
    assert len(notes) == 2  # child falls back (warning), senior uses its group (note)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PackAccess]:
    path = write_town_pack(generate_town(n_nodes=2000, seed=5), tmp_path_factory.mktemp("town"))
    opts = AccessOptions(profiles=("adult", "child", "senior"), categories=("school",),
                         grid_m=0)  # fmt: skip
    return path, compute_pack_access(load_pack(path), options=opts)


def test_network_layers_hold_the_profiles_group(town: tuple[Path, PackAccess]) -> None:
    path, result = town
    stats = load_pack(path).population()
    layers, _ = result.output_layers(pd.DataFrame({"name": ["x"]}))
    for prof, group in (("senior", "age_65_plus"), ("child", "age_6_15"), ("adult", "pop_total")):
        layer = layers[f"areas_{prof}"].set_index("area_id")
        assert (layer["group"] == group).all()
        want = stats[group].astype(int)
        assert layer["population"].reindex(want.index).tolist() == want.tolist()
        for area in list(layer.index[:4]):
            got = layer.loc[area, "school_in15"]
            assert got == pytest.approx(_value(result, prof, group, area, "in15"), abs=1e-4)
    # The residents on the nodes: senior counts per area sum to the statistics.
    sums = result.residents.groupby("area_id")["age_65_plus"].sum()  # type: ignore[union-attr]
    assert sums.reindex(stats.index).tolist() == stats["age_65_plus"].astype(int).tolist()
    senior_everyone = _value(result, "senior", "pop_total", "*", "in15")
    senior_older = _value(result, "senior", "age_65_plus", "*", "in15")
    assert senior_everyone != senior_older  # the group changes the number


def test_a_fetched_pack_weights_children_by_scbs_age_band() -> None:
    from jamlik.config import DEFAULT_PROFILES
    from jamlik.runs.inputs import profile_groups

    profiles = [DEFAULT_PROFILES[n] for n in ("adult", "child", "senior")]
    fetched = ("women", "men", "age_0_14", "age_15_19", "age_20_64", "age_65_plus")
    mapping, notes = profile_groups(profiles, fetched)
    assert mapping == {"adult": "pop_total", "child": "age_0_14", "senior": "age_65_plus"}
    town = ("age_0_5", "age_6_15", "age_16_64", "age_65_plus")
    assert profile_groups(profiles, town)[0]["child"] == "age_6_15"  # the closer band wins
    mapping, notes = profile_groups(profiles, ("born_abroad",))
    assert mapping["child"] == "pop_total" and any("age_6_15 / age_0_14" in n for n in notes)
