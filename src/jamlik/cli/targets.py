"""``jamlik targets PACK TARGETS.toml``: yearly progress, trend and on/off track per target."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jamlik.cli._common import OverwriteOption, check_output, console, fail_cleanly
from jamlik.i18n import format_general, t

__all__ = ["register"]


def _run(
    pack_path: Path, targets_path: Path, reference_path: Path | None
) -> tuple[list[Any], dict[str, Any]]:
    from jamlik.ingest.pack import load_pack
    from jamlik.runs.targets import run_targets

    reference = load_pack(reference_path) if reference_path else None
    run = run_targets(load_pack(pack_path), targets_path, reference=reference)
    return run.progresses, run.summary


def register(app: typer.Typer) -> None:
    """Add the ``targets`` command to ``app``."""

    @app.command("targets", help=t("vulnerability.targets.cli_help"))
    def targets(
        pack: Annotated[Path, typer.Argument(help=t("opt.pack"))],
        targets_file: Annotated[Path, typer.Argument(help=t("vulnerability.targets.opt_file"))],
        out_dir: Annotated[
            Path, typer.Option("--out", "--out-dir", "-o", help=t("opt.out_folder"))
        ] = Path("targets"),
        chart: Annotated[
            bool, typer.Option("--chart/--no-chart", help=t("vulnerability.targets.opt_chart"))
        ] = True,
        reference: Annotated[
            Path | None,
            typer.Option("--reference", help=t("opt.reference")),
        ] = None,
        overwrite: OverwriteOption = False,
    ) -> None:
        check_output(
            out_dir, inputs=[pack, targets_file, reference], folder=True, overwrite=overwrite
        )
        from jamlik.indicators.vulnerability.targets import progress_table
        from jamlik.report.charts import target_chart
        from jamlik.storage import result_folder, write_csv, write_json

        progresses, summary = fail_cleanly(lambda: _run(pack, targets_file, reference))
        with result_folder(out_dir, command="targets", overwrite=overwrite) as folder:
            written = [
                write_csv(progress_table(progresses), folder.staging / "targets.csv"),
                write_json(summary, folder.staging / "targets.json"),
            ]
            if chart:
                for progress in progresses:
                    target_path = folder.staging / f"target_{progress.target.name}.png"
                    target_chart(progress).savefig(target_path, format="png")
                    written.append(target_path)
        written = [folder.final(path) for path in written]
        for progress in progresses:
            row = progress.series.iloc[-1]
            status = {True: "on_track", False: "off_track", None: "undetermined"}[progress.on_track]
            console.print(
                t(
                    "vulnerability.targets.row",
                    name=progress.target.name,
                    indicator=progress.target.indicator,
                    baseline=format_general(progress.baseline_value),
                    goal=format_general(progress.target_value),
                    deadline=progress.target.deadline_year,
                    year=int(row["year"]),
                    value=format_general(float(row["value"])),
                    progress=f"{float(row['progress']):.0%}",
                    status=t(f"vulnerability.targets.{status}"),
                ),
                highlight=False,
            )
            for note in progress.notes:
                console.print(f"  • {note}", markup=False, highlight=False)
        for path in written:
            console.print(t("vulnerability.targets.wrote", path=path), highlight=False)
