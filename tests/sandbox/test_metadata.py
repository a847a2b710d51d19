"""The sandbox's entity metadata: Autotask's shape, the Swagger models, the tenant sample."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from contracts import (
    AUTOTASK_SWAGGER,
    CONTRACTS_DIR,
    TENANT_SAMPLE,
    load_json,
    needs,
    require,
)

from autotask._catalogue import entity_type
from autotask.sandbox._metadata import MetadataRegistry

REPO = Path(__file__).resolve().parents[2]
PACKAGED = resources.files("autotask").joinpath("sandbox", "metadata")

CORE = (
    "Companies", "CompanyNotes", "Contacts", "Resources", "Roles", "Departments",
    "ResourceServiceDeskRoles", "ResourceRoleQueues", "Tickets", "TicketNotes", "TimeEntries",
    "Contracts", "Invoices", "Projects", "Phases", "Tasks", "TaskNotes", "ProjectNotes",
    "ConfigurationItems", "Products", "BillingCodes", "TicketWebhooks", "TicketWebhookFields",
    "TicketWebhookExcludedResources", "TicketNoteWebhooks", "TicketNoteWebhookFields",
    "TicketNoteWebhookExcludedResources",
)  # fmt: skip
FIELD_KEYS = {
    "name", "dataType", "length", "isRequired", "isReadOnly", "isQueryable", "isReference",
    "referenceEntityType", "isPickList", "picklistValues", "picklistParentValueField",
    "isSupportedWebhookField",
}  # fmt: skip
UDF_KEYS = (FIELD_KEYS - {"dataType"}) | {"type", "label", "description", "defaultValue"}
VALUE_KEYS = {
    "value",
    "label",
    "isDefaultValue",
    "sortOrder",
    "parentValue",
    "isActive",
    "isSystem",
}
SWAGGER_TYPES = {
    ("integer", "int32"): "integer",
    ("integer", "int64"): "long",
    ("string", None): "string",
    ("string", "date-time"): "datetime",
    ("boolean", None): "boolean",
    ("number", "double"): "decimal",
}


@cache
def swagger_definitions() -> dict[str, Any]:
    result: dict[str, Any] = load_json(AUTOTASK_SWAGGER)["definitions"]
    return result


@cache
def registry() -> MetadataRegistry:
    return MetadataRegistry()


def packaged(name: str) -> list[dict[str, Any]]:
    document = json.loads(PACKAGED.joinpath(name).read_text(encoding="utf-8"))
    fields: list[dict[str, Any]] = document["fields"]
    return fields


def tenant(name: str) -> dict[str, dict[str, Any]]:
    path = require(TENANT_SAMPLE) / f"{name}.entityInformation.fields.json"
    document = json.loads(path.read_text())
    return {f["name"]: f for f in document["fields"]}


def model(entity: str) -> dict[str, Any]:
    properties: dict[str, Any] = swagger_definitions()[f"{entity_type(entity).singular}Model"][
        "properties"
    ]
    return properties


def test_every_core_entity_has_a_packaged_fields_document() -> None:
    names = sorted(item.name for item in PACKAGED.iterdir() if item.name.endswith(".json"))
    assert {name.split(".")[0] for name in names if name.endswith(".fields.json")} == set(CORE)
    assert registry().names() == sorted(CORE)


@pytest.mark.parametrize("entity", CORE)
def test_every_field_exists_in_the_swagger_model_with_its_type(entity: str) -> None:
    properties = model(entity)
    for field in packaged(f"{entity}.fields.json"):
        schema = properties.get(field["name"])
        assert schema is not None, f"{entity}.{field['name']} is not in the Swagger model"
        kind = (schema.get("type"), schema.get("format"))
        assert field["dataType"] == SWAGGER_TYPES[kind], f"{entity}.{field['name']}"
    names = {f["name"] for f in packaged(f"{entity}.fields.json")}
    assert names == set(properties) - {"soapParentPropertyId", "userDefinedFields"}


@pytest.mark.parametrize("entity", CORE)
def test_fields_have_autotasks_shape(entity: str) -> None:
    fields = packaged(f"{entity}.fields.json")
    assert [f["name"] for f in fields] == sorted((f["name"] for f in fields), key=str.lower)
    for field in fields:
        assert set(field) == FIELD_KEYS, field["name"]
        assert field["isPickList"] == (field["picklistValues"] is not None), field["name"]
        assert field["isReference"] == bool(field["referenceEntityType"]), field["name"]
        for value in field["picklistValues"] or []:
            assert set(value) == VALUE_KEYS
            assert isinstance(value["value"], str)
            assert isinstance(value["parentValue"], str)
    ids = [f for f in fields if f["name"] == "id"]
    assert ids and ids[0]["isReadOnly"] and ids[0]["dataType"] == "long"


@pytest.mark.parametrize("entity", CORE)
def test_picklists_have_at_most_one_default_and_parents_that_exist(entity: str) -> None:
    meta = registry().get(entity)
    assert meta is not None
    for field in meta.fields:
        values = field["picklistValues"] or []
        assert sum(1 for v in values if v["isDefaultValue"]) <= 1, field["name"]
        assert len({v["value"] for v in values}) == len(values), field["name"]
        parent_name = field["picklistParentValueField"]
        if parent_name:
            parents = {v["value"] for v in meta.picklist(parent_name)}
            assert parents, field["name"]
            assert all(v["parentValue"] in parents for v in values), field["name"]


@pytest.mark.parametrize("entity", CORE)
def test_references_name_catalogued_entities(entity: str) -> None:
    meta = registry().get(entity)
    assert meta is not None
    for field in meta.fields:
        if field["isReference"]:
            target = entity_type(field["referenceEntityType"])
            assert target.singular == field["referenceEntityType"], field["name"]


@pytest.mark.parametrize(("entity", "sample"), [("Tickets", "tickets"), ("Contacts", "contacts"),
                                               ("Resources", "resources")])  # fmt: skip
def test_flags_equal_the_tenant_sample(entity: str, sample: str) -> None:
    real = tenant(sample)
    keys = ("isRequired", "isReadOnly", "isQueryable", "length", "isReference",
            "referenceEntityType")  # fmt: skip
    for field in packaged(f"{entity}.fields.json"):
        for key in keys:
            assert field[key] == real[field["name"]][key], f"{entity}.{field['name']}.{key}"


def test_ticket_required_and_read_only_fields_equal_the_tenant_sample() -> None:
    real = tenant("tickets")
    fields = packaged("Tickets.fields.json")
    required = {f["name"] for f in fields if f["isRequired"]}
    read_only = {f["name"] for f in fields if f["isReadOnly"]}
    assert required == {n for n, f in real.items() if f["isRequired"]}
    assert required == {"id", "companyID", "priority", "status", "title"}
    assert read_only == {n for n, f in real.items() if f["isReadOnly"]}


def test_ticket_picklists_are_the_demo_msps_own() -> None:
    tickets = registry().get("tickets")
    assert tickets is not None
    labels = {v["value"]: v["label"] for v in tickets.picklist("priority")}
    assert labels == {"1": "High", "2": "Medium", "3": "Low", "4": "Critical"}
    assert tickets.default_value("priority") == "2"
    assert tickets.default_value("status") == "1"
    assert tickets.default_value("queueID") == "29682833"
    assert tickets.default_value("ticketCategory") == "3"
    status = {v["value"]: v for v in tickets.picklist("status")}
    assert status["5"]["label"] == "Complete"
    assert any(not v["isActive"] for v in status.values())
    sub = tickets.field("subIssueType")
    assert sub is not None and sub["picklistParentValueField"] == "IssueType"  # as real tenants
    assert len(tickets.picklist("issueType")) == 8


def test_contacts_is_active_is_an_integer_and_webhook_fields_carry_the_documented_ids() -> None:
    contacts = registry().get("Contacts")
    webhook_fields = registry().get("TicketWebhookFields")
    assert contacts is not None and webhook_fields is not None
    is_active = contacts.field("isActive")
    assert is_active is not None and is_active["dataType"] == "integer"
    ids = {v["value"]: v["label"] for v in webhook_fields.picklist("fieldID")}
    assert ids["1"] == "CompanyID" and ids["5"] == "Status" and ids["85"] == "TicketNumber"


def test_user_defined_fields_use_type_and_are_where_the_records_have_them() -> None:
    for entity, expected in (("Tickets", "Customer Impact"), ("Companies", "Backup Product"),
                             ("ConfigurationItems", "Warranty Provider")):  # fmt: skip
        meta = registry().get(entity)
        assert meta is not None and meta.supports_udfs
        names = {u["name"] for u in meta.udfs}
        assert expected in names
        for udf in meta.udfs:
            assert set(udf) == UDF_KEYS
    roles, contracts = registry().get("Roles"), registry().get("Contracts")
    assert roles is not None and not roles.supports_udfs and roles.udfs == []
    assert contracts is not None and contracts.supports_udfs and contracts.udfs == []


def test_lookups_ignore_case_and_answer_empty_for_non_picklists() -> None:
    meta = registry().get("TICKETS")
    assert meta is not None and meta.name == "Tickets"
    field = meta.field("TicketNumber")
    assert field is not None and field["name"] == "ticketNumber"
    assert meta.field("noSuchField") is None
    assert meta.picklist("title") == []
    assert meta.default_value("title") is None
    assert registry().get("Queues") is None


def test_the_tenant_sample_replaces_the_packaged_metadata() -> None:
    loaded = MetadataRegistry(require(TENANT_SAMPLE))
    tickets = loaded.get("Tickets")
    assert tickets is not None
    labels = {v["value"]: v["label"] for v in tickets.picklist("priority")}
    assert labels == {"1": "Critical", "2": "Medium", "3": "Low", "5": "High", "6": "Urgent"}
    issue_values = {v["value"] for v in tickets.picklist("issueType")}
    subs = tickets.picklist("subIssueType")
    assert len(subs) == 290
    assert all(v["parentValue"] in issue_values for v in subs)
    assert len(tickets.udfs) == 8
    assert "CompanyWebhooks" in loaded.names()
    webhooks = loaded.get("ticketwebhooks")
    assert webhooks is not None and webhooks.field("webhookGuid") is not None
    assert loaded.get("Companies") == registry().get("Companies")


def test_override_files_may_use_any_of_autotasks_names(tmp_path: Path) -> None:
    field = {**packaged("Roles.fields.json")[0], "name": "id"}
    (tmp_path / "Roles.fields.json").write_text(json.dumps({"fields": [field]}))
    udf = json.loads(PACKAGED.joinpath("Companies.userDefinedFields.json").read_text())
    udf["fields"] = udf["fields"][:1]
    (tmp_path / "companies.entityInformation.userDefinedFields.json").write_text(json.dumps(udf))
    (tmp_path / "Departments.entityInformation.fields.json").write_text('{"fields": []}')
    (tmp_path / "README.md").write_text("not metadata")
    loaded = MetadataRegistry(tmp_path)
    roles, companies, departments = (loaded.get(n) for n in ("Roles", "Companies", "Departments"))
    assert roles is not None and [f["name"] for f in roles.fields] == ["id"]
    assert companies is not None and [u["name"] for u in companies.udfs] == ["Backup Product"]
    assert len(companies.fields) == len(packaged("Companies.fields.json"))
    assert departments is not None and departments.fields == []


def test_a_missing_override_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        MetadataRegistry(tmp_path / "missing")


@needs(AUTOTASK_SWAGGER, TENANT_SAMPLE)
def test_the_packaged_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_sandbox_metadata", REPO / "scripts" / "gen_sandbox_metadata.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    written = generator.generate(CONTRACTS_DIR, tmp_path)
    assert {path.name for path in written} == {
        item.name for item in PACKAGED.iterdir() if item.name.endswith(".json")
    }
    for path in written:
        assert path.read_text() == PACKAGED.joinpath(path.name).read_text(encoding="utf-8")


def test_packaged_metadata_has_the_quirks_of_real_tenants() -> None:
    """Repeated labels under different parents, the parent field spelled ``IssueType`` and
    note picklists without a default: what the tenant sample shows, so tests meet it."""
    tickets = {f["name"]: f for f in packaged("Tickets.fields.json")}
    subs = tickets["subIssueType"]["picklistValues"]
    others = [v for v in subs if v["label"] == "Other"]
    assert len(others) >= 3 and len({v["parentValue"] for v in others}) == len(others)
    assert tickets["subIssueType"]["picklistParentValueField"] == "IssueType"
    for entity in ("TicketNotes", "TaskNotes", "ProjectNotes"):
        notes = {f["name"]: f for f in packaged(f"{entity}.fields.json")}
        for name in ("noteType", "publish"):
            assert not any(v["isDefaultValue"] for v in notes[name]["picklistValues"]), entity
