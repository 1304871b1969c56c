"""``jamlik scenario check PACK SCENARIO.toml``: every problem of a scenario against its pack."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jamlik.cli._common import (
    OverwriteOption,
    check_output,
    console,
    fail_cleanly,
    progress_bar,
    require_areas,
    require_utf8,
)
from jamlik.errors import Problem, ProblemWarning
from jamlik.i18n import t

if TYPE_CHECKING:
    from jamlik.ingest.pack import Pack
    from jamlik.ingest.scenario import Scenario

__all__ = ["refuse_scenario_errors", "register"]

DEFAULT_PROFILES = "adult,child,senior"


def check(
    pack: Annotated[Path, typer.Argument(help=t("scenario.opt_pack"))],
    scenario: Annotated[Path, typer.Argument(help=t("scenario.opt_scenario"))],
) -> None:
    """List every problem of a scenario against its pack; exit code 2 when there are errors."""
    from jamlik.ingest.scenario import entry_names

    loaded, problems, errors = _problems(pack, scenario)
    for problem in problems:
        console.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
    counts = {kind: len(names) for kind, names in entry_names(loaded).items() if names}
    listing = ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "-"
    console.print(
        t(
            "scenario.checked",
            name=loaded.scenario.name,
            changes=listing,
            errors=len(errors),
            warnings=len(problems) - len(errors),
        ),
        highlight=False,
    )
    if errors:
        raise typer.Exit(code=2)


def _problems(pack: Path | Pack, scenario: Path) -> tuple[Scenario, list[Problem], list[Problem]]:
    """Load ``scenario`` and check it against ``pack``: (scenario, problems, errors)."""
    from jamlik.ingest.pack import load_pack
    from jamlik.ingest.scenario import load_scenario
    from jamlik.scenarios.check import check_scenario

    loaded = fail_cleanly(lambda: load_scenario(scenario))
    data_pack = fail_cleanly(lambda: load_pack(pack)) if isinstance(pack, Path) else pack
    problems = fail_cleanly(lambda: check_scenario(loaded, data_pack))
    errors = [p for p in problems if not isinstance(p, ProblemWarning)]
    return loaded, problems, errors


def refuse_scenario_errors(pack: Path | Pack, scenario: Path) -> None:
    """Check ``scenario`` as ``scenario check`` does; on errors list them and exit with code 2.

    A plan whose places lie outside the pack (degrees given as metres, a wrong crs) would
    otherwise compute as if it changed nothing.
    """
    _, _, errors = _problems(pack, scenario)
    if errors:
        for problem in errors:
            console.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2)


def run(
    pack: Annotated[Path, typer.Argument(help=t("scenario.opt_pack"))],
    scenario: Annotated[Path, typer.Argument(help=t("scenario.opt_scenario"))],
    out: Annotated[Path, typer.Option("--out", "-o", help=t("scenario.opt_out_gpkg"))] = Path(
        "scenario_access"
    ),
    profiles: Annotated[str, typer.Option(help=t("scenario.opt_profiles"))] = DEFAULT_PROFILES,
    categories: Annotated[str | None, typer.Option(help=t("scenario.opt_categories"))] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Compute access with the scenario (the outputs of ``jamlik access``)."""
    from jamlik.cli.access import check_access_output, run_access
    from jamlik.ingest.pack import pack_files

    if out.suffix.lower() == ".csv":
        out = out.with_suffix(".gpkg")
    check_access_output(out, inputs=[pack, scenario, *pack_files(pack)], overwrite=overwrite)
    options = fail_cleanly(lambda: _options(profiles, categories))
    run_access(pack, out, options, scenario_path=scenario, overwrite=overwrite)


