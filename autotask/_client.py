"""The Autotask REST client.

    async with AutotaskClient(Credentials(username=..., secret=..., integration_code=...)) as at:
        async for ticket in at.iterate("Tickets", Query(filter=(Filter.eq("status", 1),))):
            ...

Zone discovery, credential headers scoped to the zone host, keyset paging (re-POSTing the query body
to ``nextPageUrl``), at most N requests in flight per endpoint, bounded retries for reads, and a TTL
cache for metadata. See ../shared/autotask/API-NOTES.md for the contract this follows.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any, Literal, Self

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from ._cache import TtlCache
from ._errors import (
    AutotaskError,
    BusyError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    UnknownApiUserError,
    UnreachableError,
)
from ._filters import Query
from ._layouts import Layouts
from ._limiter import EndpointLimiter, endpoint_of
from ._models import EntityInfo, FieldInfo, Page, Record, ThresholdInfo, UdfInfo, ZoneInfo
from ._responses import error_from_response, error_texts, parse_json
from ._retry import RetryPolicy

__all__ = ["DEFAULT_ZONE_LOOKUP_URL", "AutotaskClient", "Credentials"]

logger = logging.getLogger("autotask.client")

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/ATServicesRest/"
Kind = Literal["read", "create", "write"]
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_ZONE_HOST = re.compile(r"^webservices(\d+)\.autotask\.net$", re.IGNORECASE)


class Credentials(BaseModel):
    """An Autotask API user: its Username (Key), Secret and API integration code."""

    model_config = ConfigDict(frozen=True)

    username: str
    secret: SecretStr
    integration_code: SecretStr


def _api_root(url: str) -> str:
    """``https://host/ATServicesRest/`` → ``https://host/ATServicesRest/V1.0/``."""
    root = url.rstrip("/")
    if root.lower().endswith("/v1.0"):
        return root + "/"
    return root + "/V1.0/"


