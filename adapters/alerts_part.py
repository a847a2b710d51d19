"""The alerts part of the web server: the poll loop and ``POST /autotask/webhooks/ticket``.

It builds the platform-neutral ``AlertService`` over ``runtime.surfaces`` (every part that can post
registers its surface there) and sets it as ``runtime.engine.alerts``, so `alerts on/off/list`
work in every chat. The webhook route answers at once (Autotask gives up after 10 s) and
delivers in the background; the poll keeps sweeping, so a lost callout loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from aiohttp import web

from bot.alerts import SIGNATURE_HEADER, AlertService, TicketEvent, verify_signature

from .runtime import Runtime

__all__ = ["DEACTIVATED_PATH", "WEBHOOK_PATH", "AlertsPart"]

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/autotask/webhooks/ticket"
DEACTIVATED_PATH = WEBHOOK_PATH + "/deactivated"
STOP_SECONDS = 20.0  # how long a stopping server waits for a poll cycle under way


class AlertsPart:
    name = "alerts"

    def __init__(self, runtime: Runtime, *, holder: str | None = None) -> None:
        self.runtime = runtime
        self.service = AlertService(runtime.engine, runtime.surfaces, holder=holder)
        runtime.engine.alerts = self.service
        self._poll: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._work: set[asyncio.Task[None]] = set()

    def install(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, self._webhook)
        app.router.add_post(DEACTIVATED_PATH, self._deactivated)

    async def start(self) -> None:
        interval = self.runtime.settings.alerts.poll_seconds
        self._stopping.clear()
        poll = self.service.poller.run(interval, self._stopping)
        self._poll = asyncio.get_running_loop().create_task(poll)

    async def stop(self) -> None:
        """Let a cycle under way finish (up to STOP_SECONDS), then give the lease up."""
        if self._poll is not None:
            self._stopping.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._poll), timeout=STOP_SECONDS)
            except TimeoutError:
                self._poll.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._poll
            self._poll = None
        await self.idle()
        await self.service.poller.release()

    async def idle(self) -> None:
        """Wait until the webhook deliveries started so far are done."""
        while self._work:
            await asyncio.gather(*self._work, return_exceptions=True)

    async def _webhook(self, request: web.Request) -> web.Response:
        raw = await request.read()
        verdict, event = await self.service.webhooks.receive(
            raw, request.headers.get(SIGNATURE_HEADER)
        )
        if event is not None:
            task = asyncio.get_running_loop().create_task(self._process(event))
            self._work.add(task)
            task.add_done_callback(self._work.discard)
        return web.json_response({"status": verdict.outcome}, status=verdict.status)

    async def _process(self, event: TicketEvent) -> None:
        try:
            report = await self.service.webhooks.process(event)
            logger.info("webhook ticket %s: %d alerts posted", event.id, report.alerts)
        except Exception:
            reference = secrets.token_hex(4)
            logger.exception("webhook ticket %s failed (reference %s)", event.id, reference)

    async def _deactivated(self, request: web.Request) -> web.Response:
        """Autotask turned the webhook off after repeated failures (API-NOTES §8.4)."""
        raw = await request.read()
        secret = self.runtime.settings.alerts.webhook_secret
        signature = request.headers.get(SIGNATURE_HEADER)
        if secret is None or not verify_signature(raw, signature, secret.get_secret_value()):
            return web.json_response({"status": "unauthorized"}, status=401)
        logger.error(
            "Autotask deactivated the ticket webhook; alerts now come from the poll only. "
            "Fix the endpoint, then run `atbot webhooks install` again."
        )
        return web.json_response({"status": "noted"})
