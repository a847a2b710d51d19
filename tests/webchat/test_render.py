"""Neutral replies as HTML: everything escaped, every card kind, safe links, labelled buttons."""

from __future__ import annotations

from html.parser import HTMLParser

from adapters.webchat import WebChatSurface, render_card, render_reply, render_text
from bot.messages import (
    Card,
    CardAction,
    Conversation,
    Fact,
    FieldChangeView,
    FileAttachment,
    LinkButton,
    MessageRef,
    Reply,
)

EVIL = "<script>alert(1)</script>"


class _Tags(HTMLParser):
    """Every start tag with its attributes, to check what the markup really contains."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def test_bot_text_gets_bold_links_and_code_and_nothing_else() -> None:
    html = render_text(
        f"**3** tickets {EVIL} see [Autotask](https://ww5.autotask.net/x?a=1&b=2) or "
        "https://example.com/t and `ticket 42`\n[bad](javascript:alert(1))"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>3</strong>" in html and "<code>ticket 42</code>" in html
    links = _Tags(html).named("a")
    assert [a["href"] for a in links] == [
        "https://ww5.autotask.net/x?a=1&b=2",
        "https://example.com/t",
    ]
    assert all(a["rel"] == "noopener noreferrer" for a in links)
    assert "<br>" in html and "javascript:" in html  # shown as text, not as a link


def test_every_card_kind_renders_with_escaped_values() -> None:
    cards = [
        Card(kind="record", title=EVIL, facts=(Fact(label="Status", value=EVIL),)),
        Card(
            kind="list",
            title="Tickets",
            columns=("Number", "Title"),
            rows=(("T1", EVIL), ("T2", "ok")),
            row_links=("https://at.example/1", "javascript:alert(1)"),
            untrusted=True,
        ),
        Card(kind="alert", title="New ticket", text=EVIL, untrusted=True),
        Card(kind="error", title="Something went wrong", text="Sorry", footer="Reference: ab12"),
    ]
    for card in cards:
        html = render_card(card)
        assert "<script>" not in html, card.kind
        assert f'data-kind="{card.kind}"' in html
    listing = render_card(cards[1])
    assert [a["href"] for a in _Tags(listing).named("a")] == ["https://at.example/1"]
    assert "Some values were written by customers" in listing
    alert = render_card(cards[2])
    assert 'class="untrusted"' in alert and "&lt;script&gt;alert(1)&lt;/script&gt;" in alert
    assert "Reference: ab12" in render_card(cards[3])


def test_a_change_card_has_labelled_buttons_that_carry_only_action_and_plan() -> None:
    card = Card(
        kind="change",
        title="Confirm this change",
        subtitle='Delete "time entry" 7',
        changes=(FieldChangeView(label="Hours", before="1", after=None),),
        status="pending",
        link=LinkButton(label="Open in Autotask", url="https://ww5.autotask.net/t/7"),
        actions=(
            CardAction(
                action="approve", plan_id="p-123", label="Delete", style="danger", confirm="Sure?"
            ),
            CardAction(action="cancel", plan_id="p-123", label="Cancel"),
        ),
    )
    tags = _Tags(render_card(card))
    buttons = tags.named("button")
    assert [b["data-action"] for b in buttons] == ["approve", "cancel"]
    assert {b["data-plan"] for b in buttons} == {"p-123"}
    assert buttons[0]["aria-label"] == 'Delete: Delete "time entry" 7'
    assert buttons[0]["data-confirm"] == "Sure?" and "data-confirm" not in buttons[1]
    assert all(b["type"] == "button" for b in buttons)
    assert set(buttons[0]) <= {"type", "class", "data-action", "data-plan", "data-confirm",
                               "aria-label"}  # fmt: skip
    assert tags.named("a")[0]["href"] == "https://ww5.autotask.net/t/7"
    applied = render_card(card.model_copy(update={"status": "applied", "actions": ()}))
    assert "<button" not in applied and 'data-status="applied"' in applied


def test_files_link_to_downloads_or_say_they_are_gone() -> None:
    reply = Reply(
        text="Exported.",
        files=(
            FileAttachment(name="tickets.csv", path="/x/tickets.csv", rows=1200),
            FileAttachment(name="old.csv", path="/x/old.csv"),
        ),
    )

    def link(attachment: FileAttachment) -> str | None:
        return "http://127.0.0.1:1/downloads/t.s" if attachment.name == "tickets.csv" else None

    html = render_reply(reply, file_link=link)
    assert '<a href="http://127.0.0.1:1/downloads/t.s" download>' in html
    assert "(1,200 rows)" in html and "old.csv: no longer available" in html


async def test_the_surface_updates_in_place_and_whispers_to_one_user() -> None:
    surface = WebChatSurface(file_link=lambda _: None)
    demo = Conversation(platform="webchat", conversation_id="demo")
    with (
        surface.listen("ann@x.example", frozenset({"demo"})) as ann,
        surface.listen("bob@x.example", frozenset({"demo"})) as bob,
        surface.listen("cat@x.example", frozenset({"dm-9"})) as cat,
    ):
        posted = await surface.post(demo, Reply(text="hello"))
        await surface.update(posted, Reply(text="**changed**"))
        await surface.whisper(demo, "bob@x.example", "not yours")
        await surface.update(MessageRef(conversation=demo, message_id="w999"), Reply(text="x"))
        seen_by = {}
        for name, listener in (("ann", ann), ("bob", bob), ("cat", cat)):
            events = []
            while not listener.queue.empty():
                events.append(listener.queue.get_nowait())
            seen_by[name] = [e["type"] for e in events if e]
    assert seen_by == {"ann": ["message", "update"], "bob": ["message", "update", "notice"],
                       "cat": []}  # fmt: skip
    history = surface.history("demo")
    assert (
        len(history) == 1
        and history[0]["html"] == '<div class="text"><strong>changed</strong></div>'
    )
    assert surface.listener_count == 0


async def test_a_listener_that_falls_behind_is_closed_not_waited_for() -> None:
    surface = WebChatSurface(file_link=lambda _: None)
    demo = Conversation(platform="webchat", conversation_id="demo")
    with surface.listen("ann@x.example", frozenset({"demo"})) as slow:
        for _ in range(slow.queue.maxsize + 5):
            await surface.post(demo, Reply(text="x"))
        assert slow.closed and surface.listener_count == 0


def test_an_alert_badge_does_not_call_a_reassignment_a_new_ticket() -> None:
    """Personal notices (a reassignment, a customer's note) are alert cards too: the title says
    what happened, the badge only that it is an alert."""
    markup = render_card(Card(kind="alert", title="Assigned to Sarah Mitchell: T20261207.0005"))
    assert ">Alert</span>" in markup and "New ticket" not in markup
