"""The console's failed messages (supervisors retry or drop what the service could not
process), and the console's own limits: a chunked body past the limit, a login that does not
forgive the address's failures, agents' text cleaned before it is kept."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from dialogs.engine import DialogEngine
from dialogs.messages import Inbound
from handlers.agents.console.deps import CONSOLE
from handlers.turns.failed_retry import FAILED_RETRY
from tests.conftest import Clock, Customer, make_settings
from tests.console_support import ConsoleClient, add_agent, console, escalate, staff
from tests.e2e_support import RunningApp, start_app


@pytest.fixture
async def running(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with console(tmp_path, clock) as app:
        yield app


@pytest.fixture
async def browser(running: RunningApp) -> AsyncIterator[ConsoleClient]:
    client = ConsoleClient(running)
    yield client
    await client.close()


async def test_supervisors_see_failed_messages_and_retry_or_drop_them(
        running: RunningApp, browser: ConsoleClient, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    await staff(running)
    real_turn = DialogEngine.turn

    async def broken(self: DialogEngine, conv: Any, inbound: Inbound, desk: Any,
                     now: Any) -> Any:
        if "<b>refund</b>" in inbound.text:
            raise ValueError("cannot read the amount")
        return await real_turn(self, conv, inbound, desk, now)

    monkeypatch.setattr(DialogEngine, "turn", broken)
    a, b = Customer(running.core, "a-1"), Customer(running.core, "b-2")
    first, second = a.inbound("I want my <b>refund</b> now"), b.inbound("<b>refund</b> please")
    await a.send(first)
    await b.send(second)

    # An agent may not look; a supervisor sees both, the customer's text as text.
    await browser.login("alice")
    status, _, _ = await browser.get("/console/failed")
    assert status == 403
    supervisor = ConsoleClient(running)
    try:
        await supervisor.login("sam")
        status, body, _ = await supervisor.get("/console/failed")
        assert status == 200
        assert f"telegram:{first.update_id}" in body and f"telegram:{second.update_id}" in body
        assert "ValueError: cannot read the amount" in body
        assert "I want my &lt;b&gt;refund&lt;/b&gt; now" in body and "<b>refund</b>" not in body
        # Forms need the session's token.
        status, _, _ = await supervisor.post("/console/failed/drop",
                                             {"ref": f"telegram:{first.update_id}"}, csrf="x")
        assert status == 403
        assert len(await running.core.store.failed.listing()) == 2

        status, body, _ = await supervisor.post("/console/failed/drop",
                                                {"ref": f"telegram:{first.update_id}"})
        assert status == 200 and "is dropped" in body
        monkeypatch.setattr(DialogEngine, "turn", real_turn)  # the bug is fixed
        status, body, _ = await supervisor.post("/console/failed/retry",
                                                {"ref": f"telegram:{second.update_id}"})
        assert status == 200 and "will be tried again" in body
        status, body, _ = await supervisor.post("/console/failed/retry",
                                                {"ref": "telegram:no-such-update"})
        assert "is not a failed message" in body
    finally:
        await supervisor.close()
    assert await running.app[FAILED_RETRY].tick() == 1
    assert await running.core.store.failed.listing() == []
    # The retried one was answered by the dialog (this app has no Telegram to send it on, so
    # the answer waits in the transcript); the dropped one was never run.
    transcript = await running.core.store.transcript(b.key)
    assert [m["text"] for m in transcript if m["direction"] == "in"] == ["<b>refund</b> please"]
    assert "anything else" in transcript[-1]["text"].lower()
    assert await running.core.store.transcript(a.key) == []


async def test_a_chunked_body_past_the_limit_is_refused(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.login("alice")

    async def chunks() -> AsyncIterator[bytes]:
        yield f"csrf={browser.csrf}&text=".encode()
        for _ in range(900):
            yield b"x" * 1024

    # An async generator body is sent chunked, with no Content-Length.
    async with browser.http.post(running.url("/console/tickets/C-20261124-0001/note"),
                                 data=chunks(), headers={
                                     "Origin": running.base_url,
                                     "Content-Type": "application/x-www-form-urlencoded"}) as r:
        assert "Content-Length" not in r.request_info.headers
        assert r.status == 413


async def test_a_login_does_not_forgive_the_address(running: RunningApp, clock: Clock) -> None:
    """An attacker who owns one account must not reset the address's count by logging into
    it between guesses at other accounts."""
    await add_agent(running, "mallory")
    client = ConsoleClient(running)
    try:
        statuses = []
        for n in range(40):
            status, _, _ = await client.login(f"victim{n}", "a guessed password")
            statuses.append(status)
            if n % 4 == 3:
                await client.login("mallory")  # succeeds, and would have cleared the count
                await client.post("/console/logout")
        # An address has 30 free attempts (its own logins included), however the owned
        # account's successful logins fall between; before, each one wiped the count.
        first_wait = statuses.index(429)
        assert statuses[:first_wait] == [401] * first_wait
        assert first_wait + first_wait // 4 <= 30
    finally:
        await client.close()


async def test_an_agents_reply_keeps_nothing_the_database_cannot_hold(
        database_url: str, clock: Clock) -> None:
    running = await start_app(make_settings(
        database_url, WEB_SECRET="console-failed-web-secret-0123456789abcdef"), clock=clock)
    try:
        await staff(running)
        customer, number = await escalate(running)
        client = ConsoleClient(running)
        try:
            await client.login("alice")
            await client.post(f"/console/tickets/{number}/take")
            # NUL is what PostgreSQL refuses; a form cannot carry a lone surrogate.
            status, body, _ = await client.post(f"/console/tickets/{number}/reply",
                                                {"text": "Refund sent\x00 today"})
            assert status == 200 and "Sent to the customer" in body
        finally:
            await client.close()
        assert customer.out.texts()[-1].endswith("Refund sent today")
        transcript = await running.core.store.transcript(customer.key)
        assert transcript[-1]["text"].endswith("Refund sent today")
    finally:
        await running.stop()


async def test_the_operator_hears_of_each_step_of_a_case(
        running: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="heard.ops")
    people = await staff(running)
    _, number = await escalate(running)
    desk = running.app[CONSOLE].desk
    assert (await desk.take(people.alice, number)).ok
    assert (await desk.release(people.alice, number, team="logistics")).ok
    assert (await desk.take(people.bob, number)).ok
    assert (await desk.close(people.bob, number, "Refunded")).ok
    lines = [r.getMessage() for r in caplog.records if r.name == "heard.ops"]
    assert [line.split()[0] for line in lines] == [
        "ticket.escalated", "ticket.taken", "ticket.transferred", "ticket.taken",
        "ticket.closed"]
    assert all(f"number={number}" in line for line in lines)
