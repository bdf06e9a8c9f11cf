"""How long a published configuration bundle takes to reach customers of another process.

`heard run` serves the web chat in a process of its own; this process publishes a new
greeting through the studio (as `heard config import` or the admin pages do) and opens fresh
web chats, back to back, until one is greeted with it. The time from the start of the publish
to that greeting is one sample; the median of the samples is printed as

    publish_to_effect_ms=<n> backend=<sqlite|postgresql> samples=<k> max_ms=<m>

On PostgreSQL the running process hears of the publish by NOTIFY; on SQLite by looking at
the newest version number every BUNDLE_CHECK_SECONDS (0.5 s by default). A sample includes
the publish's own transaction and the greeting turn that shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

# Run as a script from the project root: the project's packages are beside this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relay import drop_pg_database, fresh_pg_database
from dialogs.bundle.model import Locale, Tone
from handlers.config.studio import Studio
from storage.store import Store

HEARD = str(Path(sys.executable).parent / "heard")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def greeting(session: aiohttp.ClientSession, base: str) -> str:
    session.cookie_jar.clear()  # a new visitor each time: a greeting each time
    async with session.get(f"{base}/chat") as page:
        page.raise_for_status()
    async with session.ws_connect(f"{base}/chat/ws", headers={"Origin": base}) as ws:
        await ws.send_json({"type": "hello", "languages": ["en-US"]})
        while True:
            frame = await ws.receive_json(timeout=10)
            if frame["type"] == "reply":
                return str(frame["text"])


async def serving(base: str, proc: asyncio.subprocess.Process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise SystemExit(f"heard run exited with {proc.returncode}")
            try:
                async with session.get(f"{base}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("heard run did not start in time")


async def measure(url: str, samples: int) -> list[float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "WEB_PORT": str(port), "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as cwd:  # no .env picked up
        proc = await asyncio.create_subprocess_exec(HEARD, "run", env=env, cwd=cwd)
        store = Store(url)
        try:
            await serving(base, proc)
            studio = Studio(store.bundles, lambda: datetime.now(UTC))
            took: list[float] = []
            async with aiohttp.ClientSession(
                    cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
                for i in range(samples):
                    _, bundle = await studio.current()
                    text = f"Hello, greeting number {i} here. What happened?"
                    greet = {**bundle.templates["greet"], Locale.EN: {Tone.NEUTRAL: text}}
                    changed = replace(bundle, templates={**bundle.templates, "greet": greet})
                    start = time.perf_counter()
                    await studio.publish(changed, note=f"bench {i}", actor="bench")
                    while not (await greeting(session, base)).startswith(text):
                        pass
                    took.append((time.perf_counter() - start) * 1000)
            return took
        finally:
            await store.close()
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()


def report(backend: str, took: list[float]) -> None:
    print(f"publish_to_effect_ms={statistics.median(took):.0f} backend={backend} "
          f"samples={len(took)} max_ms={max(took):.0f}", flush=True)


async def main_async(args: argparse.Namespace) -> int:
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            report("sqlite", await measure(f"sqlite+aiosqlite:///{tmp}/publish.db",
                                           args.samples))
    if args.postgres_url:
        url = await fresh_pg_database(args.postgres_url)
        if url is not None:
            try:
                report("postgresql", await measure(url, args.samples))
            finally:
                await drop_pg_database(args.postgres_url, url)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--postgres-url", help="a PostgreSQL server to create a scratch database on")
    p.add_argument("--skip-sqlite", action="store_true")
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
