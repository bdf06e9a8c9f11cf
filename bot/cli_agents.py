"""`heard agents add|list|disable|enable|set-team|set-role|set-password|set-display-name`: the
people who take over conversations, for the admin at a terminal (the studio's people page does
the same)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from storage.agents import Role

if TYPE_CHECKING:
    from bot.settings import Settings
    from storage.agents import AgentStore
    from storage.store import Store


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agents = sub.add_parser("agents", help="the people who take over conversations")
    actions = agents.add_subparsers(dest="agents_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="register an agent")
    add.add_argument("name", help="login name (letters, digits, . _ -); customers see it "
                                  "unless a display name is set")
    add.add_argument("--display-name",
                     help="what customers see on the agent's messages, e.g. 'Ann' or '客服小林'")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", help="the team whose queue the agent works, e.g. logistics; "
                                    "one the routing sends cases to")
    add.add_argument("--telegram-id", type=int,
                     help="the agent's Telegram user id, to act from the agents' group")
    add.add_argument("--password-stdin", action="store_true",
                     help="read a console password from the first line of standard input")
    actions.add_parser("list", help="list agents")
    for name, what in (("disable", "stop an agent from acting (their console sessions end)"),
                       ("enable", "let a disabled agent act again")):
        actions.add_parser(name, help=what).add_argument("name")
    team = actions.add_parser("set-team", help="move an agent to another team's queue")
    team.add_argument("name")
    team.add_argument("team", help="a team the routing sends cases to, or '-' for none")
    role = actions.add_parser("set-role", help="make an agent an agent, supervisor or admin")
    role.add_argument("name")
    role.add_argument("role", choices=[r.value for r in Role])
    shown = actions.add_parser(
        "set-display-name", help="set what customers see on an agent's messages")
    shown.add_argument("name")
    shown.add_argument("display_name", metavar="DISPLAY_NAME",
                       help="1 to 40 characters, e.g. 'Ann' or '客服小林'; '-' for none (the "
                            "login name is shown)")
    password = actions.add_parser(
        "set-password", help="set or reset an agent's console password (asked for at the "
                             "terminal; their open console sessions end)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true",
                          help="read it from the first line of standard input instead")


async def run(settings: Settings, args: argparse.Namespace) -> tuple[int, str]:
    """(exit code, what to print): 0 done, 1 no such agent or it exists, 2 bad input."""
    # Imported here, like the other commands' storage: `heard --help` stays quick.
    from bot.bundle_first import ensure_first_version
    from storage.agents import AgentStore
    from storage.migrate import upgrade
    from storage.store import Store

    store = Store(settings.database_url)
    try:
        await upgrade(store.engine)
        # The teams are the bundle's: a database no service has started on gets version 1.
        await ensure_first_version(store, settings, datetime.now(UTC))
        return await _act(store, AgentStore(store.engine, store.read_engine), args)
    finally:
        await store.close()


async def _act(store: Store, agents: AgentStore, args: argparse.Namespace) -> tuple[int, str]:
    from dialogs.display_name import BadDisplayName, display_name
    from handlers.agents.grammar import AGENT_NAME, AGENT_NAME_RULE
    from storage.agents import AgentExists

    command = args.agents_command
    if command == "list":
        return 0, "\n".join(
            f"{a.name}\t{a.role}\t{a.team or '-'}\t{a.telegram_id or '-'}\t"
            + (", ".join(f for f, on in (("disabled", a.disabled), ("console", a.has_password))
                         if on) or "-") + f"\t{a.display_name or '-'}"
            for a in await agents.all()) or "no agents yet"
    if command == "add" and not AGENT_NAME.fullmatch(args.name):
        return 2, f"heard: an agent name is {AGENT_NAME_RULE}"
    team = getattr(args, "team", None)
    if team is not None and team != "-" and (refused := await _unknown_team(store, team)):
        return 2, refused
    shown = getattr(args, "display_name", None)
    if shown is not None and not (command == "set-display-name" and shown == "-"):
        try:
            shown = display_name(shown)
        except BadDisplayName as e:
            return 2, f"heard: {e}"
    hashed = None
    if command in ("add", "set-password"):
        try:
            hashed = await _password(args, required=command == "set-password")
        except _Refused as e:
            return 2, f"heard: {e}"
    if command == "add":
        try:
            agent = await agents.add(args.name, Role(args.role), datetime.now(UTC), team=team,
                                     telegram_id=args.telegram_id, password_hash=hashed,
                                     display_name=shown)
        except AgentExists as e:
            return 1, f"heard: {e}"
        return 0, (f"added {agent.role} {agent.name}" + (f" on {agent.team}" if agent.team else "")
                   + (f", shown to customers as {agent.display_name}" if agent.display_name
                      else ""))
    if await agents.by_name(args.name) is None:
        return 1, f"heard: no agent named {args.name!r}"
    if command == "disable":
        await agents.disable(args.name)
        said = f"{args.name} can no longer act"
    elif command == "enable":
        await agents.enable(args.name)
        said = f"{args.name} can act again"
    elif command == "set-team":
        await agents.set_team(args.name, None if team == "-" else team)
        said = f"{args.name} is on {team}" if team != "-" else f"{args.name} is on no team"
    elif command == "set-display-name":
        await agents.set_display_name(args.name, None if shown == "-" else shown)
        said = (f"customers see {args.name} as {shown}" if shown != "-"
                else f"customers see {args.name} by their login name")
    elif command == "set-role":
        await agents.set_role(args.name, Role(args.role))
        said = f"{args.name} is now {args.role}"
    else:
        assert hashed is not None  # set-password always asks
        await agents.set_password(args.name, hashed)
        said = f"{args.name}'s console password is set"
    return 0, said


async def _unknown_team(store: Store, team: str) -> str | None:
    from dialogs.bundle.data import from_data

    latest = await store.bundles.latest()
    known = from_data(latest.body).teams if latest is not None else ()
    if team in known:
        return None
    return f"heard: no team {team!r}; the routing sends cases to {', '.join(sorted(known))}"


class _Refused(Exception):
    pass


async def _password(args: argparse.Namespace, *, required: bool) -> str | None:
    """The hashed password given; None when none was asked for."""
    from handlers.agents.passwords import hash_password

    if args.password_stdin:
        typed = sys.stdin.readline().rstrip("\r\n")
    elif required:
        if not sys.stdin.isatty():
            raise _Refused("give the password with --password-stdin, or run this at a terminal")
        typed = getpass.getpass(f"new console password for {args.name}: ")
        if getpass.getpass("again: ") != typed:
            raise _Refused("the two passwords differ; nothing changed")
    else:
        return None
    try:
        return await hash_password(typed)
    except ValueError as e:
        raise _Refused(str(e)) from None
