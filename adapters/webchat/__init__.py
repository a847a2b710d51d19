"""The local web chat: a page served by the bot's own server, talking to the same engine.

``WebChatPart(runtime, downloads=downloads)`` is the WebPart; it registers a ``WebChatSurface``
as ``runtime.surfaces["webchat"]`` so alerts reach the shared demo channel (``DEMO_CHANNEL``).
The page is plain HTML, CSS and JavaScript shipped in ``static/``.
"""

from __future__ import annotations

from ._part import WebChatPart
from ._render import render_card, render_reply, render_text
from ._surface import DEMO_CHANNEL, PLATFORM, WebChatSurface

__all__ = [
    "DEMO_CHANNEL",
    "PLATFORM",
    "WebChatPart",
    "WebChatSurface",
    "render_card",
    "render_reply",
    "render_text",
]
