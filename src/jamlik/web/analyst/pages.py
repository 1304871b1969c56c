"""HTML pages of the analyst: indicator map explorer, plan comparison, SKA matrix.

Pages are templates with no inline script (the app's Content-Security-Policy forbids it): the
scripts are ``static/analyst*.js`` and read what they need from ``data-`` attributes and the
JSON routes. Every text comes from the catalogue (``web_analyst.toml``); the page's texts for
the script travel in one ``data-messages`` attribute.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from jamlik.i18n import LANGUAGES, catalogue, t
from jamlik.ingest import load_categories
from jamlik.web.analyst.state import AnalystState, analyst_state, language

__all__ = ["router"]

router = APIRouter(tags=["analyst pages"])
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parents[1] / "templates"))
_PAGES = {"map": "analyst.html", "compare": "analyst_compare.html", "ska": "analyst_ska.html"}


def _messages(lang: str) -> str:
    """Return the page's texts in ``lang`` as JSON for the script."""
    prefixes = ("web_analyst.", "group.", "profile.")
    texts = {k: v[lang] for k, v in catalogue().items() if k.startswith(prefixes)}
    texts.update({f"category.{k}": c.label(lang) for k, c in load_categories().items()})
    return json.dumps(texts, ensure_ascii=False)


def _page(request: Request, page: str, lang: str, state: AnalystState) -> HTMLResponse:
    response = _TEMPLATES.TemplateResponse(
        request,
        _PAGES[page],
        {
            "lang": lang,
            "other": "en" if lang == "sv" else "sv",
            # The same page in each language, for the site header's switch.
            "lang_links": {
                code: str(request.url.include_query_params(lang=code)) for code in LANGUAGES
            },
            "page": page,
            "t": lambda key, **values: t(key, lang, **values),
            "messages": _messages(lang),
            "tile_url": state.tile_url or "",
        },
    )
    response.set_cookie("jamlik_lang", lang, samesite="lax", httponly=True)
    return response


def _add_page(path: str, page: str, summary: str) -> None:
    def show(
        request: Request,
        lang: Annotated[str, Depends(language)],
        state: Annotated[AnalystState, Depends(analyst_state)],
    ) -> HTMLResponse:
        return _page(request, page, lang, state)

    router.add_api_route(
        path, show, methods=["GET"], response_class=HTMLResponse, summary=summary,
        name=f"analyst_{page}",
    )  # fmt: skip


_add_page("/analyst", "map", "The indicator map explorer")
_add_page("/analyst/compare", "compare", "The plan comparison: deltas on the map, winners, losers")
_add_page("/analyst/ska", "ska", "The SKA matrix of a plan and the report downloads")
