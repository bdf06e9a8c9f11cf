"""Reading the time an agent promises a call-back for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs.agent_time import parse_agent_time

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai


@pytest.mark.parametrize(("text", "expected"), [
    ("+2h", NOW + timedelta(hours=2)),
    ("in 30 min", NOW + timedelta(minutes=30)),
    ("+1d", NOW + timedelta(days=1)),
    ("2026-11-25 10:00", datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
    ("2026-11-25T10:00", datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),  # a datetime-local input
    ("18:00", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),  # later today, Shanghai time
    ("09:00", datetime(2026, 11, 25, 1, 0, tzinfo=UTC)),  # passed today: tomorrow
])
def test_the_forms_an_agent_may_type(text: str, expected: datetime) -> None:
    assert parse_agent_time(text, NOW, "Asia/Shanghai") == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "25:00", "12:75", "2026-02-30 10:00",
                                  "+h", "in two hours", "10:00 or so"])
def test_anything_else_is_refused_not_guessed(text: str) -> None:
    assert parse_agent_time(text, NOW, "Asia/Shanghai") is None
