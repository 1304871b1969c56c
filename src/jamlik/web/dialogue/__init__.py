"""Resident dialogue: pins, lines and areas with a category and a comment, moderated.

``router`` holds the JSON API (``/api/...``, in the OpenAPI schema) and the HTML pages
(``/dialogue``, ``/dialogue/{id}``, ``/admin``).
"""

from fastapi import APIRouter

from jamlik.web.dialogue import api, pages

__all__ = ["router"]

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
