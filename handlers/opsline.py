"""One structured line per thing that happens to a ticket or a failed turn, for the operator
on call: `ticket.escalated number=C-20261125-0001 priority=P1 reasons=safety team=quality`.

Numbers, priorities, reasons, teams and channels only: never the customer's words, name or
contact, so the lines are safe to ship to any log store at the default level.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

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
