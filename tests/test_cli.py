"""The installed `heard` console script, run for real in a subprocess.

Each run gets an environment without any of the service's settings except the ones a test
sets, a DATABASE_URL inside tmp_path, and cwd=tmp_path so no .env is picked up."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.settings import Settings
from dialogs.machine import STATES


def heard_script() -> str:
    beside = Path(sys.executable).parent / "heard"
    if beside.exists():
        return str(beside)
    found = shutil.which("heard")
    assert found, "the `heard` console script is not installed (pip install -e .)"
    return found


HEARD = heard_script()
SETTING_NAMES = {f.alias for f in Settings.model_fields.values() if f.alias}


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment without any of heard's settings, and a database in `tmp_path`."""
    clean = {k: v for k, v in os.environ.items()
             if k not in SETTING_NAMES and not k.startswith(("TELEGRAM_", "WEB_"))}
    clean["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    clean["PYTHONUNBUFFERED"] = "1"
    clean.pop("CI", None)
    return clean


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


def heard(*args: str, env: dict[str, str], cwd: Path, stdin: str | None = None,
          timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEARD, *args], env=env, cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_help_lists_the_commands(env: dict[str, str], tmp_path: Path) -> None:
    done = heard("--help", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("run", "chat", "db", "dialog"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.M), done.stdout
    # A command is required.
    bare = heard(env=env, cwd=tmp_path)
    assert bare.returncode == 2 and "usage: heard" in bare.stderr


def test_dialog_graph_mermaid_and_dot(env: dict[str, str], tmp_path: Path) -> None:
    mermaid = heard("dialog", "graph", env=env, cwd=tmp_path)
    assert mermaid.returncode == 0, mermaid.stderr
    assert "stateDiagram-v2" in mermaid.stdout
    for state in STATES:
        assert re.search(rf"^\s*state \"{state}\" as {state}$", mermaid.stdout, re.M), state
    assert re.search(r"^\s*listening --> categorizing", mermaid.stdout, re.M), mermaid.stdout
    assert re.search(r"^\s*confirming --> filed", mermaid.stdout, re.M)

    dot = heard("dialog", "graph", "--format", "dot", env=env, cwd=tmp_path)
    assert dot.returncode == 0, dot.stderr
    assert dot.stdout.lstrip().startswith("digraph")
    for state in STATES:
        assert re.search(rf"^\s*{state} \[", dot.stdout, re.M), state
    assert re.search(r"^\s*confirming -> filed", dot.stdout, re.M), dot.stdout

    bad = heard("dialog", "graph", "--format", "png", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_db_upgrade_creates_the_tables(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{db}"
    done = heard("db", "upgrade", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "schema is up to date" in done.stdout
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"customers", "conversations", "messages", "attachments", "inbound_updates",
            "tickets", "ticket_events", "ticket_counters", "templates",
            "alembic_version"} <= tables
    assert len(version) == 1
    # Running it again is a no-op.
    again = heard("db", "upgrade", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(("name", "value"), [
    ("WEB_PORT", "abc"),
    ("DATABASE_URL", "mysql://x"),
    ("HEARD_TIMEZONE", "Mars/Base"),
])
@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"], ["chat"]])
def test_bad_setting_exits_2_with_one_line_naming_it(
    env: dict[str, str], tmp_path: Path, name: str, value: str, command: list[str]
) -> None:
    env[name] = value
    if name != "WEB_PORT":
        env["WEB_PORT"] = str(free_port())  # should it start anyway, not on a shared port
    done = heard(*command, env=env, cwd=tmp_path, stdin="", timeout=30)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("heard: ") and name in lines[0], lines
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_bad_setting_in_dotenv_is_reported_too(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HEARD_TIMEZONE=Mars/Base\n", encoding="utf-8")
    done = heard("db", "upgrade", env=env, cwd=tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("heard: ") and "HEARD_TIMEZONE" in line


def test_chat_in_the_terminal_files_a_complaint_from_piped_lines(
    env: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        "My parcel never arrived. The courier says it was delivered but it wasn't.",
        "1",  # That's all
        "1",  # Delivery (the inferred category comes first)
        "JD20261118001",
        "yesterday",
        "1",  # Refund
        "+86 138 0013 8000",
        "1",  # Confirm
    ]
    done = heard("chat", env=env, cwd=tmp_path, stdin="\n".join(lines) + "\n", timeout=90)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Traceback" not in done.stderr and "(error:" not in out
    # Replies are prefixed, and buttons come as numbered lines to type.
    assert out.startswith("bot> "), out[:200]
    assert re.search(r"^\s+1\. That's all$", out, re.M), out
    assert re.search(r"^\s+1\. Delivery$", out, re.M), out
    assert re.search(r"^\s+1\. Confirm$", out, re.M) and re.search(r"^\s+2\. Edit$", out, re.M)
    assert "let me check i have this right" in out.lower()
    assert "JD20261118001" in out and "+8613800138000" in out
    m = re.search(r"\bC-\d{8}-0001\b", out)
    assert m, out
    # No prompt is printed when stdin is not a terminal, and EOF ends the session.
    assert "you> " not in out
    # The conversation went into the database given by DATABASE_URL.
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        numbers = [r[0] for r in conn.execute("SELECT number FROM tickets")]
        channels = {r[0] for r in conn.execute("SELECT channel FROM conversations")}
    assert numbers == [m.group(0)] and channels == {"terminal"}


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _wait_until_serving(proc: subprocess.Popen[str], url: str, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"heard run exited early ({proc.returncode}): "
                                 f"{proc.stderr.read() if proc.stderr else ''}")
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f"heard run did not serve {url} within {timeout}s")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_serves_and_stops_cleanly_on_a_signal(
    env: dict[str, str], tmp_path: Path, sig: signal.Signals
) -> None:
    port = free_port()
    env["WEB_PORT"] = str(port)
    env["WEB_SECRET"] = "cli-test-secret"
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([HEARD, "run"], env=env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_until_serving(proc, base + "/healthz")
        status, body = _get(base + "/healthz")
        assert (status, body.replace(" ", "")) == (200, '{"ok":true}')
        status, page = _get(base + "/chat")
        assert status == 200 and 'id="messages"' in page
        started = time.monotonic()
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=15)
        assert proc.returncode == 0, stderr
        assert time.monotonic() - started < 10
        assert "Traceback" not in stderr, stderr
        assert f"web chat on http://127.0.0.1:{port}/chat" in stderr
        # It really stopped serving.
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            _get(base + "/healthz")
        # `run` upgraded the schema in the configured database.
        with sqlite3.connect(tmp_path / "cli.db") as conn:
            assert conn.execute("SELECT count(*) FROM templates").fetchone()[0] > 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_run_on_a_busy_port_says_so(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env["WEB_PORT"] = str(busy.getsockname()[1])
        done = heard("run", env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "cannot serve on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr


def test_comma_separated_allowed_origins_are_accepted(
    env: dict[str, str], tmp_path: Path
) -> None:
    env["WEB_ALLOWED_ORIGINS"] = "https://shop.example, https://m.shop.example"
    done = heard("db", "upgrade", env=env, cwd=tmp_path, timeout=30)
    assert done.returncode == 0, done.stderr
    env["WEB_ALLOWED_ORIGINS"] = "not-an-origin"
    done = heard("db", "upgrade", env=env, cwd=tmp_path, timeout=30)
    assert done.returncode == 2 and "WEB_ALLOWED_ORIGINS" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("secret", [None, "not a valid secret!"], ids=["missing", "malformed"])
def test_webhook_without_a_usable_secret_is_a_bad_setting(
    env: dict[str, str], tmp_path: Path, secret: str | None
) -> None:
    env["TELEGRAM_BOT_TOKEN"] = "123456:TEST-token"
    env["TELEGRAM_WEBHOOK_URL"] = "https://example.invalid/tg/hook"
    # Should it get as far as calling Telegram, it meets a closed local port, not the internet.
    env["TELEGRAM_API_BASE_URL"] = f"http://127.0.0.1:{free_port()}/bot"
    if secret is not None:
        env["TELEGRAM_WEBHOOK_SECRET"] = secret
    env["WEB_PORT"] = str(free_port())
    done = heard("run", env=env, cwd=tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert "TELEGRAM_WEBHOOK_SECRET" in line
