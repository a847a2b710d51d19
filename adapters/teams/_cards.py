"""Neutral cards as Adaptive Cards 1.5, the version Teams renders.

Every value that comes from Autotask or from a person is a ``TextRun`` inside a
``RichTextBlock``: renderers never interpret markdown in a TextRun, so a ticket title such as
``[click me](https://evil.example)`` is shown as those characters, never as a link. Facts are
laid out as a two-column table for the same reason (a FactSet's values are markdown).

Buttons are ``Action.Execute`` (Universal Actions): the click is an ``adaptiveCard/action`` invoke
whose ``verb`` is the action and whose ``data`` holds only the action and the plan id; the bot
answers it in the HTTP response with the card as it now stands (see _invokes.py, _clicks.py). Each
carries an ``Action.Submit`` with the same data as its ``fallback``, for a Teams client without
Universal Actions, whose click arrives as a message activity (as from cards posted before).

A pending change card is shown per person (Universal Actions' user-specific views, see
_views.py): the card posted in the conversation is a read-only view saying who may approve, with
a ``refresh`` whose ``userIds`` name the requester; their Teams client fetches their own view, with
the buttons, through an automatic refresh invoke.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.messages import Card, CardAction, Fact, FieldChangeView

__all__ = [
    "ADAPTIVE_CARD_CONTENT_TYPE",
    "MAX_CARD_CHARS",
    "MAX_COLUMNS",
    "MAX_REFRESH_USERS",
    "MAX_ROWS",
    "REFRESH_VERB",
    "Audience",
    "adaptive_card",
]

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_ROWS = 20  # table rows shown in chat; more are summarised in a note
MAX_COLUMNS = 6  # wider tables are unreadable in a chat column
MAX_TEXT = 2000  # characters of free text (a ticket description)
MAX_CARD_CHARS = 20_000  # Teams refuses messages over about 28 KB; cards stay well below

MAX_REFRESH_USERS = 60  # Teams runs a refresh automatically for at most 60 users of a card
REFRESH_VERB = "refresh"

Element = dict[str, Any]


@dataclass(frozen=True)
class Audience:
    """Who a pending change card's buttons are for. ``user_ids``: the Teams users (MRIs, "29:…")
    whose clients refresh the card to their own view; ``who``: the name shown to everyone else;
    ``buttons``: this rendering is the view with the buttons (the requester's, an approver's)."""

    user_ids: tuple[str, ...]
    who: str
    buttons: bool = False


_STATUS_STYLES = {
    "pending": "emphasis",
    "applying": "accent",
    "applied": "good",
    "stale": "warning",
    "failed": "attention",
    "unknown": "warning",
}
_KIND_STYLES = {"error": "attention", "alert": "accent"}
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive", "default": "default"}


def _run(text: str, **style: Any) -> Element:
    """A block of plain text: nothing in ``text`` is interpreted as markdown."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(text: str, *, link: str | None = None, **style: Any) -> Element:
    cell: Element = {"type": "TableCell", "items": [_run(text or "—", **style)]}
    if link:
        cell["selectAction"] = {"type": "Action.OpenUrl", "url": link, "title": "Open"}
    return cell


def _table(
    header: tuple[str, ...] | None,
    rows: Sequence[Sequence[Element]],
    *,
    widths: tuple[int, ...] | None = None,
) -> Element:
    count = len(header) if header else len(rows[0]) if rows else 1
    table_rows = []
    if header:
        heads = [_cell(h, weight="bolder") for h in header]
        table_rows.append({"type": "TableRow", "cells": heads})
    table_rows += [{"type": "TableRow", "cells": list(cells)} for cells in rows]
    columns = [{"type": "TableColumnDefinition", "width": w} for w in widths or (1,) * count]
    return {
        "type": "Table",
        "columns": columns,
        "rows": table_rows,
        "firstRowAsHeader": header is not None,
        "showGridLines": header is not None,
        "spacing": "medium",
    }


