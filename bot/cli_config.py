"""`heard config export|import|versions|diff|rollback`: the configuration bundle through
files and git. An import is checked whole before anything changes, shows what it changes,
and publishes a new version that every running `heard` takes up within a second."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.settings import Settings
    from dialogs.bundle.diff import ItemChange
    from dialogs.bundle.findings import Report
    from handlers.config.studio import Studio

# Refused input (a file that is no bundle, a bundle validation refuses): nothing changed.
REFUSED = 2
NOT_FOUND = 1


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = sub.add_parser(
        "config", help="the configuration bundle (templates, example phrases, categories, "
                       "rules, VIPs, SLA targets, business hours, dialog times): export, "
                       "import, versions, diff, rollback")
    actions = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="print a version as YAML (default: the one in "
                                               "force), e.g. heard config export > bundle.yaml")
    export.add_argument("--version", type=int, help="the version to print")
    imp = actions.add_parser("import", help="check a bundle file, print what it changes, and "
                                            "publish it as a new version")
    imp.add_argument("file", type=Path, help="a bundle as `heard config export` writes it")
    imp.add_argument("--dry-run", action="store_true",
                     help="check and print what would change; publish nothing")
    imp.add_argument("--note", help="why, in a few words (default: imported from FILE)")
    _actor(imp)
    actions.add_parser("versions", help="list the published versions, newest first")
    diff = actions.add_parser("diff", help="what changed from one version to another")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
    rollback = actions.add_parser("rollback", help="publish a new version with the content of "
                                                   "version N")
    rollback.add_argument("number", type=int, metavar="N")
    rollback.add_argument("--note", default="", help="why (default: rollback to version N)")
    _actor(rollback)


def _actor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="actor", help="who is doing it, for the versions list and the "
                                              "audit log (default: cli:<login name>)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bundle_first import ensure_first_version
    from bot.core import utcnow
    from handlers.config.studio import Studio
    from storage.migrate import upgrade
    from storage.store import Store

    store = Store(settings.database_url)
    try:
        await upgrade(store.engine)
        # A database only upgraded, never run: its version 1 first, as `heard run` would.
        await ensure_first_version(store, settings, utcnow())
        return await _act(Studio(store.bundles, utcnow), args)
    finally:
        await store.close()


async def _act(studio: Studio, args: argparse.Namespace) -> int:
    from dialogs.bundle.data import BundleFormatError
    from dialogs.bundle.yaml_text import dump
    from storage.bundles import NoSuchVersion

    try:
        match args.config_command:
            case "export":
                bundle = (await studio.version(args.version) if args.version is not None
                          else (await studio.current())[1])
                sys.stdout.write(dump(bundle))
                return 0
            case "versions":
                for v in await studio.versions(limit=1000):
                    again = f" (content of v{v.rolled_back_from})" if v.rolled_back_from else ""
                    print(f"v{v.number}\t{v.published_at:%Y-%m-%d %H:%M} UTC\t{v.author}\t"
                          f"{v.note}{again}")
                return 0
            case "diff":
                _print_changes(await studio.compare(args.old, args.new), sys.stdout)
                return 0
            case "rollback":
                return await _rollback(studio, args)
            case _:
                return await _import(studio, args)
    except NoSuchVersion as e:
        print(f"heard: {e}", file=sys.stderr)
        return NOT_FOUND
    except BundleFormatError as e:
        print(f"heard: refused: {e}; nothing changed", file=sys.stderr)
        return REFUSED


async def _import(studio: Studio, args: argparse.Namespace) -> int:
    from dialogs.bundle.yaml_text import load

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"heard: cannot read {args.file}: {e}", file=sys.stderr)
        return REFUSED
    checked = await studio.check(load(text))
    _print_findings(checked.report, sys.stderr)
    if not checked.report.ok:
        print(f"heard: {len(checked.report.refusals)} refused; nothing changed",
              file=sys.stderr)
        return REFUSED
    _print_changes(checked.changes, sys.stdout)
    if not checked.changes:
        print(f"no changes from version {checked.base}; nothing published")
        return 0
    if args.dry_run:
        print(f"dry run: {_count(checked.changes)} from version {checked.base}; "
              "nothing published")
        return 0
    number = await studio.publish(checked.bundle, note=args.note or f"imported from "
                                  f"{args.file.name}", actor=_who(args),
                                  based_on=checked.base)
    print(f"published version {number} ({_count(checked.changes)} from version "
          f"{checked.base})")
    return 0


async def _rollback(studio: Studio, args: argparse.Namespace) -> int:
    from dialogs.bundle.diff import diff
    from handlers.config.studio import Refused

    number, current = await studio.current()
    changes = diff(current, await studio.version(args.number))
    try:
        made = await studio.rollback(args.number, actor=_who(args), note=args.note)
    except Refused as e:
        _print_findings(e.report, sys.stderr)
        print("heard: refused; nothing changed", file=sys.stderr)
        return REFUSED
    _print_changes(changes, sys.stdout)
    print(f"published version {made} with the content of version {args.number} "
          f"({_count(changes)} from version {number})")
    return 0


def _count(changes: list[ItemChange]) -> str:
    return f"{len(changes)} change" + ("" if len(changes) == 1 else "s")


def _who(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _print_findings(report: Report, out: TextIO) -> None:
    for finding in report.findings:
        print(f"heard: {finding}", file=out)


def _print_changes(changes: list[ItemChange], out: TextIO) -> None:
    for line in change_lines(changes):
        print(line, file=out)


def change_lines(changes: list[ItemChange]) -> Iterator[str]:
    """One line per change (`+` added, `-` removed, `~` changed); a changed text with its
    changed words marked [-old-]{+new+}, a changed list with its entries in and out."""
    from dialogs.bundle.diff import ChangeKind
    from dialogs.bundle.words import Mark, word_diff

    signs = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}
    for c in changes:
        head = f"{signs[c.kind]} {c.item}"
        if c.kind is ChangeKind.CHANGED and isinstance(c.old, str) and isinstance(c.new, str):
            marked = "".join(p.text if p.mark is Mark.SAME else
                             f"[-{p.text}-]" if p.mark is Mark.REMOVED else f"{{+{p.text}+}}"
                             for p in word_diff(c.old, c.new))
            yield f"{head}: {marked}"
        elif c.kind is ChangeKind.CHANGED and isinstance(c.old, list) \
                and isinstance(c.new, list):
            added, removed = c.listed()
            yield f"{head}: " + ", ".join([*(f"+{_short(v)}" for v in added),
                                           *(f"-{_short(v)}" for v in removed)] or ["reordered"])
        else:
            yield f"{head}: {_short(c.new if c.kind is not ChangeKind.REMOVED else c.old)}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:199] + "…"
