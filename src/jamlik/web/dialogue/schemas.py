"""Request and response models of the dialogue API, and the geometry rules.

Geometry is GeoJSON in WGS84 (``[lon, lat]``). A contribution is a Point, a LineString or a
Polygon with at most :data:`MAX_VERTICES` vertices, valid (no self-intersection), and covered by
the dialogue's area; a dialogue's area is a Polygon or MultiPolygon of at most
:data:`MAX_AREA_VERTICES` vertices.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator
from shapely.geometry import shape

from jamlik.i18n import t

__all__ = [
    "MAX_AREA_VERTICES",
    "MAX_VERTICES",
    "CategoryIn",
    "ContributionIn",
    "DialogueIn",
    "GeometryError",
    "LoginIn",
    "ModerationIn",
    "QuestionIn",
    "parse_geometry",
]

MAX_VERTICES = 500
MAX_AREA_VERTICES = 5000
KINDS = {"Point": "point", "LineString": "line", "Polygon": "area"}
_KEY = r"^[a-z][a-z0-9_]{0,63}$"


class GeometryError(ValueError):
    """A geometry that breaks the rules; the message says which one."""


def _count_vertices(coordinates: Any, limit: int, language: str | None = None) -> int:
    """Count positions in nested GeoJSON coordinates, checking each; stop past ``limit``."""
    if (
        isinstance(coordinates, list)
        and len(coordinates) in (2, 3)
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
    ):
        lon, lat = float(coordinates[0]), float(coordinates[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise GeometryError(t("web_dialogue.coordinates_finite", language))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeometryError(t("web_dialogue.coordinates_wgs84", language))
        return 1
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError(t("web_dialogue.coordinates_nested", language))
    total = 0
    for part in coordinates:
        total += _count_vertices(part, limit, language)
        if total > limit:
            raise GeometryError(t("web_dialogue.too_many_vertices", language, limit=limit))
    return total


def parse_geometry(
    value: Any, *, allowed: tuple[str, ...], max_vertices: int, language: str | None = None
) -> shapely.Geometry:
    """Return the shapely geometry of GeoJSON ``value`` after checking every rule.

    Raises
    ------
    GeometryError
        If the type is not ``allowed``, a coordinate is not WGS84, there are too many vertices
        or the geometry is invalid (self-intersecting, too few points).
    """
    if not isinstance(value, dict) or value.get("type") not in allowed:
        raise GeometryError(t("web_dialogue.geometry_type", language, types=" | ".join(allowed)))
    _count_vertices(value.get("coordinates"), max_vertices, language)
    try:
        geom = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise GeometryError(t("web_dialogue.geometry_unreadable", language, reason=exc)) from None
    if geom.is_empty or not geom.is_valid:
        reason = shapely.is_valid_reason(geom) if not geom.is_empty else "empty"
        raise GeometryError(t("web_dialogue.geometry_invalid", language, reason=reason))
    if geom.geom_type == "LineString" and geom.length == 0:
        raise GeometryError(t("web_dialogue.line_two_points", language))
    return geom


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryIn(_Model):
    """A category residents choose: a key, Swedish and English names, the SKA aspect."""

    key: str = Field(pattern=_KEY)
    sv: str = Field(min_length=1, max_length=80)
    en: str = Field(min_length=1, max_length=80)
    aspect: str | None = Field(default=None, max_length=64)


class QuestionIn(_Model):
    """A free-text question asked with every contribution."""

    key: str = Field(pattern=_KEY)
    sv: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


class DialogueIn(_Model):
    """A new dialogue (admin)."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    area: dict[str, Any]
    categories: list[CategoryIn] | None = Field(default=None, min_length=1, max_length=20)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=10)

    @field_validator("area")
    @classmethod
    def _area(cls, value: dict[str, Any]) -> dict[str, Any]:
        parse_geometry(value, allowed=("Polygon", "MultiPolygon"), max_vertices=MAX_AREA_VERTICES)
        return value


class ContributionIn(_Model):
    """What a resident sends: a geometry, a category, a comment, optional facts about them."""

    geometry: dict[str, Any]
    category: str = Field(max_length=64)
    comment: str = Field(default="", max_length=2000)
    answers: dict[str, str] = Field(default_factory=dict, max_length=10)
    age_band: str | None = Field(default=None, max_length=32)
    home_area: str | None = Field(default=None, max_length=64)
    consent: bool = False
    submission_key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$")
    participant: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$")
    #: Honeypot: a field people never see; bots fill it in.
    website: str = Field(default="", max_length=200)

    @field_validator("answers")
    @classmethod
    def _answers(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if len(key) > 64 or len(text) > 1000:
                raise ValueError(t("web_dialogue.answers_too_long"))
        return value


class ModerationIn(_Model):
    """An admin's decision on a contribution."""

    status: Literal["published", "rejected", "pending"]


class LoginIn(_Model):
    """Admin credentials."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
