"""Pydantic's validation messages in the reader's language.

Pydantic words its messages in English ("Input should be greater than 0"). For the rules a
planner meets in scenario files and ``pack.toml`` (bounds, lengths, required keys, choices,
numbers) the Swedish text comes from the catalogue; the English keeps pydantic's own wording,
and a rule without a text here keeps it in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jamlik.i18n import current_language, t

__all__ = ["validation_text"]

#: pydantic error type -> (catalogue key, the ``ctx`` field that fills ``{limit}``)
_TEXTS = {
    "greater_than": ("common.option_greater_than", "gt"),
    "greater_than_equal": ("common.option_greater_than_equal", "ge"),
    "less_than": ("common.option_less_than", "lt"),
    "less_than_equal": ("common.option_less_than_equal", "le"),
    "too_short": ("ingest.validation.too_short", "min_length"),
    "string_too_short": ("ingest.validation.string_too_short", "min_length"),
    "too_long": ("ingest.validation.too_long", "max_length"),
    "string_too_long": ("ingest.validation.string_too_long", "max_length"),
    "literal_error": ("ingest.validation.literal", "expected"),
    "string_pattern_mismatch": ("ingest.validation.pattern", "pattern"),
    "missing": ("ingest.validation.missing", None),
    "int_parsing": ("ingest.validation.int", None),
    "int_from_float": ("ingest.validation.int", None),
    "float_parsing": ("ingest.validation.float", None),
    "bool_parsing": ("ingest.validation.bool", None),
    "string_type": ("ingest.validation.string", None),
    "list_type": ("ingest.validation.list", None),
}


def validation_text(error: Mapping[str, Any]) -> str:
    """Return the message of one pydantic error (an item of ``ValidationError.errors()``)."""
    message = str(error["msg"]).removeprefix("Value error, ")
    known = _TEXTS.get(str(error["type"]))
    if known is None or current_language() == "en":
        return message
    key, field = known
    limit = (error.get("ctx") or {}).get(field, "") if field else ""
    return t(key, limit=limit)
