"""Command mode: chat text → the tool calls it asks for, by a fixed grammar and without a model.

``parse_command`` is a pure function. It never raises: what it cannot read becomes an "unknown"
command whose text suggests the closest documented forms. Only the first ``MAX_CHARS`` characters
are ever looked at, and every step is linear in the number of words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ._changes import find_change
from ._channel import find_channel
from ._command import Command, ParseFailure, tools
from ._help import help_command, unknown
from ._normalize import clean_text, normalize
from ._notify import find_notify
from ._reading import find_reading
from ._search import find_search
from ._timing import find_timer
from ._tokens import (
    PRIORITIES,
    Token,
    keys,
    read_ticket,
    read_value,
    ref_arguments,
    status_label,
    tokenize,
)

__all__ = ["MAX_CHARS", "parse_command"]

MAX_CHARS = 10_000
_FILLER = frozenset({"please", "pls", "kindly", "can", "could", "you", "show", "list",
                     "find", "search", "display", "get", "fetch", "view", "lookup",
                     "me"})  # fmt: skip
_THANKS = frozenset({"thanks", "thank", "great", "perfect", "cool", "nice", "ok", "okay",
                     "cheers", "brilliant", "awesome"})  # fmt: skip
_GREETINGS = frozenset({"help", "commands", "start", "menu", "?"})
_SHOW = frozenset({"open", "show", "view", "display", "pull", "see", "check", "get", "find"})
_DETAILS = frozenset({"with", "and", "notes", "note", "time", "entries", "full", "details",
                      "detail", "everything", "all"})  # fmt: skip
_ENTITIES = {
    "tickets": "Tickets", "ticket": "Tickets", "companies": "Companies", "company": "Companies",
    "customers": "Companies", "clients": "Companies", "contacts": "Contacts",
    "contact": "Contacts", "contracts": "Contracts", "contract": "Contracts",
    "projects": "Projects", "project": "Projects", "tasks": "Tasks", "task": "Tasks",
    "time entries": "TimeEntries", "time entry": "TimeEntries", "time": "TimeEntries",
    "configuration items": "ConfigurationItems", "configuration item": "ConfigurationItems",
    "devices": "ConfigurationItems", "cis": "ConfigurationItems", "assets": "ConfigurationItems",
    "ticket notes": "TicketNotes", "ticket note": "TicketNotes", "notes": "TicketNotes",
}  # fmt: skip
_ALERT_WORDS = {"queue": "queue", "priority": "priority", "company": "company", "for": "company",
                "at": "company", "type": "ticket_type", "status": "status"}  # fmt: skip
_SEE = (
    ["what", "can", "you", "see"],
    ["what", "can", "you", "access"],
    ["what", "do", "you", "see"],
)


def _strip_filler(tokens: Sequence[Token]) -> Sequence[Token]:
    start = 0
    while start < len(tokens) and tokens[start].key in _FILLER:
        start += 1
    return tokens[start:]


def _entity(tokens: Sequence[Token]) -> tuple[str, int] | None:
    """The REST name of the entity the first words name (as typed when not a known one)."""
    words = keys(tokens[:2])
    if len(words) == 2 and " ".join(words) in _ENTITIES:
        return _ENTITIES[" ".join(words)], 2
    if words and words[0] in _ENTITIES:
        return _ENTITIES[words[0]], 1
    if tokens and tokens[0].text.strip('",;:!?.'):
        return tokens[0].text.strip('",;:!?.'), 1
    return None


def _describe(tokens: Sequence[Token]) -> Command | None:
    """``describe tickets [field]`` / ``fields of contracts``."""
    words = keys(tokens[:2])
    if words[0] == "describe":
        start = 1
    elif words[0] == "fields" and len(words) > 1 and words[1] in {"of", "for", "on"}:
        start = 2
    else:
        return None
    found = _entity(tokens[start:])
    if found is None:
        raise ParseFailure("Say which entity, for example `describe tickets`.")
    arguments: dict[str, Any] = {"entity": found[0]}
    rest = [t for t in tokens[start + found[1] :] if t.key not in {"field", "fields"}]
    if rest:
        arguments["field"] = " ".join(t.text for t in rest).strip('",;:!?.')
    return tools("describe", arguments)


def _about(tokens: Sequence[Token]) -> Command | None:
    """who am i, entities, what can you see."""
    words = keys(tokens)
    if words in (["who", "am", "i"], ["whoami"]):
        return tools("who_am_i", {})
    if len(words) == 3 and words[:2] == ["who", "is"] and "@" in words[2]:
        return tools("who_am_i", {"email": tokens[2].text.strip('",;:!?')})
    if words in _SEE or words == ["entities"]:
        return tools("list_entities", {})
    if words[0] == "entities" and len(tokens) > 1:
        return tools("list_entities", {"area": " ".join(t.text for t in tokens[1:])})
    return _describe(tokens)


def _alert_filters(tokens: Sequence[Token]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        word = tokens[i].key
        if word in PRIORITIES:
            filters["priority"], i = PRIORITIES[word], i + 1
            continue
        if word not in _ALERT_WORDS:
            raise ParseFailure(
                f"I could not read '{tokens[i].text[:40]}'; for example "
                '`alerts on queue "Service Desk" priority High`.'
            )
        got = read_value(tokens, i + 1, lambda k: tokens[k].key in _ALERT_WORDS)
        if got is None:
            raise ParseFailure(f"'{word}' needs a value, for example `alerts on priority High`.")
        name = _ALERT_WORDS[word]
        text = PRIORITIES.get(got[0].lower(), got[0]) if name == "priority" else got[0]
        filters[name] = status_label(text) if name == "status" else text
        i = got[1]
    return filters


def _alerts(tokens: Sequence[Token]) -> Command | None:
    words = keys(tokens)
    if words[0] not in {"alerts", "alert"}:
        return None
    rest = words[1:]
    if rest in ([], ["list"], ["show"]):
        return Command(intent="alerts_list")
    if rest in (["off"], ["stop"], ["disable"]):
        return Command(intent="alerts_off")
    if rest[0] in {"on", "enable", "start"}:
        return Command(intent="alerts_on", alert_filters=_alert_filters(tokens[2:]))
    return None


def _get(tokens: Sequence[Token]) -> Command | None:
    """``ticket T20241122.0004`` / ``#18420`` / ``ticket 18420 with notes`` / ``open 18420``."""
    shown = len(tokens) > 1 and tokens[0].key in _SHOW
    if shown:
        tokens = tokens[2:] if tokens[1].key == "up" else tokens[1:]
    ticket = read_ticket(tokens, 0, bare_ids=shown)
    if ticket is None:
        return None
    rest = keys(tokens[ticket[1] :])
    if any(word not in _DETAILS for word in rest):
        return None
    arguments: dict[str, Any] = {"entity": "Tickets", **ref_arguments(ticket[0])}
    if rest:
        arguments["include"] = ["notes", "time_entries"]
    if {"full", "details"} & set(rest):
        arguments["full"] = True
    return tools("get", arguments)


