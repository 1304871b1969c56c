"""Indicator benchmark: jamlik vs the PySAL calls each indicator replaces or is checked against.

Run:  .venv/bin/python benchmarks/indicators_bench.py [--quick]

Inputs (all built in this script; the real data are only read):

* ``regso``  – the 300 real RegSO of the Göteborg region, 2023 (born abroad / population, wage
  income), with their polygons; 2020 for the change tests.
* ``deso``   – the 584 real DeSO polygons with counts generated from their RegSO's 2023 numbers
  (SCB publishes no DeSO statistics in the pack): a "DeSO-sized" input.
* ``nation`` – a generated nation of 6,000 square areas (60 × 100 grid, 1 km cells) with
  log-normal populations and a spatially clustered group share.
* FCA: the real Porto Alegre hexgrid (1,227 cells; crow-fly walking minutes) and a generated
  6,000-area nation with 600 supply points.

Each row prints the wall time of jamlik, of the peer, the ratio peer/jamlik (> 1: jamlik is
faster) and the largest absolute difference of the results. Times are the best of a few
repeats; the peers' numba kernels are warmed up first. One section per indicator family;
the vulnerability/targets/housing section is appended by its owner.
"""

# ruff: noqa: B023  (every lambda is called within its own loop iteration, by `record`)
from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
GR = DATA / "gr_statistical_areas"
SEED = 20260101


@dataclass
class Row:
    family: str
    what: str
    input: str
    n: int
    ours_s: float
    peer_s: float | None
    peer: str
    max_abs_diff: float | None


ROWS: list[Row] = []


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def record(
    family: str,
    what: str,
    name: str,
    n: int,
    ours: Callable[[], Any],
    peer: Callable[[], Any] | None,
    peer_name: str,
    repeat: int = 3,
) -> None:
    t_ours, r_ours = timed(ours, repeat)
    t_peer, r_peer, diff = None, None, None
    if peer is not None:
        t_peer, r_peer = timed(peer, repeat)
        a = np.asarray(r_ours, dtype=float).ravel()
        b = np.asarray(r_peer, dtype=float).ravel()
        both = np.isfinite(a) & np.isfinite(b)
        diff = float(np.max(np.abs(a[both] - b[both]))) if both.any() else float("nan")
    ROWS.append(Row(family, what, name, n, t_ours, t_peer, peer_name, diff))


# --- inputs ---------------------------------------------------------------------------------


def load_regso(year: int) -> gpd.GeoDataFrame:
    stats = pd.read_csv(
        GR / "regso_stats_gr_2020_2023.csv", dtype={"regsokod": str, "kommunkod": str}
    )
    polys = gpd.read_file(GR / "regso_gr_2025.gpkg")[["regsokod", "geometry"]]
    frame = polys.merge(stats[stats["year"] == year], on="regsokod")
    return frame.reset_index(drop=True)


