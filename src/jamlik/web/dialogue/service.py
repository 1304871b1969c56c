"""Dialogue operations on the store: create, contribute (idempotently), moderate, read, export.

Routes call one function each; every write is one transaction, so a contribution is either
stored whole and acknowledged, or not stored at all.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError

from jamlik.dialogue.categories import DEFAULT_CATEGORIES
from jamlik.i18n import t
from jamlik.web.dialogue.schemas import (
    KINDS,
    MAX_VERTICES,
    ContributionIn,
    DialogueIn,
    GeometryError,
    parse_geometry,
)
from jamlik.web.security import hash_password, keyed_hash, new_code, verify_password
from jamlik.web.store.engine import read_session, write_session
from jamlik.web.store.models import Admin, Contribution, Dialogue, utc_now

__all__ = [
    "RejectedError",
    "Submitted",
    "add_contribution",
    "authenticate",
    "contribution_rows",
    "create_dialogue",
    "delete_own",
    "dialogue_dict",
    "ensure_admin",
    "get_dialogue",
    "list_dialogues",
    "moderate",
    "own_contribution",
    "published_geojson",
    "queue",
]


class RejectedError(ValueError):
    """A contribution or dialogue that breaks a rule; ``field`` names the part at fault."""

    def __init__(self, field: str, message: str, *, code: str = "rejected") -> None:
        super().__init__(message)
        self.field = field
        #: A stable word for the kind of rejection (the page reacts to ``outside``).
        self.code = code


@dataclass(frozen=True)
class Submitted:
    """A stored contribution: its public id, the resident's personal code, whether it is new."""

    id: str
    code: str
    created: bool


def ensure_admin(engine: Engine, username: str, password: str) -> None:
    """Create administrator ``username`` or set a new password for it."""
    with write_session(engine) as session:
        admin = session.scalar(select(Admin).where(Admin.username == username))
        if admin is None:
            session.add(Admin(username=username, password_hash=hash_password(password)))
        else:
            admin.password_hash = hash_password(password)


def authenticate(engine: Engine, username: str, password: str) -> int | None:
    """Return the admin id when ``password`` is right, else None (same work either way)."""
    with read_session(engine) as session:
        admin = session.scalar(select(Admin).where(Admin.username == username))
    if admin is None:
        verify_password(hash_password("x"), password)  # spend the same time as a real check
        return None
    return admin.id if verify_password(admin.password_hash, password) else None


def create_dialogue(
    engine: Engine, data: DialogueIn, aspect_keys: set[str], *, language: str | None = None
) -> int:
    """Store a new dialogue; return its id.

    Raises
    ------
    RejectedError
        If a category names an unknown SKA aspect or two categories share a key.
    """
    categories = (
        [c.model_dump() for c in data.categories] if data.categories else list(DEFAULT_CATEGORIES)
    )
    keys = [c["key"] for c in categories]
    if len(set(keys)) != len(keys):
        raise RejectedError("categories", t("web_dialogue.category_keys_unique", language))
    for c in categories:
        if c.get("aspect") and c["aspect"] not in aspect_keys:
            raise RejectedError(
                "categories",
                t(
                    "web_dialogue.unknown_aspect",
                    language,
                    key=c["key"],
                    aspect=c["aspect"],
                    known=sorted(aspect_keys),
                ),
            )
    with write_session(engine) as session:
        dialogue = Dialogue(
            title=data.title,
            description=data.description,
            area=json.dumps(data.area),
            categories=json.dumps(categories, ensure_ascii=False),
            questions=json.dumps([q.model_dump() for q in data.questions], ensure_ascii=False),
            is_open=True,
        )
        session.add(dialogue)
        session.flush()
        return dialogue.id


def dialogue_dict(dialogue: Dialogue) -> dict[str, Any]:
    """Return the public description of a dialogue."""
    return {
        "id": dialogue.id,
        "title": dialogue.title,
        "description": dialogue.description,
        "area": json.loads(dialogue.area),
        "categories": json.loads(dialogue.categories),
        "questions": json.loads(dialogue.questions),
        "is_open": dialogue.is_open,
    }


