"""Report periods on the service's wall clock: boundaries far from UTC and across daylight
saving, the period before and a year earlier, and how periods are named and read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dialogs.hours import parse_hours
from dialogs.reports.periods import (
    PeriodKind,
    containing,
    local_midnight,
    parse_key,
    parse_period,
    period_at,
)

SHANGHAI = "Asia/Shanghai"  # UTC+8 all year
LONDON = "Europe/London"  # BST from 29 March 2026, 01:00 UTC


def test_a_ticket_at_23_30_on_31_march_in_shanghai_is_in_q1_and_march() -> None:
    late = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    q = period_at(PeriodKind.QUARTER, late, SHANGHAI)
    assert (q.key, q.first, q.last) == ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
    assert q.holds(late) and not q.next().holds(late)
    assert period_at(PeriodKind.MONTH, late, SHANGHAI).key == "2026-03"
    # Half an hour later it is April there, though still 31 March in UTC.
    assert period_at(PeriodKind.QUARTER, late + timedelta(minutes=30), SHANGHAI).key == "2026-Q2"
    assert period_at(PeriodKind.QUARTER, late + timedelta(minutes=30), "UTC").key == "2026-Q1"


def test_bounds_are_local_midnights_in_utc() -> None:
    march = parse_period(PeriodKind.MONTH, "2026-03", SHANGHAI)
    assert march.start_utc == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert march.end_utc == datetime(2026, 3, 31, 16, tzinfo=UTC)


def test_a_month_with_the_clocks_going_forward_is_an_hour_short() -> None:
    march = parse_period(PeriodKind.MONTH, "2026-03-15", LONDON)
    assert march.start_utc == datetime(2026, 3, 1, tzinfo=UTC)
    assert march.end_utc == datetime(2026, 3, 31, 23, tzinfo=UTC)  # midnight BST
    assert march.end_utc - march.start_utc == timedelta(days=31, hours=-1)
    october = parse_period(PeriodKind.MONTH, "2026-10", LONDON)
    assert october.end_utc - october.start_utc == timedelta(days=31, hours=1)


def test_a_midnight_the_clock_skips_starts_the_day_at_its_first_instant() -> None:
    # Santiago springs forward at 24:00 on Saturday 5 September 2026: 6 September begins at
    # 01:00 local, 04:00 UTC.
    assert local_midnight(date(2026, 9, 6), "America/Santiago") == datetime(
        2026, 9, 6, 4, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "text", "previous", "year_earlier"), [
    (PeriodKind.DAY, "2026-03-01", "2026-02-28", "2025-03-01"),
    (PeriodKind.DAY, "2028-02-29", "2028-02-28", "2027-02-28"),
    (PeriodKind.WEEK, "2026-01-01", "2025-W52", "2025-W01"),
    (PeriodKind.WEEK, "2026-W53", "2026-W52", "2025-W52"),
    (PeriodKind.MONTH, "2026-01-31", "2025-12", "2025-01"),
    (PeriodKind.QUARTER, "2026-02-10", "2025-Q4", "2025-Q1"),
    (PeriodKind.YEAR, "2026-07-04", "2025", "2025"),
])
def test_the_period_before_and_a_year_earlier(kind: PeriodKind, text: str, previous: str,
                                              year_earlier: str) -> None:
    p = parse_period(kind, text, SHANGHAI)
    assert p.previous().key == previous
    assert p.year_earlier().key == year_earlier
    assert p.previous().end == p.first


def test_keys_read_back_to_the_same_period() -> None:
    for kind in PeriodKind:
        p = containing(kind, date(2026, 3, 31), LONDON)
        assert parse_key(p.key, LONDON) == p
        assert parse_period(kind, p.key, LONDON) == p
    assert parse_key("2026-W14", LONDON).title == "Week 14, 2026 (30 Mar – 5 Apr)"
    with pytest.raises(ValueError, match="write a day"):
        parse_period(PeriodKind.MONTH, "March", LONDON)


def test_a_year_has_four_quarters_and_twelve_months() -> None:
    year = parse_key("2026", SHANGHAI)
    assert [q.key for q in year.parts(PeriodKind.QUARTER)] == [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    months = parse_key("2026-Q2", SHANGHAI).parts(PeriodKind.MONTH)
    assert [m.short for m in months] == ["Apr", "May", "Jun"]


def test_open_time_between_two_instants_counts_business_hours_only() -> None:
    hours = parse_hours("Mon-Fri 09:00-18:00", SHANGHAI)
    friday_1730 = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    monday_0930 = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
    assert hours.open_between(friday_1730, monday_0930) == timedelta(hours=1)
    assert hours.open_between(monday_0930, friday_1730) == timedelta(0)
    # A whole week: five days of nine hours.
    assert hours.open_between(monday_0930, monday_0930 + timedelta(days=7)) == timedelta(hours=45)
    always = parse_hours("Mon-Sun 00:00-24:00", SHANGHAI)
    assert always.open_between(friday_1730, monday_0930) == monday_0930 - friday_1730
