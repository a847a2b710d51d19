"""Webhook callouts of the sandbox: ticket and ticket-note webhooks fire on API writes
(API-NOTES §8).

A ``TicketWebhooks`` (or ``TicketNoteWebhooks``) record becomes ready (``isReady``,
``webhookGUID``) once one of its ``Fields`` is subscribed. A ticket (note) created through the API
then fires ``Create`` and an update ``Update`` (only when a subscribed field changed) to every
active, ready webhook of its kind subscribed to that event, unless the resource making the change
is one of its ``ExcludedResources``.

The callout is a POST of the .NET-serialised payload, signed ``X-Hook-Signature: sha1=...``
(§8.3). Callouts of one webhook go out one at a time in event order from a background task,
each attempt with a 10 s timeout, up to 5 attempts with a pause between them (§8.4); the API
response never waits for them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict

from ._metadata import MetadataRegistry
from ._store import Record, RecordStore
from ._write_context import WriteContext, WriteEvent

__all__ = [
    "MAX_ATTEMPTS",
    "TIMEOUT_SECONDS",
    "WebhookDelivery",
    "Webhooks",
    "dotnet_json",
    "signature",
]

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 5
_GUIDS = uuid.UUID("5b0c7f0e-8a44-4c1e-9d3e-2f6a1c7d9b10")
"""Namespace of the sandbox's webhook GUIDs (uuid5 of seed and id: stable across runs)."""
_ESCAPED = frozenset("&<>'\"+`")
_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


class WebhookDelivery(BaseModel):
    """One attempt to deliver a callout: ``status`` None means no HTTP answer at all."""

    model_config = ConfigDict(frozen=True)

    url: str
    body: bytes
    status: int | None
    attempt: int
    webhook_id: int
    error: str | None = None


@dataclass(frozen=True)
class _Kind:
    """One kind of webhook: the entity it watches and its own webhook entities."""

    entity: str  # Tickets
    entity_type: str  # the callout's EntityType: Ticket
    webhooks: str  # TicketWebhooks
    fields: str  # TicketWebhookFields
    excluded: str  # TicketWebhookExcludedResources


_KINDS = {
    kind.entity.lower(): kind
    for kind in (
        _Kind("Tickets", "Ticket", "TicketWebhooks", "TicketWebhookFields",
              "TicketWebhookExcludedResources"),
        _Kind("TicketNotes", "TicketNote", "TicketNoteWebhooks", "TicketNoteWebhookFields",
              "TicketNoteWebhookExcludedResources"),
    )
}  # fmt: skip
_BY_WEBHOOKS = {kind.webhooks.lower(): kind for kind in _KINDS.values()}
_BY_FIELDS = {kind.fields.lower(): kind for kind in _KINDS.values()}


@dataclass(frozen=True)
class _Callout:
    webhook_id: int
    url: str
    secret: str
    body: bytes


def dotnet_json(value: object) -> bytes:
    """Compact JSON as Autotask's .NET serializer writes it (API-NOTES §8.3).

    ``& < > ' " + `` ` and every non-ASCII character become ``\\uXXXX`` (upper-case hex), so
    the bytes differ from Python's ``json.dumps``; a receiver must verify the raw body.
    """
    return _encode(value).encode("ascii")


