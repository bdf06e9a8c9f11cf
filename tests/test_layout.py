"""The import rules of the package layout, checked on the AST of every module.

    dialogs/   the dialog, pure: no platform, web or database library, none of our other packages
    storage/   the only package that talks SQL (sqlalchemy, asyncpg, aiosqlite, alembic); it
               picks its backend once, when built, and no method of it asks which it is
    handlers/  channels and the pipeline: may use dialogs/ and storage/ (never the batch's
               implementations: storage.turns is its interface), never bot/
    bot/       the composition root: may use everything

Every import counts: top level, inside functions, under `if TYPE_CHECKING:`, relative ones and
`importlib.import_module("...")` with a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, is_dataclass
from pathlib import Path
from typing import get_args

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dialogs", "handlers", "bot", "storage")
DATABASE_LIBS = frozenset({"sqlalchemy", "asyncpg", "aiosqlite", "alembic"})
PLATFORM_LIBS = frozenset({"telegram", "aiohttp"})
# How a batch of turns is carried out on each database; handlers see it through storage.turns.
STORAGE_INTERNALS = frozenset({
    "storage.batch", "storage.batch_records", "storage.batch_sqlite", "storage.batch_postgres",
    "storage.driver", "storage.ledger_sqlite", "storage.ledger_postgres",
    "storage.desk.TicketLedger", "storage.desk.TurnWrites"})


@dataclass(frozen=True)
class Import:
    file: str  # relative to the project root, e.g. "handlers/channels/telegram/service.py"
    line: int
    module: str  # absolute dotted name
    type_only: bool

    @property
    def package(self) -> str:
        return self.file.split("/", 1)[0]

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    def __str__(self) -> str:
        kind = " (under TYPE_CHECKING)" if self.type_only else ""
        return f"{self.file}:{self.line} imports {self.module}{kind}"


def _resolve(rel: Path, level: int, module: str | None) -> str:
    """The absolute name of `from <dots><module> import ...` written in `rel`."""
    if level == 0:
        return module or ""
    package = list(rel.with_suffix("").parts)
    if rel.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_in(source: str, rel_path: str) -> Iterator[Import]:
    """Imports in `source`, the text of the module at `rel_path` (e.g. "bot/app.py")."""
    tree = ast.parse(source, filename=rel_path)
    rel = rel_path
    path = Path(rel_path)
    type_only_nodes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for inner in node.body:
                type_only_nodes.update(id(n) for n in ast.walk(inner))
    for node in ast.walk(tree):
        type_only = id(node) in type_only_nodes
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(rel, node.lineno, alias.name, type_only)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(path, node.level, node.module)
            yield Import(rel, node.lineno, base, type_only)
            # `from handlers import telegram` imports handlers.channels.telegram.
            for alias in node.names:
                if alias.name != "*":
                    yield Import(rel, node.lineno, f"{base}.{alias.name}", type_only)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if name in ("import_module", "__import__") and isinstance(arg, ast.Constant) \
                    and isinstance(arg.value, str):
                yield Import(rel, node.lineno, arg.value, type_only)


def all_imports() -> list[Import]:
    found: list[Import] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            found.extend(_imports_in(path.read_text(encoding="utf-8"), rel))
    return found


IMPORTS = all_imports()

# Known breaches, reported to the maintainers; remove an entry once it is fixed (the test
# below fails while a listed breach no longer exists, so this list cannot go stale).
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()


def violations(package: str, forbidden: frozenset[str]) -> list[Import]:
    return [i for i in IMPORTS
            if i.package == package and (i.top in forbidden or i.module in forbidden)]


RULES = {
    "dialogs imports no platform or database library": (
        ["dialogs"], PLATFORM_LIBS | DATABASE_LIBS),
    "dialogs imports none of handlers, storage, bot": (
        ["dialogs"], frozenset({"handlers", "storage", "bot"})),
    "only storage imports database libraries": (
        ["dialogs", "handlers", "bot"], DATABASE_LIBS),
    "handlers never imports bot": (["handlers"], frozenset({"bot"})),
    "handlers reach the batch only through storage.turns": (["handlers"], STORAGE_INTERNALS),
}


def test_every_package_was_scanned() -> None:
    files = {i.file.split("/", 1)[0] for i in IMPORTS}
    assert files == set(PACKAGES)
    # The scan sees what it must: storage does use sqlalchemy, handlers does use aiohttp.
    assert violations("storage", DATABASE_LIBS)
    assert violations("handlers", PLATFORM_LIBS)
    assert any(i.module.startswith("bot.") for i in IMPORTS if i.package == "bot")


def _known(i: Import) -> bool:
    # `from bot.settings import Settings` yields bot.settings and bot.settings.Settings.
    return any(file == i.file and (i.module == module or i.module.startswith(module + "."))
               for file, module in KNOWN_VIOLATIONS)


@pytest.mark.parametrize("rule", list(RULES))
def test_import_rule(rule: str) -> None:
    packages, forbidden = RULES[rule]
    broken = [i for p in packages for i in violations(p, forbidden) if not _known(i)]
    assert not broken, f"{rule}:\n" + "\n".join(sorted(set(map(str, broken))))


def test_known_violations_are_still_real() -> None:
    stale = {(file, module) for file, module in KNOWN_VIOLATIONS
             if not any(i.file == file and i.module == module for i in IMPORTS)}
    assert not stale, f"fixed, remove from KNOWN_VIOLATIONS: {sorted(stale)}"


def test_the_scanner_catches_breaches() -> None:
    """The rules can fail: a module breaking each of them is caught."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import sqlalchemy.ext.asyncio\n"
        "from ..bot import app\n"
        "if TYPE_CHECKING:\n"
        "    from bot.settings import Settings\n"
        "def f():\n"
        "    import importlib\n"
        "    return importlib.import_module('asyncpg')\n"
        "from storage.desk import TicketLedger\n"
    )
    found = list(_imports_in(source, "handlers/probe.py"))
    modules = {(i.module, i.type_only) for i in found}
    assert ("storage.desk.TicketLedger", False) in modules  # a name, not only its module
    assert ("sqlalchemy.ext.asyncio", False) in modules
    assert ("bot.app", False) in modules  # the relative import, resolved
    assert ("bot.settings", True) in modules
    assert ("asyncpg", False) in modules


