"""A record as a card that answers the question: the key facts first, then the latest notes and
time entries (newest first, with a link to the rest); every field only when asked for."""

from __future__ import annotations

from typing import Any

from autotask.tools import DEFAULT_FIELDS, GetResult, Related, humanize

from .messages import Card, CardSection, Fact, LinkButton, SectionItem

__all__ = ["MAX_TEXT", "display", "record_card"]

MAX_TEXT = 600
MAX_ITEMS = 3  # latest notes / time entries on a card
ITEM_TEXT = 200
MAX_FACTS = 40

# A ticket's facts in the order a technician reads them; "contact…" come from the contact record.
_TICKET_FACTS: tuple[tuple[str, str], ...] = (
    ("companyID", "Company"),
    ("contact", "Contact"),
    ("contactPhone", "Phone"),
    ("contactEmail", "E-mail"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("queueID", "Queue"),
    ("assignedResourceID", "Assigned to"),
    ("dueDateTime", "Due"),
    ("firstResponseDueDateTime", "First response due"),
    ("resolutionPlanDueDateTime", "Resolution plan due"),
    ("resolvedDueDateTime", "Resolution due"),
)
_NOT_FACTS = frozenset({"id", "title", "description", "userDefinedFields", "ticketNumber"})


def display(value: Any) -> str:
    """A value as a card shows it: em dash for nothing, Yes/No, numbers without noise."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _clip(text: Any, limit: int) -> str | None:
    if text is None or text == "":
        return None
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _key_facts(result: GetResult) -> list[tuple[str, str, Any]]:
    """(field, label, value) of the key facts, in reading order."""
    record = dict(result.record)
    if result.contact is not None:
        record.update(contact=result.contact.name, contactPhone=result.contact.phone,
                      contactEmail=result.contact.email)  # fmt: skip
    if result.entity == "Tickets":
        keys = _TICKET_FACTS
    else:
        keys = tuple((name, humanize(name)) for name in DEFAULT_FIELDS.get(result.entity, ()))
    return [(name, label, record.get(name)) for name, label in keys if name in record]


def _facts(result: GetResult) -> tuple[tuple[Fact, ...], int]:
    """The facts to show, and how many more fields the record has (shown only when full)."""
    key = _key_facts(result)
    shown = {name for name, _, _ in key} | {"contactID"} | _NOT_FACTS
    facts = [Fact(label=label, value=display(value)) for _, label, value in key if value]
    rest = [
        Fact(label=humanize(k), value=display(v))
        for k, v in result.record.items()
        if k not in shown and v not in (None, "") and not isinstance(v, dict | list)
    ]
    udfs = result.record.get("userDefinedFields") or {}
    rest += [Fact(label=str(k), value=display(v)) for k, v in udfs.items()]
    if result.full or not facts:
        return tuple([*facts, *rest][:MAX_FACTS]), 0
    return tuple(facts), len(rest)


def _note_item(row: dict[str, Any]) -> SectionItem:
    visibility = str(row.get("publish") or "")
    shown = "internal" if "internal" in visibility.lower() else "public" if visibility else ""
    heading = " · ".join(
        display(p) for p in (row.get("creatorResourceID") or "Contact", row.get("createDateTime"),
                             shown) if p
    )  # fmt: skip
    words = " — ".join(t for t in (_clip(row.get("title"), 80), row.get("description")) if t)
    return SectionItem(heading=heading, text=_clip(words, ITEM_TEXT))


def _time_item(row: dict[str, Any]) -> SectionItem:
    hours = row.get("hoursWorked")
    parts = (row.get("resourceID"), f"{display(hours)} h" if hours is not None else None,
             row.get("dateWorked"))  # fmt: skip
    heading = " · ".join(display(p) for p in parts if p)
    return SectionItem(heading=heading, text=_clip(row.get("summaryNotes"), ITEM_TEXT))


_SECTIONS = {"notes": ("Latest notes", _note_item), "time_entries": ("Time entries", _time_item)}


def _section(name: str, related: Related, link: str | None) -> CardSection:
    title, item = _SECTIONS.get(name, (humanize(name), None))
    rows = related.rows[:MAX_ITEMS]
    if item is None:  # other related records: their first columns as a heading
        items = tuple(
            SectionItem(heading=" · ".join(display(v) for k, v in r.items() if k != "id" and v)[
                :ITEM_TEXT])
            for r in rows
        )  # fmt: skip
    else:
        items = tuple(item(r) for r in rows)
    total = related.total if related.total is not None else len(related.rows)
    noun = title.lower().removeprefix("latest ")
    footer = None
    if total > len(items):
        where = " — open it in Autotask for the rest" if link else ""
        footer = f"{len(items)} of {total:,} {noun}, newest first{where}"
    elif not items:
        footer = f"No {noun} yet"
    return CardSection(title=title, items=items, footer=footer)


def record_card(result: GetResult) -> Card:
    record = result.record
    title = str(
        record.get("ticketNumber") or record.get("companyName") or f"{result.entity} {result.id}"
    )
    heading = record.get("title") or record.get("projectName") or record.get("contractName")
    facts, hidden = _facts(result)
    body = record.get("description")
    notes = [f"{hidden} more fields: ask for details to see them all"] if hidden else []
    return Card(
        kind="record",
        title=title,
        subtitle=str(heading) if heading else None,
        facts=facts,
        text=_clip(body, MAX_TEXT) if body else None,
        untrusted=bool(result.untrusted_fields),
        sections=tuple(_section(n, r, result.link) for n, r in result.related.items()),
        notes=tuple(notes),
        link=LinkButton(label="Open in Autotask", url=result.link) if result.link else None,
    )
