"""Business hours: when people are at the desk, in the service's time zone.

Written like "Mon-Fri 09:00-18:00" or, for several spans, "Mon-Fri 09:00-18:00; Sat
10:00-14:00"; "Mon-Sun 00:00-24:00" (the default) means always open. Wall-clock times are
read in the configured IANA zone, so opening hours follow daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "Mon-Sun 00:00-24:00"

_SPAN = re.compile(
    r"^(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})$")
# Far enough to cross a closed week and a holiday fortnight, near enough to stop on a bad
# table.
_SEARCH_DAYS = 31


@dataclass(frozen=True, slots=True)
class BusinessHours:
    # For each weekday (0 = Monday): opening spans as minutes after local midnight.
    week: tuple[tuple[tuple[int, int], ...], ...]
    tz: ZoneInfo
    # Whole local days the desk is shut whatever the weekday says (holidays).
    closed: frozenset[date] = frozenset()

    @property
    def always(self) -> bool:
        return not self.closed and all(day == ((0, 1440),) for day in self.week)

    def _windows(self, start: datetime) -> list[tuple[datetime, datetime]]:
        """Open windows (UTC) from the local day of `start` on, merged across midnight."""
        local_day = start.astimezone(self.tz).date()
        out: list[tuple[datetime, datetime]] = []
        for offset in range(_SEARCH_DAYS):
            day = local_day + timedelta(days=offset)
            if day in self.closed:
                continue
            for a, b in self.week[day.weekday()]:
                lo = _at(day, a, self.tz)
                hi = _at(day, b, self.tz)
                if out and out[-1][1] >= lo:  # 18:00-24:00 then 00:00-…: one window
                    out[-1] = (out[-1][0], max(out[-1][1], hi))
                else:
                    out.append((lo, hi))
        return out

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        return any(a <= moment < b for a, b in self._windows(moment - timedelta(days=1)))

    def next_opening(self, moment: datetime) -> datetime | None:
        """When people are next at the desk; None when they are there now (or never are)."""
        if self.always or self.is_open(moment):
            return None
        return next((a for a, _ in self._windows(moment) if a > moment), None)

    def add(self, start: datetime, delta: timedelta) -> datetime:
        """`start` plus `delta` of open time: a promise made at 17:30 for one hour, with the
        desk closing at 18:00, falls due at 09:30 on the next open day."""
        if self.always:
            return start + delta
        left = delta
        at = start
        while True:
            windows = [(a, b) for a, b in self._windows(at - timedelta(days=1)) if b > at]
            if not windows:
                return at + left  # no opening hours at all: plain time is the only answer
            for a, b in windows:
                at = max(at, a)
                if at + left <= b:
                    return at + left
                left -= b - at
                at = b


    def open_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) the desk was open: a first answer at 09:30 on Monday to
        a case filed at 17:30 on Friday took one business hour (desk closing at 18:00)."""
        if end <= start:
            return timedelta(0)
        if self.always:
            return end - start
        total = timedelta(0)
        at = start
        while at < end:
            windows = [(a, b) for a, b in self._windows(at - timedelta(days=1)) if b > at]
            if not windows:
                return total
            for a, b in windows:
                lo, hi = max(a, at), min(b, end)
                if lo < hi:
                    total += hi - lo
                at = b
                if at >= end:
                    break
        return total


def parse_hours(text: str, timezone: str = "UTC") -> BusinessHours:
    """Read BUSINESS_HOURS; ValueError with a plain message when it cannot be read."""
    tz = ZoneInfo(timezone)
    week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    spans = [s.strip() for s in re.split(r"[;,]", text.strip().lower()) if s.strip()]
    if not spans:
        raise ValueError(f"no opening hours in {text!r}; write e.g. {ALWAYS!r}")
    for span in spans:
        m = _SPAN.match(span)
        if m is None:
            raise ValueError(f"cannot read {span!r}; write e.g. 'Mon-Fri 09:00-18:00'")
        d1, d2 = m["d1"], m["d2"] or m["d1"]
        if d1 not in DAYS or d2 not in DAYS:
            raise ValueError(f"unknown day in {span!r}; use Mon Tue Wed Thu Fri Sat Sun")
        a = int(m["h1"]) * 60 + int(m["m1"])
        b = int(m["h2"]) * 60 + int(m["m2"])
        if int(m["m1"]) > 59 or int(m["m2"]) > 59 or a >= 1440 or b > 1440 or a >= b:
            raise ValueError(f"bad times in {span!r}: opening must come before closing, "
                             "within 00:00-24:00")
        i, j = DAYS.index(d1), DAYS.index(d2)
        for day in (range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]):
            week[day].append((a, b))
    return week_hours(week, tz)


def week_hours(week: list[list[tuple[int, int]]], tz: ZoneInfo,
               closed: frozenset[date] = frozenset()) -> BusinessHours:
    """Opening hours from each weekday's spans (minutes after midnight), touching or
    overlapping spans of a day merged."""
    merged: list[tuple[tuple[int, int], ...]] = []
    for spans_of_day in week:
        out: list[tuple[int, int]] = []
        for a, b in sorted(spans_of_day):
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        merged.append(tuple(out))
    return BusinessHours(tuple(merged), tz, closed)


def _at(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local wall-clock `minutes` after midnight of `day`, as UTC (24:00 is next midnight)."""
    if minutes >= 1440:
        return _at(day + timedelta(days=1), minutes - 1440, tz)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC)
