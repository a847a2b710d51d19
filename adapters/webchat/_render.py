"""Neutral replies as HTML fragments for the web chat.

Everything is escaped; nothing a user, a customer or Autotask wrote can become markup. Bot text
gets a small Markdown subset (``**bold**``, ``[label](https://…)``, bare links, ``code``); card
text is shown as plain text, and text written by customers is marked as such. Links are only
ever http(s).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from bot.messages import Card, CardAction, FieldChangeView, FileAttachment, Reply

from ..text_safety import without_bidi_controls

__all__ = ["render_card", "render_plain", "render_reply", "render_text", "safe_url"]

FileLink = Callable[[FileAttachment], str | None]

_INLINE = re.compile(
    r"\[(?P<label>[^\]\n]{1,200})\]\((?P<href>https?://[^\s)]+)\)"
    r"|(?P<url>https?://[^\s<>\"')\]]+)"
    r"|\*\*(?P<bold>[^*\n]{1,500})\*\*"
    r"|`(?P<code>[^`\n]{1,200})`"
)
_STATUS_LABELS = {
    "pending": "Waiting for your click",
    "applying": "Applying",
    "applied": "Applied",
    "cancelled": "Cancelled",
    "expired": "Expired",
    "stale": "Not applied: record changed",
    "failed": "Failed",
    "unknown": "Outcome unknown",
    "superseded": "Replaced by an edited preview",
}
_KIND_LABELS = {
    "record": "Record",
    "list": "List",
    "change": "Change",
    "alert": "Alert",  # the title says which: a new ticket, a reassignment, a customer note
    "error": "Error",
}


def _e(value: object) -> str:
    return html.escape(without_bidi_controls(str(value)), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None (no javascript:, data: or relative tricks)."""
    if not url:
        return None
    stripped = url.strip()
    return stripped if re.match(r"^https?://[^\s]+$", stripped, re.IGNORECASE) else None


def _link(url: str, label: str, *, css: str = "") -> str:
    extra = f' class="{css}"' if css else ""
    return f'<a href="{_e(url)}"{extra} target="_blank" rel="noopener noreferrer">{label}</a>'


def render_plain(text: str) -> str:
    """Text as text: escaped, line breaks kept."""
    return _e(text).replace("\n", "<br>")


def render_text(text: str) -> str:
    """Bot text with the Markdown subset chat platforms share: bold, links, code."""
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(render_plain(text[position : match.start()]))
        if match.group("href"):
            out.append(_link(match.group("href"), _e(match.group("label"))))
        elif match.group("url"):
            out.append(_link(match.group("url"), _e(match.group("url"))))
        elif match.group("bold"):
            out.append(f"<strong>{_e(match.group('bold'))}</strong>")
        else:
            out.append(f"<code>{_e(match.group('code'))}</code>")
        position = match.end()
    out.append(render_plain(text[position:]))
    return "".join(out)


def _facts(card: Card) -> str:
    if not card.facts:
        return ""
    items = "".join(f"<div><dt>{_e(f.label)}</dt><dd>{_e(f.value)}</dd></div>" for f in card.facts)
    return f'<dl class="facts">{items}</dl>'


