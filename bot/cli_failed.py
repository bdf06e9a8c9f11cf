"""`heard failed list|retry|drop`: the customer turns the service could not process, for the
person on call (the console's failed messages page shows the same)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.failed_turns import FailedTurns


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    failed = sub.add_parser(
        "failed", help="customer messages that could not be processed: retried with backoff, "
                       "then quarantined for a person to retry or drop")
    actions = failed.add_subparsers(dest="failed_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="list them, newest failure first")
    for name, what in (("retry", "try it again within seconds (a running `heard run` does)"),
                       ("drop", "give up on it: kept on record, never run again")):
        action = actions.add_parser(name, help=what)
        action.add_argument("ref", help="CHANNEL:UPDATE as `heard failed list` shows it")


async def run(database_url: str, args: argparse.Namespace) -> tuple[int, str]:
    """(exit code, what to print). Exit 1 when the named message is not a failed one."""
    # Imported here, like the other commands' storage: `heard --help` stays quick.
    from storage.migrate import upgrade
    from storage.store import Store

    store = Store(database_url)
    try:
        await upgrade(store.engine)
        return await _act(store.failed, args)
    finally:
        await store.close()


async def _act(failed: FailedTurns, args: argparse.Namespace) -> tuple[int, str]:
    from storage.failed_turns import parse_ref

    if args.failed_command == "list":
        turns = await failed.listing()
        if not turns:
            return 0, "no failed messages"
        return 0, "\n".join(
            f"{t.ref}\t{t.state}\ttries={t.attempts}\tfirst={t.failed_at:%Y-%m-%d %H:%M}Z"
            f"\t{t.last_error}" for t in turns)
    found = parse_ref(args.ref)
    if found is None:
        return 2, f"heard: {args.ref!r} is not CHANNEL:UPDATE (see `heard failed list`)"
    now = datetime.now(UTC)
    if args.failed_command == "retry":
        done = await failed.retry(*found, now)
        said = f"{args.ref} will be tried again by the running service within seconds"
    else:
        done = await failed.drop(*found, now)
        said = f"{args.ref} dropped: kept on record, never run again"
    return (0, said) if done else (1, f"heard: {args.ref} is not a failed message")
