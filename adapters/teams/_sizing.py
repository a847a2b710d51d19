"""Teams refuses an activity larger than about 40 KB (counted as UTF-16, the whole activity with
every card in it), so a reply is packed into as many activities as it needs, and a card too big
for one on its own is trimmed (rows, then facts, then text), saying what it left out."""

from __future__ import annotations

import json
from collections.abc import Callable

from botbuilder.schema import Activity

from bot.messages import Card

__all__ = ["MAX_ACTIVITY_BYTES", "activity_bytes", "pack"]

MAX_ACTIVITY_BYTES = 36_000  # Teams' limit is about 40 KB; the connector adds its own fields
_TEXT_NOTE = "… (cut to fit a Teams message)"

Build = Callable[[str | None, list[Card]], Activity]


def activity_bytes(activity: Activity) -> int:
    """The activity's size as Teams counts it: its JSON in UTF-16."""
    body = json.dumps(activity.serialize(), ensure_ascii=False, separators=(",", ":"))
    return len(body.encode("utf-16-le"))


def _fits(build: Build, text: str | None, cards: list[Card]) -> bool:
    return activity_bytes(build(text, cards)) <= MAX_ACTIVITY_BYTES


def pack(build: Build, text: str | None, cards: list[Card]) -> list[Activity]:
    """``text`` and ``cards`` in order, in as few activities as fit, each under the limit."""
    if text and not _fits(build, text, []):
        text = _clip_text(build, text)
    activities: list[Activity] = []
    held_text: str | None = text
    held: list[Card] = []
    for card in cards:
        if _fits(build, held_text, [*held, card]):
            held.append(card)
            continue
        if held_text or held:
            activities.append(build(held_text, held))
        held_text, held = None, [trim(build, card)]
    if held_text or held:
        activities.append(build(held_text, held))
    return activities


def _clip_text(build: Build, text: str) -> str:
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits, by bisection
        middle = (low + high + 1) // 2
        if _fits(build, text[:middle] + _TEXT_NOTE, []):
            low = middle
        else:
            high = middle - 1
    return text[:low] + _TEXT_NOTE


def trim(build: Build, card: Card) -> Card:
    """``card`` cut down until an activity holding only it fits; a note says what was left out.
    A change card keeps every change (nobody confirms what they cannot see): only its text."""
    if _fits(build, None, [card]):
        return card
    if card.kind != "change":
        for field in ("rows", "facts"):
            card = _fewer(build, card, field)
            if _fits(build, None, [card]):
                return card
    if card.text:
        card = card.model_copy(update={"text": card.text[: max(200, len(card.text) // 4)] + "…"})
    return card


def _fewer(build: Build, card: Card, field: str) -> Card:
    items = getattr(card, field)
    if not items:
        return card
    keep = len(items)
    while keep > 1 and not _fits(build, None, [_cut(card, field, keep)]):
        keep = keep // 2 if keep > 8 else keep - 1
    return _cut(card, field, keep)


def _cut(card: Card, field: str, keep: int) -> Card:
    items = getattr(card, field)
    if keep >= len(items):
        return card
    left_out = len(items) - keep
    noun = "rows" if field == "rows" else "details"
    note = f"{left_out:,} more {noun} not shown here (too long for one Teams message)."
    update: dict[str, object] = {field: items[:keep], "notes": (*card.notes, note)}
    if field == "rows" and card.row_links:
        update["row_links"] = card.row_links[:keep]
    return card.model_copy(update=update)
