"""Report periods as the desk lives them: days, weeks, months, quarters and years of the
service's wall clock (HEARD_TIMEZONE), not of UTC.

A period is a run of local days; its bounds in UTC are the local midnights that start and end
it, so a complaint filed at 23:30 on 31 March in Shanghai (15:30 UTC) is in March and in Q1,
and a month with a daylight-saving change is 743 or 745 hours long, as the clock on the wall
says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


# How a period is written in links and archive keys: 2026-03-31, 2026-W14, 2026-03, 2026-Q1, 2026.
_KEY = re.compile(r"^(?P<y>\d{4})"
                  r"(?:-(?:(?P<m>\d{2})(?:-(?P<d>\d{2}))?|W(?P<w>\d{2})|Q(?P<q>[1-4])))?$")


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    first: date  # the first local day
    timezone: str  # IANA name

    # --- where it is ------------------------------------------------------------------------
    @property
    def end(self) -> date:
        """The first local day after the period."""
        k, d = self.kind, self.first
        if k is PeriodKind.DAY:
            return d + timedelta(days=1)
        if k is PeriodKind.WEEK:
            return d + timedelta(days=7)
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[k]
        return _add_months(d, months)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.first, self.timezone)

    @property
    def end_utc(self) -> datetime:
        return local_midnight(self.end, self.timezone)

    def holds(self, moment: datetime) -> bool:
        return self.start_utc <= moment < self.end_utc

    # --- its neighbours ---------------------------------------------------------------------
    def previous(self) -> Period:
        return containing(self.kind, self.first - timedelta(days=1), self.timezone)

    def next(self) -> Period:
        return containing(self.kind, self.end, self.timezone)

    def year_earlier(self) -> Period:
        """The same period a year before: the same month or quarter, the ISO week of the
        same number (week 53 falls back to 52), the same calendar day (29 February: the 28th)."""
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first.isocalendar()
            try:
                monday = date.fromisocalendar(year - 1, week, 1)
            except ValueError:
                monday = date.fromisocalendar(year - 1, 52, 1)
            return Period(self.kind, monday, self.timezone)
        day = self.first
        try:
            earlier = day.replace(year=day.year - 1)
        except ValueError:
            earlier = day.replace(year=day.year - 1, day=28)
        return containing(self.kind, earlier, self.timezone)

    def parts(self, kind: PeriodKind) -> list[Period]:
        """The periods of `kind` that start inside this one: a quarter's months, a year's
        months or quarters, a month's days."""
        out: list[Period] = []
        p = containing(kind, self.first, self.timezone)
        while p.first < self.end:
            out.append(p)
            p = p.next()
        return out

    # --- how it is named --------------------------------------------------------------------
    @property
    def key(self) -> str:
        d = self.first
        if self.kind is PeriodKind.DAY:
            return d.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = d.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{d.year}-{d.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
        return str(d.year)

    @property
    def title(self) -> str:
        """What a manager calls it: "Week 14, 2026 (30 Mar – 5 Apr)", "March 2026", "Q1 2026"."""
        d = self.first
        if self.kind is PeriodKind.DAY:
            return f"{d:%A %-d %B %Y}"
        if self.kind is PeriodKind.WEEK:
            year, week, _ = d.isocalendar()
            return f"Week {week}, {year} ({d:%-d %b} – {self.last:%-d %b})"
        if self.kind is PeriodKind.MONTH:
            return f"{d:%B %Y}"
        if self.kind is PeriodKind.QUARTER:
            return f"Q{(d.month - 1) // 3 + 1} {d.year}"
        return str(d.year)

    @property
    def short(self) -> str:
        """A chart axis label: "Mar", "Q1", "W14", "31"."""
        d = self.first
        return {PeriodKind.DAY: f"{d.day}", PeriodKind.WEEK: f"W{d.isocalendar()[1]}",
                PeriodKind.MONTH: f"{d:%b}",
                PeriodKind.QUARTER: f"Q{(d.month - 1) // 3 + 1}",
                PeriodKind.YEAR: str(d.year)}[self.kind]


def containing(kind: PeriodKind, day: date, timezone: str) -> Period:
    """The period of `kind` that holds the local day `day`."""
    if kind is PeriodKind.DAY:
        first = day
    elif kind is PeriodKind.WEEK:
        first = day - timedelta(days=day.weekday())
    elif kind is PeriodKind.MONTH:
        first = day.replace(day=1)
    elif kind is PeriodKind.QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        first = date(day.year, 1, 1)
    return Period(kind, first, timezone)


def period_at(kind: PeriodKind, moment: datetime, timezone: str) -> Period:
    """The period holding an instant, by the service's wall clock."""
    return containing(kind, moment.astimezone(zone(timezone)).date(), timezone)


def parse_period(kind: PeriodKind, text: str, timezone: str) -> Period:
    """`--date`: any day inside the period (2026-03-31), or the period's own key (2026-Q1,
    2026-W14, 2026-03, 2026). ValueError with a plain message otherwise."""
    m = _KEY.match(text.strip())
    if m is None:
        raise ValueError(f"cannot read {text!r}: write a day (2026-03-31) or a period "
                         "(2026-03, 2026-Q1, 2026-W14, 2026)")
    year = int(m["y"])
    if m["d"]:
        day = date(year, int(m["m"]), int(m["d"]))
    elif m["w"]:
        day = date.fromisocalendar(year, int(m["w"]), 1)
    elif m["m"]:
        day = date(year, int(m["m"]), 1)
    elif m["q"]:
        day = date(year, (int(m["q"]) - 1) * 3 + 1, 1)
    else:
        day = date(year, 1, 1)
    return containing(kind, day, timezone)


def parse_key(text: str, timezone: str) -> Period:
    """A period from its key alone (2026-03-31 is a day, 2026-W14 a week…)."""
    m = _KEY.match(text.strip())
    if m is None:
        raise ValueError(f"not a period: {text!r}")
    kind = (PeriodKind.DAY if m["d"] else PeriodKind.WEEK if m["w"] else
            PeriodKind.MONTH if m["m"] else PeriodKind.QUARTER if m["q"] else PeriodKind.YEAR)
    return parse_period(kind, text, timezone)


def local_midnight(day: date, timezone: str) -> datetime:
    """The instant (UTC) the local day `day` starts. Where a clock change skips midnight
    (some zones jump at 00:00), fold=0 reads the skipped wall time with the offset before
    the jump, which is the first instant that exists on that day."""
    return datetime.combine(day, time(), tzinfo=zone(timezone)).astimezone(UTC)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
