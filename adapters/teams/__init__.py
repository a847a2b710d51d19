"""Microsoft Teams through the Bot Framework: the ``/api/messages`` web part, Adaptive Cards,
proactive posts from stored conversation references, and the Teams app package.

Everything botbuilder-specific stays in this package behind the ``ChatSurface`` port, so moving
to another Teams SDK touches nothing outside it. Names are loaded on first use: the command line
registers ``atbot manifest teams`` from here without importing botbuilder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._activities import (
        PLATFORM,
        click_of,
        conversation_of,
        message_of,
        reference_of,
        reply_activities,
        strip_mentions,
        thread_address,
    )
    from ._auth import ChannelTokens, SharedCredentials, Unauthorized
    from ._bot import Background, TeamsBot
    from ._cards import ADAPTIVE_CARD_CONTENT_TYPE, adaptive_card
    from ._manifest import ManifestError, ManifestOptions, build_manifest, write_package
    from ._members import MemberDirectory, MemberLookup
    from ._part import (
        MESSAGES_PATH,
        TeamsPart,
        TeamsSetupError,
        build_bot,
        create_adapter,
        is_local_request,
    )
    from ._surface import TeamsDeliveryError, TeamsSurface

_SOURCES = {
    "._activities": (
        "PLATFORM",
        "click_of",
        "conversation_of",
        "message_of",
        "reference_of",
        "reply_activities",
        "strip_mentions",
        "thread_address",
    ),
    "._auth": ("ChannelTokens", "SharedCredentials", "Unauthorized"),
    "._bot": ("Background", "TeamsBot"),
    "._cards": ("ADAPTIVE_CARD_CONTENT_TYPE", "adaptive_card"),
    "._manifest": ("ManifestError", "ManifestOptions", "build_manifest", "write_package"),
    "._members": ("MemberDirectory", "MemberLookup"),
    "._part": (
        "MESSAGES_PATH",
        "TeamsPart",
        "TeamsSetupError",
        "build_bot",
        "create_adapter",
        "is_local_request",
    ),
    "._surface": ("TeamsDeliveryError", "TeamsSurface"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "ADAPTIVE_CARD_CONTENT_TYPE",
    "MESSAGES_PATH",
    "PLATFORM",
    "Background",
    "ChannelTokens",
    "ManifestError",
    "ManifestOptions",
    "MemberDirectory",
    "MemberLookup",
    "SharedCredentials",
    "TeamsBot",
    "TeamsDeliveryError",
    "TeamsPart",
    "TeamsSetupError",
    "TeamsSurface",
    "Unauthorized",
    "adaptive_card",
    "build_bot",
    "build_manifest",
    "click_of",
    "conversation_of",
    "create_adapter",
    "is_local_request",
    "message_of",
    "reference_of",
    "reply_activities",
    "strip_mentions",
    "thread_address",
    "write_package",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
