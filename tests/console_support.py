"""Helpers for the console tests: the real app served on a local port, agents with passwords,
a cookie-keeping HTTP client that fills in CSRF tokens as a browser form would, and a web
customer whose replies the test can read."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from dialogs.events import Escalated, Event
from handlers.agents.console import ConsoleDeps
from handlers.agents.console.deps import CONSOLE
from handlers.agents.passwords import hash_password
from storage.agents import Agent, AgentStore
from tests.conftest import Clock, Customer
from tests.e2e_support import RunningApp, running_app, wait_for

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def deps(running: RunningApp) -> ConsoleDeps:
    return running.app[CONSOLE]


async def add_agent(running: RunningApp, name: str, role: str = "agent",
                    team: str | None = "customer_care", password: str = PASSWORD) -> Agent:
    return await AgentStore(running.core.store.engine).add(
        name, role, datetime.now(UTC), team=team, password_hash=await hash_password(password))


class ConsoleClient:
    """One browser's worth of cookies, talking to /console over real HTTP."""

    def __init__(self, running: RunningApp) -> None:
        self.running = running
        # unsafe: the server is 127.0.0.1, and aiohttp keeps no cookies for bare IPs otherwise.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.origin = running.base_url

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kw: Any) -> tuple[int, str, str]:
        """(status, body, final path), remembering the page's CSRF token like a form would."""
        async with self.http.get(self.running.url(path), **kw) as r:
            body = await r.text()
        found = _CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return r.status, body, r.url.path

    async def post(self, path: str, data: dict[str, str] | None = None, *,
                   csrf: str | None = None, origin: str | None = None,
                   follow: bool = True) -> tuple[int, str, str]:
        form = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        headers = {"Origin": self.origin if origin is None else origin}
        async with self.http.post(self.running.url(path), data=form, headers=headers,
                                  allow_redirects=follow) as r:
            body = await r.text()
        found = _CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return r.status, body, r.url.path

    async def login(self, name: str, password: str = PASSWORD) -> tuple[int, str, str]:
        await self.get("/console/login")
        return await self.post("/console/login", {"name": name, "password": password})

    def cookie(self, name: str) -> str | None:
        for c in self.http.cookie_jar:
            if c.key == name:
                return c.value
        return None


def committed(running: RunningApp) -> list[Event]:
    events: list[Event] = []

    async def record(batch: list[Event]) -> None:
        events.extend(batch)

    running.core.pipeline.outbox.subscribe(record)
    return events


async def escalate(running: RunningApp, chat_id: str = "1001",
                   text: str = "The parcel never came") -> tuple[Customer, str]:
    """A Telegram customer who asks for a person; their replies collect in `customer.out`
    (the app has no Telegram token, so the desk is given the customer's sink)."""
    events = committed(running)
    c = Customer(running.core, chat_id=chat_id)
    running.core.pipeline.outbox.register("telegram", c.out)
    await c.says(text)
    await c.says("I want to talk to a human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the handoff")
    return c, next(e.number for e in events if isinstance(e, Escalated))


@asynccontextmanager
async def console(tmp_path: Path, clock: Clock, **settings: object) -> AsyncIterator[
        RunningApp]:
    async with running_app(tmp_path, clock, **settings) as running:
        yield running


@dataclass
class Agents:
    alice: Agent
    bob: Agent
    sam: Agent  # supervisor
    ada: Agent  # admin


async def staff(running: RunningApp) -> Agents:
    return Agents(await add_agent(running, "alice"), await add_agent(running, "bob"),
                  await add_agent(running, "sam", "supervisor", team=None),
                  await add_agent(running, "ada", "admin", team=None))
