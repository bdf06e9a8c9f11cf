"""One structured line per thing that happens to a ticket or a failed turn, for the operator
on call: `ticket.escalated number=C-20261125-0001 priority=P1 reasons=safety team=quality`.

Numbers, priorities, reasons, teams and channels only: never the customer's words, name or
contact, so the lines are safe to ship to any log store at the default level.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from handlers.util.tokenbucket import TokenBucket

log = logging.getLogger("heard.ops")


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list | tuple | set | frozenset):
        text = ",".join(str(x) for x in v) or "-"
    else:
        text = str(v)
    return f'"{text}"' if not text or any(c.isspace() or c in '"=' for c in text) else text


def ops(event: str, **fields: object) -> None:
    log.info("%s %s", event, " ".join(f"{k}={_value(v)}" for k, v in fields.items()
                                      if v is not None))


def filed(tickets: Iterable[Mapping[str, object]]) -> None:
    """Lines for the tickets a committed batch filed (rows as storage.desk writes them)."""
    for t in tickets:
        reasons = t.get("reasons")
        names = [str(r.get("reason")) for r in reasons if isinstance(r, Mapping)] \
            if isinstance(reasons, list) else []
        event = "ticket.escalated" if t.get("status") == "escalated" else "ticket.filed"
        ops(event, number=t.get("number"), priority=t.get("priority"),
            category=t.get("category"), team=t.get("team"), reasons=names or None,
            incomplete=bool(t.get("incomplete")))


class ThrottledOps:
    """An ops line anyone outside can trigger at will (a message needing cleaning): at most
    `rate` a second, so a flood cannot flood the log too; the lines held back are counted and
    reported on the next one that goes out."""

    def __init__(self, event: str, rate: float = 1.0, burst: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.event = event
        self._bucket = TokenBucket(rate, burst, clock)
        self.held_back = 0

    def __call__(self, **fields: object) -> None:
        if not self._bucket.take():
            self.held_back += 1
            return
        ops(self.event, **fields, held_back=self.held_back or None)
        self.held_back = 0
