"""What the web chat shares with the application, under typed keys: the turns it runs and
the transcripts it shows (set by the composition root), and its own sender."""

from __future__ import annotations

from aiohttp import web

from handlers.channels.base import TranscriptReader, TurnHandler
from handlers.channels.webchat.output import WebChatOutput

TURNS: web.AppKey[TurnHandler] = web.AppKey("turns")
TRANSCRIPTS: web.AppKey[TranscriptReader] = web.AppKey("transcripts")
# The web chat's sender, so proactive messages (reminders) reach a visitor's open tabs.
WEBCHAT_OUTPUT: web.AppKey[WebChatOutput] = web.AppKey("webchat_output")
