"""JSON routes of the dialogue: thin adapters that parse, call one service function, answer.

Public (no account): list and read dialogues, send a contribution (rate-limited, honeypot),
read the published map data, see or delete one's own contribution with its personal code.
Admin (session cookie + CSRF header for writes): log in/out, create dialogues, the moderation
queue, moderate, export (CSV, GeoPackage) and the summary per area, SKA aspect and group.
"""

from __future__ import annotations

import json
import math
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from jamlik.i18n import t
from jamlik.web.dialogue import service
from jamlik.web.dialogue.schemas import ContributionIn, DialogueIn, LoginIn, ModerationIn
from jamlik.web.packs import PackContext, pack_context
from jamlik.web.security import (
    end_session,
    keyed_hash,
    read_session,
    require_admin,
    start_session,
)
from jamlik.web.store.models import Dialogue
from jamlik.web.templating import page_language

if TYPE_CHECKING:  # geopandas and pandas are imported on first use: the server starts fast
    import geopandas as gpd
    import pandas as pd

    from jamlik.dialogue.summary import DialogueSummary

__all__ = ["router", "summarise"]

router = APIRouter(prefix="/api", tags=["dialogue"])
Admin = Annotated[dict[str, Any], Depends(require_admin)]
Code = Annotated[str, Header(alias="X-Contribution-Code", min_length=1, max_length=64)]


@cache
def _aspects() -> dict[str, dict[str, str]]:
    from jamlik.ska import load_ska_rules

    rules = load_ska_rules()
    return {k: {"sv": a.sv, "en": a.en} for k, a in rules.aspects.items()}


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


def _client(request: Request) -> str:
    return keyed_hash(_secret(request), "client", request.client.host if request.client else "")


def _dialogue(request: Request, dialogue_id: int) -> Dialogue:
    if not 0 < dialogue_id < 2**31:
        raise HTTPException(404, t("web_dialogue.no_dialogue", page_language(request)))
    dialogue = service.get_dialogue(_engine(request), dialogue_id)
    if dialogue is None:
        raise HTTPException(404, t("web_dialogue.no_dialogue", page_language(request)))
    return dialogue


def _pack(request: Request) -> PackContext:
    return pack_context(request.app.state.settings)


def _rejected(exc: service.RejectedError) -> HTTPException:
    return HTTPException(422, [{"loc": ["body", exc.field], "msg": str(exc), "type": exc.code}])


@router.get("/dialogues")
def list_dialogues(request: Request) -> list[dict[str, Any]]:
    """Every dialogue: id, title, description, area, categories, questions, open or not."""
    return [service.dialogue_dict(d) for d in service.list_dialogues(_engine(request))]


@router.get("/dialogues/{dialogue_id}")
def read_dialogue(request: Request, dialogue_id: int) -> dict[str, Any]:
    """One dialogue, with the age bands and home areas residents may choose from."""
    out = service.dialogue_dict(_dialogue(request, dialogue_id))
    from jamlik.dialogue.summary import age_band_label

    pack = _pack(request)
    ages = [c for c in pack.population.columns if c.startswith("age_")]
    out["age_bands"] = [{"key": g, "label": age_band_label(g)} for g in ages]
    out["home_areas"] = [
        {"key": str(i), "label": str(n)} for i, n in pack.areas_wgs84["name"].items()
    ]
    return out


@router.get("/areas.geojson")
def areas_geojson(request: Request) -> JSONResponse:
    """Return the pack's statistical areas (id, name) in WGS84, simplified to about 5 m."""
    pack = _pack(request)
    frame = pack.areas_wgs84[["name", "geometry"]].rename_axis("area_id").reset_index()
    frame["geometry"] = frame.geometry.simplify(0.00005)
    return JSONResponse(json.loads(frame.to_json(drop_id=True)), media_type="application/geo+json")


