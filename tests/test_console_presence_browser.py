"""Presence and display names in headless Chromium against the composed app: two agents open
one ticket and each sees the other (and that the other is typing); the supervisors' page
shows who is on what; a reply being written is warned when another agent's arrives; the
customer's web chat shows the agent's display name, not their login, on the reply sent from
the console."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from storage.agents import AgentStore
from tests import browser_support
from tests.conftest import Clock
from tests.console_support import console, staff
from tests.e2e_support import RunningApp
from tests.test_console_browser import logged_in

pytestmark = pytest.mark.browser

TICKET = re.compile(r"C-\d{8}-\d{4}")
SOON = 5000  # ms: "within a few seconds"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with browser_support.chromium() as b:
        yield b


@pytest.fixture
async def running(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with console(tmp_path, clock, WEB_SECRET="presence-browser-0123456789abcdef") as app:
        await staff(app)
        yield app


async def customer_page(browser: Browser, running: RunningApp) -> tuple[Page, str]:
    page = await (await browser.new_context(locale="zh-TW")).new_page()
    await page.goto(running.url("/chat"))
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    for text in ("我的包裹一直沒有送到，已經兩個星期了", "我要找真人客服"):
        bots = page.locator(".from-bot")
        before = await bots.count()
        await page.locator("#input").fill(text)
        await page.locator("#input").press("Enter")
        await expect(bots).not_to_have_count(before)
    await expect(page.locator(".from-bot .bubble").last).to_contain_text("C-")
    found = TICKET.search(" ".join(await page.locator(".from-bot .bubble").all_text_contents()))
    assert found, "no ticket number in the handoff"
    return page, found.group(0)


async def test_two_agents_on_one_ticket_see_each_other_and_the_customer_sees_a_display_name(
        browser: Browser, running: RunningApp) -> None:
    await AgentStore(running.core.store.engine).set_display_name("alice", "林小姐")
    chat, number = await customer_page(browser, running)
    errors: list[str] = []
    alice = await logged_in(browser, running, "alice", errors)
    bob = await logged_in(browser, running, "bob", errors)
    sam = await logged_in(browser, running, "sam", errors)

    await alice.goto(running.url(f"/console/tickets/{number}"))
    await expect(alice.locator("#live")).to_have_attribute("data-state", "live")
    await bob.goto(running.url(f"/console/tickets/{number}"))
    await expect(bob.locator("#presence")).to_have_text("Also here: alice (viewing)",
                                                        timeout=SOON)
    await expect(alice.locator("#presence")).to_have_text("Also here: bob (viewing)",
                                                          timeout=SOON)
    # The supervisors' page sees both on it, and updates itself.
    await sam.goto(running.url("/console/agents"))
    await expect(sam.locator("tr", has_text="bob").locator("td.viewing")).to_contain_text(
        number)

    await alice.get_by_role("button", name=f"Take {number}").click()
    await expect(alice.locator(".flash")).to_have_text(f"alice took {number}.")
    await expect(bob.locator("#presence")).to_have_text("Also here: alice (viewing)",
                                                        timeout=SOON)
    await alice.get_by_label("Reply to the customer").press_sequentially("您好")
    await expect(bob.locator("#presence")).to_have_text("Also here: alice (typing a reply)",
                                                        timeout=SOON)
    await expect(sam.locator("tr", has_text="alice").locator("td.viewing")).to_contain_text(
        "(typing)", timeout=SOON)
    ARTIFACTS.mkdir(exist_ok=True)
    await bob.screenshot(path=str(ARTIFACTS / "console-presence.png"))
    # Sam, a supervisor, is writing a reply too: alice's reply makes his page warn him.
    await sam.goto(running.url(f"/console/tickets/{number}"))
    await sam.get_by_label("Reply to the customer").fill("我來看看")
    await alice.get_by_label("Reply to the customer").fill("您好，我是客服，正在為您查詢包裹。")
    await alice.get_by_role("button", name="Send").click()
    await expect(sam.locator("#crossed")).to_contain_text("changed while you were writing",
                                                          timeout=SOON)
    await expect(sam.locator("#transcript")).to_contain_text("正在為您查詢包裹")
    await expect(alice.locator(".flash")).to_contain_text("Sent to the customer")

    # The customer sees the display name above the agent's words, never the login.
    agent_msg = chat.locator(".from-agent")
    await expect(agent_msg).to_have_count(1, timeout=SOON)
    await expect(agent_msg.locator(".sender-name")).to_have_text("林小姐")
    await expect(agent_msg.locator(".bubble")).to_have_text("您好，我是客服，正在為您查詢包裹。")
    await expect(chat.locator("body")).not_to_contain_text("alice")

    # Bob leaves: alice's page says so at once (and sam stopped typing a while ago).
    await bob.close()
    await expect(alice.locator("#presence")).to_have_text("Also here: sam (viewing)",
                                                          timeout=SOON + 5000)
    assert errors == []
