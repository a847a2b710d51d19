"""The web chat's routes: the page, its static files, a small JSON API and a live event stream.

GET  /                          the page (plain HTML, CSS and JavaScript; no build step)
GET  /webchat/static/{name}     its files
GET  /webchat/api/technicians   who one may chat as (the tenant's active resources)
POST /webchat/api/session       {email} → a session token and the conversations to show
GET  /webchat/api/history       ?conversation=… → the messages shown so far
POST /webchat/api/messages      {conversation, text} → 202; the answer arrives on the stream
POST /webchat/api/click         {conversation, message_id, action, plan_id} → 202
POST /webchat/api/edit/form     the form of a pending change's Edit button (see _edits.py)
POST /webchat/api/edit          that form submitted → a new preview
GET  /webchat/api/events        ?token=… → Server-Sent Events: message, update, notice, typing

The API answers this machine only (loopback clients, a loopback Host header, same-origin POSTs):
the web chat has no login, so it must never be reachable from the network.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autotask import AutotaskError
from bot.identity import IdentityError
from bot.messages import Click, Conversation, FileAttachment, IncomingMessage, MessageRef

from ..downloads import Downloads
from ..runtime import Runtime
from ._edits import EditRoutes
from ._guard import check_request
from ._sessions import Session, Sessions, technicians
from ._static import StaticFiles
from ._surface import PLATFORM, WebChatSurface

__all__ = ["WebChatPart"]

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Body = TypeVar("Body", bound=BaseModel)
KEEPALIVE_SECONDS = 15.0
COMMAND_PREFIX = "/autotask"
SUGGESTED = "sarah.mitchell@bluewave-it.example"  # the sandbox technician the README walks with


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SessionRequest(_Request):
    email: str = Field(min_length=3, max_length=320)


class MessageRequest(_Request):
    conversation: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=20_000)
    timezone: str | None = Field(default=None, max_length=64)  # the browser's IANA zone


class ClickRequest(_Request):
    conversation: str = Field(min_length=1, max_length=64)
    message_id: str = Field(min_length=1, max_length=64)
    action: Literal["approve", "cancel", "assign_to_me"]
    plan_id: str = Field(min_length=1, max_length=64)
    timezone: str | None = Field(default=None, max_length=64)  # the browser's IANA zone


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _guarded(handler: Handler) -> Handler:
    """Refuse requests from elsewhere; turn any fault into an answer with a reference."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        refusal = check_request(request)
        if refusal is not None:
            return _problem(403, refusal)
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            reference = secrets.token_hex(4)
            logger.exception(
                "web chat: %s %s failed (reference %s)", request.method, request.path, reference
            )
            return _problem(500, f"Something went wrong on our side (reference {reference}).")

    return wrapper


