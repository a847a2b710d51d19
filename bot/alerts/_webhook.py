"""Autotask ticket webhooks: a faster path into the same dispatcher as the poll (API-NOTES §8).

A callout is trusted only when ``X-Hook-Signature`` equals ``sha1=`` + Base64(HMAC-SHA1(secret,
raw body)), compared in constant time over the exact bytes received. Then: ``Create`` events of
tickets matter, and ``Update`` events whose ``Fields`` carry ``AssignedResourceID`` (a
reassignment, for the "assigned to me" notices), and ``Create`` events of ticket notes written by
a contact (customer notes, from the TicketNoteWebhook); a change made by the bot's own API user is
ignored; an event seen before (``Guid:SequenceNumber``) is ignored. What is left is fetched and
delivered like a polled ticket, and the poll still sweeps, so a lost callout costs latency, never
an alert.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from autotask import NotFoundError
from autotask.tools import ToolContext

from ..storage import Database
from ._assignments import Assignments
from ._dispatcher import Dispatcher, DispatchReport
from ._matcher import load_subscriptions
from ._notes import CustomerNotes

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = [
    "SIGNATURE_HEADER",
    "TicketEvent",
    "WebhookReceiver",
    "WebhookVerdict",
    "hook_signature",
    "verify_signature",
]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hook-Signature"
Outcome = Literal["accepted", "duplicate", "ignored", "unauthorized", "invalid"]


def hook_signature(body: bytes, secret: str) -> str:
    """The ``X-Hook-Signature`` value Autotask sends for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` (constant-time comparison)."""
    if not header or not secret:
        return False
    given = header.strip()
    if not given.lower().startswith("sha1="):
        return False
    try:
        claimed = base64.b64decode(given[5:], validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return hmac.compare_digest(expected, claimed)


def _alias(*names: str) -> Any:
    return Field(validation_alias=AliasChoices(*names))


class TicketEvent(BaseModel):
    """The callout payload: ``{Action, Guid, EntityType, Id, Fields, EventTime, SequenceNumber,
    PersonID}`` (``PersonId`` is accepted too: its casing is not settled)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    action: str = _alias("Action", "action")
    guid: str = _alias("Guid", "GUID", "guid")
    entity_type: str = Field(
        default="Ticket", validation_alias=AliasChoices("EntityType", "entityType")
    )
    id: int = _alias("Id", "ID", "id")
    sequence_number: int | None = Field(
        default=None, validation_alias=AliasChoices("SequenceNumber", "sequenceNumber")
    )
    person_id: int | None = Field(
        default=None, validation_alias=AliasChoices("PersonID", "PersonId", "personId")
    )
    fields: dict[str, Any] = Field(
        default_factory=dict, validation_alias=AliasChoices("Fields", "fields")
    )

    @property
    def customer_note(self) -> bool:
        """A new ticket note, written by a contact (or one whose author the callout omits)."""
        if self.entity_type.lower() != "ticketnote" or self.action.lower() != "create":
            return False
        author = {k.lower(): v for k, v in self.fields.items()}.get("createdbycontactid", "?")
        return author not in (None, "")

    @property
    def reassigned(self) -> bool:
        """An update that changed the assigned resource (the field is named in ``Fields``)."""
        return self.action.lower() == "update" and any(
            name.lower() == "assignedresourceid" for name in self.fields
        )

    @property
    def key(self) -> str:
        """What makes the event unique, for dedupe."""
        sequence = (
            self.sequence_number if self.sequence_number is not None else f"{self.action}:{self.id}"
        )
        return f"{self.guid}:{sequence}"


class WebhookVerdict(BaseModel):
    """What the HTTP route answers: the status, and why (for logs and tests)."""

    status: int
    outcome: Outcome
    ticket_id: int | None = None


class WebhookReceiver:
    def __init__(
        self,
        engine: Engine,
        dispatcher: Dispatcher,
        *,
        secret: SecretStr | None,
        clock: Callable[[], datetime] | None = None,
        assignments: Assignments | None = None,
        notes: CustomerNotes | None = None,
    ) -> None:
        self.engine = engine
        self.db: Database = engine.db
        self.dispatcher = dispatcher
        self.assignments = assignments
        self.notes = notes
        self.secret = secret
        self.clock = clock or engine.clock
        self._api_resource: int | None = None
        self._api_resource_known = False

    async def api_resource_id(self) -> int | None:
        """The resource of the bot's own API user (its writes are not news), looked up once."""
        if not self._api_resource_known:
            ctx = ToolContext(tenant=self.engine.tenant)
            username = ctx.client.credentials.username.lower()
            for record in await ctx.names.resources():
                names = {str(record.get(key) or "").lower() for key in ("userName", "email")}
                if username in names:
                    self._api_resource = int(record["id"])
                    break
            self._api_resource_known = True
        return self._api_resource

    async def receive(
        self, body: bytes, signature: str | None
    ) -> tuple[WebhookVerdict, TicketEvent | None]:
        """Check one callout; the event comes back only when it should be processed."""
        if self.secret is None:
            logger.warning("a ticket webhook arrived but ATBOT_ALERTS__WEBHOOK_SECRET is not set")
            return WebhookVerdict(status=401, outcome="unauthorized"), None
        if not verify_signature(body, signature, self.secret.get_secret_value()):
            logger.warning("a ticket webhook with a bad signature was refused")
            return WebhookVerdict(status=401, outcome="unauthorized"), None
        try:
            event = TicketEvent.model_validate(json.loads(body))
        except (ValueError, ValidationError):  # signed, so Autotask's: a retry would not help
            logger.warning("a signed ticket webhook could not be read; ignored")
            return WebhookVerdict(status=200, outcome="invalid"), None
        ticket = event.entity_type.lower() == "ticket"
        wanted = (ticket and (event.action.lower() == "create" or event.reassigned)) or (
            event.customer_note
        )
        if not wanted:
            return WebhookVerdict(status=200, outcome="ignored", ticket_id=event.id), None
        ours = event.person_id is not None and event.person_id == await self.api_resource_id()
        if ours and not event.customer_note:  # a contact's note is news whoever carried it in
            return WebhookVerdict(status=200, outcome="ignored", ticket_id=event.id), None
        if await self.db.alerts.seen_webhook_event(event.key, now=self.clock()):
            return WebhookVerdict(status=200, outcome="duplicate", ticket_id=event.id), None
        return WebhookVerdict(status=200, outcome="accepted", ticket_id=event.id), event

    async def process(self, event: TicketEvent) -> DispatchReport:
        """Fetch the ticket and deliver it like a polled one: a new ticket to the channels'
        alerts, and to whoever is watching who it is assigned to."""
        client = self.engine.tenant.client
        entity = "TicketNotes" if event.customer_note else "Tickets"
        try:
            record = await client.get(entity, event.id)
        except NotFoundError:
            logger.info("webhook %s %s is gone; nothing to alert", entity, event.id)
            return DispatchReport()
        watched = await load_subscriptions(self.db.alerts)
        if event.customer_note:
            return await self.notes.deliver([record], watched) if self.notes else DispatchReport()
        report = DispatchReport()
        if event.action.lower() == "create":
            report.add(await self.dispatcher.deliver([record], watched))
        if self.assignments is not None:
            report.add(
                await self.assignments.observe(
                    [record], watched, full=True, changed_by=event.person_id
                )
            )
        return report
