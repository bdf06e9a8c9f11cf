"""Promised times carry their zone in words in the customer's language, never an IANA name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import Core, open_core
from dialogs.formatting import Formatter
from dialogs.zones import zone_name
from tests.conftest import Clock, Customer, make_settings
from tests.console_support import ConsoleClient, add_agent, console, escalate
from tests.test_dialog_flow import file_delivery_complaint


@pytest.mark.parametrize(("zone", "en", "cn", "tw"), [
    ("Asia/Shanghai", "Beijing time", "北京时间", "北京時間"),
    ("Asia/Taipei", "Taiwan time", "台北时间", "台北時間"),
    ("Europe/London", "UK time", "英国时间", "英國時間"),
    ("UTC", "UTC", "UTC", "UTC"),
    ("Etc/UTC", "UTC", "UTC", "UTC"),
    # Any other zone: CLDR's localised generic name, through Babel.
    ("America/New_York", "Eastern Time", "北美东部时间", "東部時間"),
    ("Asia/Tokyo", "Japan Time", "日本时间", "日本時間"),
    ("Etc/GMT-8", "UTC+08:00", "UTC+08:00", "UTC+08:00"),  # no name: the offset
])
def test_a_zone_in_words(zone: str, en: str, cn: str, tw: str) -> None:
    assert (zone_name(zone, "en"), zone_name(zone, "zh-CN"), zone_name(zone, "zh-TW")) == (
        en, cn, tw)


class _NoTemplates:
    def render(self, name: str, locale: str) -> None:  # the time functions need none
        raise AssertionError(name)


def test_when_and_opening_in_each_locale() -> None:
    fmt = Formatter(_NoTemplates(), "Europe/London")  # type: ignore[arg-type]
    summer = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)  # BST: 09:00 in London
    assert fmt.when(summer, "en") == "Mon 6 Jul, 09:00 UK time"
    assert fmt.when(summer, "zh-CN") == "7月6日 09:00（英国时间）"
    assert fmt.when(summer, "zh-TW") == "7月6日 09:00（英國時間）"
    assert fmt.opening(summer, "en") == "09:00 on Monday 6 July"
    assert fmt.opening(summer, "zh-CN") == "7月6日（周一）09:00"
    assert fmt.opening(summer, "zh-TW") == "7月6日（週一）09:00"
    naive = datetime(2026, 11, 30, 9, 0)  # stored without a zone: it is UTC
    assert fmt.when(naive, "en") == "Mon 30 Nov, 09:00 UK time"
    assert fmt.when(None, "en") == ""


@asynccontextmanager
async def _core(url: str, zone: str | None) -> AsyncIterator[Core]:
    settings = make_settings(url, **({"HEARD_TIMEZONE": zone} if zone else {}))
    async with open_core(settings, clock=Clock()) as core:
        yield core


async def test_a_filed_ticket_in_english_promises_in_uk_time(sqlite_url: str) -> None:
    async with _core(sqlite_url, "Europe/London") as core:
        c = Customer(core)
        await file_delivery_complaint(c)
        assert c.templates[-1] == "filed"
        # 24 h from Tuesday 09:30 UTC; London is on GMT in November.
        assert "by Wed 25 Nov, 09:30 UK time" in c.text


async def test_the_default_zone_is_said_as_utc(sqlite_url: str) -> None:
    async with _core(sqlite_url, None) as core:
        c = Customer(core)
        await file_delivery_complaint(c)
        assert "by Wed 25 Nov, 09:30 UTC" in c.text


@pytest.mark.parametrize(("zone", "language", "words", "promise"), [
    ("Asia/Shanghai", "zh-hans", ["我的快递一直没到", "转人工"], "11月24日 21:30（北京时间）"),
    ("Asia/Taipei", "zh-hant", ["我的包裹一直沒有送到", "轉人工"], "11月24日 21:30（台北時間）"),
    ("UTC", "zh-hans", ["我的快递一直没到", "转人工"], "11月24日 13:30（UTC）"),
])
async def test_a_ticket_handed_to_a_person_promises_in_the_customers_words(
        sqlite_url: str, zone: str, language: str, words: list[str], promise: str) -> None:
    async with _core(sqlite_url, zone) as core:
        c = Customer(core, language_code=language)
        for text in words:
            await c.says(text)
        assert "handoff" in c.templates, c.templates
        # The handoff's promise: four hours for a P3, from 09:30 UTC.
        assert promise in c.text, c.text
        assert "Asia/" not in c.text


async def test_the_console_shows_times_in_the_service_zone(tmp_path: Path) -> None:
    """Agents read times in HEARD_TIMEZONE, as the customer was promised them, not in UTC."""
    async with console(tmp_path, Clock(), HEARD_TIMEZONE="Asia/Shanghai") as running:
        browser = ConsoleClient(running)
        try:
            customer, number = await escalate(running)
            await add_agent(running, "alice")
            await browser.login("alice")
            _, queue, _ = await browser.get("/console?view=open&team=all")
            assert number in queue and "2026-11-24 17:30 CST" in queue  # filed 09:30 UTC
            assert "UTC" not in queue
            await browser.post(f"/console/tickets/{number}/take")
            status, body, _ = await browser.post(f"/console/tickets/{number}/callback",
                                                 {"text": "+2h"})
            assert status == 200 and "Call-back promised" in body
            assert "· 2026-11-24 19:30 CST" in body
            # The customer hears the same moment, with the zone in their words.
            told = customer.out.sent[-1][1]
            assert told.template == "agent.callback"
            assert "Tue 24 Nov, 19:30 Beijing time" in told.text
        finally:
            await browser.close()
