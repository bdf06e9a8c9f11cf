"""When an agent promises a call-back, they type the time: read it in the service's time
zone, strictly (an agent's typo must not become a promise at a time nobody meant)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_RELATIVE = re.compile(r"(?:\+|in\s+)(\d{1,3})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)",
                       re.IGNORECASE)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_FULL = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})")
HELP = "a time like 15:30, 2026-11-25 15:30, +2h or in 30 min"


def parse_agent_time(text: str, now: datetime, timezone: str) -> datetime | None:
    """The moment meant by `text`, timezone-aware; None when it is not one of the forms in
    HELP. A bare clock time that has passed today means tomorrow."""
    text = text.strip()
    tz = ZoneInfo(timezone)
    if m := _RELATIVE.fullmatch(text):
        n, unit = int(m.group(1)), m.group(2).lower()
        step = (timedelta(days=n) if unit.startswith("d")
                else timedelta(hours=n) if unit.startswith("h") else timedelta(minutes=n))
        return now + step
    if m := _FULL.fullmatch(text):
        year, month, day, hour, minute = (int(g) for g in m.groups())
        try:
            return datetime(year, month, day, hour, minute, tzinfo=tz)
        except ValueError:
            return None
    if m := _CLOCK.fullmatch(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            return None
        today = now.astimezone(tz).date()
        local = datetime.combine(today, time(hour, minute), tzinfo=tz)
        return local if local > now else local + timedelta(days=1)
    return None
