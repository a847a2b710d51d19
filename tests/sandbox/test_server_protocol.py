"""The protocol surface: zone lookup, auth, routing, entityInformation (API-NOTES §0 to §4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from autotask.sandbox import Sandbox


def error_text(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return str(body["errors"][0])


async def test_version_information_needs_no_auth(raw: httpx.AsyncClient) -> None:
    for path in ("/ATServicesRest/VersionInformation", "/atservicesrest/versioninformation"):
        response = await raw.get(path)
        assert response.status_code == 200
        assert response.json() == {"apiVersions": ["1.0"]}


@pytest.mark.parametrize(
    "path", ["/ATServicesRest/V1.0/zoneInformation", "/atservicesrest/v1.0/ZONEINFORMATION"]
)
async def test_zone_lookup_answers_the_api_user_without_auth(
    box: Sandbox, raw: httpx.AsyncClient, path: str
) -> None:
    response = await raw.get(path, params={"user": box.config.username.upper()})
    assert response.status_code == 200
    assert response.json() == {
        "zoneName": "SBX1",
        "url": box.api_url,
        "webUrl": box.web_url,
        "ci": response.json()["ci"],
    }
    assert isinstance(response.json()["ci"], int)
    assert box.api_url.endswith("/ATServicesRest/") and box.web_url == box.base_url + "/"


@pytest.mark.parametrize("user", ["nobody@example.com", "", None])
async def test_zone_lookup_of_an_unknown_user_is_a_500(
    raw: httpx.AsyncClient, user: str | None
) -> None:
    params = {} if user is None else {"user": user}
    response = await raw.get("/ATServicesRest/V1.0/zoneInformation", params=params)
    assert response.status_code == 500
    assert response.json() == {"errors": ["Zone information could not be determined"]}


@pytest.mark.parametrize(
    "change",
    [
        {"Secret": "wrong"},
        {"UserName": "someone-else@bluewave-it.example"},
        {"ApiIntegrationCode": "NOT-OURS"},
        {"Secret": None},
        {"UserName": None},
        {"ApiIntegrationCode": None},
    ],
)
async def test_bad_credentials_get_an_empty_401(
    box: Sandbox,
    raw: httpx.AsyncClient,
    auth: Callable[[Sandbox], dict[str, str]],
    change: dict[str, str | None],
) -> None:
    headers = auth(box)
    for name, value in change.items():
        headers.pop(name)
        if value is not None:
            headers[name] = value
    response = await raw.get("/ATServicesRest/V1.0/Tickets/entityInformation", headers=headers)
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["WWW-Authenticate"].startswith('Basic Realm="')


async def test_header_names_and_paths_are_case_insensitive(
    box: Sandbox, raw: httpx.AsyncClient, auth: Callable[[Sandbox], dict[str, str]]
) -> None:
    headers = {name.lower(): value for name, value in auth(box).items()}
    headers["username"] = box.config.username.upper()
    body = {"filter": [{"op": "eq", "field": "id", "value": 0}]}
    for path in ("/ATServicesRest/V1.0/Companies/query", "/atservicesrest/v1.0/companies/QUERY"):
        response = await raw.post(path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert [item["id"] for item in response.json()["items"]] == [0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "NoSuchThings/query"),
        ("GET", "Ticket/1"),  # singular names are not REST roots
        ("GET", "Tickets/1/NoSuchChild"),
        ("GET", "Tickets/query/sideways"),
        ("POST", "Tickets/abc/def/ghi"),
    ],
)
async def test_unknown_paths_are_404(api: httpx.AsyncClient, method: str, path: str) -> None:
    response = await api.request(method, path)
    assert response.status_code == 404
    assert "Message" in response.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "Contacts"),  # Anteris-Dev/autotask-client #12 (API-NOTES §5.2)
        ("GET", "Tickets"),
        ("POST", "Contacts"),  # contacts are created under their company
        ("DELETE", "Tickets/1"),
        ("DELETE", "Companies/1"),
        ("POST", "Resources"),
        ("PATCH", "TicketNotes"),
        ("DELETE", "Tickets/1/Notes/1"),
    ],
)
async def test_verbs_the_catalogue_does_not_allow_are_405(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await api.request(method, path, json={} if method != "GET" else None)
    assert response.status_code == 405
    expected = f"The requested resource does not support http method '{method}'."
    assert response.json() == {"Message": expected}


async def test_entity_information_reflects_the_catalogue(api: httpx.AsyncClient) -> None:
    companies = (await api.get("Companies/entityInformation")).json()["info"]
    assert companies == {
        "name": "Companies",
        "canCreate": True,
        "canDelete": False,
        "canQuery": True,
        "canUpdate": True,
        "userAccessForCreate": "All",
        "userAccessForDelete": "None",
        "userAccessForQuery": "All",
        "userAccessForUpdate": "All",
        "hasUserDefinedFields": True,
        "supportsWebhookCallouts": True,
    }
    resources = (await api.get("Resources/entityInformation")).json()["info"]
    assert (resources["canCreate"], resources["canUpdate"], resources["canDelete"]) == (
        False,
        True,
        False,
    )
    time_entries = (await api.get("TimeEntries/entityInformation")).json()["info"]
    assert time_entries["canDelete"] is True and time_entries["supportsWebhookCallouts"] is False


async def test_fields_and_udfs_are_served_from_metadata(
    box: Sandbox, api: httpx.AsyncClient
) -> None:
    fields = (await api.get("Tickets/entityInformation/fields")).json()["fields"]
    meta = box.metadata.get("Tickets")
    assert meta is not None
    assert fields == json.loads(json.dumps(meta.fields))
    status = next(f for f in fields if f["name"] == "status")
    assert status["isPickList"] and all(
        isinstance(v["value"], str) for v in status["picklistValues"]
    )
    udfs = (await api.get("Tickets/entityInformation/userDefinedFields")).json()["fields"]
    assert [u["name"] for u in udfs] == [u["name"] for u in meta.udfs] and udfs
    assert all("type" in u and "dataType" not in u for u in udfs)
    none = await api.get("Invoices/entityInformation/userDefinedFields")
    assert none.json() == {"fields": []}


async def test_child_forms_of_entity_information(api: httpx.AsyncClient) -> None:
    by_child = (await api.get("Tickets/5/Notes/entityInformation/fields")).json()
    by_root = (await api.get("TicketNotes/entityInformation/fields")).json()
    assert by_child == by_root and by_root["fields"]
    info = (await api.get("Tickets/5/Notes/entityInformation")).json()["info"]
    assert info["name"] == "TicketNotes" and info["canCreate"] and not info["canDelete"]


async def test_global_entity_information_and_version(api: httpx.AsyncClient) -> None:
    described = (await api.get("EntityInformation")).json()["entityDescriptions"]
    names = {entry["info"]["name"] for entry in described}
    assert {"Tickets", "Companies", "TicketNotes"} <= names
    version = (await api.get("Version")).json()
    assert set(version) == {"majorVersion", "minorVersion", "build"}


async def test_get_by_missing_id_is_a_null_item(api: httpx.AsyncClient) -> None:
    response = await api.get("Tickets/987654321")
    assert response.status_code == 200
    assert response.json() == {"item": None}


async def test_get_by_id_returns_the_record(box: Sandbox, api: httpx.AsyncClient) -> None:
    first = box.records("Tickets")[0]
    response = await api.get(f"tickets/{first['id']}")
    assert response.status_code == 200
    item: dict[str, Any] = response.json()["item"]
    assert item == json.loads(json.dumps(first))
    assert item["ticketNumber"].startswith("T") and isinstance(item["userDefinedFields"], list)


async def test_impersonating_an_api_only_or_unknown_resource_is_refused(
    box: Sandbox, api: httpx.AsyncClient, api_user_id: int, tech: dict[str, Any]
) -> None:
    body = {"filter": [{"op": "eq", "field": "id", "value": 0}]}
    refused = (
        "The logged in Resource does not have the adequate permissions to create this entity type."
    )
    for header in (str(api_user_id), "987654", "not-a-number"):
        response = await api.post(
            "Companies/query", json=body, headers={"ImpersonationResourceId": header}
        )
        assert response.status_code == 500
        assert error_text(response) == refused
    inactive = dict(tech, id=990001, isActive=False)
    box.put_record("Resources", inactive)
    response = await api.post(
        "Companies/query", json=body, headers={"impersonationresourceid": "990001"}
    )
    assert response.status_code == 500 and error_text(response) == refused
    allowed = await api.post(
        "Companies/query", json=body, headers={"ImpersonationResourceId": str(tech["id"])}
    )
    assert allowed.status_code == 200
