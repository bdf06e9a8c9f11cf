"""Checks of the business hours and the dialog's times: a zone that exists, spans that open
before they close and do not overlap, a desk that opens at all, times in range."""

from __future__ import annotations

from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle, DialogTimes

# Each time: lowest and highest value (as the settings that held them allowed).
TIME_BOUNDS: dict[str, tuple[int, int]] = {
    "idle_reminder_minutes": (1, 7 * 24 * 60),
    "draft_expiry_hours": (1, 24 * 90),
    "follow_up_days": (0, 90),
    "reopen_days": (0, 365),
}


def check_hours(bundle: Bundle, report: Report) -> None:
    h = bundle.hours
    try:
        ZoneInfo(h.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        report.refuse("hours/timezone", f"unknown time zone {h.timezone!r}; write e.g. "
                                        "Asia/Shanghai")
    for day, spans in h.week.items():
        item = f"hours/week/{day}"
        for s in spans:
            if s.start >= s.end:
                report.refuse(item, f"{s.text()} is empty: opening must come before closing")
            elif s.end > 24 * 60:
                report.refuse(item, f"{s.text()} ends after 24:00")
        ordered = sorted(s for s in spans if s.start < s.end)
        for a, b in pairwise(ordered):
            if b.start < a.end:
                report.refuse(item, f"{a.text()} and {b.text()} overlap")
    if not any(s.start < s.end for spans in h.week.values() for s in spans):
        report.refuse("hours/week", "the desk never opens: no customer could be promised "
                                    "an answer")
    if len(set(h.closed)) != len(h.closed):
        report.warn("hours/closed", "a date is listed twice")
    _times(bundle.times, report)


def _times(times: DialogTimes, report: Report) -> None:
    for key, (low, high) in TIME_BOUNDS.items():
        value = getattr(times, key)
        if not low <= value <= high:
            report.refuse(f"times/{key}", f"{value} is out of range: from {low} to {high}")
    if times.idle_reminder_minutes >= times.draft_expiry_hours * 60:
        report.warn("times/idle_reminder_minutes", "the reminder would come after the draft "
                                                   "expired: it is never sent")