def make_deso(regso: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    deso = gpd.read_file(GR / "deso_gr_2025.gpkg")[["desokod", "regsokod_2025", "geometry"]]
    parent = regso.set_index("regsokod").loc[deso["regsokod_2025"]]
    k = deso.groupby("regsokod_2025")["desokod"].transform("size").to_numpy()
    pop = rng.poisson(parent["pop_total"].to_numpy() / k).astype(float) + 1
    share = np.clip(
        parent["foreign_born_share"].to_numpy() * rng.lognormal(0, 0.25, len(deso)), 0, 1
    )
    income = parent["mean_wage_income_tkr"].to_numpy() * rng.lognormal(0, 0.1, len(deso))
    return deso.assign(
        pop_total=pop,
        born_abroad=np.round(pop * share),
        born_in_sweden=pop - np.round(pop * share),
        mean_wage_income_tkr=income,
        kommunkod=deso["desokod"].str[:4],
        foreign_born_share=share,
    )


def make_nation(rng: np.random.Generator, nx: int = 60, ny: int = 100) -> gpd.GeoDataFrame:
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    ix, iy = ix.ravel(), iy.ravel()
    n = ix.size
    pop = np.round(rng.lognormal(7.0, 0.8, n)) + 1
    # clustered share: a few smooth "neighbourhood" bumps plus noise
    centres = rng.uniform([0, 0], [nx, ny], size=(25, 2))
    bump = np.exp(-((ix[:, None] - centres[:, 0]) ** 2 + (iy[:, None] - centres[:, 1]) ** 2) / 20)
    share = np.clip(0.08 + 0.5 * bump.max(axis=1) + rng.normal(0, 0.03, n), 0, 1)
    x = np.round(pop * share)
    geoms = [
        box(i * 1000, j * 1000, (i + 1) * 1000, (j + 1) * 1000) for i, j in zip(ix, iy, strict=True)
    ]
    return gpd.GeoDataFrame(
        {
            "area": [f"N{i:05d}" for i in range(n)],
            "pop_total": pop,
            "born_abroad": x,
            "born_in_sweden": pop - x,
            "mean_wage_income_tkr": rng.lognormal(5.8, 0.3, n) * (1.2 - share),
            "kommunkod": [f"K{(i // 20) * 10 + j // 10:03d}" for i, j in zip(ix, iy, strict=True)],
            "foreign_born_share": share,
        },
        geometry=geoms,
        crs="EPSG:3006",
    )


# --- equity ---------------------------------------------------------------------------------


def bench_equity(inputs: dict[str, gpd.GeoDataFrame], quick: bool) -> None:
    from inequality.atkinson import atkinson as p_atkinson
    from inequality.gini import Gini
    from inequality.theil import Theil, TheilD

    from jamlik.indicators import equity as eq

    for name, frame in inputs.items():
        y = frame["mean_wage_income_tkr"].to_numpy(float)
        g = frame["kommunkod"].to_numpy()
        r = frame["foreign_born_share"].to_numpy(float)
        w = frame["pop_total"].to_numpy(float)
        n = len(frame)
        record("equity", "gini", name, n, lambda: eq.gini(y), lambda: Gini(y).g, "inequality.Gini")
        record(
            "equity",
            "theil_t",
            name,
            n,
            lambda: eq.theil_t(y),
            lambda: Theil(y).T,
            "inequality.Theil",
        )
        record(
            "equity", "theil between/within", name, n,
            lambda: (lambda d: [d.between, d.within])(eq.theil_decomposition(y, groups=g)),
            lambda: (lambda d: [d.bg[0], d.wg[0]])(TheilD(y, g)), "inequality.TheilD",
        )  # fmt: skip
        record(
            "equity", "atkinson e=0.5", name, n,
            lambda: eq.atkinson(y, epsilon=0.5), lambda: p_atkinson(y, 0.5), "inequality.atkinson",
        )  # fmt: skip
        record("equity", "palma", name, n, lambda: eq.palma(y, weights=w), None, "-")
        record(
            "equity", "concentration index", name, n,
            lambda: eq.concentration_index(y, rank=r, weights=w), None, "-",
        )  # fmt: skip
        record(
            "equity", "all (equity_indices, weighted)", name, n,
            lambda: eq.equity_indices(
                frame, value="mean_wage_income_tkr", weight="pop_total", group="kommunkod",
                rank="foreign_born_share",
            ),
            None, "-",
        )  # fmt: skip


# --- segregation ----------------------------------------------------------------------------


def bench_segregation(
    inputs: dict[str, gpd.GeoDataFrame], earlier: dict[str, gpd.GeoDataFrame], quick: bool
) -> None:
    from libpysal.weights import Queen
    from segregation import multigroup as mg
    from segregation import singlegroup as sg
    from segregation.decomposition import DecomposeSegregation
    from segregation.inference import TwoValueTest
    from segregation.singlegroup.atkinson import _atkinson

    from jamlik.indicators.segregation import _kernels as kern
    from jamlik.indicators.segregation.indices import (
        local_environment,
        multigroup_indices,
        segregation_indices,
    )
    from jamlik.indicators.segregation.inference import decompose_change, random_label_null

    first = pd.DataFrame(next(iter(inputs.values()))[["born_abroad", "pop_total"]])
    sg.Gini(first, "born_abroad", "pop_total")  # compile PySAL's numba Gini first (int and
    sg.Gini(first.astype(float), "born_abroad", "pop_total")  # float specialisations)
    sg.Gini(first.astype({"born_abroad": float}), "born_abroad", "pop_total")
    classes = [sg.Dissim, sg.Gini, sg.Entropy, sg.Isolation, sg.Interaction, sg.CorrelationR]
    multi = [mg.MultiDissim, mg.MultiGini, mg.MultiInfoTheory, mg.MultiNormExposure,
             mg.MultiRelativeDiversity, mg.MultiSquaredCoefVar]  # fmt: skip
    for name, frame in inputs.items():
        n = len(frame)
        table = pd.DataFrame(frame[["born_abroad", "pop_total", "born_in_sweden"]])

        def ours_single(table: pd.DataFrame = table) -> list[float]:
            r = segregation_indices(table, group="born_abroad", total="pop_total")
            return [r.dissimilarity, r.gini, r.entropy, r.isolation, r.exposure,
                    r.correlation_ratio, r.atkinson]  # fmt: skip

        def peer_single(table: pd.DataFrame = table) -> list[float]:
            vals = [c(table, "born_abroad", "pop_total").statistic for c in classes]
            return [*vals, _atkinson(table, "born_abroad", "pop_total", b=0.5)[0]]

        record("segregation", "7 single-group indices", name, n, ours_single, peer_single,
               "segregation.singlegroup")  # fmt: skip

        t_w, w = timed(
            lambda f=frame: Queen.from_dataframe(f, use_index=False, silence_warnings=True), 1
        )
        ROWS.append(
            Row("segregation", "queen contiguity (shared)", name, n, t_w, None, "libpysal", None)
        )
        x = frame["born_abroad"].to_numpy(float)
        t = frame["pop_total"].to_numpy(float)
        import scipy.sparse as sp

        csr = sp.csr_array(w.sparse)
        record(
            "segregation", "spatial dissimilarity (given W)", name, n,
            lambda: kern.spatial_dissimilarity(x, t, csr),
            lambda f=frame, w=w: sg.SpatialDissim(f, "born_abroad", "pop_total", w=w).statistic,
            "SpatialDissim (dense n×n)", repeat=1 if n > 1000 else 3,
        )  # fmt: skip
        loc_classes = [*classes, sg.Atkinson]

        def ours_local(f: gpd.GeoDataFrame = frame, csr: Any = csr) -> list[float]:
            x_l, t_l = local_environment(np.column_stack([x, t]), csr).T
            loc = pd.DataFrame({"g": x_l, "t": t_l})
            r = segregation_indices(loc, group="g", total="t")
            return [r.dissimilarity, r.gini, r.entropy, r.isolation, r.exposure,
                    r.correlation_ratio, r.atkinson]  # fmt: skip

        def peer_local(f: gpd.GeoDataFrame = frame, w: Any = w) -> list[float]:
            return [c(f, "born_abroad", "pop_total", w=w).statistic for c in loc_classes]

        record("segregation", "7 local-environment indices (given W)", name, n, ours_local,
               peer_local, "singlegroup classes w=W", repeat=1)  # fmt: skip
        groups = ["born_abroad", "born_in_sweden"]
        record(
            "segregation", "6 multigroup indices", name, n,
            lambda: list(multigroup_indices(table, groups=groups).to_dict().values())[1:7],
            lambda: [c(table, groups).statistic for c in multi],
            "segregation.multigroup", repeat=1 if n > 1000 else 3,
        )  # fmt: skip

        before = pd.DataFrame(earlier[name][["born_abroad", "pop_total"]])
        xa, ta = before["born_abroad"].to_numpy(float), before["pop_total"].to_numpy(float)
        for index, cls in (("dissimilarity", sg.Dissim), ("gini", sg.Gini)):
            kernel = kern.SINGLE_GROUP_KERNELS[index]
            record(
                "segregation", f"decomposition of change ({index})", name, n,
                lambda k=kernel: decompose_change(xa, ta, x, t, k),
                lambda c=cls: (lambda d: [-d.c_s, -d.c_a])(DecomposeSegregation(
                    c(before, "born_abroad", "pop_total"), c(table, "born_abroad", "pop_total"),
                    "composition",
                )),
                "DecomposeSegregation", repeat=1,
            )  # fmt: skip
        iterations = 20 if quick else 99
        seed = 5

        def ours_null() -> np.ndarray:
            rs = np.random.RandomState(seed)
            labels = np.repeat([0, 1], [len(before), len(table)])
            current = np.arange(labels.size)
            perms = []
            for _ in range(iterations):
                current = current[rs.permutation(labels.size)]
                lab = labels[current]
                perms.append(np.concatenate([np.flatnonzero(lab == 0), np.flatnonzero(lab == 1)]))
            xs, ts = np.concatenate([xa, x]), np.concatenate([ta, t])
            return random_label_null(xs, ts, len(before), np.array(perms), kern.dissimilarity)

        def peer_null() -> np.ndarray:
            np.random.seed(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.asarray(TwoValueTest(
                    sg.Dissim(before, "born_abroad", "pop_total"),
                    sg.Dissim(table, "born_abroad", "pop_total"),
                    iterations_under_null=iterations, null_approach="random_label", n_jobs=1,
                ).est_sim)  # fmt: skip

        record("segregation", f"random-label null ({iterations} perms, D)", name, n,
               ours_null, peer_null, "TwoValueTest n_jobs=1", repeat=1)  # fmt: skip


# --- FCA ------------------------------------------------------------------------------------


def bench_fca(rng: np.random.Generator, quick: bool) -> None:
    from access import Access
    from access import weights as aw

    from jamlik.indicators.access.fca import (
        crow_fly_costs,
        enhanced_two_step_fca,
        gravity_two_step_fca,
        parse_step_weights,
        two_step_fca,
    )

    logging.getLogger("access").disabled = True
    hexes = pd.read_csv(DATA / "osm_gtfs_porto_alegre" / "poa_hexgrid.csv")
    cells = hexes.rename(columns={"lon": "x", "lat": "y"})
    sup = cells[cells["schools"] > 0]
    n_nat, n_sup = 6000, 600
    width_m, height_m = 12_000, 18_000  # a dense region: ~75,000 pairs within 15 min
    nat = pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(n_nat)],
            "x": rng.uniform(0, width_m, n_nat),
            "y": rng.uniform(0, height_m, n_nat),
        }
    )
    nat_sup = pd.DataFrame(
        {
            "id": [f"S{i}" for i in range(n_sup)],
            "x": rng.uniform(0, width_m, n_sup),
            "y": rng.uniform(0, height_m, n_sup),
        }
    )
    cases = {
        "poa hexgrid": (
            pd.DataFrame({"id": cells["id"], "demand": cells["population"]}),
            pd.DataFrame({"id": sup["id"], "capacity": sup["schools"].astype(float)}),
            lambda: crow_fly_costs(cells, sup, speed_m_s=1.33, max_minutes=15),
        ),
        "nation 6000": (
            pd.DataFrame({"id": nat["id"], "demand": np.round(rng.lognormal(7, 0.8, n_nat))}),
            pd.DataFrame({"id": nat_sup["id"],
                          "capacity": rng.integers(1, 20, n_sup).astype(float)}),
            lambda: crow_fly_costs(nat, nat_sup, speed_m_s=1.33, max_minutes=15,
                                   crs="EPSG:3006", metric_crs="EPSG:3006"),
        ),
    }  # fmt: skip
    steps = parse_step_weights("5:1,10:0.68,15:0.22")
    for name, (demand, supply, make_costs) in cases.items():
        t_c, costs = timed(make_costs, 1)
        n = len(demand)
        ROWS.append(
            Row("fca", f"crow-fly cost table ({len(costs):,} pairs)", name, n, t_c, None, "-", None)
        )

        def peer() -> Access:
            return Access(
                demand_df=demand.set_index("id"), demand_value="demand",
                supply_df=supply.set_index("id"), supply_value="capacity", cost_df=costs,
                cost_origin="origin_id", cost_dest="destination_id", cost_name="minutes",
            )  # fmt: skip

        def align(series: pd.Series) -> np.ndarray:
            return series.reindex(demand["id"].astype(str)).to_numpy(float)

        record("fca", "2SFCA 10 min", name, n,
               lambda: two_step_fca(demand, supply, costs, max_minutes=10).to_numpy(),
               lambda: align(peer().two_stage_fca(max_cost=10)["2sfca_capacity"]),
               "access.two_stage_fca")  # fmt: skip
        record("fca", "E2SFCA 5:1,10:.68,15:.22", name, n,
               lambda: enhanced_two_step_fca(demand, supply, costs, weights=steps).to_numpy(),
               lambda: align(peer().enhanced_two_stage_fca(
                   weight_fn=aw.step_fn({5: 1, 10: 0.68, 15: 0.22}))["e2sfca_capacity"]),
               "access.enhanced_two_stage_fca")  # fmt: skip
        record("fca", "gravity 2SFCA b=1.5", name, n,
               lambda: gravity_two_step_fca(demand, supply, costs, decay_power=1.5).to_numpy(),
               lambda: align(peer().two_stage_fca(
                   name="g", weight_fn=aw.gravity(1, -1.5, 1))["g_capacity"]),
               "access.two_stage_fca(gravity)", repeat=1)  # fmt: skip


