"""``jamlik report PACK [--scenario S.toml …] --out DIR``: the SKA report in four formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._common import (
    OverwriteOption,
    bad_option,
    check_output,
    console,
    fail_cleanly,
    refuse,
)
from jamlik.i18n import LANGUAGES, current_language, t

__all__ = ["register", "report"]


def report(
    pack: Annotated[Path, typer.Argument(help=t("report.opt_pack"))],
    scenario: Annotated[
        list[Path] | None, typer.Option("--scenario", "-s", help=t("report.opt_scenario"))
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help=t("report.opt_out"))] = Path("report"),
    lang: Annotated[str | None, typer.Option("--lang", help=t("report.opt_lang"))] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Write the social impact assessment report of a pack and its plans.

    The four files appear in ``--out`` together or not at all (a result folder).
    """
    from jamlik.ingest.pack import pack_files

    scenarios = list(scenario or [])
    check_output(
        out, inputs=[pack, *scenarios, *pack_files(pack)], folder=True, overwrite=overwrite
    )
    from jamlik.report import write_report
    from jamlik.storage import result_folder

    if lang is not None and lang.lower()[:2] not in LANGUAGES:
        refuse(bad_option("--lang", lang, t("report.bad_lang")))
    language = current_language(lang)

    def progress(message: str) -> None:
        console.print(message, highlight=False, markup=False, soft_wrap=True)

    def write() -> dict[str, Path]:
        with result_folder(out, command="report", overwrite=overwrite) as folder:
            staged = write_report(
                pack, scenarios=scenarios, out_dir=folder.staging, language=language,
                progress=progress,
            )  # fmt: skip
        return {kind: folder.final(path) for kind, path in staged.items()}

    written = fail_cleanly(write)
    for path in written.values():
        console.print(t("report.wrote", language, path=str(path)), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report", help=t("cli.commands.report"))(report)
