"""Benchmark: the relay between customers and the agents who took their cases, through the
real core, pipeline, AgentDesk, TicketQueue and agents' group code, on a SQLite file and on
PostgreSQL with two bot processes. Only the channels are replaced: customers' replies and the
agents' group posts go to timed in-memory channels (Telegram itself is excluded).

    python bench/relay.py [--customers N] [--postgres-url URL] [--sqlite-processes P] ...

Per backend, in P bot processes (each its own core on the same database; SQLite runs one by
default, as `heard run` does, PostgreSQL two):
- N customers (split between the processes) open web conversations at once; at most
  `--concurrency` (18, as in bench/intake.py) customer turns are inside the pipelines at any
  moment, all processes together, so the 1,000 conversations interleave as a busy service's
  would. Nine in ten file a complaint (8 turns, as in bench/intake.py); one in ten says what
  happened and then asks for a person ("human" / "转人工"), which escalates a ticket, and
  then writes every 100–300 ms until RELAYS of their messages were passed on to an agent
  (before an agent takes the case the bot answers with their place in line).
- 5 agents (registered with AgentStore, split between the processes), each doing one thing
  at a time with a 20–80 ms pause: when a case card was posted in their process (or every
  250 ms) they look at the waiting list and press Take on one of the three most urgent
  escalated cases — AgentDesk.take, a claim of that number, so agents in both processes race
  and some takes are refused; the last agent takes with TicketQueue.take_next (SKIP LOCKED on
  PostgreSQL; it may take a filed complaint when no escalated case is left). Otherwise they
  answer the case they answered least, REPLIES times each. When every process is done, each
  agent closes its cases (AgentDesk.close).

Measured (within the process that does both ends):
- relay_c2a: from the customer's message entering the pipeline (TurnPipeline.handle) to the
  agents' group output receiving it (the after-commit Relayed event through
  AgentGroup.on_events, which looks the ticket up and posts the text).
- relay_a2c: from AgentDesk.reply being called to the customer's output channel receiving the
  agent's text.
- take_conflicts: takes refused because another agent had the case first (normal).
- double_takes: cases that two agents both believed they took, from the claim results and
  from the database (holder, "taken" events); must be 0.

Prints figures per backend, then one line:
    relay_c2a_p99_ms=<n> relay_a2c_p99_ms=<n> take_conflicts=<n> double_takes=<n>
(the worse backend's p99s, conflicts and double takes summed), and exits 1 on a double take.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import math
import multiprocessing as mp
import os
import queue as stdlib_queue
import random
import re
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import SCRIPTS  # the same complaint as the intake run
from bot.core import Core, open_core
from bot.settings import load_settings
from dialogs.commands import AgentJoined
from dialogs.messages import ConversationKey, Inbound, Reply
from dialogs.ticket_number import TicketNumber
from handlers.agents.desk import AgentDesk
from handlers.agents.telegram_group import AgentGroup
from handlers.channels.base import CollectingOutputChannel
from handlers.channels.telegram.output import TelegramOutput
from storage.agents import Agent, AgentStore
from storage.migrate import upgrade
from storage.queue import TicketQueue
from storage.schema import agents as agents_table
from storage.schema import ticket_events, tickets
from storage.store import Store

AGENTS = ("alice", "bob", "carol", "dave", "erin")
TAKE_NEXT_AGENT = "erin"  # takes with TicketQueue.take_next; the others press Take on a card
AGENTS_CHAT_ID = -1001234567890
ESCALATE = {
    "en": ["The charger I bought from you stopped working after a week", "human"],
    "zh": ["在你们店买的充电器用了一个星期就坏了", "转人工"],
}
CHASE = {"en": "Any news on this? [{token}]", "zh": "请问有进展吗？[{token}]"}
ANSWER = "We are checking with the warehouse now. [{token}]"
TOKEN = re.compile(r"\[([ac]:[^\]\s]+)\]")
THINK_S = (0.1, 0.3)  # a customer's pause before each chasing message
AGENT_PAUSE_S = (0.02, 0.08)  # an agent's pause after each action
POLL_S = 0.25  # how often an agent looks at the queue without a new card
MAX_CHASES = 60  # a customer whose case nobody takes stops after this many messages
BARRIER_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class Plan:
    backend: str
    url: str
    processes: int
    customers: int
    escalate_every: int
    concurrency: int  # customer turns in flight, all processes together
    relays: int  # relayed messages each escalated customer sends
    replies: int  # replies each agent sends on each case it holds
    seed: int

    def customers_of(self, index: int) -> range:
        """A contiguous block per process, so each gets its share of escalations."""
        per = math.ceil(self.customers / self.processes)
        return range(index * per, min(self.customers, (index + 1) * per))

    def agents_of(self, index: int) -> tuple[str, ...]:
        return AGENTS[index::self.processes]

    def escalates(self, n: int) -> bool:
        return n % self.escalate_every == 0


@dataclass(slots=True)
class WorkerResult:
    index: int
    c2a_ms: list[float] = field(default_factory=list)
    a2c_ms: list[float] = field(default_factory=list)
    turn_ms: list[float] = field(default_factory=list)
    agent_actions: int = 0
    elapsed_s: float = 0.0
    takes: list[tuple[str, str]] = field(default_factory=list)  # (ticket, agent) per success
    conflicts: int = 0
    escalated: int = 0
    short_of_relays: int = 0  # escalated customers who stopped before RELAYS relays
    chase_answers: dict[str, int] = field(default_factory=dict)  # the bot's, by template
    lost: int = 0  # relayed messages or replies that never reached the other side
    error: str | None = None


class TimedOutput:
    """A collecting output channel that notes when each tagged message arrived."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.arrived: dict[str, float] = {}
        self.sent = 0
        self.cards = 0  # case cards posted (they have a Take button)

    async def is_forum(self, chat_id: int) -> bool:
        return False  # a plain agents' group, as most deployments have

    async def send(self, key: ConversationKey, reply: Reply,
                   thread_id: int | None = None) -> None:
        now = time.perf_counter()
        self.sent += 1
        for token in TOKEN.findall(reply.text):
            self.arrived.setdefault(token, now)
        if reply.buttons:
            self.cards += 1


