"""What judging transit in the SKA costs beside the transit runs it judges.

Run it in the project's environment::

    .venv/bin/python benchmarks/ska_transit_bench.py --nodes 2500 --hours 6-22

On the generated sample town and its plan (Buss 10), weekday, the given hours, profiles adult,
child and senior: CPU seconds (``time.process_time``) of

* the two transit runs, today and with the plan (``scenario_transit``, compiled kernels warm);
* the per-resident winners and losers (``compare_transit`` minus the runs);
* the SKA matrix without transit and with it (``ska_matrix``): the transit cells are judged at
  the routed origins (residents' weights summed per origin), never per resident row.

The script PRINTS its figures; it asserts nothing. On a shared, loaded machine the figures are
noisy: compare the ratios printed side by side in one run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
from jamlik.ingest import load_pack
from jamlik.ingest.scenario import load_scenario
from jamlik.report.content import feed_start_date
from jamlik.runs.access import AccessOptions
from jamlik.runs.scenario_transit import scenario_transit
from jamlik.runs.transit_access import TransitAccessOptions
from jamlik.scenarios.compare import compare_scenario, per_origin_values
from jamlik.scenarios.transit import compare_transit, transit_winners
from jamlik.ska.assess import scale_nodes
from jamlik.ska.matrix import load_ska_rules, ska_matrix


def _cpu(label: str, func):  # type: ignore[no-untyped-def]
    start = time.process_time()
    out = func()
    seconds = time.process_time() - start
    print(f"{label:<48} {seconds:8.3f} s CPU")
    return out, seconds


def main() -> None:
    """Print the figures (module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2500)
    parser.add_argument("--hours", default="6-22")
    args = parser.parse_args()
    lo, _, hi = args.hours.partition("-")
    hours = tuple(range(int(lo), int(hi or lo) + 1))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        town = generate_town(n_nodes=args.nodes, seed=7)
        pack = load_pack(write_town_pack(town, root / "pack", seed=7))
        scenario = load_scenario(write_town_scenario(town, root / "plan.toml"))
        date = feed_start_date(pack)
        assert date is not None
        categories = ("grocery", "school", "health_centre")
        transit = TransitAccessOptions(
            date=date,
            day_types=("weekday",),
            hours=hours,
            categories=categories,
            profiles=("adult", "child", "senior"),
            keep_origins=True,
        )
        access = AccessOptions(
            profiles=("adult", "child", "senior"), categories=categories, grid_m=0
        )
        # warm the compiled kernels and get the walk comparison the SKA needs
        walk = compare_scenario(pack, scenario, options=access, transit=transit)
        print(f"sample town: {args.nodes} nodes, hours {args.hours} weekday, 3 profiles")
        print(f"residents compared: {walk.staying['pop_total'].sum():,.0f}")
        (_, runs_s) = _cpu(
            "transit runs today + plan",
            lambda: scenario_transit(pack, scenario, options=transit, folder=root),
        )
        comparison, _ = _cpu(
            "compare_transit (runs + winners)",
            lambda: compare_transit(
                pack,
                scenario,
                walk.staying,
                options=transit,
                groups=["pop_total", "age_6_15", "age_65_plus"],
            ),
        )
        groups = ["pop_total", "age_6_15", "age_65_plus"]
        (_, winners_s) = _cpu(
            "winners and losers alone (transit_winners)",
            lambda: transit_winners(comparison, walk.staying, groups),
        )
        rules = load_ska_rules()
        scales = scale_nodes(walk.today, walk.placed, rules, pack, stops=comparison.stops)
        before, after = per_origin_values(walk.today), per_origin_values(walk.plan)
        (_, plain_s) = _cpu(
            "ska_matrix, walk only",
            lambda: ska_matrix(before, after, walk.staying, scales, rules=rules),
        )
        (_, with_s) = _cpu(
            "ska_matrix, walk + transit",
            lambda: ska_matrix(
                before, after, walk.staying, scales, rules=rules, transit=comparison
            ),
        )

        print(f"winners / transit runs:            {winners_s / runs_s:6.3f}")
        print(f"SKA transit cells / transit runs:  {(with_s - plain_s) / runs_s:6.3f}")


if __name__ == "__main__":
    main()
