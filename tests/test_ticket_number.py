"""The ticket number's one shape: made by the desk, read from what people type."""

from __future__ import annotations

import re

import pytest

from dialogs.ticket_number import PREFIX_PATTERN, TicketNumber


def test_made_with_a_counter_of_at_least_four_digits() -> None:
    assert TicketNumber.make("C", "20261124", 42) == "C-20261124-0042"
    assert TicketNumber.make("ABCDE", "20261124", 12345) == "ABCDE-20261124-12345"
    assert isinstance(TicketNumber.make("C", "20261124", 1), TicketNumber)


@pytest.mark.parametrize(("typed", "expected"), [
    ("C-20261124-0042", "C-20261124-0042"),
    ("c-20261124-0042", "C-20261124-0042"),
    ("abcde-20261124-123456", "ABCDE-20261124-123456"),
    ("C-20261124-042", None),  # three digits
    ("ABCDEF-20261124-0042", None),  # six letters
    ("C-2026112-0042", None),
    (" C-20261124-0042", None),  # a parse takes the whole text
    ("C-20261124-0042x", None),
])
def test_parse_takes_exactly_one_number(typed: str, expected: str | None) -> None:
    assert TicketNumber.parse(typed) == expected


def test_first_in_reads_the_first_number_in_a_message() -> None:
    assert TicketNumber.first_in("status of c-20261124-0042 and C-20261124-0043?") == \
        "C-20261124-0042"
    assert TicketNumber.first_in("order 20261124-0042") is None
    assert TicketNumber.first_in("1C-20261124-0042") is None  # not a word of its own
    assert TicketNumber.blank_out("status C-20261124-0042 please") == "status   please"


def test_the_prefix_rule_is_what_settings_accept() -> None:
    assert re.fullmatch(PREFIX_PATTERN, "ABCDE")
    assert not re.fullmatch(PREFIX_PATTERN, "c")
    assert not re.fullmatch(PREFIX_PATTERN, "ABCDEF")
