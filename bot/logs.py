"""The service's log: one handler on the root logger whose formatter masks every secret, the
libraries that print whole payloads kept above DEBUG, and an access log without user agents
or the noise of static files and health checks."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.settings import Settings
from storage.urls import password

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
# A Telegram bot token as it appears in Bot API URLs (…/bot123456:AAE…/getMe) or on its own.
_TOKEN_PATTERNS = (re.compile(r"bot\d+:[A-Za-z0-9_-]+"), re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"))
# Shorter configured values are not masked: every occurrence of two letters would go too.
_MIN_SECRET = 4

# At DEBUG these print request and response bodies or SQL parameters, i.e. what customers
# wrote; kept at these levels unless LOG_CUSTOMER_TEXT asks for them.
PAYLOAD_LOGGERS = {
    "telegram": logging.INFO,
    "httpcore": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "sqlalchemy.engine": logging.WARNING,
}
# A line for every HTTP call, state change or migration plugin: noise at any level.
NOISY_LOGGERS = {
    "httpx": logging.WARNING,
    "transitions": logging.WARNING,
    "alembic.runtime.plugins": logging.WARNING,
    # WeasyPrint reports each layout step, and every SVG property of the charts' stylesheet
    # that HTML does not know; fontTools each font subset.
    "weasyprint": logging.ERROR,
    "fontTools": logging.WARNING,
}
# Successful requests for these are not worth a line each.
QUIET_PATHS = ("/healthz",)
QUIET_PREFIXES = ("/chat/static/", "/console/static/", "/admin/reports/static/")


class RedactingFormatter(logging.Formatter):
    """Masks configured secrets and anything shaped like a bot token in the whole formatted
    record, exception tracebacks included."""

    def __init__(self, secrets: Iterable[str | None], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        found = {s for s in secrets if s and len(s) >= _MIN_SECRET}
        found |= {quote(s, safe="") for s in found}
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted(found, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = _TOKEN_PATTERNS[0].sub("bot" + MASK, text)
        return _TOKEN_PATTERNS[1].sub(MASK, text)


def secrets_of(settings: Settings) -> list[str | None]:
    return [settings.telegram_bot_token, settings.telegram_webhook_secret, settings.web_secret,
            password(settings.database_url)]


def configure(settings: Settings, *, stream: TextIO | None = None,
              quiet: Iterable[str] = ()) -> logging.Handler:
    """Send every log record to `stream` (stderr) through the redacting formatter; `quiet`
    names more loggers to keep at WARNING. Returns the handler it installed."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets_of(settings)))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name, level in PAYLOAD_LOGGERS.items():
        logging.getLogger(name).setLevel(logging.NOTSET if settings.log_customer_text else level)
    for name, level in NOISY_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


class AccessLog(AbstractAccessLogger):
    """`address "METHOD /path" status bytes seconds`: no user agent, no query string (it may
    carry what a visitor typed), nothing for static files and /healthz unless they fail."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.path
        if response.status < 400 and (path in QUIET_PATHS or path.startswith(QUIET_PREFIXES)):
            return
        self.logger.info('%s "%s %s" %d %d %.3f', request.remote, request.method, path,
                         response.status, response.body_length, time)
