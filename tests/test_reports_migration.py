"""Migration 0016 on a database that already has tickets: what the reports count is filled in
from each ticket's row, events and transcript, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from storage.database import create_engine
from storage.migrate import upgrade

FILED = datetime(2026, 3, 10, 2, tzinfo=UTC)


async def test_older_tickets_get_their_figures(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0015")
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO customers (id, channel, external_id, created_at) "
                "VALUES (1, 'web', 'v1', :at)"), {"at": FILED})
            await conn.execute(sa.text(
                "INSERT INTO conversations (id, channel, chat_id, customer_id, kind, state, "
                "slots, context, locale, version, created_at, updated_at) VALUES (1, 'web', "
                "'v1', 1, 'complaint', 'filed', '{}', '{}', 'en', 1, :at, :at)"), {"at": FILED})
            await conn.execute(sa.text(
                "INSERT INTO tickets (id, number, conversation_id, customer_id, status, "
                "description, slots, locale, created_at, closed_at, resolution_due, reasons, "
                "incomplete) VALUES (1, 'C-20260310-0001', 1, 1, 'closed', 'x', '{}', 'en', "
                ":at, :closed, :due, :reasons, false)"),
                {"at": FILED, "closed": FILED + timedelta(hours=5),
                 "due": FILED + timedelta(days=7),
                 "reasons": '[{"reason": "safety", "priority": "P1", "evidence": {}}]'})
            await conn.execute(sa.text(
                "INSERT INTO messages (conversation_id, direction, channel, chat_id, text, "
                "template, created_at) VALUES (1, 'out', 'web', 'v1', 'hi', 'agent:alice', "
                ":at), (1, 'out', 'web', 'v1', 'joined', 'agent.joined', :early)"),
                {"at": FILED + timedelta(hours=2), "early": FILED + timedelta(hours=1)})
            for kind, data in (("escalated", '{"reasons": [{"reason": "media"}]}'),
                               ("not_solved", "{}"), ("reopened", "{}"), ("solved", "{}"),
                               ("rating", '{"score": 4}')):
                await conn.execute(sa.text(
                    "INSERT INTO ticket_events (ticket_id, at, actor, kind, data) "
                    "VALUES (1, :at, 'customer', :kind, :data)"),
                    {"at": FILED, "kind": kind, "data": data})
        await upgrade(engine)
        async with engine.connect() as conn:
            row = (await conn.execute(sa.text(
                "SELECT reason_tags, rating, solved, reopens, resolved_s, resolution_met, "
                "first_reply_s, first_reply_open_s FROM tickets"))).one()
        assert tuple(row) == (",media,safety,", 4, True, 1, 5 * 3600, True, 2 * 3600, None)
    finally:
        await engine.dispose()
