"""The Telegram channel: updates in, replies out, via python-telegram-bot's Bot over HTTP."""

from handlers.telegram.output import TelegramOutput
from handlers.telegram.service import TelegramService
from handlers.telegram.updates import to_inbound

__all__ = ["TelegramOutput", "TelegramService", "to_inbound"]
