"""Personal commands: "notify me when a ticket is assigned to me" subscribes the conversation it
is said in (the direct chat, for a personal one) to tickets assigned to the technician, new or
reassigned; "tell me when customers reply on my tickets" / "notify me about customer notes" to
customer notes on those tickets; "stop notifying me" / "notifications off" ends them ("… about
customer notes" only those), "notifications" lists; "my work" is the technician's work at a
glance (the Slack Home tab's "My work", in any chat)."""

from __future__ import annotations

from collections.abc import Sequence

from ._command import Command
from ._tokens import Token

__all__ = ["find_notify"]

_ASK = {"notify", "tell", "ping", "alert", "message", "dm", "let"}
_OFF = (["stop", "notifying", "me"], ["notifications", "off"], ["notify", "me", "off"],
        ["stop", "notifications"], ["stop", "telling", "me"],
        ["no", "more", "notifications"])  # fmt: skip
_LIST = (["notifications"], ["my", "notifications"])
_WORK = (["my", "work"], ["my", "day"], ["my", "plate"], ["whats", "on", "my", "plate"])
_CUSTOMER = frozenset({"customer", "customers", "client", "clients", "contact", "contacts",
                       "customer's", "client's", "end", "user", "users"})  # fmt: skip
_NOTE = frozenset({"note", "notes", "reply", "replies", "replied", "respond", "responds",
                   "responded", "answer", "answers", "answered", "writes", "wrote", "write",
                   "comment", "comments"})  # fmt: skip
_WHEN = frozenset({"when", "whenever", "if", "about", "of", "each", "every", "new"})
_CUSTOMER_NOTES = {"assigned": "me", "notify": "customer_note"}


def _about_customer_notes(words: Sequence[str]) -> bool:
    """Customer notes in general ("when customers reply"), not one record's ("the notes on
    T20261125.0042")."""
    if any(any(c.isdigit() for c in w) for w in words):
        return False
    return all(any(w in group for w in words) for group in (_CUSTOMER, _NOTE, _WHEN))


def _stop(words: list[str]) -> Command | None:
    for start in _OFF:
        if words[: len(start)] == start:
            rest = words[len(start) :]
            if not rest:
                return Command(intent="alerts_off", alert_filters={"notify": "personal"})
            if _about_customer_notes(rest):
                return Command(intent="alerts_off", alert_filters={"notify": "customer_note"})
    return None


def find_notify(tokens: Sequence[Token]) -> Command | None:
    """A personal command, or None when the message is not one."""
    words = [t.key for t in tokens[:16]]
    stop = _stop(words)
    if stop is not None:
        return stop
    if words in _LIST:
        return Command(intent="alerts_list")
    if words in _WORK:
        return Command(intent="my_work")
    if words[:2] == ["let", "me"] and words[2:3] == ["know"]:
        words = ["tell", "me", *words[3:]]
    if len(words) < 4 or words[0] not in _ASK or words[1] != "me":
        return None
    rest = words[2:]
    if _about_customer_notes(rest):
        return Command(intent="alerts_on", alert_filters=dict(_CUSTOMER_NOTES))
    text = " ".join(rest)
    if "assigned to me" in text or ("assigned" in rest and "ticket" in text):
        return Command(intent="alerts_on", alert_filters={"assigned": "me"})
    return None