def compare(
    pack: Annotated[Path, typer.Argument(help=t("scenario.opt_pack"))],
    scenarios: Annotated[list[Path], typer.Argument(help=t("scenario.opt_scenarios"))],
    out: Annotated[Path, typer.Option("--out", "-o", help=t("scenario.opt_out_dir"))] = Path(
        "scenario_comparison"
    ),
    profiles: Annotated[str, typer.Option(help=t("scenario.opt_profiles"))] = DEFAULT_PROFILES,
    categories: Annotated[str | None, typer.Option(help=t("scenario.opt_categories"))] = None,
    vulnerable: Annotated[str | None, typer.Option(help=t("scenario.opt_vulnerable"))] = None,
    ska_rules: Annotated[
        Path | None, typer.Option("--ska-rules", help=t("scenario.opt_ska_rules"))
    ] = None,
    transit_date: Annotated[
        str | None, typer.Option("--transit-date", help=t("scenario.opt_transit_date"))
    ] = None,
    transit_hours: Annotated[
        str, typer.Option("--transit-hours", help=t("scenario.opt_transit_hours"))
    ] = "7-9",
    transit_day_types: Annotated[
        str, typer.Option("--transit-day-types", help=t("scenario.opt_transit_day_types"))
    ] = "weekday",
    transit_cell_m: Annotated[
        float, typer.Option("--transit-cell-m", help=t("scenario.opt_transit_cell_m"))
    ] = 250.0,
    overwrite: OverwriteOption = False,
) -> None:
    """Compare scenarios with today: deltas, winners and losers, gaps, the SKA matrix.

    With several scenarios (alternatives or lab iterations) each gets a sub-folder, and
    alternatives.csv puts them side by side; iterations.csv lists what each version of a
    based_on chain changed.
    """
    check_output(out, inputs=[pack, *scenarios], folder=True, overwrite=overwrite)
    from jamlik.cli.scenario_output import print_comparison, write_comparison
    from jamlik.ingest.pack import load_pack
    from jamlik.ingest.scenario import load_scenario, scenario_chain
    from jamlik.runs.incremental import access_baseline
    from jamlik.scenarios.compare import alternatives_table, compare_scenario, iteration_changes
    from jamlik.ska.assess import assess_scenario
    from jamlik.ska.matrix import load_ska_rules
    from jamlik.storage import result_folder, write_csv

    options = fail_cleanly(lambda: _options(profiles, categories))
    transit = None
    if transit_date is not None:
        from jamlik.cli.access import _transit_options
        from jamlik.config import WALK_PROFILES

        # Transit runs at the walking speed of each walking profile compared (children,
        # seniors), so the SKA's perspectives judge transit as they judge walking.
        walking = [p for p in options.profiles if p in WALK_PROFILES] or ["adult"]
        transit = fail_cleanly(
            lambda: _transit_options(
                categories,
                "15,30,45,60",
                None,
                transit_date,
                transit_hours,
                transit_day_types,
                transit_cell_m,
                ",".join(walking),
                prefix="--transit-",
            )
        )
    if ska_rules is not None:
        fail_cleanly(lambda: require_utf8(ska_rules))
    rules = fail_cleanly(lambda: load_ska_rules(ska_rules))
    for path in scenarios:
        refuse_scenario_errors(pack, path)
    loaded = [fail_cleanly(partial(load_scenario, path)) for path in scenarios]
    chains = [fail_cleanly(partial(scenario_chain, path)) for path in scenarios]
    data_pack = fail_cleanly(lambda: load_pack(pack))
    areas = tuple(a.strip() for a in vulnerable.split(",") if a.strip()) if vulnerable else None
    require_areas(data_pack, areas, option="--vulnerable")
    steps = (1 + len(loaded)) * (3 + len(options.profiles))
    with progress_bar(t("scenario.comparing"), total=steps) as advance:

        def progress(label: str, done: int, total: int) -> None:
            advance(1)

        # Today's run is kept and each plan updates it (the same numbers as a full run).
        baseline = fail_cleanly(
            lambda: access_baseline(data_pack, options=options, progress=progress),
            options={"categories": ("--categories", categories)},
        )
        comparisons = [
            fail_cleanly(
                partial(
                    compare_scenario,
                    data_pack,
                    plan,
                    options=options,
                    vulnerable=areas,
                    progress=progress,
                    baseline=baseline,
                    transit=transit,
                )
            )
            for plan in loaded
        ]
    written = []
    # Every file of the comparison appears together or not at all (a result folder).
    with result_folder(out, command="scenario compare", overwrite=overwrite) as result:
        staged = result.staging
        for comparison in comparisons:
            folder = staged if len(comparisons) == 1 else staged / comparison.scenario.scenario.name
            assessment = fail_cleanly(partial(assess_scenario, comparison, data_pack, rules=rules))
            written += fail_cleanly(
                partial(write_comparison, comparison, assessment, data_pack, folder, rules=rules)
            )
            print_comparison(comparison, assessment, rules)
        if len(comparisons) > 1:
            written.append(write_csv(alternatives_table(comparisons), staged / "alternatives.csv"))
        changes = [iteration_changes(chain) for chain in chains if len(chain) > 1]
        if changes:
            import pandas as pd

            iterations = pd.concat(changes, ignore_index=True)
            written.append(write_csv(iterations, staged / "iterations.csv"))
    for path in written:
        console.print(t("scenario.wrote", path=str(result.final(path))), highlight=False)


def _options(profiles: str, categories: str | None) -> Any:
    from jamlik.cli.access import parse_access_options

    return parse_access_options(profiles, categories)


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` group (``check``, ``run``, ``compare``) to ``app``."""
    group = typer.Typer(help=t("cli.commands.scenario"), no_args_is_help=True)
    group.command("check", help=t("scenario.check_help"))(check)
    group.command("run", help=t("scenario.run_help"))(run)
    group.command("compare", help=t("scenario.compare_help"))(compare)
    app.add_typer(group, name="scenario")
