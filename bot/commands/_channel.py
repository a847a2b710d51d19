"""The channel's company: "link this channel to Contoso" / "this channel is for Contoso",
"unlink channel", "which company is this channel?". Read from the words as typed (before
normalising, which drops some of them)."""

from __future__ import annotations

from collections.abc import Sequence

from ._command import Command
from ._tokens import Token, clean_value

__all__ = ["find_channel"]

_HERE = frozenset({"this", "the", "our"})
_PLACE = frozenset({"channel", "chat", "conversation", "group"})
_TO = frozenset({"to", "with", "for"})
_IS = (["is", "for"], ["is", "about"], ["belongs", "to"], ["is", "linked", "to"])
_UNLINK = frozenset({"unlink", "disconnect"})
_WHICH = frozenset({"which", "what", "whose"})
_SHOW_TAILS = ((), ("for",), ("about",), ("linked", "to"), ("linked",), ("for", "linked"))


def _place(words: list[str], i: int) -> int | None:
    """Past "[this|the] channel" from ``i`` (also "this channel's"), or None."""
    if i < len(words) and words[i] in _HERE:
        i += 1
    if i < len(words) and words[i].removesuffix("'s") in _PLACE:
        return i + 1
    return None


def _name(tokens: Sequence[Token], start: int) -> str | None:
    text = clean_value(" ".join(t.text for t in tokens[start:]).strip().strip('"'))
    return text[:200] or None


def _link(tokens: Sequence[Token], words: list[str]) -> Command | None:
    """``link [this] channel to X`` / ``this channel is for X`` / ``set channel company to X``."""
    if words[0] in {"link", "connect", "tie"}:
        after = _place(words, 1)
        if after is None or after >= len(words) or words[after] not in _TO:
            return None
        return _linking(tokens, after + 1)
    if words[0] == "set":
        after = _place(words, 1)
        if after is None or after >= len(words):
            return None
        if words[after] in {"to", "as"}:  # "set this channel to Contoso"
            return _linking(tokens, after + 1)
        if words[after] != "company":
            return None
        at = after + 1 + (words[after + 1 : after + 2] in (["to"], ["is"]))
        return _linking(tokens, at)
    after = _place(words, 0)
    if after is None:
        return None
    if words[after - 1].endswith("'s") and words[after : after + 1] in (["for"], ["about"]):
        return _linking(tokens, after + 1)  # "this channel's for Contoso"
    for phrase in _IS:
        if words[after : after + len(phrase)] == phrase:
            return _linking(tokens, after + len(phrase))
    return None


def _linking(tokens: Sequence[Token], start: int) -> Command:
    name = _name(tokens, start)
    if name is None:
        return Command(
            intent="unknown",
            partial=True,
            text="Say which company, for example `link this channel to Contoso`.",
        )
    return Command(intent="channel_link", company=name)


def _unlink(words: list[str]) -> bool:
    if words[0] in _UNLINK:
        rest = words[1:]
        after = _place(rest, 0)
        return not rest or (after is not None and (after == len(rest) or rest[after] == "from"))
    if words[:2] in (["channel", "unlink"], ["forget", "channel"]):
        return True
    return words[:1] == ["remove"] and "link" in words[1:5] and any(w in _PLACE for w in words)


def _show(words: list[str]) -> bool:
    if words in (["channel", "company"], ["channel's", "company"]):
        return True
    after = _place(words, 0)
    if after is not None and words[after:] == ["company"]:  # "this channel's company"
        return True
    if len(words) < 4 or words[0] not in _WHICH or words[1] not in {"company", "customer"}:
        return False
    verb = 2 if words[2] in {"is", "does"} else None
    after = _place(words, 3) if verb else None
    if after is None:
        return False
    tail = tuple(words[after:])
    return tail in _SHOW_TAILS or tail in (("belong", "to"),)


def find_channel(tokens: Sequence[Token]) -> Command | None:
    """A command about the channel's company, or None when the message is not one."""
    words = [t.key for t in tokens[:40]]
    if not words:
        return None
    if words[0] not in _UNLINK and not any(w.removesuffix("'s") in _PLACE for w in words[:6]):
        return None
    if _show(words):
        return Command(intent="channel_show")
    if _unlink(words):
        return Command(intent="channel_unlink")
    return _link(tokens, words)
