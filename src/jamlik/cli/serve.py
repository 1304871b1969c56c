"""``jamlik serve``: run the web app (analyst maps and resident dialogue) with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from jamlik.cli._common import console, fail_cleanly, named
from jamlik.i18n import t

__all__ = ["register"]

_out = Console(highlight=False)


def serve(
    host: Annotated[str, typer.Option("--host", help=t("serve.host_help"))] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help=t("serve.port_help"), min=1, max=65535)
    ] = 8000,
    db: Annotated[str | None, typer.Option("--db", help=t("serve.db_help"))] = None,
    pack: Annotated[Path | None, typer.Option("--pack", help=t("serve.pack_help"))] = None,
    admin_user: Annotated[
        str | None, typer.Option("--admin-user", help=t("serve.admin_help"))
    ] = None,
) -> None:
    """Serve the web app until interrupted."""
    import uvicorn

    from jamlik.web.app import create_app
    from jamlik.web.packs import pack_context
    from jamlik.web.settings import Settings

    overrides: dict[str, object] = {}
    if db:
        overrides["db_url"] = db
    if pack:
        overrides["pack"] = pack
    if admin_user:
        password = os.environ.get("JAMLIK_ADMIN_PASSWORD") or typer.prompt(
            t("serve.password_prompt", user=admin_user), hide_input=True, confirmation_prompt=True
        )
        overrides.update(admin_user=admin_user, admin_password=password)
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]) for e in exc.errors())
        console.print(
            f"[bold red]{t('common.error')}:[/] {escape(messages)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None
    if db:  # a URL that names no supported database is refused as the option typed
        from jamlik.web.store.engine import connect

        fail_cleanly(lambda: named("--db", db, lambda: connect(db).dispose()))
    if settings.pack is not None:  # a pack of one's own is checked before serving
        title = fail_cleanly(lambda: pack_context(settings)).title
    else:  # the generated sample town is loaded on first use: the server starts at once
        title = t("serve.sample_town")
    app = fail_cleanly(lambda: create_app(settings))
    _out.print(t("serve.starting", url=f"http://{host}:{port}/", pack=title))
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve", help=t("serve.help"))(serve)
