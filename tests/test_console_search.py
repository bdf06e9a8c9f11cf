"""The console's search page over real HTTP: the header's box, tickets found by phone and by
Chinese words (a zh-TW query finding zh-CN text), snippets marked and escaped, nothing found
said so, and a login needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Clock, Customer
from tests.console_support import ConsoleClient, add_agent, console, escalate
from tests.e2e_support import RunningApp


@pytest.fixture
async def running(tmp_path: Path, clock: Clock) -> RunningApp:  # type: ignore[misc]
    async with console(tmp_path, clock, HEARD_TIMEZONE="Asia/Shanghai") as app:
        yield app


@pytest.fixture
async def browser(running: RunningApp) -> ConsoleClient:  # type: ignore[misc]
    client = ConsoleClient(running)
    yield client
    await client.close()


async def test_search_needs_a_login(running: RunningApp, browser: ConsoleClient) -> None:
    status, _, path = await browser.get("/console/search?q=parcel")
    assert (status, path) == (200, "/console/login")


async def test_found_by_phone_and_by_chinese_words_marked_and_escaped(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    _, number = await escalate(running, "1001",
                               "My parcel never came <script>alert(1)</script>, call 13800138000")
    zh = Customer(running.core, "2001", language_code="zh-hans", name="王<b>小明</b>")
    await zh.says("我在南京路门店买的电饭煲，用了两天就坏了")
    await zh.says("转人工")
    conv = await running.core.store.conversation(zh.key)
    assert conv is not None
    zh_number = conv.context["last_ticket"]
    await browser.login("alice")

    status, body, _ = await browser.get("/console")
    assert 'action="/console/search"' in body and 'for="search-q"' in body

    status, body, _ = await browser.get("/console/search", params={"q": "138 0013 8000"})
    assert status == 200
    assert f'href="/console/tickets/{number}"' in body and zh_number not in body
    assert "<mark>13800138000</mark>" in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "2026-11-24 17:30 CST" in body  # filed 09:30 UTC, shown in HEARD_TIMEZONE

    status, body, _ = await browser.get("/console/search", params={"q": "電飯煲"})
    assert f'href="/console/tickets/{zh_number}"' in body and number not in body
    assert "<mark>电饭煲</mark>" in body
    assert "王&lt;b&gt;小明&lt;/b&gt;" in body

    status, body, _ = await browser.get("/console/search", params={"q": "洗衣机 <i>"})
    assert status == 200 and "No ticket matches “洗衣机 &lt;i&gt;”" in body
    assert "<i>" not in body
