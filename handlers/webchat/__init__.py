"""The web chat channel: a page with a WebSocket, one conversation per signed visitor cookie."""

from handlers.webchat.output import WebChatOutput
from handlers.webchat.routes import setup_webchat

__all__ = ["WebChatOutput", "setup_webchat"]
