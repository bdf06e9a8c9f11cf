"""Business hours: reading BUSINESS_HOURS, opening times, and promises counted in open time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs.hours import ALWAYS, parse_hours

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
    with pytest.raises(ValueError, match="(?i)hours|read|day|times"):
        parse_hours(bad)