# --- vulnerability, targets, housing ----------------------------------------------------------


def _with_dwellings(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Keep real tenure counts (RegSO); generate plausible ones where the input has none."""
    if "dwellings_rental" in frame.columns:
        return frame
    dwellings = np.maximum(np.round(frame["pop_total"].to_numpy() / 2.2), 1)
    rental_p = np.clip(0.15 + 0.8 * frame["foreign_born_share"].to_numpy(), 0, 0.95)
    mix = rng.dirichlet([1.0, 1.0], size=len(frame))
    rental = rng.binomial(dwellings.astype(np.int64), rental_p)
    rest = dwellings - rental
    tenant = np.round(rest * mix[:, 0])
    return frame.assign(
        dwellings_rental=rental.astype(float),
        dwellings_tenant_owned=tenant,
        dwellings_owner_occupied=rest - tenant,
        dwellings_tenure_unknown=0.0,
        dwellings_total=dwellings,
    )


def _pandas_svi(table: pd.DataFrame) -> np.ndarray:
    """The SVI definition written directly with pandas ranks (the reference implementation)."""
    n = len(table)

    def pr(s: pd.Series) -> pd.Series:
        return (s.round(9).rank(method="average") - 1) / (n - 1)

    total = (
        pr(-table["mean_wage_income_tkr"])
        + pr(table["born_abroad"] / table["pop_total"])
        + pr(table["dwellings_rental"] / table["dwellings_total"])
    )
    return pr(total).to_numpy()


def bench_vulnerability(inputs: dict[str, gpd.GeoDataFrame], quick: bool) -> None:
    from esda.moran import Moran_Local
    from libpysal.weights import Queen
    from scipy.stats import entropy

    from jamlik.indicators.housing import tenure_mix
    from jamlik.indicators.vulnerability.index import vulnerability_index
    from jamlik.indicators.vulnerability.spatial import vulnerability_hotspots
    from jamlik.indicators.vulnerability.targets import Target, track_target

    perms = 99 if quick else 999
    rng = np.random.default_rng(SEED + 7)
    ids = {"regso 300": "regsokod", "deso 584": "desokod", "nation 6000": "area"}
    warm = True
    for name, frame in inputs.items():
        table = _with_dwellings(frame, rng).set_index(ids[name])
        n = len(table)
        record("vulnerability", "SVI index (3 themes)", name, n,
               lambda: vulnerability_index(table).table["vulnerability_index"].to_numpy(),
               lambda: _pandas_svi(table), "pandas ranks (reference)")  # fmt: skip
        index = pd.Series(_pandas_svi(table), index=table.index)
        y = table["born_abroad"] / table["pop_total"]  # continuous: p-values comparable

        def esda_lisa() -> np.ndarray:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = Queen.from_dataframe(table, use_index=True, silence_warnings=True)
                w.transform = "r"
                return np.asarray(
                    Moran_Local(y.to_numpy(), w, permutations=perms, seed=5, n_jobs=1).p_sim
                )

        if warm:  # compile esda's and jamlik's kernels before timing
            esda_lisa()
            vulnerability_hotspots(table, y, permutations=perms, seed=5)
            warm = False
        record("vulnerability", f"LISA p-values, {perms} perms", name, n,
               lambda: vulnerability_hotspots(table, y, permutations=perms, seed=5)["p_value"],
               esda_lisa, "libpysal Queen + esda.Moran_Local", repeat=1)  # fmt: skip
        record("vulnerability", "LISA hot spots of the index", name, n,
               lambda: vulnerability_hotspots(table, index, permutations=perms, seed=5)["lisa_i"],
               None, "", repeat=1)  # fmt: skip
        cols = ["dwellings_rental", "dwellings_tenant_owned", "dwellings_owner_occupied"]
        record("housing", "tenure entropy", name, n,
               lambda: tenure_mix(table)["tenure_entropy"].to_numpy(),
               lambda: entropy(table[cols].to_numpy(dtype=float), axis=1) / np.log(3),
               "scipy.stats.entropy / ln 3")  # fmt: skip
    regso = inputs["regso 300"]
    years = [load_regso(y) for y in (2020, 2021, 2022)] + [regso]
    long = pd.concat([pd.DataFrame(f.drop(columns="geometry")) for f in years]).rename(
        columns={"regsokod": "area_id"}
    )
    target = Target(name="top3", indicator="mean_wage_income_tkr", top_k_vulnerable=3,
                    baseline_year=2020, relative_change=0.25, deadline_year=2030)  # fmt: skip
    record("targets", "top-3 target, 4 years (index per year)", "regso 300", len(regso),
           lambda: track_target(long, target).series["value"].to_numpy(), None, "")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer permutations")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    regso, regso_2020 = load_regso(2023), load_regso(2020)
    deso = make_deso(regso, rng)
    deso_2020 = make_deso(regso_2020, np.random.default_rng(SEED + 1))
    nation = make_nation(rng)
    nation_2020 = make_nation(np.random.default_rng(SEED + 2))
    inputs = {"regso 300": regso, "deso 584": deso, "nation 6000": nation}
    earlier = {"regso 300": regso_2020, "deso 584": deso_2020, "nation 6000": nation_2020}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        bench_equity(inputs, args.quick)
        bench_segregation(inputs, earlier, args.quick)
        bench_fca(rng, args.quick)
        bench_vulnerability(inputs, args.quick)
    table = pd.DataFrame([r.__dict__ for r in ROWS])
    table["ratio"] = table["peer_s"] / table["ours_s"]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_colwidth", 40)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