@router.post("/dialogues", status_code=201)
def create_dialogue(request: Request, data: DialogueIn, _: Admin) -> dict[str, int]:
    """Create a dialogue (admin)."""
    try:
        lang = page_language(request)
        return {
            "id": service.create_dialogue(_engine(request), data, set(_aspects()), language=lang)
        }
    except service.RejectedError as exc:
        raise _rejected(exc) from None


@router.post("/dialogues/{dialogue_id}/contributions", status_code=201)
def contribute(
    request: Request, response: Response, dialogue_id: int, data: ContributionIn
) -> dict[str, str]:
    """Send a contribution. Answers 201 with its id and the personal code (200 on a repeat)."""
    dialogue = _dialogue(request, dialogue_id)
    if data.website:
        raise HTTPException(422, t("web_dialogue.rejected", page_language(request)))
    client = _client(request)
    if not request.app.state.submit_limiter.allow(client):
        raise HTTPException(
            429,
            t("web_dialogue.too_many_contributions", page_language(request)),
            {"Retry-After": "60"},
        )
    ages = areas = None
    if data.age_band or data.home_area:
        pack = _pack(request)
        ages = {c for c in pack.population.columns if c.startswith("age_")}
        areas = {str(i) for i in pack.areas_wgs84.index}
    try:
        done = service.add_contribution(
            _engine(request),
            dialogue,
            data,
            secret=_secret(request),
            client_hash=client,
            age_bands=ages,
            home_areas=areas,
            language=page_language(request),
        )
    except service.RejectedError as exc:
        raise _rejected(exc) from None
    if not done.created:
        response.status_code = 200
    return {"id": done.id, "code": done.code, "status": "pending"}


@router.get("/dialogues/{dialogue_id}/contributions.geojson")
def published(request: Request, dialogue_id: int) -> JSONResponse:
    """Return the published contributions as GeoJSON (the public map's data)."""
    _dialogue(request, dialogue_id)
    return JSONResponse(
        service.published_geojson(_engine(request), dialogue_id),
        media_type="application/geo+json",
    )


@router.get("/contributions/{public_id}")
def own(request: Request, public_id: str, code: Code) -> dict[str, Any]:
    """Return a resident's own contribution, with its status (personal code in the header)."""
    found = service.own_contribution(_engine(request), public_id[:64], code, _secret(request))
    if found is None:
        raise HTTPException(404, t("web_dialogue.no_own_contribution", page_language(request)))
    return found


@router.delete("/contributions/{public_id}", status_code=204)
def delete_own(request: Request, public_id: str, code: Code) -> Response:
    """Delete one's own contribution (personal code in the header)."""
    if not service.delete_own(_engine(request), public_id[:64], code, _secret(request)):
        raise HTTPException(404, t("web_dialogue.no_own_contribution", page_language(request)))
    return Response(status_code=204)


@router.post("/admin/login")
def login(request: Request, response: Response, data: LoginIn) -> dict[str, str]:
    """Log in: sets the session cookie and returns the CSRF token for writes."""
    if not request.app.state.login_limiter.allow(_client(request)):
        raise HTTPException(
            429, t("web_dialogue.too_many_attempts", page_language(request)), {"Retry-After": "60"}
        )
    admin_id = service.authenticate(_engine(request), data.username, data.password)
    if admin_id is None:
        raise HTTPException(401, t("web_dialogue.wrong_login", page_language(request)))
    return {"csrf": start_session(response, request.app.state.settings, admin_id)}


@router.get("/admin/session")
def session(request: Request) -> dict[str, Any]:
    """Whether the caller is logged in, and the CSRF token if so."""
    current = read_session(request)
    return {"admin": current is not None, "csrf": current["csrf"] if current else None}


@router.post("/admin/logout", status_code=204)
def logout(_: Admin) -> Response:
    """Log out."""
    response = Response(status_code=204)
    end_session(response)
    return response


