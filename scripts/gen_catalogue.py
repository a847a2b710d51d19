"""Generate ``autotask/catalogue.json``: every Autotask REST entity, its verbs, area and parent.

Inputs (all in the shared Autotask folder, ``../shared/autotask`` from the repo root by default):

* ``autotask-rest-entity-method-summary-2026.json``: the root and child verbs per entity;
* ``autotask-rest-swagger-v1-2022.json``: the model behind each path (for the singular name and
  to check that a child's parent field exists).

Areas and the administrative (★) flags are transcribed from API-NOTES §10 below.

Usage: ``python scripts/gen_catalogue.py [SHARED_AUTOTASK_DIR] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "autotask"
DEFAULT_OUT = REPO_ROOT / "autotask" / "catalogue.json"

AREAS = (
    "CRM",
    "Service Desk",
    "Contracts & Billing",
    "Projects",
    "Time & Expenses",
    "Configuration Items & Inventory",
    "Knowledge Base & Documents",
    "People & Organisation",
    "Platform",
)

# API-NOTES §10, transcribed: a leading "!" marks a tenant-wide administrative (★) entity. Glob
# patterns stand for the families the notes abbreviate ("Article*Associations"); an exact name
# wins over a pattern, and a longer pattern over a shorter one.
_AREA_TABLE: dict[str, str] = {
    "CRM": """
        Companies CompanyLocations CompanyNotes CompanyToDos CompanyAlerts CompanyTeams
        CompanySiteConfigurations CompanyAttachments CompanyNoteAttachments Contacts ContactGroups
        ContactGroupContacts ContactBillingProductAssociations ClientPortalUsers
        ComanagedAssociations Opportunities OpportunityAttachments Quotes QuoteItems QuoteLocations
        SalesOrders SalesOrderAttachments Surveys SurveyResults Appointments !ActionTypes
        !CompanyCategories !OpportunityCategories !QuoteTemplates !ClassificationIcons !Countries
        !Currencies""",
    "Service Desk": """
        Tickets TicketNotes TicketHistory TicketAttachments TicketNoteAttachments TicketCharges
        TicketChecklistItems TicketChecklistLibraries TicketSecondaryResources
        TicketAdditionalContacts TicketAdditionalConfigurationItems TicketChangeRequestApprovals
        TicketRmaCredits TicketTagAssociations ChangeRequestLinks ServiceCalls ServiceCallTickets
        ServiceCallTasks ServiceCallTicketResources ServiceCallTaskResources
        ServiceLevelAgreementResults DeletedTicketLogs DeletedTicketActivityLogs NotificationHistory
        !TicketCategories !TicketCategoryFieldDefaults !ChecklistLibraries
        !ChecklistLibraryChecklistItems !Tags !TagGroups !TagAliases""",
    "Contracts & Billing": """
        Contracts Contract?* !ContractExclusionSets !ContractExclusionSetExcluded* !Services
        !ServiceBundles !ServiceBundleServices BillingItems BillingItemApprovalLevels Invoices
        Invoice?* AdditionalInvoiceFieldValues !InvoiceTemplates !PaymentTerms !BillingCodes
        !WorkTypeModifiers !PriceList?* Subscriptions SubscriptionPeriods !Taxes !TaxCategories
        !TaxRegions ChangeOrderCharges CompanyInvoiceSettings""",
    "Projects": """
        Projects Phases Tasks TaskNotes TaskPredecessors TaskSecondaryResources TaskAttachments
        TaskNoteAttachments ProjectNotes ProjectCharges ProjectAttachments ProjectNoteAttachments
        DeletedTaskActivityLogs""",
    "Time & Expenses": """
        TimeEntries TimeEntryAttachments ExpenseReports ExpenseItems ExpenseReportAttachments
        ExpenseItemAttachments TimeOffRequests TimeOffRequestsApprove TimeOffRequestsReject
        ResourceTimeOff?* ResourceDailyAvailabilities !HolidaySets !Holidays""",
    "Configuration Items & Inventory": """
        ConfigurationItems ConfigurationItemNotes ConfigurationItemAttachments
        ConfigurationItemNoteAttachments ConfigurationItemRelatedItems ConfigurationItemDnsRecords
        ConfigurationItemSslSubjectAlternativeNames ConfigurationItemBillingProductAssociations
        !ConfigurationItemTypes !ConfigurationItemCategories
        !ConfigurationItemCategoryUdfAssociations !DomainRegistrars !Products ProductNotes
        ProductTiers ProductVendors InventoryItems
        InventoryItemSerialNumbers !InventoryLocations InventoryProducts InventoryStockedItem?*
        InventoryTransfers PurchaseOrders PurchaseOrderItems PurchaseOrderItemReceiving
        PurchaseApprovals !ShippingTypes""",
    "Knowledge Base & Documents": """
        KnowledgeBaseArticles !KnowledgeBaseCategories Article?* Documents !DocumentCategories
        Document?*""",
    "People & Organisation": """
        !Resources !ResourceRoles !ResourceRoleDepartments !ResourceRoleQueues
        !ResourceServiceDeskRoles !ResourceSkills ResourceAttachments !Roles !Departments !Skills
        !InternalLocations !InternalLocationWithBusinessHours !OrganizationalLevel1s
        !OrganizationalLevel2s !OrganizationalLevelAssociations !OrganizationalResources""",
    "Platform": """
        !UserDefinedFieldDefinitions !UserDefinedFieldListItems !?*Webhooks !?*WebhookFields
        !?*WebhookUdfFields !?*WebhookExcludedResources !WebhookEventErrorLogs
        IntegrationVendorInsights IntegrationVendorWidgets !Modules !Version !ThresholdInformation
        !ZoneInformation !EntityInformation Authenticate AttachmentInfo""",
}

_ROOT_VERBS = {
    "GET query": "query",
    "POST query": "query",
    "GET {id}": "get",
    "GET": "get",  # Version, Modules, ZoneInformation...: a plain GET on the root itself
    "POST": "create",
    "PATCH": "update",
    "PUT": "replace",
    "DELETE {id}": "delete",
}
_CHILD_VERBS = {
    "GET (collection)": "list",
    "GET {id}": "get",
    "POST (collection)": "create",
    "PATCH (collection)": "update",
    "PUT (collection)": "replace",
    "DELETE {id}": "delete",
}

# API-NOTES §5.2: child collections whose root name is not Parent-singular + Child.
_CHILD_ROOT_NAMES = {
    ("Companies", "Contacts"): "Contacts",
    ("Companies", "Locations"): "CompanyLocations",
    ("ContactGroups", "Contacts"): "ContactGroupContacts",
    ("Projects", "Tasks"): "Tasks",
    ("Projects", "Phases"): "Phases",
    ("Expenses", "Items"): "ExpenseItems",
    ("DocumentCategories", "Documents"): "Documents",
    ("KnowledgeBaseCategories", "KnowledgeBaseArticles"): "KnowledgeBaseArticles",
    ("Documents", "ArticleAssociations"): "DocumentToArticleAssociations",
    ("Documents", "DocumentAssociations"): "DocumentToDocumentAssociations",
    ("KnowledgeBaseArticles", "ArticleAssociations"): "ArticleToArticleAssociations",
    ("KnowledgeBaseArticles", "DocumentAssociations"): "ArticleToDocumentAssociations",
    ("OrganizationalLevelAssociations", "Resources"): "OrganizationalResources",
    ("Resources", "TimeOffRequests"): "TimeOffRequests",
    ("TimeOffRequests", "Approve"): "TimeOffRequestsApprove",
    ("TimeOffRequests", "Reject"): "TimeOffRequestsReject",
    ("Opportunities", "SalesOrders"): "SalesOrders",
    ("HolidaySets", "Holidays"): "Holidays",
}
# Parents whose children drop or shorten the parent's name ("KnowledgeBaseArticles/Notes" is
# "ArticleNotes", "InventoryProducts/StockedItems" is "InventoryStockedItems").
_CHILD_PREFIXES = {"KnowledgeBaseArticles": "Article", "InventoryProducts": "Inventory"}
# Parent fields that are not lowerFirst(parent singular) + "ID".
_PARENT_FIELDS: dict[tuple[str, str], str | None] = {
    ("ContactGroups", "Contacts"): "contactGroupId",
    ("Expenses", "Items"): "expenseReportID",
    ("KnowledgeBaseCategories", "KnowledgeBaseArticles"): "articleCategoryID",
    ("UserDefinedFields", "ListItems"): "udfFieldId",
    ("Resources", "TimeOffRequests"): "resourceID",
    ("ConfigurationItems", "DnsRecords"): "installedProductID",
    # one-to-one: the content record has its parent's id
    ("Documents", "PlainTextContent"): "id",
    ("KnowledgeBaseArticles", "PlainTextContent"): "id",
    ("PurchaseOrders", "Items"): "orderID",
    ("Tasks", "Predecessors"): "successorTaskID",
    # the results carry the SLA's name and the ticket, not the SLA's id
    ("ServiceLevelAgreements", "Results"): None,
}
_PROBLEMS: list[str] = []
_WEBHOOK_PARENT = re.compile(r"^\w+Webhooks$")
_WRAPPED_REF = re.compile(r"#/definitions/(?:ItemQueryResultModel|QueryActionResult)\[(\w+)Model,")
_BARE_REF = re.compile(r"#/definitions/(\w+)Model$")


def singularize(name: str) -> str:
    """English singular of an Autotask plural root name ("Companies" -> "Company")."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("xes", "sses", "ches", "shes", "Aliases")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _area_patterns() -> list[tuple[str, str, bool]]:
    """(pattern, area, administrative) for every token of the area table."""
    return [
        (token.lstrip("!"), area, token.startswith("!"))
        for area, text in _AREA_TABLE.items()
        for token in text.split()
    ]


