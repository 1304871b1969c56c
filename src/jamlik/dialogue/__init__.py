"""Resident dialogue as data: what residents said, per area and SKA aspect, and who said it.

No web code: the web app stores contributions and calls these pure functions; the SKA report's
inventory step can call :func:`dialogue_summary` on an export just the same.
"""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "DEFAULT_CATEGORIES": "jamlik.dialogue.categories",
    "DialogueSummary": "jamlik.dialogue.summary",
    "age_band_label": "jamlik.dialogue.summary",
    "dialogue_summary": "jamlik.dialogue.summary",
    "representativeness": "jamlik.dialogue.summary",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
