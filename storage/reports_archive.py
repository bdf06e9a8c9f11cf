"""Reports kept: the archive of those sent to the agents' group, each period claimed once in
the database before it is sent (so two processes, or a restart, never send it twice), and
the quarterly action plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.reports.actions import ActionItem, Status
from storage.clock import utc, utc_required
from storage.schema import action_items, report_archive

# A claim whose sender died before it was sent is taken over after this long.
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    id: int
    kind: str
    period: str
    claimed_at: datetime
    sent_at: datetime | None
    summary: str | None


class ReportArchive:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(self, kind: str, period: str, who: str, now: datetime) -> int | None:
        """The right to make and send this period's report: the row's id, or None when
        another process has it (or it was sent)."""
        r = report_archive.c
        async with self.engine.connect() as conn:
            # Most ticks find the period done: no failed INSERT for the server to log.
            known = (await conn.execute(sa.select(r.sent_at, r.claimed_at).where(
                r.kind == kind, r.period == period))).first()
        if known is not None and (known.sent_at is not None
                                  or utc_required(known.claimed_at) >= now - STALE_CLAIM):
            return None
        try:
            async with self.engine.begin() as conn:
                result = await conn.execute(sa.insert(report_archive).values(
                    kind=kind, period=period, claimed_at=now, claimed_by=who))
                return int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError:
            pass
        async with self.engine.begin() as conn:
            taken = await conn.execute(
                sa.update(report_archive)
                .where(r.kind == kind, r.period == period, r.sent_at.is_(None),
                       r.claimed_at < now - STALE_CLAIM)
                .values(claimed_at=now, claimed_by=who).returning(r.id))
            row = taken.first()
        return int(row[0]) if row else None

    async def sent(self, entry_id: int, summary: str, html: str, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(report_archive).where(report_archive.c.id == entry_id)
                               .values(summary=summary, html=html, sent_at=now))

    async def entries(self, limit: int = 200) -> list[ArchiveEntry]:
        r = report_archive.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(r.id, r.kind, r.period, r.claimed_at, r.sent_at, r.summary)
                .order_by(r.claimed_at.desc(), r.id.desc()).limit(limit))).all()
        return [ArchiveEntry(x.id, x.kind, x.period, utc_required(x.claimed_at),
                             utc(x.sent_at), x.summary) for x in rows]

    async def html(self, entry_id: int) -> str | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(sa.select(report_archive.c.html).where(
                report_archive.c.id == entry_id))).scalar_one_or_none()


class ActionPlan:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, quarter: str, problem: str, owner: str, due: date, who: str,
                  now: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.insert(action_items).values(
                quarter=quarter, problem=problem, owner=owner, due=due,
                status=Status.PLANNED.value, created_at=now, updated_at=now, updated_by=who))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def set_status(self, item_id: int, status: Status, who: str, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.update(action_items).where(
                action_items.c.id == item_id).values(status=status.value, updated_at=now,
                                                     updated_by=who))
        return result.rowcount == 1

    async def for_quarter(self, quarter: str) -> list[ActionItem]:
        """Raised in the quarter, and still open from earlier ones."""
        a = action_items.c
        open_ = [s.value for s in Status if s.open]
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(a.id, a.quarter, a.problem, a.owner, a.due, a.status)
                .where(sa.or_(a.quarter == quarter,
                              sa.and_(a.quarter < quarter, a.status.in_(open_))))
                .order_by(a.quarter, a.due, a.id))).all()
        return [ActionItem(r.id, r.quarter, r.problem, r.owner, r.due, Status(r.status))
                for r in rows]
