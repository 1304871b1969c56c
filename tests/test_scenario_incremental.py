"""A scenario run that updates today's equals a full scenario run (sample town, real Tampere).

Oracle: :func:`jamlik.runs.access.compute_pack_access` with the scenario, run from scratch.
Per-resident nearest times and counts must be equal exactly (the same floats), decayed sums
and the area aggregates of them to rounding; notes, residents and opportunities the same.
Scenarios are drawn at random: new and closed places, closed OSM ways, new links between
street nodes, new and removed homes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jamlik.datasets import generate_town, write_town_pack
from jamlik.datasets.scenario import town_scenario
from jamlik.ingest import Pack, load_pack, read_osm
from jamlik.ingest.scenario import load_scenario
from jamlik.networks import build_street_network
from jamlik.runs.access import AccessOptions, PackAccess, compute_pack_access
from jamlik.runs.incremental import access_baseline, incremental_access
from jamlik.runs.scenario import place_scenario
from jamlik.scenarios.compare import per_origin_values

ROOT = Path(__file__).resolve().parents[1]
TAMPERE = ROOT / "packs" / "tampere"
TOWN_OPTIONS = AccessOptions(profiles=("adult", "child", "wheelchair", "bike"), grid_m=250)


def assert_same_access(got: PackAccess, want: PackAccess) -> None:
    """Nearest and counts exactly, decayed sums and aggregates to rounding."""
    a, b = per_origin_values(got), per_origin_values(want)
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(a.index, b.index)
    decayed = [c for c in a.columns if "_decay_" in c]
    exact = [c for c in a.columns if c not in decayed]
    np.testing.assert_array_equal(a[exact].to_numpy(), b[exact].to_numpy())
    np.testing.assert_allclose(a[decayed].to_numpy(), b[decayed].to_numpy(), rtol=1e-9, atol=1e-9)
    assert got.notes == want.notes
    for name in ("summary", "area_values", "grid_values"):
        x, y = getattr(got, name), getattr(want, name)
        if y is None:
            assert x is None
            continue
        assert list(x.columns) == list(y.columns)
        numeric = x.select_dtypes("number").columns
        pd.testing.assert_frame_equal(x.drop(columns=numeric), y.drop(columns=numeric))
        np.testing.assert_allclose(
            x[numeric].to_numpy(dtype=float), y[numeric].to_numpy(dtype=float), rtol=1e-9
        )
    pd.testing.assert_frame_equal(got.residents, want.residents)
    for name in ("resident_changes", "residents_staying"):
        x, y = getattr(got, name), getattr(want, name)
        assert (x is None) == (y is None)
        if y is not None:
            pd.testing.assert_frame_equal(x, y)
    pd.testing.assert_frame_equal(got.opportunities, want.opportunities)


def random_scenario(pack: Pack, rng: np.random.Generator, *, kinds: tuple[str, ...]) -> str:
    """A scenario file (in the pack's CRS) with random changes of the given kinds."""
    assert pack.osm_path is not None
    walk = build_street_network(read_osm(pack.osm_path), mode="walk", crs=pack.crs.to_string())
    x, y = walk.node_x, walk.node_y
    lines = [f'[scenario]\nname = "random"\ncrs = "{pack.crs.to_string()}"\n']

    def node() -> tuple[float, float]:
        i = int(rng.integers(walk.n_nodes))
        return float(x[i]), float(y[i])

    if "services" in kinds:
        for i in range(int(rng.integers(1, 4))):
            cat = ["school", "grocery"][i % 2]
            px, py = node()
            lines.append(
                f'[[services]]\nname = "s{i}"\ncategory = "{cat}"\npoint = [{px + 20}, {py}]\n'
            )
        px, py = node()
        lines.append(
            f'[[closed_services]]\nname = "c"\ncategory = "school"\npoint = [{px}, {py}]\n'
            "radius_m = 1000\n"
        )
    if "closures" in kinds:
        ways = np.unique(walk.street_osm_way_id[walk.street_osm_way_id > 0])
        chosen = rng.choice(ways, size=3, replace=False).tolist()
        lines.append(f'[[closures]]\nname = "k"\nosm_way_ids = {chosen}\n')
    if "links" in kinds:
        for i in range(int(rng.integers(1, 3))):
            (ax, ay), (bx, by) = node(), node()
            if ax == bx and ay == by:
                continue
            lines.append(
                f'[[links]]\nname = "l{i}"\ncoordinates = [[{ax}, {ay}], [{bx}, {by}]]\n'
                'modes = ["walk", "bike"]\n'
            )
    if "homes" in kinds:
        px, py = node()
        lines.append(f'[[homes]]\nname = "h"\npoint = [{px}, {py}]\ndwellings = 120\n')
        px, py = node()
        lines.append(f'[[removed_homes]]\nname = "r"\npoint = [{px}, {py}]\ndwellings = 10\n')
    return "\n".join(lines)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pack, str]:
    generated = generate_town(n_nodes=2500, seed=1)
    path = write_town_pack(generated, tmp_path_factory.mktemp("town"))
    return load_pack(path), town_scenario(generated)