# --- the backend is chosen once -------------------------------------------------------------
# Storage asks which database it runs on only where it is built; everything else is either
# the same on both or lives in one class per backend (storage.batch_sqlite, batch_postgres,
# ledger_sqlite, ledger_postgres). Migrations (storage/migrations/) are alembic's, not scanned.
BACKEND_CHOOSERS = frozenset({
    ("storage/database.py", "create_engine"),  # the engine: pool, pragmas, how to BEGIN
    ("storage/store.py", "Store.__init__"),  # the batch's implementation, the read engine
})
# Known branches elsewhere, reported to the maintainers; remove an entry once it is fixed.
KNOWN_BACKEND_BRANCHES: frozenset[tuple[str, str]] = frozenset({
    ("storage/upsert.py", "insert_for"),
    ("storage/sessions.py", "LoginFailures.reserve"),
    ("storage/queue.py", "TicketQueue.take_next"),
})


@dataclass(frozen=True)
class BackendCheck:
    file: str
    function: str  # qualified within its module, e.g. "Store.__init__"
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.function} asks for the backend: {self.what}"


def _asks_for_backend(node: ast.AST) -> str | None:
    """What in `node` tells the backends apart: the dialect's name, `is_sqlite`, or a
    backend-only helper tested for None (`self.sqlite is not None`, `self.driver is None`)."""
    if isinstance(node, ast.Attribute) and node.attr == "name" \
            and isinstance(node.value, ast.Attribute) and node.value.attr == "dialect":
        return "dialect.name"
    if _named(node) == "is_sqlite":
        return "is_sqlite"
    if isinstance(node, ast.Compare) and _named(node.left) in ("sqlite", "driver") \
            and all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops) \
            and all(isinstance(c, ast.Constant) and c.value is None for c in node.comparators):
        return f"{_named(node.left)} tested for None"
    return None


def _named(node: ast.AST) -> str | None:
    """`x` of the name `x` or the attribute `….x`."""
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def backend_checks_in(source: str, rel_path: str) -> Iterator[BackendCheck]:
    def visit(node: ast.AST, scope: list[str]) -> Iterator[BackendCheck]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from visit(child, [*scope, child.name])
                continue
            if isinstance(child, ast.Assert):
                continue  # `assert driver is not None` checks, it does not choose
            what = _asks_for_backend(child)
            if what is not None:
                yield BackendCheck(rel_path, ".".join(scope) or "<module>",
                                   getattr(child, "lineno", 0), what)
            yield from visit(child, scope)

    yield from visit(ast.parse(source, filename=rel_path), [])


