"""The `heard` command: run the service, chat in the terminal, manage the schema, print the
dialog's diagram."""

from __future__ import annotations

import argparse
import asyncio
import logging
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
                               "http://WEB_HOST:WEB_PORT/chat, and Telegram when "
                               "TELEGRAM_BOT_TOKEN is set")
    chat = sub.add_parser("chat", help="talk to the bot as a customer in this terminal")
    chat.add_argument("--as", dest="chat_id", default="local",
                      help="the conversation to continue (default: local)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="upgrade the schema at DATABASE_URL to the latest")
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
    for noisy in ("httpx", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "run":
        return _run(settings)
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.chat_id))
    if args.command == "db":
        from storage.migrate import upgrade_url

        asyncio.run(upgrade_url(settings.database_url))
        print("schema is up to date")
        return 0
    return 2


def _run(settings: Settings) -> int:
    from bot.app import create_app

    log.info("web chat on http://%s:%d/chat", settings.web_host, settings.web_port)
    try:
        web.run_app(create_app(settings), host=settings.web_host, port=settings.web_port,
                    print=None)
    except OSError as e:
        print(f"heard: cannot serve on {settings.web_host}:{settings.web_port}: {e.strerror}"
              " (set WEB_HOST / WEB_PORT)", file=sys.stderr)
        return 1
    return 0


async def _chat(settings: Settings, chat_id: str) -> int:
    from bot.core import open_core
    from handlers.terminal import chat_in_terminal

    async with open_core(settings) as core:
        await chat_in_terminal(core.pipeline, chat_id=chat_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
