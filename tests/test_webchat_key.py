"""The web chat's cookie key: without WEB_SECRET it is made once and kept in the database, so
a visitor keeps their conversation across restarts and across processes; WEB_SECRET wins."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import aiohttp
import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.ext.asyncio import AsyncEngine
from yarl import URL

import bot.core as core_module
from bot.app import WEBCHAT_COOKIE_KEY
from handlers.channels.webchat.visitor import COOKIE_NAME, SALT
from storage import migrate
from storage.database import create_engine
from storage.migrate import upgrade_url
from storage.service_secrets import kept_secret
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, running_app, start_app


async def test_callers_at_once_all_get_the_one_kept_secret(
        database_url: str, clock: Clock) -> None:
    await upgrade_url(database_url)
    # Separate engines: separate connections, as separate processes would have.
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        values = await asyncio.gather(*(kept_secret(e, "webchat_cookie", clock())
                                        for e in engines))
        assert len(set(values)) == 1
        assert len(values[0]) >= 43  # 32 random bytes
        clock.advance(days=1)
        assert await kept_secret(engines[0], "webchat_cookie", clock()) == values[0]
        assert await kept_secret(engines[0], "another", clock()) != values[0]
    finally:
        for engine in engines:
            await engine.dispose()


def browser() -> aiohttp.ClientSession:
    # unsafe: the apps listen on 127.0.0.1, and cookies ignore the port.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def visitor_cookie(http: aiohttp.ClientSession) -> str:
    return next(c.value for c in http.cookie_jar if c.key == COOKIE_NAME)


async def say(http: aiohttp.ClientSession, running: RunningApp, text: str) -> None:
    """One message over the chat socket, waiting until the service has taken it."""
    ws = await http.ws_connect(running.url("/chat/ws"), origin=running.base_url)
    try:
        assert (await ws.receive_json(timeout=10))["type"] == "history"
        mid = f"m-{uuid.uuid4()}"
        await ws.send_json({"type": "text", "text": text, "id": mid})
        while (frame := await ws.receive_json(timeout=30)) != {"type": "ack", "id": mid}:
            assert frame["type"] != "error", frame
    finally:
        await ws.close()


async def history(http: aiohttp.ClientSession, running: RunningApp) -> list[str]:
    ws = await http.ws_connect(running.url("/chat/ws"), origin=running.base_url)
    try:
        frame = await ws.receive_json(timeout=10)
    finally:
        await ws.close()
    assert frame["type"] == "history", frame
    return [item["text"] for item in frame["items"]]


async def test_a_visitor_keeps_the_conversation_across_a_restart(
        tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    async with browser() as http:
        async with running_app(tmp_path, clock) as before:
            await http.get(before.url("/chat"))
            await say(http, before, "My parcel never arrived")
        # The same SQLite file, a new process's worth of app.
        async with running_app(tmp_path, clock) as after:
            assert "My parcel never arrived" in await history(http, after)
    assert any("kept in the database" in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.WARNING and "WEB_SECRET" in r.getMessage()
                   for r in caplog.records)


@pytest.mark.postgres
async def test_two_processes_on_one_database_agree_on_the_key(
        postgres_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    await upgrade_url(postgres_url)  # as a deploy does before starting its processes
    # Alembic keeps its context in module globals: two upgrades at once in one process trip
    # over each other, which two real processes do not. Everything after it runs at once.
    one_at_a_time = asyncio.Lock()

    async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
        async with one_at_a_time:
            await migrate.upgrade(engine, revision)

    monkeypatch.setattr(core_module, "upgrade", upgrade)
    settings = make_settings(postgres_url)
    first, second = await asyncio.gather(start_app(settings, clock=clock),
                                         start_app(settings, clock=clock))
    try:
        async with browser() as http:
            await http.get(first.url("/chat"))
            await say(http, first, "Hello from the first process")
            # The cookie the first process signed opens the same conversation on the second.
            assert "Hello from the first process" in await history(http, second)
    finally:
        await first.stop()
        await second.stop()


async def test_web_secret_wins_over_the_kept_key(tmp_path: Path, clock: Clock) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'heard.db'}"
    await upgrade_url(url)
    engine = create_engine(url)
    try:
        kept = await kept_secret(engine, WEBCHAT_COOKIE_KEY, clock())
    finally:
        await engine.dispose()
    secret = "a-deployment-chosen-secret-of-40-characters"
    async with running_app(tmp_path, clock, WEB_SECRET=secret) as running, browser() as http:
        await http.get(running.url("/chat"))
        issued = visitor_cookie(http)
        assert URLSafeTimedSerializer(secret, salt=SALT).loads(issued)
        with pytest.raises(BadSignature):
            URLSafeTimedSerializer(kept, salt=SALT).loads(issued)
        # A cookie signed with the kept key is not accepted meanwhile.
        http.cookie_jar.update_cookies(
            {COOKIE_NAME: URLSafeTimedSerializer(kept, salt=SALT).dumps("someone")},
            URL(running.url("/")))
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(running.url("/chat/ws"), origin=running.base_url)
        assert refused.value.status == 403
    engine = create_engine(url)
    try:  # and the kept key is still the one it was, for when WEB_SECRET is taken away
        assert await kept_secret(engine, WEBCHAT_COOKIE_KEY, clock()) == kept
    finally:
        await engine.dispose()
