"""The console's live updates across processes: two real `heard run` on one database, an agent's
page on one, a customer in the web chat of the other (SQLite by looking at the live news every
half second; PostgreSQL by NOTIFY, with the looking turned down to once an hour so only NOTIFY
can bring it in time). Each change reaches each page once."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.console_support import PASSWORD
from tests.test_cli import Running, clean_env, free_port, heard
from tests.test_e2e_webchat import WebVisitor

NUMBER = re.compile(r"C-\d{8}-\d{4}")
LATE = "The box arrived with the lid crushed, too."
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Process:
    running: Running
    base: str


@asynccontextmanager
async def two_processes(env: dict[str, str], cwd: Path) -> AsyncIterator[tuple[Process, Process]]:
    """Two `heard run` on the same database, each on a port of its own, and an agent."""
    assert heard("db", "upgrade", env=env, cwd=cwd).returncode == 0
    added = heard("agents", "add", "alice", "--role", "agent", "--team", "customer_care",
                  "--password-stdin", env=env, cwd=cwd, stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    started: list[Process] = []
    try:
        for _ in range(2):
            port = free_port()
            started.append(Process(Running({**env, "WEB_PORT": str(port)}, cwd),
                                   f"http://127.0.0.1:{port}"))
        for p in started:
            await asyncio.to_thread(p.running.wait_for, "web chat on http://")
        yield started[0], started[1]
        for p in started:
            assert await asyncio.to_thread(p.running.stop, signal.SIGTERM) == 0
    finally:
        for p in started:
            p.running.kill()


class AgentPage:
    """An agent logged in to one process's console, its live socket open."""

    def __init__(self, base: str) -> None:
        self.base = base
        # unsafe: the server is 127.0.0.1, and aiohttp keeps no cookies for bare IPs otherwise.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.frames: list[dict[str, Any]] = []
        self._reading: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def open(self) -> None:
        async with self.http.get(self.base + "/console/login") as r:
            csrf = _CSRF.search(await r.text())
        assert csrf
        async with self.http.post(self.base + "/console/login",
                                  data={"csrf": csrf.group(1), "name": "alice",
                                        "password": PASSWORD},
                                  headers={"Origin": self.base}) as r:
            assert r.status == 200 and r.url.path == "/console", r.url
        ws = await self.http.ws_connect(self.base + "/console/ws", origin=self.base)
        self._reading = asyncio.create_task(self._read(ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.frames.append(json.loads(msg.data))
                self._arrived.set()

    async def heard_of(self, ticket: str, kind: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Wait for the frame (the deadline stops a broken run only; how soon it comes is
        bench/live.py's to measure)."""
        async with asyncio.timeout(timeout):
            while True:
                self._arrived.clear()
                if {"ticket": ticket, "kind": kind} in self.frames:
                    return
                await self._arrived.wait()

    async def page(self, path: str) -> str:
        async with self.http.get(self.base + path) as r:
            assert r.status == 200
            return await r.text()

    async def close(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
        await self.http.close()


async def customer(base: str, http: aiohttp.ClientSession) -> WebVisitor:
    async with http.get(base + "/chat") as page:
        assert page.status == 200
    v = WebVisitor(await http.ws_connect(base + "/chat/ws", headers={"Origin": base}))
    await v.read_history()
    await v.hello()
    return v


async def across(env: dict[str, str], cwd: Path) -> None:
    async with two_processes(env, cwd) as (a, b):
        on_a, on_b = AgentPage(a.base), AgentPage(b.base)
        try:
            await on_a.open()
            await on_b.open()
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                c = await customer(b.base, http)  # the web chat of process B
                await c.says("My parcel never arrived")
                await c.says("I want to talk to a human")
                found = NUMBER.search(c.text)
                assert found, c.text
                number = found.group(0)
                await on_a.heard_of(number, "escalated")
                # A message while the case waits: the page on A hears of it, and its fragment,
                # read from the database, has the customer's words.
                await c.says(LATE)
                await on_a.heard_of(number, "relayed")
                assert LATE in await on_a.page(f"/console/tickets/{number}")
            # B heard the same from its own outbox, and only from there: once each. (Looking
            # at the news for a few more intervals gives a second delivery its chance.)
            await on_b.heard_of(number, "relayed")
            await asyncio.sleep(1.5)
            for page in (on_a, on_b):
                mine = [f["kind"] for f in page.frames if f["ticket"] == number]
                assert mine.count("escalated") == 1 and mine.count("relayed") == 1, mine
        finally:
            await on_a.close()
            await on_b.close()


async def test_a_page_on_one_process_hears_a_customer_of_another_on_sqlite(
        tmp_path: Path) -> None:
    await across(clean_env(tmp_path), tmp_path)


@pytest.mark.postgres
async def test_a_page_on_one_process_hears_a_customer_of_another_on_postgresql_by_notify(
        tmp_path: Path, postgres_url: str) -> None:
    await across({**clean_env(tmp_path), "DATABASE_URL": postgres_url,
                  "LIVE_CHECK_SECONDS": "3600"}, tmp_path)
