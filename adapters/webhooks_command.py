"""``atbot webhooks install --url https://…/autotask/webhooks/ticket [--secret …]`` (admin only).

Creates a TicketWebhook in Autotask that calls the bot on every new ticket and on every change of
a ticket's assigned resource (for the "assigned to me" notices), and a TicketNoteWebhook for new
notes (customer notes), each with its Fields (at least one
subscribed field makes Autotask mark it ready; API-NOTES §8.1), and prints the secret to set as
``ATBOT_ALERTS__WEBHOOK_SECRET`` on every bot replica. Webhook configurations are
administrative records: the chat side never creates or changes them; this command does, through
the client, for the admin who runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from typing import Any

import httpx
from pydantic import BaseModel

from autotask import AutotaskClient, AutotaskError
from bot.settings import Settings

from .wiring import open_tenant

__all__ = ["InstalledWebhook", "add_webhooks_command", "install_ticket_webhook", "new_secret"]

# The ticket fields each callout carries (TicketWebhookFields ``fieldID`` labels, §8.1): the bot
# fetches the ticket itself, these make the payload readable in Autotask's webhook error log.
SHOWN_FIELDS = ("TicketNumber", "Title", "CompanyID", "Priority", "QueueID", "Status")
# A subscribed field is what makes Autotask mark the webhook ready, and an update fires only when
# a subscribed field changed: the assigned resource (reassignments), else Status (create only).
SUBSCRIBED_FIELDS = ("AssignedResourceID", "Status")
ASSIGNED = "AssignedResourceID"
# The TicketNoteWebhook for customer notes: new notes only, each with who wrote it (a contact, for
# a customer's note) and its ticket, so the bot fetches only customers' notes.
NOTE_FIELDS = ("CreatedByContactID", "TicketID")
MAX_SECRET = 64  # Autotask's secretKey length; 10 or more is recommended


class InstalledWebhook(BaseModel):
    id: int
    ready: bool
    guid: str | None
    secret: str
    url: str
    fields: list[str]
    note_webhook_id: int | None = None  # the TicketNoteWebhook, where the tenant has the fields
    note_ready: bool = False


def new_secret() -> str:
    """A random secret of 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def _check(url: str, secret: str) -> None:
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"--url must be an absolute http(s) URL, not {url!r}.")
    if not 10 <= len(secret) <= MAX_SECRET:
        raise ValueError(f"--secret must have 10 to {MAX_SECRET} characters.")


async def _field_ids(client: AutotaskClient, entity: str = "TicketWebhookFields") -> dict[str, int]:
    """``fieldID`` by label, from this tenant's picklist of ``entity``."""
    fields = await client.fields(entity)
    info = next((f for f in fields if f.name.lower() == "fieldid"), None)
    values = info.picklist_values if info is not None else None
    return {v.label.lower(): int(v.value) for v in values or ()}


def _webhook_body(
    url: str, secret: str, name: str, email: str | None, *, updates: bool = False
) -> dict[str, Any]:
    """A TicketWebhook for create events, and for updates when they mean a reassignment."""
    body: dict[str, Any] = {
        "name": name[:50],
        "webhookUrl": url,
        "deactivationUrl": url.rstrip("/") + "/deactivated",
        "secretKey": secret,
        "isActive": True,
        "isSubscribedToCreateEvents": True,
        "isSubscribedToUpdateEvents": updates,
        "isSubscribedToDeleteEvents": False,
        "sendThresholdExceededNotification": email is not None,
    }
    if email:
        body["notificationEmailAddress"] = email
    return body


