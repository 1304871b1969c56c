"""Tables of the web store: admins, dialogues and residents' contributions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Admin", "Base", "Contribution", "Dialogue", "utc_now"]


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the web store."""


class Admin(Base):
    """An administrator: a user name and an argon2 password hash."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Dialogue(Base):
    """A dialogue: what residents are asked, over which area, with which categories."""

    __tablename__ = "dialogues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The area the dialogue covers: a GeoJSON Polygon or MultiPolygon in WGS84.
    area: Mapped[str] = mapped_column(Text)
    #: JSON list of ``{"key", "sv", "en", "aspect"}``.
    categories: Mapped[str] = mapped_column(Text)
    #: JSON list of ``{"key", "sv", "en"}`` free-text questions.
    questions: Mapped[str] = mapped_column(Text, default="[]")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Contribution(Base):
    """What a resident said about a place: a geometry, a category, a comment."""

    __tablename__ = "contributions"
    __table_args__ = (
        UniqueConstraint("dialogue_id", "submission_key", name="uq_contribution_submission"),
        Index("ix_contributions_dialogue_status", "dialogue_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id residents and exports see (random, not guessable).
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    #: The client's idempotency key: a repeated submission returns the first one.
    submission_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    #: GeoJSON geometry (WGS84).
    geometry: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: JSON object ``{question key: answer}``.
    answers: Mapped[str] = mapped_column(Text, default="{}")
    age_band: Mapped[str | None] = mapped_column(String(32), nullable=True)
    home_area: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``pending``, ``published`` or ``rejected``.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: HMAC of the resident's personal code (the code itself is never stored).
    code_hash: Mapped[str] = mapped_column(String(64))
    #: HMAC of the participant's browser token (to count people, not contributions).
    participant_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: HMAC of the client address (never the address itself).
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