def classify(name: str, patterns: list[tuple[str, str, bool]]) -> tuple[str, bool]:
    """Area and administrative flag of one entity."""
    exact = [(area, admin) for pattern, area, admin in patterns if pattern == name]
    if exact:
        return exact[0]
    matches = [p for p in patterns if "?" in p[0] or "*" in p[0]]
    matches = [p for p in matches if fnmatchcase(name, p[0])]
    if not matches:
        raise SystemExit(f"no area for entity {name!r}; extend _AREA_TABLE")
    _, area, admin = max(matches, key=lambda p: len(p[0].strip("?*")))
    return area, admin


def _operation_models(operation: dict[str, Any]) -> list[tuple[int, str]]:
    """(rank, model) pairs an operation names: wrapped results first, bare models, then bodies."""
    found = []
    for response in operation.get("responses", {}).values():
        ref = response.get("schema", {}).get("$ref", "")
        wrapped = _WRAPPED_REF.match(ref)
        bare = _BARE_REF.match(ref)
        if wrapped:
            found.append((0, wrapped.group(1)))
        elif bare and not bare.group(1).endswith("Result"):
            found.append((1, bare.group(1)))
    for parameter in operation.get("parameters", []):
        bare = _BARE_REF.match(parameter.get("schema", {}).get("$ref", ""))
        if parameter.get("in") == "body" and bare:
            found.append((2, bare.group(1)))
    return found


