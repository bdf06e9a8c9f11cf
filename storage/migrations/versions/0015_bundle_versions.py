"""The configuration bundle: published versions, the admins' draft, the audit log, and the
version each ticket was filed under. Version 1 itself is written at start (storage/bundles.py),
from the shipped defaults and what admins stored in templates, phrase_examples and
config_documents, which stay as they were.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bundle_versions",
        sa.Column("number", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("rolled_back_from", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_bundle_versions")),
    )
    op.create_table(
        "bundle_drafts",
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("based_on", sa.Integer, nullable=False),
        sa.Column("edited_by", sa.String(64), nullable=False),
        sa.Column("edited_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_bundle_drafts")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("bundle_version", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("bundle_version")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("bundle_drafts")
    op.drop_table("bundle_versions")
