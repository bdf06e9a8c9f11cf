"""Service settings, read from the environment or a `.env` file (see .env.example)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from dialogs.hours import ALWAYS, parse_hours


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
    # Signs the web chat's visitor cookie; generated per start when unset (visitors then
    # lose their conversation on restart), so set it in production.
    web_secret: str | None = Field(default=None, alias="WEB_SECRET")

    # The company name the bot introduces itself with.
    brand: str = Field(default="heard", min_length=1, max_length=60, alias="BRAND_NAME")
    ticket_prefix: str = Field(default="C", pattern=r"^[A-Z]{1,5}$", alias="TICKET_PREFIX")
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
    # Mark the console's cookies Secure even when the request arrives as plain HTTP (a reverse
    # proxy in front ends TLS).
    console_secure_cookies: bool = Field(default=False, alias="CONSOLE_SECURE_COOKIES")
    # Days after an agent closes a case that its customer may reopen it (0: never).
    reopen_days: int = Field(default=7, ge=0, le=365, alias="REOPEN_DAYS")
    # When people are at the desk, in HEARD_TIMEZONE: "Mon-Fri 09:00-18:00", several spans
    # with ";". Promised first responses count open time only.
    business_hours: str = Field(default=ALWAYS, alias="BUSINESS_HOURS")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user:pw@host/db")
        return v

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
        name = str(err["loc"][0]) if err["loc"] else _named(err["msg"])
        raise SettingsError(f"bad setting {name}: {err['msg']}") from None
    except SourceError as e:  # a value the environment source itself could not parse
        raise SettingsError(f"bad setting: {e}") from None


def _named(message: str) -> str:
    """The setting a whole-model check names in its message."""
    found = re.search(r"\b[A-Z][A-Z_]{3,}\b", message)
    return found.group(0) if found else "settings"
