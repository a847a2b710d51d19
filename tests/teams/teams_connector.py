"""A fake Bot Connector: the service a Teams bot posts its replies to (the activity's serviceUrl).

It answers the routes botbuilder calls — send, reply, update, members, create conversation — on
an ephemeral loopback port, checks every activity it receives against the Bot Connector's own
Swagger ``Activity`` schema (and a new conversation's parameters against
``ConversationParameters``), and records what it got so tests can assert on it.

Creating a conversation answers as Teams does: a one-to-one with a user who has the app
installed (``installed_for``) is their personal chat with the bot, the same id every time; with
anyone else it is 403 ``BotNotInConversationRoster``; without a tenant it is 400.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from contracts import BOT_CONNECTOR, available, load_json
from jsonschema import Draft4Validator

from adapters.web import running_app

# Teams answers GET on a single member (botbuilder's TeamsInfo.get_member uses it); the
# Swagger file predates it and lists only DELETE there. The team's channel list is Teams' own
# route (TeamsInfo.get_team_channels), outside the Bot Connector's Swagger.
EXTRA_ROUTES = {
    ("GET", "/v3/conversations/{conversationId}/members/{memberId}"),
    ("GET", "/v3/teams/{teamId}/conversations"),
}
HOME_TENANT = "72f988bf-0000-0000-0000-000000000001"  # the tenant of the team and its members
WAIT_SECONDS = 30.0  # a safety net so a broken test fails instead of hanging; not a timing check


@dataclass
class Received:
    method: str
    route: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    new_id: str | None = None

    @property
    def kind(self) -> str:
        return {"POST": "send" if self.activity_id is None else "reply", "PUT": "update"}.get(
            self.method, self.method.lower()
        )

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


class FakeConnector:
    """Without the Bot Connector's Swagger (a contract file, see tests/contracts.py) the fake
    still answers, but checks neither routes nor activities against it."""

    def __init__(self) -> None:
        self.routes: set[tuple[str, str]] | None = None
        self._activity: Draft4Validator | None = None
        self._parameters: Draft4Validator | None = None
        if available(BOT_CONNECTOR) is not None:
            swagger = load_json(BOT_CONNECTOR)
            self.routes = {
                (method.upper(), path)
                for path, operations in swagger["paths"].items()
                for method in operations
            } | EXTRA_ROUTES
            self._activity = Draft4Validator(
                {"$ref": "#/definitions/Activity", "definitions": swagger["definitions"]}
            )
            self._parameters = Draft4Validator(
                {
                    "$ref": "#/definitions/ConversationParameters",
                    "definitions": swagger["definitions"],
                }
            )
        self.members: dict[str, dict[str, Any]] = {}
        self.teams: dict[str, list[dict[str, Any]]] = {}  # team id → its channels, as listed
        self.installed_for: set[str] = set()  # users with the app in their personal scope
        self.created: list[dict[str, Any]] = []  # the parameters of each conversation created
        self.received: list[Received] = []
        self.requests: list[tuple[str, str]] = []  # (method, route template)
        self.paths: list[str] = []
        self.invalid: list[str] = []
        self.authorizations: list[str | None] = []  # the Authorization header of each send
        # answers to give the next sends/updates instead of accepting them: (status, error code)
        self.faults: list[tuple[int, str | None]] = []
        self.refused: list[tuple[str, int]] = []  # (method, status) of each refused call
        self.retry_after = "1"
        self._ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self.url = ""
        self._stack: Any = None

    def add_member(
        self,
        user_id: str,
        *,
        name: str,
        email: str | None,
        upn: str | None = None,
        tenant: str = HOME_TENANT,
    ) -> None:
        member: dict[str, Any] = {
            "id": user_id,
            "name": name,
            "aadObjectId": f"aad-{user_id}",
            "tenantId": tenant,
        }
        if email:
            member["email"] = email
        member["userPrincipalName"] = upn or email or f"{name}@example.invalid"
        self.members[user_id] = member

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_get("/v3/teams/{teamId}/conversations", self._channels)
        base = "/v3/conversations/{conversationId}"
        app.router.add_post(base + "/activities", self._send)
        app.router.add_post(base + "/activities/{activityId}", self._send)
        app.router.add_put(base + "/activities/{activityId}", self._send)
        app.router.add_get(base + "/members/{memberId}", self._member)
        app.router.add_get(base + "/members", self._members)
        return app

    async def __aenter__(self) -> FakeConnector:
        self._stack = running_app(self.app(), "127.0.0.1", 0)
        self.url = await self._stack.__aenter__() + "/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.__aexit__(*exc)

    def _route(self, request: web.Request) -> str:
        info = request.match_info.route.resource
        template = info.canonical if info is not None else request.path
        self.requests.append((request.method, template))
        self.paths.append(f"{request.method} {request.path}")
        return template

    async def _send(self, request: web.Request) -> web.Response:
        route = self._route(request)
        self.authorizations.append(request.headers.get("Authorization"))
        body = await request.json()
        if self.faults:
            return self._fault(request.method, *self.faults.pop(0))
        if self._activity is not None:
            self.invalid += [e.message for e in self._activity.iter_errors(body)]
        new_id = request.match_info.get("activityId") if request.method == "PUT" else None
        new_id = new_id or str(next(self._ids))
        received = Received(
            method=request.method,
            route=route,
            conversation_id=request.match_info["conversationId"],
            activity_id=request.match_info.get("activityId"),
            body=body,
            new_id=new_id,
        )
        async with self._changed:
            self.received.append(received)
            self._changed.notify_all()
        return web.json_response({"id": new_id}, status=200 if request.method == "PUT" else 201)

    def _fault(self, method: str, status: int, code: str | None) -> web.Response:
        """What the Bot Connector answers when it throttles or the bot is gone."""
        self.refused.append((method, status))
        codes = {
            429: "TooManyRequests",
            412: "PreconditionFailed",
            502: "BadGateway",
            503: "ServiceUnavailable",
            504: "GatewayTimeout",
            403: "Forbidden",
        }
        error = {"error": {"code": code or codes.get(status, "Error"), "message": "refused"}}
        headers = {"Retry-After": self.retry_after} if status == 429 else {}
        return web.json_response(error, status=status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        """``POST /v3/conversations``: Teams opens (or finds) a personal chat with one user."""
        self._route(request)
        body = await request.json()
        if self.faults:
            return self._fault(request.method, *self.faults.pop(0))
        if self._parameters is not None:
            self.invalid += [e.message for e in self._parameters.iter_errors(body)]
        self.created.append(body)
        members = body.get("members") or []
        if not _tenant(body):
            return _error(400, "BadArgument", "A tenant id is required to create a conversation.")
        if body.get("isGroup") or len(members) != 1:
            return _error(400, "BadArgument", "Incorrect conversation creation parameters")
        user_id = members[0].get("id")
        if user_id not in self.installed_for:
            self.refused.append((request.method, 403))
            return _error(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        return web.json_response({"id": personal_chat_id(user_id)}, status=201)

    async def _channels(self, request: web.Request) -> web.Response:
        """The team's channels with their type (``standard``, ``private``, ``shared``)."""
        self._route(request)
        channels = self.teams.get(request.match_info["teamId"])
        if channels is None:
            return _error(404, "NotFound", "Team not found.")
        return web.json_response({"conversations": channels})

    async def _member(self, request: web.Request) -> web.Response:
        self._route(request)
        member = self.members.get(request.match_info["memberId"])
        if member is None:
            error = {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}}
            return web.json_response(error, status=404)
        return web.json_response(member)

    async def _members(self, request: web.Request) -> web.Response:
        self._route(request)
        return web.json_response(list(self.members.values()))

    async def wait_for(self, count: int, *, kind: str | None = None) -> list[Received]:
        """The first ``count`` received activities (of ``kind``), once that many have arrived."""

        def matching() -> list[Received]:
            return [r for r in self.received if kind is None or r.kind == kind]

        async with asyncio.timeout(WAIT_SECONDS), self._changed:
            await self._changed.wait_for(lambda: len(matching()) >= count)
        return matching()[:count]

    def messages(self) -> list[Received]:
        return [r for r in self.received if r.body.get("type") == "message" and r.kind != "update"]

    def updates(self) -> list[Received]:
        return [r for r in self.received if r.kind == "update"]

    def undeclared_requests(self) -> list[tuple[str, str]]:
        routes = self.routes
        return [] if routes is None else [r for r in self.requests if r not in routes]


def personal_chat_id(user_id: str) -> str:
    """The id Teams gives the personal chat of the bot and ``user_id`` (the same every time)."""
    return "a:1" + "".join(ch for ch in user_id if ch.isalnum())


def _tenant(body: dict[str, Any]) -> str | None:
    """The tenant of a new conversation: Teams reads ``channelData.tenant.id``, and the
    top-level tenant id whatever its case (botbuilder writes ``tenantID``)."""
    tenant = ((body.get("channelData") or {}).get("tenant") or {}).get("id")
    for key, value in body.items():
        if key.lower() == "tenantid" and value:
            tenant = tenant or value
    return tenant if isinstance(tenant, str) and tenant else None


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
