"""The sandbox's aiohttp application: lifecycle, test controls and the request pipeline.

Every ``/ATServicesRest/V1.0/`` request goes through: injected error → zone lookup (no
auth, API-NOTES §1) → auth (§2, §6.2) → hourly counter (§6.3) → thread limit (§6.4) → the
route (``_routes``) → the rest of the latency (the slot is held until the answer is due).
Credentials and impersonation are checked by ``_access``; records are read and written by
``_records_api`` (queries in ``_query``, writes validated in ``_validation``, records kept in
``_store``); ticket writes fire webhook callouts (``_webhooks``); ``/_sandbox/`` test controls
are ``_admin_api``. Answers are compact JSON with text unescaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from .._catalogue import entity_types
from . import _webui
from ._access import Access, impersonation_header, logged_impersonation
from ._admin_api import AdminApi
from ._config import SandboxConfig
from ._limits import (
    DROP,
    ConnectionDropped,
    ErrorRule,
    Gate,
    RequestLog,
    RequestRecord,
    default_error_body,
    redact_headers,
)
from ._metadata import MetadataRegistry
from ._records_api import ApiCall, RecordsApi
from ._routes import Router
from ._seed import build_demo_msp
from ._store import ApiError, RecordStore
from ._validation import RecordWriter
from ._webhooks import WebhookDelivery, Webhooks

__all__ = ["Sandbox", "SandboxConfig", "run_sandbox"]

log = logging.getLogger(__name__)


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.json_response(body, status=status, headers=headers, dumps=_compact)


def _compact(body: Any) -> str:
    """Compact JSON: no spaces, text as it is (UTF-8, not escaped)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class Sandbox:
    """A local server that behaves like Autotask's REST API (see API-NOTES §11)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.metadata = MetadataRegistry(self.config.metadata_dir)
        data = build_demo_msp(
            self.metadata, seed=self.config.seed, tickets=self.config.tickets, now=self.config.now
        )
        self._store = RecordStore(data)
        self._access = Access(self.config, self._store, self.metadata)
        self._log = RequestLog()
        self._gate = Gate(
            integration_code=self.config.integration_code,
            thread_limit=self.config.thread_limit,
            hourly_threshold=self.config.hourly_threshold,
            delay_scale=self.config.threshold_delay_scale,
            latency_ms=self.config.latency_ms,
        )
        self._webhooks = Webhooks(
            self._store,
            self.metadata,
            seed=self.config.seed,
            retry_seconds=self.config.webhook_retry_seconds,
        )
        references = {t.singular: t.name for t in entity_types()}
        writer = RecordWriter(
            self._store,
            self.metadata.get,
            references,
            on_write=self._webhooks.observe,
            queue_membership_required=self.config.queue_membership_required,
        )
        records = RecordsApi(
            self._store,
            writer,
            self.metadata,
            now=self._now,
            api_user=self._access.api_user_id,
            api_url=lambda: self.api_url,
        )
        self._router = Router(records, self._threshold)
        self._admin = AdminApi(self._log, self._gate, self._store, self._webhooks.deliveries.copy)
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)

    # ------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 = a free port); returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        shown = f"[{shown}]" if ":" in shown else shown
        self._base_url = f"http://{shown}:{bound_port}"
        return self._base_url

    async def stop(self, *, grace_seconds: float | None = None) -> None:
        """Stop serving, then finish the webhook callouts still queued (retries included); with
        ``grace_seconds``, those not delivered by then are dropped (a receiver that has stopped
        too would otherwise keep the callouts retrying for minutes)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._webhooks.aclose(grace_seconds=grace_seconds)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the sandbox has not been started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """What zoneInformation returns as ``url`` (ends in ``/ATServicesRest/``)."""
        return self.base_url + "/ATServicesRest/"

    @property
    def web_url(self) -> str:
        """What zoneInformation returns as ``webUrl``; ExecuteCommand deep links start here."""
        return self.base_url + "/"

    # ------------------------------------------------------------ test controls

    def records(self, entity: str) -> list[dict[str, Any]]:
        """The live records of an entity, in id order (read-only use)."""
        return self._store.records(entity)

    def get_record(self, entity: str, id: int) -> dict[str, Any] | None:
        """A copy of one record, or None."""
        return self._store.get_copy(entity, id)

    def put_record(self, entity: str, record: dict[str, Any]) -> None:
        """Insert or replace a record behind the API's back (no validation)."""
        self._store.put(entity, dict(record))

    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.entries

    def clear_requests(self) -> None:
        self._log.clear()

    def inject_error(
        self,
        method: str,
        path_pattern: str,
        status: int,
        body: Any = None,
        *,
        times: int = 1,
        delay_ms: float = 0.0,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (0 drops the connection).

        ``path_pattern`` is a regex searched (case-insensitively) in the path after ``/V1.0/``;
        ``method`` may be ``*``. ``body`` None means Autotask's usual body for the status.
        """
        rule = ErrorRule(
            method=method,
            path_pattern=path_pattern,
            status=status,
            body=body,
            times=times,
            delay_ms=delay_ms,
        )
        self._gate.errors.add(rule)

    def set_latency(self, ms: float) -> None:
        """Latency added to every API request, awaited while it holds its thread slot."""
        self._gate.latency_ms = ms

    @property
    def hourly_count(self) -> int:
        return self._gate.hourly.count

    def set_hourly_count(self, n: int) -> None:
        self._gate.hourly.set_count(n)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook callout attempt so far (url, body bytes, status, attempt), in order."""
        return self._webhooks.deliveries

    async def flush_webhooks(self) -> None:
        """Wait until every webhook callout queued so far has been delivered or dropped."""
        await self._webhooks.flush()

    # ------------------------------------------------------------ pipeline

    def _now(self) -> datetime:
        return self.config.now or datetime.now(UTC)

    def _threshold(self) -> dict[str, Any]:
        """``ThresholdInformation`` (API-NOTES §6.3)."""
        return {
            "externalRequestThreshold": self.config.hourly_threshold,
            "requestThresholdTimeframe": 60,
            "currentTimeframeRequestCount": self._gate.hourly.count,
        }

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        raw = await request.read()
        call_body = _parse_body(raw)
        status = 500
        impersonation: int | None = None
        parts = [p for p in request.path.split("/") if p]
        lowered = [p.lower() for p in parts]
        try:
            if lowered[:1] == ["_sandbox"]:
                status, answer = self._admin.handle(request.method, parts[1:], call_body)
                return _json(answer, status)
            if lowered[:1] == ["autotask"]:
                response = _webui.render(request, self._store, self._find_ticket_number)
            elif lowered[:2] == ["atservicesrest", "versioninformation"]:
                response = _json({"apiVersions": ["1.0"]})
            elif lowered[:2] == ["atservicesrest", "v1.0"] and len(parts) > 2:
                impersonation = logged_impersonation(request.headers)
                response = await self._api(request, parts[2:], call_body, bool(raw))
            else:
                raise ApiError.not_found()
            status = response.status
            return response
        except ApiError as exc:
            status = exc.status
            return _json(exc.body, exc.status, exc.headers)
        except ConnectionDropped:
            status = DROP
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError() from None
        except Exception:
            # A fault in the sandbox itself answers like Autotask's own server faults (§6.1).
            log.exception("sandbox fault on %s %s", request.method, request.path)
            return _json(default_error_body(500), 500)
        finally:
            if lowered[:1] != ["_sandbox"]:
                self._record(request, status, call_body, started, impersonation)

    def _record(
        self,
        request: web.Request,
        status: int,
        body: Any,
        started: float,
        impersonation: int | None,
    ) -> None:
        duration_ms = (time.perf_counter() - started) * 1000
        self._log.add(
            RequestRecord(
                method=request.method,
                path=request.path,
                query_string=request.query_string,
                status=status,
                headers=redact_headers(request.headers),
                body=body,
                duration_ms=duration_ms,
                impersonation_id=impersonation,
            )
        )
        log.debug("%s %s -> %s in %.1f ms", request.method, request.path, status, duration_ms)

    async def _api(
        self, request: web.Request, parts: list[str], body: Any, has_body: bool
    ) -> web.Response:
        await self._gate.check_injected(request.method, "/".join(parts))
        query = CIMultiDict(request.query)
        if parts[0].lower() == "zoneinformation" and len(parts) == 1:
            urls = {"api_url": self.api_url, "web_url": self.web_url}
            return _json(self._access.zone(request.method, query.get("user"), **urls))
        self._access.authenticate(request.headers)
        async with self._gate.slot(parts[0]):
            impersonation = impersonation_header(request.headers)
            self._access.check_impersonation(impersonation)
            call = ApiCall(request.method.upper(), parts, query, body, has_body, impersonation)
            return _json(self._router.route(call))

    def _find_ticket_number(self, number: str) -> dict[str, Any] | None:
        wanted = number.strip().lower()
        for ticket in self._store.records("Tickets"):
            if str(ticket.get("ticketNumber") or "").lower() == wanted:
                return ticket
        return None


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def run_sandbox(config: SandboxConfig, *, host: str, port: int) -> None:
    """Serve a sandbox until SIGINT or SIGTERM (blocking; prints nothing itself)."""

    async def serve() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stopping.set)
        sandbox = Sandbox(config)
        await sandbox.start(host, port)
        try:
            log.info("Autotask sandbox listening on %s", sandbox.base_url)
            await stopping.wait()
        finally:
            await sandbox.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
