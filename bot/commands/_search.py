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
    clean_value,
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
_NOISE = frozenset({"all", "the", "any", "with", "and", "that", "are", "is", "of", "in", "&",
                    "did", "do", "does", "we", "were", "was", "have", "has", "been", "got",
                    "there", "i", "our", "currently", "still", "yet", "every", "each", "a", "an",
                    "right", "now", "up", "total", "please", "which", "what", "show", "me",
                    "get", "list", "those", "these", "ones", "by", "us", "just", "thanks",
                    "everything", "anything", "stuff", "that's", "thats", "it's", "items",
                    "at", "moment"})  # fmt: skip
_CLAUSE = frozenset({"that", "that's", "thats", "which", "who", "where"})  # end a name
# Words that say a message is about tickets when it names no record type ("what's open").
TICKET_HINTS = frozenset({"open", "closed", "completed", "overdue", "unassigned", "critical",
                          "high", "medium", "low", "due", "my", "waiting", "new",
                          "high-priority", "critical-priority", "assigned", "came",
                          "arrived", "everything", "anything", "level", "l2"})  # fmt: skip
WAITING = {"customer": "Waiting Customer", "client": "Waiting Customer",
           "user": "Waiting Customer", "vendor": "Waiting Vendor", "supplier": "Waiting Vendor",
           "third": "Waiting Vendor", "materials": "Waiting Materials",
           "parts": "Waiting Materials", "approval": "Waiting Approval"}  # fmt: skip
SOON = "next 30 days"
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
    open_by_default: bool = False  # every list and count means open ones unless a status is
    order: Callable[[list[Condition]], str | None] = lambda _: None  # a list's default order
    totals: tuple[str, ...] = ()  # numbers a list adds up (hours of time entries)
    hints: frozenset[str] = frozenset()  # first words that name this entity without its noun


@dataclass
class _Filters:
    spec: Spec
    tokens: Sequence[Token]
    conditions: list[Condition] = field(default_factory=list)
    limit: int | None = None
    sort: str | None = None
    status_given: bool = False
    mine: bool = False
    created: bool = False
    new: bool = False  # "new" with no range yet: a later bare range is when they came in
    closed: bool = False  # "closed" with no range yet: a later bare range is when they closed

    def stop(self, i: int) -> bool:
        """Whether a value ends before word ``i``."""
        if self.tokens[i].key in self.spec.rules or self.tokens[i].key in _CLAUSE:
            return True
        if self.tokens[i].key == "by" and i + 1 < len(self.tokens):  # "Contoso by due date"
            return self.tokens[i + 1].key in _SORTS and self.tokens[i + 1].key in self.spec.rules
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
                p.closed = True
                return i
            return None
        value, op, after = got
        p.add(condition(name, value, op), status=done)
        p.created = p.created or name == "created"
        return after

    return rule


def _expiring(p: _Filters, i: int) -> int | None:
    """``expiring in 60 days`` / ``expiring this quarter`` / ``expiring`` (soon: 30 days)."""
    got = read_range(p.tokens, i, future=True)
    if got is None:
        p.add(condition("endDate", SOON, "within"))
        return i
    p.add(condition("endDate", got[0], got[1]))
    return got[2]


def _waiting(p: _Filters, i: int) -> int | None:
    """``waiting on customer`` / ``waiting for the vendor`` / ``waiting materials``."""
    while i < len(p.tokens) and p.tokens[i].key in {"on", "for", "the", "a", "party"}:
        i += 1
    word = p.tokens[i].key if i < len(p.tokens) else ""
    label = WAITING.get(word.rstrip("s") if word not in WAITING else word)
    if label is None:
        return None
    p.add(condition("status", label), status=True)
    end = i + 1
    while end < len(p.tokens) and p.tokens[end].key in {"party", "response", "reply"}:
        end += 1
    return end


