"""Neutral replies as Block Kit, always within Slack's limits.

Limits that Slack enforces (and ``slack_sdk.models`` checks): 50 blocks per message, 3,000
characters per section text, 10 fields per section (2,000 characters each), 150 for a header,
10 context elements, 25 elements per actions block, 75 for a button label. Long lists and texts
are cut with a note (and, for lists, an offer to export); a change card always keeps its buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.messages import Card, CardAction, Reply

from ._text import chunks, clip, escape, link, to_mrkdwn

__all__ = [
    "MAX_BLOCKS",
    "SlackMessage",
    "action_id",
    "card_blocks",
    "render_reply",
    "render_text",
]

Block = dict[str, Any]

MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS = 10
CONTEXT_TEXT = 2000
CONTEXT_ELEMENTS = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
NOTIFICATION_TEXT = 3000
MAX_LIST_ROWS = 60
MAX_TEXT_SECTIONS = 6
MIN_CARD_BLOCKS = 4
EXPORT_OFFER = "Say `export …` with the same question to get every row as a file."


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update take: blocks plus the notification text."""

    blocks: list[Block]
    text: str

    def payload(self) -> dict[str, Any]:
        return {"blocks": self.blocks, "text": self.text}


# -- text objects and small blocks ---------------------------------------------------------------


def plain(text: str, limit: int = SECTION_TEXT) -> Block:
    return {"type": "plain_text", "text": clip(escape(text) or " ", limit)}


def mrkdwn(text: str, *, verbatim: bool = False) -> Block:
    """A mrkdwn text object; ``verbatim`` stops Slack from turning bare URLs or names into links."""
    block: Block = {"type": "mrkdwn", "text": text or " "}
    if verbatim:
        block["verbatim"] = True
    return block


def section(text: Block) -> Block:
    return {"type": "section", "text": text}


def context(texts: list[str], *, verbatim: bool = False) -> Block:
    """A context block from already-escaped mrkdwn strings (extra ones are merged into the last)."""
    items = [t for t in texts if t.strip()] or ["—"]  # Slack refuses a context with none
    if len(items) > CONTEXT_ELEMENTS:
        items = [*items[: CONTEXT_ELEMENTS - 1], " · ".join(items[CONTEXT_ELEMENTS - 1 :])]
    elements = [mrkdwn(clip(item, CONTEXT_TEXT), verbatim=verbatim) for item in items]
    return {"type": "context", "elements": elements}


def action_id(action: CardAction) -> str:
    """The button's action_id: the action and the plan id, nothing else."""
    return f"{action.action}:{action.plan_id}"


def _button(action: CardAction) -> Block:
    button: Block = {
        "type": "button",
        "text": plain(action.label, BUTTON_TEXT),
        "action_id": action_id(action),
        "value": action.plan_id,
    }
    if action.style != "default":
        button["style"] = action.style
    if action.confirm:
        button["confirm"] = {
            "title": plain("Are you sure?", 100),
            "text": plain(action.confirm, 300),
            "confirm": plain(action.label, 30),
            "deny": plain("Keep it", 30),
            "style": "danger" if action.style == "danger" else "primary",
        }
    return button


def _actions(card: Card) -> Block | None:
    elements = [_button(a) for a in card.actions[:24]]
    if card.link is not None:
        elements.append(
            {
                "type": "button",
                "text": plain(card.link.label, BUTTON_TEXT),
                "action_id": "link",
                "url": clip(card.link.url, 3000),
            }
        )
    return {"type": "actions", "elements": elements} if elements else None


# -- the body of a card: sections that may be cut -----------------------------------------------


def _field_sections(pairs: list[tuple[str, str]], *, verbatim: bool) -> list[Block]:
    fields = [mrkdwn(clip(f"*{escape(k)}*\n{v}", FIELD_TEXT), verbatim=verbatim) for k, v in pairs]
    return [
        {"type": "section", "fields": fields[i : i + FIELDS]} for i in range(0, len(fields), FIELDS)
    ]


