"""The `heard` command: run the service, chat in the terminal, manage the schema, print the
dialog's diagram."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence

from aiohttp import web

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("heard")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="heard",
        description="A front line for customer complaints on Telegram and web chat. "
                    "Settings come from the environment or .env (see .env.example).")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="upgrade the schema and serve the web chat on "
                               "http://WEB_HOST:WEB_PORT/chat, the agents' console on "
                               "/console, and Telegram when TELEGRAM_BOT_TOKEN is set")
    chat = sub.add_parser("chat", help="talk to the bot as a customer in this terminal")
    chat.add_argument("--as", dest="chat_id", default="local",
                      help="the conversation to continue (default: local)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="upgrade the schema at DATABASE_URL to the latest")
    agents = sub.add_parser("agents", help="the people who take over conversations")
    agents_sub = agents.add_subparsers(dest="agents_command", required=True, metavar="ACTION")
    add = agents_sub.add_parser("add", help="register an agent")
    add.add_argument("name", help="login and display name (letters, digits, . _ -)")
    add.add_argument("--role", required=True, choices=["agent", "supervisor", "admin"])
    add.add_argument("--team", help="the team whose queue the agent works, e.g. logistics")
    add.add_argument("--telegram-id", type=int,
                     help="the agent's Telegram user id, to act from the agents' group")
    add.add_argument("--password-stdin", action="store_true",
                     help="read a console password from the first line of standard input")
    agents_sub.add_parser("list", help="list agents")
    disable = agents_sub.add_parser("disable", help="stop an agent from acting")
    disable.add_argument("name")
    dialog = sub.add_parser("dialog", help="the complaint dialog")
    dialog_sub = dialog.add_subparsers(dest="dialog_command", required=True, metavar="ACTION")
    graph = dialog_sub.add_parser("graph", help="print the state diagram")
    graph.add_argument("--format", choices=["mermaid", "dot"], default="mermaid",
                       help="Mermaid stateDiagram-v2 (default) or Graphviz dot")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "dialog":
        from dialogs.machine import graph

        print(graph(args.format))
        return 0
    try:
        settings = load_settings()
    except SettingsError as e:
        print(f"heard: {e}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    noisy = ["httpx", "alembic.runtime.plugins"]
    if args.command == "agents":
        noisy.append("alembic")
    for name in noisy:
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.command == "run":
        return _run(settings)
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.chat_id))
    if args.command == "agents":
        return asyncio.run(_agents(settings, args))
    if args.command == "db":
        from storage.migrate import upgrade_url

        asyncio.run(upgrade_url(settings.database_url))
        print("schema is up to date")
        return 0
    return 2


def _run(settings: Settings) -> int:
    from bot.app import create_app

    log.info("web chat on http://%s:%d/chat, agents' console on http://%s:%d/console",
             settings.web_host, settings.web_port, settings.web_host, settings.web_port)
    try:
        web.run_app(create_app(settings), host=settings.web_host, port=settings.web_port,
                    print=None)
    except OSError as e:
        print(f"heard: cannot serve on {settings.web_host}:{settings.web_port}: {e.strerror}"
              " (set WEB_HOST / WEB_PORT)", file=sys.stderr)
        return 1
    return 0


async def _agents(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from handlers.passwords import hash_password
    from storage.agents import AgentExists, AgentStore
    from storage.migrate import upgrade
    from storage.store import Store

    store = Store(settings.database_url)
    try:
        await upgrade(store.engine)
        agents = AgentStore(store.engine, store.read_engine)
        if args.agents_command == "list":
            for a in await agents.all():
                flags = ", ".join(f for f, on in (("disabled", a.disabled),
                                                   ("console", a.has_password)) if on)
                print(f"{a.name}\t{a.role}\t{a.team or '-'}\t{a.telegram_id or '-'}"
                      f"\t{flags or '-'}")
            return 0
        if args.agents_command == "disable":
            if await agents.disable(args.name):
                print(f"{args.name} can no longer act")
                return 0
            print(f"heard: no agent named {args.name!r}", file=sys.stderr)
            return 1
        if not re.fullmatch(r"[A-Za-z0-9._-]{2,64}", args.name):
            print("heard: an agent name is 2-64 of letters, digits, . _ -", file=sys.stderr)
            return 2
        hashed = None
        if args.password_stdin:
            try:
                hashed = await hash_password(sys.stdin.readline().rstrip("\r\n"))
            except ValueError as e:
                print(f"heard: {e}", file=sys.stderr)
                return 2
        try:
            agent = await agents.add(args.name, args.role, datetime.now(UTC), team=args.team,
                                     telegram_id=args.telegram_id, password_hash=hashed)
        except AgentExists as e:
            print(f"heard: {e}", file=sys.stderr)
            return 1
        print(f"added {agent.role} {agent.name}" + (f" on {agent.team}" if agent.team else ""))
        return 0
    finally:
        await store.close()


async def _chat(settings: Settings, chat_id: str) -> int:
    from bot.core import open_core
    from handlers.terminal import chat_in_terminal

    async with open_core(settings) as core:
        await chat_in_terminal(core.pipeline, chat_id=chat_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
