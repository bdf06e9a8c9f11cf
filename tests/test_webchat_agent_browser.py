"""In the web chat a person from the team does not look like the bot: their name above their
words, and a bubble of its own, live and after a reload (headless Chromium, the real app)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser_support import chromium
from tests.conftest import Clock
from tests.console_support import add_agent, deps
from tests.e2e_support import RunningApp, running_app

pytestmark = pytest.mark.browser

TICKET = re.compile(r"C-20261124-\d{4}")
SHOT = Path("/tmp/heard-webchat-agent.png")


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, clock,
                           WEB_SECRET="agent-browser-secret-0123456789abcdef") as running:
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


async def background(page: Page, selector: str) -> str:
    return str(await page.locator(selector).last.evaluate(
        "el => getComputedStyle(el).backgroundColor"))


@pytest.mark.parametrize(("locale", "role"), [("en-GB", "customer care team"),
                                              ("zh-TW", "客服專員")])
async def test_an_agents_message_shows_their_name_and_its_own_style(
        browser: Browser, app: RunningApp, locale: str, role: str) -> None:
    context = await browser.new_context(viewport={"width": 900, "height": 700},
                                        color_scheme="light", locale=locale)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(app.url("/chat"))
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    await types(page, "My parcel never arrived and nobody answers my emails")
    await types(page, "I want to talk to a human")
    found = TICKET.search(" ".join(await page.locator(".from-bot .bubble").all_text_contents()))
    assert found, "no ticket number in the handoff"
    number = found.group(0)

    alice = await add_agent(app, "alice")
    desk = deps(app).desk
    assert (await desk.take(alice, number)).ok
    assert (await desk.reply(alice, number, "Hello, I'm Alice. I'll find your parcel.")).ok

    agent_msg = page.locator(".from-agent")
    await expect(agent_msg).to_have_count(1)
    await expect(agent_msg.locator(".sender-name")).to_have_text("alice")
    await expect(agent_msg.locator(".sender")).to_contain_text(role)
    await expect(agent_msg.locator(".bubble")).to_have_text(
        "Hello, I'm Alice. I'll find your parcel.")
    # Not the bot's bubble: another colour, and not counted among the bot's messages.
    assert await background(page, ".from-agent .bubble") != await background(
        page, ".from-bot .bubble")
    await expect(page.locator(".from-bot", has_text="find your parcel")).to_have_count(0)
    if locale == "en-GB":
        await page.screenshot(path=str(SHOT))

    # After a reload the history still tells the agent from the bot.
    await page.reload()
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    await expect(page.locator(".from-agent .sender-name")).to_have_text("alice")
    await expect(page.locator(".from-agent .bubble")).to_have_text(
        "Hello, I'm Alice. I'll find your parcel.")
    assert errors == []
    await context.close()