@pytest.fixture(scope="module")
def town_baseline(town):  # type: ignore[no-untyped-def]
    return access_baseline(town[0], options=TOWN_OPTIONS)


def test_baseline_today_equals_a_full_run(town, town_baseline) -> None:  # type: ignore[no-untyped-def]
    assert_same_access(town_baseline.today, compute_pack_access(town[0], options=TOWN_OPTIONS))


def _check(pack: Pack, baseline, text: str, tmp_path: Path, options: AccessOptions):  # type: ignore[no-untyped-def]
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    placed = place_scenario(load_scenario(path), pack)
    got, stats = incremental_access(baseline, placed)
    want = compute_pack_access(pack, options=options, scenario=placed)
    assert_same_access(got, want)
    return stats.table


def test_the_demo_plan_equals_a_full_run(town, town_baseline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Homes, a school and a footbridge: the sample plan of ``make demo``."""
    stats = _check(town[0], town_baseline, town[1], tmp_path, TOWN_OPTIONS)
    assert (stats["changed_edges"] > 0).all()  # the footbridge, for every profile


@pytest.mark.parametrize("seed", range(4))
def test_random_plans_equal_a_full_run(town, town_baseline, tmp_path: Path, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    kinds = ("services", "closures", "links", "homes")
    text = random_scenario(town[0], rng, kinds=kinds)
    stats = _check(town[0], town_baseline, text, tmp_path, TOWN_OPTIONS)
    assert (stats["changed_opportunities"] > 0).all()


def test_an_empty_plan_searches_nothing(town, town_baseline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stats = _check(town[0], town_baseline, '[scenario]\nname = "empty"\n', tmp_path, TOWN_OPTIONS)
    assert (stats[["changed_edges", "changed_opportunities", "searches"]] == 0).all().all()


@pytest.mark.parametrize(
    "kinds", [("services",), ("links",), ("closures",), ("services", "links", "closures")]
)
def test_real_pack_tampere(tmp_path: Path, kinds: tuple[str, ...]) -> None:
    pack = load_pack(TAMPERE)
    options = AccessOptions(
        profiles=("adult", "wheelchair"),
        categories=("school", "grocery", "pharmacy", "transit_stop"),
        grid_m=0,
    )
    baseline = _tampere_baseline(pack, options)
    rng = np.random.default_rng(len(kinds) * 7 + len(kinds[0]))
    _check(pack, baseline, random_scenario(pack, rng, kinds=kinds), tmp_path, options)


_CACHE: dict[str, object] = {}


def _tampere_baseline(pack: Pack, options: AccessOptions):  # type: ignore[no-untyped-def]
    if "tampere" not in _CACHE:
        _CACHE["tampere"] = access_baseline(pack, options=options)
    return _CACHE["tampere"]


def test_compare_with_a_baseline_equals_compare_without(town, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from jamlik.scenarios.compare import compare_scenario

    options = AccessOptions(profiles=("adult", "child"), categories=("school", "grocery"), grid_m=0)
    path = tmp_path / "plan.toml"
    path.write_text(town[1], encoding="utf-8")
    # Walking and cycling only: the bus line is compared in test_scenario_transit_compare.py.
    scenario = load_scenario(path).model_copy(update={"transit_lines": []})
    full = compare_scenario(town[0], scenario, options=options)
    kept = access_baseline(town[0], options=options)
    fast = compare_scenario(town[0], scenario, options=options, baseline=kept)
    for name in ("area_change", "winners", "gaps", "profile_gaps"):
        a, b = getattr(fast, name), getattr(full, name)
        numeric = a.select_dtypes("number").columns
        pd.testing.assert_frame_equal(a.drop(columns=numeric), b.drop(columns=numeric))
        np.testing.assert_allclose(
            a[numeric].to_numpy(dtype=float), b[numeric].to_numpy(dtype=float), rtol=1e-9, atol=1e-9
        )
    assert (full.area_change["delta"].abs() > 0).any()


@pytest.mark.parametrize(
    ("seed", "kinds"),
    [(0, ("links",)), (1, ("closures",)), (2, ("services", "closures", "links"))],
)
def test_plans_on_todays_homes_aggregate_only_touched_areas(  # type: ignore[no-untyped-def]
    town, town_baseline, tmp_path: Path, seed: int, kinds: tuple[str, ...]
) -> None:
    """Without new or removed homes only the areas and squares whose residents' values changed
    are aggregated again (and the whole pack): every table still equals a full run's."""
    rng = np.random.default_rng(100 + seed)
    text = random_scenario(town[0], rng, kinds=kinds)
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    placed = place_scenario(load_scenario(path), town[0])
    got, stats = incremental_access(town_baseline, placed)
    want = compute_pack_access(town[0], options=TOWN_OPTIONS, scenario=placed)
    assert_same_access(got, want)
    assert stats.changed_origins is not None and stats.changed_origins > 0
    # What the update takes from today's run is what a full run builds again.
    exact = [c for c in want.origins.columns if "_decay_" not in c]
    pd.testing.assert_frame_equal(got.origins[exact], want.origins[exact])
    for name in ("descriptions", "areas", "grid"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name))
    # Some areas and squares were left as they were today.
    for name in ("area_values", "grid_values"):
        before, after = getattr(town_baseline.today, name), getattr(got, name)
        same = np.isclose(before["value"], after["value"], rtol=0, atol=0, equal_nan=True)
        assert same.any() and not same.all()


