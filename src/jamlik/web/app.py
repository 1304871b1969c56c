"""The FastAPI application factory: settings, store, routers, static files, templates."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from jamlik.web import analyst, dialogue
from jamlik.web.settings import Settings

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "create_app"]

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the jamlik web application; routes read ``request.app.state.settings``."""
    app = FastAPI(title="jamlik")
    app.state.settings = settings or Settings()
    app.include_router(analyst.router)
    app.include_router(dialogue.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
