"""Agents, and tickets routed to a team and held by an agent.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("name", name=op.f("uq_agents_name")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_agents_telegram_id")),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("team", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("assigned_agent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(batch.f("fk_tickets_assigned_agent_id_agents"), "agents",
                                 ["assigned_agent_id"], ["id"])
        batch.create_index(batch.f("ix_tickets_team_status_assigned_agent_id"),
                           ["team", "status", "assigned_agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index(batch.f("ix_tickets_team_status_assigned_agent_id"))
        batch.drop_constraint(batch.f("fk_tickets_assigned_agent_id_agents"),
                              type_="foreignkey")
        batch.drop_column("claimed_at")
        batch.drop_column("assigned_agent_id")
        batch.drop_column("team")
    op.drop_table("agents")