def local_change(pack: Pack, case: str) -> str:
    """The benchmark's lab changes: a school at a street node, or a 400 m link between two."""
    assert pack.osm_path is not None
    walk = build_street_network(read_osm(pack.osm_path), mode="walk", crs=pack.crs.to_string())
    x, y = walk.node_x, walk.node_y
    a = int(np.random.default_rng(3).integers(walk.n_nodes))
    body = f'[scenario]\nname = "{case}"\ncrs = "{pack.crs.to_string()}"\n\n'
    if case == "new_school":
        return body + f'[[services]]\nname = "s"\ncategory = "school"\npoint = [{x[a]}, {y[a]}]\n'
    b = int(np.argmin(np.abs(np.hypot(x - x[a], y - y[a]) - 400.0)))
    return body + (
        f'[[links]]\nname = "l"\ncoordinates = [[{x[a]}, {y[a]}], [{x[b]}, {y[b]}]]\n'
        'modes = ["walk", "bike"]\n'
    )


@pytest.mark.parametrize("case", ["new_school", "new_link"])
def test_tampere_areas_and_grid_of_a_local_change(tmp_path: Path, case: str) -> None:
    """Real pack, every category, the 250 m grid: the per-origin values, the summary, the area
    and the grid tables of an updated run equal a full run's, though only the squares of the
    residents whose values changed were aggregated again."""
    pack = load_pack(TAMPERE)
    options = AccessOptions(profiles=("adult", "child"), grid_m=250)
    if "tampere_grid" not in _CACHE:
        _CACHE["tampere_grid"] = access_baseline(pack, options=options)
    baseline = _CACHE["tampere_grid"]
    path = tmp_path / "s.toml"
    path.write_text(local_change(pack, case), encoding="utf-8")
    placed = place_scenario(load_scenario(path), pack)
    got, stats = incremental_access(baseline, placed)  # type: ignore[arg-type]
    want = compute_pack_access(pack, options=options, scenario=placed)
    assert_same_access(got, want)
    assert want.grid_values is not None and len(want.grid_values) > 100_000
    n_nodes = len(want.origins)
    assert stats.changed_origins is not None and 0 < stats.changed_origins < n_nodes
    changed = ~np.isclose(
        baseline.today.grid_values["value"],
        want.grid_values["value"],
        rtol=0,
        atol=0,  # type: ignore[attr-defined]
        equal_nan=True,
    )
    assert changed.any() and not changed.all()
