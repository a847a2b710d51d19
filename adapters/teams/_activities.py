"""Between Bot Framework activities and the bot's neutral messages.

Teams names a channel thread by appending ``;messageid=<root post id>`` to the channel's
conversation id. The bot keeps the two apart: ``Conversation.conversation_id`` is the channel (or
chat), ``thread_id`` the root post, so alerts can start new posts in the channel and replies land
in the thread they answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationReference,
    Mention,
)

from bot.messages import (
    Card,
    Click,
    Conversation,
    Fact,
    FileAttachment,
    IncomingMessage,
    LinkButton,
    MessageRef,
    Reply,
)

from ..downloads import NoPublicAddress
from ..text_safety import card_without_bidi_controls
from ._cards import ADAPTIVE_CARD_CONTENT_TYPE, Audience, adaptive_card
from ._sizing import pack, trim

__all__ = [
    "NO_AUDIENCES",
    "PLATFORM",
    "Audiences",
    "audience_key",
    "click_of",
    "clicked",
    "conversation_of",
    "mention_activity",
    "mentioned_people",
    "message_activity",
    "message_of",
    "reference_for",
    "reference_of",
    "reply_activities",
    "strip_mentions",
    "team_of",
    "thread_address",
    "update_activity",
]

PLATFORM = "teams"
TEAM_KEY = "teamId"  # beside a stored reference: the team of its channel
_THREAD = ";messageid="
_SPACES = re.compile(r"[ \t\u00a0]+")
_MAX_ACTION = 32
_MAX_PLAN_ID = 64

LinkMaker = Callable[[FileAttachment], str | None]
Audiences = Mapping[str, Audience]
NO_AUDIENCES: Audiences = {}


def _split(raw_id: str) -> tuple[str, str | None]:
    base, marker, thread = raw_id.partition(_THREAD)
    return base, (thread or None) if marker else None


def conversation_of(activity: Activity) -> Conversation:
    base, thread = _split(activity.conversation.id)
    return Conversation(platform=PLATFORM, conversation_id=base, thread_id=thread)


def thread_address(conversation: Conversation) -> str:
    """The Bot Connector conversation id that posts into ``conversation``'s thread."""
    if conversation.thread_id:
        return f"{conversation.conversation_id}{_THREAD}{conversation.thread_id}"
    return conversation.conversation_id


def team_of(activity: Activity) -> str | None:
    """The id of the team a channel activity comes from (``channelData.team.id``)."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team")
    found = team.get("id") if isinstance(team, dict) else None
    return found if isinstance(found, str) and found else None


def reference_of(activity: Activity) -> dict[str, Any]:
    """The activity's conversation reference, addressed to the channel or chat (not a thread),
    with the id of the channel's team (kept beside it, so that a team that removes the bot
    turns off the alerts of all its channels)."""
    reference = ConversationReference(
        user=activity.from_property,
        bot=activity.recipient,
        conversation=activity.conversation,
        channel_id=activity.channel_id,
        locale=activity.locale,
        service_url=activity.service_url,
    )
    data: dict[str, Any] = reference.serialize()
    data["conversation"]["id"] = _split(activity.conversation.id)[0]
    if team := team_of(activity):
        data[TEAM_KEY] = team
    return data


def reference_for(stored: dict[str, Any], conversation: Conversation) -> ConversationReference:
    """A stored reference, pointed at ``conversation``'s thread, for ``continue_conversation``."""
    reference = ConversationReference().deserialize(
        {key: value for key, value in stored.items() if key != TEAM_KEY}
    )
    reference.conversation.id = thread_address(conversation)
    reference.activity_id = None
    return reference


def _mention(entity: Any) -> tuple[str, str | None, str] | None:
    """(marked text, mentioned id, mentioned name) of a mention entity, as received (an
    ``Entity`` with the details in its additional properties) or built (a ``Mention``)."""
    if str(getattr(entity, "type", "") or "").lower() != "mention":
        return None
    extra = getattr(entity, "additional_properties", None) or {}
    marked = getattr(entity, "text", None) or extra.get("text")
    mentioned = getattr(entity, "mentioned", None) or extra.get("mentioned") or {}
    if not isinstance(mentioned, dict):
        mentioned = {"id": mentioned.id, "name": mentioned.name}
    if not isinstance(marked, str) or not marked:
        return None
    return marked, mentioned.get("id"), str(mentioned.get("name") or "")


def strip_mentions(activity: Activity) -> str:
    """The message text without the bot's @mention; other people's mentions become their names.

    Uses the activity's mention entities (the exact ``<at>…</at>`` text Teams inserted), never a
    guess at what a mention looks like.
    """
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        mention = _mention(entity)
        if mention is not None:
            marked, mentioned_id, name = mention
            text = text.replace(marked, "" if mentioned_id == bot_id else name)
    return _SPACES.sub(" ", html.unescape(text)).strip()


def mentioned_people(activity: Activity) -> list[tuple[str, str]]:
    """Each person mentioned (not the bot), as (the name their mention became, member id)."""
    bot_id = activity.recipient.id if activity.recipient else None
    found: dict[str, str] = {}
    for entity in (activity.entities or [])[:20]:
        mention = _mention(entity)
        if mention is not None and mention[1] and mention[1] != bot_id and mention[2]:
            found.setdefault(html.unescape(mention[2]), str(mention[1]))
    return list(found.items())