def get_dialogue(engine: Engine, dialogue_id: int) -> Dialogue | None:
    """Return dialogue ``dialogue_id`` or None."""
    with read_session(engine) as session:
        return session.get(Dialogue, dialogue_id)


def list_dialogues(engine: Engine) -> list[Dialogue]:
    """Return every dialogue, newest first."""
    with read_session(engine) as session:
        return list(session.scalars(select(Dialogue).order_by(Dialogue.id.desc())))


def add_contribution(
    engine: Engine,
    dialogue: Dialogue,
    data: ContributionIn,
    *,
    secret: str,
    client_hash: str,
    age_bands: set[str] | None,
    home_areas: set[str] | None,
    language: str | None = None,
) -> Submitted:
    """Check and store a resident's contribution (pending moderation).

    A repeated ``submission_key`` returns the first contribution with the same code, so a
    client that lost the answer can safely send again: nothing is stored twice.

    Raises
    ------
    RejectedError
        If the dialogue is closed, the category or question is unknown, the geometry breaks a
        rule or lies outside the dialogue's area, or personal facts come without consent.
    """
    if not dialogue.is_open:
        raise RejectedError("dialogue", t("web_dialogue.closed", language))
    categories = {c["key"] for c in json.loads(dialogue.categories)}
    if data.category not in categories:
        raise RejectedError(
            "category", t("web_dialogue.unknown_category", language, known=sorted(categories))
        )
    questions = {q["key"] for q in json.loads(dialogue.questions)}
    unknown = sorted(set(data.answers) - questions)
    if unknown:
        raise RejectedError(
            "answers", t("web_dialogue.unknown_questions", language, unknown=unknown)
        )
    try:
        geom = parse_geometry(
            data.geometry, allowed=tuple(KINDS), max_vertices=MAX_VERTICES, language=language
        )
    except GeometryError as exc:
        raise RejectedError("geometry", str(exc)) from None
    if not shape(json.loads(dialogue.area)).covers(geom):
        raise RejectedError("geometry", t("web_dialogue.outside_area", language), code="outside")
    if (data.age_band or data.home_area) and not data.consent:
        raise RejectedError("consent", t("web_dialogue.consent_needed", language))
    if data.age_band and (age_bands is None or data.age_band not in age_bands):
        raise RejectedError(
            "age_band",
            t("web_dialogue.unknown_age_band", language, known=sorted(age_bands or [])),
        )
    if data.home_area and (home_areas is None or data.home_area not in home_areas):
        raise RejectedError("home_area", t("web_dialogue.unknown_home_area", language))

    key = data.submission_key or secrets.token_urlsafe(24)
    code = new_code(secret, f"{dialogue.id}:{key}")
    row = Contribution(
        public_id=secrets.token_hex(12),
        dialogue_id=dialogue.id,
        submission_key=key,
        kind=KINDS[geom.geom_type],
        geometry=json.dumps(mapping(geom)),
        category=data.category,
        comment=data.comment,
        answers=json.dumps(data.answers, ensure_ascii=False),
        age_band=data.age_band if data.consent else None,
        home_area=data.home_area if data.consent else None,
        consent=data.consent,
        status="pending",
        code_hash=keyed_hash(secret, "code", code),
        participant_hash=keyed_hash(secret, "participant", data.participant)
        if data.participant
        else None,
        client_hash=client_hash,
    )
    try:
        with write_session(engine) as session:
            session.add(row)
        return Submitted(id=row.public_id, code=code, created=True)
    except IntegrityError:
        with read_session(engine) as session:
            first = session.scalar(
                select(Contribution).where(
                    Contribution.dialogue_id == dialogue.id, Contribution.submission_key == key
                )
            )
        if first is None:  # the clash was not the submission key: a real error
            raise
        return Submitted(id=first.public_id, code=code, created=False)