def _queue_phrase(label: str, second: str | None = None) -> Rule:
    """A queue named without the word queue: ``service desk``, ``helpdesk``."""

    def rule(p: _Filters, i: int) -> int | None:
        if second is not None:
            if i >= len(p.tokens) or p.tokens[i].key != second:
                return None
            i += 1
        p.add(condition("queue", label))
        if i < len(p.tokens) and p.tokens[i].key in {"queue", "team"}:
            i += 1
        return i

    return rule


def _new(p: _Filters, i: int) -> int | None:
    """``new tickets today`` (created) or ``new tickets`` (status New)."""
    got = read_range(p.tokens, i)
    if got is None:
        p.add(condition("status", "New"), status=True)
        p.new = True
        return i
    p.add(condition("created", got[0], got[1]))
    p.created = True
    return got[2]


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
    if read_range(p.tokens, i) is not None:  # "from last week": no company but a range
        return i
    got = p.value(i + 1 if i < len(p.tokens) and p.tokens[i].key == "company" else i)
    if got is None:
        return None
    text, after = got
    p.add(condition("assigned", "me") if text.lower() in ME_WORDS else condition("company", text))
    return after


_SORTS = {"due": "due", "priority": "priority,-createDate", "urgency": "priority,-createDate",
          "newest": "-createDate",
          "latest": "-createDate", "oldest": "createDate", "created": "-createDate",
          "date": "-createDate", "age": "createDate", "updated": "-lastActivityDate",
          "activity": "-lastActivityDate"}  # fmt: skip


def _sort_by(p: _Filters, i: int) -> int | None:
    """``sorted by due date`` / ``order by priority`` / ``sorted oldest first``."""
    while i < len(p.tokens) and p.tokens[i].key in {"by", "on", "the"}:
        i += 1
    word = p.tokens[i].key if i < len(p.tokens) else ""
    if word not in _SORTS:
        return None
    p.sort = _SORTS[word]
    i += 1
    while i < len(p.tokens) and p.tokens[i].key in {"date", "first", "level", "time"}:
        i += 1
    return i


def _level(p: _Filters, i: int) -> int | None:
    """``level 2`` / ``level II``: the second-line queue."""
    if i < len(p.tokens) and p.tokens[i].key in {"2", "ii", "two"}:
        p.add(condition("queue", "Level II Support"))
        i += 1
        while i < len(p.tokens) and p.tokens[i].key in {"support", "queue"}:
            i += 1
        return i
    return None


def _project(p: _Filters, i: int) -> int | None:
    """A project by name: ``the Acme migration project`` → "Acme migration"."""
    if i < len(p.tokens) and p.tokens[i].key in {"project", "the"}:
        i += 1
    got = read_value(p.tokens, i, lambda k: p.tokens[k].key != "project" and p.stop(k))
    if got is None:
        return None
    words = got[0].split()
    while words and words[-1].lower() in {"project", "projects"}:
        words.pop()
    if words and words[0].lower() == "the":
        words.pop(0)
    if not words:
        return None
    p.add(condition("project", " ".join(words)))
    return got[1]


def _work_link(p: _Filters, i: int) -> int | None:
    """What time was logged on: a ticket, a task, a project (its tasks), or (for "on") a date."""
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
    found = _project(p, i)
    if found is None:
        raise ParseFailure(TIME_ENTRY_LINKS)
    return found


def _words(rule: Rule, *words: str) -> dict[str, Rule]:
    return dict.fromkeys(words, rule)


_COMPANY = ("for", "at", "company", "from")  # not "customer": "Waiting Customer" is a status
_COMMON: dict[str, Rule] = {**_words(_limit, "limit", "top", "first")}
_OPEN = condition("open", True)


def _or_sorted_by(rule: Rule, sort: str) -> Rule:
    """After "by" ("tickets by priority", "by due date") the word names an order, not a filter."""

    def either(p: _Filters, i: int) -> int | None:
        if i >= 2 and p.tokens[i - 2].key == "by":
            p.sort = sort
            while i < len(p.tokens) and p.tokens[i].key in {"date", "first", "level", "time"}:
                i += 1
            return i
        return rule(p, i)

    return either


