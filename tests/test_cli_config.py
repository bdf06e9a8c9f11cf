"""`heard config`, run for real: export, import (dry run, refusal, publish), versions, diff,
rollback; and two real processes, `heard run` serving the web chat while `heard config
import` publishes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.test_cli import Running, clean_env, free_port, heard

NEW = "Hi from the studio! What happened?"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


def edit_greeting(text: str, greeting: str = NEW) -> str:
    data = yaml.safe_load(text)
    data["templates"]["greet"]["en"] = greeting
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def export(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = heard("config", "export", *args, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def versions(env: dict[str, str], cwd: Path) -> list[str]:
    done = heard("config", "versions", env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_help_tells_the_config_actions(env: dict[str, str], tmp_path: Path) -> None:
    done = heard("config", "--help", env=env, cwd=tmp_path)
    assert done.returncode == 0
    for action in ("export", "import", "versions", "diff", "rollback"):
        assert re.search(rf"^\s+{action}\s", done.stdout, re.M), done.stdout
    done = heard("config", "import", "--help", env=env, cwd=tmp_path)
    assert "--dry-run" in done.stdout and "--note" in done.stdout


def test_export_import_round_trip_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    text = export(env, tmp_path)
    (tmp_path / "bundle.yaml").write_text(text, encoding="utf-8")
    done = heard("config", "import", "bundle.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no changes from version 1; nothing published"
    assert [v.split("\t")[0] for v in versions(env, tmp_path)] == ["v1"]
    assert export(env, tmp_path) == text


def test_dry_run_prints_the_diff_and_publishes_nothing(env: dict[str, str],
                                                       tmp_path: Path) -> None:
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    (tmp_path / "b.yaml").write_text(edit_greeting(export(env, tmp_path)), encoding="utf-8")
    done = heard("config", "import", "b.yaml", "--dry-run", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("~ templates/greet/en/neutral: ")
    assert "{+Hi from the studio!+}" in lines[0] or "{+Hi+}" in lines[0]
    assert lines[-1] == "dry run: 1 change from version 1; nothing published"
    assert len(versions(env, tmp_path)) == 1


def test_import_publishes_a_version_and_rollback_brings_the_old_back(
        env: dict[str, str], tmp_path: Path) -> None:
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    original = export(env, tmp_path)
    (tmp_path / "b.yaml").write_text(edit_greeting(original), encoding="utf-8")
    done = heard("config", "import", "b.yaml", "--note", "warmer greeting", "--as", "alice",
                 env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "published version 2 (1 change from version 1)"
    assert yaml.safe_load(export(env, tmp_path))["templates"]["greet"]["en"] == NEW
    assert export(env, tmp_path, "--version", "1") == original
    v2 = versions(env, tmp_path)[0].split("\t")
    assert (v2[0], v2[2], v2[3]) == ("v2", "alice", "warmer greeting")
    diffed = heard("config", "diff", "1", "2", env=env, cwd=tmp_path)
    assert diffed.stdout.startswith("~ templates/greet/en/neutral: ")
    back = heard("config", "rollback", "1", "--as", "bob", env=env, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert back.stdout.splitlines()[-1] == ("published version 3 with the content of version 1 "
                                           "(1 change from version 2)")
    assert export(env, tmp_path) == original
    assert versions(env, tmp_path)[0].endswith("rollback to version 1 (content of v1)")
    missing = heard("config", "rollback", "9", env=env, cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.strip() == "heard: no version 9"


def test_a_refused_import_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    data = yaml.safe_load(export(env, tmp_path))
    data["templates"]["greet"]["en"] = "Hello\n{{ name "
    data["categories"]["delivery"]["team"] = "couriers"
    data["hours"]["week"]["mon"] = ["09:00-13:00", "12:00-18:00"]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                       encoding="utf-8")
    done = heard("config", "import", "bad.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""  # no diff: nothing would happen
    refusals = [line for line in done.stderr.splitlines() if line.startswith("heard: refusal")]
    assert [r.split(": ")[2] for r in refusals] == [
        "templates/greet/en/neutral, line 2", "hours/week/mon", "categories/delivery/team"]
    assert done.stderr.splitlines()[-1] == "heard: 3 refused; nothing changed"
    assert len(versions(env, tmp_path)) == 1
    (tmp_path / "broken.yaml").write_text("templates: [\n", encoding="utf-8")
    done = heard("config", "import", "broken.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("heard: refused: line ")
    done = heard("config", "import", "nowhere.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "cannot read nowhere.yaml" in done.stderr
    assert len(versions(env, tmp_path)) == 1


def test_config_on_a_missing_database_leaves_none_behind(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    done = heard("config", "versions", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "no database at" in done.stderr
    assert not (tmp_path / "cli.db").exists()


# --- two processes ------------------------------------------------------------------------------

async def greeting(port: int) -> str:
    """What a new web chat visitor is greeted with (a new session: a new visitor)."""
    base = f"http://127.0.0.1:{port}"
    # unsafe=True: the cookie jar otherwise ignores cookies set by an IP-address host.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{base}/chat") as page:
            assert page.status == 200
        async with session.ws_connect(f"{base}/chat/ws", headers={"Origin": base}) as ws:
            return await _greeted(ws)


async def _greeted(ws: aiohttp.ClientWebSocketResponse) -> str:
    await ws.send_json({"type": "hello", "languages": ["en-US"]})
    while True:
        frame = await ws.receive_json(timeout=10)
        if frame["type"] == "reply":
            return str(frame["text"])


async def until_greeted_with(port: int, text: str, seconds: float = 20.0) -> None:
    """Greeting after greeting until `text` (the deadline only stops a broken run: how fast
    it comes is bench/publish.py's to measure)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    seen = ""
    while loop.time() < deadline:
        seen = await greeting(port)
        if seen.startswith(text):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still greeted with {seen!r}")


async def publish_elsewhere(env: dict[str, str], cwd: Path) -> None:
    """`heard run` serves the web chat; another process imports a new greeting."""
    port = free_port()
    server = Running({**env, "WEB_PORT": str(port)}, cwd)
    try:
        await asyncio.to_thread(server.wait_for, "web chat on http://")
        assert not (await greeting(port)).startswith(NEW)
        text = await asyncio.to_thread(export, env, cwd)
        (cwd / "b.yaml").write_text(edit_greeting(text), encoding="utf-8")
        done = await asyncio.to_thread(heard, "config", "import", "b.yaml", "--note",
                                       "from another process", env=env, cwd=cwd)
        assert done.returncode == 0, done.stderr
        await until_greeted_with(port, NEW)
        assert "configuration bundle version 2 in force" in server.stderr
        assert await asyncio.to_thread(server.stop, signal.SIGTERM) == 0
    finally:
        server.kill()


async def test_a_publish_reaches_a_running_process_on_sqlite(env: dict[str, str],
                                                             tmp_path: Path) -> None:
    await publish_elsewhere(env, tmp_path)


@pytest.mark.postgres
async def test_a_publish_reaches_a_running_process_on_postgresql_by_notify(
        env: dict[str, str], tmp_path: Path, postgres_url: str) -> None:
    # Looking for new versions once an hour: only NOTIFY can bring this one in time.
    await publish_elsewhere({**env, "DATABASE_URL": postgres_url,
                             "BUNDLE_CHECK_SECONDS": "3600"}, tmp_path)