async def install_ticket_webhook(
    client: AutotaskClient,
    url: str,
    *,
    secret: str,
    name: str = "atbot new-ticket alerts",
    email: str | None = None,
) -> InstalledWebhook:
    """Create the TicketWebhook and its Fields; return what Autotask kept."""
    _check(url, secret)
    ids = await _field_ids(client)
    present = [label for label in (*SHOWN_FIELDS, ASSIGNED) if label.lower() in ids]
    subscribed = next((label for label in SUBSCRIBED_FIELDS if label in present), None)
    if subscribed is None:
        raise ValueError("This tenant's TicketWebhookFields list has no Status field.")
    body = _webhook_body(url, secret, name, email, updates=subscribed == ASSIGNED)
    webhook_id = await client.create("TicketWebhooks", body)
    for label in present:
        field = {
            "fieldID": ids[label.lower()],
            "isSubscribedField": label == subscribed,
            "isDisplayAlwaysField": True,
        }
        await client.create(f"TicketWebhooks/{webhook_id}/Fields", field)
    stored = await client.get("TicketWebhooks", webhook_id)
    guid = stored.get("webhookGUID") or stored.get("webhookGuid")
    note_id, note_ready = await _install_note_webhook(client, url, secret, name, email)
    return InstalledWebhook(
        id=webhook_id,
        ready=bool(stored.get("isReady")),
        guid=str(guid) if guid else None,
        secret=secret,
        url=url,
        fields=present,
        note_webhook_id=note_id,
        note_ready=note_ready,
    )


async def _install_note_webhook(
    client: AutotaskClient, url: str, secret: str, name: str, email: str | None
) -> tuple[int | None, bool]:
    """The TicketNoteWebhook (same URL and secret) for customer notes, when the tenant's
    TicketNoteWebhookFields list has the fields; (its id, ready)."""
    ids = await _field_ids(client, "TicketNoteWebhookFields")
    if any(label.lower() not in ids for label in NOTE_FIELDS):
        return None, False
    body = _webhook_body(url, secret, f"{name} (notes)", email)
    webhook_id = await client.create("TicketNoteWebhooks", body)
    for label in NOTE_FIELDS:
        field = {
            "fieldID": ids[label.lower()],
            "isSubscribedField": label == NOTE_FIELDS[0],
            "isDisplayAlwaysField": True,
        }
        await client.create(f"TicketNoteWebhooks/{webhook_id}/Fields", field)
    stored = await client.get("TicketNoteWebhooks", webhook_id)
    return webhook_id, bool(stored.get("isReady"))


async def _install(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.autotask.configured:
        print(
            "error: no Autotask is configured; set ATBOT_AUTOTASK__USERNAME, __SECRET and "
            "__INTEGRATION_CODE first (the embedded sandbox forgets webhooks when it stops).",
            file=sys.stderr,
        )
        return 2
    secret = args.secret or new_secret()
    async with open_tenant(settings) as tenant:
        installed = await install_ticket_webhook(
            tenant.client, args.url, secret=secret, name=args.name, email=args.email
        )
    state = "ready" if installed.ready else "NOT ready (no subscribed field was accepted)"
    print(f"TicketWebhook {installed.id} created for {installed.url}: {state}.")
    print(f"  fields: {', '.join(installed.fields)}")
    if installed.note_webhook_id is not None:
        ready = "ready" if installed.note_ready else "NOT ready"
        print(f"TicketNoteWebhook {installed.note_webhook_id} (customer notes): {ready}.")
    print("Set this on every bot replica, then restart it:")
    print(f"  ATBOT_ALERTS__WEBHOOK_SECRET={installed.secret}")
    return 0 if installed.ready else 1


def _cmd_install(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_install(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AutotaskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def add_webhooks_command(commands: Any) -> None:
    webhooks = commands.add_parser("webhooks", help="Autotask webhooks for alerts (admin)")
    actions = webhooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    install = actions.add_parser("install", help="create the TicketWebhook that calls the bot")
    install.add_argument(
        "--url", required=True, help="the bot's public https://…/autotask/webhooks/ticket URL"
    )
    install.add_argument("--secret", help="the signing secret (default: a new random one)")
    install.add_argument("--name", default="atbot new-ticket alerts", help="the webhook's name")
    install.add_argument("--email", help="where Autotask sends delivery-error e-mails")
    install.set_defaults(handler=_cmd_install)
