"""What the customer sees of an agent, and who is looking at which ticket: an agent's display
name (NULL: not set, the login name is shown), the name a message was signed with as the
customer saw it, and the console's presence rows (storage/presence.py).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("display_name", sa.String(64)))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("shown_name", sa.String(64)))
    op.create_table(
        "presence",
        sa.Column("page", sa.String(32), nullable=False),
        sa.Column("agent_id", sa.Integer, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("typing", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_presence_agent_id_agents")),
        sa.PrimaryKeyConstraint("page", name=op.f("pk_presence")),
    )
    op.create_index("ix_presence_number", "presence", ["number"])
    op.create_index("ix_presence_seen_at", "presence", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_presence_seen_at", table_name="presence")
    op.drop_index("ix_presence_number", table_name="presence")
    op.drop_table("presence")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("shown_name")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("display_name")