def _ticket_rules() -> dict[str, Rule]:
    priorities = {word: _fixed(condition("priority", label)) for word, label in PRIORITIES.items()}
    hyphenated = {f"{word}-priority": rule for word, rule in priorities.items()}
    return {
        **_COMMON, **priorities, **hyphenated,
        **_words(_company_or_me, *_COMPANY),
        "my": _mine(condition("assigned", "me")),
        "mine": _mine(condition("assigned", "me")),
        **_words(_or_sorted_by(_priority, _SORTS["priority"]), "priority", "urgency"),
        "status": _value("status", status=True, normalize=status_label),
        "open": _fixed(_OPEN, status=True),
        **_words(_date("completed", done=True), "closed", "completed", "complete", "done",
                 "resolved", "close", "resolve", "complete"),
        "waiting": _waiting,
        "service": _queue_phrase("Service Desk", "desk"),
        "help": _queue_phrase("Service Desk", "desk"),
        "helpdesk": _queue_phrase("Service Desk"),
        "servicedesk": _queue_phrase("Service Desk"),
        "new": _new,
        **_words(_sort_by, "sorted", "sort", "order", "ordered"),
        "level": _level,
        "l2": _queue_phrase("Level II Support"),
        "queue": _value("queue"),
        **_words(_value("assigned", skip=frozenset({"to"}), normalize=_me), "assigned",
                 "assignee", "technician", "tech"),
        "unassigned": _fixed(condition("assigned", op="is not set")),
        **_words(_date("created"), "created", "opened", "logged", "raised", "submitted",
                 "came", "arrived"),
        "due": _or_sorted_by(_date("due", future=True), "due"),
        **_words(_date("updated"), "updated", "modified", "changed"),
        "overdue": _fixed(condition("due", "now", "<"), _OPEN, status=True),
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


def _ticket_order(conditions: list[Condition]) -> str:
    """Due date when the question is about due dates; the most urgent, then the newest, when it
    spans several priorities ("critical and high"); else the newest first (one priority, as in
    "any critical?", is already the most urgent)."""
    if any(c["field"] == "due" for c in conditions):
        return "due"
    if any(c["field"] == "priority" and c["op"] == "in" for c in conditions):
        return "priority,-createDate"
    return "-createDate"


def _ci_name(text: str) -> list[Condition]:
    return [condition("referenceTitle", text, "contains")]


def _serial(p: _Filters, i: int) -> int | None:
    """``serial 5CD1234XYZ`` / ``serial number …``: one word, as serial numbers are."""
    while i < len(p.tokens) and p.tokens[i].key in {"number", "no", "#", "numbers", "is"}:
        i += 1
    if i >= len(p.tokens) or p.stop(i):
        return None
    p.add(condition("serialNumber", clean_value(p.tokens[i].text), "contains"))
    return i + 1


SPECS: tuple[Spec, ...] = (
    Spec("TimeEntries", (("time", "entries"), ("time", "entry"), ("timesheet",), ("time",)), {
        **_COMMON, **_words(_work_link, "for", "on", "against"),
        "project": _project,
        "by": _value("resource", normalize=_me),
        **_words(_mine(condition("resource", "me")), "my", "mine"),
        **_words(_date("dateWorked"), "worked", "logged", "dated"),
    }, bare_range=("dateWorked", False), order=lambda _: "-dateWorked",
         totals=("hoursWorked",)),
    Spec("ConfigurationItems", (("configuration", "items"), ("configuration", "item"),
                                ("devices",), ("device",), ("cis",), ("assets",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
        **_words(_serial, "serial", "serials", "sn"),
        **_words(_free(_ci_name), "named", "called", "name"),
    }, free=_ci_name, hints=frozenset({"serial"})),
    Spec("Tickets", (("tickets",),), _ticket_rules(),
         bare_range=("created", False), open_by_default=True, order=_ticket_order,
         hints=TICKET_HINTS),
    Spec("Companies", (("companies",), ("company",), ("customers",), ("clients",)), {
        **_COMMON, **_words(_free(_company_name), "named", "called"),
    }, free=_company_name),
    Spec("Contacts", (("contacts",), ("contact",), ("people",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
        **_words(_free(_contact_name), "named", "called"),
    }, free=_contact_name),
    Spec("Contracts", (("contracts",), ("contract",)), {
        **_COMMON, **_words(_COMPANY_RULE, *_COMPANY),
        **_words(_expiring, "expiring", "ending", "ends", "end", "expired", "ended"),
        "active": _fixed(condition("status", "Active")),
        "inactive": _fixed(condition("status", "Inactive")),
        "status": _value("status"),
        "type": _value("contractType"),
    }, bare_range=("endDate", True), order=lambda _: "endDate"),
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


def _locate(tokens: Sequence[Token]) -> tuple[Spec, list[Token], int] | None:
    """The entity whose noun comes first, the words around the noun and how many came before
    it; by its first word when the words name no record type ("what's open for Contoso")."""
    words = keys(tokens[: NOUN_WINDOW + 2])
    for start in range(min(len(tokens), NOUN_WINDOW)):
        for spec in SPECS:
            for noun in spec.nouns:
                if tuple(words[start : start + len(noun)]) == noun:
                    return spec, [*tokens[:start], *tokens[start + len(noun) :]], start
    for spec in SPECS:
        if words and words[0] in spec.hints:
            return spec, list(tokens), 0
    return None


def _company_first(p: _Filters, prefix: int) -> int:
    """``Contoso tickets``: words before the noun that are no keyword name the company."""
    if prefix == 0 or "company" not in p.spec.rules:
        return 0
    head = p.tokens[:prefix]
    if any(t.key in p.spec.rules or t.key in _NOISE or read_range(head, k) for k, t in
           enumerate(head)):  # fmt: skip
        return 0
    p.add(condition("company", clean_value(" ".join(t.text for t in head))))
    return prefix


def _step(p: _Filters, i: int) -> int | None:
    token = p.tokens[i]
    rule = p.spec.rules.get(token.key)
    if rule is not None:
        return rule(p, i + 1)
    if token.key in _NOISE or any(token.key == noun[-1] for noun in p.spec.nouns):
        return i + 1
    if p.spec.bare_range is not None:
        name, future = p.spec.bare_range
        got = read_range(p.tokens, i, future=future)
        if got is not None:
            if p.closed:  # "closed tickets last week": closed within the range
                name = "completed"
                p.conditions.remove(condition("open", False))
                p.closed = False
            elif p.new:  # "anything new for Contoso today": created within the range
                p.conditions.remove(condition("status", "New"))
                p.new = p.status_given = False
            p.add(condition(name, got[0], got[1]))
            p.created = p.created or name == "created"
            return got[2]
    return _free(p.spec.free)(p, i) if p.spec.free is not None else None


def find_search(tokens: Sequence[Token], *, mode: str = "list") -> Command | None:
    """The search a message asks for, or None when it is not one."""
    located = _locate(tokens)
    if located is None:
        return None
    spec, words, prefix = located
    p = _Filters(spec, words)
    i = _company_first(p, prefix)
    while i < len(words):
        after = _step(p, i)
        if after is None:
            return None
        i = after
    conditions = list(p.conditions)
    if not p.status_given and (
        (p.mine and spec.default_open)
        or (spec.open_by_default and mode != "export" and not p.created)
    ):
        conditions.append(_OPEN)
    merged = _merge(conditions)
    listing = mode == "list"
    return search_call(
        spec.entity,
        merged,
        mode=mode,
        limit=p.limit,
        sort=p.sort or (spec.order(merged) if listing else None),
        totals=list(spec.totals) if listing else None,
    )
