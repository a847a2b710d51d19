"""A fake Slack Web API on an ephemeral loopback port: records every call and answers like Slack.

Covers what the bot uses: auth.test, users.info, chat.postMessage / update / postEphemeral,
views.open, views.publish, chat.getPermalink, chat.unfurl, the
files_upload_v2 trio (getUploadURLExternal, the upload URL, completeUploadExternal),
response_url hooks, and Socket Mode (apps.connections.open plus a WebSocket).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER = "UBOT"
TEAM = "T0001"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None


@dataclass
class Hook:
    name: str
    body: dict[str, Any]


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # method → Slack error code
    # method → HTTP answers to give before answering normally: 429 (with Retry-After), 5xx
    faults: dict[str, list[int]] = field(default_factory=dict)
    # conversations.info answers by channel id (default: a channel of the workspace, bot a member)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    retry_after: int = 1
    calls: list[Call] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_ready = asyncio.Event()
        self._changed = asyncio.Condition()
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def hook_url(self, name: str) -> str:
        return f"{self.url}/hooks/{name}"

    # -- what tests read ---------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def _until(self, ready: Callable[[], bool], within: float) -> None:
        """Wait (up to ``within`` seconds: a deadline, not a timing assertion) until ready."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(ready)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, method: str, count: int = 1, *, within: float = 10.0) -> list[Call]:
        await self._until(lambda: len(self.called(method)) >= count, within)
        return self.called(method)

    async def wait_for_hooks(self, count: int = 1, *, within: float = 10.0) -> list[Hook]:
        await self._until(lambda: len(self.hooks) >= count, within)
        return self.hooks

    async def wait_for_ack(self, envelope_id: str, *, within: float = 10.0) -> dict[str, Any]:
        def acked() -> bool:
            return any(ack.get("envelope_id") == envelope_id for ack in self.socket_acks)

        await self._until(acked, within)
        return next(ack for ack in self.socket_acks if ack.get("envelope_id") == envelope_id)

    # -- the Web API -------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        for key in ("blocks", "files", "view", "unfurls"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        header = request.headers.get("Authorization", "")
        token = (
            header.removeprefix("Bearer ") if header.startswith("Bearer ") else args.get("token")
        )
        self.calls.append(Call(method, args, token))
        queued = self.faults.get(method)
        if queued:
            await self._notify()
            return self._fault(queued.pop(0))
        body = self._answer(method, args, token)
        await self._notify()
        return web.json_response(body)

    def _fault(self, status: int) -> web.Response:
        """What the Web API answers when it throttles (documented: HTTP 429, ``Retry-After`` in
        seconds, error ``ratelimited``) or fails on its side."""
        if status == 429:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        return web.Response(
            status=status,
            text="<html><body>Service Unavailable</body></html>",
            content_type="text/html",
        )

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return {"ok": False, "error": "invalid_auth"}
        if method in self.failures:
            return {"ok": False, "error": self.failures[method]}
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return {"ok": False, "error": "unknown_method"}
        result: dict[str, Any] = answer(args)
        return result if "ok" in result else {"ok": True, **result}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://bluewave.slack.example/",
            "team": "Bluewave",
            "user": "atbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "BBOT",
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args["user"], {"name": "someone", "profile": {}})
        return {"user": {"id": args["user"], **user}}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        for user_id, user in self.users.items():
            if user.get("profile", {}).get("email") == args["email"]:
                return {"user": {"id": user_id, **user}}
        return {"ok": False, "error": "users_not_found"}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = {
            "id": args["channel"],
            "name": "ops",
            "is_channel": True,
            "is_member": True,
            "is_archived": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            **self.channels.get(args["channel"], {}),
        }
        if channel.get("missing"):
            return {"ok": False, "error": "channel_not_found"}
        return {"channel": channel}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        gone = self.channels.get(args["channel"], {})
        if gone.get("missing") or gone.get("is_member") is False:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        self.messages[(args["channel"], ts)] = args
        return {
            "channel": args["channel"],
            "ts": ts,
            "message": {"ts": ts, "text": args.get("text")},
        }

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args["channel"], args["ts"])
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key] = {**self.messages[key], **args}
        return {"channel": args["channel"], "ts": args["ts"], "text": args.get("text")}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args["message_ts"]).replace(".", "")
        return {"channel": args["channel"],
                "permalink": f"https://bluewave.slack.example/archives/{args['channel']}/p{ts}"}  # fmt: skip

    def _chat_unfurl(self, args: dict[str, Any]) -> dict[str, Any]:
        if not (args.get("unfurl_id") or (args.get("channel") and args.get("ts"))):
            return {"ok": False, "error": "cannot_unfurl_message"}
        return {}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ts):06d}", **args["view"]}}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"view": {"id": f"V{next(self._ts):06d}", **args["view"]}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._files):04d}"
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = [
            {"id": f["id"], "title": f.get("title"), "name": f.get("title")} for f in args["files"]
        ]
        return {"files": files}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/socket"}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - uploaded")

    async def _hook(self, request: web.Request) -> web.Response:
        self.hooks.append(Hook(request.match_info["name"], await request.json()))
        await self._notify()
        return web.Response(text="ok")

    # -- Socket Mode ---------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._socket_ready.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                await self._notify()
        return socket

    async def push(self, envelope: dict[str, Any], *, within: float = 10.0) -> None:
        """Send an envelope to the connected Socket Mode client."""
        async with asyncio.timeout(within):
            await self._socket_ready.wait()
        await self._sockets[-1].send_json(envelope)
