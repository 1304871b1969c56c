"""JSON routes of the analyst pages: pre-aggregated values, geometry, base-map tiles, jobs.

Routes read the files of :mod:`jamlik.web.analyst.data`; when a result is not computed yet they
start its job and answer ``202`` with its progress (:func:`~jamlik.web.analyst.state.pending`).
Values are served per selection (layer, profile, group, category, measure) as parallel arrays of
area or grid-square ids, never per resident.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from jamlik.i18n import t
from jamlik.web.analyst import data
from jamlik.web.analyst.data import (
    access_work,
    basemap_work,
    compare_work,
    default_transit_date,
    transit_work,
)
from jamlik.web.analyst.state import AnalystState, analyst_state, language, pending

__all__ = ["router"]

router = APIRouter(prefix="/api/analyst", tags=["analyst"])
State = Annotated[AnalystState, Depends(analyst_state)]
Lang = Annotated[str, Depends(language)]
_MAX_ZOOM = 20


def _numbers(values: pd.Series) -> list[float | None]:
    """Return floats for JSON, ``None`` for missing values."""
    return [None if not math.isfinite(v) else float(v) for v in values.to_numpy(np.float64)]


def _access(state: AnalystState, lang: str) -> Path | JSONResponse:
    key = state.source.key("access")
    folder = state.runner.ready(key)
    if folder is not None:
        return folder
    return pending(state.runner.submit(key, access_work(state.source)), lang)


def _bad(lang: str, name: str, value: str, allowed: list[str]) -> HTTPException:
    return HTTPException(
        status_code=422,
        detail=t(
            "web_analyst.bad_choice", lang, name=name, value=value, allowed=", ".join(allowed)
        ),
    )


@router.get("/meta")
def meta(state: State, lang: Lang) -> dict[str, Any]:
    """Return the pack, its plans, the base map setting and the state of the access run.

    Starts drawing the base map (a few seconds) so that it is queued before the access run.
    """
    pack = state.pack(lang)
    if state.tile_url is None and pack.osm_path is not None:
        state.runner.submit(state.source.key("basemap"), basemap_work(state.source))
    key = state.source.key("access")
    job = state.runner.job(key)
    return {
        "pack": pack.name,
        "title": pack.title or pack.name,
        "scenarios": [p.stem for p in state.source.scenarios()],
        "tile_url": state.tile_url,
        "modes": ["walk", "bike", *(["transit"] if pack.gtfs_paths else [])],
        "access_ready": state.runner.ready(key) is not None,
        "access_job": job.as_dict() if job else None,
    }


@router.get("/jobs/{job_id}")
def job_status(job_id: str, state: State, lang: Lang) -> dict[str, Any]:
    """Return the progress of a job started by this app."""
    job = state.runner.by_id(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=t("web_analyst.no_job", lang, id=job_id))
    return job.as_dict()


@router.get("/access/meta", response_model=None)
def access_meta(state: State, lang: Lang) -> dict[str, Any] | JSONResponse:
    """Return the profiles, groups, categories, measures and notes of the access run (starts it)."""
    folder = _access(state, lang)
    if isinstance(folder, JSONResponse):
        return folder
    return state.meta(folder)


@router.get("/access/geometry/{layer}", response_model=None)
def geometry(layer: str, state: State, lang: Lang) -> Response:
    """Return the polygons of ``areas`` or ``grid`` as GeoJSON in WGS84 (``id``, ``name``)."""
    if layer not in ("areas", "grid"):
        raise _bad(lang, "layer", layer, ["areas", "grid"])
    folder = _access(state, lang)
    if isinstance(folder, JSONResponse):
        return folder
    path = folder / f"{layer}.geojson"
    if not path.is_file():
        raise HTTPException(status_code=404, detail=t("web_analyst.no_layer", lang, layer=layer))
    return Response(state.text(path), media_type="application/geo+json")


@router.get("/access/values", response_model=None)
def values(
    state: State,
    lang: Lang,
    layer: str = "areas",
    profile: str = "adult",
    group: str = "pop_total",
    category: str = "grocery",
    measure: str = "min",
) -> dict[str, Any] | JSONResponse:
    """Return one indicator per area or grid square: ``ids``, ``values``, ``population``.

    The numbers are those ``jamlik access`` writes for the same pack: the table
    ``area_values`` for areas, the layer ``grid_<profile>`` for the grid (everyone only).
    """
    folder = _access(state, lang)
    if isinstance(folder, JSONResponse):
        return folder
    info = state.meta(folder)
    for name, value, allowed in (
        ("layer", layer, info["layers"]),
        ("profile", profile, info["profiles"]),
        ("group", group, info["groups"] if layer == "areas" else ["pop_total"]),
        ("category", category, info["categories"]),
        ("measure", measure, info["measures"]),
    ):
        if value not in allowed:
            raise _bad(lang, name, value, list(allowed))
    rows = state.rows(
        folder / "values.parquet", layer=layer, profile=profile, group=group, category=category,
        measure=measure,
    )  # fmt: skip
    pack_row = state.rows(
        folder / "whole.parquet", profile=profile, group=group, category=category,
        measure="min" if measure == "noacc" else measure,
    )  # fmt: skip
    pack_value = None
    if len(pack_row):
        column = "no_access_share" if measure == "noacc" else "value"
        pack_value = _numbers(pack_row[column])[0]
    return {
        "layer": layer,
        "profile": profile,
        "group": group,
        "category": category,
        "measure": measure,
        "ids": rows["id"].tolist(),
        "values": _numbers(rows["value"]),
        "population": _numbers(rows["population"]),
        "pack_value": pack_value,
    }


@router.get("/basemap/{z}/{x}/{y}.json", response_model=None)
def basemap_tile(z: int, x: int, y: int, state: State, lang: Lang) -> dict[str, Any] | Response:
    """Return a base-map tile drawn from the pack's OSM (coordinates in tile pixels)."""
    if not 0 <= z <= _MAX_ZOOM or not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
        raise HTTPException(status_code=404, detail=t("web_analyst.bad_tile", lang))
    key = state.source.key("basemap")
    folder = state.runner.ready(key)
    if folder is None:
        return pending(state.runner.submit(key, basemap_work(state.source)), lang)
    path = folder / "basemap.parquet"
    if not path.is_file():
        raise HTTPException(status_code=404, detail=t("web_analyst.no_osm", lang))
    tile: dict[str, Any] = state.basemap(path).tile(z, x, y)
    return tile


