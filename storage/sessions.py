"""Web console sessions and failed-login counts, in the database so every process agrees and
a restart logs nobody out (nor forgives a guesser)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agents import AGENT_COLUMNS, Agent, agent_from_row
from storage.clock import utc_required
from storage.schema import agents, console_sessions, login_failures
from storage.upsert import insert_for

# Writing seen_at on every request would make each page view a write; a minute is precise
# enough for an idle timeout counted in tens of minutes.
_SEEN_GRANULARITY = timedelta(minutes=1)


# What secrets.token_urlsafe(32) makes.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    agent: Agent
    csrf: str
    expires_at: datetime


class SessionStore:
    def __init__(self, engine: AsyncEngine, *, lifetime: timedelta, idle: timedelta,
                 read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        self.lifetime = lifetime
        self.idle = idle

    async def open(self, agent_id: int, now: datetime) -> tuple[str, str]:
        """A new session for the agent: (cookie token, CSRF token). Always a fresh id, so a
        session id planted before login is worthless."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        async with self.engine.begin() as conn:
            await conn.execute(sa.insert(console_sessions).values(
                token_hash=_digest(token), agent_id=agent_id, csrf=csrf, created_at=now,
                seen_at=now, expires_at=now + self.lifetime))
        return token, csrf

    async def find(self, token: str, now: datetime, *, touch: bool = True) -> Session | None:
        """The live session for a cookie token, or None (malformed, unknown, expired, idle too
        long, or its agent disabled). `touch`: this is activity, which keeps it alive up to
        its lifetime (an open page's socket is not)."""
        if not TOKEN_SHAPE.fullmatch(token):
            return None  # no query for junk cookies
        s = console_sessions.c
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(
                sa.select(s.csrf, s.seen_at, s.expires_at, *AGENT_COLUMNS)
                .join(agents, agents.c.id == s.agent_id)
                .where(s.token_hash == _digest(token)))).first()
        if row is None:
            return None
        seen, expires = utc_required(row.seen_at), utc_required(row.expires_at)
        if now >= expires or now - seen >= self.idle or row.disabled:
            await self.close(token)
            return None
        if touch and now - seen >= _SEEN_GRANULARITY:
            async with self.engine.begin() as conn:
                await conn.execute(sa.update(console_sessions)
                                   .where(s.token_hash == _digest(token)).values(seen_at=now))
        return Session(agent_from_row(row), row.csrf, expires)

    async def close(self, token: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(console_sessions)
                               .where(console_sessions.c.token_hash == _digest(token)))

    async def close_all(self, agent_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(console_sessions)
                               .where(console_sessions.c.agent_id == agent_id))

    async def purge(self, now: datetime) -> int:
        s = console_sessions.c
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.delete(console_sessions).where(
                sa.or_(s.expires_at <= now, s.seen_at <= now - self.idle)))
        return int(result.rowcount or 0)


_LOCK_SPACE = 0x4C4F47  # "LOG"


class LoginFailures:
    """Login attempts per key: an account name ("name:…") or a client address ("ip:…").
    Each attempt is counted *before* its password is checked, in the same transaction that
    decides whether it may be heard, so a burst of simultaneous guesses cannot all slip
    through. Past `free` attempts (`free_per_address` for addresses, which many people may
    share) each further one must wait twice as long as the last, up to `longest`; a
    success clears the keys, and a quiet `forget` period starts the count again."""

    def __init__(self, engine: AsyncEngine, *, free: int = 5, free_per_address: int = 30,
                 longest: timedelta = timedelta(minutes=15),
                 forget: timedelta = timedelta(hours=1)) -> None:
        self.engine = engine
        self.free = free
        self.free_per_address = free_per_address
        self.longest = longest
        self.forget = forget

    def _wait(self, key: str, count: int, last: datetime, now: datetime) -> timedelta:
        free = self.free_per_address if key.startswith("ip:") else self.free
        if count < free or now - last >= self.forget:
            return timedelta(0)
        delay = min(timedelta(seconds=2 ** min(count - free + 1, 20)), self.longest)
        return max(timedelta(0), last + delay - now)

    async def reserve(self, keys: list[str], now: datetime) -> timedelta:
        """Count an attempt for every key and return zero, or, when one of them must still
        wait, count nothing and return how long."""
        f = login_failures.c
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Rows that do not exist yet cannot be locked FOR UPDATE: lock the keys
                # themselves, in one order (SQLite: BEGIN IMMEDIATE serialises everything).
                # The two-number form keeps these apart from the conversations' locks.
                for key in sorted(set(keys)):
                    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(
                        _LOCK_SPACE, sa.func.hashtext(key))))
            query = sa.select(f.key, f.failures, f.last_at).where(f.key.in_(keys))
            rows = {r.key: (r.failures, utc_required(r.last_at))
                    for r in (await conn.execute(query)).all()}
            wait = max((self._wait(k, c, last, now) for k, (c, last) in rows.items()),
                       default=timedelta(0))
            if wait > timedelta(0):
                return wait
            for key in keys:
                count, last = rows.get(key, (0, now))
                fresh = 1 if now - last >= self.forget else count + 1
                stmt = insert_for(conn, login_failures).values(key=key, failures=fresh,
                                                                last_at=now)
                await conn.execute(stmt.on_conflict_do_update(
                    index_elements=[f.key], set_={"failures": fresh, "last_at": now}))
        return timedelta(0)

    async def succeeded(self, keys: list[str]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(login_failures)
                               .where(login_failures.c.key.in_(keys)))
