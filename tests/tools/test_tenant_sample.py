"""The tool layer on a real tenant's metadata (``../shared/autotask/tenant-sample``) and on variants
of it that real tenants produce: status 5 renamed, no default note type, picklist values sent as
numbers. The sample itself repeats labels (17 sub-issue types called "Hardware"), spells the
parent field ``IssueType``, has inactive statuses and orders priorities Low → Critical with ids
1 Critical, 2 Medium, 3 Low, 5 High, 6 Urgent.

Skipped, with the reason, where the shared folder is absent (a user's clone).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from support import FAST_RETRY, FIXED_NOW, credentials_for, sandbox_config

from autotask import AutotaskClient
from autotask.sandbox import Sandbox
from autotask.tools import (
    GetArgs,
    NoteDefaults,
    PlanArgs,
    SearchArgs,
    Tenant,
    TicketDefaults,
    ToolContext,
    ToolError,
    actor_of,
    apply_change,
    get,
    plan_change,
    search,
)

Record = dict[str, Any]
TECH_TZ = "America/New_York"
SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "autotask" / "tenant-sample"
pytestmark = pytest.mark.skipif(
    not SAMPLE.is_dir(),
    reason="the real tenant sample (../shared/autotask/tenant-sample) is absent",
)
VARIANTS = ("as captured", "status 5 renamed", "no noteType default", "numeric picklist values")
HIGH_AND_ABOVE = {5, 6, 1}  # High (sortOrder 3), Urgent (4), Critical (5)


def _fields(document: Path) -> list[Record]:
    return list(json.loads(document.read_text(encoding="utf-8"))["fields"])


def _write(folder: Path, name: str, fields: list[Record]) -> None:
    (folder / name).write_text(json.dumps({"fields": fields}), encoding="utf-8")


def _packaged(name: str) -> list[Record]:
    text = resources.files("autotask").joinpath("sandbox", "metadata", name).read_text("utf-8")
    return list(json.loads(text)["fields"])


def make_variant(name: str, folder: Path) -> Path:
    """The sample copied into ``folder``, changed the way the variant ``name`` says."""
    folder.mkdir(parents=True, exist_ok=True)
    for document in SAMPLE.glob("*.json"):
        (folder / document.name).write_text(document.read_text("utf-8"), encoding="utf-8")
    tickets = _fields(folder / "tickets.entityInformation.fields.json")
    notes = _packaged("TicketNotes.fields.json")
    if name == "status 5 renamed":
        status = next(f for f in tickets if f["name"] == "status")
        next(v for v in status["picklistValues"] if v["value"] == "5")["label"] = "Done"
    if name == "no noteType default":
        for value in next(f for f in notes if f["name"] == "noteType")["picklistValues"]:
            value["isDefaultValue"] = False
    if name == "numeric picklist values":
        for info in tickets:
            for value in info.get("picklistValues") or ():
                value["value"] = int(value["value"])
                if value.get("parentValue"):
                    value["parentValue"] = int(value["parentValue"])
    _write(folder, "tickets.entityInformation.fields.json", tickets)
    _write(folder, "TicketNotes.fields.json", notes)
    return folder


@pytest.fixture(params=VARIANTS)
async def tenant_box(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, Sandbox, ToolContext]]:
    folder = make_variant(request.param, tmp_path / "metadata")
    box = Sandbox(sandbox_config(tickets=300, metadata_dir=folder))
    await box.start()
    try:
        async with AutotaskClient(
            credentials_for(box), zone_lookup_url=box.api_url, retry=FAST_RETRY
        ) as client:
            tenant = Tenant(client=client, export_dir=tmp_path / "exports")
            ctx = ToolContext(
                tenant=tenant,
                actor=actor_of(technician(box)),
                timezone=TECH_TZ,
                clock=lambda: FIXED_NOW,
            )
            yield request.param, box, ctx
    finally:
        await box.stop()


def technician(box: Sandbox) -> Record:
    """An active technician who has tickets assigned (not the API user)."""
    assigned = {t["assignedResourceID"] for t in box.records("Tickets")}
    return next(
        r
        for r in box.records("Resources")
        if r["isActive"] and r["userName"] != box.config.username and r["id"] in assigned
    )


def _count(filters: list[dict[str, Any]]) -> SearchArgs:
    return SearchArgs.model_validate({"entity": "Tickets", "filters": filters, "mode": "count"})


def _tickets(box: Sandbox) -> list[Record]:
    return box.records("Tickets")


def _spread(box: Sandbox, field: str, values: list[int], **extra: Callable[[int], Any]) -> None:
    """Give tickets the values in turn (every fourth ticket), so each value is in use."""
    for index, ticket in enumerate(_tickets(box)[::4]):
        value = values[index % len(values)]
        changed = dict(ticket, **{field: value})
        changed.update({key: make(value) for key, make in extra.items()})
        box.put_record("Tickets", changed)


async def test_open_means_not_the_system_complete_value(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    _spread(box, "status", [5, 8, 5, 1])
    expected = sum(1 for t in _tickets(box) if t["status"] != 5)
    args = SearchArgs(entity="Tickets", filters=[{"field": "open", "value": True}], mode="count")
    assert (await search(ctx, args)).total == expected
    closed = _count([{"field": "open", "value": False}])
    assert (await search(ctx, closed)).total == len(_tickets(box)) - expected


async def test_priority_at_least_high_follows_the_picklist_order(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    _spread(box, "priority", [1, 2, 3, 5, 6])
    expected = sum(1 for t in _tickets(box) if t["priority"] in HIGH_AND_ABOVE)
    args = SearchArgs(
        entity="Tickets", filters=[{"field": "priority", "op": ">=", "value": "high"}], mode="count"
    )
    result = await search(ctx, args)
    assert result.total == expected and expected > 0
    critical = sum(1 for t in _tickets(box) if t["priority"] == 1)
    above = _count([{"field": "priority", "op": ">", "value": "Urgent"}])
    assert (await search(ctx, above)).total == critical


async def test_a_repeated_label_searches_every_value_that_carries_it(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    schema = await ctx.schemas.get("Tickets")
    hardware = [
        v for v in schema.require("subIssueType").picklist_values or () if v.label == "Hardware"
    ]
    assert len(hardware) == 17
    parents = {int(v.value): int(str(v.parent_value)) for v in hardware}
    _spread(box, "subIssueType", sorted(parents), issueType=lambda sub: parents[sub])
    expected = sum(1 for t in _tickets(box) if t["subIssueType"] in parents)
    args = SearchArgs(
        entity="Tickets", filters=[{"field": "sub issue", "value": "hardware"}], mode="count"
    )
    assert (await search(ctx, args)).total == expected > 17


async def test_a_child_picklist_is_resolved_within_its_parent(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    schema = await ctx.schemas.get("Tickets")
    active_issues = {
        v.value for v in schema.require("issueType").picklist_values or () if v.is_active
    }
    sub = next(
        v
        for v in schema.require("subIssueType").picklist_values or ()
        if v.label == "Hardware" and v.is_active and v.parent_value in active_issues
    )
    issue = schema.label("issueType", sub.parent_value)
    ticket = next(t for t in _tickets(box) if t["status"] != 5)
    fields = {"issueType": issue, "subIssueType": "Hardware"}
    plan = await plan_change(
        ctx, PlanArgs(action="update", entity="Tickets", id=ticket["id"], fields=fields)
    )
    assert plan.payload["subIssueType"] == int(sub.value)
    assert plan.payload["issueType"] == int(str(sub.parent_value))
    applied = await apply_change(ctx, plan, ctx.require_actor())
    assert applied.status == "applied", applied.message
    with pytest.raises(ToolError, match="say which issueType"):
        await plan_change(
            ctx,
            PlanArgs(action="create", entity="Tickets",
                     fields={"company": ticket["companyID"], "title": "Dead PSU",
                             "priority": "Medium", "subIssueType": "Hardware"}),
        )  # fmt: skip


async def test_close_finds_the_system_complete_value_whatever_its_label(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    variant, box, ctx = tenant_box
    ticket = next(t for t in _tickets(box) if t["status"] != 5)
    plan = await plan_change(
        ctx,
        PlanArgs(action="update", entity="Tickets", id=ticket["id"], fields={"status": "Complete"}),
    )
    assert plan.payload == {"status": 5}
    assert plan.changes[0].after == ("Done" if variant == "status 5 renamed" else "Complete")
    assert (await apply_change(ctx, plan, ctx.require_actor())).status == "applied"
    assert box.get_record("Tickets", ticket["id"])["status"] == 5


async def test_an_inactive_status_is_refused_with_the_active_choices_named(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    ticket = _tickets(box)[0]
    with pytest.raises(ToolError) as refused:
        await plan_change(
            ctx,
            PlanArgs(action="update", entity="Tickets", id=ticket["id"],
                     fields={"status": "waiting materials"}),
        )  # fmt: skip
    message = str(refused.value)
    assert "no longer an active status" in message and "Waiting Internal" in message
    assert "Waiting Materials" not in message.split("Active choices:")[1]
    with pytest.raises(ToolError, match="Did you mean Waiting Customer"):
        await plan_change(
            ctx,
            PlanArgs(action="update", entity="Tickets", id=ticket["id"],
                     fields={"status": "Waiting Custmer"}),
        )  # fmt: skip
    accented = await plan_change(
        ctx,
        PlanArgs(action="update", entity="Tickets", id=ticket["id"],
                 fields={"status": "IN PRÖGRESS"}),
    )  # fmt: skip
    assert accented.payload == {"status": 8}


async def test_notes_get_a_type_and_are_updated_under_their_ticket(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    ticket = _tickets(box)[3]
    plan = await plan_change(
        ctx,
        PlanArgs(action="create", entity="TicketNotes",
                 fields={"ticket": ticket["id"], "description": "Replaced the PSU."}),
    )  # fmt: skip
    assert plan.payload["noteType"] is not None and plan.payload["publish"] is not None
    created = await apply_change(ctx, plan, ctx.require_actor())
    assert created.status == "applied", created.message
    box.clear_requests()
    update = await plan_change(
        ctx,
        PlanArgs(action="update", entity="TicketNotes", id=created.record_id,
                 fields={"description": "Replaced the PSU and the fan."}),
    )  # fmt: skip
    changed = await apply_change(ctx, update, ctx.require_actor())
    assert changed.status == "applied", changed.message
    patches = [r.path for r in box.requests if r.method == "PATCH"]
    assert patches == [f"/ATServicesRest/V1.0/Tickets/{ticket['id']}/Notes"]
    note = box.get_record("TicketNotes", int(str(created.record_id)))
    assert note["description"] == "Replaced the PSU and the fan."


async def test_newest_tickets_are_the_most_recently_created(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    newest_first = sorted(_tickets(box), key=lambda t: (t["createDate"], t["id"]), reverse=True)
    result = await search(ctx, SearchArgs(entity="Tickets", sort="-createDate", limit=7))
    assert [row["id"] for row in result.rows] == [t["id"] for t in newest_first[:7]]
    assert result.total == len(newest_first)


async def test_user_defined_fields_by_label_and_by_date_range(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index, ticket in enumerate(_tickets(box)[:60]):
        day = (start + timedelta(days=index % 45)).date().isoformat()
        lane = ("inprogress", "testing")[index % 2]
        box.put_record("Tickets", dict(ticket, userDefinedFields=[
            {"name": "Agreed Start Date", "value": day},
            {"name": "Project Swimlanes", "value": lane},
        ]))  # fmt: skip
    in_november = sum(1 for i in range(60) if (start + timedelta(days=i % 45)).month == 11)
    args = SearchArgs(
        entity="Tickets",
        filters=[{"field": "Agreed Start Date", "op": "within", "value": "this month"}],
        mode="count",
    )
    assert (await search(ctx, args)).total == in_november
    lanes = _count([{"field": "Project Swimlanes", "value": "3. Testing"}])
    assert (await search(ctx, lanes)).total == 30
    shown = await get(ctx, GetArgs(id=_tickets(box)[1]["id"]))
    assert shown.record["userDefinedFields"]["Project Swimlanes"] == "3. Testing"


async def test_closed_statuses_setting_narrows_open(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    _spread(box, "status", [5, 33, 8, 1])  # 33 Waiting to Invoice: done, as this MSP sees it
    tenant = replace(
        ctx.tenant, ticket_defaults=TicketDefaults(closed_statuses=("waiting to invoice",))
    )
    closing = ToolContext(tenant=tenant, actor=ctx.actor, timezone=ctx.timezone, clock=ctx.clock)
    expected = sum(1 for t in _tickets(box) if t["status"] not in (5, 33))
    result = await search(closing, _count([{"field": "open", "value": True}]))
    assert result.total == expected


async def test_note_defaults_setting_chooses_type_and_visibility(
    tenant_box: tuple[str, Sandbox, ToolContext],
) -> None:
    _, box, ctx = tenant_box
    chosen = NoteDefaults(note_type="Task Detail", publish="Internal Project Team")
    noting = ToolContext(tenant=replace(ctx.tenant, note_defaults=chosen), actor=ctx.actor,
                         timezone=ctx.timezone, clock=ctx.clock)  # fmt: skip
    plan = await plan_change(
        noting,
        PlanArgs(action="create", entity="TicketNotes",
                 fields={"ticket": _tickets(box)[2]["id"], "description": "Ordered a PSU."}),
    )  # fmt: skip
    assert (plan.payload["noteType"], plan.payload["publish"]) == (2, 2)
