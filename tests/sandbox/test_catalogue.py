"""The entity catalogue against the 2026 method summary and the Swagger document it came from."""

from __future__ import annotations

import importlib.util
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from contracts import AUTOTASK_METHOD_SUMMARY, AUTOTASK_SWAGGER, CONTRACTS_DIR, load_json, needs

from autotask._catalogue import AREAS, EntityType, entity_type, entity_types

REPO = Path(__file__).resolve().parents[2]

ROOT_VERBS = {
    "GET query": "query",
    "POST query": "query",
    "GET {id}": "get",
    "GET": "get",
    "POST": "create",
    "PATCH": "update",
    "PUT": "replace",
    "DELETE {id}": "delete",
}
CHILD_VERBS = {
    "GET (collection)": "list",
    "GET {id}": "get",
    "POST (collection)": "create",
    "PATCH (collection)": "update",
    "PUT (collection)": "replace",
    "DELETE {id}": "delete",
}


@cache
def summary() -> dict[str, Any]:
    result: dict[str, Any] = load_json(AUTOTASK_METHOD_SUMMARY)
    return result


@cache
def swagger_definitions() -> dict[str, Any]:
    result: dict[str, Any] = load_json(AUTOTASK_SWAGGER)["definitions"]
    return result


def _children() -> dict[tuple[str, str], EntityType]:
    return {(str(e.parent), str(e.child_path)): e for e in entity_types() if e.parent}


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_root_name_of_the_method_summary_is_catalogued_with_its_verbs() -> None:
    for name, operations in summary()["root"].items():
        expected = {ROOT_VERBS[op] for op in operations if op in ROOT_VERBS}
        found = entity_type(name)
        assert found.name == name
        assert found.root_verbs == expected, name


def test_every_child_collection_is_catalogued_with_its_verbs() -> None:
    children = _children()
    for key, operations in summary()["child"].items():
        parent, _, child = key.split("/")
        expected = {CHILD_VERBS[op] for op in operations if op in CHILD_VERBS}
        assert children[(parent, child)].child_verbs == expected, key
    assert len(children) == len(summary()["child"])


def test_sample_verbs_match_the_api_notes() -> None:
    tickets = entity_type("Tickets")
    assert tickets.root_verbs == {"query", "get", "create", "update", "replace"}
    assert "delete" not in tickets.root_verbs
    time_entries = entity_type("TimeEntries")
    assert {"create", "delete", "update"} <= time_entries.root_verbs
    assert time_entries.parent is None
    notes = entity_type("TicketNotes")
    assert notes.root_verbs == {"query", "get"}
    assert (notes.parent, notes.child_path, notes.parent_field) == ("Tickets", "Notes", "ticketID")
    assert notes.child_verbs == {"list", "get", "create", "update", "replace"}
    contacts = entity_type("Contacts")
    assert contacts.root_verbs == {"query", "get"}
    assert (contacts.parent, contacts.child_path, contacts.parent_field) == (
        "Companies",
        "Contacts",
        "companyID",
    )
    assert contacts.child_verbs == {"list", "get", "create", "update", "replace", "delete"}
    assert entity_type("Resources").root_verbs == {"query", "get", "update", "replace"}
    assert entity_type("Invoices").root_verbs == {"query", "get", "update", "replace"}


@pytest.mark.parametrize(
    ("parent", "child", "root_name"),
    [
        ("Tickets", "Notes", "TicketNotes"),
        ("Companies", "Contacts", "Contacts"),
        ("Companies", "Locations", "CompanyLocations"),
        ("Projects", "Tasks", "Tasks"),
        ("Projects", "Phases", "Phases"),
        ("Tasks", "Notes", "TaskNotes"),
        ("Expenses", "Items", "ExpenseItems"),
        ("ContactGroups", "Contacts", "ContactGroupContacts"),
        ("Resources", "ServiceDeskRoles", "ResourceServiceDeskRoles"),
        ("TicketWebhooks", "Fields", "TicketWebhookFields"),
        ("KnowledgeBaseArticles", "Notes", "ArticleNotes"),
    ],
)
def test_child_collections_map_to_their_root_names(parent: str, child: str, root_name: str) -> None:
    assert _children()[(parent, child)].name == root_name


