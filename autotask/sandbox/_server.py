"""The sandbox's aiohttp application: configuration, request pipeline and routes.

Every ``/ATServicesRest/V1.0/`` request goes through: injected error → zone lookup (no
auth, API-NOTES §1) → auth (§2, §6.2) → hourly counter (§6.3) → thread limit (§6.4) →
latency (awaited while holding the thread slot) → the route. Queries are evaluated in
``_query``, writes validated in ``_validation``, records kept in ``_store``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import CIMultiDict
from pydantic import BaseModel

from .._catalogue import EntityType, entity_type, entity_types
from . import _webui
from ._limits import (
    DROP,
    ConnectionDropped,
    Gate,
    RequestLog,
    RequestRecord,
    admin,
    default_error_body,
    redact_headers,
)
from ._metadata import EntityMetadata, MetadataRegistry
from ._query import NO_BODY, QuerySource, answer_children, answer_query
from ._seed import build_demo_msp
from ._store import ApiError, FieldSource, RecordStore
from ._validation import RecordWriter, Target, WriteContext

__all__ = ["Sandbox", "SandboxConfig", "run_sandbox"]

log = logging.getLogger(__name__)

_PERMISSION = (
    "The logged in Resource does not have the adequate permissions to create this entity type."
)
_WEBHOOK_ENTITIES = frozenset(
    {"companies", "contacts", "configurationitems", "tickets", "ticketnotes"}
)
_API_USER_LICENSE = 7  # Resources licenseType "API User" (API-NOTES §7.10)
_ROOT_VERB = {"POST": "create", "PATCH": "update", "PUT": "replace"}


class SandboxConfig(BaseModel):
    """Settings of a sandbox instance."""

    username: str = "demo-api@bluewave-it.example"
    secret: str = "sandbox-secret"
    integration_code: str = "SANDBOX-INTEGRATION"
    seed: int = 7
    tickets: int = 1500
    latency_ms: float = 0.0
    thread_limit: int = 3
    hourly_threshold: int = 10_000
    threshold_delay_scale: float = 1.0
    """Multiplies the +0.5 s / +1 s usage delays of the hourly threshold (0 turns them off)."""
    metadata_dir: Path | None = None
    zone_name: str = "SBX1"
    now: datetime | None = None


@dataclass
class _Call:
    """One routed V1.0 request."""

    method: str
    parts: list[str]
    query: Mapping[str, str]
    body: Any
    has_body: bool
    impersonation_id: int | None


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.json_response(body, status=status, headers=headers)


class Sandbox:
    """A local server that behaves like Autotask's REST API (see API-NOTES §11)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.metadata = MetadataRegistry(self.config.metadata_dir)
        data = build_demo_msp(
            self.metadata, seed=self.config.seed, tickets=self.config.tickets, now=self.config.now
        )
        self._store = RecordStore(data)
        self._log = RequestLog()
        self._gate = Gate(
            integration_code=self.config.integration_code,
            thread_limit=self.config.thread_limit,
            hourly_threshold=self.config.hourly_threshold,
            delay_scale=self.config.threshold_delay_scale,
            latency_ms=self.config.latency_ms,
        )
        self._children = {
            (str(t.parent).lower(), str(t.child_path).lower()): t
            for t in entity_types()
            if t.parent and t.child_path
        }
        references = {t.singular: t.name for t in entity_types()}
        self._writer = RecordWriter(self._store, self._meta, references)
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

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
        self._gate.errors.add(method, path_pattern, status, body, times=times, delay_ms=delay_ms)

    def set_latency(self, ms: float) -> None:
        """Latency added to every API request, awaited while it holds its thread slot."""
        self._gate.latency_ms = ms

    @property
    def hourly_count(self) -> int:
        return self._gate.hourly.count

    def set_hourly_count(self, n: int) -> None:
        self._gate.hourly.set_count(n)

    # ------------------------------------------------------------ pipeline

    def _now(self) -> datetime:
        return self.config.now or datetime.now(UTC)

    def _meta(self, entity: str) -> EntityMetadata | None:
        return self.metadata.get(entity)

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
                status, answer = admin(self, request.method, parts[1:], call_body)
                return _json(answer, status)
            if lowered[:1] == ["autotask"]:
                response = _webui.render(request, self._store, self._find_ticket_number)
            elif lowered[:2] == ["atservicesrest", "versioninformation"]:
                response = _json({"apiVersions": ["1.0"]})
            elif lowered[:2] == ["atservicesrest", "v1.0"] and len(parts) > 2:
                impersonation = _header_id(request)
                response = await self._api(request, parts[2:], call_body, bool(raw))
            else:
                response = _json(_not_found(), 404)
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
            return self._zone(request.method, query.get("user"))
        self._authenticate(request.headers)
        async with self._gate.slot(parts[0]):
            impersonation = _impersonation_header(request)
            self._check_impersonation(impersonation)
            call = _Call(request.method.upper(), parts, query, body, has_body, impersonation)
            return _json(self._route(call))

    def _zone(self, method: str, user: str | None) -> web.Response:
        """Zone lookup (API-NOTES §1): no auth, exempt from thread limiting."""
        if method != "GET":
            raise ApiError.method_not_allowed(method)
        if not user or user.strip().lower() != self.config.username.lower():
            raise ApiError.error("Zone information could not be determined")
        zone = {
            "zoneName": self.config.zone_name,
            "url": self.api_url,
            "webUrl": self.web_url,
            "ci": 100000 + self.config.seed,
        }
        return _json(zone)

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        """Wrong credentials: 401, empty body, ``WWW-Authenticate: Basic`` (API-NOTES §6.2)."""
        user = headers.get("UserName", "")
        ok = (
            user.lower() == self.config.username.lower()
            and headers.get("Secret") == self.config.secret
            and headers.get("ApiIntegrationCode") == self.config.integration_code
        )
        if not ok:
            realm = {"WWW-Authenticate": 'Basic Realm="sandbox.autotask.local"'}
            raise ApiError(401, None, headers=realm)

    def _api_user_id(self) -> int | None:
        name = self.config.username.lower()
        for resource in self._store.records("Resources"):
            if str(resource.get("userName") or "").lower() == name:
                return int(resource["id"])
        return None

    def _check_impersonation(self, resource_id: int | None) -> None:
        """Only active, non-API-only resources can be impersonated (API-NOTES §2)."""
        if resource_id is None:
            return
        resource = self._store.get("Resources", resource_id)
        if (
            resource is None
            or resource.get("isActive") is False
            or resource.get("licenseType") == _API_USER_LICENSE
            or resource_id == self._api_user_id()
        ):
            raise ApiError.error(_PERMISSION)

    def _find_ticket_number(self, number: str) -> dict[str, Any] | None:
        wanted = number.strip().lower()
        for ticket in self._store.records("Tickets"):
            if str(ticket.get("ticketNumber") or "").lower() == wanted:
                return ticket
        return None

    # ------------------------------------------------------------ routes

    def _route(self, call: _Call) -> Any:
        head = call.parts[0].lower()
        rest = [p.lower() for p in call.parts[1:]]
        if head in ("thresholdinformation", "version", "modules", "entityinformation") and not rest:
            return self._global(call, head)
        if len(call.parts) >= 3 and _is_id(call.parts[1]):
            return self._child(call, int(call.parts[1]))
        entity = _entity(call.parts[0])
        if rest[:1] == ["entityinformation"]:
            return self._information(call, entity, rest[1:])
        if rest[:1] == ["query"]:
            return self._query(call, entity, rest[1:])
        if not rest:
            return self._write(call, self._target(entity), entity.root_verbs)
        if len(rest) == 1 and _is_id(call.parts[1]):
            return self._by_id(call, self._target(entity), int(call.parts[1]), entity.root_verbs)
        raise ApiError(404, _not_found())

    def _global(self, call: _Call, head: str) -> Any:
        _allow(call, "GET")
        if head == "thresholdinformation":
            return {
                "externalRequestThreshold": self.config.hourly_threshold,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": self._gate.hourly.count,
            }
        if head == "version":
            return {"majorVersion": "2026", "minorVersion": "1", "build": "sandbox"}
        if head == "modules":
            return {"modules": [{"key": 24, "value": True}, {"key": 36, "value": True}]}
        return {"entityDescriptions": [{"info": self._info(t)} for t in entity_types()]}

    def _child(self, call: _Call, parent_id: int) -> Any:
        """``/{Parent}/{parentId}/{Child}[/{id}|/entityInformation...]`` (API-NOTES §5.2)."""
        child = self._children.get((call.parts[0].lower(), call.parts[2].lower()))
        if child is None:
            raise ApiError(404, _not_found())
        rest = [p.lower() for p in call.parts[3:]]
        if rest[:1] == ["entityinformation"]:
            return self._information(call, child, rest[1:])
        target = self._target(child, parent_id)
        if not rest:
            if call.method == "GET":
                _allow(call, "GET", verbs=child.child_verbs, verb="list")
                return answer_children(self._source(child), str(child.parent_field), parent_id)
            return self._write(call, target, child.child_verbs)
        if len(rest) == 1 and _is_id(call.parts[3]):
            return self._by_id(call, target, int(call.parts[3]), child.child_verbs)
        raise ApiError(404, _not_found())

    def _target(self, entity: EntityType, parent_id: int | None = None) -> Target:
        meta: FieldSource = self._meta(entity.name) or _EmptyMeta(entity.name)
        parent_field = entity.parent_field if parent_id is not None else None
        return Target(entity.name, entity.singular, meta, parent_field, parent_id)

    def _context(self, call: _Call) -> WriteContext:
        actor = call.impersonation_id if call.impersonation_id is not None else self._api_user_id()
        return WriteContext(self._now(), actor, call.impersonation_id)

    def _write(self, call: _Call, target: Target, verbs: Any) -> Any:
        verb = _ROOT_VERB.get(call.method)
        if verb is None or verb not in verbs:
            raise ApiError.method_not_allowed(call.method)
        if isinstance(target.meta, _EmptyMeta):
            raise ApiError.error(_PERMISSION)
        ctx = self._context(call)
        if verb == "create":
            record = self._writer.create(target, call.body, ctx)
        else:
            record = self._writer.update(target, call.body, ctx, replace=verb == "replace")
        return {"itemId": record["id"]}

    def _by_id(self, call: _Call, target: Target, record_id: int, verbs: Any) -> Any:
        if call.method == "GET" and "get" in verbs:
            record = self._store.get(target.entity, record_id)
            if record is not None and target.parent_field is not None:
                if record.get(target.parent_field) != target.parent_id:
                    record = None
            # A missing id is 200 {"item": null} (API-NOTES §3.6, the better-supported form).
            return {"item": record}
        if call.method == "DELETE" and "delete" in verbs:
            self._writer.delete(target, record_id)
            return {"itemId": record_id}
        raise ApiError.method_not_allowed(call.method)

    def _information(self, call: _Call, entity: EntityType, rest: list[str]) -> Any:
        _allow(call, "GET")
        meta = self._meta(entity.name)
        if not rest:
            return {"info": self._info(entity)}
        if rest == ["fields"]:
            return {"fields": list(meta.fields) if meta else []}
        if rest == ["userdefinedfields"]:
            return {"fields": list(meta.udfs) if meta else []}
        raise ApiError(404, _not_found())

    def _info(self, entity: EntityType) -> dict[str, Any]:
        """``entityInformation`` (API-NOTES §4.1) from the catalogue's verbs."""
        verbs = set(entity.root_verbs) | set(entity.child_verbs or ())
        meta = self._meta(entity.name)
        can = {
            "Create": "create" in verbs,
            "Delete": "delete" in verbs,
            "Query": "query" in verbs,
            "Update": bool({"update", "replace"} & verbs),
        }
        info: dict[str, Any] = {"name": entity.name}
        info.update({f"can{k}": v for k, v in can.items()})
        info.update({f"userAccessFor{k}": "All" if v else "None" for k, v in can.items()})
        info["hasUserDefinedFields"] = bool(meta and (meta.supports_udfs or meta.udfs))
        info["supportsWebhookCallouts"] = entity.name.lower() in _WEBHOOK_ENTITIES
        return info

    # ------------------------------------------------------------ queries

    def _query(self, call: _Call, entity: EntityType, rest: list[str]) -> Any:
        if rest not in ([], ["count"], ["next"]):
            raise ApiError(404, _not_found())
        if "query" not in entity.root_verbs or call.method not in ("GET", "POST"):
            raise ApiError.method_not_allowed(call.method)
        search = call.query.get("search") if call.method == "GET" else None
        if call.method == "GET" and search is None and rest == ["next"]:
            # A POSTed query's nextPageUrl must be POSTed again (API-NOTES §3.4).
            raise ApiError.method_not_allowed("GET")
        body = {} if call.method == "GET" else (call.body if call.has_body else NO_BODY)
        form = rest[0] if rest else ""
        paging = call.query.get("paging")
        return answer_query(self._source(entity), form, search=search, body=body, paging=paging)

    def _source(self, entity: EntityType) -> QuerySource:
        name = entity.name
        rows = functools.partial(self._store.after, name)
        return QuerySource(name, entity.singular, self._meta(name), rows, self.api_url)