def _swagger_models(swagger: dict[str, Any]) -> dict[str, str]:
    """Path prefix (``Tickets`` or ``Tickets/Notes``) -> model name (``TicketNote``)."""
    ranked: dict[str, tuple[int, str]] = {}
    for path, operations in swagger["paths"].items():
        parts = path.split("/")[2:]
        if len(parts) >= 3 and parts[1] == "{parentId}":
            key = f"{parts[0]}/{parts[2]}"
        elif parts and "{parentId}" not in path:
            key = parts[0]
        else:
            continue
        for operation in operations.values():
            for candidate in _operation_models(operation):
                ranked[key] = min(ranked.get(key, candidate), candidate)
    return {key: model for key, (_, model) in ranked.items()}


def _verbs(entries: list[str], table: dict[str, str]) -> list[str]:
    return sorted({table[entry] for entry in entries if entry in table})


def _child_root_name(parent: str, child: str, roots: set[str]) -> tuple[str, bool]:
    """Root name of a child collection and whether that root exists."""
    parent_singular = singularize(parent)
    child_cap = child[:1].upper() + child[1:]
    candidates = [_CHILD_ROOT_NAMES.get((parent, child), "")]
    if parent in _CHILD_PREFIXES:
        candidates.append(_CHILD_PREFIXES[parent] + child_cap)
    candidates.append(child_cap if child_cap.startswith(parent_singular) else "")
    candidates.append(parent_singular + child_cap)
    for candidate in candidates:
        if candidate in roots:
            return candidate, True
    fallback = child_cap if child_cap.startswith(parent_singular) else parent_singular + child_cap
    return fallback, False