def all_backend_checks() -> list[BackendCheck]:
    found: list[BackendCheck] = []
    for path in sorted((ROOT / "storage").glob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        found.extend(backend_checks_in(path.read_text(encoding="utf-8"), rel))
    return found


BACKEND_CHECKS = all_backend_checks()


def test_storage_chooses_its_backend_in_one_place() -> None:
    allowed = BACKEND_CHOOSERS | KNOWN_BACKEND_BRANCHES
    broken = [c for c in BACKEND_CHECKS if (c.file, c.function) not in allowed]
    assert not broken, "choose the backend when storage is built:\n" + "\n".join(
        str(c) for c in sorted(broken, key=lambda c: (c.file, c.line)))


def test_known_backend_branches_are_still_real() -> None:
    listed = BACKEND_CHOOSERS | KNOWN_BACKEND_BRANCHES
    stale = {entry for entry in listed
             if not any((c.file, c.function) == entry for c in BACKEND_CHECKS)}
    assert not stale, f"no longer there, remove from the lists: {sorted(stale)}"


def test_the_backend_scanner_catches_branches() -> None:
    source = (
        "class Batch:\n"
        "    async def claim(self):\n"
        "        if self.sqlite is not None:\n"
        "            return 1\n"
        "        return self.conn.dialect.name == 'postgresql'\n"
        "    def checkpoint(self):\n"
        "        return run() if self.is_sqlite else None\n"
        "def prefetch(ledger):\n"
        "    if ledger.driver is None:\n"
        "        return is_sqlite(url)\n"
        "    driver = ledger.driver\n"
        "    assert driver is not None\n"
        "    return driver is not None\n"
    )
    found = sorted((c.line, c.function, c.what)
                   for c in backend_checks_in(source, "storage/probe.py"))
    assert found == [(3, "Batch.claim", "sqlite tested for None"),
                     (5, "Batch.claim", "dialect.name"),
                     (7, "Batch.checkpoint", "is_sqlite"),
                     (9, "prefetch", "driver tested for None"),
                     (10, "prefetch", "is_sqlite"),
                     (13, "prefetch", "driver tested for None")]  # not the assert on line 12


# --- module sizes, and where commands and events live ---------------------------------------
# A reader finds behaviour by folder and file name; a module past this size holds several
# things, and is split by what each does.
MAX_LINES = 450
# Known long modules, to be split; remove an entry once it is (the test below fails while a
# listed module is no longer long, so this list cannot go stale).
KNOWN_LONG: frozenset[str] = frozenset()
# Commands to the dialog and events from it each have one home: a type of the same name
# elsewhere is a second way in or out, or a reader's confusion.
TYPE_HOMES = ("dialogs/commands.py", "dialogs/events.py")
# Known clashes, to be renamed; remove an entry once it is (checked like KNOWN_LONG).
KNOWN_CLASHES: frozenset[tuple[str, str]] = frozenset()


def _sources() -> dict[str, str]:
    return {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


SOURCES = _sources()


def long_modules(sources: dict[str, str]) -> dict[str, int]:
    return {rel: n for rel, text in sources.items() if (n := len(text.splitlines())) > MAX_LINES}


def defined_names(source: str, rel_path: str) -> Iterator[tuple[str, int]]:
    """Classes anywhere in the module, and names it binds at the top (`Event = A | B`)."""
    tree = ast.parse(source, filename=rel_path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            yield node.name, node.lineno
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id, node.lineno


def clashes(sources: dict[str, str]) -> list[tuple[str, str, int]]:
    """(file, name, line) for each type defined outside its home under a home's name."""
    homes = {name for rel in TYPE_HOMES for name, _ in defined_names(sources[rel], rel)}
    return [(rel, name, line) for rel, text in sources.items() if rel not in TYPE_HOMES
            for name, line in defined_names(text, rel) if name in homes]


def test_no_module_is_too_long() -> None:
    found = {rel: n for rel, n in long_modules(SOURCES).items() if rel not in KNOWN_LONG}
    assert not found, f"over {MAX_LINES} lines, split by what each part does:\n" + "\n".join(
        f"{rel}: {n} lines" for rel, n in sorted(found.items()))


def test_known_long_modules_are_still_long() -> None:
    stale = KNOWN_LONG - set(long_modules(SOURCES))
    assert not stale, f"no longer long, remove from KNOWN_LONG: {sorted(stale)}"


def test_commands_and_events_are_defined_only_in_their_homes() -> None:
    found = [c for c in clashes(SOURCES) if c[:2] not in KNOWN_CLASHES]
    assert not found, "defined outside dialogs/commands.py and dialogs/events.py:\n" + "\n".join(
        f"{rel}:{line} {name}" for rel, name, line in found)


def test_known_clashes_are_still_real() -> None:
    stale = KNOWN_CLASHES - {c[:2] for c in clashes(SOURCES)}
    assert not stale, f"renamed, remove from KNOWN_CLASHES: {sorted(stale)}"


def test_the_unions_hold_the_types_of_their_home() -> None:
    """Every command type is a Command and every event type an Event, and nothing else is."""
    from dialogs import commands, events

    for union, home in ((commands.Command, commands), (events.Event, events)):
        members = set(get_args(union))
        defined = {v for v in vars(home).values()
                   if isinstance(v, type) and is_dataclass(v) and v.__module__ == home.__name__}
        assert members == defined, f"{home.__name__}: {union} against {defined}"
    assert set(get_args(events.TurnEvent)) <= set(get_args(events.Event))
    assert set(commands.DRAFT_COMMANDS) <= set(get_args(commands.Command))


def test_the_size_and_home_scanners_catch_breaches() -> None:
    probe = {
        "dialogs/commands.py": "class Remind:\n    pass\nCommand = Remind\n",
        "dialogs/events.py": "class Escalated:\n    pass\n",
        "handlers/probe.py": (
            "class Escalated:\n    pass\n"
            "def f():\n    class Remind:\n        pass\n"
            "Command: object = int\n"
            "x = Escalated()\n"  # a use, not a definition
        ),
        "bot/long.py": "x = 1\n" * (MAX_LINES + 1),
        "bot/short.py": "x = 1\n" * MAX_LINES,
    }
    assert sorted(clashes(probe)) == [("handlers/probe.py", "Command", 6),
                                      ("handlers/probe.py", "Escalated", 1),
                                      ("handlers/probe.py", "Remind", 4)]
    assert long_modules(probe) == {"bot/long.py": MAX_LINES + 1}


# --- the rooms of handlers/ -------------------------------------------------------------------
# handlers/ is grouped by what each part serves, and each room uses only those below it: the
# channels know nothing of turns or agents, the pipeline knows no agent, the utilities nothing
# of ours. (dialogs/ and storage/'s public modules are open to all, as the rules above say.)
ROOMS: dict[str, frozenset[str]] = {
    "handlers/util": frozenset({"handlers.util"}),
    "handlers/ops": frozenset({"handlers.ops", "handlers.util"}),
    "handlers/channels": frozenset({"handlers.channels", "handlers.util"}),
    "handlers/turns": frozenset({"handlers.turns", "handlers.channels", "handlers.ops",
                                 "handlers.util"}),
    # Live news across processes: what an event means to a console page, written and read.
    "handlers/live": frozenset({"handlers.live", "handlers.util"}),
    "handlers/agents": frozenset({"handlers.agents", "handlers.turns", "handlers.channels",
                                  "handlers.ops", "handlers.live", "handlers.util"}),
    # The configuration bundle at run time: the pipeline is handed its check as a callable.
    "handlers/config": frozenset({"handlers.config", "handlers.util"}),
    # The reports read what agents and customers did, and use the console's sessions.
    "handlers/reports": frozenset({"handlers.reports", "handlers.agents", "handlers.turns",
                                   "handlers.channels", "handlers.ops", "handlers.util"}),
    # The admin studio publishes through the bundle's studio and shares the console's
    # sessions, passwords and security headers.
    "handlers/admin": frozenset({"handlers.admin", "handlers.config", "handlers.agents",
                                 "handlers.util"}),
}


def _room(file: str) -> str | None:
    return next((room for room in ROOMS if file.startswith(room + "/")), None)


def test_every_handlers_module_is_in_a_room() -> None:
    loose = sorted({i.file for i in IMPORTS if i.package == "handlers"
                    and i.file != "handlers/__init__.py" and _room(i.file) is None})
    assert not loose, f"put each in handlers/{{{', '.join(r.split('/')[1] for r in ROOMS)}}}: " \
        + ", ".join(loose)


def room_breaches(imports: list[Import]) -> list[Import]:
    found = []
    for i in imports:
        room = _room(i.file)
        if room is None or not i.module.startswith("handlers."):
            continue
        if not any(i.module == ok or i.module.startswith(ok + ".") for ok in ROOMS[room]):
            found.append(i)
    return found


def test_each_room_uses_only_the_rooms_below_it() -> None:
    broken = room_breaches(IMPORTS)
    assert not broken, "\n".join(sorted(set(map(str, broken))))


def test_the_room_rule_can_fail() -> None:
    probe = list(_imports_in("from handlers.agents.desk import AgentDesk\n",
                             "handlers/channels/probe.py"))
    assert room_breaches(probe)


# --- bench/ and SQL ---------------------------------------------------------------------------
# bench/ measures the product through its own code. Four scripts speak SQL directly, on
# purpose (README, "How it is built"): intake.py seeds 100,000 stored conversations in bulk,
# relay.py makes and drops its scratch PostgreSQL database and audits double takes,
# reports.py seeds a year of 200,000 tickets in bulk, and search.py seeds 200,000 tickets and
# their messages in bulk (the index through storage's own SearchIndex).
BENCH_SQL = frozenset({"bench/intake.py", "bench/relay.py", "bench/reports.py",
                       "bench/search.py"})


def test_only_the_named_bench_scripts_speak_sql() -> None:
    speaking = set()
    for path in sorted((ROOT / "bench").glob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(i.top in DATABASE_LIBS or i.module.startswith("storage.schema")
               for i in _imports_in(path.read_text(encoding="utf-8"), rel)):
            speaking.add(rel)
    assert speaking == BENCH_SQL, f"bench scripts speaking SQL: {sorted(speaking)}"
