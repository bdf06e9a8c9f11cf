"""Hardening: failed turns are counted, retried with backoff and quarantined; what was cleaned
from a message is recorded; stored text per conversation is counted per day; service secrets
(the web chat's cookie key) are kept.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("inbound_updates") as batch:
        batch.add_column(sa.Column("turn", sa.JSON, nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text, nullable=True))
        batch.add_column(sa.Column("failed_at", TS, nullable=True))
        batch.add_column(sa.Column("next_attempt_at", TS, nullable=True))
        batch.add_column(sa.Column("quarantined_at", TS, nullable=True))
        batch.add_column(sa.Column("apologised_at", TS, nullable=True))
        batch.create_index("ix_inbound_updates_next_attempt_at", ["next_attempt_at"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("cleaned", sa.JSON, nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("text_day", sa.String(10), nullable=True))
        batch.add_column(sa.Column("text_chars", sa.Integer, nullable=False,
                                   server_default="0"))
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_service_secrets"),
    )


def downgrade() -> None:
    op.drop_table("service_secrets")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("text_chars")
        batch.drop_column("text_day")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("cleaned")
    with op.batch_alter_table("inbound_updates") as batch:
        batch.drop_index("ix_inbound_updates_next_attempt_at")
        for name in ("apologised_at", "quarantined_at", "next_attempt_at", "failed_at",
                     "last_error", "attempts", "turn"):
            batch.drop_column(name)
