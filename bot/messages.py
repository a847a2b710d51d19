"""Platform-neutral messages: what comes in, what goes out, and the port each platform implements.

Adapters turn a platform event into an ``IncomingMessage`` and render a ``Reply`` (text, neutral
cards, files) in their own format: Block Kit, Adaptive Cards, HTML. Card actions carry only an
action name and a plan id; nothing else in a click is trusted.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Card",
    "CardAction",
    "CardKind",
    "CardSection",
    "ChangeStatus",
    "ChatSurface",
    "Click",
    "Conversation",
    "ConversationGone",
    "Fact",
    "FieldChangeView",
    "FileAttachment",
    "IncomingMessage",
    "LinkButton",
    "MessageRef",
    "PersonMessenger",
    "PostingCheck",
    "Reply",
    "SectionItem",
]

CardKind = Literal["record", "list", "change", "alert", "error"]
ChangeStatus = Literal[
    "pending",
    "applying",
    "applied",
    "cancelled",
    "expired",
    "stale",
    "failed",
    "unknown",
    "superseded",
]
ActionName = Literal["approve", "cancel", "assign_to_me", "edit"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConversationGone(Exception):
    """The platform says the bot can no longer post in a conversation (removed from the channel
    or team, the channel archived): posting there again is pointless."""


class Conversation(_Model):
    """Where a message lives: platform, conversation (channel/chat) and thread within it."""

    platform: str
    conversation_id: str
    thread_id: str | None = None

    @property
    def key(self) -> str:
        """One string per thread: turns in a thread are serialised on it, history kept by it."""
        return f"{self.platform}:{self.conversation_id}:{self.thread_id or '-'}"


class IncomingMessage(_Model):
    """A chat message addressed to the bot, already stripped of any @mention."""

    conversation: Conversation
    user_id: str
    email: str | None = None
    display_name: str | None = None
    text: str
    timezone: str | None = Field(
        default=None, description="the sender's IANA zone, from their profile or client"
    )
    message_id: str | None = None
    shared: bool = Field(
        default=False, description="others read the answer (a channel): no personal data in it"
    )
    external: bool = Field(
        default=False,
        description="asked where people of another organisation read along (a Slack Connect "
        "channel, a Teams shared channel): the answer goes to the asker alone, and nothing is "
        "set up there (no alerts)",
    )
    mentions: dict[str, str] = Field(
        default_factory=dict,
        description="Each person's mention as it appears in text (Slack '@U0PRIYA', Teams "
        "'Priya Sharma') → that person's e-mail, so that commands can name them.",
    )
    origin: Conversation | None = Field(
        default=None,
        description="where the question was asked, when the answer goes elsewhere (a Teams "
        "shared channel's question answered in the asker's personal chat)",
    )

    @property
    def asked_in(self) -> Conversation:
        """Where the question was asked: what belongs to a channel (its linked company, its
        alerts) is that channel's, wherever the answer goes."""
        return self.origin or self.conversation


class Fact(_Model):
    label: str
    value: str


class FieldChangeView(_Model):
    label: str
    before: str | None = None
    after: str | None = None


class LinkButton(_Model):
    label: str
    url: str


class CardAction(_Model):
    """A button that acts on a stored plan. Only ``action`` and ``plan_id`` travel in payloads."""

    action: ActionName
    plan_id: str
    label: str
    style: Literal["primary", "danger", "default"] = "default"
    confirm: str | None = Field(default=None, description="A second confirmation, for deletes.")


class SectionItem(_Model):
    """One item of a section: a heading line (who, when) and its text (first lines)."""

    heading: str
    text: str | None = None


class CardSection(_Model):
    """A titled group of items on a card (a ticket's latest notes, its time entries)."""

    title: str
    items: tuple[SectionItem, ...] = ()
    footer: str | None = Field(default=None, description="what is not shown, and where it is")


class Card(_Model):
    kind: CardKind
    title: str
    subtitle: str | None = None
    facts: tuple[Fact, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    row_links: tuple[str | None, ...] = ()
    changes: tuple[FieldChangeView, ...] = ()
    sections: tuple[CardSection, ...] = ()
    warnings: tuple[str, ...] = Field(default=(), description="what to check before a click")
    status: ChangeStatus | None = None
    text: str | None = None
    untrusted: bool = Field(default=False, description="text was written by customers/users")
    notes: tuple[str, ...] = ()
    link: LinkButton | None = None
    actions: tuple[CardAction, ...] = ()
    footer: str | None = None
    total: int | None = Field(default=None, description="a list's matches (rows may be fewer)")
    order: str | None = Field(default=None, description="a list's order, e.g. 'newest first'")
    narrow: tuple[int, ...] = Field(
        default=(), description="columns kept on a narrow screen (number, title, status)"
    )


class FileAttachment(_Model):
    name: str
    path: str  # the staging file the tool wrote (this replica only, swept after a while)
    mime: str = "text/csv"  # an export says its own (XLSX by default)
    rows: int | None = None
    export_id: str | None = None  # the copy kept in the database, which every replica serves


class Reply(_Model):
    text: str | None = None
    cards: tuple[Card, ...] = ()
    files: tuple[FileAttachment, ...] = ()


class MessageRef(_Model):
    """A message the bot posted, so its card can be updated in place later."""

    conversation: Conversation
    message_id: str


class Click(_Model):
    """A button click, as an adapter received it (after verifying the platform's signature)."""

    conversation: Conversation
    user_id: str
    email: str | None = None
    display_name: str | None = None
    action: str
    plan_id: str
    message: MessageRef | None = None
    timezone: str | None = None
    shared: bool = Field(
        default=False, description="a refusal would be read by others: no personal data in it"
    )


class ChatSurface(Protocol):
    """What the engine needs from a chat platform."""

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef: ...

    async def update(self, message: MessageRef, reply: Reply) -> None: ...

    async def typing(self, conversation: Conversation) -> None: ...

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        """A message only ``user_id`` sees (ephemeral), e.g. why their click was refused."""
        ...


class PersonMessenger(Protocol):
    """A surface that can write to one person directly (by the e-mail they subscribed with)."""

    async def tell_person(
        self, email: str, about: Conversation, text: str, *, user_id: str | None = None
    ) -> bool:
        """Send ``text`` (about ``about``) to the person privately; False when it cannot.
        ``user_id`` is their id on the platform, when the bot knows it."""
        ...


class PostingCheck(Protocol):
    """A surface that can tell, before alerts are turned on, whether it may post them there."""

    async def alerts_refusal(self, conversation: Conversation) -> str | None:
        """Why new-ticket alerts cannot go to ``conversation`` (the user's next step), or None."""
        ...
