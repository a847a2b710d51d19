"""The bolt app: events, the slash command and button clicks, acknowledged at once and answered
in the background; Slack's retries of an event are answered once."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import Click, Conversation, IncomingMessage, MessageRef

from ..downloads import Downloads
from ..runtime import Runtime
from ._edit import EditListeners
from ._home import HomeListeners
from ._payloads import (
    PLATFORM,
    ActionPayload,
    CommandPayload,
    MessageEvent,
    body_where,
    conversation_of,
    parse_action_id,
)
from ._retries import retry_handlers
from ._shortcuts import ShortcutListeners
from ._surface import (
    HOOK_PREFIX,
    PLACEHOLDER,
    ClickTurn,
    CommandTurn,
    PrivateTurn,
    SlackSurface,
    ThreadTurn,
    timed,
)
from ._text import escape, mentioned_users, strip_mentions, unformat
from ._unfurls import UnfurlListeners
from ._users import UserDirectory
from ._work import Background

__all__ = ["COMMAND", "PUBLIC_WORDS", "EventOnce", "SlackBot"]

logger = logging.getLogger(__name__)

COMMAND = "/autotask"
PUBLIC_WORDS = frozenset({"public", "share", "shared", "everyone"})
Tell = Callable[[str], Awaitable[None]]
_CLICKS = re.compile(r"^(approve|cancel|assign_to_me):")


class EventOnce(AsyncMiddleware):
    """Answers each Events API event once: a delivery of an event_id already seen — by this
    replica, another one, or before a restart (``first_time`` asks the database) — is
    acknowledged and dropped. Slack's retry headers do not decide: a retry whose first delivery
    never arrived (lost, or sent to a replica that died) is the first one seen, and is answered."""

    def __init__(
        self,
        first_time: Callable[[str], Awaitable[bool]],
        *,
        on_duplicate: Callable[[], None] = lambda: None,
    ) -> None:
        self._first_time = first_time
        self._on_duplicate = on_duplicate

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") != "event_callback" or not body.get("event_id"):
            return await next()
        retry = req.headers.get("x-slack-retry-num", [None])[0]
        reason = req.headers.get("x-slack-retry-reason", [None])[0]
        if await self._first_time(f"{body.get('team_id')}:{body['event_id']}"):
            return await next()
        self._on_duplicate()
        logger.info("Slack redelivered an event (retry %s, %s); answered once", retry, reason)
        return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})


class SlackBot:
    """Slack events, the slash command and clicks → the engine, with a SlackSurface to answer."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        downloads: Downloads | None = None,
        client: AsyncWebClient | None = None,
    ) -> None:
        slack = runtime.settings.slack
        if slack.bot_token is None:
            raise ValueError("Slack needs a bot token: set ATBOT_SLACK__BOT_TOKEN (xoxb-…)")
        if slack.mode == "http" and slack.signing_secret is None:
            raise ValueError(
                "Slack's HTTP mode needs ATBOT_SLACK__SIGNING_SECRET to verify requests"
            )
        token = slack.bot_token.get_secret_value()
        self.runtime = runtime
        self.client = client or AsyncWebClient(
            token=token, base_url=slack.api_url, retry_handlers=retry_handlers()
        )
        self.surface = SlackSurface(self.client, downloads=downloads)
        self.users = UserDirectory(self.client)
        self.work = Background()
        self._token = token
        self._identity: AuthorizeResult | None = None
        self._identity_lock = asyncio.Lock()

        async def authorize() -> AuthorizeResult:  # bolt passes no "self" to an authorize
            return await self.identity()

        self.app = AsyncApp(
            # the token comes from authorize
            client=AsyncWebClient(base_url=slack.api_url, retry_handlers=retry_handlers()),
            authorize=authorize,
            signing_secret=slack.signing_secret.get_secret_value() if slack.signing_secret else "",
            logger=logging.getLogger("adapters.slack.bolt"),
        )
        self.app.use(
            EventOnce(
                partial(runtime.first_delivery, PLATFORM),
                on_duplicate=lambda: self._count("slack_events_redelivered"),
            )
        )
        self.app.error(self.on_error)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.command(COMMAND)(self._on_command)
        self.app.action(_CLICKS)(self._on_click)
        self.app.action("link")(self._on_link)
        EditListeners(self).register(self.app)
        ShortcutListeners(self).register(self.app)
        HomeListeners(self).register(self.app)
        UnfurlListeners(self).register(self.app)

    async def identity(self) -> AuthorizeResult:
        """The bot's own identity (auth.test), asked once and kept; ``start`` asks it early so
        that a burst of first events does not wait on it."""
        if self._identity is not None:
            return self._identity
        async with self._identity_lock:
            if self._identity is None:
                answer = await timed("auth.test", self.client.auth_test())
                self._identity = AuthorizeResult.from_auth_test_response(
                    auth_test_response=answer, bot_token=self._token
                )
            return self._identity

    def _count(self, name: str) -> None:
        self.runtime.engine.metrics.count(name)

    # -- listeners: acknowledge, start the work, return ------------------------------------------

    async def _on_mention(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        external = body.get("is_ext_shared_channel") is True  # Slack Connect
        self.work.spawn(
            self._event(event, context.bot_user_id, external=external), name="slack-mention"
        )

    async def _on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("channel_type") == "im":  # channel messages come as app_mention instead
            self.work.spawn(self._event(event, context.bot_user_id), name="slack-dm")

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        self.work.spawn(self._command(command), name="slack-command")
        await ack(text=PLACEHOLDER)

    async def _on_click(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        self.work.spawn(self._click(body), name="slack-click")
        await ack()

    async def _on_link(self, ack: AsyncAck) -> None:
        await ack()  # a link button opens its URL in the browser; nothing to do here

    # -- the work ---------------------------------------------------------------------------------

    async def _event(
        self, raw: dict[str, Any], bot_user_id: str | None, *, external: bool = False
    ) -> None:
        tell: Tell | None = None
        try:
            event = MessageEvent.model_validate(raw)
            if not event.from_a_person or event.user is None:
                return
            conversation = conversation_of(
                event.channel, event.ts, event.thread_ts, direct=event.direct
            )
            private = external and not event.direct
            turn = PrivateTurn(self.surface, event.user) if private else ThreadTurn(self.surface)
            tell = partial(turn.fail, conversation)
            await turn.typing(conversation)
            person = await self.users.person(event.user)
            text = strip_mentions(event.text, bot_user_id)
            message = IncomingMessage(
                conversation=conversation,
                user_id=event.user,
                email=person.email,
                display_name=person.name,
                timezone=person.tz,
                text=unformat(text),
                message_id=event.ts,
                shared=not (event.direct or private),
                external=private,
                mentions=await self._mentions(text),
            )
            await self.runtime.engine.handle(message, turn)
        except Exception as exc:
            await self._failed("event", exc, tell)

    async def _command(self, raw: dict[str, Any]) -> None:
        tell: Tell | None = None
        try:
            payload = CommandPayload.model_validate(raw)
            first, _, rest = payload.text.strip().partition(" ")
            public = first.lower().strip(":,") in PUBLIC_WORDS
            if public and await self.surface.is_external(payload.channel_id):
                public = False  # Slack Connect: the answer stays with the one who asked
            text = unformat(rest if public else payload.text)
            conversation = Conversation(platform=PLATFORM, conversation_id=payload.channel_id)
            turn = CommandTurn(
                self.surface,
                response_url=payload.response_url,
                session=self.client.session,
                public=public,
                preamble=f"<@{payload.user_id}> asked: `{escape(text)}`" if public else None,
            )
            tell = partial(turn.whisper, conversation, payload.user_id)
            person = await self.users.person(payload.user_id)
            message = IncomingMessage(
                conversation=conversation,
                user_id=payload.user_id,
                email=person.email,
                display_name=person.name,
                timezone=person.tz,
                text=text,
                shared=public,
                mentions=await self._mentions(payload.text),
            )
            await self.runtime.engine.handle(message, turn, command_mode=True)
        except Exception as exc:
            await self._failed("command", exc, tell)

    async def _mentions(self, text: str) -> dict[str, str]:
        """People mentioned in a message (``<@U…>``) → their e-mail (users.info, cached), so
        "assign T… to @Priya" names Priya's Autotask resource."""
        found: dict[str, str] = {}
        for shown, user_id in mentioned_users(text):
            email = (await self.users.person(user_id)).email
            if email:
                found[shown] = email
        return found

    async def _click(self, raw: dict[str, Any]) -> None:
        tell: Tell | None = None
        try:
            payload = ActionPayload.model_validate(raw)
            channel = payload.channel_id
            if channel is None:
                return
            conversation = conversation_of(
                channel, payload.message_ts, payload.thread_ts, direct=channel.startswith("D")
            )
            turn = ClickTurn(
                self.surface, response_url=payload.response_url, session=self.client.session
            )
            tell = partial(turn.whisper, conversation, payload.user.id)
            person = await self.users.person(payload.user.id)
            for action, plan_id in self._buttons(payload):
                click = Click(
                    conversation=conversation,
                    user_id=payload.user.id,
                    email=person.email,
                    display_name=person.name,
                    timezone=person.tz,
                    action=action,
                    plan_id=plan_id,
                    message=self._clicked(payload, conversation),
                )
                await self.runtime.engine.click(click, turn)
        except Exception as exc:
            await self._failed("click", exc, tell)

    @staticmethod
    def _buttons(payload: ActionPayload) -> list[tuple[str, str]]:
        parsed = (parse_action_id(a.action_id, a.value) for a in payload.actions)
        return [p for p in parsed if p is not None]

    @staticmethod
    def _clicked(payload: ActionPayload, conversation: Conversation) -> MessageRef | None:
        if payload.container.is_ephemeral:
            return MessageRef(conversation=conversation, message_id=HOOK_PREFIX + "clicked")
        if payload.message_ts is None:
            return None
        return MessageRef(conversation=conversation, message_id=payload.message_ts)

    # -- one way to fail --------------------------------------------------------------------------

    async def _failed(
        self,
        where: str,
        exc: BaseException,
        tell: Tell | None,
    ) -> None:
        """Log with a reference, tell the user the reference (never the exception's text)."""
        reference = secrets.token_hex(4)
        logger.error("Slack %s failed (reference %s)", where, reference, exc_info=exc)
        self._count("slack_failures")
        text = (
            f"Sorry, something went wrong on my side (reference {reference}). "
            "Please try again; if it keeps happening, give your admin this reference."
        )
        if tell is None:
            return
        try:
            await tell(text)
        except Exception:
            logger.warning("could not tell the user about reference %s", reference, exc_info=True)

    async def on_error(
        self, error: Exception, body: dict[str, Any], context: AsyncBoltContext | None
    ) -> None:
        """bolt's error handler: whatever failed before the work started. The user named in the
        body is told only when bolt got as far as authorizing it, i.e. the request was verified
        (Socket Mode envelopes come over the app's own authenticated connection)."""
        verified = context is not None and context.get("authorize_result") is not None
        channel, user = body_where(body) if verified else (None, None)

        async def tell(text: str) -> None:
            if channel and user:
                conversation = Conversation(platform=PLATFORM, conversation_id=channel)
                await self.surface.whisper(conversation, user, text)

        await self._failed("request", error, tell)
