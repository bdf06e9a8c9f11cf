"""Service settings, read from the environment or a `.env` file (see .env.example)."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import (
    AliasChoices,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from dialogs.hours import ALWAYS, parse_hours
from dialogs.reports.periods import PeriodKind
from dialogs.ticket_number import PREFIX_PATTERN
from storage.urls import url_problem

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Environment variables starting with these are taken for heard's own when they are misspelt.
OUR_PREFIXES = ("HEARD", "WEB", "TELEGRAM", "CONSOLE", "DATABASE")
# Read by the tests, not by the service (see README, "Tests").
NOT_SETTINGS = frozenset({"HEARD_UPDATE_SCREENSHOT"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    database_url: str = Field(default="sqlite+aiosqlite:///heard.db", alias="DATABASE_URL")

    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_agent_chat_id: int | None = Field(default=None, alias="TELEGRAM_AGENT_CHAT_ID")

    web_host: str = Field(default="127.0.0.1", alias="WEB_HOST")
    web_port: int = Field(default=8080, ge=1, le=65535, alias="WEB_PORT")
    # Origins allowed to open the chat WebSocket besides the page's own host.
    # Comma-separated, e.g. "https://shop.example,https://m.shop.example".
    web_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="WEB_ALLOWED_ORIGINS")
    # Signs the web chat's visitor cookie. When unset, a key made on first start and kept in
    # the database (service_secrets) is used, so visitors keep their conversation anyway.
    web_secret: str | None = Field(default=None, min_length=32, alias="WEB_SECRET")
    # Chat sockets open at once: per visitor (their tabs), per client address, and in all; one
    # more is closed with a reason the page shows. Behind a reverse proxy every visitor has
    # the proxy's address: raise WEB_MAX_SOCKETS_PER_ADDRESS, or 0 for no per-address cap.
    web_max_sockets_per_visitor: int = Field(default=8, ge=1, le=1000,
                                             alias="WEB_MAX_SOCKETS_PER_VISITOR")
    web_max_sockets_per_address: int = Field(default=64, ge=0,
                                             alias="WEB_MAX_SOCKETS_PER_ADDRESS")
    web_max_sockets: int = Field(default=2000, ge=1, alias="WEB_MAX_SOCKETS")

    # The company name the bot introduces itself with.
    brand: str = Field(default="heard", min_length=1, max_length=60, alias="BRAND_NAME")
    ticket_prefix: str = Field(default="C", pattern=rf"^{PREFIX_PATTERN}$", alias="TICKET_PREFIX")
    timezone: str = Field(default="UTC", alias="HEARD_TIMEZONE")
    default_locale: str = Field(default="en", alias="DEFAULT_LOCALE")
    phone_region: str = Field(default="CN", alias="PHONE_REGION")
    # A draft untouched this long gets one reminder; this long after, it expires.
    idle_reminder_minutes: int = Field(default=30, ge=1, alias="IDLE_REMINDER_MINUTES")
    draft_expiry_hours: int = Field(default=72, ge=1, alias="DRAFT_EXPIRY_HOURS")
    # Days after a customer confirms a fix, ask whether it held (0: never).
    follow_up_days: int = Field(default=3, ge=0, le=90, alias="FOLLOW_UP_DAYS")
    # Web console sessions end this long after login, or after this long without a request.
    console_session_hours: int = Field(default=12, ge=1, le=24 * 30,
                                       alias="CONSOLE_SESSION_HOURS")
    console_idle_minutes: int = Field(default=60, ge=5, le=24 * 60, alias="CONSOLE_IDLE_MINUTES")
    # Mark the console's and the web chat's cookies Secure even when the request arrives as
    # plain HTTP (a reverse proxy in front ends TLS). CONSOLE_SECURE_COOKIES is the old name.
    secure_cookies: bool = Field(default=False, alias="SECURE_COOKIES", validation_alias=
                                 AliasChoices("SECURE_COOKIES", "CONSOLE_SECURE_COOKIES"))
    # Days after an agent closes a case that its customer may reopen it (0: never).
    reopen_days: int = Field(default=7, ge=0, le=365, alias="REOPEN_DAYS")
    # When people are at the desk, in HEARD_TIMEZONE: "Mon-Fri 09:00-18:00", several spans
    # with ";". Promised first responses count open time only.
    business_hours: str = Field(default=ALWAYS, alias="BUSINESS_HOURS")
    # Which reports are posted to the agents' group (TELEGRAM_AGENT_CHAT_ID) and kept in the
    # archive when their period has ended: any of week, month, quarter, year ("none").
    # Each is sent once, whichever process gets there first. Read until an admin saves a
    # schedule in the studio (the bundle's `reports`), which then decides.
    report_schedule: Annotated[list[PeriodKind], NoDecode] = Field(
        default_factory=lambda: [PeriodKind.WEEK, PeriodKind.MONTH], alias="REPORT_SCHEDULE")
    # Where the reports' links lead from the file posted to the group, e.g.
    # https://desk.example.com (the reports live under /admin/reports there).
    public_url: str = Field(default="", alias="PUBLIC_URL")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # Let the libraries that print whole requests and SQL parameters (python-telegram-bot,
    # httpx, SQLAlchemy) log at LOG_LEVEL, customers' words and phone numbers included.
    log_customer_text: bool = Field(default=False, alias="LOG_CUSTOMER_TEXT")
    # A customer turn that fails is kept and tried again after this many seconds, then four
    # times as long each time; after this many tries in all it is quarantined for a person
    # (`heard failed`, the console's failed messages).
    failed_turn_tries: int = Field(default=3, ge=1, le=10, alias="FAILED_TURN_TRIES")
    failed_turn_retry_seconds: int = Field(default=10, ge=1, le=3600,
                                           alias="FAILED_TURN_RETRY_SECONDS")
    # Characters of customer text one conversation may have stored per day; past it the
    # customer is answered politely and the text is not kept.
    daily_text_quota: int = Field(default=100_000, ge=1_000, le=10_000_000,
                                  alias="DAILY_TEXT_QUOTA")
    # How often each process looks for a newer published configuration bundle version. On
    # PostgreSQL a publish is also announced at once (LISTEN/NOTIFY); this is the fallback.
    bundle_check_seconds: float = Field(default=0.5, ge=0.05, le=3600,
                                        alias="BUNDLE_CHECK_SECONDS")
    # How often each process reads the other processes' ticket changes for its console
    # pages. On PostgreSQL they also come at once by LISTEN/NOTIFY; this is the fallback.
    live_check_seconds: float = Field(default=0.5, ge=0.05, le=3600,
                                      alias="LIVE_CHECK_SECONDS")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user:pw@host/db")
        problem = url_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, v: str) -> str:
        if v.upper() not in LOG_LEVELS:
            raise ValueError(f"one of {', '.join(LOG_LEVELS)}")
        return v.upper()

    @field_validator("report_schedule", mode="before")
    @classmethod
    def _schedule(cls, v: object) -> object:
        if isinstance(v, str):
            names = [n.strip().lower() for n in v.split(",") if n.strip()]
            if names == ["none"]:
                return []
            allowed = (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
            for name in names:
                if name not in allowed:
                    raise ValueError(f"{name!r}: use week, month, quarter or year, "
                                     "comma-separated")
            return [PeriodKind(n) for n in dict.fromkeys(names)]
        return v

    @field_validator("public_url")
    @classmethod
    def _public(cls, v: str) -> str:
        if v and not re.fullmatch(r"https?://[^/\s]+(/[^\s]*)?", v):
            raise ValueError(f"{v!r} is not an address like https://desk.example.com")
        return v.rstrip("/")

    @field_validator("web_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, v: object) -> object:
        if isinstance(v, str):
            v = [o.strip().rstrip("/") for o in v.split(",") if o.strip()]
        if isinstance(v, list):
            for origin in v:
                if not re.fullmatch(r"https?://[^/\s]+", str(origin)):
                    raise ValueError(f"{origin!r} is not an origin like https://shop.example")
        return v

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, v: str | None) -> str | None:
        # What Telegram accepts for secret_token in setWebhook.
        if v and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", v):
            raise ValueError("use 1-256 of A-Z, a-z, 0-9, _ and -")
        return v or None

    @model_validator(mode="after")
    def _telegram_needs_token(self) -> Settings:
        # Without a token nothing Telegram runs, so these would be silently ignored.
        if not self.telegram_bot_token:
            for name, value in (("TELEGRAM_WEBHOOK_URL", self.telegram_webhook_url),
                                ("TELEGRAM_AGENT_CHAT_ID", self.telegram_agent_chat_id)):
                if value is not None:
                    raise ValueError(f"{name} is set but TELEGRAM_BOT_TOKEN is not")
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL "
                             "is set")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v

    @field_validator("business_hours")
    @classmethod
    def _readable_hours(cls, v: str, info: ValidationInfo) -> str:
        # Read in the service's zone (validated earlier; UTC stands in when it was bad).
        parse_hours(v, info.data.get("timezone") or "UTC")
        return v

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, v: str) -> str:
        if v not in {"en", "zh-CN", "zh-TW"}:
            raise ValueError("one of en, zh-CN, zh-TW")
        return v

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https_webhook(cls, v: str | None) -> str | None:
        if v and not v.startswith("https://"):
            raise ValueError("Telegram only calls https:// webhooks")
        return v or None


class SettingsError(Exception):
    """Raised with one line naming the bad setting."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        err = e.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        name = str(err["loc"][0]) if err["loc"] else _named(message)
        if err["type"] == "string_too_short" and name == "WEB_SECRET":
            message += "; generate one with: python3 -c \"import secrets; " \
                       "print(secrets.token_urlsafe(32))\""
        raise SettingsError(f"bad setting {name}: {message}") from None
    except SourceError as e:  # a value the environment source itself could not parse
        raise SettingsError(f"bad setting: {e}") from None