@router.get("/admin/dialogues/{dialogue_id}/queue")
def moderation_queue(
    request: Request, dialogue_id: int, _: Admin, status: str = "pending"
) -> list[dict[str, Any]]:
    """Contributions waiting for moderation (or with another ``status``)."""
    _dialogue(request, dialogue_id)
    if status not in ("pending", "published", "rejected"):
        raise HTTPException(422, t("web_dialogue.bad_status", page_language(request)))
    return service.queue(_engine(request), dialogue_id, status)


@router.post("/admin/contributions/{public_id}/moderate")
def moderate(request: Request, public_id: str, data: ModerationIn, _: Admin) -> dict[str, str]:
    """Publish or reject a contribution."""
    if not service.moderate(_engine(request), public_id[:64], data.status):
        raise HTTPException(404, t("web_dialogue.no_contribution", page_language(request)))
    return {"id": public_id, "status": data.status}


def _frame(request: Request, dialogue: Dialogue) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    rows = service.contribution_rows(_engine(request), dialogue.id)
    aspects = {c["key"]: c.get("aspect") for c in json.loads(dialogue.categories)}
    columns = [
        "id", "created_at", "status", "kind", "category", "aspect", "comment", "answers",
        "age_band", "home_area", "participant",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    frame["aspect"] = frame["category"].map(aspects)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


@router.get("/admin/dialogues/{dialogue_id}/export.{fmt}")
def export(request: Request, dialogue_id: int, fmt: str, _: Admin) -> Response:
    """Export the published contributions as CSV (geometry as WKT) or GeoPackage."""
    import pandas as pd

    from jamlik.storage.files import write_csv, write_geopackage

    dialogue = _dialogue(request, dialogue_id)
    if fmt not in ("csv", "gpkg"):
        raise HTTPException(404, t("web_dialogue.bad_export", page_language(request)))
    frame = _frame(request, dialogue).drop(columns="participant")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"dialogue-{dialogue_id}.{fmt}"
        if fmt == "csv":
            table = _inert_cells(pd.DataFrame(frame.drop(columns="geometry")))
            table["geometry_wkt"] = frame.geometry.to_wkt()
            write_csv(table, target)
            media = "text/csv; charset=utf-8"
        else:
            write_geopackage({"contributions": frame}, target)
            media = "application/geopackage+sqlite3"
        content = target.read_bytes()
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{target.name}"'},
    )


#: A cell starting with one of these is a formula to Excel and LibreOffice (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe."""
    out = table.copy()
    for column in out.select_dtypes(include=["object", "string"]).columns:
        text = out[column]
        risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_STARTS))
        out.loc[risky, column] = "'" + text[risky]
    return out


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    out = table.reset_index().to_dict(orient="records")
    return [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
        for r in out
    ]


def summarise(request: Request, dialogue_id: int, lang: str = "sv") -> DialogueSummary:
    """Return the summary of a dialogue's published contributions (also for the report)."""
    from jamlik.dialogue.summary import dialogue_summary

    dialogue = _dialogue(request, dialogue_id)
    pack = _pack(request)
    return dialogue_summary(
        _frame(request, dialogue),
        areas=pack.areas,
        population=pack.population,
        categories=json.loads(dialogue.categories),
        aspects=_aspects(),
        language=lang if lang in ("sv", "en") else "sv",
    )


@router.get("/admin/dialogues/{dialogue_id}/summary")
def summary(request: Request, dialogue_id: int, _: Admin, lang: str = "sv") -> dict[str, Any]:
    """Summarise published contributions per area and aspect; participants against residents."""
    result = summarise(request, dialogue_id, lang)
    return {
        "contributions": result.contributions,
        "participants": result.participants,
        "outside": result.outside,
        "per_area": _records(result.per_area),
        "per_aspect": _records(result.per_aspect),
        "by_age": _records(result.by_age),
        "by_home_area": _records(result.by_home_area),
        "notes": list(result.notes),
    }
