"""Text others wrote, made harmless to show: the Unicode controls that reorder what a reader sees
(right-to-left overrides, embeddings and isolates, used to make ``exe.pdf`` read as ``fdp.exe``
or to hide a command in a ticket title) are taken out, in every surface."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from bot.messages import Card

__all__ = ["BIDI_CONTROLS", "card_without_bidi_controls", "without_bidi_controls"]

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return without_bidi_controls(value)
    if isinstance(value, tuple):
        return tuple(_clean(item) for item in value)
    if isinstance(value, BaseModel):  # the neutral models inside a card: facts, changes, links…
        return value.model_copy(update={k: _clean(v) for k, v in value})
    return value


def card_without_bidi_controls(card: Card) -> Card:
    """``card`` with every text in it (title, facts, rows, notes…) free of bidi controls."""
    return card.model_copy(update={name: _clean(value) for name, value in card})
