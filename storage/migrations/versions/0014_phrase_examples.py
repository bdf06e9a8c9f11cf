"""Example phrases: what typed answers mean, kept in the database so the admin can extend them.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "phrase_examples",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("meaning", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("within", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_examples")),
        sa.UniqueConstraint("meaning", "locale", "text",
                            name=op.f("uq_phrase_examples_meaning_locale_text")),
    )


def downgrade() -> None:
    op.drop_table("phrase_examples")