class Worker:
    """One bot process: its own core on the shared database, its customers and agents."""

    def __init__(self, plan: Plan, index: int, core: Core, agents: list[Agent],
                 sync: Callable[[], Awaitable[None]]) -> None:
        self.plan = plan
        self.index = index
        self.core = core
        self.agents = agents
        self.sync = sync
        self.result = WorkerResult(index)
        self.rng = random.Random(plan.seed * 100 + index)
        in_flight = max(1, plan.concurrency // plan.processes)
        self.turn_slots = asyncio.Semaphore(in_flight)
        self.to_customers = TimedOutput("web")
        self.to_agents = TimedOutput("telegram")
        self.queue = TicketQueue(core.store.engine, core.store.read_engine)
        core.pipeline.outbox.register("web", self.to_customers)
        self.desk = AgentDesk(self.queue, core.pipeline, core.clock,
                              teams=set(core.engine.rules.teams.values()))
        # The production agents' group, posting to a timed sink instead of Telegram.
        group = AgentGroup(AGENTS_CHAT_ID, cast(TelegramOutput, self.to_agents), self.desk,
                           AgentStore(core.store.engine, core.store.read_engine))
        core.pipeline.outbox.subscribe(group.on_events)
        self.c2a_sent: dict[str, float] = {}
        self.a2c_sent: dict[str, float] = {}
        self.customers_done = asyncio.Event()  # in every process
        self.held: dict[str, list[str]] = {a.name: [] for a in agents}

    async def run(self) -> WorkerResult:
        await self.sync()  # every process is warmed up: start together
        t0 = time.perf_counter()
        agents = [asyncio.create_task(self.agent(a)) for a in self.agents]
        await asyncio.gather(*(self.customer(n) for n in self.plan.customers_of(self.index)))
        self.result.elapsed_s = time.perf_counter() - t0
        await self.sync()  # all customers everywhere are done: every case exists
        self.customers_done.set()
        await asyncio.gather(*agents)
        await self.sync()  # nobody writes to a case any more
        for agent in self.agents:
            for number in self.held[agent.name]:
                outcome = await self.desk.close(agent, number, "Replacement sent")
                if not outcome.ok:
                    raise RuntimeError(f"{agent.name} could not close {number}: "
                                       f"{outcome.message}")
                self.result.agent_actions += 1
        await self.settle()
        return self.result

    async def settle(self) -> None:
        """Wait for after-commit hooks still posting to the agents' side, then collect."""
        relayed = set(self.c2a_sent)
        for _ in range(200):
            if relayed <= self.to_agents.arrived.keys():
                break
            await asyncio.sleep(0.025)
        for sent, arrived, into in ((self.c2a_sent, self.to_agents.arrived,
                                     self.result.c2a_ms),
                                    (self.a2c_sent, self.to_customers.arrived,
                                     self.result.a2c_ms)):
            for token, t0 in sent.items():
                if token in arrived:
                    into.append((arrived[token] - t0) * 1000)
                else:
                    self.result.lost += 1

    # --- customers ------------------------------------------------------------------------
    async def turn(self, n: int, step: int, text: str, out: CollectingOutputChannel,
                   token: str | None = None) -> list[Reply]:
        key = ConversationKey("web", f"relay-{n}")
        inbound = Inbound(key=key, text=text, update_id=f"relay-{n}-{step}",
                          user_id=f"relay-{n}")
        async with self.turn_slots:
            before = len(out.sent)
            t0 = time.perf_counter()
            if token is not None:
                self.c2a_sent[token] = t0
            await self.core.pipeline.handle(inbound, out)
            self.result.turn_ms.append((time.perf_counter() - t0) * 1000)
        return [r for _, r in out.sent[before:]]

    async def customer(self, n: int) -> None:
        lang = "zh" if n % 2 else "en"
        out = CollectingOutputChannel("web")
        await asyncio.sleep(self.rng.uniform(0, 0.1))  # they arrive over the first 100 ms
        if not self.plan.escalates(n):
            for step, line in enumerate(SCRIPTS[lang]):
                replies = await self.turn(n, step, line.format(n=n), out)
            if not any("C-" in r.text for r in replies):
                raise RuntimeError(f"customer {n} did not get a ticket: {replies!r}")
            return
        step = 0
        for line in ESCALATE[lang]:
            replies = await self.turn(n, step, line, out)
            step += 1
        if not any(TicketNumber.first_in(r.text) for r in replies):
            raise RuntimeError(f"customer {n} was not handed over: {replies!r}")
        self.result.escalated += 1
        relayed = 0
        for chase in range(MAX_CHASES):
            if relayed == self.plan.relays:
                break
            await asyncio.sleep(self.rng.uniform(*THINK_S))
            token = f"c:{n}.{chase}"
            replies = await self.turn(n, step, CHASE[lang].format(token=token), out, token)
            step += 1
            if replies:  # the bot answered (their place in line): not a relay
                del self.c2a_sent[token]
                for r in replies:
                    answers = self.result.chase_answers
                    answers[r.template] = answers.get(r.template, 0) + 1
            else:  # a person holds the case: the bot stays quiet and passes it on
                relayed += 1
        if relayed < self.plan.relays:
            self.result.short_of_relays += 1

    # --- agents ---------------------------------------------------------------------------
    async def agent(self, agent: Agent) -> None:
        """One person at the desk, doing one thing at a time: taking a case when a new card
        was posted (or every POLL_S), otherwise answering the case it answered least."""
        rng = random.Random(f"{self.plan.seed}-{agent.name}")
        sent: dict[str, int] = {}  # the cases this agent holds: replies sent on each
        cards_seen, looked = -1, 0.0
        while True:
            if self.to_agents.cards != cards_seen or time.perf_counter() - looked >= POLL_S:
                cards_seen, looked = self.to_agents.cards, time.perf_counter()
                taken = await self.take(agent, rng)
                if taken is not None:
                    if taken:
                        sent[taken] = 0
                    else:  # someone else was first: look again at once
                        looked = 0.0
                    await asyncio.sleep(rng.uniform(*AGENT_PAUSE_S))
                    continue
                if self.customers_done.is_set() and all(
                        n == self.plan.replies for n in sent.values()):
                    self.held[agent.name] = list(sent)
                    return
            due = [c for c, n in sent.items() if n < self.plan.replies]
            if due:
                number = min(due, key=sent.__getitem__)
                await self.reply(agent, number, sent[number])
                sent[number] += 1
            await asyncio.sleep(rng.uniform(*AGENT_PAUSE_S))

    async def take(self, agent: Agent, rng: random.Random) -> str | None:
        """A case taken (its number), "" when another agent was first, None when no case
        waits. Cases escalated to a person only: filed complaints wait in the same queue
        (with a lower priority) for the back office, which this benchmark leaves alone."""
        waiting = [t for t in await self.queue.waiting(limit=3) if t.status == "escalated"]
        if not waiting:
            return None
        if agent.name == TAKE_NEXT_AGENT:
            number = await self.take_next(agent)
            if number is None:
                return None
        else:
            # Pressing Take on one of the newest cards, as the others may at the same moment.
            number = rng.choice(waiting).number
            outcome = await self.desk.take(agent, number)
            if not outcome.ok:
                if "already taken" not in outcome.message:
                    raise RuntimeError(f"{agent.name}: {outcome.message}")
                self.result.conflicts += 1
                return ""
        self.result.agent_actions += 1
        self.result.takes.append((number, agent.name))
        return number

    async def take_next(self, agent: Agent) -> str | None:
        """Take the most urgent case, then what AgentDesk.take does after its claim (the desk
        has no take-next of its own yet)."""
        claim = await self.queue.take_next(agent.id, self.core.clock())
        if claim is None:
            return None
        now = self.core.clock()
        await self.queue.add_event(claim.number, "taken", f"agent:{agent.name}", {}, now)
        await self.queue.mark_first_response(claim.number, now)
        view = await self.queue.view(claim.number)
        assert view is not None
        await self.core.pipeline.act(view.key, AgentJoined(agent.name))
        return claim.number

    async def reply(self, agent: Agent, number: str, k: int) -> None:
        token = f"a:{number}.{k}"
        self.a2c_sent[token] = time.perf_counter()
        outcome = await self.desk.reply(agent, number, ANSWER.format(token=token))
        if not outcome.ok:
            raise RuntimeError(f"{agent.name} could not reply on {number}: {outcome.message}")
        self.result.agent_actions += 1


async def worker_main(plan: Plan, index: int, barrier: Barrier) -> WorkerResult:
    async def sync() -> None:
        await asyncio.to_thread(barrier.wait, BARRIER_TIMEOUT_S)

    async with open_core(load_settings(DATABASE_URL=plan.url), migrate=False) as core:
        store = AgentStore(core.store.engine, core.store.read_engine)
        agents = [a for name in plan.agents_of(index) if (a := await store.by_name(name))]
        return await Worker(plan, index, core, agents, sync).run()


def worker_process(plan: Plan, index: int, barrier: Barrier, results: mp.Queue[Any]) -> None:
    logging.basicConfig(level=logging.WARNING)
    profile = os.environ.get("RELAY_PROFILE_DIR")  # cProfile each bot process into this dir
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler is not None:
            profiler.enable()
        result = asyncio.run(worker_main(plan, index, barrier))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(Path(profile or ".") / f"{plan.backend}-{index}.prof")
    except BaseException:
        barrier.abort()  # the other processes stop waiting for this one
        result = WorkerResult(index, error=traceback.format_exc())
    results.put(result)


# --- the parent -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Figures:
    backend: str
    processes: int
    c2a: list[float]
    a2c: list[float]
    take_conflicts: int
    double_takes: int
    text: str


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


async def prepare(url: str) -> None:
    """Schema and agents, once, before the bot processes start (they do not migrate)."""
    store = Store(url)
    try:
        await upgrade(store.engine)
        agent_store = AgentStore(store.engine)
        now = datetime.now(UTC)
        for name in AGENTS:
            await agent_store.add(name, "agent", now)
    finally:
        await store.close()


async def double_takes(url: str, takes: list[tuple[str, str]]) -> tuple[int, int, list[str]]:
    """Cases two agents both believed they took, from the claims and from the database (its
    holder, its "taken" events); also how many cases were escalated, and any case that was
    not taken and closed exactly once."""
    claimed: dict[str, list[str]] = {}
    for number, agent in takes:
        claimed.setdefault(number, []).append(agent)
    doubled = {n for n, who in claimed.items() if len(who) > 1}
    t = tickets.c
    store = Store(url)
    try:
        async with store.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(t.number, t.status, t.incomplete, agents_table.c.name,
                          sa.select(sa.func.count()).select_from(ticket_events)
                          .where(ticket_events.c.ticket_id == t.id,
                                 ticket_events.c.kind == "taken")
                          .scalar_subquery().label("taken"))
                .outerjoin(agents_table, agents_table.c.id == t.assigned_agent_id)
                # Asking for a person files what was gathered, marked incomplete.
                .where(sa.or_(t.incomplete, t.assigned_agent_id.is_not(None))))).all()
    finally:
        await store.close()
    problems = [f"{n} was claimed but is not held in the database"
                for n in claimed.keys() - {r.number for r in rows}]
    for row in rows:
        if row.taken > 1 or (row.number in claimed and claimed[row.number] != [row.name]):
            doubled.add(row.number)
        if row.taken != 1 or row.status != "closed" or row.number not in claimed:
            problems.append(f"{row.number}: claimed by {claimed.get(row.number)}, held by "
                            f"{row.name}, {row.taken} taken events, status {row.status}")
    return len(doubled), sum(1 for r in rows if r.incomplete), problems


