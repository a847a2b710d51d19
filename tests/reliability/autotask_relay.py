"""A relay between one bot replica and the sandbox (importable as ``autotask_relay``).

The replica's Autotask zone URL points at the relay, which passes every request through, except
the one a ``Trap`` names: that request is held, either before it reaches the sandbox ("sent but
never arrived") or after the sandbox answered ("Autotask wrote it, the answer never came back").
The test then kills the replica at that exact point; no sleep decides when the write is in flight.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

__all__ = ["AutotaskRelay", "Trap"]

_HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass
class Trap:
    """Hold the first ``method`` request whose path matches ``path``.

    ``forward``: let the sandbox answer it first (the answer is kept here, never returned).
    """

    method: str
    path: str
    forward: bool
    held: asyncio.Event = field(default_factory=asyncio.Event)
    answer_status: int | None = None

    def matches(self, request: web.Request) -> bool:
        return request.method == self.method and re.search(self.path, request.path) is not None


class AutotaskRelay:
    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.url = ""
        self.trap: Trap | None = None
        self._release = asyncio.Event()  # set at stop: held requests end
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def zone_url(self) -> str:
        return f"{self.url}/ATServicesRest/"

    async def start(self) -> str:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._relay)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def hold(self, method: str, path: str, *, forward: bool) -> Trap:
        self.trap = Trap(method.upper(), path, forward)
        return self.trap

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        trap = self.trap
        caught = trap is not None and trap.matches(request)
        if caught:
            self.trap = None  # one request only
        if caught and trap is not None and not trap.forward:
            trap.held.set()
            await self._release.wait()  # never reaches the sandbox
            raise web.HTTPServiceUnavailable
        status, headers, body = await self._forward(request)
        if caught and trap is not None:
            trap.answer_status = status
            trap.held.set()
            await self._release.wait()  # the sandbox answered; the replica never hears it
            raise web.HTTPServiceUnavailable
        return web.Response(status=status, headers=headers, body=body)

    async def _forward(self, request: web.Request) -> tuple[int, dict[str, str], bytes]:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self._session.request(
            request.method,
            f"{self.target}{request.path_qs}",
            headers=headers,
            data=await request.read(),
        ) as answer:
            body = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return answer.status, kept, body
