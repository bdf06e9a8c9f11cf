"""The case-first console in headless Chromium: the keys (j/k/Enter through the queue, t
takes, r and n go to the reply and note boxes, ? opens the help), a phone-sized screen where
the reply box is reachable, and times in the service zone."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from tests import browser_support
from tests.conftest import Clock
from tests.console_support import ConsoleClient, console, escalate, staff
from tests.e2e_support import RunningApp
from tests.test_console_browser import logged_in
from tests.test_console_case import closed_and_rated, new_complaint

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# README's pictures are refreshed on request only (HEARD_UPDATE_SCREENSHOT=1).
SHOTS = ROOT / "docs" if os.environ.get("HEARD_UPDATE_SCREENSHOT") else ARTIFACTS
ZONE = "Asia/Taipei"


@pytest.fixture
def clock() -> Clock:
    # The page's ticker counts from the browser's clock: the service's starts at real time.
    return Clock(datetime.now(UTC).replace(second=0, microsecond=0))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with browser_support.chromium() as b:
        yield b


@pytest.fixture
async def running(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with console(tmp_path, clock, HEARD_TIMEZONE=ZONE) as app:
        await staff(app)
        yield app


async def queue_of_three(running: RunningApp, clock: Clock) -> list[str]:
    numbers = []
    for chat, text in (("5001", "The parcel never came"),
                       ("5002", "The heater caught fire and burned my hand"),
                       ("5003", "I was charged twice for order 88231")):
        numbers.append((await escalate(running, chat_id=chat, text=text))[1])
        clock.advance(minutes=7)
    return numbers


async def test_keys_move_through_the_queue_and_work_a_ticket(
        browser: Browser, running: RunningApp, clock: Clock) -> None:
    await queue_of_three(running, clock)
    errors: list[str] = []
    page = await logged_in(browser, running, "alice", errors)
    await page.goto(running.url("/console?team=all&sort=waited"))
    rows = page.locator("#queue-table tbody tr")
    await expect(rows).to_have_count(3)
    await page.keyboard.press("j")
    await expect(rows.nth(0)).to_have_class("p3 current")
    await expect(rows.nth(0).locator("a")).to_be_focused()
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await page.keyboard.press("j")  # the last row stays the last
    await expect(rows.nth(2)).to_have_class("p3 current")
    await page.keyboard.press("k")
    await expect(rows.nth(1)).to_have_class("p1 current")
    second = await rows.nth(1).get_attribute("data-ticket")
    assert second
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_contain_text(second)

    # t takes the ticket; r and n go to the reply and note boxes.
    await page.keyboard.press("t")
    await expect(page.locator(".flash")).to_have_text(f"alice took {second}.")
    await page.keyboard.press("r")
    reply = page.locator("#reply-text")
    await expect(reply).to_be_focused()
    await page.keyboard.type("just typing: j k t n ?")  # keys are text in a box
    await expect(reply).to_have_value("just typing: j k t n ?")
    await expect(page.locator("#keys-help")).not_to_be_visible()
    await page.keyboard.press("Escape")  # leaves the box
    await page.keyboard.press("n")
    await expect(page.locator("#note-text")).to_be_focused()
    await page.keyboard.press("Escape")

    # ? opens the help over the page; Esc closes it and gives the focus back.
    await page.locator("#holder").click()
    await page.keyboard.press("?")
    help_box = page.get_by_role("dialog", name="Keyboard")
    await expect(help_box).to_be_visible()
    await expect(help_box).to_contain_text("take the ticket")
    await page.keyboard.press("Escape")
    await expect(help_box).not_to_be_visible()
    await page.keyboard.press("r")
    await expect(reply).to_be_focused()
    assert errors == []


async def test_times_show_in_the_service_zone(
        browser: Browser, running: RunningApp, clock: Clock) -> None:
    _, number = await escalate(running)
    filed = clock.now.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M CST")
    clock.advance(minutes=12)
    errors: list[str] = []
    page = await logged_in(browser, running, "alice", errors)
    await page.goto(running.url("/console?team=all"))
    await expect(page.locator(".zone")).to_have_text(f"times in {ZONE}")
    waited = page.locator("#queue-table td[data-label='Waited'] time")
    await expect(waited).to_have_text("12 min")
    await expect(waited).to_have_attribute("title", filed)
    await page.goto(running.url(f"/console/tickets/{number}"))
    await expect(page.locator(".meta")).to_contain_text(f"filed {filed} (12 min ago)")
    await expect(page.locator("dl.sla")).to_contain_text("in 4 hr")
    assert "UTC" not in await page.content()
    assert errors == []


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / name), full_page=False)


async def test_a_phone_sized_screen_and_the_pictures_for_the_readme(
        browser: Browser, running: RunningApp, clock: Clock) -> None:
    agent = ConsoleClient(running)
    await agent.login("alice")
    first = await closed_and_rated(running, agent)
    await agent.close()
    clock.advance(days=3)
    await queue_of_three(running, clock)
    second = await new_complaint(running, "The kettle leaks all over the table, "
                                          "second one this month")
    clock.advance(minutes=18)

    errors: list[str] = []
    page = await logged_in(browser, running, "alice", errors)
    await page.set_viewport_size({"width": 1280, "height": 860})
    await page.goto(running.url("/console?team=all"))
    await page.keyboard.press("j")
    await shoot(page, "screenshot-console-queue.png")
    await page.goto(running.url(f"/console/tickets/{second}"))
    await page.get_by_role("button", name=f"Take {second}").click()
    await expect(page.locator("#holder")).to_have_text("alice")
    await expect(page.locator(".customer-panel")).to_contain_text("★ 4/5 — solved")
    await expect(page.locator(".customer-panel")).to_contain_text(first)
    await shoot(page, "screenshot-console-ticket.png")

    # A phone: one column, nothing wider than the screen, the reply box one tap away.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(running.url(f"/console/tickets/{second}"))
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await page.get_by_role("link", name="to reply and act").click()
    reply = page.locator("#reply-text")
    await expect(reply).to_be_in_viewport()
    await reply.fill("Sorry about the kettle: a new one is on its way.")
    await page.screenshot(path=str(ARTIFACTS / "console-ticket-phone.png"))
    await page.goto(running.url("/console?team=all"))
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await expect(page.locator("#queue-table tbody tr").first).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "console-queue-phone.png"))
    assert errors == []
