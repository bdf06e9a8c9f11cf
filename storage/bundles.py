"""The configuration bundle's versions, its draft and their audit trail.

A version is the whole bundle as plain data (dialogs/bundle/data.py), numbered from 1 with no
gaps; the number is the primary key, so two publishers (or two processes creating version 1
at start) cannot both take one: the loser tries the next number, or, for version 1, finds it
there. Every publish writes its audit entry and, on PostgreSQL, its NOTIFY in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.audit import AuditAction, AuditLog, add_entry
from storage.clock import utc_required
from storage.news import BUNDLE, Notify, no_notify
from storage.schema import bundle_drafts, bundle_versions
from storage.upsert import insert_for

DRAFT = "main"
# Publishers racing for the same number: each loser tries the next one, this often at most.
PUBLISH_TRIES = 8


@dataclass(frozen=True)
class VersionInfo:
    number: int
    note: str
    author: str
    published_at: datetime
    rolled_back_from: int | None = None


@dataclass(frozen=True)
class StoredVersion:
    info: VersionInfo
    body: dict[str, Any]


@dataclass(frozen=True)
class Draft:
    body: dict[str, Any]
    based_on: int  # the version it was started from
    edited_by: str | None = None  # None: no draft saved, this is the version itself
    edited_at: datetime | None = None


class NoSuchVersion(LookupError):
    pass


class StaleDraft(Exception):
    """Publishing a draft started from a version that is no longer the newest: what was
    published meanwhile would be undone without anyone seeing it."""

    def __init__(self, based_on: int, latest: int) -> None:
        super().__init__(f"the draft was started from version {based_on}, and version "
                         f"{latest} has been published since")
        self.based_on = based_on
        self.latest = latest


class BundleStore:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None, *,
                 notify: Notify = no_notify) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        self._notify = notify
        self.audit = AuditLog(engine, self.read_engine)

    # --- versions --------------------------------------------------------------------------
    async def first_version(self, body: dict[str, Any], *, note: str, now: datetime,
                            actor: str = "defaults") -> bool:
        """Create version 1 unless there is one; True if this call created it."""
        async with self.engine.begin() as conn:
            done = await conn.execute(insert_for(conn, bundle_versions).values(
                number=1, body=body, note=note, author=actor, published_at=now)
                .on_conflict_do_nothing())
            if done.rowcount != 1:
                return False
            await add_entry(conn, actor=actor, action=AuditAction.PUBLISHED,
                            subject="bundle v1", detail={"note": note}, at=now)
            await self._notify(conn, BUNDLE, "1")
            return True

    async def latest_number(self) -> int | None:
        async with self.read_engine.connect() as conn:
            found = (await conn.execute(sa.select(sa.func.max(bundle_versions.c.number)))).scalar()
        return int(found) if found is not None else None

    async def latest(self) -> StoredVersion | None:
        number = await self.latest_number()
        return await self.version(number) if number is not None else None

    async def version(self, number: int) -> StoredVersion | None:
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(
                sa.select(bundle_versions).where(bundle_versions.c.number == number)
            )).mappings().first()
        return StoredVersion(_info(row), dict(row["body"])) if row is not None else None

    async def versions(self, limit: int = 100) -> list[VersionInfo]:
        """Newest first, without their bodies."""
        cols = [c for c in bundle_versions.c if c.name != "body"]
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(sa.select(*cols).order_by(bundle_versions.c.number.desc())
                                       .limit(limit))).mappings().all()
        return [_info(r) for r in rows]

    async def publish(self, body: dict[str, Any], *, note: str, actor: str, now: datetime,
                      based_on: int | None = None, rolled_back_from: int | None = None) -> int:
        """Store `body` as the next version and return its number. With `based_on`, refuse
        (StaleDraft) if another version was published after that one. The draft goes: the
        draft is the new version now."""
        for _ in range(PUBLISH_TRIES):
            try:
                async with self.engine.begin() as conn:
                    latest = (await conn.execute(
                        sa.select(sa.func.max(bundle_versions.c.number)))).scalar() or 0
                    if based_on is not None and latest != based_on:
                        raise StaleDraft(based_on, latest)
                    number = latest + 1
                    await conn.execute(sa.insert(bundle_versions).values(
                        number=number, body=body, note=note, author=actor, published_at=now,
                        rolled_back_from=rolled_back_from))
                    await conn.execute(sa.delete(bundle_drafts)
                                       .where(bundle_drafts.c.name == DRAFT))
                    action = (AuditAction.PUBLISHED if rolled_back_from is None
                              else AuditAction.ROLLED_BACK)
                    detail: dict[str, Any] = {"note": note}
                    if rolled_back_from is not None:
                        detail["content_of"] = rolled_back_from
                    await add_entry(conn, actor=actor, action=action,
                                    subject=f"bundle v{number}", detail=detail, at=now)
                    await self._notify(conn, BUNDLE, str(number))
                    return number
            except IntegrityError:
                continue  # another publisher took the number first
        raise RuntimeError(f"could not publish after {PUBLISH_TRIES} tries")

    async def rollback(self, to: int, *, actor: str, note: str, now: datetime) -> int:
        """A new version with the content of version `to`."""
        old = await self.version(to)
        if old is None:
            raise NoSuchVersion(f"no version {to}")
        return await self.publish(old.body, note=note or f"rollback to version {to}",
                                  actor=actor, now=now, rolled_back_from=to)

    # --- the draft -------------------------------------------------------------------------
    async def draft(self) -> Draft:
        """The admins' draft; the newest version when none is saved."""
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(sa.select(bundle_drafts)
                                      .where(bundle_drafts.c.name == DRAFT))).mappings().first()
        if row is not None:
            return Draft(dict(row["body"]), row["based_on"], row["edited_by"],
                         utc_required(row["edited_at"]))
        latest = await self.latest()
        if latest is None:
            raise NoSuchVersion("no version yet: the service has not started once")
        return Draft(latest.body, latest.info.number)

    async def save_draft(self, body: dict[str, Any], *, based_on: int, actor: str,
                         now: datetime) -> None:
        values = {"body": body, "based_on": based_on, "edited_by": actor, "edited_at": now}
        async with self.engine.begin() as conn:
            stmt = insert_for(conn, bundle_drafts).values(name=DRAFT, **values)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                                          set_=values))
            await add_entry(conn, actor=actor, action=AuditAction.DRAFT_SAVED,
                            subject="bundle draft", detail={"based_on": based_on}, at=now)

    async def discard_draft(self, *, actor: str, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            gone = await conn.execute(sa.delete(bundle_drafts)
                                      .where(bundle_drafts.c.name == DRAFT))
            if gone.rowcount != 1:
                return False
            await add_entry(conn, actor=actor, action=AuditAction.DRAFT_DISCARDED,
                            subject="bundle draft", detail={}, at=now)
            return True


def _info(row: Any) -> VersionInfo:
    return VersionInfo(row["number"], row["note"], row["author"],
                       utc_required(row["published_at"]), row["rolled_back_from"])
