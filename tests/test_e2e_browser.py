"""The real application's /chat page in headless Chromium: a whole complaint to a ticket
number, typed and clicked as a customer would, against create_app with a SQLite file."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.async_api import Browser, ConsoleMessage, Error, Page, expect

from storage.schema import tickets
from tests.browser_support import chromium
from tests.conftest import Clock
from tests.e2e_support import RunningApp, running_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# The README's picture is refreshed only on request (HEARD_UPDATE_SCREENSHOT=1), so a test run
# leaves the checkout as it found it.
README_SHOT = (ROOT / "docs" / "screenshot-webchat.png"
               if os.environ.get("HEARD_UPDATE_SCREENSHOT") else ARTIFACTS / "e2e-chat-full.png")
TICKET = re.compile(r"C-20261124-\d{4}")
STORY = "My parcel never arrived. The courier says it was delivered, but it wasn't."
GREETING = ("Hello, this is heard customer care. I'm here to help. What happened? Tell me in "
            "your own words — you can send several messages.")


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, clock,
                           WEB_SECRET="e2e-browser-secret-0123456789abcdef") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


class Tab:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(message.text)

        def on_page_error(error: Error) -> None:
            self.errors.append(str(error))

        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    async def online(self) -> None:
        await expect(self.page.locator("#status")).to_have_text("Online")

    async def _turn(self, act: str, value: str) -> str:
        """Type or click, then wait until the message is acknowledged (its replies are in:
        the server acks a turn only after sending them); returns the new bot text."""
        page = self.page
        mine = page.locator(".from-me")
        bots = page.locator(".from-bot .bubble")
        n_mine, n_bots = await mine.count(), await bots.count()
        if act == "type":
            await page.locator("#input").fill(value)
            await page.locator("#input").press("Enter")
        else:
            last_choices = page.locator(".from-bot").last.locator(".choices")
            await last_choices.get_by_role("button", name=value, exact=True).click()
        await expect(mine).to_have_count(n_mine + 1)
        await expect(page.locator(".from-me.pending")).to_have_count(0)
        await expect(bots).not_to_have_count(n_bots)
        texts = await bots.all_text_contents()
        return "\n".join(texts[n_bots:])

    async def types(self, text: str) -> str:
        return await self._turn("type", text)

    async def clicks(self, label: str) -> str:
        return await self._turn("click", label)

    async def bubbles(self) -> list[str]:
        return await self.page.locator(".msg .bubble").all_text_contents()


async def test_whole_complaint_in_the_browser_then_reload_keeps_it(
    browser: Browser, app: RunningApp
) -> None:
    context = await browser.new_context(viewport={"width": 1000, "height": 800},
                                        color_scheme="light", locale="en-US")
    tab = Tab(await context.new_page())
    page = tab.page
    await page.goto(app.url("/chat"))
    await tab.online()
    # Received at once: greeted before typing anything.
    await expect(page.locator(".msg .bubble")).to_have_text([f"heard: {GREETING}"])

    said = await tab.types(STORY)
    assert "anything else" in said.lower(), said
    assert "hello" not in said.lower(), said  # greeted once
    said = await tab.clicks("That's all")
    assert "Delivery" in said
    said = await tab.clicks("Delivery")
    assert "order number" in said.lower(), said
    said = await tab.types("JD20261118001")
    assert "when did this happen" in said.lower(), said
    said = await tab.types("last Tuesday")
    assert "what would you like us to do" in said.lower(), said
    said = await tab.clicks("Refund")
    assert "phone number" in said.lower(), said
    said = await tab.types("138 0013 8000")
    assert "let me check i have this right" in said.lower(), said
    said = await tab.clicks("Confirm")
    m = TICKET.search(said)
    assert m, said
    number = m.group(0)
    # Buttons of earlier questions are disabled; only the newest message's are live.
    live = page.locator(".choices button:enabled")
    await expect(live).to_have_count(1)
    await expect(live).to_have_text("New complaint")
    before = await tab.bubbles()
    assert before[-1].startswith("heard: ") and number in before[-1]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "e2e-chat.png"))

    await page.reload()
    await tab.online()
    await expect(page.locator(".msg .bubble")).to_have_text(before)
    await expect(page.locator(".choices button:enabled")).to_have_text(["New complaint"])

    # The README picture: tall enough that the whole conversation is on the page.
    extra = await page.evaluate(
        "() => { const l = document.getElementById('messages');"
        " return l.scrollHeight - l.clientHeight; }")
    await page.set_viewport_size({"width": 1000, "height": min(800 + int(extra) + 16, 6000)})
    await expect(page.locator(".msg").last).to_be_in_viewport()
    await expect(page.locator(".msg").first).to_be_in_viewport()
    README_SHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(README_SHOT), full_page=True)
    assert README_SHOT.stat().st_size > 20_000

    # The ticket the page announced is in the database.
    async with app.core.store.read_engine.connect() as conn:
        filed = (await conn.execute(sa.select(tickets.c.number, tickets.c.category))).all()
    assert [tuple(r) for r in filed] == [(number, "delivery")]
    assert tab.errors == []
    await context.close()


async def test_the_page_greets_in_the_browsers_language_without_typing_and_only_once(
    browser: Browser, app: RunningApp
) -> None:
    context = await browser.new_context(locale="zh-TW")
    tab = Tab(await context.new_page())
    page = tab.page
    assert await page.evaluate("() => navigator.languages[0]") == "zh-TW"
    await page.goto(app.url("/chat"))
    await expect(page.locator("#status")).to_have_text("線上")
    greeting = ("heard: 您好，這裡是heard客服。很高興為您服務。請問發生了什麼事？"
                "您可以慢慢說，分幾條訊息發也沒關係。")
    bubbles = page.locator(".msg .bubble")
    await expect(bubbles).to_have_text([greeting])

    # A reload and a second tab show the greeting as history; neither is greeted again.
    await page.reload()
    await expect(page.locator("#status")).to_have_text("線上")
    second = Tab(await context.new_page())
    await second.page.goto(app.url("/chat"))
    await expect(second.page.locator("#status")).to_have_text("線上")
    await expect(second.page.locator(".msg .bubble")).to_have_text([greeting])
    await expect(bubbles).to_have_text([greeting])

    said = await tab.types("我買的耳機壞了，才用了兩天。")
    assert "您好" not in said and "補充" in said, said
    # The other tab hears the reply (the customer's own words show in the tab they typed in).
    await expect(second.page.locator(".from-bot .bubble")).to_have_count(2)
    await expect(second.page.locator(".from-bot .bubble").first).to_have_text(greeting)
    assert tab.errors == [] and second.errors == []
    await context.close()