def _sender(activity: Activity) -> tuple[str, str | None]:
    account = activity.from_property
    return str(account.id), account.name or None


def is_shared(activity: Activity) -> bool:
    """Others read the bot's answers here (a channel or a group chat, not a personal chat)."""
    conversation = activity.conversation
    return conversation is None or conversation.conversation_type != "personal"


def message_of(
    activity: Activity, email: str | None, mentions: dict[str, str] | None = None
) -> IncomingMessage:
    user_id, name = _sender(activity)
    return IncomingMessage(
        conversation=conversation_of(activity),
        user_id=user_id,
        email=email,
        display_name=name,
        timezone=getattr(activity, "local_timezone", None) or None,
        text=strip_mentions(activity),
        message_id=activity.id,
        shared=is_shared(activity),
        mentions=mentions or {},
    )


def click_of(activity: Activity, email: str | None) -> Click | None:
    """The button click an ``Action.Submit`` delivered, or None for an ordinary message."""
    value = activity.value
    if not isinstance(value, dict):
        return None
    return clicked(activity, email, value.get("action"), value.get("plan_id"))


def clicked(activity: Activity, email: str | None, action: Any, plan_id: Any) -> Click | None:
    """The click of ``action`` on plan ``plan_id`` in ``activity`` (an ``Action.Submit``'s message
    or an ``Action.Execute``'s invoke); None when they are not a well-formed action and id."""
    if not isinstance(action, str) or not isinstance(plan_id, str):
        return None
    if not action or len(action) > _MAX_ACTION or not plan_id or len(plan_id) > _MAX_PLAN_ID:
        return None
    user_id, name = _sender(activity)
    conversation = conversation_of(activity)
    message = None
    if activity.reply_to_id:
        message = MessageRef(conversation=conversation, message_id=activity.reply_to_id)
    return Click(
        conversation=conversation,
        user_id=user_id,
        email=email,
        display_name=name,
        action=action,
        plan_id=plan_id,
        message=message,
        shared=is_shared(activity),
        timezone=getattr(activity, "local_timezone", None) or None,
    )


def audience_key(card: Card) -> str | None:
    """The plan whose audience decides how ``card`` is shown: a pending change card's."""
    if card.kind != "change" or card.status != "pending" or not card.actions:
        return None
    return card.actions[0].plan_id


def _attachment(card: Card, audiences: Audiences) -> Attachment:
    key = audience_key(card)
    audience = audiences.get(key) if key else None
    content = adaptive_card(card_without_bidi_controls(card), audience=audience)
    return Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=content)


def _message(text: str | None, cards: list[Card], audiences: Audiences = NO_AUDIENCES) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        text=text,
        text_format="markdown" if text else None,
        attachments=[_attachment(c, audiences) for c in cards] or None,
        attachment_layout="list" if len(cards) > 1 else None,
    )


def _file_card(file: FileAttachment, links: LinkMaker) -> Card:
    facts = [Fact(label="File", value=file.name)]
    if file.rows is not None:
        facts.append(Fact(label="Rows", value=f"{file.rows:,}"))
    why = "The export file is no longer on the server; ask for the export again."
    try:
        url = links(file)
    except NoPublicAddress as exc:
        url, why = None, str(exc)
    if url is None:
        return Card(kind="error", title="Export not available", facts=tuple(facts), text=why)
    return Card(
        kind="record",
        title="Export ready",
        facts=tuple(facts),
        link=LinkButton(label=f"Download {file.name}", url=url),
        footer="The download link expires; ask again for a fresh one.",
    )


def reply_activities(
    reply: Reply, links: LinkMaker, audiences: Audiences = NO_AUDIENCES
) -> list[Activity]:
    """The activities that show ``reply``; change cards come last, in their own message.

    The engine updates a change card in place (Approve/Cancel) by the id of the message that
    carries it, so that message holds only the change cards, and the answer text and other
    cards above it stay as they were. ``audiences``: by plan id, who a pending change card's
    buttons are for (the card then shows everyone else a read-only view).
    """
    build = partial(_message, audiences=audiences)
    changes = [c for c in reply.cards if c.kind == "change"]
    others = [c for c in reply.cards if c.kind != "change"]
    others += [_file_card(f, links) for f in reply.files]
    activities = pack(build, reply.text, others) if reply.text or others else []
    if changes:
        activities += pack(build, None, changes)
    return activities or [_message("Done.", [])]


def update_activity(reply: Reply, message_id: str, audiences: Audiences = NO_AUDIENCES) -> Activity:
    """The replacement for a message the bot posted earlier (a change card's outcome)."""
    build = partial(_message, audiences=audiences)
    activity = build(reply.text, [trim(build, card) for card in reply.cards])
    activity.id = message_id
    return activity


def message_activity(text: str) -> Activity:
    """A message of markdown text alone."""
    return _message(text, [])


def mention_activity(user_id: str, name: str | None, text: str) -> Activity:
    """``text`` addressed to one person: in a channel or group chat they are @mentioned."""
    if not name:
        return _message(text, [])
    marked = f"<at>{html.escape(name)}</at>"
    activity = _message(f"{marked} {text}", [])
    activity.entities = [
        Mention(mentioned=ChannelAccount(id=user_id, name=name), text=marked, type="mention")
    ]
    return activity