def _named(message: str) -> str:
    """The setting a whole-model check names in its message."""
    found = re.search(r"\b[A-Z][A-Z_]{3,}\b", message)
    return found.group(0) if found else "settings"


def setting_names() -> frozenset[str]:
    names = {f.alias for f in Settings.model_fields.values() if f.alias}
    for f in Settings.model_fields.values():  # old names still read (AliasChoices)
        if isinstance(f.validation_alias, AliasChoices):
            names.update(c for c in f.validation_alias.choices if isinstance(c, str))
    return frozenset(names)


def unknown_names(environ: Mapping[str, str] | None = None,
                  env_file: Path = Path(".env")) -> list[str]:
    """One line for each name in `env_file`, and each of our-looking environment variable,
    that is no setting: a typo there otherwise leaves the default in force without a word."""
    from dotenv import dotenv_values

    known = setting_names()
    environ = os.environ if environ is None else environ
    lines = []
    if env_file.is_file():
        for name in dotenv_values(env_file):
            if name.upper() not in known:
                lines.append(f"{name} in {env_file} is not a setting{_did_you_mean(name, known)}")
    for name in sorted(environ):
        upper = name.upper()
        if upper.startswith(OUR_PREFIXES) and upper not in known | NOT_SETTINGS:
            lines.append(f"{name} in the environment is not a setting"
                         f"{_did_you_mean(name, known)}")
    return lines


def _did_you_mean(name: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