def _row_line(card: Card, index: int, row: tuple[str, ...]) -> str:
    url = card.row_links[index] if index < len(card.row_links) else None
    first, rest = (row[0], row[1:]) if row else ("—", ())
    head = link(url, first) if url else f"*{escape(first)}*"
    return " · ".join([head, *(escape(value) for value in rest)])


def _row_sections(card: Card) -> tuple[list[Block], int]:
    rows = card.rows[:MAX_LIST_ROWS]
    lines = [f"• {_row_line(card, i, row)}" for i, row in enumerate(rows)]
    blocks = [
        section(mrkdwn(piece, verbatim=card.untrusted))
        for piece in chunks("\n".join(lines), SECTION_TEXT)
    ]
    return blocks, len(rows)


def _text_sections(card: Card) -> list[Block]:
    if not card.text:
        return []
    if card.untrusted:  # customer-written: shown as typed, never parsed as mrkdwn
        pieces = chunks(escape(card.text), SECTION_TEXT)
        return [section({"type": "plain_text", "text": piece}) for piece in pieces]
    return [section(mrkdwn(piece)) for piece in chunks(to_mrkdwn(card.text), SECTION_TEXT)]


def _change_pairs(card: Card) -> list[tuple[str, str]]:
    pairs = []
    for change in card.changes:
        after = escape(change.after) if change.after else "—"
        value = f"~{escape(change.before)}~ → {after}" if change.before else after
        pairs.append((change.label, value))
    return pairs


def _section_blocks(card: Card) -> list[Block]:
    blocks = []
    for part in card.sections:
        lines = [f"*{escape(part.title)}*"]
        for item in part.items:
            lines.append(f"• _{escape(item.heading)}_")
            if item.text:
                lines.append(f"   {escape(item.text)}")
        if part.footer:
            lines.append(f"_{escape(part.footer)}_")
        blocks.append(section(mrkdwn(clip("\n".join(lines), SECTION_TEXT), verbatim=True)))
    return blocks


def _warning_block(card: Card) -> list[Block]:
    if not card.warnings:
        return []
    text = "\n".join(f":warning: *{escape(w)}*" for w in card.warnings)
    return [section(mrkdwn(clip(text, SECTION_TEXT), verbatim=True))]


@dataclass
class _Parts:
    head: list[Block]
    body: list[Block]
    notes: list[str]
    tail: list[Block]
    rows_shown: int = 0


def _parts(card: Card) -> _Parts:
    verbatim = card.untrusted
    head: list[Block] = [{"type": "header", "text": plain(card.title, HEADER_TEXT)}]
    if card.subtitle:
        head.append(context([escape(card.subtitle)], verbatim=verbatim))
    head += _warning_block(card)
    body: list[Block] = []
    rows_shown = 0
    if card.facts:
        pairs = [(f.label, escape(f.value)) for f in card.facts]
        body += _field_sections(pairs, verbatim=verbatim)
    if card.changes:
        body += _field_sections(_change_pairs(card), verbatim=verbatim)
    if card.columns and card.rows:
        body.append(context([" · ".join(escape(c) for c in card.columns)]))
        rows, rows_shown = _row_sections(card)
        body += rows
    elif card.kind == "list" and not card.rows:
        body.append(section(mrkdwn("_Nothing matched._")))
    body += _text_sections(card)
    body += _section_blocks(card)
    notes = [escape(note) for note in card.notes]
    if card.footer:
        notes.append(escape(card.footer))
    actions = _actions(card)
    return _Parts(head, body, notes, [actions] if actions else [], rows_shown)


def _truncation_note(card: Card, parts: _Parts, kept: int) -> str | None:
    rows_cut = parts.rows_shown < len(card.rows)
    if kept >= len(parts.body) and not rows_cut:
        return None
    if card.rows:
        note = "Not every row fits in a Slack message."
        return f"{note} {EXPORT_OFFER}"
    return "This card was shortened to fit in Slack; open it in Autotask for the rest."


