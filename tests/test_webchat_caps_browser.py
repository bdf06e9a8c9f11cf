"""What the chat page tells a customer whose socket is over a cap, in a real headless Chromium:
in their language, and either waiting for them (too many tabs) or retrying by itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from handlers.channels.webchat.caps import SocketCaps
from handlers.channels.webchat.keys import WEBCHAT_OUTPUT
from tests import browser_support
from tests.e2e_support import wait_for
from tests.test_webchat import EchoTurns
from tests.test_webchat_browser import serve

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with browser_support.chromium() as b:
        yield b


async def online(page: Page, url: str, status: str = "Online") -> Page:
    await page.goto(url)
    await expect(page.locator("#status")).to_have_text(status)
    return page


async def test_a_tab_over_the_visitors_cap_says_so_and_waits_for_the_customer(
        browser: Browser) -> None:
    runner, served = await serve(EchoTurns(), caps=SocketCaps(per_visitor=1))
    try:
        tabs = await browser.new_context(locale="zh-CN")  # one visitor: shared cookies
        first = await online(await tabs.new_page(), served.base_url + "/chat", "在线")
        second = await tabs.new_page()
        await second.goto(served.base_url + "/chat")
        notice = second.locator("#notice")
        await expect(notice).to_contain_text("此对话已在太多标签页或窗口中打开")
        await expect(second.locator("#status")).to_have_text("已断开")

        await first.close()
        await wait_for(lambda: served.app[WEBCHAT_OUTPUT].open_total == 0,
                       what="the server to see the first tab go")
        await notice.get_by_role("button", name="重新连接").click()
        await expect(second.locator("#status")).to_have_text("在线")
        await expect(notice).to_be_hidden()
    finally:
        await runner.cleanup()


async def test_a_page_turned_away_by_a_full_server_gets_in_by_itself_later(
        browser: Browser) -> None:
    runner, served = await serve(EchoTurns(), caps=SocketCaps(per_address=0, total=1))
    try:
        first = await (await browser.new_context()).new_page()
        await online(first, served.base_url + "/chat")
        waiting = await (await browser.new_context(locale="zh-TW")).new_page()
        await waiting.goto(served.base_url + "/chat")
        notice = waiting.locator("#notice")
        await expect(notice).to_have_text("目前諮詢人數較多，請稍候，我們馬上為您接通。")

        await first.close()
        await expect(waiting.locator("#status")).to_have_text("線上", timeout=20_000)
        await expect(notice).to_be_hidden()
    finally:
        await runner.cleanup()
