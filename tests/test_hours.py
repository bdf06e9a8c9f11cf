"""Business hours: reading BUSINESS_HOURS, opening times, and promises counted in open time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.core import Core, open_core
from dialogs.hours import ALWAYS, parse_hours
from storage.clock import utc
from storage.schema import tickets
from tests.conftest import Clock, Customer, make_settings

SHANGHAI = "Asia/Shanghai"  # UTC+8, no daylight saving
# Friday 27 November 2026, 18:30 in Shanghai.
FRIDAY_EVENING = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time, in UTC."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


def test_the_default_is_always_open() -> None:
    hours = parse_hours(ALWAYS, SHANGHAI)
    assert hours.always and hours.is_open(FRIDAY_EVENING)
    assert hours.next_opening(FRIDAY_EVENING) is None
    assert hours.add(FRIDAY_EVENING, timedelta(hours=5)) == FRIDAY_EVENING + timedelta(hours=5)


def test_weekday_hours() -> None:
    hours = parse_hours("Mon-Fri 09:00-18:00", SHANGHAI)
    assert not hours.always
    assert hours.is_open(local(2026, 11, 27, 17, 59))
    assert not hours.is_open(local(2026, 11, 27, 18, 0))
    assert not hours.is_open(local(2026, 11, 28, 12))  # Saturday
    assert hours.next_opening(FRIDAY_EVENING) == local(2026, 11, 30, 9)  # Monday
    assert hours.next_opening(local(2026, 11, 24, 7)) == local(2026, 11, 24, 9)  # later today
    assert hours.next_opening(local(2026, 11, 24, 10)) is None  # open now


def test_promises_count_open_time_only() -> None:
    hours = parse_hours("Mon-Fri 09:00-18:00", SHANGHAI)
    # An hour asked for at 17:30 on Friday: half an hour then, half an hour on Monday.
    assert hours.add(local(2026, 11, 27, 17, 30), timedelta(hours=1)) == local(2026, 11, 30,
                                                                                9, 30)
    # Asked for on Saturday: the clock starts when the desk opens.
    assert hours.add(local(2026, 11, 28, 11), timedelta(minutes=15)) == local(2026, 11, 30,
                                                                                9, 15)
    # A day of 24 hours is almost three working days of nine.
    assert hours.add(local(2026, 11, 24, 9), timedelta(hours=24)) == local(2026, 11, 26, 15)


def test_several_spans_and_spans_across_midnight() -> None:
    hours = parse_hours("Mon-Fri 09:00-12:00; Mon-Fri 13:00-18:00, Sat 10:00-14:00", SHANGHAI)
    assert not hours.is_open(local(2026, 11, 24, 12, 30))  # lunch
    assert hours.next_opening(local(2026, 11, 24, 12, 30)) == local(2026, 11, 24, 13)
    assert hours.next_opening(FRIDAY_EVENING) == local(2026, 11, 28, 10)  # Saturday
    night = parse_hours("Mon-Sun 22:00-24:00; Mon-Sun 00:00-02:00", SHANGHAI)
    assert night.is_open(local(2026, 11, 25, 1))
    assert night.add(local(2026, 11, 24, 23), timedelta(hours=2)) == local(2026, 11, 25, 1)


def test_wall_clock_follows_daylight_saving() -> None:
    hours = parse_hours("Mon-Fri 09:00-18:00", "Europe/London")
    # Friday 27 March 2026 (GMT) → Monday 30 March (BST, UTC+1): 09:00 local is 08:00 UTC.
    assert hours.next_opening(datetime(2026, 3, 27, 19, tzinfo=UTC)) == datetime(
        2026, 3, 30, 8, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "weekdays", "Mon-Fri 9-18", "Mon-Fri 18:00-09:00",
                                 "Mon-Xyz 09:00-18:00", "Mon 09:00-25:00", "Mon 09:75-10:00"])
def test_unreadable_hours_say_what_is_wrong(bad: str) -> None:
    with pytest.raises(ValueError, match=r"(?i)hours|read|day|times"):
        parse_hours(bad)


@pytest.fixture
async def office(sqlite_url: str) -> AsyncIterator[tuple[Core, Clock]]:
    clock = Clock(FRIDAY_EVENING)
    settings = make_settings(sqlite_url, BUSINESS_HOURS="Mon-Fri 09:00-18:00",
                             HEARD_TIMEZONE=SHANGHAI)
    async with open_core(settings, clock=clock) as core:
        yield core, clock


async def test_after_hours_the_customer_hears_when_the_team_is_back(
        office: tuple[Core, Clock]) -> None:
    core, _ = office
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.says("human")
    assert c.templates[-2:] == ["handoff", "hours.closed"]
    assert "back at 09:00 on Monday 30 November (Beijing time)" in c.text
    assert "Asia/" not in c.text
    # P3 promises four hours of open time: Monday 13:00 in Shanghai, not Friday 22:30.
    assert "by Mon 30 Nov, 13:00 Beijing time" in c.text
    async with core.store.read_engine.connect() as conn:
        due = (await conn.execute(sa.select(tickets.c.first_response_due))).scalar_one()
    assert utc(due) == local(2026, 11, 30, 13)


async def test_after_hours_in_chinese(office: tuple[Core, Clock]) -> None:
    core, _ = office
    cn = Customer(core, "2001", language_code="zh-hans")
    await cn.says("我的快递一直没到")
    await cn.says("转人工")
    assert "11月30日（周一）09:00（北京时间）" in cn.text
    tw = Customer(core, "2002", language_code="zh-hant")
    await tw.says("我的包裹一直沒有送到")
    await tw.says("轉人工")
    assert "11月30日（週一）09:00（北京時間）" in tw.text
    assert "Asia/" not in cn.text + tw.text  # the zone in words, never its identifier


async def test_during_hours_nothing_extra_is_said(office: tuple[Core, Clock]) -> None:
    core, clock = office
    clock.now = local(2026, 11, 30, 10)  # Monday morning
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.says("human")
    assert c.templates[-1] == "handoff" and "hours.closed" not in c.templates
    assert "by Mon 30 Nov, 14:00" in c.text