class _EmptyMeta:
    """Stands in for the metadata of an entity the sandbox holds no data for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fields: list[Mapping[str, Any]] = []
        self.udfs: list[Mapping[str, Any]] = []

    def field(self, name: str) -> Mapping[str, Any] | None:
        return None


def _entity(name: str) -> EntityType:
    """The entity whose REST root name is ``name`` (any case); 404 otherwise."""
    try:
        found = entity_type(name)
    except KeyError:
        found = None
    if found is None or found.name.lower() != name.lower():
        raise ApiError(404, _not_found())
    return found


def _allow(call: _Call, method: str, *, verbs: Any = None, verb: str | None = None) -> None:
    if call.method != method or (verbs is not None and verb not in verbs):
        raise ApiError.method_not_allowed(call.method)


def _is_id(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _not_found() -> dict[str, str]:
    return {"Message": "No HTTP resource was found that matches the request URI."}


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _header_id(request: web.Request) -> int | None:
    """The ImpersonationResourceId header as a number, for the request log."""
    value = request.headers.get("ImpersonationResourceId", "").strip()
    return int(value) if _is_id(value) else None


def _impersonation_header(request: web.Request) -> int | None:
    value = request.headers.get("ImpersonationResourceId")
    if value is None or not value.strip():
        return None
    if not _is_id(value.strip()):
        raise ApiError.error(_PERMISSION)
    return int(value.strip())


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
