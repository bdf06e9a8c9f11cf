"""What the reports count, written on the ticket in the transaction that makes it true: the
first reply a person wrote, a close, a reopening, the customer's answers, a promised
call-back. Reports then sum columns in SQL instead of replaying a year of events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.hours import BusinessHours
from storage.clock import utc, utc_required
from storage.schema import callbacks, tickets


async def first_reply(conn: AsyncConnection, number: str, now: datetime,
                      hours: BusinessHours) -> None:
    """A person wrote to the customer: the first time, record how long it took (in calendar
    and in open time) and whether it kept the first-response promise in force now."""
    t = tickets.c
    row = (await conn.execute(
        sa.select(t.id, t.created_at, t.first_response_due)
        .where(t.number == number, t.first_reply_at.is_(None)))).first()
    if row is None:
        return
    filed = utc_required(row.created_at)
    due = utc(row.first_response_due)
    await conn.execute(sa.update(tickets).where(t.id == row.id, t.first_reply_at.is_(None))
                       .values(first_reply_at=now,
                               first_reply_s=_seconds(now - filed),
                               first_reply_open_s=_seconds(hours.open_between(filed, now)),
                               first_reply_met=None if due is None else now <= due))


def close_values(row: Any, now: datetime) -> dict[str, Any]:
    """The close's facts, from the ticket's created_at, closed_spell_s and resolution_due."""
    filed = utc_required(row.created_at)
    due = utc(row.resolution_due)
    return {"resolved_s": max(0, _seconds(now - filed) - int(row.closed_spell_s or 0)),
            "resolution_met": None if due is None else now <= due}


def reopen_values(row: Any, now: datetime) -> dict[str, Any]:
    """A reopening: the time it lay closed is set aside, and it counts one more reopen."""
    closed = utc(row.closed_at)
    spell = _seconds(now - closed) if closed is not None else 0
    return {"closed_spell_s": int(row.closed_spell_s or 0) + max(0, spell),
            "reopens": int(row.reopens or 0) + 1}


def answer_values(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The customer's latest answer after a close, by the event that records it."""
    if kind == "rating":
        return {"rating": int(data["score"])}
    if kind in ("solved", "not_solved"):
        return {"solved": kind == "solved"}
    if kind == "follow_up":
        return {"follow_up_held": bool(data.get("stayed_fixed"))}
    return {}


def add_reasons(reasons: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> Any:
    """An UPDATE value adding escalation reasons to reason_tags (each once is enough: the
    reports ask LIKE '%,reason,%')."""
    names = sorted({str(r.get("reason")) for r in reasons if r.get("reason")})
    if not names:
        return tickets.c.reason_tags
    return sa.func.coalesce(tickets.c.reason_tags, ",") + ",".join(names) + ","


def reason_tags(reasons: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> str | None:
    names = sorted({str(r.get("reason")) for r in reasons if r.get("reason")})
    return "," + ",".join(names) + "," if names else None


async def callback_promised(conn: AsyncConnection, number: str, agent: str, due: datetime,
                            now: datetime) -> None:
    ticket_id = await _ticket_id(conn, number)
    await conn.execute(sa.update(callbacks).where(
        callbacks.c.ticket_id == ticket_id, callbacks.c.done_at.is_(None),
        callbacks.c.replaced_at.is_(None)).values(replaced_at=now))
    await conn.execute(sa.insert(callbacks).values(
        ticket_id=ticket_id, agent=agent, promised_at=now, due=due))


async def callback_done(conn: AsyncConnection, number: str, now: datetime) -> None:
    ticket_id = await _ticket_id(conn, number)
    await conn.execute(sa.update(callbacks).where(
        callbacks.c.ticket_id == ticket_id, callbacks.c.done_at.is_(None),
        callbacks.c.replaced_at.is_(None)).values(done_at=now))


async def _ticket_id(conn: AsyncConnection, number: str) -> int:
    return int((await conn.execute(
        sa.select(tickets.c.id).where(tickets.c.number == number))).scalar_one())


def _seconds(delta: Any) -> int:
    return int(delta.total_seconds())