def _scenario(state: AnalystState, name: str, lang: str) -> Path:
    for path in state.source.scenarios():
        if path.stem == name:
            return path
    names = [p.stem for p in state.source.scenarios()]
    raise HTTPException(
        status_code=404,
        detail=t("web_analyst.no_scenario", lang, name=name, names=", ".join(names) or "-"),
    )


def _comparison(state: AnalystState, name: str, lang: str) -> Path | JSONResponse:
    path = _scenario(state, name, lang)
    key = state.source.key("compare", scenario=str(path.resolve()), mtime=path.stat().st_mtime_ns)
    folder = state.runner.ready(key)
    if folder is not None:
        return folder
    return pending(state.runner.submit(key, compare_work(state.source, path)), lang)


@router.get("/compare/{name}/meta", response_model=None)
def compare_meta(name: str, state: State, lang: Lang) -> dict[str, Any] | JSONResponse:
    """Return the plan, its complexity level, notes and indicators (starts the comparison)."""
    folder = _comparison(state, name, lang)
    if isinstance(folder, JSONResponse):
        return folder
    info = state.meta(folder)
    change = state.table(folder / "area_change.parquet")
    info["indicators"] = sorted(change["indicator"].unique().tolist())
    info["groups"] = list(dict.fromkeys(change["group"].astype(str)))
    return info


@router.get("/compare/{name}/deltas", response_model=None)
def deltas(
    name: str,
    state: State,
    lang: Lang,
    indicator: str = "grocery_nearest_1_min_adult",
    group: str = "pop_total",
) -> dict[str, Any] | JSONResponse:
    """Return the change per area of one indicator and group (``before``, ``after``, ``delta``)."""
    folder = _comparison(state, name, lang)
    if isinstance(folder, JSONResponse):
        return folder
    path = folder / "area_change.parquet"
    change = state.table(path)
    for label, value, column in (("indicator", indicator, "indicator"), ("group", group, "group")):
        allowed = list(dict.fromkeys(change[column].astype(str)))
        if value not in allowed:
            raise _bad(lang, label, value, allowed)
    rows = state.rows(path, indicator=indicator, group=group)
    areas = rows[rows["area_id"] != "*"]
    whole = rows[rows["area_id"] == "*"]
    return {
        "indicator": indicator,
        "group": group,
        "ids": areas["area_id"].astype(str).tolist(),
        "before": _numbers(areas["before"]),
        "after": _numbers(areas["after"]),
        "delta": _numbers(areas["delta"]),
        "pack_delta": _numbers(whole["delta"])[0] if len(whole) else None,
    }


@router.get("/compare/{name}/winners", response_model=None)
def winners(
    name: str, state: State, lang: Lang, profile: Annotated[str | None, Query()] = None
) -> dict[str, Any] | JSONResponse:
    """Return the winners and losers (people per group) among the residents who stay.

    The rows of ``winners_losers.csv`` of ``jamlik scenario compare``, for one profile or all.
    """
    folder = _comparison(state, name, lang)
    if isinstance(folder, JSONResponse):
        return folder
    table = state.table(folder / "winners.parquet")
    if profile is not None:
        allowed = list(dict.fromkeys(table["profile"].astype(str)))
        if profile not in allowed:
            raise _bad(lang, "profile", profile, allowed)
        table = table[table["profile"] == profile]
    columns = ["profile", "indicator", "group", "gain", "loss", "same", "gained_access",
               "lost_access", "people"]  # fmt: skip
    rows = [
        {c: (None if isinstance(v, float) and not math.isfinite(v) else v) for c, v in row.items()}
        for row in table[columns].to_dict(orient="records")
    ]
    return {"rows": rows}


