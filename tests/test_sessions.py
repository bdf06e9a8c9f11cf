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

    async def test_a_new_password_or_role_ends_their_sessions_and_a_team_does_not(
            self, engine: AsyncEngine) -> None:
        agents = AgentStore(engine)
        alice = await agents.add("alice", "supervisor", T0)
        bob = await agents.add("bob", "agent", T0)
        sessions = store(engine)
        a1, _ = await sessions.open(alice.id, T0)
        b1, _ = await sessions.open(bob.id, T0)
        b2, _ = await sessions.open(bob.id, T0)
        assert await agents.set_team("bob", "finance")
        assert await sessions.find(b1, T0) is not None  # moving team changes no rights
        assert await agents.set_password("bob", "$argon2id$not-checked-here")
        assert await sessions.find(b1, T0) is None and await sessions.find(b2, T0) is None
        assert await sessions.find(a1, T0) is not None  # only bob's
        assert await agents.set_role("alice", "agent")
        assert await sessions.find(a1, T0) is None
        assert not await agents.set_password("nobody", "$argon2id$x")
        found = await agents.by_name("alice")
        assert found is not None and found.role == "agent"
        await agents.disable("alice")
        assert await agents.enable("alice")
        found = await agents.by_name("alice")
        assert found is not None and not found.disabled

    async def test_purge_removes_only_dead_sessions(self, engine: AsyncEngine) -> None:
        agent = await AgentStore(engine).add("alice", "agent", T0)
        sessions = store(engine)
        await sessions.open(agent.id, T0)
        live, _ = await sessions.open(agent.id, T0 + timedelta(hours=2))
        assert await sessions.purge(T0 + timedelta(hours=2, minutes=30)) == 1
        assert await sessions.find(live, T0 + timedelta(hours=2, minutes=31)) is not None


class TestLoginFailures:
    async def test_attempts_past_the_free_ones_wait_twice_as_long_each_time(
            self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=3)
        keys = ["name:alice", "ip:10.0.0.1"]
        at = T0
        for _ in range(3):
            assert await failures.reserve(keys, at) == timedelta(0)
        assert await failures.reserve(keys, at) == timedelta(seconds=2)  # refused, not counted
        at += timedelta(seconds=2)
        assert await failures.reserve(keys, at) == timedelta(0)
        assert await failures.reserve(keys, at) == timedelta(seconds=4)
        assert await failures.reserve(["name:bob"], at) == timedelta(0)
        await failures.succeeded(keys)
        assert await failures.reserve(keys, at) == timedelta(0)

    async def test_an_address_shared_by_many_gets_more_attempts_than_a_name(
            self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=3, free_per_address=10)
        for n in range(10):  # ten different people behind one address, one try each
            assert await failures.reserve([f"name:user{n}", "ip:proxy"], T0) == timedelta(0)
        assert await failures.reserve(["name:user99", "ip:proxy"], T0) > timedelta(0)

    async def test_the_wait_is_capped_and_forgotten_after_a_quiet_hour(
            self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=1, longest=timedelta(minutes=15))
        at = T0
        for _ in range(20):  # twenty attempts, each as soon as it is allowed
            wait = await failures.reserve(["name:x"], at)
            if wait:
                at += wait
                assert await failures.reserve(["name:x"], at) == timedelta(0)
        assert await failures.reserve(["name:x"], at) == timedelta(minutes=15)
        later = at + timedelta(hours=1)
        assert await failures.reserve(["name:x"], later) == timedelta(0)  # starts again
        assert await failures.reserve(["name:x"], later) == timedelta(seconds=2)

    async def test_a_burst_of_simultaneous_attempts_is_not_let_through(
            self, engine: AsyncEngine) -> None:
        failures = LoginFailures(engine, free=5)
        waits = await asyncio.gather(*(failures.reserve(["name:x"], T0) for _ in range(30)))
        assert sum(1 for w in waits if w == timedelta(0)) == 5
