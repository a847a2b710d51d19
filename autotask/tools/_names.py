"""Names of referenced records, both ways: "Contoso" → companyID 12, and 12 → "Contoso".

id → name lookups are batched (one ``in`` query per referenced entity per page of results) and
cached, never one call per row.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from typing import Any

from .._catalogue import entity_type
from .._client import AutotaskClient
from .._filters import Filter, Query
from ._errors import ToolError
from ._schema import match_choice

__all__ = ["NAME_FIELDS", "Names", "display_name"]

Record = dict[str, Any]

# Singular entity name → the fields that name one of its records (the first is searched).
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "Company": ("companyName",),
    "Resource": ("firstName", "lastName", "email", "userName"),
    "Contact": ("firstName", "lastName", "emailAddress"),
    "Contract": ("contractName",),
    "Project": ("projectName",),
    "Ticket": ("ticketNumber", "title"),
    "Task": ("title",),
    "Phase": ("title",),
    "ConfigurationItem": ("referenceTitle", "serialNumber"),
    "Role": ("name",),
    "Department": ("name",),
    "Product": ("name",),
    "BillingCode": ("name",),
    "Invoice": ("invoiceNumber",),
    "Opportunity": ("title",),
    "ServiceLevelAgreement": ("name",),
}
_PEOPLE = {"Resource", "Contact"}
_TICKET_NUMBER = re.compile(r"^T\d{8}\.\d{4}(\.\d{3})?$", re.IGNORECASE)
_IN_CHUNK = 500  # Autotask allows at most 500 OR conditions per query


def display_name(singular: str, record: Record) -> str:
    if singular in _PEOPLE:
        name = f"{record.get('firstName') or ''} {record.get('lastName') or ''}".strip()
        return name or str(record.get("id"))
    for key in NAME_FIELDS.get(singular, ()):
        if record.get(key):
            return str(record[key])
    return f"#{record.get('id')}"


class Names:
    """Cached id ↔ name resolution for one Autotask client."""

    def __init__(self, client: AutotaskClient, *, ttl: float = 600.0) -> None:
        self._client = client
        self._ttl = ttl
        self._names: dict[tuple[str, int], tuple[float, str]] = {}
        self._resources: tuple[float, list[Record]] | None = None

    def _remember(self, singular: str, record: Record) -> str:
        name = display_name(singular, record)
        self._names[(singular, int(record["id"]))] = (time.monotonic() + self._ttl, name)
        return name

    def cached(self, singular: str, record_id: int) -> str | None:
        entry = self._names.get((singular, record_id))
        return entry[1] if entry and entry[0] > time.monotonic() else None

    async def names_for(self, singular: str, ids: Iterable[object]) -> dict[int, str]:
        """Names for many ids of one entity: one query per 500 unknown ids, run concurrently."""
        wanted = {int(i) for i in ids if isinstance(i, int | str) and str(i).lstrip("-").isdigit()}
        found = {i: name for i in wanted if (name := self.cached(singular, i)) is not None}
        missing = sorted(wanted - found.keys())
        if not missing or singular not in NAME_FIELDS:
            return found
        entity = entity_type(singular).name
        chunks = [missing[i : i + _IN_CHUNK] for i in range(0, len(missing), _IN_CHUNK)]
        queries = [
            Query(filter=(Filter.in_("id", list(chunk)),), include_fields=NAME_FIELDS[singular])
            for chunk in chunks
        ]
        results = await asyncio.gather(*(self._client.query(entity, q) for q in queries))
        for record in (record for rows in results for record in rows):
            found[int(record["id"])] = self._remember(singular, record)
        return found

    async def resources(self) -> list[Record]:
        """Every resource (active or not), cached: the list is short and used constantly."""
        if self._resources is None or self._resources[0] <= time.monotonic():
            records = await self._client.query("Resources", Query())
            for record in records:
                self._remember("Resource", record)
            self._resources = (time.monotonic() + self._ttl, records)
        return self._resources[1]

    async def resolve(self, singular: str, text: object) -> int:
        """The id of the record ``text`` names; ToolError when unknown or ambiguous."""
        raw = str(text).strip()
        if isinstance(text, int) or raw.isdigit():
            return int(raw)
        if singular == "Ticket" and _TICKET_NUMBER.match(raw):
            return await self._ticket_by_number(raw)
        if singular == "Resource":
            return await self._resource(raw)
        if singular not in NAME_FIELDS:
            raise ToolError(f"Give the {singular} as a numeric id; it cannot be found by name.")
        return await self._search(singular, raw)

    async def _ticket_by_number(self, number: str) -> int:
        query = Query(
            filter=(Filter.eq("ticketNumber", number.upper()),), include_fields=("title",)
        )
        rows = await self._client.query("Tickets", query, limit=1)
        if not rows:
            raise ToolError(f"No ticket has the number {number.upper()}.")
        return int(rows[0]["id"])

    async def _resource(self, text: str) -> int:
        """A technician by name, e-mail or user name. Errors name people, never their e-mail
        addresses or user names (an error may be shown in a shared channel)."""
        choices: dict[str, str] = {}
        names: dict[str, str] = {}
        for record in await self.resources():
            if not record.get("isActive"):
                continue
            names[str(record["id"])] = display_name("Resource", record)
            for label in (names[str(record["id"])], record.get("email"), record.get("userName")):
                if label:
                    choices[str(label)] = str(record["id"])
        try:
            return int(match_choice(text, choices, what="active resource (technician)"))
        except ToolError as exc:
            people = sorted({names[choices[c]] for c in exc.candidates if c in choices})
            if len(people) > 1:
                raise ToolError(
                    f"'{text}' could be {', '.join(people)}. Say which technician.",
                    candidates=people,
                    typed=text,
                ) from None
            raise ToolError(
                f"No active Autotask technician matches '{text}'. Name them by their full name "
                "or e-mail address, or mention them."
            ) from None

    async def _search(self, singular: str, text: str) -> int:
        entity = entity_type(singular).name
        key = NAME_FIELDS[singular][0]
        fields = NAME_FIELDS[singular]
        rows = await self._client.query(
            entity, Query(filter=(Filter.contains(key, text),), include_fields=fields), limit=50
        )
        if not rows and len(text) >= 3:  # a typo: look among names sharing the first letters
            probe = Query(filter=(Filter.begins_with(key, text[:3]),), include_fields=fields)
            rows = await self._client.query(entity, probe, limit=200)
        if not rows:
            raise ToolError(f"No {singular.lower()} matches '{text}'.")
        choices = {self._remember(singular, row): str(row["id"]) for row in rows}
        if len(choices) < len(rows):  # two records share one name: tell them apart by id
            choices = {f"{display_name(singular, r)} (#{r['id']})": str(r["id"]) for r in rows}
        return int(match_choice(text, choices, what=singular.lower(), loose=True))
