"""The agents' web console at /console: log in, work the queue, answer customers live."""

from handlers.console.app import ConsoleDeps, console_app

__all__ = ["ConsoleDeps", "console_app"]