def _web_url_for(api_url: str) -> str | None:
    """The zone's web UI host: webservices{N}.autotask.net → ww{N}.autotask.net (API-NOTES §9)."""
    url = httpx.URL(api_url)
    match = _ZONE_HOST.match(url.host)
    return f"https://ww{match.group(1)}.autotask.net/" if match else None


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port as a server sees them: ``WebServices15.autotask.net.:443`` and
    ``webservices15.autotask.net`` are one origin."""
    parsed = httpx.URL(url)
    default = {"https": 443, "http": 80}.get(parsed.scheme)
    port = parsed.port if parsed.port != default else None
    return parsed.scheme, parsed.host.lower().rstrip("."), port


def _kind_of(method: str, path: str) -> Kind:
    if method == "GET" or (method == "POST" and "/query" in path.lower()):
        return "read"
    return "create" if method == "POST" else "write"


class AutotaskClient:
    """Async client for one Autotask tenant (one API user)."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        zone_url: str | None = None,
        web_url: str | None = None,
        zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        max_in_flight: int = 3,
        retry: RetryPolicy | None = None,
        metadata_ttl: float = 3600.0,
    ) -> None:
        self.credentials = credentials
        self._zone_lookup_url = zone_lookup_url
        self._zone: ZoneInfo | None = None
        if zone_url:
            self._zone = ZoneInfo(url=zone_url, web_url=web_url or _web_url_for(zone_url))
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(transport=transport, timeout=timeout)
        self.limiter = EndpointLimiter(max_in_flight)
        self.retry = retry or RetryPolicy()
        self._metadata: TtlCache[Any] = TtlCache(metadata_ttl)
        self.layouts = Layouts()  # where large queries' rows lay, to window them at once
        self.requests_sent = 0
        self.request_seconds = 0.0  # time spent waiting on Autotask, for metrics and benchmarks
        self.status_counts: Counter[str] = Counter()  # responses by HTTP status ("error": none)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- zone ---------------------------------------------------------------------------------

    async def zone(self) -> ZoneInfo:
        """The tenant's zone, looked up once by API username (or as configured)."""
        if self._zone is None:
            self._zone = await self._metadata.get("zone", self._lookup_zone)
        return self._zone

    async def _lookup_zone(self) -> ZoneInfo:
        url = _api_root(self._zone_lookup_url) + "zoneInformation"
        params = {"user": self.credentials.username}
        try:
            body = await self._send("GET", url, params=params, endpoint="zoneinformation")
        except UnknownApiUserError as exc:
            raise UnknownApiUserError(
                f"Autotask did not recognize the API user '{self.credentials.username}' — use the "
                "API user's Username (Key), not an e-mail of a person.",
                method=exc.method,
                path=exc.path,
                status=exc.status,
                errors=exc.errors,
            ) from exc
        return ZoneInfo.model_validate(body)

    async def api_url(self) -> str:
        """``https://webservicesN.autotask.net/ATServicesRest/V1.0/`` for this tenant."""
        return _api_root((await self.zone()).url)

    async def web_url(self) -> str | None:
        """The tenant's web UI root (``https://wwN.autotask.net/``), for deep links."""
        zone = await self.zone()
        return zone.web_url

    # -- the one request path ------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        impersonate: int | None = None,
    ) -> Any:
        """Send one API request; ``path`` is relative to ``/V1.0/`` or an absolute URL."""
        api = await self.api_url()
        url = path if path.startswith(("http://", "https://")) else api + path.lstrip("/")
        headers = self._headers_for(url, api, impersonate)
        return await self._send(method.upper(), url, json=json, params=params, headers=headers)

    def _headers_for(self, url: str, api: str, impersonate: int | None) -> dict[str, str]:
        if _origin(url) != _origin(api):
            raise ServerError(
                f"Autotask pointed the next page at another host ({httpx.URL(url).host}); the "
                "credentials are sent only to the tenant's zone, so the rest was not read.",
                path=httpx.URL(url).path,
            )
        headers = {
            "ApiIntegrationCode": self.credentials.integration_code.get_secret_value(),
            "UserName": self.credentials.username,
            "Secret": self.credentials.secret.get_secret_value(),
        }
        if impersonate is not None:
            headers["ImpersonationResourceId"] = str(impersonate)
        return headers

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        endpoint: str | None = None,
    ) -> Any:
        path = httpx.URL(url).path
        kind = _kind_of(method, path)
        key = endpoint or endpoint_of(path.split("/V1.0/", 1)[-1].split("/v1.0/", 1)[-1])
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return await self._attempt(method, url, json, params, headers, key, attempt)
            except AutotaskError as exc:
                if attempt >= self.retry.attempts or not self._may_retry(exc, kind):
                    raise
                wait = self.retry.delay(attempt, getattr(exc, "retry_after", None))
                logger.info("retrying %s %s in %.2fs: %s", method, path, wait, type(exc).__name__)
                await self.retry.sleep(wait)
            except httpx.TransportError as exc:
                error = self._transport_error(exc, method, path, kind)
                retryable = kind == "read" or (kind == "write" and isinstance(exc, _NOT_SENT))
                if attempt >= self.retry.attempts or not retryable:
                    raise error from exc
                wait = self.retry.delay(attempt)
                logger.info("retrying %s %s in %.2fs: %s", method, path, wait, type(exc).__name__)
                await self.retry.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self,
        method: str,
        url: str,
        json: Any,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        key: str,
        attempt: int,
    ) -> Any:
        # built before the slot is taken: a slot is held only while Autotask has the request
        request = self._http.build_request(method, url, json=json, params=params, headers=headers)
        async with self.limiter.slot(key):
            started = time.perf_counter()
            status: int | str = "error"
            try:
                self.requests_sent += 1
                response = await self._http.send(request)
                status = response.status_code
            finally:
                elapsed = time.perf_counter() - started
                self.request_seconds += elapsed
                self.status_counts[str(status)] += 1
                logger.info(
                    "autotask %s %s -> %s in %.0f ms (attempt %d)",
                    method,
                    request.url.path,
                    status,
                    elapsed * 1000,
                    attempt,
                )
        body = parse_json(response)
        if response.is_success:
            return body
        raise error_from_response(response, body)

    @staticmethod
    def _may_retry(exc: AutotaskError, kind: Kind) -> bool:
        if kind != "read":
            return False
        if isinstance(exc, BusyError):
            return exc.reason != "hourly"
        return isinstance(exc, ServerError)

    @staticmethod
    def _transport_error(
        exc: httpx.TransportError, method: str, path: str, kind: Kind
    ) -> AutotaskError:
        what = _plain_words(exc)
        if isinstance(exc, _NOT_SENT) or kind == "read":
            return UnreachableError(
                f"Could not reach Autotask ({what}); check the network and the "
                "zone URL, then try again.",
                method=method,
                path=path,
            )
        return OutcomeUnknownError(
            f"Autotask did not answer after the {method} was sent ({what}); it may "
            "or may not have been applied — check the record in Autotask before trying again.",
            method=method,
            path=path,
        )

    # -- queries -------------------------------------------------------------------------------

    async def query_page(self, entity: str, query: Query | None = None) -> Page:
        """The first page of a query (up to ``max_records`` or 500 rows)."""
        body = await self.request("POST", f"{entity}/query", json=(query or Query()).to_wire())
        return _page(body)

    async def pages(self, entity: str, query: Query | None = None) -> AsyncIterator[Page]:
        """Every page, following ``nextPageUrl`` by POSTing the same body (API-NOTES §3.4)."""
        wire = (query or Query()).to_wire()
        page = _page(await self.request("POST", f"{entity}/query", json=wire))
        yield page
        while page.next_page_url:
            page = _page(await self.request("POST", page.next_page_url, json=wire))
            yield page

    async def iterate(
        self, entity: str, query: Query | None = None, *, limit: int | None = None
    ) -> AsyncIterator[Record]:
        """Every matching record, page by page, in id order; stops after ``limit`` rows."""
        seen = 0
        async for page in self.pages(entity, query):
            for item in page.items:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield item

    async def query(
        self, entity: str, query: Query | None = None, *, limit: int | None = None
    ) -> list[Record]:
        """All matching records as a list (use ``iterate`` for large results)."""
        return [item async for item in self.iterate(entity, query, limit=limit)]

    async def count(self, entity: str, query: Query | None = None) -> int:
        """How many records match, in one ``/query/count`` call."""
        wire = (query or Query()).to_wire()
        wire.pop("includeFields", None)
        wire.pop("maxRecords", None)
        body = await self.request("POST", f"{entity}/query/count", json=wire)
        return int(body["queryCount"])

    # -- records -------------------------------------------------------------------------------

    async def get(self, entity: str, record_id: int) -> Record:
        """One record by id; a missing one is a NotFoundError (whichever shape Autotask uses)."""
        try:
            body = await self.request("GET", f"{entity}/{int(record_id)}")
        except NotFoundError as exc:
            raise _not_found(entity, record_id) from exc
        item = body.get("item") if isinstance(body, dict) else None
        if not item:
            raise _not_found(entity, record_id)
        return dict(item)

    async def children(self, parent: str, parent_id: int, child: str) -> list[Record]:
        """A child collection (``Tickets/{id}/Notes``), all pages."""
        body = await self.request("GET", f"{parent}/{int(parent_id)}/{child}")
        items = list(_page(body).items)
        next_url = _page(body).next_page_url
        while next_url:
            page = _page(await self.request("GET", next_url))
            items.extend(page.items)
            next_url = page.next_page_url
        return items

    async def create(self, entity: str, fields: Record, *, impersonate: int | None = None) -> int:
        """Create a record (``entity`` may be a child path such as ``Tickets/12/Notes``).

        Never resent automatically: a lost answer raises OutcomeUnknownError.
        """
        body = await self.request("POST", entity, json=fields, impersonate=impersonate)
        return _item_id(body, "POST", entity, None)

    async def update(
        self, entity: str, record_id: int, fields: Record, *, impersonate: int | None = None
    ) -> int:
        """PATCH only the given fields of one record."""
        payload = {"id": int(record_id), **{k: v for k, v in fields.items() if k != "id"}}
        body = await self.request("PATCH", entity, json=payload, impersonate=impersonate)
        return _item_id(body, "PATCH", entity, int(record_id))

    async def delete(self, entity: str, record_id: int, *, impersonate: int | None = None) -> int:
        path = f"{entity}/{int(record_id)}"
        body = await self.request("DELETE", path, impersonate=impersonate)
        return _item_id(body, "DELETE", path, int(record_id))

    # -- metadata (cached) ---------------------------------------------------------------------

    async def entity_information(self, entity: str) -> EntityInfo:
        async def load() -> EntityInfo:
            body = await self.request("GET", f"{entity}/entityInformation")
            return EntityInfo.model_validate(body["info"])

        result: EntityInfo = await self._metadata.get(f"info:{entity.lower()}", load)
        return result

    async def fields(self, entity: str) -> list[FieldInfo]:
        async def load() -> list[FieldInfo]:
            body = await self.request("GET", f"{entity}/entityInformation/fields")
            return [FieldInfo.model_validate(item) for item in body.get("fields") or []]

        result: list[FieldInfo] = await self._metadata.get(f"fields:{entity.lower()}", load)
        return result

    async def udfs(self, entity: str) -> list[UdfInfo]:
        async def load() -> list[UdfInfo]:
            body = await self.request("GET", f"{entity}/entityInformation/userDefinedFields")
            return [UdfInfo.model_validate(item) for item in body.get("fields") or []]

        result: list[UdfInfo] = await self._metadata.get(f"udfs:{entity.lower()}", load)
        return result

    def invalidate_metadata(self, entity: str | None = None) -> None:
        if entity is None:
            self._metadata.invalidate()
            return
        for kind in ("info", "fields", "udfs"):
            self._metadata.invalidate(f"{kind}:{entity.lower()}")

    @property
    def metadata_cache(self) -> TtlCache[Any]:
        return self._metadata

    async def threshold_information(self) -> ThresholdInfo:
        """The tenant's rolling hourly request count (the call itself counts too)."""
        return ThresholdInfo.model_validate(await self.request("GET", "ThresholdInformation"))


