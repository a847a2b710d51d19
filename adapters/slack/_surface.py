"""Slack as a ChatSurface: post into any channel or thread, update in place, whisper, upload.

``SlackSurface`` is what alerts and clicks use. A turn wraps it: ``ThreadTurn`` shows a
placeholder at once and turns it into the answer; ``CommandTurn`` answers a slash command through
its response_url (ephemeral unless asked to share); ``ClickTurn`` updates an ephemeral card through
the click's response_url and falls back to it when Slack refuses an ephemeral message.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.alerts import SHARED_CHANNEL
from bot.messages import Conversation, ConversationGone, FileAttachment, MessageRef, Reply

from ..downloads import Downloads, NoPublicAddress
from ._blocks import SlackMessage, render_reply
from ._retries import retry_handlers
from ._text import escape, to_mrkdwn

__all__ = [
    "HOOK_PREFIX",
    "PLACEHOLDER",
    "ClickTurn",
    "CommandTurn",
    "PrivateTurn",
    "SlackSurface",
    "ThreadTurn",
    "slack_error",
    "timed",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
HOOK_PREFIX = "hook:"  # a message reachable only through an interaction's response_url
# Slack's answers that mean the bot can no longer post in a conversation
GONE_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "account_inactive"})
NOT_A_MEMBER = (
    "I'm not a member of this channel, so I could not post alerts here. Add me first "
    "(`/invite @autotask`), then turn alerts on again."
)
PLACEHOLDER = "Looking that up…"


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code (``not_in_channel``…), or the HTTP status when the answer had none."""
    response = exc.response
    if response is None:
        return "no answer"
    data = response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {response.status_code}"


async def timed(method: str, call: Awaitable[T]) -> T:
    """One INFO line per Slack call: method, outcome, duration (never the payload)."""
    started = time.perf_counter()
    try:
        result = await call
    except SlackApiError as exc:
        ms = (time.perf_counter() - started) * 1000
        logger.info("Slack %s failed: %s (%.0f ms)", method, slack_error(exc), ms)
        raise
    logger.info("Slack %s ok (%.0f ms)", method, (time.perf_counter() - started) * 1000)
    return result