def run_backend(plan: Plan) -> Figures:
    asyncio.run(prepare(plan.url))
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(plan.processes)
    results: mp.Queue[WorkerResult] = ctx.Queue()
    procs = [ctx.Process(target=worker_process, args=(plan, i, barrier, results),
                         name=f"bot-{i}") for i in range(plan.processes)]
    for p in procs:
        p.start()
    got: list[WorkerResult] = []
    while len(got) < plan.processes:
        try:
            got.append(results.get(timeout=1))
        except stdlib_queue.Empty:
            if any(p.exitcode not in (None, 0) for p in procs) and results.empty():
                barrier.abort()
                raise RuntimeError("a bot process died without a result") from None
    for p in procs:
        p.join()
    errors = [r.error for r in got if r.error]
    if errors:
        raise RuntimeError("a bot process failed:\n" + "\n".join(errors))

    takes = [t for r in got for t in r.takes]
    doubled, escalated, problems = asyncio.run(double_takes(plan.url, takes))
    expected = sum(1 for n in range(plan.customers) if plan.escalates(n))
    if escalated != expected or sum(r.escalated for r in got) != expected:
        problems.append(f"{escalated} cases escalated, {expected} expected")
    if problems:
        raise RuntimeError("cases not taken and closed exactly once:\n" + "\n".join(problems))
    c2a = [x for r in got for x in r.c2a_ms]
    a2c = [x for r in got for x in r.a2c_ms]
    turns = [x for r in got for x in r.turn_ms]
    elapsed = max(r.elapsed_s for r in got)
    conflicts = sum(r.conflicts for r in got)
    short = sum(r.short_of_relays for r in got)
    lost = sum(r.lost for r in got)
    actions = sum(r.agent_actions for r in got)
    answers: dict[str, int] = {}
    for r in got:
        for template, count in r.chase_answers.items():
            answers[template] = answers.get(template, 0) + count

    def dist(xs: list[float]) -> str:
        return (f"n={len(xs)} p50_ms={statistics.median(xs):.1f} "
                f"p99_ms={percentile(xs, 0.99):.1f} max_ms={max(xs):.1f}") if xs else "n=0"

    lines = [
        f"{plan.backend}: {plan.processes} bot process(es), {plan.customers} customers "
        f"({escalated} escalated), {len(AGENTS)} agents, {plan.concurrency} customer turns "
        f"in flight",
        f"  customer turns: {len(turns)} in {elapsed:.1f}s = {len(turns) / elapsed:.0f}/s, "
        f"{dist(turns)}; agent actions: {actions}",
        f"  relay c2a: {dist(c2a)}",
        f"  relay a2c: {dist(a2c)}",
        "  bot answers to customers waiting for an agent: "
        + (", ".join(f"{t} x{c}" for t, c in sorted(answers.items())) or "none"),
        f"  takes={len(takes)} take_conflicts={conflicts} double_takes={doubled}"
        + (f" short_of_relays={short}" if short else "") + (f" lost={lost}" if lost else ""),
    ]
    if lost:
        raise RuntimeError("\n".join([*lines, "messages were lost between the two sides"]))
    return Figures(plan.backend, plan.processes, c2a, a2c, conflicts, doubled, "\n".join(lines))


