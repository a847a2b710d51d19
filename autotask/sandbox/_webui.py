"""A minimal stand-in for Autotask's web UI so that deep links work in the demo.

Serves ``{webUrl}Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=...`` (API-NOTES §9) as
a plain HTML page listing the record's fields. Every value is HTML-escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from ._store import RecordStore

__all__ = ["render"]

_PATH = "/autotask/autotaskextend/executecommand.aspx"

# Code → (REST entity, id parameter, what the page calls it). "Account" is a Company and
# "InstalledProduct" a ConfigurationItem in these old names (API-NOTES §9).
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "openticketdetail": ("Tickets", "TicketID", "Ticket"),
    "openaccount": ("Companies", "AccountID", "Company"),
    "opencontact": ("Contacts", "ContactID", "Contact"),
    "opencontract": ("Contracts", "ContractID", "Contract"),
    "openproject": ("Projects", "ProjectID", "Project"),
    "opentaskdetail": ("Tasks", "TaskID", "Task"),
    "openinstalledproduct": ("ConfigurationItems", "InstalledProductID", "Configuration item"),
    "editinstalledproduct": ("ConfigurationItems", "InstalledProductID", "Configuration item"),
}
_HEADINGS = (
    "ticketNumber",
    "title",
    "companyName",
    "contractName",
    "projectName",
    "referenceTitle",
)


def render(
    request: web.Request,
    store: RecordStore,
    find_ticket: Callable[[str], Mapping[str, Any] | None],
) -> web.Response:
    """The page for one ExecuteCommand deep link."""
    if request.path.lower().rstrip("/") != _PATH:
        return _page(404, "Not found", "<p>There is no such page in the sandbox.</p>")
    if request.method not in ("GET", "HEAD"):
        return _page(405, "Method not allowed", "<p>Deep links are opened with GET.</p>")
    query = CIMultiDict(request.query)
    code = (query.get("Code") or "").lower()
    command = _COMMANDS.get(code)
    if command is None:
        text = f"<p>Unknown command {html.escape(query.get('Code') or '')!s}.</p>"
        return _page(400, "Unknown command", text)
    entity, parameter, label = command
    record = _find(store, find_ticket, entity, query.get(parameter), query.get("TicketNumber"))
    if record is None:
        return _page(404, f"{label} not found", f"<p>No such {html.escape(label.lower())}.</p>")
    return _page(200, _heading(label, record), _table(record))


def _find(
    store: RecordStore,
    find_ticket: Callable[[str], Mapping[str, Any] | None],
    entity: str,
    raw_id: str | None,
    ticket_number: str | None,
) -> Mapping[str, Any] | None:
    if raw_id is not None and raw_id.strip().isdigit():
        return store.get(entity, int(raw_id.strip()))
    if entity == "Tickets" and ticket_number:
        return find_ticket(ticket_number)
    return None


def _heading(label: str, record: Mapping[str, Any]) -> str:
    names = [str(record[key]) for key in _HEADINGS if record.get(key)]
    return f"{label} {record.get('id')}" + (f" — {' — '.join(names)}" if names else "")


def _value(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _table(record: Mapping[str, Any]) -> str:
    rows = []
    for name, value in record.items():
        if name == "userDefinedFields":
            for udf in value or ():
                rows.append((f"UDF: {udf.get('name')}", _value(udf.get("value"))))
        else:
            rows.append((name, _value(value)))
    cells = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(text)}</td></tr>" for name, text in rows
    )
    return f"<table>{cells}</table>"


def _page(status: int, title: str, body: str) -> web.Response:
    document = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} · Autotask sandbox</title>"
        "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:1em;"
        "vertical-align:top;color:#555}td{white-space:pre-wrap}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(status=status, text=document, content_type="text/html")
