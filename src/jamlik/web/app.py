"""The FastAPI application factory: settings, store, routers, static files, templates.

At start-up the store's migrations run and, when the settings name one, the administrator is
created. Middleware adds the Content-Security-Policy and refuses oversized bodies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from jamlik.web import analyst, dialogue
from jamlik.web.security import BodyLimitMiddleware, RateLimiter, SecurityHeadersMiddleware
from jamlik.web.settings import Settings
from jamlik.web.store import connect, migrate
from jamlik.web.templating import STATIC_DIR, TEMPLATES_DIR

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the jamlik web application; routes read ``request.app.state.settings``.

    The store (``app.state.engine``) is connected and migrated here, before the app serves,
    so a wrong database URL fails at once with a clear message.
    """
    settings = settings or Settings()
    engine = connect(settings.db_url)
    migrate(engine)
    if settings.admin_user and settings.admin_password:
        from jamlik.web.dialogue.service import ensure_admin

        ensure_admin(engine, settings.admin_user, settings.admin_password)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="jamlik", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.submit_limiter = RateLimiter(settings.rate_limit_per_min)
    app.state.login_limiter = RateLimiter(10 if settings.rate_limit_per_min else 0)
    app.include_router(analyst.router)
    app.include_router(dialogue.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, tile_url=settings.tile_url)
    return app
