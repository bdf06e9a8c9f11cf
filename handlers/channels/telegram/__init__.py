"""The Telegram channel: updates in, replies out, via python-telegram-bot's Bot over HTTP."""

from handlers.channels.telegram.output import TelegramOutput
from handlers.channels.telegram.service import TelegramService
from handlers.channels.telegram.updates import to_inbound

__all__ = ["TelegramOutput", "TelegramService", "to_inbound"]
