"""`heard failed list|retry|drop`, run for real in a subprocess against a database in which
the pipeline kept a failed turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core import open_core
from dialogs.engine import DialogEngine
from tests.conftest import Clock, Customer, make_settings
from tests.test_cli import clean_env, heard


async def test_failed_list_retry_and_drop(tmp_path: Path, clock: Clock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    env = clean_env(tmp_path)

    async def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(DialogEngine, "turn", broken)
    async with open_core(make_settings(env["DATABASE_URL"]), clock=clock) as core:
        first, second = Customer(core, "11"), Customer(core, "22")
        kept = [first.inbound("hello"), second.inbound("hi there")]
        await first.send(kept[0])
        clock.advance(seconds=1)
        await second.send(kept[1])
    refs = [f"telegram:{i.update_id}" for i in kept]

    listed = heard("failed", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == refs[::-1]  # newest failure first
    assert all("\tretrying\ttries=1\t" in line and "RuntimeError: a bug" in line
               for line in lines)
    assert "hello" not in listed.stdout  # a shell and its scrollback are no place for it

    done = heard("failed", "retry", refs[0], env=env, cwd=tmp_path)
    assert done.returncode == 0 and "tried again" in done.stdout
    done = heard("failed", "drop", refs[1], env=env, cwd=tmp_path)
    assert done.returncode == 0 and "dropped" in done.stdout
    again = heard("failed", "drop", refs[1], env=env, cwd=tmp_path)
    assert again.returncode == 1 and again.stderr.strip() == \
        f"heard: {refs[1]} is not a failed message"
    bad = heard("failed", "retry", "no-colon", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "CHANNEL:UPDATE" in bad.stderr

    listed = heard("failed", "list", env=env, cwd=tmp_path)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [refs[0]]
    assert "\tretrying\ttries=0\t" in listed.stdout
