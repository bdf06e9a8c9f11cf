"""Reports: what they count recorded on the ticket when it happens, every promised call-back,
the report archive (which also claims each scheduled report once) and the action plan.

Tickets filed before this revision get what their rows and events tell: the reasons as tags,
the latest rating and "solved" answer, the follow-up's answer, reopenings, the close's
resolution time (without the closed spells, which events do not pair up cheaply) and the first
reply in calendar time. Open-hours times of those old replies are not known and stay empty.

Revision ID: 0016
Revises: 0015
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _columns() -> tuple[sa.Column[Any], ...]:
    """The ticket's new columns (fresh objects each time: a column belongs to one table)."""
    return (
        sa.Column("first_reply_at", TS), sa.Column("first_reply_s", sa.Integer),
        sa.Column("first_reply_open_s", sa.Integer), sa.Column("first_reply_met", sa.Boolean),
        sa.Column("resolved_s", sa.Integer), sa.Column("resolution_met", sa.Boolean),
        sa.Column("closed_spell_s", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reopens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("solved", sa.Boolean), sa.Column("rating", sa.SmallInteger),
        sa.Column("follow_up_held", sa.Boolean), sa.Column("reason_tags", sa.String(400)),
    )


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for column in _columns():
            batch.add_column(column)
        batch.create_index("ix_tickets_created_at", ["created_at"])
        batch.create_index("ix_tickets_follow_up_due", ["follow_up_due"])
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("ticket_id", sa.Integer, nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("promised_at", TS, nullable=False),
        sa.Column("due", TS, nullable=False),
        sa.Column("done_at", TS), sa.Column("replaced_at", TS),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_callbacks_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_callbacks"),
    )
    op.create_index("ix_callbacks_due", "callbacks", ["due"])
    op.create_index("ix_callbacks_ticket_id", "callbacks", ["ticket_id"])
    op.create_table(
        "report_archive",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("claimed_at", TS, nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text), sa.Column("html", sa.Text), sa.Column("sent_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_report_archive"),
        sa.UniqueConstraint("kind", "period", name="uq_report_archive_kind_period"),
    )
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("quarter", sa.String(8), nullable=False),
        sa.Column("problem", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_action_items"),
    )
    op.create_index("ix_action_items_quarter", "action_items", ["quarter"])
    _backfill()


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _json(value: Any) -> Any:
    """The columns are read untyped here: SQLite hands JSON back as its text."""
    return json.loads(value) if isinstance(value, str) else value


def _backfill() -> None:
    """Old tickets, one by one: a database from before the reports is small enough."""
    conn = op.get_bind()
    t = sa.table("tickets", sa.column("id"), sa.column("reasons"), sa.column("created_at"),
                 sa.column("closed_at"), sa.column("resolution_due"),
                 sa.column("conversation_id"), *(sa.column(c.name) for c in _columns()))
    e = sa.table("ticket_events", sa.column("ticket_id"), sa.column("kind"),
                 sa.column("data"), sa.column("id"))
    m = sa.table("messages", sa.column("conversation_id"), sa.column("template"),
                 sa.column("created_at"))
    for row in conn.execute(sa.select(t.c.id, t.c.reasons, t.c.created_at, t.c.closed_at,
                                      t.c.resolution_due, t.c.conversation_id)).all():
        values: dict[str, Any] = {}
        events = conn.execute(sa.select(e.c.kind, e.c.data).where(e.c.ticket_id == row.id)
                              .order_by(e.c.id)).all()
        reasons = {str(r.get("reason")) for r in (_json(row.reasons) or [])
                   if isinstance(r, dict)}
        for ev in events:
            data = _json(ev.data) or {}
            if ev.kind == "escalated":
                reasons |= {str(r.get("reason")) for r in data.get("reasons", [])}
            elif ev.kind == "rating":
                values["rating"] = int(data.get("score", 0)) or None
            elif ev.kind in ("solved", "not_solved"):
                values["solved"] = ev.kind == "solved"
            elif ev.kind == "follow_up":
                values["follow_up_held"] = bool(data.get("stayed_fixed"))
        values["reopens"] = sum(1 for ev in events if ev.kind == "reopened")
        if reasons:
            values["reason_tags"] = "," + ",".join(sorted(reasons)) + ","
        created, closed = _utc(row.created_at), _utc(row.closed_at)
        if created and closed:
            values["resolved_s"] = int((closed - created).total_seconds())
            due = _utc(row.resolution_due)
            values["resolution_met"] = None if due is None else closed <= due
        first = conn.execute(sa.select(sa.func.min(m.c.created_at)).where(
            m.c.conversation_id == row.conversation_id, m.c.template.like("agent:%"),
            m.c.created_at >= row.created_at)).scalar()
        replied = _utc(first)
        if created and replied:
            values["first_reply_at"] = replied
            values["first_reply_s"] = int((replied - created).total_seconds())
        conn.execute(sa.update(t).where(t.c.id == row.id).values(values))


def downgrade() -> None:
    op.drop_table("action_items")
    op.drop_table("report_archive")
    op.drop_index("ix_callbacks_ticket_id", "callbacks")
    op.drop_index("ix_callbacks_due", "callbacks")
    op.drop_table("callbacks")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_follow_up_due")
        batch.drop_index("ix_tickets_created_at")
        for column in reversed(_columns()):
            batch.drop_column(column.name)