def _parent_field(parent: str, child: str, model: dict[str, Any] | None) -> str | None:
    if model is None or _PARENT_FIELDS.get((parent, child), "") is None:
        return None
    properties = {name.lower(): name for name in model.get("properties", {})}
    wanted = _PARENT_FIELDS.get((parent, child))
    if wanted is None and _WEBHOOK_PARENT.match(parent):
        wanted = "webhookID"
    if wanted is None:
        stem = "article" if parent == "KnowledgeBaseArticles" else singularize(parent)
        wanted = stem[:1].lower() + stem[1:] + "ID"
    found = properties.get(wanted.lower())
    if found is None:
        _PROBLEMS.append(f"parent field {wanted!r} of {parent}/{child} not in its swagger model")
    return found


def build(shared: Path) -> dict[str, Any]:
    summary = json.loads((shared / "autotask-rest-entity-method-summary-2026.json").read_text())
    swagger = json.loads((shared / "autotask-rest-swagger-v1-2022.json").read_text())
    definitions = swagger["definitions"]
    models = _swagger_models(swagger)
    roots: dict[str, list[str]] = summary["root"]
    patterns = _area_patterns()
    entities: dict[str, dict[str, Any]] = {}
    for name, entries in roots.items():
        model = models.get(name)
        entities[name] = _entry(name, model, _verbs(entries, _ROOT_VERBS), patterns)
    for key, entries in summary["child"].items():
        parent, _, child = key.split("/")
        root_name, exists = _child_root_name(parent, child, set(roots))
        model = models.get(f"{parent}/{child}") or models.get(root_name)
        entry = entities.get(root_name) or _entry(root_name, model, [], patterns)
        if exists is False and root_name not in entities:
            entities[root_name] = entry
        if entry["swagger_model"] is None and model is not None:
            entry.update(singular=model, swagger_model=f"{model}Model")
        if entry["parent"] is not None:
            raise SystemExit(f"{root_name} is a child of two parents ({entry['parent']}, {parent})")
        definition = definitions.get(f"{model}Model") if model else None
        entry.update(
            parent=parent,
            child_path=child,
            parent_field=_parent_field(parent, child, definition),
            child_verbs=_verbs(entries, _CHILD_VERBS),
        )
    if _PROBLEMS:
        raise SystemExit("\n".join(_PROBLEMS))
    return _document(entities)


def _entry(
    name: str, model: str | None, root_verbs: list[str], patterns: list[tuple[str, str, bool]]
) -> dict[str, Any]:
    area, admin = classify(name, patterns)
    return {
        "name": name,
        "singular": model or singularize(name),
        "swagger_model": f"{model}Model" if model else None,
        "area": area,
        "administrative": admin,
        "root_verbs": root_verbs,
        "parent": None,
        "child_path": None,
        "parent_field": None,
        "child_verbs": [],
    }


def _document(entities: dict[str, dict[str, Any]]) -> dict[str, Any]:
    seen: dict[str, str] = {}
    for entry in entities.values():
        for alias in {entry["name"].lower(), entry["singular"].lower()}:
            if seen.setdefault(alias, entry["name"]) != entry["name"]:
                raise SystemExit(f"name {alias!r} is ambiguous ({seen[alias]}, {entry['name']})")
    ordered = sorted(entities.values(), key=lambda e: (AREAS.index(e["area"]), e["name"]))
    return {
        "source": (
            "Generated by scripts/gen_catalogue.py from ../shared/autotask: verbs from "
            "autotask-rest-entity-method-summary-2026.json, singular names and parent fields from "
            "autotask-rest-swagger-v1-2022.json, areas and administrative flags from API-NOTES §10."
        ),
        "areas": list(AREAS),
        "entities": ordered,
    }


def render(document: dict[str, Any]) -> str:
    """JSON text with one entity per line, so that a regenerated file diffs by entity."""
    head = {key: value for key, value in document.items() if key != "entities"}
    lines = [json.dumps(entity, ensure_ascii=False) for entity in document["entities"]]
    body = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    return body + ',\n "entities": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    document = build(args.shared)
    args.out.write_text(render(document))
    print(f"wrote {len(document['entities'])} entities to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
