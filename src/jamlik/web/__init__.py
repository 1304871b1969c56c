"""The web app: analyst pages (maps of equal access, plan comparison, SKA) and resident dialogue.

``create_app`` builds the FastAPI application; ``jamlik serve`` runs it with uvicorn. The web
layer is thin like the CLI: it parses a request, calls one run (in a background worker for heavy
work), stores or shows the result.
"""

from jamlik._lazy import lazy_exports

__all__ = ["create_app"]

__getattr__, __dir__ = lazy_exports(__name__, {"create_app": "jamlik.web.app"})
