"""Slack: slack-bolt's async app in Socket Mode or HTTP mode, Block Kit cards with working
buttons, exports uploaded into the thread.

``SlackPart`` is the web server's part (``adapters/server.py`` builds it when Slack is
configured); ``SlackSurface`` posts into any channel or thread; ``render_reply`` turns a neutral
reply into Block Kit within Slack's limits.
"""

from __future__ import annotations

from ._app import COMMAND, PUBLIC_WORDS, EventOnce, SlackBot
from ._blocks import MAX_BLOCKS, SlackMessage, card_blocks, render_reply
from ._part import EVENTS_PATH, SlackPart
from ._surface import SlackSurface
from ._users import Person, UserDirectory

__all__ = [
    "COMMAND",
    "EVENTS_PATH",
    "MAX_BLOCKS",
    "PUBLIC_WORDS",
    "EventOnce",
    "Person",
    "SlackBot",
    "SlackMessage",
    "SlackPart",
    "SlackSurface",
    "UserDirectory",
    "card_blocks",
    "render_reply",
]