def _header(card: Card) -> list[Element]:
    items = [_run(card.title, size="medium", weight="bolder")]
    if card.subtitle:
        items.append(_run(_clip(card.subtitle, 300), isSubtle=True))
    style = _STATUS_STYLES.get(card.status or "") or _KIND_STYLES.get(card.kind)
    container: Element = {"type": "Container", "items": items}
    if style:
        container["style"] = style
        container["bleed"] = True
    return [container]


def _warnings(card: Card) -> list[Element]:
    return [_run(f"⚠ {w}", weight="bolder", color="attention") for w in card.warnings]


def _sections(card: Card) -> list[Element]:
    elements: list[Element] = []
    for part in card.sections:
        items: list[Element] = [_run(part.title, weight="bolder")]
        for item in part.items:
            items.append(_run(item.heading, isSubtle=True, size="small"))
            if item.text:
                items.append(_run(_clip(item.text, 500)))
        if part.footer:
            items.append(_run(part.footer, isSubtle=True, italic=True, size="small"))
        elements.append({"type": "Container", "items": items, "spacing": "medium"})
    return elements


def _facts(facts: tuple[Fact, ...]) -> list[Element]:
    if not facts:
        return []
    rows = [(_cell(f.label, weight="bolder"), _cell(_clip(f.value, 500))) for f in facts]
    return [_table(None, rows, widths=(2, 5))]


def _changes(changes: tuple[FieldChangeView, ...]) -> list[Element]:
    if not changes:
        return []
    if all(c.before is None for c in changes):  # a new record: only the values it will get
        created = [(_cell(c.label, weight="bolder"), _cell(c.after or "—")) for c in changes]
        return [_table(("Field", "Value"), created, widths=(2, 5))]
    rows = [
        (
            _cell(c.label, weight="bolder"),
            _cell(c.before or "—", isSubtle=True),
            _cell(c.after or "—"),
        )
        for c in changes
    ]
    return [_table(("Field", "Before", "After"), rows, widths=(2, 3, 3))]


def _compact_row(card: Card, index: int, row: tuple[str, ...]) -> list[Element]:
    """Number, title, status; the other values on a small line under the title."""
    keep = [i for i in card.narrow if i < len(row)]
    rest = " · ".join(v for i, v in enumerate(row) if i not in keep and v and v != "—")
    link = card.row_links[index] if index < len(card.row_links) else None
    cells = []
    for position, column in enumerate(keep):
        cell = _cell(_clip(row[column], 200), link=link if position == 0 else None,
                     **({"color": "accent"} if link and position == 0 else {}))  # fmt: skip
        if position == min(1, len(keep) - 1) and rest:
            cell["items"].append(_run(_clip(rest, 300), isSubtle=True, size="small"))
        cells.append(cell)
    return cells


def _compact_list(card: Card, max_rows: int) -> list[Element]:
    """A list that stays readable on a phone: three columns, the rest folded under the title."""
    header = tuple(card.columns[i] for i in card.narrow)
    shown = card.rows[:max_rows]
    rows = [_compact_row(card, index, row) for index, row in enumerate(shown)]
    widths = tuple(3 if i == min(1, len(header) - 1) else 1 for i in range(len(header)))
    elements = [_table(header, rows, widths=widths)]
    if len(card.rows) > len(shown):
        note = f"Showing {len(shown)} of {len(card.rows)} rows; ask for an export for all."
        elements.append(_run(note, isSubtle=True, italic=True))
    return elements


def _list(card: Card, max_rows: int) -> list[Element]:
    if not card.columns:
        return []
    if card.narrow and len(card.columns) > len(card.narrow):
        return _compact_list(card, max_rows)
    columns = card.columns[:MAX_COLUMNS]
    shown = card.rows[:max_rows]
    rows: list[list[Element]] = []
    for index, row in enumerate(shown):
        link = card.row_links[index] if index < len(card.row_links) else None
        cells = [_cell(_clip(value, 200)) for value in row[: len(columns)]]
        if link and cells:
            cells[0] = _cell(_clip(row[0], 200), link=link, color="accent")
        rows.append(cells)
    elements = [_table(columns, rows)]
    hidden = []
    if len(card.rows) > len(shown):
        hidden.append(f"Showing {len(shown)} of {len(card.rows)} rows; ask for an export for all.")
    if len(card.columns) > len(columns):
        hidden.append(f"{len(card.columns) - len(columns)} more columns are not shown here.")
    elements += [_run(note, isSubtle=True, italic=True) for note in hidden]
    return elements


