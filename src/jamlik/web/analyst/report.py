"""Report download: the SKA report of the pack and its plans as HTML, PDF, Excel or GeoPackage.

The route calls :func:`jamlik.report.write_report` in the background worker as
``write_report(pack_folder_or_toml, scenarios=plan_files, out_dir=job_folder, language=…,
progress=…)`` (one job per pack, plans and language, all four files at once) and serves the
chosen file when it is written.
When the installed jamlik has no report writer the route says so (``503``) instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.web.analyst.state import AnalystState, analyst_state, language, pending
from jamlik.web.jobs import Progress

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "router"]

router = APIRouter(prefix="/api/analyst", tags=["analyst"])
#: Format → (key of ``write_report``'s result, media type).
FORMATS = {
    "html": ("html", "text/html"),
    "pdf": ("pdf", "application/pdf"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "gpkg": ("gpkg", "application/geopackage+sqlite3"),
}


def _writer() -> Callable[..., dict[str, Path]] | None:
    """Return ``jamlik.report.write_report``, or ``None`` when this jamlik has none."""
    try:
        module = importlib.import_module("jamlik.report")
    except ImportError:
        return None
    writer = getattr(module, "write_report", None)
    return writer if callable(writer) else None


def _report_work(
    state: AnalystState, scenarios: tuple[Path, ...], lang: str, dialogue: pd.DataFrame | None
) -> Any:
    writer = _writer()
    assert writer is not None
    extra = {"dialogue": dialogue} if dialogue is not None else {}

    def work(folder: Path, progress: Progress) -> None:
        progress("report", 0, 1)
        written = writer(
            state.source.path,
            scenarios=scenarios,
            out_dir=folder,
            language=lang,
            progress=lambda message: progress(message, 0, 1),
            **extra,
        )
        missing = [k for k in FORMATS if k not in written or not Path(written[k]).is_file()]
        if missing:
            raise DataError(t("web_analyst.report_incomplete", lang, missing=", ".join(missing)))
        names = {k: Path(v).resolve().relative_to(folder.resolve()).as_posix()
                 for k, v in written.items()}  # fmt: skip
        (folder / "files.txt").write_text(
            "\n".join(f"{k}\t{v}" for k, v in names.items()), encoding="utf-8"
        )
        progress("report", 1, 1)

    return work


def _aspect_table(per_aspect: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the report's dialogue section: one row per SKA aspect, its name, counts."""
    table = per_aspect.rename(columns={lang: t("web_analyst.dialogue_aspect", lang)})
    return table.drop(columns=[c for c in ("sv", "en") if c in table.columns]).reset_index(
        drop=True
    )


@router.get("/report", response_model=None)
def report(
    request: Request,
    state: Annotated[AnalystState, Depends(analyst_state)],
    lang: Annotated[str, Depends(language)],
    format: str = "html",  # noqa: A002 - the query parameter's public name
    dialogue: int | None = None,
) -> FileResponse | JSONResponse:
    """Return the report file in ``format`` (html, pdf, xlsx, gpkg); ``202`` while it is written.

    With ``dialogue`` (an id), the report's inventory includes what residents said in that
    dialogue: its published contributions per SKA aspect.
    """
    if format not in FORMATS:
        raise HTTPException(
            status_code=422,
            detail=t("web_analyst.bad_choice", lang, name="format", value=format,
                     allowed=", ".join(FORMATS)),
        )  # fmt: skip
    if _writer() is None:
        raise HTTPException(status_code=503, detail=t("web_analyst.no_report", lang))
    scenarios = tuple(state.source.scenarios())
    stamps = [(str(p.resolve()), p.stat().st_mtime_ns) for p in scenarios]
    said = None
    if dialogue is not None:
        from jamlik.web.dialogue.api import summarise

        said = _aspect_table(summarise(request, dialogue, lang).per_aspect, lang)
    # What residents said is part of the key: a newly published contribution gives a new report.
    heard = said.to_csv() if said is not None else ""
    key = state.source.key("report", scenarios=stamps, language=lang, dialogue=heard)
    folder = state.runner.ready(key)
    if folder is None:
        work = _report_work(state, scenarios, lang, said)
        return pending(state.runner.submit(key, work), lang)
    names = dict(
        line.split("\t", 1) for line in (folder / "files.txt").read_text("utf-8").splitlines()
    )
    path = folder / names[format]
    media = FORMATS[format][1]
    filename = f"{state.pack(lang).name}-ska-{lang}.{format}"
    return FileResponse(path, media_type=media, filename=filename)
