"""The /chat page in a real headless Chromium, against the in-memory turn stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Error,
    Locator,
    Page,
    expect,
)

from handlers.channels.webchat.keys import WEBCHAT_OUTPUT
from tests import browser_support
from tests.test_webchat import EchoTurns, make_app

ARTIFACTS = Path(__file__).parent / "artifacts"


def test_missing_chromium_fails_on_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="make browser"):
        browser_support.require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        browser_support.require_chromium()


@dataclass
class Served:
    base_url: str
    turns: EchoTurns
    app: web.Application


@dataclass
class Watched:
    page: Page
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


async def serve(turns: EchoTurns, **options: Any) -> tuple[web.AppRunner, Served]:
    app = make_app(turns, **options)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, Served(f"http://{host}:{port}", turns, app)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    runner, info = await serve(EchoTurns())
    yield info
    await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with browser_support.chromium() as b:
        yield b


async def open_page(browser: Browser, url: str, **context: Any) -> Watched:
    page = await (await browser.new_context(**context)).new_page()
    watched = Watched(page)

    async def on_dialog(dialog: Dialog) -> None:
        watched.dialogs.append(dialog.message)
        await dialog.dismiss()

    # CSP violations, failed loads and script errors all land in console_errors.
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)

    def on_page_error(error: Error) -> None:
        watched.console_errors.append(str(error))

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    await page.goto(url)
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    return watched


async def send(page: Page, text: str) -> None:
    await page.locator("#input").fill(text)
    await page.locator("#input").press("Enter")


def bot_bubbles(page: Page) -> Locator:
    return page.locator(".from-bot .bubble")


async def test_type_a_message_and_see_the_reply(browser: Browser, served: Served) -> None:
    # The root redirects to /chat.
    w = await open_page(browser, served.base_url + "/", locale="zh-CN")
    page = w.page
    await expect(page).to_have_title("heard — customer care")
    await send(page, "My parcel never arrived")

    # The page's own words follow the browser's language; the customer's stay as typed.
    await expect(page.locator("#status")).to_have_text("在线")
    await expect(page.locator("#send")).to_have_text("发送")
    await expect(page.locator(".from-me .bubble")).to_have_text("我：My parcel never arrived")
    await expect(bot_bubbles(page)).to_have_text("heard: got: My parcel never arrived")
    await expect(page.locator(".from-me.pending")).to_have_count(0)  # acknowledged
    await expect(page.locator("#input")).to_have_value("")
    assert [i.text for i in served.turns.inbounds] == ["My parcel never arrived"]
    assert served.turns.inbounds[0].language_code == "zh-CN"  # from navigator.language
    assert w.console_errors == []


async def test_shift_enter_makes_a_new_line(browser: Browser, served: Served) -> None:
    page = (await open_page(browser, served.base_url + "/chat")).page
    box = page.locator("#input")
    await box.type("line one")
    await box.press("Shift+Enter")
    await box.type("line two")
    await expect(box).to_have_value("line one\nline two")
    await box.press("Enter")
    await expect(bot_bubbles(page)).to_have_text("heard: got: line one\nline two")


async def test_click_a_button(browser: Browser, served: Served) -> None:
    w = await open_page(browser, served.base_url + "/chat")
    page = w.page
    await send(page, "hello")
    await page.get_by_role("button", name="No, thanks").click()

    await expect(bot_bubbles(page).nth(1)).to_have_text("heard: pressed: no")
    assert served.turns.inbounds[-1].callback_data == "no"
    # The customer's side shows the label; the first message's buttons are now stale.
    await expect(page.locator(".from-me .bubble").nth(1)).to_have_text("You: No, thanks")
    first_choices = page.locator(".from-bot").nth(0).get_by_role("button")
    for n in range(2):
        await expect(first_choices.nth(n)).to_be_disabled()
    await expect(page.locator(".from-bot").nth(1).get_by_role("button").first).to_be_enabled()
    assert w.console_errors == []


async def test_reload_shows_the_history(browser: Browser, served: Served) -> None:
    page = (await open_page(browser, served.base_url + "/chat")).page
    await send(page, "first")
    await expect(bot_bubbles(page)).to_have_count(1)
    await send(page, "second")
    await expect(bot_bubbles(page)).to_have_count(2)

    await page.reload()
    await expect(page.locator("#status")).to_have_text("Online")
    await expect(page.locator(".msg .bubble")).to_have_text(
        ["You: first", "heard: got: first", "You: second", "heard: got: second"]
    )
    # Only the last bot message's buttons are live after the reload.
    await expect(page.locator(".choices button:enabled")).to_have_count(2)
    await page.locator(".from-bot").nth(1).get_by_role("button", name="Yes").click()
    await expect(bot_bubbles(page).nth(2)).to_have_text("heard: pressed: yes")
    assert len(served.turns.inbounds) == 3


async def test_markup_typed_by_the_customer_stays_text(browser: Browser, served: Served) -> None:
    w = await open_page(browser, served.base_url + "/chat")
    page = w.page
    payload = "<img src=x onerror=alert(1)>"
    await send(page, payload)

    await expect(page.locator(".from-me .bubble")).to_have_text(f"You: {payload}")
    await expect(bot_bubbles(page)).to_have_text(f"heard: got: {payload}")
    assert await page.locator("img").count() == 0
    await page.reload()  # and again when it comes back from the transcript
    await expect(bot_bubbles(page)).to_have_text(f"heard: got: {payload}")
    assert await page.locator("img").count() == 0
    assert w.dialogs == []
    assert served.turns.inbounds[0].text == payload


async def test_reconnects_after_the_connection_drops(browser: Browser, served: Served) -> None:
    page = (await open_page(browser, served.base_url + "/chat")).page
    await send(page, "before the drop")
    await expect(bot_bubbles(page)).to_have_count(1)

    await served.app[WEBCHAT_OUTPUT].close_all()
    await expect(page.locator("#status")).to_have_text("Online", timeout=10_000)
    await send(page, "after the drop")
    await expect(bot_bubbles(page).nth(1)).to_have_text("heard: got: after the drop")


async def test_too_long_text_is_kept_in_the_box(browser: Browser) -> None:
    runner, served = await serve(EchoTurns(), max_message_chars=20)
    try:
        page = (await open_page(browser, served.base_url + "/chat")).page
        await send(page, "x" * 21)
        await expect(page.locator("#notice")).to_have_text(
            "Message too long (max 20 characters), please shorten it."
        )
        await expect(page.locator("#input")).to_have_value("x" * 21)
        assert served.turns.inbounds == []
    finally:
        await runner.cleanup()


async def test_screenshot(browser: Browser, served: Served) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    w = await open_page(browser, served.base_url + "/chat", viewport={"width": 900, "height": 720})
    page = w.page
    await send(page, "Hi, my order #1042 arrived broken. <b>Not</b> happy!")
    await expect(bot_bubbles(page)).to_have_count(1)
    await page.get_by_role("button", name="Yes").click()
    await expect(bot_bubbles(page)).to_have_count(2)
    await page.locator("#input").fill("Here is a longer note\nwith two lines")
    await page.screenshot(path=str(ARTIFACTS / "webchat.png"))

    await page.set_viewport_size({"width": 390, "height": 720})
    await page.screenshot(path=str(ARTIFACTS / "webchat-mobile.png"))
    assert w.console_errors == []