def _utc(moment: datetime) -> datetime:
    """Return ``moment`` with its UTC zone (SQLite hands back naive times, stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _public(row: Contribution, *, private: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "Feature",
        "id": row.public_id,
        "geometry": json.loads(row.geometry),
        "properties": {
            "id": row.public_id,
            "kind": row.kind,
            "category": row.category,
            "comment": row.comment,
            "answers": json.loads(row.answers),
            "created_at": _utc(row.created_at).isoformat(),
        },
    }
    if private:
        out["properties"].update(status=row.status, age_band=row.age_band, home_area=row.home_area)
    return out


def published_geojson(engine: Engine, dialogue_id: int) -> dict[str, Any]:
    """Return the published contributions of a dialogue as a GeoJSON FeatureCollection."""
    with read_session(engine) as session:
        rows = session.scalars(
            select(Contribution)
            .where(Contribution.dialogue_id == dialogue_id, Contribution.status == "published")
            .order_by(Contribution.id)
        )
        return {"type": "FeatureCollection", "features": [_public(r) for r in rows]}


def _own(session: Any, public_id: str, code: str, secret: str) -> Contribution | None:
    row = session.scalar(select(Contribution).where(Contribution.public_id == public_id))
    if row is None or not secrets.compare_digest(
        row.code_hash, keyed_hash(secret, "code", code.strip().upper())
    ):
        return None
    return row


def own_contribution(
    engine: Engine, public_id: str, code: str, secret: str
) -> dict[str, Any] | None:
    """Return a resident's own contribution (with status and personal facts) or None."""
    with read_session(engine) as session:
        row = _own(session, public_id, code, secret)
        return None if row is None else _public(row, private=True)


def delete_own(engine: Engine, public_id: str, code: str, secret: str) -> bool:
    """Delete a resident's own contribution; return whether it existed and the code matched."""
    with write_session(engine) as session:
        row = _own(session, public_id, code, secret)
        if row is None:
            return False
        session.execute(delete(Contribution).where(Contribution.id == row.id))
        return True


def queue(engine: Engine, dialogue_id: int, status: str = "pending") -> list[dict[str, Any]]:
    """Return the contributions of a dialogue with ``status`` (admin view)."""
    with read_session(engine) as session:
        rows = session.scalars(
            select(Contribution)
            .where(Contribution.dialogue_id == dialogue_id, Contribution.status == status)
            .order_by(Contribution.id)
        )
        return [_public(r, private=True) for r in rows]


def moderate(engine: Engine, public_id: str, status: str) -> bool:
    """Set the status of a contribution; return whether it exists."""
    with write_session(engine) as session:
        row = session.scalar(select(Contribution).where(Contribution.public_id == public_id))
        if row is None:
            return False
        row.status = status
        row.moderated_at = utc_now()
        return True


def contribution_rows(
    engine: Engine, dialogue_id: int, statuses: tuple[str, ...] = ("published",)
) -> list[dict[str, Any]]:
    """Return contributions as flat rows with a shapely ``geometry`` (for export and summary)."""
    with read_session(engine) as session:
        rows = session.scalars(
            select(Contribution)
            .where(Contribution.dialogue_id == dialogue_id, Contribution.status.in_(statuses))
            .order_by(Contribution.id)
        )
        return [
            {
                "id": r.public_id,
                "created_at": _utc(r.created_at).isoformat(),
                "status": r.status,
                "kind": r.kind,
                "category": r.category,
                "comment": r.comment,
                "answers": r.answers,
                "age_band": r.age_band,
                "home_area": r.home_area,
                "participant": r.participant_hash,
                "geometry": shapely.from_geojson(r.geometry),
            }
            for r in rows
        ]


def count_contributions(engine: Engine, dialogue_id: int) -> dict[str, int]:
    """Return the number of contributions per status."""
    with read_session(engine) as session:
        result = session.execute(
            select(Contribution.status, func.count())
            .where(Contribution.dialogue_id == dialogue_id)
            .group_by(Contribution.status)
        )
        return {str(status): int(n) for status, n in result}
