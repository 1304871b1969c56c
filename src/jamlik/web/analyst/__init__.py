"""Analyst pages: indicator map explorer, plan comparison, SKA matrix, report download.

``router`` holds the HTML pages (:mod:`~jamlik.web.analyst.pages`), their JSON routes
(:mod:`~jamlik.web.analyst.api`) and the report download (:mod:`~jamlik.web.analyst.report`).
Heavy work runs in the background worker (:mod:`jamlik.web.jobs`) through
:mod:`~jamlik.web.analyst.data`.
"""

from fastapi import APIRouter

from jamlik.web.analyst import api, pages, report

__all__ = ["router"]

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
router.include_router(report.router)