def _body(card: Card, max_rows: int) -> list[Element]:
    body = _header(card) + _warnings(card) + _facts(card.facts) + _changes(card.changes)
    body += _list(card, max_rows)
    if card.text:
        body.append(_run(_clip(card.text, MAX_TEXT)))
    body += _sections(card)
    body += [_run(_clip(note, 500), isSubtle=True) for note in card.notes]
    if card.footer:
        body.append(_run(card.footer, isSubtle=True, size="small"))
    return body


def _data(action: str, plan_id: str) -> dict[str, str]:
    # Only these two keys travel; the bot trusts nothing else from a click.
    return {"action": action, "plan_id": plan_id}


def _execute(action: CardAction, title: str, style: str) -> Element:
    """The button, and the same button as an ``Action.Submit`` for a client without Universal
    Actions ("Edit" has none: its form needs them)."""
    data = _data(action.action, action.plan_id)
    button = {"type": "Action.Execute", "title": title, "verb": action.action, "data": data,
              "style": style}  # fmt: skip
    if action.action != "edit":
        button["fallback"] = {"type": "Action.Submit", "title": title, "style": style,
                              "data": data}  # fmt: skip
    return button


def _button(action: CardAction) -> Element:
    style = _BUTTON_STYLES[action.style]
    if not action.confirm:
        return _execute(action, action.label, style)
    confirm = {
        "type": "AdaptiveCard",
        "body": [_run(action.confirm, weight="bolder", color="attention")],
        "actions": [_execute(action, f"Yes, {action.label.lower()}", "destructive")],
    }
    return {"type": "Action.ShowCard", "title": f"{action.label}…", "card": confirm}


def _actions(card: Card) -> list[Element]:
    actions = [_button(a) for a in card.actions]
    if card.link:
        actions.append({"type": "Action.OpenUrl", "title": card.link.label, "url": card.link.url})
    return actions


def _refresh(card: Card, audience: Audience) -> Element:
    plan_id = card.actions[0].plan_id
    action = {"type": "Action.Execute", "title": "Refresh", "verb": REFRESH_VERB,
              "data": _data(REFRESH_VERB, plan_id)}  # fmt: skip
    return {"action": action, "userIds": list(audience.user_ids[:MAX_REFRESH_USERS])}


def _view(card: Card, audience: Audience) -> Card:
    """The card as ``audience`` decides: with its buttons, or read-only saying who may act."""
    if audience.buttons:
        return card
    waiting = (
        f"Waiting for {audience.who} to approve, edit or cancel this change; only they or an "
        "approver can (an approver: Refresh card in this message's menu)."
    )
    return card.model_copy(update={"actions": (), "notes": (waiting, *card.notes)})


def _render(card: Card, max_rows: int, audience: Audience | None) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": "1.5",
        "fallbackText": card.title,
    }
    if audience is not None and card.actions:
        rendered["refresh"] = _refresh(card, audience)
        card = _view(card, audience)
    rendered["body"] = _body(card, max_rows)
    rendered["msteams"] = {"width": "Full"}  # Teams' own extension: tables get the chat's width
    actions = _actions(card)
    if actions:
        rendered["actions"] = actions
    return rendered


def adaptive_card(card: Card, *, audience: Audience | None = None) -> dict[str, Any]:
    """The Adaptive Card for ``card``; long tables are cut (with a note) to fit a Teams message.
    With an ``audience``, a card with buttons is that audience's view of it, with a refresh."""
    max_rows = MAX_ROWS
    rendered = _render(card, max_rows, audience)
    while len(json.dumps(rendered)) > MAX_CARD_CHARS and max_rows > 1:
        max_rows //= 2
        rendered = _render(card, max_rows, audience)
    return rendered
