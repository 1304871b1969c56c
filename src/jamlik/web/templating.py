"""Page rendering: Jinja2 templates (autoescaped) with the language and the translation catalogue.

The language of a page is ``?lang=sv|en`` (remembered in a cookie), else the cookie, else
Swedish. Templates get ``lang``, ``t(key, **values)`` in that language and ``lang_links`` (the
same page in each language) for the switch in the header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from jamlik.i18n import LANGUAGES, catalogue

__all__ = ["LANG_COOKIE", "STATIC_DIR", "TEMPLATES_DIR", "page_language", "render", "templates"]

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"
LANG_COOKIE = "jamlik_lang"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


class _KeepMissing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def page_language(request: Request) -> str:
    """Return the language of ``request``: query, then cookie, then Swedish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return "sv"


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render template ``name`` for ``request`` in its language."""
    lang = page_language(request)

    def translate(key: str, /, **values: object) -> str:
        # Placeholders without a value stay as they are: page scripts fill them in.
        return catalogue()[key][lang].format_map(_KeepMissing(values))

    links = {code: str(request.url.include_query_params(lang=code)) for code in LANGUAGES}
    response = templates.TemplateResponse(
        request,
        name,
        {"lang": lang, "t": translate, "lang_links": links, **(context or {})},
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
