"""Live news between processes: what changed on which ticket, written by the process where it
happened and read by the others' console pages (storage/live_news.py). Only a new table, so
it chains after whichever revision comes before it without touching anything else.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_news",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_news")),
        # Never reuse an id on SQLite, even after every row was pruned.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_live_news_at", "live_news", ["at"])


def downgrade() -> None:
    op.drop_index("ix_live_news_at", table_name="live_news")
    op.drop_table("live_news")
