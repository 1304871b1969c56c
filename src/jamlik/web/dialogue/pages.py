"""HTML pages of the dialogue: the list, a dialogue's map for residents, the admin page.

The pages hold no data of their own: scripts (``static/dialogue*.js``, no inline script) read
the JSON API. Everything a page prints goes through the autoescaping templates.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from shapely.geometry import box, mapping

from jamlik.i18n import t
from jamlik.web.dialogue import service
from jamlik.web.packs import pack_context
from jamlik.web.templating import page_language, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/dialogue", response_class=HTMLResponse)
def dialogue_list(request: Request) -> HTMLResponse:
    """Show the open dialogues."""
    dialogues = [d for d in service.list_dialogues(request.app.state.engine) if d.is_open]
    return render(request, "dialogue_list.html", {"dialogues": dialogues})


@router.get("/dialogue/{dialogue_id}", response_class=HTMLResponse)
def dialogue_page(request: Request, dialogue_id: int) -> HTMLResponse:
    """Show a dialogue's map: add a place, see what others said, find or delete one's own."""
    dialogue = service.get_dialogue(request.app.state.engine, dialogue_id)
    if dialogue is None or not 0 < dialogue_id < 2**31:
        raise HTTPException(404, t("web_dialogue.no_dialogue", page_language(request)))
    context = {"dialogue": dialogue, "tile_url": request.app.state.settings.tile_url}
    return render(request, "dialogue.html", context)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    """Log in, create dialogues, moderate, export, see the summary."""
    bounds = pack_context(request.app.state.settings).areas_wgs84.total_bounds
    area = json.dumps(mapping(box(*(round(float(b), 6) for b in bounds))))
    return render(request, "dialogue_admin.html", {"default_area": area})
