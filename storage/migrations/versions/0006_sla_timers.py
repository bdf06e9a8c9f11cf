"""Tickets remember the first human answer and the SLA alerts sent.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for name in ("first_responded_at", "sla_warned_at", "sla_breached_at"):
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for name in ("sla_breached_at", "sla_warned_at", "first_responded_at"):
            batch.drop_column(name)
