"""Shared fixtures: real databases (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set),
the core wired as in production, and a customer that talks to it."""

from __future__ import annotations

import itertools
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core import Core, open_core
from bot.settings import Settings, load_settings
from dialogs.messages import Attachment, ConversationKey, Inbound, Reply
from handlers.channels.base import CollectingOutputChannel

PG_URL = os.environ.get("TEST_POSTGRES_URL")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never reach beyond this machine: any connection elsewhere fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"test tried to reach {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


class Clock:
    """A controllable clock for the pipeline: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _fresh_pg_database() -> str:
    assert PG_URL
    name = f"heard_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return str(sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False))


async def _drop_pg_database(url: str) -> None:
    assert PG_URL
    name = sa.make_url(url).database
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@asynccontextmanager
async def _postgres() -> AsyncIterator[str]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set in CI: PostgreSQL tests must run there")
        pytest.skip("TEST_POSTGRES_URL not set")
    url = await _fresh_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'heard.db'}"
        return
    async with _postgres() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for what only a server deployment does (several processes)."""
    async with _postgres() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'heard.db'}"


def make_settings(url: str, **overrides: object) -> Settings:
    return load_settings(DATABASE_URL=url, **overrides)


@pytest.fixture
async def core(sqlite_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(sqlite_url), clock=clock) as c:
        yield c


_update_ids = itertools.count(1)


class Customer:
    """Talks to the core as one customer would, through the real pipeline."""

    def __init__(self, core: Core, chat_id: str = "1001", *, channel: str = "telegram",
                 language_code: str | None = "en", name: str | None = "Li Wei") -> None:
        self.core = core
        self.key = ConversationKey(channel, chat_id)
        self.out = CollectingOutputChannel(channel)
        self.language_code = language_code
        self.name = name
        self.last: list[Reply] = []

    def inbound(self, text: str = "", **kw: object) -> Inbound:
        fields: dict[str, object] = {
            "key": self.key, "text": text, "update_id": str(next(_update_ids)),
            "user_id": self.key.chat_id, "display_name": self.name,
            "language_code": self.language_code,
            "identified": self.key.channel == "telegram",
        }
        fields.update(kw)
        return Inbound(**fields)  # type: ignore[arg-type]

    async def send(self, inbound: Inbound) -> list[Reply]:
        before = len(self.out.sent)
        await self.core.pipeline.handle(inbound, self.out)
        self.last = [r for _, r in self.out.sent[before:]]
        return self.last

    async def says(self, text: str, **kw: object) -> list[Reply]:
        return await self.send(self.inbound(text, **kw))

    async def presses(self, label: str) -> list[Reply]:
        """Press the button labelled `label` on the latest keyboard."""
        for reply in reversed(self.last):
            for b in reply.buttons:
                if b.label == label:
                    return await self.send(self.inbound(label, callback_data=b.payload))
        raise AssertionError(f"no button {label!r} in {[r.buttons for r in self.last]}")

    async def sends_photo(self, caption: str = "") -> list[Reply]:
        return await self.send(self.inbound(
            caption, attachments=(Attachment("photo", file_id="ph-1", size=1000),)))

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    @property
    def templates(self) -> list[str]:
        return [r.template for r in self.last]

    def buttons(self) -> list[str]:
        return [b.label for r in self.last for b in r.buttons]

    async def state(self) -> str:
        conv = await self.core.store.conversation(self.key)
        assert conv is not None
        return conv.state
