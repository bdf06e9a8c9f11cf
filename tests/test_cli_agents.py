"""`heard agents add|list|disable`, run as the real console script."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers.agents.passwords import verify_password
from storage.agents import AgentStore
from storage.store import Store
from tests.test_cli import clean_env, heard


def test_agents_are_added_listed_and_disabled(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    done = heard("agents", "add", "alice", "--role", "supervisor", "--team", "logistics",
                 "--telegram-id", "4242", "--password-stdin", env=env, cwd=tmp_path,
                 stdin="correct horse battery\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "added supervisor alice on logistics"
    assert heard("agents", "add", "bob", "--role", "agent", env=env, cwd=tmp_path).returncode == 0

    again = heard("agents", "add", "alice", "--role", "agent", env=env, cwd=tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr and "Traceback" not in again.stderr
    weak = heard("agents", "add", "carol", "--role", "agent", "--password-stdin", env=env,
                 cwd=tmp_path, stdin="short\n")
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr
    bad = heard("agents", "add", "x y", "--role", "agent", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "agent name" in bad.stderr

    assert heard("agents", "disable", "bob", env=env, cwd=tmp_path).returncode == 0
    assert heard("agents", "disable", "nobody", env=env, cwd=tmp_path).returncode == 1
    listed = heard("agents", "list", env=env, cwd=tmp_path).stdout.splitlines()
    assert listed == ["alice\tsupervisor\tlogistics\t4242\tconsole\t-",
                      "bob\tagent\t-\t-\tdisabled\t-"]

    async def stored_hash() -> str | None:
        store = Store(env["DATABASE_URL"])
        try:
            return await AgentStore(store.engine).password_hash("alice")
        finally:
            await store.close()

    hashed = asyncio.run(stored_hash())
    assert hashed and hashed.startswith("$argon2")  # never the password itself
    assert asyncio.run(verify_password(hashed, "correct horse battery"))
    assert not asyncio.run(verify_password(hashed, "wrong horse battery"))


def test_agents_are_changed_and_only_known_teams_are_taken(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    unknown = heard("agents", "add", "dan", "--role", "agent", "--team", "logistcs", env=env,
                    cwd=tmp_path)
    assert unknown.returncode == 2 and "no team 'logistcs'" in unknown.stderr
    assert "logistics" in unknown.stderr  # the teams there are, to pick from
    assert heard("agents", "list", env=env, cwd=tmp_path).stdout.strip() == "no agents yet"

    assert heard("agents", "add", "dan", "--role", "agent", "--team", "logistics", env=env,
                 cwd=tmp_path).returncode == 0
    moved = heard("agents", "set-team", "dan", "finance", env=env, cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    assert heard("agents", "set-team", "dan", "nowhere", env=env, cwd=tmp_path).returncode == 2
    assert heard("agents", "set-role", "dan", "supervisor", env=env, cwd=tmp_path).returncode == 0
    assert heard("agents", "disable", "dan", env=env, cwd=tmp_path).returncode == 0
    assert heard("agents", "enable", "dan", env=env, cwd=tmp_path).returncode == 0
    assert heard("agents", "enable", "erin", env=env, cwd=tmp_path).returncode == 1
    assert heard("agents", "list", env=env, cwd=tmp_path).stdout.splitlines() == [
        "dan\tsupervisor\tfinance\t-\t-\t-"]

    # No terminal and no --password-stdin: refused, not hanging on a prompt.
    blind = heard("agents", "set-password", "dan", env=env, cwd=tmp_path)
    assert blind.returncode == 2 and "--password-stdin" in blind.stderr
    short = heard("agents", "set-password", "dan", "--password-stdin", env=env, cwd=tmp_path,
                  stdin="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    done = heard("agents", "set-password", "dan", "--password-stdin", env=env, cwd=tmp_path,
                 stdin="a much longer secret\n")
    assert done.returncode == 0, done.stderr
    assert heard("agents", "list", env=env, cwd=tmp_path).stdout.splitlines() == [
        "dan\tsupervisor\tfinance\t-\tconsole\t-"]


def test_display_names_are_set_at_add_changed_cleared_and_bad_ones_refused(
        tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    added = heard("agents", "add", "lin", "--role", "agent", "--display-name", "  客服小林 ",
                  env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added agent lin, shown to customers as 客服小林"
    assert heard("agents", "list", env=env, cwd=tmp_path).stdout.strip().endswith("\t客服小林")

    for bad in ("", "x" * 41, "Ann\nLee", "Ann\u202eLee"):
        refused = heard("agents", "set-display-name", "lin", bad, env=env, cwd=tmp_path)
        assert refused.returncode == 2 and "display name is 1 to 40" in refused.stderr, bad
    refused = heard("agents", "add", "mo", "--role", "agent", "--display-name", " ",
                    env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "display name" in refused.stderr
    assert "mo\t" not in heard("agents", "list", env=env, cwd=tmp_path).stdout

    changed = heard("agents", "set-display-name", "lin", "Lin W.", env=env, cwd=tmp_path)
    assert changed.returncode == 0 and changed.stdout.strip() == "customers see lin as Lin W."
    assert heard("agents", "list", env=env, cwd=tmp_path).stdout.strip().endswith("\tLin W.")
    nobody = heard("agents", "set-display-name", "nobody", "Ann", env=env, cwd=tmp_path)
    assert nobody.returncode == 1
    cleared = heard("agents", "set-display-name", "lin", "-", env=env, cwd=tmp_path)
    assert cleared.returncode == 0
    assert heard("agents", "list", env=env, cwd=tmp_path).stdout.strip().endswith("\t-")