def _encode(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, Mapping):
        items = (f"{_encode_string(str(k))}:{_encode(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _encode_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif char in _ESCAPED or code < 0x20 or code > 0x7E:
            if code > 0xFFFF:  # a UTF-16 surrogate pair, as .NET strings hold it
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def signature(body: bytes, secret: str) -> str:
    """``sha1=`` + Base64 of HMAC-SHA1 over the exact body bytes (API-NOTES §8.3)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")


class Webhooks:
    """Keeps ticket (note) webhooks ready, turns their writes into callouts and delivers them."""

    def __init__(
        self, store: RecordStore, metadata: MetadataRegistry, *, seed: int, retry_seconds: float
    ) -> None:
        self.deliveries: list[WebhookDelivery] = []
        self._store = store
        self._metadata = metadata
        self._seed = seed
        self._retry_seconds = retry_seconds
        self._sequence: dict[tuple[str, int], int] = {}  # per webhook, by (entity, id)
        self._queues: dict[tuple[str, int], asyncio.Queue[_Callout]] = {}
        self._workers: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------ writes

    def observe(self, event: WriteEvent) -> None:
        """Called after every successful API write (the record writer's listener)."""
        entity = event.entity.lower()
        if entity in _KINDS and event.after is not None:
            self._changed(_KINDS[entity], event.before, event.after, event.ctx)
        elif entity in _BY_WEBHOOKS or entity in _BY_FIELDS:
            kind = _BY_WEBHOOKS.get(entity) or _BY_FIELDS[entity]
            record = event.after or event.before or {}
            webhook_id = record.get("id" if entity in _BY_WEBHOOKS else "webhookID")
            if entity in _BY_WEBHOOKS and event.before is None and event.after is not None:
                event.after["ownerResourceID"] = event.ctx.actor_id
            if webhook_id is not None:
                self._refresh(kind, int(webhook_id))

    def _refresh(self, kind: _Kind, webhook_id: int) -> None:
        """``isReady`` once a subscribed field exists; the GUID is given then and kept."""
        webhook = self._store.get(kind.webhooks, webhook_id)
        if webhook is None:
            return
        webhook["isReady"] = any(f["isSubscribedField"] for f in self._fields(kind, webhook_id))
        if webhook["isReady"] and not webhook.get("webhookGUID"):
            name = f"{self._seed}/{webhook_id}" if kind.entity == "Tickets" else (
                f"{self._seed}/{kind.webhooks}/{webhook_id}")  # fmt: skip
            webhook["webhookGUID"] = str(uuid.uuid5(_GUIDS, name))

    def _fields(self, kind: _Kind, webhook_id: int) -> list[Record]:
        rows = self._store.records(kind.fields)
        return [row for row in rows if row.get("webhookID") == webhook_id]

    def _changed(
        self, kind: _Kind, before: Record | None, after: Record, ctx: WriteContext
    ) -> None:
        action = "Create" if before is None else "Update"
        urls: set[str] = set()
        for webhook in self._store.records(kind.webhooks):
            if not self._fires(kind, webhook, action, ctx) or webhook["webhookUrl"] in urls:
                continue  # one callout per URL and event: the others are duplicates (§8.4)
            fields = self._payload_fields(kind, int(webhook["id"]), before, after)
            if fields is None:
                continue
            urls.add(webhook["webhookUrl"])
            self._queue(kind, webhook, self._payload(kind, webhook, action, after, fields, ctx))

    def _fires(self, kind: _Kind, webhook: Record, action: str, ctx: WriteContext) -> bool:
        if not (webhook.get("isActive") and webhook.get("isReady")):
            return False
        if not webhook.get(f"isSubscribedTo{action}Events"):
            return False
        excluded = self._store.records(kind.excluded)
        return not any(
            row.get("webhookID") == webhook["id"] and row.get("resourceID") == ctx.actor_id
            for row in excluded
        )

    def _payload_fields(
        self, kind: _Kind, webhook_id: int, before: Record | None, after: Record
    ) -> dict[str, str | None] | None:
        """``Fields``: subscribed (on update: the changed ones) and display-always fields.

        None when an update changed no subscribed field (no callout then).
        """
        shown: dict[str, str | None] = {}
        fired = before is None
        for row in sorted(self._fields(kind, webhook_id), key=lambda r: int(r["fieldID"])):
            names = self._field_names(kind, int(row["fieldID"]))
            if names is None:
                continue
            label, name = names
            changed = before is None or before.get(name) != after.get(name)
            if row["isSubscribedField"] and changed:
                fired = True
            if row["isDisplayAlwaysField"] or (row["isSubscribedField"] and changed):
                shown[label] = _text(after.get(name))
        return shown if fired else None

    def _field_names(self, kind: _Kind, field_id: int) -> tuple[str, str] | None:
        """(PascalCase label, field name of the watched entity) of a webhook ``fieldID``."""
        webhook_fields = self._metadata.get(kind.fields)
        watched = self._metadata.get(kind.entity)
        if webhook_fields is None or watched is None:
            return None
        for entry in webhook_fields.picklist("fieldID"):
            if str(entry["value"]) == str(field_id):
                found = watched.field(str(entry["label"]))
                return (str(entry["label"]), str(found["name"])) if found else None
        return None

    def _payload(
        self,
        kind: _Kind,
        webhook: Record,
        action: str,
        record: Record,
        fields: dict[str, str | None],
        ctx: WriteContext,
    ) -> dict[str, Any]:
        key = (kind.webhooks, int(webhook["id"]))
        self._sequence[key] = self._sequence.get(key, 0) + 1
        return {
            "Action": action,
            "Guid": webhook["webhookGUID"],
            "EntityType": kind.entity_type,
            "Id": record["id"],
            "Fields": fields,
            "EventTime": ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "SequenceNumber": self._sequence[key],
            "PersonID": ctx.actor_id,
        }

    # ------------------------------------------------------------ delivery

    def _queue(self, kind: _Kind, webhook: Record, payload: dict[str, Any]) -> None:
        key = (kind.webhooks, int(webhook["id"]))
        callout = _Callout(
            int(webhook["id"]),
            str(webhook["webhookUrl"]),
            str(webhook["secretKey"]),
            dotnet_json(payload),
        )
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
            worker = asyncio.get_running_loop().create_task(self._work(queue))
            self._workers[key] = worker
        queue.put_nowait(callout)

    async def _work(self, queue: asyncio.Queue[_Callout]) -> None:
        while True:
            callout = await queue.get()
            try:
                await self._deliver(callout)
            except Exception:
                log.exception("webhook %s: callout failed", callout.webhook_id)
            finally:
                queue.task_done()

    async def _deliver(self, callout: _Callout) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            status, error = await self._post(callout)
            self.deliveries.append(
                WebhookDelivery(
                    url=callout.url,
                    body=callout.body,
                    status=status,
                    attempt=attempt,
                    webhook_id=callout.webhook_id,
                    error=error,
                )
            )
            if status is not None and 200 <= status < 300:
                return
            if attempt < MAX_ATTEMPTS:
                await asyncio.sleep(self._retry_seconds)
        log.warning("webhook %s: callout dropped after %s attempts", callout.webhook_id, attempt)

    async def _post(self, callout: _Callout) -> tuple[int | None, str | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Hook-Signature": signature(callout.body, callout.secret),
        }
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
            async with self._session.post(
                callout.url, data=callout.body, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("webhook POST %s -> %s in %.1f ms", callout.url, status, elapsed_ms)
        return status, error

    async def flush(self) -> None:
        """Wait until every queued callout has been delivered or dropped."""
        for queue in list(self._queues.values()):
            await queue.join()

    async def aclose(self, *, grace_seconds: float | None = None) -> None:
        """Deliver what is queued (for at most ``grace_seconds``, when given), then stop the
        workers and close the HTTP session."""
        try:
            async with asyncio.timeout(grace_seconds):
                await self.flush()
        except TimeoutError:
            dropped = sum(queue.qsize() for queue in self._queues.values())
            log.warning(
                "stopping: webhook callouts still queued or retrying are dropped (%d queued)",
                dropped,
            )
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._queues.clear()
        self._workers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None


def _text(value: object) -> str | None:
    """A field value as the callout sends it: a string (.NET spelling of booleans) or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)
