"""Per-app state of the analyst pages: the job runner, the pack, cached tables, the language."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from jamlik.errors import JamlikError
from jamlik.i18n import LANGUAGES, t
from jamlik.ingest import Pack
from jamlik.web.analyst.data import PackSource
from jamlik.web.basemap import BaseMap
from jamlik.web.jobs import Job, JobRunner

__all__ = ["AnalystState", "analyst_state", "language", "pending"]

_lock = threading.Lock()


class AnalystState:
    """What the analyst routes share within one app."""

    def __init__(self, pack: Path | None, cache_dir: Path, tile_url: str | None) -> None:
        self.runner = JobRunner(Path(cache_dir) / "analyst")
        self.source = PackSource(pack, Path(cache_dir) / "analyst")
        self.tile_url = tile_url
        self.table = lru_cache(maxsize=32)(self._table)
        self.index = lru_cache(maxsize=8)(self._index)
        self.text = lru_cache(maxsize=32)(self._text)
        self.basemap = lru_cache(maxsize=4)(BaseMap)

    @staticmethod
    def _table(path: Path) -> pd.DataFrame:
        return pd.read_parquet(path)

    def _index(self, path: Path, keys: tuple[str, ...]) -> dict[tuple[Any, ...], pd.DataFrame]:
        """Rows of a table by the values of ``keys``: one dictionary look-up per request."""
        table = self.table(path)
        return dict(iter(table.groupby(list(keys), sort=False, observed=True)))

    def rows(self, path: Path, **where: Any) -> pd.DataFrame:
        """Return the rows of the table at ``path`` whose columns equal ``where``."""
        keys = tuple(where)
        found = self.index(path, keys).get(tuple(where.values()))
        return found if found is not None else self.table(path).iloc[0:0]

    @staticmethod
    def _text(path: Path) -> str:
        return path.read_text(encoding="utf-8")

    def pack(self, lang: str) -> Pack:
        """Return the loaded pack; a pack that does not load answers ``422`` with the reason."""
        try:
            return self.source.load()
        except JamlikError as exc:
            raise HTTPException(
                status_code=422, detail=t("web_analyst.bad_pack", lang, error=str(exc))
            ) from None

    def meta(self, folder: Path) -> dict[str, Any]:
        """Return the ``meta.json`` of a result folder."""
        data: dict[str, Any] = json.loads(self.text(folder / "meta.json"))
        return data


def analyst_state(request: Request) -> AnalystState:
    """Return the analyst state of the request's app, made on first use."""
    app = request.app
    with _lock:
        state = getattr(app.state, "analyst", None)
        if state is None:
            settings = app.state.settings
            state = AnalystState(settings.pack, settings.cache_dir, settings.tile_url)
            app.state.analyst = state
    return state


def language(request: Request) -> str:
    """Return the page language: ``?lang=``, else the ``jamlik_lang`` cookie, else Swedish."""
    for value in (request.query_params.get("lang"), request.cookies.get("jamlik_lang")):
        if value and value[:2].lower() in LANGUAGES:
            return value[:2].lower()
    return "sv"


def pending(job: Job, lang: str) -> JSONResponse:
    """Answer a request whose result is still being computed: ``202`` and the job's progress.

    A failed job answers ``422`` when the input was bad (its message names the file, row or
    feature) and ``500`` when it met a bug; both carry the job's error.
    """
    body = job.as_dict()
    if job.state == "failed":
        raise HTTPException(
            status_code=500 if job.bug else 422,
            detail=t("web_analyst.job_failed", lang, error=job.error),
        )
    body["message"] = t("web_analyst.computing", lang)
    return JSONResponse(body, status_code=202)
