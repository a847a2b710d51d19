"""A local server that behaves like Autotask's REST API (the contract in API-NOTES).

It is the embedded default for the demo and the stand-in for Autotask in tests::

    async with Sandbox(SandboxConfig(tickets=200)) as sandbox:
        ...  # talk to sandbox.api_url with the usual Autotask headers

Ticket and ticket-note webhooks created through the API (``TicketWebhooks``,
``TicketNoteWebhooks`` and their ``Fields``) make it POST signed callouts;
``sandbox.webhook_deliveries`` lists every attempt.
"""

from __future__ import annotations

from ._limits import RequestRecord
from ._server import Sandbox, SandboxConfig, run_sandbox
from ._webhooks import WebhookDelivery

__all__ = ["RequestRecord", "Sandbox", "SandboxConfig", "WebhookDelivery", "run_sandbox"]
