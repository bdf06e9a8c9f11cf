"""Every object the aiohttp application shares, under a typed key, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from handlers.channel import TranscriptReader, TurnHandler
    from handlers.console.app import ConsoleDeps
    from handlers.failed_retry import FailedTurnRetrier
    from handlers.periodic import Periodic
    from handlers.scheduler import DraftScheduler
    from handlers.telegram.service import TelegramService
    from handlers.webchat.output import WebChatOutput

TURNS: web.AppKey[TurnHandler] = web.AppKey("turns")
TRANSCRIPTS: web.AppKey[TranscriptReader] = web.AppKey("transcripts")
# The web chat's sender, so proactive messages (reminders) reach a visitor's open tabs.
WEBCHAT_OUTPUT: web.AppKey[WebChatOutput] = web.AppKey("webchat_output")
TELEGRAM: web.AppKey[TelegramService] = web.AppKey("telegram")
SCHEDULER: web.AppKey[DraftScheduler] = web.AppKey("scheduler")
# The first-response watch (handlers.sla) on its timer.
SLA_WATCH: web.AppKey[Periodic] = web.AppKey("sla_watch")
# The console sub-application's collaborators (handlers.console).
CONSOLE: web.AppKey[ConsoleDeps] = web.AppKey("console")
# Runs failed customer turns again, with backoff (handlers.failed_retry).
FAILED_RETRY: web.AppKey[FailedTurnRetrier] = web.AppKey("failed_retry")