def card_blocks(card: Card, budget: int = MAX_BLOCKS) -> list[Block]:
    """One card as blocks, at most ``budget`` of them (4 or more always leaves room for the
    title, its subtitle, the notes and the buttons; the body is what gets cut)."""
    parts = _parts(card)
    fixed = len(parts.head) + len(parts.tail) + (1 if parts.notes else 0)
    if budget - fixed < len(parts.body):
        fixed = len(parts.head) + len(parts.tail) + 1  # room for the note that says it was cut
    kept = min(max(budget - fixed, 0), len(parts.body))
    body = parts.body[:kept]
    if body and body[-1]["type"] == "context":  # never end on the column names
        body, kept = body[:-1], kept - 1
    notes = list(parts.notes)
    cut = _truncation_note(card, parts, kept)
    if cut:
        notes.append(cut)
    trailer = [context(notes, verbatim=card.untrusted)] if notes else []
    return [*parts.head, *body, *trailer, *parts.tail]


# -- a whole reply --------------------------------------------------------------------------------


def render_text(text: str, budget: int = MAX_TEXT_SECTIONS) -> list[Block]:
    """The reply's own text as mrkdwn sections (the bot's words, escaped), at most ``budget``."""
    pieces = chunks(to_mrkdwn(text), SECTION_TEXT)
    if len(pieces) <= budget:
        return [section(mrkdwn(piece)) for piece in pieces]
    if budget <= 1:
        return [section(mrkdwn(pieces[0]))]
    kept = [section(mrkdwn(piece)) for piece in pieces[: budget - 1]]
    return [*kept, context(["The rest of this answer was too long for one Slack message."])]


def _fitting(cards: tuple[Card, ...], room: int) -> tuple[Card, ...]:
    """The cards that fit at their smallest; cards with buttons are kept first."""
    keep = max(room // MIN_CARD_BLOCKS, 0)
    if len(cards) <= keep:
        return cards
    order = sorted(range(len(cards)), key=lambda i: (not cards[i].actions, i))
    return tuple(cards[i] for i in sorted(order[:keep]))


def _card_budgets(cards: tuple[Card, ...], room: int) -> list[int]:
    """Blocks each card may use: the smallest form of each first, then the rest in order."""
    natural = [len(card_blocks(card, MAX_BLOCKS * 4)) for card in cards]
    budgets = [min(need, MIN_CARD_BLOCKS) for need in natural]
    spare = room - sum(budgets)
    for index, need in enumerate(natural):
        extra = max(min(need - budgets[index], spare), 0)
        budgets[index] += extra
        spare -= extra
    return budgets


def _notification(reply: Reply) -> str:
    if reply.text:
        return clip(escape(reply.text.replace("**", "")), NOTIFICATION_TEXT)
    for card in reply.cards:
        words = card.title + (f": {card.subtitle}" if card.subtitle else "")
        return clip(escape(words), NOTIFICATION_TEXT)
    return "Done."


def render_reply(
    reply: Reply, *, preamble: str | None = None, postscript: str | None = None
) -> SlackMessage:
    """A reply as one message of at most 50 blocks. ``preamble`` (a context line first) and
    ``postscript`` (a section last) are the bot's own mrkdwn, used as given."""
    blocks: list[Block] = [context([preamble])] if preamble else []
    tail: list[Block] = [section(mrkdwn(clip(postscript, SECTION_TEXT)))] if postscript else []
    reserved = len(blocks) + len(tail) + 1  # + one note when cards are dropped
    text_min = 1 if reply.text else 0
    cards = _fitting(reply.cards, MAX_BLOCKS - reserved - text_min)
    dropped = len(reply.cards) - len(cards)
    if reply.text:
        room = MAX_BLOCKS - reserved - MIN_CARD_BLOCKS * len(cards)
        blocks += render_text(reply.text, min(MAX_TEXT_SECTIONS, room))
    budgets = _card_budgets(cards, MAX_BLOCKS - len(blocks) - len(tail) - 1)
    for card, budget in zip(cards, budgets, strict=True):
        blocks += card_blocks(card, budget)
    if dropped:
        blocks.append(context([f"{dropped} more card(s) did not fit in this message."]))
    blocks += tail
    if not blocks:
        blocks.append(section(mrkdwn("Done.")))
    return SlackMessage(blocks=blocks, text=_notification(reply))
