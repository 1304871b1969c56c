"""Admins, dialogues and contributions; PostGIS geometry columns on PostgreSQL.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables (and, on PostgreSQL, the generated PostGIS columns)."""
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "dialogues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("questions", sa.Text, nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "dialogue_id",
            sa.Integer,
            sa.ForeignKey("dialogues.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("submission_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("age_band", sa.String(32), nullable=True),
        sa.Column("home_area", sa.String(64), nullable=True),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("participant_hash", sa.String(64), nullable=True),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("moderated_at", _TZ, nullable=True),
        sa.UniqueConstraint("dialogue_id", "submission_key", name="uq_contribution_submission"),
    )
    op.create_index("ix_contributions_dialogue_status", "contributions", ["dialogue_id", "status"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        for table, column in (("dialogues", "area"), ("contributions", "geometry")):
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN geom geometry(Geometry, 4326) "
                f"GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromGeoJSON({column}), 4326)) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("contributions")
    op.drop_table("dialogues")
    op.drop_table("admins")
