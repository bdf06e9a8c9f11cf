"""The agents' web console at /console: log in, work the queue, answer customers live."""

from handlers.agents.console.app import console_app
from handlers.agents.console.deps import CONSOLE, ConsoleDeps

__all__ = ["CONSOLE", "ConsoleDeps", "console_app"]
