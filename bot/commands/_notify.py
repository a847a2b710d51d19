"""Personal commands: "notify me when a ticket is assigned to me" subscribes the conversation it
is said in (the direct chat, for a personal one) to new tickets assigned to the technician; "stop
notifying me" / "notifications off" ends it, "notifications" lists; "my work" is the technician's
work at a glance (the Slack Home tab's "My work", in any chat)."""

from __future__ import annotations

from collections.abc import Sequence

from ._command import Command
from ._tokens import Token

__all__ = ["find_notify"]

_ASK = {"notify", "tell", "ping", "alert", "message"}
_OFF = (["stop", "notifying", "me"], ["notifications", "off"], ["notify", "me", "off"],
        ["stop", "notifications"])  # fmt: skip
_LIST = (["notifications"], ["my", "notifications"])
_WORK = (["my", "work"], ["my", "day"], ["my", "plate"], ["whats", "on", "my", "plate"])


def find_notify(tokens: Sequence[Token]) -> Command | None:
    """A personal command, or None when the message is not one."""
    words = [t.key for t in tokens[:12]]
    if words in _OFF:
        return Command(intent="alerts_off")
    if words in _LIST:
        return Command(intent="alerts_list")
    if words in _WORK:
        return Command(intent="my_work")
    if len(words) < 5 or words[0] not in _ASK or words[1] != "me":
        return None
    text = " ".join(words[2:])
    if "assigned to me" in text and "ticket" in text:
        return Command(intent="alerts_on", alert_filters={"assigned": "me"})
    return None