class SlackSurface:
    """The bot's messages in Slack, through the Web API with the bot token."""

    def __init__(self, client: AsyncWebClient, *, downloads: Downloads | None = None) -> None:
        self.client = client
        self.downloads = downloads

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        try:
            return await self.post_message(conversation, render_reply(reply), reply.files)
        except SlackApiError as exc:
            if slack_error(exc) in GONE_ERRORS:
                raise ConversationGone(f"Slack: {slack_error(exc)}") from exc
            raise

    async def alerts_refusal(self, conversation: Conversation) -> str | None:
        """Alerts only where the bot is a member, and never in a channel shared with another
        organisation (Slack Connect): its members would see every customer's tickets."""
        if conversation.conversation_id.startswith("D"):
            return None
        try:
            answer = await timed(
                "conversations.info",
                self.client.conversations_info(channel=conversation.conversation_id),
            )
        except SlackApiError as exc:
            if slack_error(exc) in {"channel_not_found", "not_in_channel"}:
                return NOT_A_MEMBER
            logger.warning("could not check a channel before alerts (%s)", slack_error(exc))
            return (
                "I could not check this channel with Slack, so I did not turn alerts on. "
                "Try again in a minute; if it keeps failing, ask your admin to reinstall the "
                "app (it needs the channels:read and groups:read scopes)."
            )
        channel = answer.get("channel") or {}
        if channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"):
            return SHARED_CHANNEL
        if channel.get("is_archived"):
            return "This channel is archived; alerts cannot be posted here."
        if not channel.get("is_member", False) and not channel.get("is_im"):
            return NOT_A_MEMBER
        return None

    async def is_external(self, channel_id: str) -> bool:
        """Whether a channel is shared with another organisation (Slack Connect); a channel
        Slack will not describe counts as one, so nothing is shared there by mistake."""
        if channel_id.startswith("D"):
            return False
        try:
            answer = await timed(
                "conversations.info", self.client.conversations_info(channel=channel_id)
            )
        except SlackApiError:
            return True
        channel = answer.get("channel") or {}
        return bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))

    async def tell_person(
        self, email: str, about: Conversation, text: str, *, user_id: str | None = None
    ) -> bool:
        """A direct message to the Slack user (``user_id``, else the one with ``email``) about
        a channel."""
        if not user_id:
            try:
                found = await timed(
                    "users.lookupByEmail", self.client.users_lookupByEmail(email=email)
                )
            except SlackApiError as exc:
                logger.info("no Slack user to tell (%s)", slack_error(exc))
                return False
            user_id = str((found.get("user") or {}).get("id") or "")
        if not user_id:
            return False
        body = f"About <#{about.conversation_id}>: {to_mrkdwn(text)}"
        await timed("chat.postMessage", self.client.chat_postMessage(channel=user_id, text=body))
        return True

    async def post_message(
        self,
        conversation: Conversation,
        message: SlackMessage,
        files: tuple[FileAttachment, ...] = (),
    ) -> MessageRef:
        response = await timed(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=conversation.conversation_id,
                thread_ts=conversation.thread_id,
                unfurl_links=False,
                unfurl_media=False,
                **message.payload(),
            ),
        )
        ref = MessageRef(conversation=conversation, message_id=str(response["ts"]))
        await self.upload(conversation, files)
        return ref

    async def update(self, message: MessageRef, reply: Reply) -> None:
        if message.message_id.startswith(HOOK_PREFIX):
            logger.warning("an ephemeral Slack message can only be updated from a click on it")
            return
        await self.update_message(message, render_reply(reply))

    async def update_message(self, message: MessageRef, rendered: SlackMessage) -> None:
        await timed(
            "chat.update",
            self.client.chat_update(
                channel=message.conversation.conversation_id,
                ts=message.message_id,
                **rendered.payload(),
            ),
        )

    async def typing(self, conversation: Conversation) -> None:
        return None  # Slack has no typing indicator for bots; turns show a placeholder instead

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        await timed(
            "chat.postEphemeral",
            self.client.chat_postEphemeral(
                channel=conversation.conversation_id,
                user=user_id,
                text=to_mrkdwn(text),
                thread_ts=conversation.thread_id,
            ),
        )

    async def upload(self, conversation: Conversation, files: tuple[FileAttachment, ...]) -> None:
        """Each export into the conversation (its thread); a download link when upload fails."""
        for attachment in files:
            try:
                await timed(
                    "files.uploadV2",
                    self.client.files_upload_v2(
                        channel=conversation.conversation_id,
                        thread_ts=conversation.thread_id,
                        file=attachment.path,
                        filename=attachment.name,
                        title=attachment.name,
                    ),
                )
            except (SlackApiError, SlackRequestError, OSError) as exc:
                logger.warning(
                    "upload of an export failed (%s); sending a link", type(exc).__name__
                )
                text = self.file_line(attachment)
                await timed(
                    "chat.postMessage",
                    self.client.chat_postMessage(
                        channel=conversation.conversation_id,
                        thread_ts=conversation.thread_id,
                        text=text,
                        unfurl_links=False,
                    ),
                )

    def file_line(self, attachment: FileAttachment) -> str:
        """A line of trusted mrkdwn that gets the user to an export without an upload."""
        rows = f" ({attachment.rows:,} rows)" if attachment.rows is not None else ""
        url: str | None = None
        if self.downloads is not None:
            try:
                url = self.downloads.link(attachment)
            except FileNotFoundError:
                url = None
            except NoPublicAddress:
                return (
                    f"The export {escape(attachment.name)}{rows} is ready, but I can't link to it "
                    "from here: this bot has no public address (ATBOT_SERVER__PUBLIC_URL). Ask me "
                    "in a direct message and I'll upload the file."
                )
        if url is None:
            return (
                f"The export {escape(attachment.name)}{rows} is ready, but I can't share it "
                "here; ask me in a direct message to get the file."
            )
        minutes = int(self.downloads.ttl_seconds // 60) if self.downloads else 0
        safe = url.replace("&", "&amp;").replace("|", "%7C")
        return (
            f"Download <{safe}|{escape(attachment.name)}>{rows}; "
            f"the link works for {minutes} minutes."
        )


class _Hook:
    """An interaction's response_url (a slash command's or a click's)."""

    def __init__(self, url: str, session: Any) -> None:
        self._client = AsyncWebhookClient(url, session=session, retry_handlers=retry_handlers())

    async def send(self, body: dict[str, Any]) -> None:
        response = await self._client.send_dict(body)
        logger.info("Slack response_url answered %s", response.status_code)
        if response.status_code != 200:
            raise SlackRequestError(f"response_url answered {response.status_code}")


class ThreadTurn:
    """One turn in a thread or DM: a placeholder at once, then the answer in its place."""

    def __init__(self, surface: SlackSurface) -> None:
        self.surface = surface
        self.placeholder: MessageRef | None = None

    async def typing(self, conversation: Conversation) -> None:
        if self.placeholder is None:
            message = SlackMessage(
                blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": PLACEHOLDER}]}],
                text=PLACEHOLDER,
            )
            self.placeholder = await self.surface.post_message(conversation, message)

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        held, self.placeholder = self.placeholder, None
        if held is None or held.conversation != conversation:
            return await self.surface.post(conversation, reply)
        await self.surface.update_message(held, render_reply(reply))
        await self.surface.upload(conversation, reply.files)
        return held

    async def update(self, message: MessageRef, reply: Reply) -> None:
        await self.surface.update(message, reply)

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        await self.surface.whisper(conversation, user_id, text)

    async def fail(self, conversation: Conversation, text: str) -> None:
        """Say that the turn failed, in place of the placeholder when there is one."""
        await self.post(conversation, Reply(text=text))


class PrivateTurn:
    """An answer only the asker sees (chat.postEphemeral), in a channel shared with another
    organisation (Slack Connect), whose members must not read the MSP's records."""

    def __init__(self, surface: SlackSurface, user_id: str) -> None:
        self.surface = surface
        self.user_id = user_id

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        links = [self.surface.file_line(f) for f in reply.files]  # an upload would be public
        message = render_reply(reply, postscript="\n".join(links) or None)
        await timed(
            "chat.postEphemeral",
            self.surface.client.chat_postEphemeral(
                channel=conversation.conversation_id,
                user=self.user_id,
                thread_ts=conversation.thread_id,
                **message.payload(),
            ),
        )
        return MessageRef(conversation=conversation, message_id=HOOK_PREFIX + secrets.token_hex(8))

    async def update(self, message: MessageRef, reply: Reply) -> None:
        await self.surface.update(message, reply)

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        await self.surface.whisper(conversation, user_id, text)

    async def fail(self, conversation: Conversation, text: str) -> None:
        await self.surface.whisper(conversation, self.user_id, text)


class CommandTurn:
    """A slash command's answer: ephemeral through the response_url, or posted when shared."""

    def __init__(
        self,
        surface: SlackSurface,
        *,
        response_url: str | None,
        session: Any,
        public: bool,
        preamble: str | None = None,
    ) -> None:
        self.surface = surface
        self.hook = _Hook(response_url, session) if response_url else None
        self.public = public
        self.preamble = preamble

    async def typing(self, conversation: Conversation) -> None:
        return None  # the acknowledgement already said "Looking that up…"

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        if self.public:
            try:
                message = render_reply(reply, preamble=self.preamble)
                return await self.surface.post_message(conversation, message, reply.files)
            except SlackApiError as exc:
                if self.hook is None or slack_error(exc) not in {
                    "not_in_channel",
                    "channel_not_found",
                }:
                    raise
        if self.hook is None:
            return await self.surface.post(conversation, reply)
        links = [self.surface.file_line(f) for f in reply.files]
        message = render_reply(reply, preamble=self.preamble, postscript="\n".join(links) or None)
        kind = "in_channel" if self.public else "ephemeral"
        await self.hook.send(
            {"response_type": kind, "replace_original": False, **message.payload()}
        )
        return MessageRef(conversation=conversation, message_id=HOOK_PREFIX + secrets.token_hex(8))

    async def update(self, message: MessageRef, reply: Reply) -> None:
        await self.surface.update(message, reply)

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        if self.hook is None:
            await self.surface.whisper(conversation, user_id, text)
            return
        await self.hook.send({"response_type": "ephemeral", "text": to_mrkdwn(text)})


class ClickTurn:
    """The surface of one click: the clicked card is updated in place (chat.update, or the
    click's response_url for an ephemeral card); refusals are ephemeral."""

    def __init__(self, surface: SlackSurface, *, response_url: str | None, session: Any) -> None:
        self.surface = surface
        self.hook = _Hook(response_url, session) if response_url else None

    async def post(self, conversation: Conversation, reply: Reply) -> MessageRef:
        return await self.surface.post(conversation, reply)

    async def update(self, message: MessageRef, reply: Reply) -> None:
        if message.message_id.startswith(HOOK_PREFIX) and self.hook is not None:
            body = {"replace_original": True, **render_reply(reply).payload()}
            await self.hook.send(body)
            return
        await self.surface.update(message, reply)

    async def typing(self, conversation: Conversation) -> None:
        return None

    async def whisper(self, conversation: Conversation, user_id: str, text: str) -> None:
        try:
            await self.surface.whisper(conversation, user_id, text)
        except SlackApiError:
            if self.hook is None:
                raise
            body = {
                "response_type": "ephemeral",
                "replace_original": False,
                "text": to_mrkdwn(text),
            }
            await self.hook.send(body)
