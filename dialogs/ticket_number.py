"""The ticket number: `C-20261124-0042`, written and read in this one place.

Its parts: the desk's prefix (TICKET_PREFIX, 1-5 capital letters), the day the ticket was
filed in the service's time zone (YYYYMMDD), and that day's counter, at least four digits.
"""

from __future__ import annotations

import re

# What TICKET_PREFIX may be. Numbers are read whatever the case the customer typed them in.
PREFIX_PATTERN = r"[A-Z]{1,5}"
_NUMBER = re.compile(rf"\b{PREFIX_PATTERN}-\d{{8}}-\d{{4,}}\b", re.IGNORECASE)


class TicketNumber(str):
    """A ticket number as the desk writes it (capital prefix). A `str`, so it is stored,
    shown and compared like the text it is; make one with `make`, `parse` or `first_in`
    (not `format` or `find`: those are `str` methods every caller would expect as such)."""

    __slots__ = ()

    @classmethod
    def make(cls, prefix: str, day: str, n: int) -> TicketNumber:
        """The `n`th number of `day` (YYYYMMDD in the service's time zone)."""
        return cls(f"{prefix}-{day}-{n:04d}")

    @classmethod
    def parse(cls, text: str) -> TicketNumber | None:
        """`text` when it is a ticket number and nothing else, e.g. a command's argument."""
        return cls(text.upper()) if _NUMBER.fullmatch(text) else None

    @classmethod
    def first_in(cls, text: str) -> TicketNumber | None:
        """The first ticket number written in a message."""
        m = _NUMBER.search(text)
        return cls(m.group(0).upper()) if m else None

    @staticmethod
    def blank_out(text: str) -> str:
        """`text` with a space where each ticket number was: what else a message says."""
        return _NUMBER.sub(" ", text)
