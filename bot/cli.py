"""The `heard` command: run the service, chat in the terminal, manage the schema, print the
dialog's diagram."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from bot import cli_agents, cli_config, cli_failed, cli_report
from bot.settings import Settings, SettingsError, load_settings, unknown_names

log = logging.getLogger("heard")

# How long open requests and sockets get to finish once the service is told to stop.
SHUTDOWN_SECONDS = 3.0
# These create the database when it is missing; every other command needs it to exist.
CREATES_DATABASE = frozenset({"run", "db"})


class Refusal(Exception):
    """A command cannot go on: one line for stderr, and the exit code (2: a bad setting or
    bad input; 1: the world is not as needed, e.g. a port in use or a server down)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="heard",
        description="A front line for customer complaints on Telegram and web chat. "
                    "Settings come from the environment or .env (see .env.example). "
                    "Every command but `run` and `db upgrade` needs the database to exist.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="upgrade the schema and serve the web chat on "
                               "http://WEB_HOST:WEB_PORT/chat, the agents' console on "
                               "/console, the reports on /admin/reports, and Telegram when "
                               "TELEGRAM_BOT_TOKEN is set "
                               "(retried in the background while Telegram cannot be reached)")
    chat = sub.add_parser("chat", help="talk to the bot as a customer in this terminal")
    chat.add_argument("--as", dest="chat_id", default="local",
                      help="the conversation to continue (default: local)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="upgrade the schema at DATABASE_URL to the latest")
    cli_agents.add_parser(sub)
    cli_failed.add_parser(sub)
    cli_config.add_parser(sub)
    cli_report.add_parser(sub)
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
    for line in unknown_names():
        print(f"heard: warning: {line}", file=sys.stderr)
    from bot.logs import configure

    quiet = ["alembic"] if args.command in ("agents", "failed", "config", "report") else []
    handler = configure(settings, quiet=quiet)
    try:
        if args.command in CREATES_DATABASE:
            reach_database(settings)
        else:
            require_database(settings)
        return _command(settings, args)
    except Refusal as e:
        print(f"heard: {e}", file=sys.stderr)
        return e.code
    finally:
        logging.getLogger().removeHandler(handler)


def _command(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "run":
        return asyncio.run(_serve(settings))
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.chat_id))
    if args.command == "config":
        return asyncio.run(cli_config.run(settings, args))
    if args.command in ("agents", "failed"):
        code, said = asyncio.run(cli_agents.run(settings, args) if args.command == "agents"
                                 else cli_failed.run(settings.database_url, args))
        print(said, file=sys.stderr if code else sys.stdout)
        return code
    if args.command == "report":
        code, made = asyncio.run(cli_report.run(settings.database_url, settings.timezone,
                                                settings.brand, args))
        if code:
            print(made, file=sys.stderr)
        elif args.out is not None:
            args.out.write_bytes(made if isinstance(made, bytes) else made.encode())
        else:
            sys.stdout.write(made if isinstance(made, str) else made.decode())
        return code
    if args.command == "db":
        from storage.migrate import upgrade_url

        asyncio.run(upgrade_url(settings.database_url))
        print("schema is up to date")
        return 0
    return 2


def require_database(settings: Settings) -> None:
    """For every command that works on an existing database (all but `run` and `db upgrade`):
    refuse, rather than leave an empty SQLite file behind, when there is none yet."""
    from storage.urls import sqlite_file

    file = sqlite_file(settings.database_url)
    if file is not None and not file.exists():
        raise Refusal(f"no database at {file}; run `heard db upgrade` (or `heard run`) first")
    reach_database(settings)


def reach_database(settings: Settings) -> None:
    """Connect once, so a server that is down is reported as such and not as whatever fails
    first later on."""
    from storage.reach import DatabaseRefused, DatabaseUnreachable, check_database

    try:
        asyncio.run(check_database(settings.database_url))
    except DatabaseUnreachable as e:
        raise Refusal(f"{e} (check DATABASE_URL, and that the server is up)", 1) from None
    except DatabaseRefused as e:
        raise Refusal(f"bad setting DATABASE_URL: {e}") from None


async def _serve(settings: Settings) -> int:
    from bot.app import create_app
    from bot.logs import AccessLog

    host, port = settings.web_host, settings.web_port
    # Before start-up, which migrates and contacts Telegram, all for nothing on a busy port.
    await _bind_once(host, port)
    runner = web.AppRunner(create_app(settings), access_log_class=AccessLog,
                           shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    try:
        await _bind_once(host, port, runner)
        log.info("web chat on http://%s:%d/chat, agents' console on http://%s:%d/console",
                 host, port, host, port)
        await _until_signalled()
        log.info("stopping…")
    finally:
        await runner.cleanup()
    log.info("stopped")
    return 0


async def _bind_once(host: str, port: int, runner: web.AppRunner | None = None) -> None:
    """Serve `runner` on host:port, or without a runner only check the port can be had."""
    try:
        if runner is not None:
            await web.TCPSite(runner, host, port).start()
            return
        probe = await asyncio.get_running_loop().create_server(asyncio.Protocol, host, port)
        probe.close()
        await probe.wait_closed()
    except OSError as e:
        raise Refusal(f"cannot serve on {host}:{port}: {e.strerror or e} "
                      "(set WEB_HOST / WEB_PORT)", 1) from None


async def _until_signalled() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    # Left in place while stopping: a second Ctrl-C must not interrupt the clean-up midway.
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _chat(settings: Settings, chat_id: str) -> int:
    from bot.core import open_core
    from handlers.channels.terminal import chat_in_terminal

    async with open_core(settings) as core:
        await chat_in_terminal(core.pipeline, chat_id=chat_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
