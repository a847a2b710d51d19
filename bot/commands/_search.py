"""Searches: which entity a message is about, and its filters in any order.

Each entity has a table of keywords; a keyword's rule reads what follows it ("for Contoso",
"created last week", "limit 10"). A value runs until the next keyword, a quoted phrase or a
date range, so names that contain a keyword need quotes ("for \\"Open Systems\\"").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._command import Command, ParseFailure, condition, search_call
from ._tokens import (
    ME_WORDS,
    PRIORITIES,
    Token,
    keys,
    read_range,
    read_ticket,
    read_value,
    status_label,
)

__all__ = ["SPECS", "TIME_ENTRY_LINKS", "Spec", "find_search"]

Condition = dict[str, Any]
Rule = Callable[["_Filters", int], int | None]  # index after the keyword → next index (None: no)

MAX_LIMIT = 200
NOUN_WINDOW = 8  # the entity's noun must come within the first words
_NOISE = frozenset({"all", "the", "any", "with", "and", "that", "are", "is", "of", "in", "&"})
TIME_ENTRY_LINKS = (
    "Autotask links a time entry only to a ticket or a project task, so time entries can be "
    "filtered by ticket (`time entries for T20241122.0004`), by task (`time entries for task "
    '"Install switches"`), by person (`by me`) and by date (`last week`).'
)


@dataclass(frozen=True)
class Spec:
    """What a search over one entity understands."""

    entity: str
    nouns: tuple[tuple[str, ...], ...]
    rules: Mapping[str, Rule]
    bare_range: tuple[str, bool] | None = None  # (field, future) for a range with no keyword
    free: Callable[[str], list[Condition]] | None = None  # words that are not keywords
    default_open: bool = False  # "my …" means open ones unless a status is given


@dataclass
class _Filters:
    spec: Spec
    tokens: Sequence[Token]
    conditions: list[Condition] = field(default_factory=list)
    limit: int | None = None
    sort: str | None = None
    status_given: bool = False
    mine: bool = False

    def stop(self, i: int) -> bool:
        """Whether a value ends before word ``i``."""
        if self.tokens[i].key in self.spec.rules:
            return True
        bare = self.spec.bare_range
        return bare is not None and read_range(self.tokens, i, future=bare[1]) is not None

    def value(self, i: int) -> tuple[str, int] | None:
        return read_value(self.tokens, i, self.stop)

    def add(self, *conditions: Condition, status: bool = False) -> None:
        self.conditions.extend(conditions)
        self.status_given = self.status_given or status


def _value(
    name: str, op: str = "=", *, skip: frozenset[str] = frozenset(), status: bool = False,
    normalize: Callable[[str], Any] = str,
) -> Rule:  # fmt: skip
    def rule(p: _Filters, i: int) -> int | None:
        if i < len(p.tokens) and p.tokens[i].key in skip | {"to", "is", "="}:
            i += 1
        got = p.value(i)
        if got is None:
            return None
        p.add(condition(name, normalize(got[0]), op), status=status)
        return got[1]

    return rule


def _me(text: str) -> str:
    return "me" if text.lower() in ME_WORDS else text


def _priority_label(text: str) -> str:
    return PRIORITIES.get(text.lower(), text)


def _fixed(*conditions: Condition, status: bool = False) -> Rule:
    def rule(p: _Filters, i: int) -> int:
        p.add(*conditions, status=status)
        return i

    return rule


def _mine(*conditions: Condition) -> Rule:
    def rule(p: _Filters, i: int) -> int:
        p.add(*conditions)
        p.mine = True
        return i

    return rule


def _date(name: str, *, future: bool = False, done: bool = False) -> Rule:
    """A date keyword and its range; for "closed"/"completed" alone: the finished ones."""

    def rule(p: _Filters, i: int) -> int | None:
        got = read_range(p.tokens, i, future=future)
        if got is None:
            if done:
                p.add(condition("open", False), status=True)
                return i
            return None
        value, op, after = got
        p.add(condition(name, value, op), status=done)
        return after

    return rule


def _priority(p: _Filters, i: int) -> int | None:
    """``priority high``; the word is noise in "high priority" or before another keyword."""
    before = p.tokens[i - 2].key if i >= 2 else ""
    if before in PRIORITIES or i >= len(p.tokens) or p.stop(i):
        return i
    return _value("priority", normalize=_priority_label)(p, i)


def _limit(p: _Filters, i: int) -> int | None:
    word = p.tokens[i].key if i < len(p.tokens) else ""
    if not (word.isdigit() and len(word) <= 6):
        return None
    p.limit = max(1, min(MAX_LIMIT, int(word)))
    return i + 1


def _sort(order: str) -> Rule:
    def rule(p: _Filters, i: int) -> int:
        p.sort = order
        return i

    return rule


def _company_or_me(p: _Filters, i: int) -> int | None:
    """``for Contoso`` (a company) or ``for me`` (assigned to me)."""
    got = p.value(i + 1 if i < len(p.tokens) and p.tokens[i].key == "company" else i)
    if got is None:
        return None
    text, after = got
    p.add(condition("assigned", "me") if text.lower() in ME_WORDS else condition("company", text))
    return after


def _work_link(p: _Filters, i: int) -> int | None:
    """What time was logged on: a ticket, a task, or (for "on") a date."""
    ticket = read_ticket(p.tokens, i, bare_ids=True)
    if ticket is not None:
        p.add(condition("ticket", ticket[0]))
        return ticket[1]
    if i < len(p.tokens) and p.tokens[i].key == "task":
        return _value("task")(p, i + 1)
    got = read_range(p.tokens, i)
    if got is not None:
        p.add(condition("dateWorked", got[0], got[1]))
        return got[2]
    raise ParseFailure(TIME_ENTRY_LINKS)


def _words(rule: Rule, *words: str) -> dict[str, Rule]:
    return dict.fromkeys(words, rule)


_COMPANY = ("for", "at", "company")  # not "customer": statuses such as "Waiting Customer"
_COMMON: dict[str, Rule] = {**_words(_limit, "limit", "top", "first")}
_OPEN = condition("open", True)


def _ticket_rules() -> dict[str, Rule]:
    priorities = {word: _fixed(condition("priority", label)) for word, label in PRIORITIES.items()}
    hyphenated = {f"{word}-priority": rule for word, rule in priorities.items()}
    return {
        **_COMMON, **priorities, **hyphenated,
        **_words(_company_or_me, *_COMPANY),
        "my": _mine(condition("assigned", "me")),
        "mine": _mine(condition("assigned", "me")),
        "priority": _priority,
        "status": _value("status", status=True, normalize=status_label),
        "open": _fixed(_OPEN, status=True),
        **_words(_date("completed", done=True), "closed", "completed", "complete", "done",
                 "resolved"),
        "queue": _value("queue"),
        **_words(_value("assigned", skip=frozenset({"to"}), normalize=_me), "assigned",
                 "assignee", "technician", "tech"),
        "unassigned": _fixed(condition("assigned", op="is not set")),
        **_words(_date("created"), "created", "opened", "logged"),
        "due": _date("due", future=True),
        **_words(_date("updated"), "updated", "modified", "changed"),
        "overdue": _fixed(condition("due", "today", "<"), _OPEN, status=True),
        "type": _value("type"),
        "about": _value("title", "contains"),
        **_words(_sort("-createDate"), "newest", "latest", "recent"),
        "oldest": _sort("createDate"),
    }  # fmt: skip


def _contact_name(text: str) -> list[Condition]:
    if "@" in text:
        return [condition("emailAddress", text)]
    first, _, last = text.partition(" ")
    if not last:
        return [condition("lastName", first, "contains")]
    return [condition("firstName", first, "contains"), condition("lastName", last, "contains")]


def _company_name(text: str) -> list[Condition]:
    return [condition("companyName", text, "contains")]


def _free(make: Callable[[str], list[Condition]]) -> Rule:
    def rule(p: _Filters, i: int) -> int | None:
        got = p.value(i)
        if got is None:
            return None
        p.add(*make(got[0]))
        return got[1]

    return rule


_COMPANY_RULE = _value("company", skip=frozenset({"company"}))

SPECS: tuple[Spec, ...] = (
    Spec("TimeEntries", (("time", "entries"), ("time", "entry"), ("timesheet",), ("time",)), {
        **_COMMON, **_words(_work_link, "for", "on"),
        "by": _value("resource", normalize=_me),
        **_words(_mine(condition("resource", "me")), "my", "mine"),
        **_words(_date("dateWorked"), "worked", "logged", "dated"),
    }, bare_range=("dateWorked", False)),
    Spec("ConfigurationItems", (("configuration", "items"), ("configuration", "item"),
                                ("devices",), ("device",), ("cis",), ("assets",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
    }),
    Spec("Tickets", (("tickets",),), _ticket_rules(),
         bare_range=("created", False), default_open=True),
    Spec("Companies", (("companies",), ("company",), ("customers",), ("clients",)), {
        **_COMMON, **_words(_free(_company_name), "named", "called"),
    }, free=_company_name),
    Spec("Contacts", (("contacts",), ("contact",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
        **_words(_free(_contact_name), "named", "called"),
    }, free=_contact_name),
    Spec("Contracts", (("contracts",), ("contract",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
        **_words(_date("endDate", future=True), "expiring", "expire", "expires", "ending",
                 "ends", "end", "expiry"),
        "active": _fixed(condition("status", "Active")),
        "inactive": _fixed(condition("status", "Inactive")),
        "status": _value("status"),
        "type": _value("contractType"),
    }, bare_range=("endDate", True)),
    Spec("Projects", (("projects",), ("project",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
        **_words(_mine(condition("projectLeadResourceID", "me")), "my", "mine"),
        "open": _fixed(_OPEN, status=True),
        "status": _value("status", status=True, normalize=status_label),
    }),
    Spec("Tasks", (("tasks",), ("task",)), {
        **_COMMON, **_words(_value("project", skip=frozenset({"project"})), "for", "in", "on",
                            "project"),
        **_words(_mine(condition("assigned", "me")), "my", "mine"),
        "open": _fixed(_OPEN, status=True),
        "status": _value("status", status=True, normalize=status_label),
        "assigned": _value("assigned", skip=frozenset({"to"}), normalize=_me),
    }, default_open=True),
)  # fmt: skip


def _merge(conditions: list[Condition]) -> list[Condition]:
    """Drop repeats; two different '=' values of one field mean either ("critical and high")."""
    merged: list[Condition] = []
    for item in conditions:
        if item in merged:
            continue
        same = next(
            (m for m in merged
             if m["field"] == item["field"] and m["op"] in {"=", "in"} and item["op"] == "="
             and not isinstance(item.get("value"), bool)),
            None,
        )  # fmt: skip
        if same is None:
            merged.append(dict(item))
            continue
        values = same["value"] if same["op"] == "in" else [same["value"]]
        same.update(op="in", value=[*values, item["value"]])
    return merged


def _locate(tokens: Sequence[Token]) -> tuple[Spec, list[Token]] | None:
    """The entity whose noun comes first, and the words around the noun."""
    words = keys(tokens[: NOUN_WINDOW + 2])
    for start in range(min(len(tokens), NOUN_WINDOW)):
        for spec in SPECS:
            for noun in spec.nouns:
                if tuple(words[start : start + len(noun)]) == noun:
                    return spec, [*tokens[:start], *tokens[start + len(noun) :]]
    return None


def _step(p: _Filters, i: int) -> int | None:
    token = p.tokens[i]
    rule = p.spec.rules.get(token.key)
    if rule is not None:
        return rule(p, i + 1)
    if token.key in _NOISE:
        return i + 1
    if p.spec.bare_range is not None:
        name, future = p.spec.bare_range
        got = read_range(p.tokens, i, future=future)
        if got is not None:
            p.add(condition(name, got[0], got[1]))
            return got[2]
    return _free(p.spec.free)(p, i) if p.spec.free is not None else None


def find_search(tokens: Sequence[Token], *, mode: str = "list") -> Command | None:
    """The search a message asks for, or None when it is not one."""
    located = _locate(tokens)
    if located is None:
        return None
    spec, words = located
    p = _Filters(spec, words)
    i = 0
    while i < len(words):
        after = _step(p, i)
        if after is None:
            return None
        i = after
    conditions = list(p.conditions)
    if p.mine and spec.default_open and not p.status_given:
        conditions.append(_OPEN)
    return search_call(spec.entity, _merge(conditions), mode=mode, limit=p.limit, sort=p.sort)