async def fresh_pg_database(admin_url: str) -> str | None:
    """A scratch database on the server, or None (with the reason printed) if unreachable."""
    name = f"heard_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except (OSError, sa.exc.SQLAlchemyError) as e:
        print(f"# postgresql: skipped, cannot use {sa.make_url(admin_url)!r}: "
              f"{type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
        return None
    finally:
        await admin.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_pg_database(admin_url: str, url: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(
                f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--escalate-every", type=int, default=10,
                   help="one customer in this many asks for a person")
    p.add_argument("--concurrency", type=int, default=18,
                   help="customer turns in flight at once, all bot processes together")
    p.add_argument("--relays", type=int, default=5,
                   help="relayed messages each escalated customer sends")
    p.add_argument("--replies", type=int, default=5,
                   help="replies each agent sends on each case it holds")
    p.add_argument("--sqlite-processes", type=int, default=1)
    p.add_argument("--postgres-processes", type=int, default=2)
    p.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL"),
                   help="a PostgreSQL server to create a scratch database on "
                        "(default: $TEST_POSTGRES_URL; without it the PostgreSQL run is skipped)")
    p.add_argument("--skip-sqlite", action="store_true")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    def plan(backend: str, url: str, processes: int) -> Plan:
        return Plan(backend, url, processes, args.customers, args.escalate_every,
                    args.concurrency, args.relays, args.replies, args.seed)

    figures: list[Figures] = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite+aiosqlite:///{tmp}/relay.db"
            figures.append(run_backend(plan("sqlite", sqlite_url, args.sqlite_processes)))
            print(figures[-1].text, file=sys.stderr)
    if not args.postgres_url:
        print("# postgresql: skipped, no --postgres-url and no TEST_POSTGRES_URL",
              file=sys.stderr)
    else:
        pg_url = asyncio.run(fresh_pg_database(args.postgres_url))
        if pg_url is not None:
            try:
                figures.append(run_backend(plan("postgresql", pg_url, args.postgres_processes)))
                print(figures[-1].text, file=sys.stderr)
            finally:
                asyncio.run(drop_pg_database(args.postgres_url, pg_url))
    if not figures:
        print("nothing was measured", file=sys.stderr)
        return 2

    c2a = max(percentile(f.c2a, 0.99) for f in figures)
    a2c = max(percentile(f.a2c, 0.99) for f in figures)
    doubled = sum(f.double_takes for f in figures)
    print(f"relay_c2a_p99_ms={c2a:.1f} relay_a2c_p99_ms={a2c:.1f} "
          f"take_conflicts={sum(f.take_conflicts for f in figures)} double_takes={doubled}")
    return 1 if doubled else 0


if __name__ == "__main__":
    sys.exit(main())
