"""bench/relay.py at a tiny scale, so it keeps working: correctness only, never timings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL

RELAY = Path(__file__).resolve().parent.parent / "bench" / "relay.py"
LAST_LINE = re.compile(r"relay_c2a_p99_ms=\d+\.\d relay_a2c_p99_ms=\d+\.\d "
                       r"take_conflicts=\d+ double_takes=(\d+)")


def run_relay(*args: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, str(RELAY), "--customers", "20", "--escalate-every", "4",
         "--relays", "2", "--replies", "2", *args],
        capture_output=True, text=True, timeout=100, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1], done.stderr


def test_relay_bench_on_sqlite_with_two_processes() -> None:
    last, err = run_relay("--sqlite-processes", "2", "--postgres-url", "")
    found = LAST_LINE.fullmatch(last)
    assert found and found.group(1) == "0", last
    assert "sqlite: 2 bot process(es), 20 customers (5 escalated)" in err
    assert "takes=" in err and "postgresql: skipped" in err


@pytest.mark.postgres
def test_relay_bench_on_postgresql_with_two_processes() -> None:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL is not set in CI: PostgreSQL tests must run there")
        pytest.skip("TEST_POSTGRES_URL not set")
    last, err = run_relay("--skip-sqlite", "--postgres-url", PG_URL)
    found = LAST_LINE.fullmatch(last)
    assert found and found.group(1) == "0", last
    assert "postgresql: 2 bot process(es), 20 customers (5 escalated)" in err