@router.get("/compare/{name}/ska", response_model=None)
def ska(name: str, state: State, lang: Lang) -> dict[str, Any] | JSONResponse:
    """Return the SKA matrix of the plan: aspects, scales, perspectives and each cell's verdict."""
    folder = _comparison(state, name, lang)
    if isinstance(folder, JSONResponse):
        return folder
    info = state.meta(folder)
    cells = state.table(folder / f"ska_{lang}.parquet")
    rules = info["rules"]

    def labels(kind: str) -> list[dict[str, str]]:
        return [{"key": k, "label": v[lang]} for k, v in rules[kind].items()]

    records = cells[["aspect", "scale", "perspective", "verdict", "evidence", "people"]]
    return {
        "aspects": labels("aspects"),
        "scales": labels("scales"),
        "perspectives": labels("perspectives"),
        "complexity": info["complexity"][lang],
        "cells": [
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in r.items()
            }
            for r in records.to_dict(orient="records")
        ],
    }


def _transit(state: AnalystState, lang: str, date: str | None) -> Path | JSONResponse:
    pack = state.pack(lang)
    if not pack.gtfs_paths:
        raise HTTPException(status_code=404, detail=t("web_analyst.no_gtfs", lang))
    try:
        day = dt.date.fromisoformat(date) if date else default_transit_date(pack.gtfs_paths)
    except ValueError:
        raise HTTPException(
            status_code=422, detail=t("web_analyst.bad_date", lang, date=date)
        ) from None
    if day is None:
        raise HTTPException(status_code=422, detail=t("web_analyst.bad_date", lang, date="-"))
    key = state.source.key("transit", date=day.isoformat(), **data.TRANSIT_OPTIONS)
    folder = state.runner.ready(key)
    if folder is not None:
        return folder
    return pending(state.runner.submit(key, transit_work(state.source, day)), lang)


@router.get("/transit/meta", response_model=None)
def transit_meta(
    state: State, lang: Lang, date: str | None = None
) -> dict[str, Any] | JSONResponse:
    """Return the date, hours, categories and groups of the transit run (starts it)."""
    folder = _transit(state, lang, date)
    if isinstance(folder, JSONResponse):
        return folder
    return state.meta(folder)


@router.get("/transit/values", response_model=None)
def transit_values(
    state: State,
    lang: Lang,
    date: str | None = None,
    category: str = "grocery",
    measure: str = "min",
    group: str = "pop_total",
    hour: int = 8,
) -> dict[str, Any] | JSONResponse:
    """Return transit access per area at ``hour`` and the whole pack's value at every hour.

    The numbers of ``jamlik access --mode transit --day-type weekday --hours 6-23`` for the
    same date: ``min`` is the time to the nearest (``<c>_nearest_min_transit``), ``noacc`` its
    share without access, ``n<T>`` the places within ``T`` minutes (``<c>_count_<T>min_transit``).
    """
    folder = _transit(state, lang, date)
    if isinstance(folder, JSONResponse):
        return folder
    info = state.meta(folder)
    measures = ["min", "noacc", *[f"n{c:g}" for c in info["cutoffs_min"]]]
    for name, value, allowed in (
        ("category", category, info["categories"]),
        ("measure", measure, measures),
        ("group", group, info["groups"]),
        ("hour", str(hour), [str(h) for h in info["hours"]]),
    ):
        if value not in allowed:
            raise _bad(lang, name, value, list(allowed))
    if measure in ("min", "noacc"):
        indicator = f"{category}_nearest_min_transit"
    else:
        indicator = f"{category}_count_{measure[1:]}min_transit"
    column = "no_access_share" if measure == "noacc" else "value"
    rows = state.rows(folder / "summary.parquet", indicator=indicator, group=group)
    now = rows[(rows["hour"] == hour) & (rows["area_id"] != "*")]
    whole = rows[rows["area_id"] == "*"].sort_values("hour")
    return {
        "date": info["date"],
        "hour": hour,
        "ids": now["area_id"].tolist(),
        "values": _numbers(now[column]),
        "population": _numbers(now["population"]),
        "pack_value": next(iter(_numbers(whole.loc[whole["hour"] == hour, column])), None),
        "hours": whole["hour"].astype(int).tolist(),
        "hour_values": _numbers(whole[column]),
        "service": whole["service"].astype(str).tolist(),
    }
