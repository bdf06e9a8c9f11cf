"""The studio in headless Chromium, as an admin uses it: log in, edit the English greeting and
watch the live preview, publish, and a fresh web chat opens with the new greeting without a
restart; roll back, and the next one opens with the old greeting."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, expect

from tests import browser_support
from tests.conftest import Clock
from tests.console_support import PASSWORD, add_agent
from tests.e2e_support import RunningApp, running_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SHOT = (ROOT / "docs" / "screenshot-studio.png" if os.environ.get("HEARD_UPDATE_SCREENSHOT")
        else ARTIFACTS / "studio-template.png")
NEW = "Hi{% if name %} {{ name }}{% endif %}! Acme care here. What went wrong?"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, Clock(datetime(2026, 11, 24, 9, tzinfo=UTC))) as running:
        await add_agent(running, "ada", "admin", team=None)
        yield running


async def chat_greeting(browser: Browser, running: RunningApp) -> str:
    """What a new visitor (no cookie yet) is greeted with when the web chat opens."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(running.url("/chat"))
    first = page.locator(".from-bot .bubble").first
    await expect(first).to_be_visible()
    said = await first.inner_text()
    await context.close()
    return said


@pytest.mark.browser
async def test_an_admin_changes_the_greeting_live_and_rolls_it_back(
        served: RunningApp) -> None:
    errors: list[str] = []
    async with browser_support.chromium() as browser:
        admin = await (await browser.new_context()).new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(message.text)

        admin.on("console", on_console)
        before = await chat_greeting(browser, served)
        assert "customer care" in before

        await admin.goto(served.url("/admin/templates"))
        await admin.get_by_label("Name").fill("ada")
        await admin.get_by_label("Password").fill(PASSWORD)
        await admin.get_by_role("button", name="Log in").click()
        await expect(admin.locator("h1")).to_have_text("Templates")
        await admin.get_by_role("link", name="greet", exact=True).click()
        source = admin.get_by_label("en · neutral")
        await source.fill(NEW)
        # The live preview renders the draft text with the sample name as it is typed.
        await expect(admin.locator("output.preview").first).to_have_text(
            "Hi Li Wei! Acme care here. What went wrong?")
        await admin.get_by_role("button", name="Save in the draft").click()
        await expect(admin.locator(".flash")).to_contain_text("Saved in the draft")
        ARTIFACTS.mkdir(exist_ok=True)
        await admin.set_viewport_size({"width": 1100, "height": 900})
        await admin.screenshot(path=str(SHOT))
        assert await chat_greeting(browser, served) == before  # the draft is nobody's

        await admin.get_by_role("link", name="Draft & publish").click()
        await expect(admin.locator("table.changes")).to_contain_text("templates/greet/en/neutral")
        await admin.get_by_label("Why (shown in the versions list)").fill("A warmer greeting")
        await admin.get_by_role("button", name="Publish as version 2").click()
        await expect(admin.locator(".flash")).to_contain_text("Published as version 2")
        assert "Acme care here" in await chat_greeting(browser, served)

        await admin.goto(served.url("/admin/versions/1"))
        await admin.get_by_role("button", name="Roll back").click()
        await expect(admin.locator(".flash")).to_contain_text("brings back version 1")
        assert await chat_greeting(browser, served) == before
    assert errors == []