def _table(card: Card) -> str:
    if not card.columns:
        return ""
    # a narrow window (a phone, a 420 px side panel) keeps only number, title and status
    wide = [bool(card.narrow) and i not in card.narrow for i in range(len(card.columns))]
    css = ["" if not w else ' class="wide"' for w in wide]
    head = "".join(f'<th scope="col"{css[i]}>{_e(c)}</th>' for i, c in enumerate(card.columns))
    body = []
    for index, row in enumerate(card.rows):
        url = safe_url(card.row_links[index]) if index < len(card.row_links) else None
        cells = [_e(value) for value in row]
        if url and cells:
            cells[0] = _link(url, cells[0])
        body.append(
            "<tr>"
            + "".join(f"<td{css[i] if i < len(css) else ''}>{c}</td>" for i, c in enumerate(cells))
            + "</tr>"
        )
    caption = f"<caption>{_e(card.title)}</caption>"
    return (
        f'<div class="table-wrap"><table class="rows">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _sections(card: Card) -> str:
    out = []
    for part in card.sections:
        items = "".join(
            f'<li><p class="item-heading">{_e(item.heading)}</p>'
            + (f'<p class="item-text">{render_plain(item.text)}</p>' if item.text else "")
            + "</li>"
            for item in part.items
        )
        listing = f'<ul class="section-items">{items}</ul>' if items else ""
        footer = f'<p class="section-footer">{_e(part.footer)}</p>' if part.footer else ""
        out.append(
            f'<section class="card-section"><h4>{_e(part.title)}</h4>{listing}{footer}</section>'
        )
    return "".join(out)


def _warnings(card: Card) -> str:
    if not card.warnings:
        return ""
    items = "".join(f"<li>{_e(warning)}</li>" for warning in card.warnings)
    return f'<ul class="card-warnings" role="alert">{items}</ul>'


def _changes(changes: Iterable[FieldChangeView]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{_e(c.label)}</th><td class="before">{_e(c.before or "—")}</td>'
        f'<td class="after">{_e(c.after or "—")}</td></tr>'
        for c in changes
    )
    if not rows:
        return ""
    head = (
        '<tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr>'
    )
    return f'<table class="changes"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _body_text(card: Card) -> str:
    if not card.text:
        return ""
    if card.untrusted:
        return (
            '<blockquote class="untrusted"><p class="untrusted-label">Written by a customer '
            f"or user, shown as plain text</p><p>{render_plain(card.text)}</p></blockquote>"
        )
    return f'<p class="card-text">{render_plain(card.text)}</p>'


def _button(action: CardAction, card: Card) -> str:
    about = card.subtitle or card.title
    confirm = f' data-confirm="{_e(action.confirm)}"' if action.confirm else ""
    return (
        f'<button type="button" class="btn btn-{_e(action.style)}"'
        f' data-action="{_e(action.action)}" data-plan="{_e(action.plan_id)}"{confirm}'
        f' aria-label="{_e(action.label)}: {_e(about)}">'
        f"{_e(action.label)}</button>"
    )


def _actions(card: Card) -> str:
    parts = [_button(action, card) for action in card.actions]
    url = safe_url(card.link.url) if card.link else None
    if card.link and url:
        parts.append(_link(url, _e(card.link.label), css="btn btn-link"))
    if not parts:
        return ""
    return f'<div class="card-actions" role="group" aria-label="Actions">{"".join(parts)}</div>'


def render_card(card: Card) -> str:
    """One neutral card as an ``<article>``; its status drives the badge and the styling."""
    status = card.status or ""
    badge = (
        f'<span class="badge badge-{_e(status)}">{_e(_STATUS_LABELS.get(status, status))}</span>'
        if status
        else f'<span class="badge">{_e(_KIND_LABELS[card.kind])}</span>'
    )
    subtitle = f'<p class="card-subtitle">{_e(card.subtitle)}</p>' if card.subtitle else ""
    warning = (
        '<p class="untrusted-label">Some values were written by customers or users.</p>'
        if card.untrusted and not card.text
        else ""
    )
    notes = "".join(f"<li>{_e(note)}</li>" for note in card.notes)
    footer = f'<footer class="card-footer">{_e(card.footer)}</footer>' if card.footer else ""
    return (
        f'<article class="card card-{_e(card.kind)}" data-kind="{_e(card.kind)}"'
        f' data-status="{_e(status)}"><header class="card-header">'
        f'<h3 class="card-title">{_e(card.title)}</h3>{badge}</header>{subtitle}{_warnings(card)}'
        f"{_facts(card)}{_table(card)}{_changes(card.changes)}{_body_text(card)}{_sections(card)}"
        f"{warning}"
        f"{f'<ul class=card-notes>{notes}</ul>' if notes else ''}{_actions(card)}{footer}"
        "</article>"
    )


def _files(files: Iterable[FileAttachment], link: FileLink) -> str:
    items = []
    for attachment in files:
        url = link(attachment)
        rows = f" ({attachment.rows:,} rows)" if attachment.rows is not None else ""
        if url:
            label = f"Download {_e(attachment.name)}"
            items.append(f'<li><a href="{_e(url)}" download>{label}</a>{rows}</li>')
        else:
            items.append(f"<li>{_e(attachment.name)}{rows}: no longer available</li>")
    return f'<ul class="files">{"".join(items)}</ul>' if items else ""


def render_reply(reply: Reply, *, file_link: FileLink) -> str:
    """A whole reply: text, then cards, then download links."""
    text = f'<div class="text">{render_text(reply.text)}</div>' if reply.text else ""
    cards = "".join(render_card(card) for card in reply.cards)
    return text + cards + _files(reply.files, file_link)
