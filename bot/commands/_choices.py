"""Answers to a question the bot asked back: "2", "the second", "#2", or the words of a choice."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["pick_choice"]

_ORDINALS = {"first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3,
             "3rd": 3, "three": 3, "fourth": 4, "4th": 4, "four": 4, "fifth": 5, "5th": 5,
             "five": 5, "last": -1}  # fmt: skip
_NOISE = frozenset(
    {
        "the",
        "one",
        "option",
        "number",
        "no",
        "choice",
        "please",
        "pls",
        "that",
        "i",
        "mean",
        "meant",
        "it's",
        "its",
        "is",
        "go",
        "with",
        "take",
        "pick",
    }
)
_WORD = re.compile(r"[\w@.'-]+")


def pick_choice(text: str, labels: Sequence[str]) -> int | None:
    """The index of the choice ``text`` picks from ``labels``, or None when it picks none (the
    message is then a new request)."""
    words = [w.lower().strip(".'") for w in _WORD.findall(text[:200])]
    meaning = [w for w in words if w not in _NOISE] or words
    if len(meaning) == 1:
        word = meaning[0].lstrip("#")
        number = int(word) if word.isdigit() and len(word) <= 2 else _ORDINALS.get(word)
        if number is not None:
            if number == -1:
                return len(labels) - 1 if labels else None
            return number - 1 if 1 <= number <= len(labels) else None
    wanted = " ".join(meaning)
    if len(wanted) < 2:
        return None
    exact = [i for i, label in enumerate(labels) if label.lower() == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = [i for i, label in enumerate(labels) if wanted in label.lower()]
    return partial[0] if len(partial) == 1 else None
