"""The agents' console in a real headless Chromium against the composed app: log in, work a
ticket, and see the customer's messages arrive without a reload."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Error, Page, expect

from tests import browser_support
from tests.conftest import Clock
from tests.console_support import PASSWORD, console, escalate, staff
from tests.e2e_support import RunningApp

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# Refreshed in docs/ only on request, like the web chat's (HEARD_UPDATE_SCREENSHOT=1).
README_SHOT = (ROOT / "docs" / "screenshot-console.png"
               if os.environ.get("HEARD_UPDATE_SCREENSHOT") else ARTIFACTS / "console-ticket.png")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with browser_support.chromium() as b:
        yield b


@pytest.fixture
async def running(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with console(tmp_path, clock) as app:
        await staff(app)
        yield app


async def logged_in(browser: Browser, running: RunningApp, name: str,
                    errors: list[str]) -> Page:
    page = await (await browser.new_context()).new_page()

    # CSP violations and script errors would show here.
    def on_console(message: ConsoleMessage) -> None:
        # A refused action answers 409 on purpose (and says why in the page).
        if message.type == "error" and "status of 409" not in message.text:
            errors.append(message.text)

    def on_error(error: Error) -> None:
        errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    await page.goto(running.url("/console"))
    await expect(page).to_have_title("Log in · heard console")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator(".me")).to_contain_text(name)
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


async def test_an_agent_takes_a_case_and_talks_with_the_customer_live(
        browser: Browser, running: RunningApp) -> None:
    errors: list[str] = []
    page = await logged_in(browser, running, "alice", errors)
    await expect(page.locator(".empty")).to_contain_text("the queue is empty")

    # A new case shows up in the open queue page by itself.
    customer, number = await escalate(running)
    row = page.locator("#queue-table tr", has_text=number)
    await expect(row).to_be_visible()
    await row.get_by_role("link", name=number).click()

    await expect(page.locator("h1")).to_contain_text(number)
    await expect(page.locator("#transcript")).to_contain_text("The parcel never came")
    await page.get_by_role("button", name=f"Take {number}").click()
    await expect(page.locator(".flash")).to_have_text(f"alice took {number}.")
    await expect(page.locator("#holder")).to_have_text("alice")

    # Half a reply typed; the customer writes meanwhile: their words appear, the draft stays.
    box = page.get_by_label("Reply to the customer")
    await box.fill("Sorry about this, I am checking")
    await customer.says("Hello? Is anyone there?")
    await expect(page.locator("#transcript li.customer").last).to_contain_text(
        "Hello? Is anyone there?")
    await expect(box).to_have_value("Sorry about this, I am checking")

    await box.fill("Sorry about this, I am checking with the courier now.")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".flash")).to_have_text(f"Sent to the customer of {number}.")
    assert customer.out.sent[-1][1].text == "Sorry about this, I am checking with the courier now."
    await expect(page.locator("#transcript li.agent").last).to_contain_text(
        "alice (agent)Sorry about this, I am checking with the courier now.")

    await page.get_by_label("Internal note (never shown to the customer)").fill("Depot B")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("#events li.note")).to_contain_text("Depot B")

    README_SHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(README_SHOT), full_page=True)

    await page.get_by_label("Resolution").fill("Redelivered by courier today")
    await page.get_by_role("button", name="Close").click()
    await expect(page.locator(".status")).to_have_text("closed")
    assert [r.template for _, r in customer.out.sent[-2:]] == ["agent.closed", "feedback.solved"]
    assert errors == []


async def test_the_loser_of_a_race_to_take_is_told_who_won(
        browser: Browser, running: RunningApp) -> None:
    errors: list[str] = []
    _, number = await escalate(running)
    alice = await logged_in(browser, running, "alice", errors)
    bob = await logged_in(browser, running, "bob", errors)
    for page in (alice, bob):
        await page.goto(running.url(f"/console/tickets/{number}"))
    await alice.get_by_role("button", name=f"Take {number}").click()
    await expect(alice.locator(".flash")).to_have_text(f"alice took {number}.")
    # Bob's page updates live: the holder changes before he even clicks.
    await expect(bob.locator("#holder")).to_have_text("alice")
    await bob.get_by_role("button", name=f"Take {number}").click()
    await expect(bob.locator(".error")).to_have_text(f"{number} is already taken by alice.")
    assert errors == []


async def test_a_wrong_password_is_refused_in_the_page(
        browser: Browser, running: RunningApp) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(running.url("/console/login"))
    await page.get_by_label("Name").fill("alice")
    await page.get_by_label("Password").fill("not my password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await expect(page.get_by_label("Name")).to_have_value("alice")
