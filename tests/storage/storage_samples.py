"""Sample values the storage tests share (importable as ``storage_samples``)."""

from __future__ import annotations

from datetime import UTC, datetime

from autotask.tools import ChangePlan, FieldChange
from bot.messages import Conversation
from bot.storage import CredentialStore

CREDENTIAL_KEY = CredentialStore.new_key()
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
CHANNEL = Conversation(platform="slack", conversation_id="C0HELPDESK", thread_id="1732526400.0001")


def change_plan(
    ticket_id: int = 18420, *, summary: str = "Update Ticket T20261125.0004"
) -> ChangePlan:
    return ChangePlan(
        action="update",
        entity="Tickets",
        record_id=ticket_id,
        payload={"status": 5, "priority": 1},
        summary=summary,
        changes=[
            FieldChange(field="status", label="Status", before="New", after="Complete"),
            FieldChange(field="priority", label="Priority", before="Medium", after="High"),
        ],
        fingerprint="f" * 64,
        snapshot={"status": 1, "priority": 2, "title": "VPN drops every hour"},
        link="https://ww5.autotask.net/Mvc/ServiceDesk/TicketDetail.mvc?ticketId=18420",
    )
