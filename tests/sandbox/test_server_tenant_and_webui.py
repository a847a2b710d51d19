"""A real tenant's metadata via ``metadata_dir``, and the ExecuteCommand deep-link pages (§9)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from autotask.sandbox import Sandbox


def labels(fields: list[dict[str, Any]], name: str) -> dict[str, str]:
    field = next(f for f in fields if f["name"] == name)
    return {v["value"]: v["label"] for v in field["picklistValues"]}


async def test_tenant_metadata_changes_the_picklists_served(
    make_sandbox: Callable[..., Sandbox],
    auth: Callable[[Sandbox], dict[str, str]],
    tenant_dir: Path,
    api: httpx.AsyncClient,
) -> None:
    packaged = (await api.get("Tickets/entityInformation/fields")).json()["fields"]
    assert labels(packaged, "priority")["1"] == "High"
    tenant_fields = json.loads((tenant_dir / "tickets.entityInformation.fields.json").read_text())
    async with make_sandbox(metadata_dir=tenant_dir) as box:
        async with httpx.AsyncClient(base_url=box.api_url + "V1.0/", headers=auth(box)) as tenant:
            served = (await tenant.get("Tickets/entityInformation/fields")).json()["fields"]
            assert served == tenant_fields["fields"]
            assert labels(served, "priority") == {
                "1": "Critical",
                "2": "Medium",
                "3": "Low",
                "5": "High",
                "6": "Urgent",
            }
            udfs = (await tenant.get("Tickets/entityInformation/userDefinedFields")).json()
            assert "Agreed Start Date" in [u["name"] for u in udfs["fields"]]

            company = box.records("Companies")[1]["id"]
            body = {"companyID": company, "title": "Urgent thing", "status": 1, "priority": 6}
            created = await tenant.post("Tickets", json=body)
            assert created.status_code == 200, created.text
            waiting_materials = dict(body, status=9)  # inactive in this tenant
            refused = await tenant.post("Tickets", json=waiting_materials)
            assert refused.json() == {"errors": ["The value 9 of the field status is inactive."]}
            assert all(t["priority"] in (1, 2, 3, 5, 6) for t in box.records("Tickets"))
    assert (await api.post("Tickets", json=dict(body, priority=6))).status_code == 500


async def test_tenant_dependent_picklists_follow_parent_values(
    make_sandbox: Callable[..., Sandbox],
    auth: Callable[[Sandbox], dict[str, str]],
    tenant_dir: Path,
) -> None:
    fields = json.loads((tenant_dir / "tickets.entityInformation.fields.json").read_text())[
        "fields"
    ]
    issues = {
        v["value"]
        for v in next(f for f in fields if f["name"] == "issueType")["picklistValues"]
        if v["isActive"]
    }
    subs = next(f for f in fields if f["name"] == "subIssueType")["picklistValues"]
    sub = next(v for v in subs if v["isActive"] and v["parentValue"] in issues)
    other_issue = next(i for i in sorted(issues) if i != sub["parentValue"])
    async with make_sandbox(metadata_dir=tenant_dir) as box:
        async with httpx.AsyncClient(base_url=box.api_url + "V1.0/", headers=auth(box)) as api:
            body = {"companyID": box.records("Companies")[1]["id"], "title": "t", "status": 1,
                    "priority": 2, "subIssueType": int(sub["value"])}  # fmt: skip
            right = await api.post("Tickets", json=dict(body, issueType=int(sub["parentValue"])))
            assert right.status_code == 200, right.text
            wrong = await api.post("Tickets", json=dict(body, issueType=int(other_issue)))
            assert wrong.status_code == 500
            assert "subIssueType" in wrong.json()["errors"][0]


async def test_deep_links_render_the_record(box: Sandbox, raw: httpx.AsyncClient) -> None:
    ticket = dict(box.records("Tickets")[0], title="<script>alert('x')</script> & more")
    box.put_record("Tickets", ticket)
    page = "/Autotask/AutotaskExtend/ExecuteCommand.aspx"
    by_id = await raw.get(page, params={"Code": "OpenTicketDetail", "TicketID": ticket["id"]})
    assert by_id.status_code == 200 and by_id.headers["content-type"].startswith("text/html")
    assert ticket["ticketNumber"] in by_id.text
    assert "<script>" not in by_id.text and "&lt;script&gt;" in by_id.text
    by_number = await raw.get(
        page.lower(), params={"code": "openticketdetail", "ticketnumber": ticket["ticketNumber"]}
    )
    assert by_number.status_code == 200 and by_number.text == by_id.text
    company = box.records("Companies")[1]
    account = await raw.get(page, params={"Code": "OpenAccount", "AccountID": company["id"]})
    assert account.status_code == 200 and company["companyName"] in account.text


async def test_deep_link_errors(box: Sandbox, raw: httpx.AsyncClient) -> None:
    page = "/Autotask/AutotaskExtend/ExecuteCommand.aspx"
    missing = await raw.get(page, params={"Code": "OpenContract", "ContractID": 987654321})
    assert missing.status_code == 404
    unknown = await raw.get(page, params={"Code": "<b>Launch</b>"})
    assert unknown.status_code == 400 and "<b>" not in unknown.text
    assert (await raw.get("/Autotask/Other.aspx")).status_code == 404
    assert any(r.path.lower() == page.lower() for r in box.requests)
