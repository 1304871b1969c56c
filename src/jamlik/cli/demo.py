"""``jamlik demo``: the whole pipeline, offline, on the sample town jamlik generates itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jamlik.cli._common import OverwriteOption, check_output, fail_cleanly, named
from jamlik.cli.access import run_access
from jamlik.cli.cohesion import cohesion
from jamlik.cli.vulnerability import vulnerability
from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
from jamlik.i18n import t
from jamlik.runs.access import AccessOptions

__all__ = ["register"]

_out = Console(highlight=False)


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help=t("opt.out_folder"))] = Path(
        "demo-output"
    ),
    nodes: Annotated[int, typer.Option(help=t("demo.opt_nodes"))] = 2500,
    seed: Annotated[int, typer.Option(help=t("demo.opt_seed"))] = 7,
    overwrite: OverwriteOption = False,
) -> None:
    """Run the pipeline on the generated sample town: access, vulnerability, cohesion, the report.

    The report compares the sample plan (homes, a school, a bus line, a footbridge) with today
    and writes ``report.html``, ``report.pdf``, ``report.xlsx`` and ``report.gpkg``. The whole
    output folder (the pack, ``access/``, ``vulnerability/``, ``cohesion/``, the report) is one
    result folder: it appears complete or not at all.
    """
    from jamlik.storage import result_folder

    start = time.perf_counter()
    check_output(out, folder=True, overwrite=overwrite)
    with result_folder(out, command="demo", overwrite=overwrite) as result:
        written = _demo(result.staging, final=out, nodes=nodes, seed=seed)
    for path in written:
        _out.print(t("report.wrote", path=str(result.final(path))))
    seconds = f"{time.perf_counter() - start:.0f}"
    _out.print(t("demo.done", seconds=seconds, folder=str(out)))


def _demo(out: Path, *, final: Path, nodes: int, seed: int) -> list[Path]:
    """Write every part of the demo into ``out`` (the staging folder); return the report files.

    Messages name ``final``, where the files will be, not the staging folder.
    """

    def say(message: str) -> None:
        _out.print(message.replace(str(out), str(final)), markup=False, soft_wrap=True)

    _out.print(t("demo.generating"))
    town = fail_cleanly(
        lambda: named("--nodes", nodes, lambda: generate_town(n_nodes=nodes, seed=seed))
    )
    pack_file = fail_cleanly(lambda: write_town_pack(town, out / "sample_town_pack", seed=seed))
    run_access(pack_file, out / "access", AccessOptions())
    _out.print(t("demo.vulnerability"))
    vulnerability(
        pack_file,
        out_dir=out / "vulnerability",
        year=None,
        config=None,
        top_k=3,
        classes=None,
        classes_column="",
        permutations=999,
        seed=20111,
        hotspots=True,
    )
    _out.print(t("demo.cohesion"))
    cohesion(
        pack_file,
        out=out / "cohesion",
        minutes="10,15",
        radii="400,800,1600",
        vulnerable_top_k=3,
        vulnerable_areas=None,
        year=None,
    )
    _out.print(t("report.demo_plan"))
    plan = fail_cleanly(lambda: write_town_scenario(town, out / "sample_plan.toml"))
    from jamlik.i18n import current_language
    from jamlik.report import write_report

    written = fail_cleanly(
        lambda: write_report(
            pack_file,
            scenarios=[plan],
            out_dir=out,
            language=current_language(),
            progress=say,
        )
    )
    return list(written.values())


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo", help=t("demo.help"))(demo)
