"""Text in and out of Slack: escaping, clipping to Slack's limits, and cleaning what users type.

Slack treats ``&``, ``<`` and ``>`` as control characters in every text object: ``<@U1>``,
``<!channel>`` and ``<https://…|label>`` are markup. Everything the bot did not write itself is
escaped, so customer-written text can never become a mention or a link.
"""

from __future__ import annotations

import html
import re

from ..text_safety import without_bidi_controls

__all__ = [
    "chunks",
    "clip",
    "escape",
    "link",
    "mentioned_users",
    "strip_mentions",
    "to_mrkdwn",
    "unformat",
]

ELLIPSIS = "…"
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*]\s+", re.MULTILINE)
_MARKUP = re.compile(r"<([^<>]*)>")
# a pair of mrkdwn markers that Slack would format: at word edges, around non-space text
# (a `code` span is left alone: it changes no meaning, and the bot's own hints use it)
_FORMATTING = re.compile(r"(?<![\w*_~])([*_~])(?=\S)([^\n]*?\S)\1(?!\w)")
_LOOKALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c"}


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unformatted(match: re.Match[str]) -> str:
    marker = _LOOKALIKE[match.group(1)]
    return f"{marker}{match.group(2)}{marker}"


def escape(text: str) -> str:
    """Text the bot did not write, shown as typed: ``&``, ``<`` and ``>`` as entities (no
    mentions, no links), ``*bold*``/``_italic_``/``~strike~`` with look-alike markers (no
    formatting), and no bidi controls (no reordering)."""
    plain = _entities(without_bidi_controls(text))
    for _ in range(2):  # nested markers: *_both_*
        plain = _FORMATTING.sub(_unformatted, plain)
    return plain


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in … when cut; never mid-entity."""
    if len(text) <= limit:
        return text
    cut = _ENTITY_TAIL.sub("", text[: limit - 1])
    return cut + ELLIPSIS


def link(url: str, label: str) -> str:
    """A ``<url|label>`` link; the label is escaped and the URL cannot break out of the link."""
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe}|{escape(label)}>"


def to_mrkdwn(text: str) -> str:
    """The bot's Markdown-ish text (``**bold**``, ``# heading``, ``- item``) as escaped mrkdwn."""
    escaped = _entities(without_bidi_controls(text))
    escaped = _HEADING.sub(r"*\1*", escaped)
    escaped = _BOLD.sub(r"*\1*", escaped)
    return _BULLET.sub(r"\1• ", escaped)


def chunks(text: str, limit: int) -> list[str]:
    """``text`` split into pieces of at most ``limit`` characters, at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = _ENTITY_TAIL.sub("", line[:limit]) or line[:limit]
            pieces.append(cut)
            line = line[len(cut) :]
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            pieces.append(current)
            current = line
        else:
            current = joined
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _plain(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if label:
        return target[0] + label if target.startswith(("@", "#")) else label
    if target.startswith("mailto:"):
        return target.removeprefix("mailto:")
    if target.startswith(("@", "#")):
        return target
    if target.startswith("!"):
        return "@" + target[1:].split("^")[0]
    return target


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """The text of an @mention without the mention of the bot (others stay as ``@U…``)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return text


_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|[^<>]*)?>")


def mentioned_users(text: str) -> list[tuple[str, str]]:
    """Each person's mention in Slack's markup, as (what ``unformat`` makes of it, user id)."""
    found: dict[str, str] = {}
    for match in _USER_MENTION.finditer(text[:40_000]):
        found.setdefault(unformat(match.group(0)), match.group(1))
    return list(found.items())[:20]


def unformat(text: str) -> str:
    """What the user typed, from Slack's formatted text: links and mentions as plain words,
    entities decoded, whitespace squeezed."""
    plain = _MARKUP.sub(_plain, text)
    return re.sub(r"[ \t]+", " ", html.unescape(plain)).strip()
