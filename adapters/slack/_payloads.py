"""The parts of Slack's payloads the bot reads, as pydantic models (everything else is ignored),
and how they map onto neutral conversations, messages and clicks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.messages import Conversation

__all__ = [
    "PLATFORM",
    "ActionPayload",
    "CommandPayload",
    "MessageEvent",
    "body_where",
    "conversation_of",
    "parse_action_id",
]

PLATFORM = "slack"
_ACTIONS = {"approve", "cancel", "assign_to_me"}


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MessageEvent(_Payload):
    """An ``app_mention`` or ``message`` event."""

    type: str
    user: str | None = None
    text: str = ""
    ts: str
    channel: str
    thread_ts: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None

    @property
    def from_a_person(self) -> bool:
        """A person's own new message (not a bot's, an edit, a join or another subtype)."""
        return self.user is not None and self.bot_id is None and self.subtype in (None, "")

    @property
    def direct(self) -> bool:
        return self.channel_type == "im" or self.channel.startswith("D")


class CommandPayload(_Payload):
    command: str
    text: str = ""
    user_id: str
    channel_id: str
    response_url: str | None = None


class _Id(_Payload):
    id: str


class _Container(_Payload):
    message_ts: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    is_ephemeral: bool = False


class _Message(_Payload):
    ts: str | None = None
    thread_ts: str | None = None


class _Action(_Payload):
    action_id: str
    value: str | None = None


class ActionPayload(_Payload):
    """A ``block_actions`` payload: a button click on one of the bot's messages."""

    user: _Id
    channel: _Id | None = None
    container: _Container = Field(default_factory=_Container)
    message: _Message | None = None
    actions: list[_Action] = Field(default_factory=list)
    response_url: str | None = None

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel else self.container.channel_id

    @property
    def message_ts(self) -> str | None:
        return self.container.message_ts or (self.message.ts if self.message else None)

    @property
    def thread_ts(self) -> str | None:
        return self.container.thread_ts or (self.message.thread_ts if self.message else None)


def conversation_of(
    channel: str, ts: str | None, thread_ts: str | None, *, direct: bool
) -> Conversation:
    """Where to answer: in a channel, the message's thread (a new one under the message); in a
    direct message, the thread when the user wrote in one, else the conversation itself."""
    thread = thread_ts or (None if direct else ts)
    return Conversation(platform=PLATFORM, conversation_id=channel, thread_id=thread)


def parse_action_id(action_id: str, value: str | None) -> tuple[str, str] | None:
    """``approve:<plan id>`` → (action, plan id); None for anything the bot did not send."""
    action, _, plan_id = action_id.partition(":")
    if action not in _ACTIONS or not plan_id or (value is not None and value != plan_id):
        return None
    return action, plan_id


def body_where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and user of any payload, for telling the user that something went wrong."""
    event = body.get("event")
    if isinstance(event, dict):
        return event.get("channel"), event.get("user")
    if "channel_id" in body:
        return body.get("channel_id"), body.get("user_id")
    channel, user = body.get("channel"), body.get("user")
    return (
        channel.get("id") if isinstance(channel, dict) else None,
        user.get("id") if isinstance(user, dict) else None,
    )