def _search(tokens: Sequence[Token]) -> Command | None:
    """``tickets …``, ``count tickets …``, ``how many …``, ``export …``."""
    words = keys(tokens[:2])
    mode, skip = "list", 0
    if words[:1] == ["count"]:
        mode, skip = "count", 1
    elif words in (["how", "many"], ["number", "of"]):
        mode, skip = "count", 2
    elif words[:1] in (["export"], ["download"]):
        mode, skip = "export", 1
    while (
        skip < len(tokens)
        and tokens[skip].key in {"all", "the", "every", "of", "my"}
        and (tokens[skip].key != "my")
    ):
        skip += 1
    if mode != "export":
        return find_search(tokens[skip:], mode=mode)
    fmt, rest = _export_format(tokens[skip:])
    found = find_search(rest, mode=mode)
    if found is not None and fmt != "xlsx":
        for call in found.calls:
            call.arguments["format"] = fmt
    return found


_FORMAT_WORDS = {"csv": "csv", "excel": "xlsx", "xlsx": "xlsx", "spreadsheet": "xlsx"}


def _export_format(tokens: Sequence[Token]) -> tuple[str, list[Token]]:
    """``export … as csv`` / ``export csv …`` / ``… to excel``: the file format (XLSX unless CSV
    is asked for) and the words left for the search."""
    fmt, kept = "xlsx", list[Token]()
    for token in tokens:
        if token.key in _FORMAT_WORDS:  # a quoted phrase has no key: "Excel Ltd" stays a name
            fmt = _FORMAT_WORDS[token.key]
            if kept and kept[-1].key in {"as", "to", "in"}:
                kept.pop()
        else:
            kept.append(token)
    return fmt, kept


def _parse(source: str, tokens: Sequence[Token]) -> Command | None:
    # before greetings: "start timer on …" is no "start"
    timer = find_timer(source, _strip_filler(tokens))
    if timer is not None:
        return timer
    if tokens[0].key in _GREETINGS:
        return help_command()
    if all(t.key in _THANKS or t.key == "you" for t in tokens):
        return Command(intent="help", text="You're welcome! Ask me anything else, or type `help`.")
    exact = _about(tokens) or _get(tokens)  # before words are taken for filler
    if exact is not None:
        return exact
    tokens = _strip_filler(tokens)
    if not tokens:
        return None
    for finder in (_about, _alerts, find_reading):
        found = finder(tokens)
        if found is not None:
            return found
    return find_change(source, tokens) or _get(tokens) or _search(tokens)


def parse_command(text: str, *, mentions: Mapping[str, str] | None = None) -> Command:
    """The command a message holds; never raises.

    ``mentions`` maps each person's mention as it appears in ``text`` (``@U0PRIYA``, ``Priya
    Sharma``) to their e-mail, so that "assign T… to @Priya" names the Autotask resource.
    ``Command.reading`` says whether the message was read completely and unambiguously.
    """
    if not isinstance(text, str):
        text = ""
    if len(text) > MAX_CHARS:
        return unknown(
            [], hint=f"That is too long for a command ({MAX_CHARS:,} characters at most)."
        )
    source, raw = tokenize(clean_text(text, mentions))
    if not raw or all(token.text.strip("?!.,;:") == "" for token in raw):
        return help_command()
    personal = find_notify(raw) or find_channel(raw)  # as typed: "my work" is not "my tickets"
    if personal is not None:
        return personal
    tokens = normalize(raw)
    if not tokens:
        return help_command()
    try:
        command = _parse(source, tokens)
    except ParseFailure as failure:
        missing = unknown(keys(tokens), hint=failure.hint, partial=True)
        return replace(missing, needs_company=failure.needs_company)
    return command or unknown(keys(tokens))
