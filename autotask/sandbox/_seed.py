"""The deterministic demo MSP the sandbox starts with: Bluewave IT and its customers.

``build_demo_msp`` returns, per REST root entity, the records exactly as the API returns them:
every field of the entity's metadata (None where empty), ``userDefinedFields`` where the entity
has them, Autotask's date format, picklist values that are active in the metadata it is given,
and references that resolve. The same (seed, tickets, now) gives the same data, byte for byte.

Picklist values are looked up by label, so a sandbox that loads another tenant's metadata (the
tenant sample) still gets valid values; a label that tenant lacks falls back to one of its own.
The content lives in ``_seed_content`` and ``_seed_ticket_content``; the records are written by
the parts ``_seed_msp``, ``_seed_customers``, ``_seed_billing``, ``_seed_tickets`` and
``_seed_projects``, in the order below (ids ascend in creation order, and the random numbers
are drawn in that order too).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from ._metadata import MetadataRegistry
from ._seed_billing import add_contracts, add_invoices
from ._seed_customers import (
    add_companies,
    add_company_notes,
    add_configuration_items,
    add_contacts,
)
from ._seed_msp import add_billing_codes_and_products, add_resources, add_roles_and_departments
from ._seed_projects import add_projects
from ._seed_state import SeedState
from ._seed_tickets import add_tickets

__all__ = ["DemoData", "build_demo_msp"]

DemoData = dict[str, list[dict[str, Any]]]
_EMPTY_ENTITIES = ("TicketWebhooks", "TicketWebhookFields")
"""Entities the demo starts without records (listed first so that their order is stable)."""


def build_demo_msp(
    metadata: MetadataRegistry, *, seed: int = 7, tickets: int = 1500, now: datetime | None = None
) -> DemoData:
    """The demo MSP: ``tickets`` tickets spread over the 180 days before ``now`` (default: now).

    Returns the records of each REST root entity in id order. Naive datetimes count as UTC.
    """
    moment = now if now is not None else datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    state = SeedState(metadata, random.Random(seed), moment.replace(microsecond=0))
    add_roles_and_departments(state)
    add_resources(state)
    add_companies(state)
    add_contacts(state)
    add_billing_codes_and_products(state)
    add_contracts(state)
    add_configuration_items(state)
    add_tickets(state, max(tickets, 0))
    add_invoices(state)
    add_projects(state)
    add_company_notes(state)
    for name in (*_EMPTY_ENTITIES, *metadata.names()):
        state.table(name)
    return {name: table.rows for name, table in state.tables.items()}