def _page(body: Any) -> Page:
    if not isinstance(body, dict):
        raise ServerError("Autotask answered a query without a result body.")
    details = body.get("pageDetails") or {}
    return Page(items=list(body.get("items") or []), next_page_url=details.get("nextPageUrl"))


def _item_id(body: Any, method: str, path: str, known: int | None) -> int:
    """The ``itemId`` of a write's answer. A 2xx without one keeps Autotask's own words: its
    errors refuse the write; silence on an update or delete means the record sent; silence on a
    create leaves the outcome unknown (nothing says which record was made)."""
    raw = body.get("itemId") if isinstance(body, dict) else None
    if isinstance(raw, int | str) and str(raw).lstrip("-").isdigit():
        return int(raw)
    texts = error_texts(body)
    if texts:
        raise InvalidRequestError(
            "Autotask did not accept the change: " + "; ".join(texts),
            method=method, path=path, errors=texts,
        )  # fmt: skip
    if known is not None:
        return known
    shown = str(body)[:200] if body not in (None, "", {}) else "an empty answer"
    raise OutcomeUnknownError(
        f"Autotask accepted the create but did not say which record it made ({shown}); check "
        "Autotask before trying again.",
        method=method, path=path, errors=[shown],
    )  # fmt: skip


def _not_found(entity: str, record_id: int) -> NotFoundError:
    return NotFoundError(
        f"Autotask has no {entity} record with id {record_id} (or the API user may not see it).",
        method="GET",
        path=f"{entity}/{record_id}",
    )


def _plain_words(exc: httpx.TransportError) -> str:
    """What went wrong on the wire, for a person (never the library's exception name)."""
    if isinstance(exc, httpx.TimeoutException):
        return "it timed out"
    if isinstance(exc, httpx.ConnectError):
        return "the connection failed"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was dropped"
    return "a network error"
