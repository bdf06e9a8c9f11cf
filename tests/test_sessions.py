"""Console sessions and failed-login counts, on every backend: the contract the console's
security rests on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agents import AgentStore
from storage.database import create_engine
from storage.migrate import upgrade
from storage.sessions import LoginFailures, SessionStore

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    e = create_engine(database_url)
    await upgrade(e)
    yield e
    await e.dispose()


def store(engine: AsyncEngine) -> SessionStore:
    return SessionStore(engine, lifetime=timedelta(hours=12), idle=timedelta(hours=1))


class TestSessions:
    async def test_a_session_finds_its_agent_until_idle_or_too_old(
            self, engine: AsyncEngine) -> None:
        agent = await AgentStore(engine).add("alice", "agent", T0)
        sessions = store(engine)
        token, csrf = await sessions.open(agent.id, T0)
        found = await sessions.find(token, T0 + timedelta(minutes=5))
        assert found is not None and (found.agent.name, found.csrf) == ("alice", csrf)
        assert await sessions.find("not-a-token", T0) is None

        # Kept alive by use, every 50 minutes, until its lifetime ends.
        at = T0
        for _ in range(16):
            at += timedelta(minutes=50)
            if at >= T0 + timedelta(hours=12):
                assert await sessions.find(token, at) is None
                break
            assert await sessions.find(token, at) is not None
        else:
            pytest.fail("the session outlived its lifetime")

        token2, _ = await sessions.open(agent.id, T0)
        assert await sessions.find(token2, T0 + timedelta(minutes=61)) is None  # idle
        assert await sessions.find(token2, T0) is None  # and gone for good

    async def test_tokens_are_unique_and_stored_only_as_digests(
            self, engine: AsyncEngine) -> None:
        agent = await AgentStore(engine).add("alice", "agent", T0)
        sessions = store(engine)
        opened = await asyncio.gather(*(sessions.open(agent.id, T0) for _ in range(20)))
        assert len({t for t, _ in opened}) == 20
        async with engine.connect() as conn:
            hashes = (await conn.execute(text("SELECT token_hash FROM console_sessions"))
                      ).scalars().all()
        assert not {t for t, _ in opened} & set(hashes)

    async def test_disabling_an_agent_or_closing_all_ends_their_sessions(
            self, engine: AsyncEngine) -> None:
        agents = AgentStore(engine)
        alice = await agents.add("alice", "agent", T0)
        bob = await agents.add("bob", "agent", T0)
        sessions = store(engine)
        a1, _ = await sessions.open(alice.id, T0)
        b1, _ = await sessions.open(bob.id, T0)
        await agents.disable("alice")
        assert await sessions.find(a1, T0) is None
        await sessions.close_all(bob.id)
        assert await sessions.find(b1, T0) is None

    async def test_purge_removes_only_dead_sessions(self, engine: AsyncEngine) -> None:
        agent = await AgentStore(engine).add("alice", "agent", T0)
        sessions = store(engine)
        await sessions.open(agent.id, T0)
        live, _ = await sessions.open(agent.id, T0 + timedelta(hours=2))
        assert await sessions.purge(T0 + timedelta(hours=2, minutes=30)) == 1
        assert await sessions.find(live, T0 + timedelta(hours=2, minutes=31)) is not None


class TestLoginFailures:
    async def test_waits_double_after_the_free_attempts_and_clear_on_success(
            self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=3)
        keys = ["name:alice", "ip:10.0.0.1"]
        for _ in range(3):
            await failures.failed(keys, T0)
            assert await failures.wait(keys, T0) == timedelta(0)
        await failures.failed(keys, T0)
        assert await failures.wait(keys, T0) == timedelta(seconds=2)
        await failures.failed(keys, T0)
        assert await failures.wait(keys, T0) == timedelta(seconds=4)
        assert await failures.wait(["name:bob"], T0) == timedelta(0)
        # One key is enough to wait: another name from the same address still waits.
        assert await failures.wait(["name:bob", "ip:10.0.0.1"], T0) == timedelta(seconds=4)
        await failures.succeeded(keys)
        assert await failures.wait(keys, T0) == timedelta(0)

    async def test_the_wait_is_capped_and_forgotten_after_a_quiet_hour(
            self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=0, longest=timedelta(minutes=15))
        for _ in range(40):
            await failures.failed(["name:x"], T0)
        assert await failures.wait(["name:x"], T0) == timedelta(minutes=15)
        later = T0 + timedelta(hours=1)
        assert await failures.wait(["name:x"], later) == timedelta(0)
        await failures.failed(["name:x"], later)  # counting starts again
        assert await failures.wait(["name:x"], later) == timedelta(seconds=2)

    async def test_concurrent_failures_are_all_counted(self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=5)
        await asyncio.gather(*(failures.failed(["name:x"], T0) for _ in range(10)))
        assert await failures.wait(["name:x"], T0) == timedelta(seconds=2 ** 5)
