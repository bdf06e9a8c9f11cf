"""The application factory: one aiohttp app serving the web chat, the agents' console, the
Telegram webhook and a health check, with the core, Telegram and the scheduler opened and
closed in cleanup_ctx."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot.core import Core, build_core, running
from bot.settings import Settings
from handlers.admin.app import create_admin_app
from handlers.admin.deps import ADMIN, AdminDeps
from handlers.admin.previews import PreviewEngines
from handlers.agents.console import CONSOLE, ConsoleDeps, console_app
from handlers.agents.desk import AgentDesk
from handlers.agents.macros import Macros
from handlers.agents.promises import SLA_WATCH, FollowUps, SlaWatch
from handlers.agents.telegram_group import AgentGroup
from handlers.channels.base import TurnHandler, UpdateInbox
from handlers.channels.telegram.service import TELEGRAM, TelegramService
from handlers.channels.webchat import setup_webchat
from handlers.channels.webchat.caps import SocketCaps
from handlers.channels.webchat.keys import TRANSCRIPTS, TURNS, WEBCHAT_OUTPUT
from handlers.config.teams import LiveTeams
from handlers.config.vip import LiveVip
from handlers.live.reader import LiveReader
from handlers.ops.listener import OpsLog
from handlers.reports.app import create_reports_app
from handlers.reports.delivery import (
    REPORT_DELIVERY,
    GroupPoster,
    ReportDelivery,
    bundle_schedule,
)
from handlers.reports.deps import REPORTS, ReportsDeps
from handlers.turns.drafts import SCHEDULER, DraftScheduler
from handlers.turns.failed_retry import FAILED_RETRY, FailedTurnRetrier
from handlers.turns.pipeline import Clock, utcnow
from handlers.util.periodic import Periodic
from storage.agents import AgentStore
from storage.casefile import CaseFiles
from storage.macros import MacroStore
from storage.queue import TicketQueue
from storage.reports import ReportStore
from storage.reports_archive import ActionPlan, ReportArchive
from storage.service_secrets import kept_secret
from storage.sessions import LoginFailures, SessionStore

log = logging.getLogger(__name__)

CORE: web.AppKey[Core] = web.AppKey("core")
LIVE_READER: web.AppKey[LiveReader] = web.AppKey("live_reader")
# The name the web chat's cookie key is kept under in service_secrets.
WEBCHAT_COOKIE_KEY = "webchat_cookie"
REPORTS_PATH = "/admin/reports"


def telegram_service(settings: Settings, turns: TurnHandler,
                     inbox: UpdateInbox) -> TelegramService | None:
    """The Telegram channel as configured, or None when no bot token is set."""
    if not settings.telegram_bot_token:
        return None
    return TelegramService(
        settings.telegram_bot_token, turns, inbox,
        base_url=settings.telegram_api_base_url,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret,
    )


def create_app(settings: Settings, *, clock: Clock = utcnow,
               scheduler_interval: float = 30.0) -> web.Application:
    core = build_core(settings, clock=clock)
    app = web.Application(client_max_size=1024 * 1024)
    app[CORE] = core
    app[TURNS] = core.pipeline
    app[TRANSCRIPTS] = core.store

    # Entered in order, left in reverse: the core outlives the web chat (whose cookie key may
    # be kept in the database, and whose last turns drain at shutdown), Telegram and the
    # scheduler.
    app.cleanup_ctx.append(_core_ctx)
    setup_webchat(app, secret=_cookie_key(settings, core),
                  allowed_origins=settings.web_allowed_origins,
                  caps=SocketCaps(per_visitor=settings.web_max_sockets_per_visitor,
                                  per_address=settings.web_max_sockets_per_address,
                                  total=settings.web_max_sockets),
                  secure_cookies=settings.secure_cookies, brand=settings.brand)

    telegram = telegram_service(settings, core.pipeline, core.store)
    if telegram is not None:
        app[TELEGRAM] = telegram
        if telegram.webhook_url:
            app.add_routes(telegram.webhook_routes())

    outbox = core.pipeline.outbox
    outbox.register("web", app[WEBCHAT_OUTPUT])
    queue = TicketQueue(core.store.engine, core.store.read_engine, hours=core.engine.hours)
    agents = AgentStore(core.store.engine, core.store.read_engine)
    teams = LiveTeams(core.engine)
    desk = AgentDesk(queue, core.pipeline, clock, teams=teams, agents=agents,
                     timezone=settings.timezone)
    macros = Macros(MacroStore(core.store.engine, core.store.read_engine), settings.timezone,
                    clock)
    sla = SlaWatch(queue, core.pipeline, clock)
    follow_ups = FollowUps(queue, core.pipeline, clock)
    sessions = SessionStore(core.store.engine,
                            lifetime=timedelta(hours=settings.console_session_hours),
                            idle=timedelta(minutes=settings.console_idle_minutes),
                            read_engine=core.store.read_engine)

    async def watch_promises() -> None:
        await sla.tick()
        await follow_ups.tick()
        await sessions.purge(clock())

    app[SLA_WATCH] = Periodic("promises", watch_promises, scheduler_interval)
    console = ConsoleDeps(desk, CaseFiles(core.store.read_engine), sessions,
                          LoginFailures(core.store.engine), agents, core.store.failed, clock,
                          core.store.bundles.audit, core.store.search, teams=teams,
                          secure_cookies=settings.secure_cookies,
                          vip=LiveVip(core.engine, core.studio), macros=macros)
    app[CONSOLE] = console
    app.add_subapp("/console", console_app(console))
    reports = ReportsDeps(ReportStore(core.store.read_engine, settings.timezone),
                          ReportArchive(core.store.engine), ActionPlan(core.store.engine),
                          sessions, clock, settings.timezone, brand=settings.brand,
                          base=REPORTS_PATH)
    app[REPORTS] = reports
    studio = AdminDeps(core.studio, PreviewEngines(core.engine), agents, sessions,
                       core.store.bundles.audit, clock,
                       settings.timezone, brand=settings.brand,
                       report_schedule=tuple(settings.report_schedule))
    app[ADMIN] = studio
    # The reports inside the studio, each behind its own guard.
    app.add_subapp("/admin", create_admin_app(studio, create_reports_app(reports)))
    # Everyone who hears of what was committed: turns, agents' actions, promise alerts. (The
    # core's LiveWriter, subscribed first, tells the other processes.)
    outbox.subscribe(console.hub.on_events)
    # Presence is news that is no committed event: told here and to the other processes.
    hub_tell = console.hub.tell

    def tell_presence(number: str, kind: str) -> None:
        hub_tell(number, kind)
        core.live.tell(number, kind)

    console.presence.announce = tell_presence
    # What the other processes tell: to this process's console pages only (their Telegram
    # group and operator's log are their own to tell).
    app[LIVE_READER] = LiveReader(core.store.live_news, core.store.news, core.live.origin,
                                  console.hub.tell, clock,
                                  interval=settings.live_check_seconds)
    outbox.subscribe(OpsLog().on_events)
    if telegram is not None:
        outbox.register("telegram", telegram.output)
        if settings.telegram_agent_chat_id is not None:
            group = AgentGroup(settings.telegram_agent_chat_id, telegram.output, desk, agents,
                               macros)
            outbox.subscribe(group.on_events)
            telegram.dispatcher.side_channel = group.handle
    app[SCHEDULER] = DraftScheduler(
        core.store, core.pipeline, clock=clock,
        remind_after=lambda: timedelta(minutes=core.engine.settings.welcome_back_minutes),
        expire_after=lambda: timedelta(hours=core.engine.settings.draft_expiry_hours),
        interval=scheduler_interval)
    app[FAILED_RETRY] = FailedTurnRetrier(core.store.failed, core.pipeline, clock,
                                          interval=min(scheduler_interval, 5.0))

    poster = (GroupPoster(telegram.output, settings.telegram_agent_chat_id)
              if telegram is not None and settings.telegram_agent_chat_id is not None else None)
    delivery = ReportDelivery(reports.reports, reports.archive,
                              bundle_schedule(core.studio, settings.report_schedule),
                              settings.timezone, clock, poster, brand=settings.brand,
                              base=settings.public_url + REPORTS_PATH)
    app[REPORT_DELIVERY] = Periodic("reports", delivery.tick, max(scheduler_interval, 60.0))

    app.router.add_get("/healthz", _health)
    if telegram is not None:
        app.cleanup_ctx.append(telegram.aiohttp_ctx)
    app.cleanup_ctx.append(_scheduler_ctx)
    app.cleanup_ctx.append(_live_ctx)
    return app


def _cookie_key(settings: Settings, core: Core) -> Callable[[], Awaitable[str]]:
    """WEB_SECRET when set, else a key made once and kept in the database, which every
    process and every restart then shares (read once the core has upgraded the schema)."""
    async def load() -> str:
        if settings.web_secret:
            return settings.web_secret
        key = await kept_secret(core.store.engine, WEBCHAT_COOKIE_KEY, core.clock())
        log.info("web chat visitor cookies are signed with the key kept in the database "
                 "(WEB_SECRET is not set)")
        return key

    return load


async def _core_ctx(app: web.Application) -> AsyncIterator[None]:
    async with running(app[CORE]):
        yield


async def _scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    await app[SCHEDULER].start()
    await app[SLA_WATCH].start()
    await app[FAILED_RETRY].start()
    await app[REPORT_DELIVERY].start()
    yield
    await app[REPORT_DELIVERY].stop()
    await app[FAILED_RETRY].stop()
    await app[SLA_WATCH].stop()
    await app[SCHEDULER].stop()


async def _live_ctx(app: web.Application) -> AsyncIterator[None]:
    await app[LIVE_READER].start()
    yield
    await app[LIVE_READER].stop()


async def _health(request: web.Request) -> web.Response:
    # The configuration bundle version this process runs on.
    return web.json_response({"ok": True, "bundle": request.app[CORE].engine.bundle_version})
