"""The audit log: who changed the service's configuration or access, what, and when, and who
logged in to the console or tried to. Entries are only ever added; a change's entry is
written in the same transaction as the change it records (a login's just after its session
is opened or closed: the session is not the record, the entry is)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.clock import utc_required
from storage.schema import audit_log


class AuditAction(StrEnum):
    PUBLISHED = "published"
    ROLLED_BACK = "rolled_back"
    DRAFT_SAVED = "draft_saved"
    DRAFT_DISCARDED = "draft_discarded"
    AGENT_ADDED = "agent_added"
    AGENT_CHANGED = "agent_changed"
    # The console's door: the actor of a failure is the name tried (never the password).
    LOGGED_IN = "logged_in"
    LOGIN_FAILED = "login_failed"
    LOGGED_OUT = "logged_out"
    # Canned replies: the subject is "macro <scope>/<name>", the detail what it says now.
    MACRO_CREATED = "macro_created"
    MACRO_CHANGED = "macro_changed"
    MACRO_DELETED = "macro_deleted"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: AuditAction
    subject: str  # "bundle v4", "bundle draft", "console"
    detail: dict[str, Any]


async def add_entry(conn: AsyncConnection, *, actor: str, action: AuditAction, subject: str,
                    detail: dict[str, Any], at: datetime) -> None:
    await conn.execute(sa.insert(audit_log).values(
        at=at, actor=actor[:64], action=str(action), subject=subject[:128], detail=detail))


class AuditLog:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

    async def add(self, *, actor: str, action: AuditAction, subject: str,
                  detail: dict[str, Any], at: datetime) -> None:
        async with self.engine.begin() as conn:
            await add_entry(conn, actor=actor, action=action, subject=subject, detail=detail,
                            at=at)

    async def entries(self, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first; `before_id` pages back."""
        q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if before_id is not None:
            q = q.where(audit_log.c.id < before_id)
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(q)).mappings().all()
        return [AuditEntry(r["id"], utc_required(r["at"]), r["actor"], AuditAction(r["action"]),
                           r["subject"], dict(r["detail"] or {})) for r in rows]
