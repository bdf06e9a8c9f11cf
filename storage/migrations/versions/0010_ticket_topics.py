"""Tickets remember their forum topic in the agents' group.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("topic_chat_id", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("topic_thread_id", sa.BigInteger, nullable=True))
        batch.create_index("ix_tickets_topic_chat_id_topic_thread_id",
                           ["topic_chat_id", "topic_thread_id"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_topic_chat_id_topic_thread_id")
        batch.drop_column("topic_thread_id")
        batch.drop_column("topic_chat_id")
