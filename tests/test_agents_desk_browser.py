"""The agents' desk in one sitting, in headless Chromium against the composed app, as issue 13
asks: a zh-TW customer writes in the web chat with their phone number; an agent (display name
林小姐, login alice) finds the ticket by that number through the header's search, answers with
a canned reply filled in zh-TW, and the customer reads it under 林小姐, never "alice"; a
second agent opens the same ticket and each sees the other; the times on the page are in the
service's zone (Asia/Taipei), with the zone shown."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from storage.agents import AgentStore
from tests.browser_support import chromium
from tests.conftest import Clock
from tests.console_support import add_agent
from tests.e2e_support import RunningApp, running_app
from tests.test_console_browser import logged_in
from tests.test_console_macros_browser import types

pytestmark = pytest.mark.browser

TICKET = re.compile(r"C-\d{8}-\d{4}")
SOON = 5000  # ms


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, clock, HEARD_TIMEZONE="Asia/Taipei",
                           WEB_SECRET="desk-browser-secret-0123456789abcdef") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def test_found_by_phone_answered_with_a_canned_reply_under_a_display_name(
        browser: Browser, app: RunningApp) -> None:
    chat = await (await browser.new_context(locale="zh-TW")).new_page()
    await chat.goto(app.url("/chat"))
    await expect(chat.locator("#status")).to_have_attribute("data-state", "online")
    await types(chat, "電鍋買回來第三天就壞了，我的手機是0912-345-678，麻煩盡快處理")
    await types(chat, "我要找真人客服")
    found = TICKET.search(" ".join(await chat.locator(".from-bot .bubble").all_text_contents()))
    assert found, "no ticket number in the handoff"
    number = found.group(0)

    await add_agent(app, "alice")
    await add_agent(app, "bob")
    await AgentStore(app.core.store.engine).set_display_name("alice", "林小姐")
    errors: list[str] = []
    alice = await logged_in(browser, app, "alice", errors)

    # The phone written another way finds the ticket.
    await alice.get_by_label("Search tickets").fill("0912 345 678")
    await alice.get_by_label("Search tickets").press("Enter")
    await alice.get_by_role("link", name=number).first.click()
    await expect(alice).to_have_url(app.url(f"/console/tickets/{number}"))

    # Times in the service's zone, the zone shown.
    page_text = await alice.locator("main").inner_text()
    assert re.search(r"\d{2}:\d{2} CST", page_text), page_text[:500]
    assert " UTC" not in page_text

    # A second agent on the ticket: each sees the other.
    bob = await logged_in(browser, app, "bob", errors)
    await bob.goto(app.url(f"/console/tickets/{number}"))
    await expect(bob.locator("#presence")).to_contain_text("alice", timeout=SOON)
    await expect(alice.locator("#presence")).to_contain_text("bob", timeout=SOON)

    await alice.get_by_role("button", name=f"Take {number}").click()
    await expect(alice.locator(".flash")).to_have_text(f"alice took {number}.")
    await alice.keyboard.press("Alt+m")
    picker = alice.get_by_label("Canned reply")
    await picker.select_option("sorry-delay")
    await picker.press("Enter")
    box = alice.get_by_label("Reply to the customer")
    await expect(box).to_have_value(re.compile("您好，很抱歉讓您久等了"))
    filled = await box.input_value()
    # Every variable filled: the ticket's number and the promised time in Taipei time.
    assert number in filled and "（台北時間）" in filled and "{" not in filled
    await alice.get_by_role("button", name="Send").click()
    await expect(alice.locator(".flash")).to_have_text(f"Sent to the customer of {number}.")

    agent_message = chat.locator(".from-agent").last
    await expect(agent_message.locator(".sender-name")).to_have_text("林小姐", timeout=SOON)
    await expect(agent_message.locator(".bubble")).to_have_text(filled)
    await expect(chat.locator("body")).not_to_contain_text("alice")
    assert errors == []
