"""What an event means to an open console page: the ticket it names and a short kind. The
same pair goes to this process's pages (handlers/agents/console/live.py) and, through the
database, to every other process's."""

from __future__ import annotations

from dialogs.events import Event, SlaAlert, TicketChanged

TicketNews = tuple[str, str]  # (ticket number, kind)


def ticket_changes(events: list[Event]) -> list[TicketNews]:
    changes: list[TicketNews] = []
    for event in events:
        match event:
            case TicketChanged(number, change):
                changes.append((number, str(change)))
            case SlaAlert():
                # A promise about to be, or already, missed: the page shows it at once.
                changes.append((event.number, f"{event.target}_{event.kind}"))
            case _:
                changes.append((event.number, type(event).__name__.lower()))
    return changes
