"""The web chat channel: a page with a WebSocket, one conversation per signed visitor cookie."""

from handlers.channels.webchat.output import WebChatOutput
from handlers.channels.webchat.routes import setup_webchat

__all__ = ["WebChatOutput", "setup_webchat"]
