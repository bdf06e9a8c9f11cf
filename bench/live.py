"""How long a customer's message in one process takes to reach an agent's console page served
by another: two `heard run` on one database, the customer in the web chat of the second, the
agent's live socket (/console/ws) open on both. One sample is the time from sending a message
about a waiting ticket to the first process's page being told of it; the medians print as

    live_across_processes_ms=<n> backend=<sqlite|postgresql> samples=<k> max_ms=<m> local_ms=<l>

`local_ms` is the same for the page on the customer's own process (no crossing), to set the
crossing against. On PostgreSQL the news crosses by NOTIFY; on SQLite by each process reading
the live news every LIVE_CHECK_SECONDS (0.5 s by default). A sample includes the customer's
turn itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

# Run as a script from the project root: the project's packages are beside this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.publish import HEARD, free_port, serving
from bench.relay import drop_pg_database, fresh_pg_database

PASSWORD = "bench horse battery staple"
NUMBER = re.compile(r"C-\d{8}-\d{4}")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def agent_socket(http: aiohttp.ClientSession,
                       base: str) -> aiohttp.ClientWebSocketResponse:
    async with http.get(f"{base}/console/login") as r:
        found = CSRF.search(await r.text())
    assert found, "no login form"
    async with http.post(f"{base}/console/login", headers={"Origin": base},
                         data={"csrf": found.group(1), "name": "bench",
                               "password": PASSWORD}) as r:
        if r.url.path != "/console":
            raise SystemExit(f"could not log in to {base}")
    return await http.ws_connect(f"{base}/console/ws", origin=base)


async def told(ws: aiohttp.ClientWebSocketResponse, number: str) -> float:
    while True:
        frame = json.loads((await ws.receive(timeout=30)).data)
        if frame == {"ticket": number, "kind": "relayed"}:
            return time.perf_counter()


async def says(ws: aiohttp.ClientWebSocketResponse, text: str) -> str:
    """Send `text`; the replies' text once the turn is acknowledged."""
    client_id = f"m-{uuid.uuid4()}"
    await ws.send_json({"type": "text", "text": text, "id": client_id})
    replies = []
    while True:
        frame = json.loads((await ws.receive(timeout=30)).data)
        if frame["type"] == "ack" and frame["id"] == client_id:
            return "\n".join(replies)
        if frame["type"] == "reply":
            replies.append(frame["text"])


async def measure(url: str, samples: int) -> tuple[list[float], list[float]]:
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as cwd:  # no .env picked up
        for args, stdin in ((["db", "upgrade"], None),
                            (["agents", "add", "bench", "--role", "agent", "--team",
                              "customer_care", "--password-stdin"], PASSWORD + "\n")):
            await asyncio.to_thread(subprocess.run, [HEARD, *args], env=env, cwd=cwd,
                                    input=stdin, text=True, check=True, capture_output=True)
        procs = [await asyncio.create_subprocess_exec(HEARD, "run", cwd=cwd,
                                                      env={**env, "WEB_PORT": str(p)})
                 for p in ports]
        try:
            for base, proc in zip(bases, procs, strict=True):
                await serving(base, proc)
            return await _samples(bases, samples)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except TimeoutError:
                    proc.kill()


async def _samples(bases: list[str], samples: int) -> tuple[list[float], list[float]]:
    jar = aiohttp.CookieJar(unsafe=True)  # the servers are 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as page_a, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as page_b, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as visitor:
        on_a = await agent_socket(page_a, bases[0])
        on_b = await agent_socket(page_b, bases[1])
        async with visitor.get(f"{bases[1]}/chat") as r:
            r.raise_for_status()
        chat = await visitor.ws_connect(f"{bases[1]}/chat/ws", headers={"Origin": bases[1]})
        await chat.send_json({"type": "hello", "languages": ["en-US"]})
        await says(chat, "My parcel never arrived")
        found = NUMBER.search(await says(chat, "I want to talk to a human"))
        if not found:
            raise SystemExit("the customer was given no ticket number")
        number = found.group(0)
        await asyncio.sleep(1.0)  # the hand-over's own news out of the way
        across: list[float] = []
        local: list[float] = []
        for i in range(samples):
            start = time.perf_counter()
            a = asyncio.create_task(told(on_a, number))
            b = asyncio.create_task(told(on_b, number))
            await says(chat, f"The box arrived with the lid crushed, too ({i}).")
            across.append((await a - start) * 1000)
            local.append((await b - start) * 1000)
            await asyncio.sleep(0.3)  # not in step with the looking interval
        return across, local


def report(backend: str, across: list[float], local: list[float]) -> None:
    print(f"live_across_processes_ms={statistics.median(across):.0f} backend={backend} "
          f"samples={len(across)} max_ms={max(across):.0f} "
          f"local_ms={statistics.median(local):.0f}", flush=True)


async def main_async(args: argparse.Namespace) -> int:
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            report("sqlite", *await measure(f"sqlite+aiosqlite:///{tmp}/live.db", args.samples))
    if args.postgres_url:
        url = await fresh_pg_database(args.postgres_url)
        if url is not None:
            try:
                report("postgresql", *await measure(url, args.samples))
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
