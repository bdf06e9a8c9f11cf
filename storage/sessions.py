"""Web console sessions and failed-login counts, in the database so every process agrees and
a restart logs nobody out (nor forgives a guesser)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agents import Agent, agent_columns, agent_from_row
from storage.clock import utc_required
from storage.schema import agents, console_sessions, login_failures
from storage.upsert import insert_for

# Writing seen_at on every request would make each page view a write; a minute is precise
# enough for an idle timeout counted in tens of minutes.
_SEEN_GRANULARITY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    agent: Agent
    csrf: str
    expires_at: datetime


class SessionStore:
    def __init__(self, engine: AsyncEngine, *, lifetime: timedelta,
                 idle: timedelta) -> None:
        self.engine = engine
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

    async def find(self, token: str, now: datetime) -> Session | None:
        """The live session for a cookie token, or None (unknown, expired, idle too long, or
        its agent disabled). Touches it, so activity keeps it alive up to its lifetime."""
        s = console_sessions.c
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                sa.select(s.csrf, s.seen_at, s.expires_at, *agent_columns())
                .join(agents, agents.c.id == s.agent_id)
                .where(s.token_hash == _digest(token)))).first()
        if row is None:
            return None
        seen, expires = utc_required(row.seen_at), utc_required(row.expires_at)
        if now >= expires or now - seen >= self.idle or row.disabled:
            await self.close(token)
            return None
        if now - seen >= _SEEN_GRANULARITY:
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


class LoginFailures:
    """Failed attempts per key (an account name, an address). After `free` failures each
    further attempt must wait twice as long as the last, up to `longest`; a success or a
    quiet `forget` period clears the count."""

    def __init__(self, engine: AsyncEngine, *, free: int = 5,
                 longest: timedelta = timedelta(minutes=15),
                 forget: timedelta = timedelta(hours=1)) -> None:
        self.engine = engine
        self.free = free
        self.longest = longest
        self.forget = forget

    async def wait(self, keys: list[str], now: datetime) -> timedelta:
        """How long before another attempt is heard for any of these keys (zero: now)."""
        f = login_failures.c
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(f.failures, f.last_at)
                                       .where(f.key.in_(keys)))).all()
        longest = timedelta(0)
        for count, last_at in rows:
            last = utc_required(last_at)
            if count <= self.free or now - last >= self.forget:
                continue
            delay = min(timedelta(seconds=2 ** min(count - self.free, 20)), self.longest)
            longest = max(longest, last + delay - now)
        return longest

    async def failed(self, keys: list[str], now: datetime) -> None:
        f = login_failures.c
        async with self.engine.begin() as conn:
            for key in keys:
                stale = (await conn.execute(sa.select(f.last_at).where(f.key == key))).first()
                restart = stale is not None and now - utc_required(stale[0]) >= self.forget
                stmt = insert_for(conn, login_failures).values(key=key, failures=1, last_at=now)
                await conn.execute(stmt.on_conflict_do_update(
                    index_elements=[f.key],
                    set_={"failures": 1 if restart else f.failures + 1, "last_at": now}))

    async def succeeded(self, keys: list[str]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(login_failures)
                               .where(login_failures.c.key.in_(keys)))
