"""The installed `heard` console script, run for real in a subprocess.

Each run gets an environment without any of the service's settings except the ones a test
sets, a DATABASE_URL inside tmp_path, and cwd=tmp_path so no .env is picked up."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.settings import OUR_PREFIXES, Settings
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
    """The environment without any of heard's settings (or names that look like one), and a
    database in `tmp_path`."""
    clean = {k: v for k, v in os.environ.items()
             if k not in SETTING_NAMES and not k.upper().startswith(OUR_PREFIXES)}
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
    assert heard("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
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


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode()


class Running:
    """`heard run` in a subprocess, its stderr read line by line as it comes."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen([HEARD, "run"], env=env, cwd=cwd, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)
        self._new.put(None)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if text in line:
                return line
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"heard run exited ({self.proc.wait()}) without {text!r}: "
                                     + "\n".join(self.lines))
            if text in line:
                return line.rstrip("\n")
        raise AssertionError(f"no {text!r} within {timeout}s: " + "\n".join(self.lines))

    def stop(self, sig: signal.Signals, timeout: float = 30) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.wait_for_end()
        return code

    def wait_for_end(self) -> None:
        while self._new.get(timeout=10) is not None:
            pass

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_serves_and_stops_cleanly_on_a_signal(
    env: dict[str, str], tmp_path: Path, sig: signal.Signals
) -> None:
    port = free_port()
    env["WEB_PORT"] = str(port)
    env["WEB_SECRET"] = "cli-test-secret-0123456789abcdefghij"
    base = f"http://127.0.0.1:{port}"
    run = Running(env, tmp_path)
    try:
        run.wait_for(f"web chat on http://127.0.0.1:{port}/chat")
        # Said once the site listens: the very first request after the line is answered.
        status, body = _get(base + "/healthz")
        # With the configuration bundle version in force: the first, made at this start.
        assert (status, body.replace(" ", "")) == (200, '{"ok":true,"bundle":1}')
        agent = {"User-Agent": "Mozilla/5.0 heard-test-browser/1.0"}
        status, page = _get(base + "/chat", agent)
        assert status == 200 and 'id="messages"' in page
        static = re.search(r'src="(/chat/static/[^"]+)"', page)
        assert static, page
        assert _get(base + static.group(1), agent)[0] == 200
        started = time.monotonic()
        assert run.stop(sig) == 0, run.stderr
        # Generous: it used to take 9-29 s with pages open; what matters is that it ends.
        assert time.monotonic() - started < 10
        assert "Traceback" not in run.stderr, run.stderr
        assert re.search(r"INFO heard: stopping", run.stderr), run.stderr
        assert re.search(r"INFO heard: stopped$", run.stderr, re.M), run.stderr
        # Access lines: the page, without the browser's user agent; static files and health
        # checks that worked are not worth a line.
        assert re.search(r'aiohttp.access: 127\.0\.0\.1 "GET /chat" 200 ', run.stderr), run.stderr
        assert "heard-test-browser" not in run.stderr
        assert "/healthz" not in run.stderr and "/chat/static/" not in run.stderr
        # It really stopped serving.
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            _get(base + "/healthz")
        # `run` upgraded the schema in the configured database and made the bundle's first
        # version there.
        with sqlite3.connect(tmp_path / "cli.db") as conn:
            assert conn.execute("SELECT number FROM bundle_versions").fetchall() == [(1,)]
    finally:
        run.kill()


