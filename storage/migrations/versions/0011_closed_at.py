"""Tickets remember when an agent last closed them, for the customer's reopen window.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    # Tickets closed before this revision: the time of their latest "closed" event, so their
    # customers get the same reopen window as everyone else.
    op.execute(
        "UPDATE tickets SET closed_at = (SELECT max(e.at) FROM ticket_events e "
        "WHERE e.ticket_id = tickets.id AND e.kind = 'closed') WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("closed_at")