def test_a_child_without_a_root_entity_has_no_root_verbs() -> None:
    pdf = _children()[("Invoices", "InvoicePdf")]
    assert pdf.root_verbs == frozenset()
    assert pdf.name not in summary()["root"]


def test_every_parent_field_exists_in_the_swagger_model() -> None:
    definitions = swagger_definitions()
    checked = 0
    for entry in entity_types():
        model = definitions.get(f"{entry.singular}Model")
        if entry.parent_field is None:
            continue
        assert model is not None, entry.name
        assert entry.parent_field in model["properties"], entry.name
        checked += 1
    assert checked > 100


def test_children_with_a_swagger_model_name_their_parent_field() -> None:
    definitions = swagger_definitions()
    missing = {
        e.name
        for e in entity_types()
        if e.parent and e.parent_field is None and f"{e.singular}Model" in definitions
    }
    assert missing == {"ServiceLevelAgreementResults"}


def test_lookup_by_plural_singular_and_any_case() -> None:
    tickets = entity_type("Tickets")
    assert entity_type("ticket") is tickets
    assert entity_type("TICKETS") is tickets
    assert entity_type(" Ticket ") is tickets
    assert entity_type("Company").name == "Companies"
    assert entity_type("timeentry").name == "TimeEntries"
    assert entity_type("ConfigurationItem").name == "ConfigurationItems"
    assert tickets.singular == "Ticket"
    assert entity_type("Companies").singular == "Company"


def test_unknown_names_raise_a_key_error_with_suggestions() -> None:
    with pytest.raises(KeyError, match=r"'Tickts'.*did you mean Tickets"):
        entity_type("Tickts")
    with pytest.raises(KeyError, match="unknown Autotask entity 'Queues'"):
        entity_type("Queues")


def test_entities_are_sorted_by_area_then_name_and_every_area_is_used() -> None:
    entries = entity_types()
    keys = [(AREAS.index(e.area), e.name) for e in entries]
    assert keys == sorted(keys)
    assert {e.area for e in entries} == set(AREAS)
    assert len({e.name for e in entries}) == len(entries)


@pytest.mark.parametrize(
    ("name", "area", "administrative"),
    [
        ("Tickets", "Service Desk", False),
        ("Companies", "CRM", False),
        ("Contracts", "Contracts & Billing", False),
        ("BillingCodes", "Contracts & Billing", True),
        ("Projects", "Projects", False),
        ("TimeEntries", "Time & Expenses", False),
        ("ConfigurationItems", "Configuration Items & Inventory", False),
        ("Products", "Configuration Items & Inventory", True),
        ("KnowledgeBaseArticles", "Knowledge Base & Documents", False),
        ("Resources", "People & Organisation", True),
        ("Roles", "People & Organisation", True),
        ("ResourceAttachments", "People & Organisation", False),
        ("TicketWebhooks", "Platform", True),
        ("TicketWebhookFields", "Platform", True),
        ("Version", "Platform", True),
    ],
)
def test_areas_and_administrative_flags(name: str, area: str, administrative: bool) -> None:
    found = entity_type(name)
    assert (found.area, found.administrative) == (area, administrative)


@needs(AUTOTASK_SWAGGER, AUTOTASK_METHOD_SUMMARY)
def test_the_packaged_catalogue_is_what_the_generator_writes() -> None:
    generator = _load_script("gen_catalogue")
    packaged = resources.files("autotask").joinpath("catalogue.json").read_text(encoding="utf-8")
    assert generator.render(generator.build(CONTRACTS_DIR / "autotask")) == packaged