class WebChatPart:
    """The local web chat: one page, the same engine, the same ChatSurface port."""

    name = "webchat"

    def __init__(self, runtime: Runtime, *, downloads: Downloads) -> None:
        self.runtime = runtime
        self.downloads = downloads
        self.surface = WebChatSurface(file_link=self._file_link)
        self.sessions = Sessions()
        self.static = StaticFiles()
        self._tasks: set[asyncio.Task[None]] = set()
        runtime.surfaces[PLATFORM] = self.surface

    def install(self, app: web.Application) -> None:
        routes = [
            ("GET", "/", self._page),
            ("GET", "/webchat/static/{name}", self._static),
            ("GET", "/webchat/api/technicians", self._technicians),
            ("POST", "/webchat/api/session", self._session),
            ("GET", "/webchat/api/history", self._history),
            ("POST", "/webchat/api/messages", self._message),
            ("POST", "/webchat/api/click", self._click),
            ("GET", "/webchat/api/events", self._events),
            *EditRoutes(self).routes(),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, _guarded(handler))
        app.on_shutdown.append(self._on_shutdown)

    async def start(self) -> None:
        host = self.runtime.settings.server.host
        if host not in {"127.0.0.1", "localhost", "::1"}:
            logger.warning(
                "the web chat answers only this machine (loopback); the server binds %s", host
            )

    async def stop(self) -> None:
        self.surface.close_listeners()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=5.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _on_shutdown(self, _: web.Application) -> None:
        self.surface.close_listeners()  # open streams would otherwise hold the shutdown

    # -- helpers -------------------------------------------------------------------------

    def _file_link(self, attachment: FileAttachment) -> str | None:
        try:
            return self.downloads.link(attachment, remote=False)  # the reader is local
        except FileNotFoundError:
            return None

    def _mode(self) -> str:
        return "model" if self.runtime.engine.planner is not None else "command"

    def _session_of(self, request: web.Request) -> Session:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        session = self.sessions.get(token or request.query.get("token"))
        if session is None:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "Pick a technician to start chatting."}),
                content_type="application/json",
            )
        return session

    @staticmethod
    async def _body(request: web.Request, model: type[Body]) -> Body:
        try:
            return model.model_validate(await request.json())
        except (ValueError, ValidationError) as exc:
            fields = (
                ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
                if isinstance(exc, ValidationError)
                else "the body"
            )
            raise web.HTTPBadRequest(
                text=json.dumps({"error": f"The request is not valid ({fields})."}),
                content_type="application/json",
            ) from exc

    def _conversation(self, session: Session, conversation_id: str) -> Conversation:
        if conversation_id not in session.conversations:
            raise web.HTTPForbidden(
                text=json.dumps({"error": "That conversation is not yours."}),
                content_type="application/json",
            )
        return Conversation(platform=PLATFORM, conversation_id=conversation_id)

    def _spawn(
        self, work: Coroutine[Any, Any, None], conversation: Conversation, user: str
    ) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                reference = secrets.token_hex(4)
                logger.exception("web chat: a turn failed (reference %s)", reference)
                text = f"Sorry, that went wrong on my side (reference {reference})."
                await self.surface.whisper(conversation, user, text)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- routes --------------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return self.static.response("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return self.static.response(request.match_info["name"])

    async def _technicians(self, request: web.Request) -> web.StreamResponse:
        try:
            people = await technicians(self.runtime.tenant)
        except AutotaskError as exc:
            return _problem(503, f"Autotask is not answering: {exc}")
        suggested = next((p["email"] for p in people if p["email"].lower() == SUGGESTED), None)
        return web.json_response({"technicians": people, "suggested": suggested})

    async def _session(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, SessionRequest)
        people = await technicians(self.runtime.tenant)
        person = next((p for p in people if p["email"].lower() == body.email.lower()), None)
        if person is None:
            return _problem(
                404, "That is not one of the technicians listed; pick one from the list."
            )
        try:
            actor = await self.runtime.engine.identity.resolve(
                PLATFORM, str(person["email"]).lower(), str(person["email"])
            )
        except IdentityError as exc:
            return _problem(403, str(exc))
        session = self.sessions.open(
            email=actor.email or str(person["email"]),
            name=actor.name,
            resource_id=actor.resource_id,
        )
        logger.info("web chat: session opened for resource %s", actor.resource_id)
        return web.json_response(session.describe(mode=self._mode()))

    async def _history(self, request: web.Request) -> web.StreamResponse:
        session = self._session_of(request)
        conversation = self._conversation(session, request.query.get("conversation", ""))
        return web.json_response({"messages": self.surface.history(conversation.conversation_id)})

    async def _message(self, request: web.Request) -> web.StreamResponse:
        session = self._session_of(request)
        body = await self._body(request, MessageRequest)
        conversation = self._conversation(session, body.conversation)
        if not body.text:
            return _problem(400, "Type a message first.")
        entry = self.surface.add_user_message(body.conversation, name=session.name, text=body.text)
        command_mode = body.text.lower().startswith(COMMAND_PREFIX)
        text = body.text[len(COMMAND_PREFIX) :].strip() if command_mode else body.text
        message = IncomingMessage(
            conversation=conversation,
            user_id=session.user_id,
            email=session.email,
            display_name=session.name,
            timezone=body.timezone,
            text=text,
            message_id=entry["id"],
        )
        work = self.runtime.engine.handle(message, self.surface, command_mode=command_mode)
        self._spawn(_discard(work), conversation, session.user_id)
        return web.json_response({"id": entry["id"]}, status=202)

    async def _click(self, request: web.Request) -> web.StreamResponse:
        session = self._session_of(request)
        body = await self._body(request, ClickRequest)
        conversation = self._conversation(session, body.conversation)
        click = Click(
            conversation=conversation,
            user_id=session.user_id,
            email=session.email,
            display_name=session.name,
            timezone=body.timezone,
            action=body.action,
            plan_id=body.plan_id,
            message=MessageRef(conversation=conversation, message_id=body.message_id),
        )
        self._spawn(self.runtime.engine.click(click, self.surface), conversation, session.user_id)
        return web.json_response({"accepted": True}, status=202)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        session = self._session_of(request)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        with self.surface.listen(session.user_id, session.conversations) as listener:
            try:
                await response.write(b'retry: 2000\ndata: {"type": "ready"}\n\n')
                while not (listener.closed and listener.queue.empty()):
                    try:
                        event = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        await response.write(b": keep-alive\n\n")
                        continue
                    if event is None:
                        break
                    await response.write(f"data: {json.dumps(event)}\n\n".encode())
            except ConnectionResetError:
                logger.debug("web chat: a browser went away")
        return response


async def _discard(work: Awaitable[object]) -> None:
    await work
