"""Canned replies in headless Chromium against the composed app: a zh-TW web chat customer,
an agent who picks a macro on the ticket page (Alt+M, Enter), sees it filled in zh-TW, edits
a word and sends it; the customer's chat shows the edited text. Then "/name" and Tab in the
empty reply box."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser_support import chromium
from tests.conftest import Clock
from tests.console_support import add_agent
from tests.e2e_support import RunningApp, running_app
from tests.test_console_browser import logged_in

pytestmark = pytest.mark.browser

TICKET = re.compile(r"C-20261124-\d{4}")


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, clock, HEARD_TIMEZONE="Asia/Taipei",
                           WEB_SECRET="macro-browser-secret-0123456789abcdef") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


async def types(page: Page, text: str) -> None:
    bots = page.locator(".from-bot")
    before = await bots.count()
    await page.locator("#input").fill(text)
    await page.locator("#input").press("Enter")
    await expect(page.locator(".from-me.pending")).to_have_count(0)
    await expect(bots).not_to_have_count(before)


async def test_an_agent_answers_a_zh_tw_customer_with_an_edited_canned_reply(
        browser: Browser, app: RunningApp) -> None:
    chat = await (await browser.new_context(locale="zh-TW")).new_page()
    await chat.goto(app.url("/chat"))
    await expect(chat.locator("#status")).to_have_attribute("data-state", "online")
    await types(chat, "我的包裹一直沒有送到，已經等了兩個星期")
    await types(chat, "轉真人")
    found = TICKET.search(" ".join(await chat.locator(".from-bot .bubble").all_text_contents()))
    assert found, "no ticket number in the handoff"
    number = found.group(0)

    await add_agent(app, "alice")
    errors: list[str] = []
    page = await logged_in(browser, app, "alice", errors)
    await page.goto(app.url(f"/console/tickets/{number}"))
    await page.get_by_role("button", name=f"Take {number}").click()
    await expect(page.locator(".flash")).to_have_text(f"alice took {number}.")

    # Alt+M goes to the picker; a choice and Enter fill the reply box, in zh-TW.
    await page.keyboard.press("Alt+m")
    picker = page.get_by_label("Canned reply")
    await expect(picker).to_be_focused()
    await picker.select_option("sorry-delay")
    await picker.press("Enter")
    box = page.get_by_label("Reply to the customer")
    await expect(box).to_be_focused()
    await expect(box).to_have_value(re.compile(r"^顧客，您好，很抱歉讓您久等了"))
    filled = await box.input_value()
    assert number in filled and "（台北時間）" in filled and filled.endswith("前回覆您。")
    await expect(page.locator("#macro-note")).to_have_text(
        "sorry-delay inserted in zh-TW: edit it, then send.")

    # A word changed before sending: the customer reads the edited text.
    edited = filled.replace("很抱歉", "真的非常抱歉")
    await box.fill(edited)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".flash")).to_have_text(f"Sent to the customer of {number}.")
    await expect(chat.locator(".from-agent .bubble").last).to_have_text(edited)

    # "/" and a name in the empty box, then Tab: that macro, in the box.
    await box.fill("/refund-on-way")
    await box.press("Tab")
    await expect(box).to_have_value(re.compile(r"^顧客，您好，您的退款（案件 "))
    assert errors == []