def test_run_serves_while_telegram_cannot_be_reached(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env["WEB_PORT"] = str(port)
    env["TELEGRAM_BOT_TOKEN"] = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
    # Nothing listens there: connections are refused at once, without leaving this machine.
    env["TELEGRAM_API_BASE_URL"] = f"http://127.0.0.1:{free_port()}/bot"
    run = Running(env, tmp_path)
    try:
        run.wait_for(f"web chat on http://127.0.0.1:{port}/chat")
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert run.stop(signal.SIGINT) == 0, run.stderr
        telegram = [line for line in run.lines if "telegram" in line]
        assert len(telegram) == 1, run.stderr
        assert "cannot be reached" in telegram[0] and "retried in the background" in telegram[0]
        assert "Traceback" not in run.stderr and env["TELEGRAM_BOT_TOKEN"] not in run.stderr
    finally:
        run.kill()


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


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("heard: "), lines
    return lines[0]


DOWN_PORT = free_port()


@pytest.mark.parametrize(("settings", "code", "says"), [
    # Nothing listens on DOWN_PORT: a PostgreSQL server that is down. Not a bad setting as
    # such (the server may just not be up yet), so 1, like a port in use.
    ({"DATABASE_URL": f"postgresql+asyncpg://heard:pw-never-shown@127.0.0.1:{DOWN_PORT}/heard"},
     1, f"cannot reach the database at 127.0.0.1:{DOWN_PORT}: connection refused (check "
        "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite+aiosqlite:///{tmp}/missing/heard.db"},
     2, "bad setting DATABASE_URL: the folder {tmp}/missing does not exist"),
    ({"DATABASE_URL": "postgresql+asyncpg://heard:pw-never-shown@127.0.0.1:99999/heard"},
     2, "bad setting DATABASE_URL: the port must be a number from 1 to 65535"),
    ({"DATABASE_URL": "postgresql+asyncpg://heard:pw-never-shown@127.0.0.1:abc/heard"},
     2, "bad setting DATABASE_URL: the port must be a number from 1 to 65535"),
    ({"LOG_LEVEL": "LOUD"}, 2, "bad setting LOG_LEVEL: one of DEBUG, INFO, WARNING, ERROR"),
    ({"TELEGRAM_WEBHOOK_URL": "https://example.invalid/tg/hook",
      "TELEGRAM_WEBHOOK_SECRET": "s3cret"},
     2, "bad setting TELEGRAM_WEBHOOK_URL: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_AGENT_CHAT_ID": "-100123"},
     2, "bad setting TELEGRAM_AGENT_CHAT_ID: TELEGRAM_AGENT_CHAT_ID is set but TELEGRAM_BOT"),
    ({"WEB_SECRET": "x"}, 2, "bad setting WEB_SECRET: String should have at least 32 char"),
], ids=["postgres-down", "sqlite-folder", "port-99999", "port-abc", "log-level",
        "webhook-without-token", "agents-chat-without-token", "short-web-secret"])
@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"]], ids=["run", "db"])
def test_a_start_up_problem_is_one_line(
    env: dict[str, str], tmp_path: Path, settings: dict[str, str], code: int, says: str,
    command: list[str]
) -> None:
    env.update({k: v.format(tmp=tmp_path) for k, v in settings.items()})
    env["WEB_PORT"] = str(free_port())  # should it start anyway, not on a shared port
    done = heard(*command, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == code, done.stderr
    line = _one_line(done)
    assert says.format(tmp=tmp_path) in line, line
    assert "pw-never-shown" not in line
    assert done.stdout == ""


@pytest.mark.postgres
def test_a_refused_database_login_is_a_bad_setting(env: dict[str, str], tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL not set")
    wrong = make_url(url).set(password="pw-never-shown")
    env["DATABASE_URL"] = wrong.render_as_string(hide_password=False)
    done = heard("agents", "list", env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    line = _one_line(done)
    assert line.startswith("heard: bad setting DATABASE_URL: the database at ")
    assert "password authentication failed" in line and "pw-never-shown" not in line


@pytest.mark.parametrize("command", [
    ["agents", "list"], ["agents", "add", "alice", "--role", "agent"],
    ["agents", "disable", "alice"], ["chat"]], ids=lambda c: " ".join(c))
def test_a_command_on_a_missing_database_leaves_no_empty_one_behind(
    env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "cli.db"
    done = heard(*command, env=env, cwd=tmp_path, stdin="", timeout=60)
    assert done.returncode == 2, done.stderr
    assert _one_line(done) == (f"heard: no database at {db}; run `heard db upgrade` "
                               "(or `heard run`) first")
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_a_misspelt_setting_is_warned_about_and_the_rest_goes_on(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("WEB_HOST=127.0.0.1\nWEBPORT=8081\n", encoding="utf-8")
    env["TELEGRAM_TOKEN"] = "123456:whatever"
    env["HEARD_TIMEZONE"] = "UTC"  # known: no warning
    env["PATHWAY"] = "not ours"  # not one of our prefixes: none of our business
    done = heard("db", "upgrade", env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "schema is up to date" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("heard: warning")]
    assert warnings == [
        "heard: warning: WEBPORT in .env is not a setting (did you mean WEB_PORT?)",
        "heard: warning: TELEGRAM_TOKEN in the environment is not a setting "
        "(did you mean TELEGRAM_BOT_TOKEN?)",
    ], done.stderr
    assert "123456:whatever" not in done.stderr
