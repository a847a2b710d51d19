"""Changes: log time, open a ticket, add a note, set a field, close, assign.

Each becomes one ``plan_change`` call; nothing is written until a technician confirms the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..calls import ToolCall
from ._command import Command, ParseFailure, tools
from ._timing import read_when
from ._tokens import (
    ME_WORDS,
    PRIORITIES,
    TicketRef,
    Token,
    free_text,
    read_duration,
    read_ticket,
    read_value,
    ref_arguments,
    status_label,
)

__all__ = ["find_change"]

LOG_EXAMPLE = "`log 45m on T20241122.0004 VPN troubleshooting`"
NEW_EXAMPLE = "`new ticket for Northwind high: printer outage`"
NOTE_EXAMPLE = "`add note to 18420: called the customer back`"
_VISIBLE = {"public": True, "customer": True, "visible": True, "external": True,
            "customer-visible": True, "internal": False, "private": False}  # fmt: skip
_FIELDS: dict[str, tuple[str, Callable[[str], str]]] = {
    "status": ("status", status_label),
    "priority": ("priority", lambda text: PRIORITIES.get(text.lower(), text)),
    "queue": ("queue", str),
    "type": ("type", str),
}
_NEW_WORDS = {"for", "at", "company", "priority", "queue", "status", "type", "assign", "assigned",
              "description", "details", "about", "regarding", "re", *PRIORITIES}  # fmt: skip
_TITLE_WORDS = frozenset({"about", "regarding", "re"})
_LOG_VERBS = frozenset({"log", "add", "put", "book", "record", "spent", "spend", "bill", "enter",
                        "track", "logged", "booked", "charge"})  # fmt: skip
_LINK_WORDS = frozenset({"on", "to", "for", "against", "in", "into", "onto"})
_SEPARATORS = frozenset({"-", "\u2013", "\u2014", "--", ":"})
_POSSESSIVES = ("their ", "the ", "a ", "an ", "our ", "his ", "her ", "its ")
_ARTICLES = frozenset({"a", "an", "the", "one"})


def _plan(action: str, entity: str, fields: dict[str, Any], **target: Any) -> Command:
    return tools("plan_change", {"action": action, "entity": entity, **target, "fields": fields})


def _update(ref: TicketRef, fields: dict[str, Any]) -> Command:
    return _plan("update", "Tickets", fields, **ref_arguments(ref))


def _who(text: str) -> str:
    return "me" if text.strip().lower() in ME_WORDS else text.strip()


def _summary(text: str) -> str:
    """What was done, without the joining word before it or the full stop after it."""
    text = text.strip()
    for lead in ("for ", "doing ", "re ", "re: ", "- "):
        if text.lower().startswith(lead):
            text = text[len(lead) :].strip()
            break
    return text.rstrip(".").strip()


def _log(source: str, tokens: Sequence[Token]) -> Command:
    """``log 45m on T20241122.0004 VPN troubleshooting`` / ``log 1h yesterday 14:00 on 18420 …``
    / ``log 30m on 18420 at 9:15 …`` / ``45m on 18420 …``."""
    i = 0 if read_duration(tokens, 0) is not None else 1
    if i and len(tokens) > 1 and tokens[1].key == "time":
        i = 2
    duration = read_duration(tokens, i)
    if duration is None:
        raise ParseFailure(f"Say how long the work took, for example {LOG_EXAMPLE}.")
    when = read_when(tokens, duration[1])
    i = when[1] if when else duration[1]
    while i < len(tokens) and tokens[i].key in _LINK_WORDS:
        i += 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None:
        return _which_ticket(source, tokens, i, duration[0], when[0] if when else {})
    i = ticket[1]
    if when is None and (when := read_when(tokens, i)) is not None:
        i = when[1]
    summary = _summary(free_text(source, tokens[i - 1].end))
    if not summary:
        raise ParseFailure(f"Add what you did after the ticket, for example {LOG_EXAMPLE}.")
    fields = {"ticket": ticket[0], "duration": duration[0], **(when[0] if when else {})}
    return _plan("create", "TimeEntries", {**fields, "summaryNotes": summary})


def _which_ticket(
    source: str, tokens: Sequence[Token], i: int, duration: str, when: dict[str, Any]
) -> Command:
    """``log 45m VPN fix``: everything but the ticket, so ask which one."""
    summary = _summary(free_text(source, tokens[i - 1].end)) if i else ""
    if not summary:
        raise ParseFailure(f"Say which ticket the time is for, for example {LOG_EXAMPLE}.")
    fields = {"ticket": None, "duration": duration, **when, "summaryNotes": summary}
    return Command(
        intent="ask",
        text=f"Which ticket is the {duration} for?",
        needs_ticket=ToolCall("plan_change", {"action": "create", "entity": "TimeEntries",
                                              "fields": fields}),
    )  # fmt: skip


def _note(source: str, tokens: Sequence[Token]) -> Command:
    """``add public note to 18420: text`` / ``note on T… text``."""
    i = 1 if tokens[0].key in {"add", "post", "write", "put", "leave"} else 0
    visible = False
    while i < len(tokens) and (tokens[i].key in _VISIBLE or tokens[i].key in _ARTICLES):
        visible = _VISIBLE.get(tokens[i].key, visible)
        i += 1
    i += 1  # "note"
    if i < len(tokens) and tokens[i].key in {"to", "on", "for", "in"}:
        i += 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None:
        raise ParseFailure(f"Say which ticket the note is for, for example {NOTE_EXAMPLE}.")
    text = free_text(source, tokens[ticket[1] - 1].end)
    if not text:
        raise ParseFailure(f"Add the note's text after the ticket, for example {NOTE_EXAMPLE}.")
    fields = {"ticket": ticket[0], "description": text, "customer_visible": visible}
    return _plan("create", "TicketNotes", fields)


def _is_note(tokens: Sequence[Token]) -> bool:
    words = [t.key for t in tokens[:6]]
    i = 1 if words and words[0] in {"add", "post", "write", "put", "leave"} else 0
    while i < len(words) and (words[i] in _VISIBLE or words[i] in _ARTICLES):
        i += 1
    return i < len(words) and words[i] in {"note", "comment"}


def _new_header(fields: dict[str, Any], tokens: Sequence[Token]) -> str | None:
    """Options before the title: company, priority, queue, status, type, assignee; the title
    when quoted."""
    title: str | None = None

    def stop(k: int) -> bool:
        return tokens[k].key in _NEW_WORDS

    i = 0
    while i < len(tokens):
        word = tokens[i].key
        if word in _TITLE_WORDS:
            return None if title is None else title
        if tokens[i].quoted:
            if title is None:
                title = tokens[i].text.strip()
            else:
                fields["description"] = tokens[i].text.strip()
            i += 1
            continue
        if word in PRIORITIES:
            fields["priority"], i = PRIORITIES[word], i + 1
            continue
        if word in {"to", "with", "a", "and", "the"}:
            i += 1
            continue
        if word not in _NEW_WORDS and "company" not in fields:
            got = read_value(tokens, i, stop)  # a name with no keyword: the company
            assert got is not None
            fields["company"], i = got
            continue
        if word not in _NEW_WORDS:
            raise ParseFailure(f"I could not read '{tokens[i].text[:40]}'; try {NEW_EXAMPLE}.")
        start = i + 1
        if word in {"assign", "assigned"} and start < len(tokens) and tokens[start].key == "to":
            start += 1
        got = read_value(tokens, start, stop)
        if got is None:
            raise ParseFailure(f"'{word}' needs a value; for example {NEW_EXAMPLE}.")
        _new_field(fields, word, got[0])
        i = got[1]
    return title


def _new_field(fields: dict[str, Any], word: str, value: str) -> None:
    if word in {"for", "at", "company"}:
        fields["company"] = value
    elif word in _FIELDS:
        name, normalize = _FIELDS[word]
        fields[name] = normalize(value)
    elif word in {"assign", "assigned"}:
        fields["assigned"] = _who(value)
    else:
        fields["description"] = value


def _title(text: str, fields: dict[str, Any]) -> str:
    """A title as typed, without a leading possessive, a trailing priority (", high") or a full
    stop; its first letter capitalised."""
    text = text.strip().rstrip(".").strip()
    for lead in _POSSESSIVES:
        if text.lower().startswith(lead) and len(text) > len(lead):
            text = text[len(lead) :]
            break
    head, sep, tail = text.rpartition(",")
    label = tail.strip().lower().removesuffix(" priority").removesuffix("-priority")
    if sep and head.strip() and label in PRIORITIES:
        fields.setdefault("priority", PRIORITIES[label])
        text = head.strip()
    return text[:1].upper() + text[1:]


def _body_start(tokens: Sequence[Token], start: int) -> int | None:
    """Where the header ends: a colon, a dash, or the word "about"."""
    for k in range(start - 1, len(tokens)):
        if tokens[k].colon or tokens[k].text in _SEPARATORS:
            return k
        if k >= start and tokens[k].key in _TITLE_WORDS:
            return k
    return None


def _new_ticket(source: str, tokens: Sequence[Token]) -> Command:
    """``new ticket for Northwind high: printer outage``."""
    start = 2 if tokens[1].key == "ticket" else 3
    body = _body_start(tokens, start)
    header = tokens[start : len(tokens) if body is None else body + 1]
    header = [t for t in header if t.text not in _SEPARATORS]
    fields: dict[str, Any] = {}
    title = _new_header(fields, header)
    if body is not None:
        lines = free_text(source, tokens[body].end).splitlines()
        text = [line.strip() for line in lines if line.strip()]
        if title is None and text:
            title, text = _title(text[0], fields), text[1:]
        if text:
            fields["description"] = "\n".join(filter(None, [fields.get("description"), *text]))
    if not title:
        raise ParseFailure(f"Give the ticket a title after a colon, for example {NEW_EXAMPLE}.")
    if "company" not in fields:
        planned = _plan("create", "Tickets", {"title": title, **fields})
        raise ParseFailure(
            f"Say which company the ticket is for, for example {NEW_EXAMPLE}.",
            needs_company=planned.calls[0],
        )
    return _plan("create", "Tickets", {"company": fields.pop("company"), "title": title, **fields})


def _set(tokens: Sequence[Token]) -> Command | None:
    """``set status of T… to Complete`` / ``set T… priority to high`` / ``T… status waiting``."""
    i = 1 if tokens[0].key in {"set", "change", "update", "make"} else 0
    field = _FIELDS.get(tokens[i].key) if i < len(tokens) else None
    if field is not None:
        i += 2 if i + 1 < len(tokens) and tokens[i + 1].key in {"of", "on", "for"} else 1
    ticket = read_ticket(tokens, i, bare_ids=i > 0)
    if ticket is None:
        return None
    i = ticket[1]
    if field is None and i < len(tokens):
        if i > 1 and tokens[i].key == "to":  # "set 18420 to waiting customer": say which field
            got = read_value(tokens, i + 1, lambda _: False)
            label = got[0].lower().removesuffix(" priority") if got else ""
            if got is not None and got[1] == len(tokens):
                if label in PRIORITIES:
                    return _update(ticket[0], {"priority": PRIORITIES[label]})
                return _update(ticket[0], {"status": status_label(got[0])})
        field = _FIELDS.get(tokens[i].key)
        i += 1
    if field is None:
        return None
    if i < len(tokens) and tokens[i].key in {"to", "=", "is", "as"}:
        i += 1
    got = read_value(tokens, i, lambda _: False)
    if got is None:
        raise ParseFailure(
            f"Say the new {field[0]}, for example `set status of 18420 to Complete`."
        )
    return _update(ticket[0], {field[0]: field[1](got[0])})


def _close(source: str, tokens: Sequence[Token]) -> Command | None:
    """``close T…`` / ``complete 18420`` / ``mark 18420 as done`` / ``close 8480 fixed``
    (the words after the ticket become its resolution)."""
    i = 2 if len(tokens) > 1 and tokens[1].key == "ticket" else 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None:
        return None
    rest = [t.key for t in tokens[ticket[1] :] if t.key not in {"as", "to"}]
    if tokens[0].key == "mark":
        if not rest:
            return None
        return _update(ticket[0], {"status": status_label(" ".join(rest))})
    if not rest:
        return _update(ticket[0], {"status": "Complete"})
    resolution = _summary(free_text(source, tokens[ticket[1] - 1].end))
    for lead in ("with resolution ", "resolution ", "as ", "with "):
        if resolution.lower().startswith(lead):
            resolution = resolution[len(lead) :].strip()
    if not resolution:
        return _update(ticket[0], {"status": "Complete"})
    return _update(ticket[0], {"status": "Complete", "resolution": resolution})


def _assign(tokens: Sequence[Token]) -> Command | None:
    """``assign T… to me`` / ``assign 18420 to Priya Sharma`` / ``take T…``."""
    i = 2 if len(tokens) > 1 and tokens[1].key == "ticket" else 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None:
        return None
    i = ticket[1]
    if tokens[0].key in {"take", "grab"}:
        return _update(ticket[0], {"assigned": "me"}) if i == len(tokens) else None
    if i < len(tokens) and tokens[i].key == "to":
        i += 1
    got = read_value(tokens, i, lambda _: False)
    if got is None:
        raise ParseFailure("Say who takes it, for example `assign 18420 to me`.")
    return _update(ticket[0], {"assigned": _who(got[0])})


def _is_log(tokens: Sequence[Token]) -> bool:
    first = tokens[0].key
    second = tokens[1].key if len(tokens) > 1 else ""
    if first == "log" and second not in {"a", "ticket", "new"}:
        return True
    if first in _LOG_VERBS:
        at = 2 if second == "time" else 1
        return read_duration(tokens, at) is not None
    duration = read_duration(tokens, 0)
    return duration is not None and read_ticket(
        tokens, duration[1] + (duration[1] < len(tokens) and tokens[duration[1]].key in
                               _LINK_WORDS), bare_ids=True) is not None  # fmt: skip


def _bump(tokens: Sequence[Token]) -> Command | None:
    """``bump 18420 to critical`` / ``raise 18420 to high`` / ``move 18420 to Service Desk``."""
    i = 2 if len(tokens) > 1 and tokens[1].key == "ticket" else 1
    ticket = read_ticket(tokens, i, bare_ids=True)
    if ticket is None or ticket[1] >= len(tokens):
        return None
    to = tokens[ticket[1]].key == "to"
    if not to and tokens[0].key != "make":
        return None
    got = read_value(tokens, ticket[1] + to, lambda _: False)
    if got is None:
        return None
    value = got[0]
    label = value.lower().removesuffix(" priority").removesuffix("-priority")
    if label in PRIORITIES:
        return _update(ticket[0], {"priority": PRIORITIES[label]})
    if tokens[0].key == "move":
        return _update(ticket[0], {"queue": value.removeprefix("queue ").strip()})
    return None


def find_change(source: str, tokens: Sequence[Token]) -> Command | None:
    """The change a message asks for, or None when it is not one."""
    first = tokens[0].key
    second = tokens[1].key if len(tokens) > 1 else ""
    if first in {"new", "create", "raise", "add", "log", "open"} and (
        second == "ticket" or (second == "a" and len(tokens) > 2 and tokens[2].key == "ticket")
    ):
        return _new_ticket(source, tokens)
    if _is_note(tokens):
        return _note(source, tokens)
    if _is_log(tokens):
        return _log(source, tokens)
    if first in {"close", "complete", "resolve", "mark", "finish"}:
        return _close(source, tokens)
    if first in {"assign", "reassign", "take", "grab", "give"}:
        return _assign(tokens)
    if first in {"bump", "raise", "lower", "move", "downgrade", "upgrade", "make"}:
        found = _bump(tokens)
        if found is not None or first != "make":
            return found
    return _set(tokens)
