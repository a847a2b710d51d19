"""Generate the sandbox's entity metadata: ``autotask/sandbox/metadata/*.json``.

Each ``{Entity}.fields.json`` is what ``GET /V1.0/{Entity}/entityInformation/fields`` returns
and each ``{Entity}.userDefinedFields.json`` what ``.../entityInformation/userDefinedFields``
returns, for the demo MSP the sandbox serves. Sources:

* field names and data types: the entity's Swagger 2.0 model (``TicketModel``...; the model of
  each entity is looked up in ``autotask/catalogue.json``, so generate the catalogue first);
* flags of Tickets, Contacts, Resources and TicketWebhooks (and TicketNoteWebhooks, the same
  model): the real tenant sample
  (``tenant-sample/*.entityInformation.fields.json``), with its system picklists;
* flags of the other entities: API-NOTES §7 (required and read-only lists) and the rules below;
* picklist values and user-defined fields: the overlay in this file (the demo MSP's own,
  out-of-the-box style values; the tenant's own business picklists are not copied).

Usage: ``python scripts/gen_sandbox_metadata.py [SHARED_DIR] [--out DIR]`` where SHARED_DIR is
the shared folder (``../shared`` from the repo root by default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
DEFAULT_OUT = REPO_ROOT / "autotask" / "sandbox" / "metadata"

Field = dict[str, Any]
# (value, label, flags): flags holds "d" for the default, "x" for inactive, "s" for system values
Value = tuple[int | str, str, str]

_TYPES = {"int32": "integer", "int64": "long", "date-time": "datetime", "double": "decimal"}
_SKIPPED = {"soapParentPropertyId", "userDefinedFields"}
# Real tenants report Swagger's ``double`` as ``decimal`` (tenant sample: Tickets.estimatedHours,
# Resources.internalCost), so the generated files do too.

_TENANT_FILES = {
    "Tickets": "tickets",
    "Contacts": "contacts",
    "Resources": "resources",
    "TicketWebhooks": "ticketWebhooks",
    # the same model as TicketWebhooks (Swagger), and webhook entities share their flags
    # (tenant sample: TicketWebhooks and CompanyWebhooks agree but for isReady being read-only)
    "TicketNoteWebhooks": "ticketWebhooks",
}


def picklist(*values: Value, parents: dict[int, int] | None = None) -> list[Field]:
    """Autotask picklist values, in display order; ``parents`` maps value -> parent value."""
    return [
        {
            "value": str(value),
            "label": label,
            "isDefaultValue": "d" in flags,
            "sortOrder": order,
            "parentValue": str((parents or {}).get(int(value), "")) if parents else "",
            "isActive": "x" not in flags,
            "isSystem": "s" in flags,
        }
        for order, (value, label, flags) in enumerate(values, start=1)
    ]


# --- shared picklists ------------------------------------------------------------------------

QUEUES = picklist(
    (5, "Client Portal", "s"),
    (6, "Post Sale", "s"),
    (8, "Monitoring Alert", "s"),
    (29682833, "Service Desk", "d"),
    (29682834, "Level II Support", ""),
    (29682835, "Projects", ""),
    (29682836, "Recurring Tickets", ""),
)
SLAS = picklist(
    (1, "Standard SLA (8x5)", ""),
    (2, "Premium SLA (24x7)", ""),
    (3, "Basic SLA (next business day)", ""),
    (4, "Legacy SLA", "x"),
)
LOCATIONS = picklist(
    (29682801, "Bluewave IT Head Office", "d"),
    (29682802, "Bluewave IT Remote", ""),
)
PERSON_TYPES = picklist((1, "Resource", "s"), (2, "Contact", "s"))
PRIORITIES = picklist((4, "Critical", ""), (1, "High", ""), (2, "Medium", "d"), (3, "Low", ""))
# No defaults on note picklists: real tenants often have none (the tools must cope).
PUBLISH = picklist(
    (1, "All Autotask Users", "s"),
    (2, "Internal Project Team", "s"),
    (4, "Internal & Co-Managed", "s"),
)
NOTE_TYPES = picklist(
    (1, "General", ""), (2, "Task Detail", ""), (3, "Time Entry", ""), (13, "Internal", "")
)

ISSUE_TYPES = (
    (1, "Hardware", ((11, "Desktop"), (12, "Laptop"), (13, "Server"), (14, "Peripheral"),
                     (15, "Other"))),
    (2, "Software", ((21, "Microsoft 365 Apps"), (22, "Line of Business App"),
                     (23, "Operating System"), (24, "Installation Request"), (25, "Other"))),
    (3, "Network", ((31, "Internet Outage"), (32, "VPN"), (33, "Wi-Fi"), (34, "Firewall"),
                    (35, "Switching & Cabling"), (36, "Other"))),
    (4, "Email", ((41, "Outlook"), (42, "Mailbox & Permissions"), (43, "Spam & Phishing"),
                  (44, "Exchange Online"))),
    (5, "Security", ((51, "Antivirus/EDR Alert"), (52, "Phishing Report"), (53, "MFA"),
                     (54, "Vulnerability"))),
    (6, "User Account", ((61, "New Starter"), (62, "Leaver"), (63, "Password Reset"),
                         (64, "Permissions"))),
    (7, "Printing", ((71, "Printer Offline"), (72, "Print Queue"), (73, "Scanner"))),
    (8, "Backup", ((81, "Backup Failure"), (82, "Restore Request"), (83, "Backup Warning"))),
)  # fmt: skip
RETIRED_SUB_ISSUES = ((74, "Fax", 7),)


def _issue_types() -> list[Field]:
    return picklist(*[(value, label, "") for value, label, _ in ISSUE_TYPES])


def _sub_issue_types() -> list[Field]:
    values: list[Value] = []
    parents: dict[int, int] = {}
    for parent, _, subs in ISSUE_TYPES:
        for value, label in subs:
            values.append((value, label, ""))
            parents[value] = parent
    for value, label, parent in RETIRED_SUB_ISSUES:
        values.append((value, label, "x"))
        parents[value] = parent
    return picklist(*values, parents=parents)


# --- per-entity overlay ----------------------------------------------------------------------
# required / read_only: extra flags (generic rules add ids, create and modify stamps,
# impersonators); refs: field -> referenceEntityType; lengths: string lengths; picklists: values.

_GENERIC_READ_ONLY = {
    "id", "apiVendorID", "createDate", "createDateTime", "createdDateTime", "creatorResourceID",
    "createdByResourceID", "createdByPersonID", "creatorUserID", "impersonatorCreatorResourceID",
    "impersonatorUpdaterResourceID", "lastActivityDate", "lastActivityDateTime",
    "lastActivityResourceID", "lastActivityPersonType", "lastActivityPersonID", "lastModifiedDate",
    "lastModifiedDateTime", "lastModifiedTime", "lastModifiedUserID", "lastTrackedModifiedDateTime",
}  # fmt: skip
_GENERIC_NOT_QUERYABLE = {"creatorType", "lastActivityPersonType", "completedByType"}
_GENERIC_REFS = {
    "companyID": "Company", "contactID": "Contact", "resourceID": "Resource", "roleID": "Role",
    "ticketID": "Ticket", "taskID": "Task", "projectID": "Project", "phaseID": "Phase",
    "contractID": "Contract", "productID": "Product", "billingCodeID": "BillingCode",
    "opportunityID": "Opportunity", "companyLocationID": "CompanyLocation", "countryID": "Country",
    "departmentID": "Department", "contractServiceID": "ContractService",
    "contractServiceBundleID": "ContractServiceBundle", "creatorResourceID": "Resource",
    "createdByResourceID": "Resource", "createdByContactID": "Contact",
    "assignedResourceID": "Resource", "assignedResourceRoleID": "Role",
    "completedByResourceID": "Resource", "lastActivityResourceID": "Resource",
    "impersonatorCreatorResourceID": "Resource", "impersonatorUpdaterResourceID": "Resource",
    "organizationalLevelAssociationID": "OrganizationalLevelAssociation",
}  # fmt: skip
_GENERIC_LENGTHS = {
    "title": 255, "description": 8000, "name": 100, "phone": 25, "fax": 25, "email": 254,
    "externalID": 50, "purchaseOrderNumber": 50, "city": 50, "state": 40, "postalCode": 10,
    "address1": 128, "address2": 128, "additionalAddressInformation": 100, "notes": 5000,
}  # fmt: skip
_DEFAULT_LENGTH = 100

OVERLAY: dict[str, dict[str, Any]] = {
    "Companies": {
        "required": {"companyName", "companyType", "ownerResourceID", "phone"},
        "read_only": {"surveyCompanyRating", "isSample", "assetValue"},
        "refs": {
            "ownerResourceID": "Resource", "parentCompanyID": "Company",
            "billToCompanyLocationID": "CompanyLocation", "billToCountryID": "Country",
            "companyCategoryID": "CompanyCategory", "currencyID": "Currency",
            "invoiceTemplateID": "InvoiceTemplate", "quoteTemplateID": "QuoteTemplate",
            "taxRegionID": "TaxRegion",
        },
        "lengths": {
            "companyNumber": 50, "webAddress": 255, "alternatePhone1": 25, "alternatePhone2": 25,
            "billingAddress1": 150, "billingAddress2": 150, "billToAttention": 50,
            "billToCity": 50, "billToState": 128, "billToZipCode": 50, "sicCode": 32,
            "stockMarket": 10, "stockSymbol": 10, "taxID": 50, "city": 30, "state": 25,
        },
        "picklists": {
            "companyType": picklist(
                (1, "Customer", "ds"), (2, "Lead", "s"), (3, "Prospect", "s"), (4, "Dead", "s"),
                (6, "Cancelation", "s"), (7, "Vendor", "s"), (8, "Partner", "s"),
            ),
            "classification": picklist(
                (1, "Platinum", ""), (2, "Gold", ""), (3, "Silver", ""), (4, "Bronze", ""),
            ),
            "marketSegmentID": picklist(
                (1, "Professional Services", ""), (2, "Financial Services", ""),
                (3, "Manufacturing", ""), (4, "Retail & Distribution", ""),
                (5, "Hospitality & Leisure", ""), (6, "Non-profit", ""),
            ),
            "territoryID": picklist(
                (1, "North", ""), (2, "South", ""), (3, "East", ""), (4, "West", ""),
            ),
        },
        "webhooks": True,
    },
    "CompanyNotes": {
        "required": {"companyID", "actionType", "assignedResourceID", "startDateTime",
                     "endDateTime"},
        "lengths": {"name": 250, "note": 32000},
        "picklists": {
            "actionType": picklist(
                (1, "Phone Call", "s"), (2, "Meeting", "s"), (3, "General", "ds"),
                (4, "Email", "s"), (5, "Quarterly Business Review", ""),
            ),
        },
    },
    "Roles": {
        "required": {"name", "hourlyRate", "hourlyFactor", "isActive"},
        "read_only": {"isSystemRole", "roleType"},
        "refs": {"quoteItemDefaultTaxCategoryId": "TaxCategory"},
        "lengths": {"name": 200, "description": 200},
    },
    "Departments": {
        "required": {"name", "primaryLocationID"},
        "lengths": {"description": 1000, "number": 50},
        "picklists": {"primaryLocationID": LOCATIONS},
    },
    "ResourceServiceDeskRoles": {"required": {"resourceID", "roleID", "isActive", "isDefault"}},
    "ResourceRoleQueues": {
        "required": {"resourceID", "queueID"},
        "picklists": {"queueID": QUEUES},
    },
    "TicketNotes": {
        "required": {"description", "noteType", "publish", "ticketID"},
        "lengths": {"title": 250, "description": 32000},
        "picklists": {"noteType": NOTE_TYPES, "publish": PUBLISH},
        "webhooks": True,
    },
    "TimeEntries": {
        "required": {"resourceID", "dateWorked"},
        "read_only": {"billingApprovalDateTime", "billingApprovalLevelMostRecent",
                      "billingApprovalResourceID", "hoursToBill", "timeEntryType"},
        "refs": {"billingApprovalResourceID": "Resource", "internalBillingCodeID": "BillingCode",
                 "creatorUserID": "Resource", "lastModifiedUserID": "Resource"},
        "lengths": {"summaryNotes": 32000, "internalNotes": 32000},
        "picklists": {
            "timeEntryType": picklist(
                (2, "Ticket", "s"), (3, "Regular (internal)", "s"), (6, "Task", "s")
            ),
        },
    },
    "Contracts": {
        "required": {"companyID", "contractName", "contractType", "startDate", "endDate",
                     "status", "timeReportingRequiresStartAndStopTimes"},
        "refs": {
            "billToCompanyContactID": "Contact", "billToCompanyID": "Company",
            "contractExclusionSetID": "ContractExclusionSet", "exclusionContractID": "Contract",
            "renewedContractID": "Contract", "setupFeeBillingCodeID": "BillingCode",
        },
        "lengths": {"contractNumber": 50, "description": 2000, "contactName": 250},
        "picklists": {
            "contractType": picklist(
                (1, "Time & Materials", "s"), (3, "Fixed Price", "s"), (4, "Block Hours", "s"),
                (6, "Retainer", "s"), (7, "Recurring Service", "s"), (8, "Per Ticket", "s"),
            ),
            "contractCategory": picklist(
                (1, "Managed Services", "d"), (2, "Break/Fix", ""), (3, "Projects", ""),
                (4, "Licensing", ""), (5, "Legacy", "x"),
            ),
            "status": picklist((0, "Inactive", "s"), (1, "Active", "ds")),
            "contractPeriodType": picklist(
                (1, "Monthly", "s"), (2, "Quarterly", "s"), (3, "Semi-Annual", "s"),
                (4, "Yearly", "s"),
            ),
            "billingPreference": picklist(
                (1, "Manually", "s"), (2, "Immediately", "s"), (3, "Timesheet Approval", "s"),
            ),
            "serviceLevelAgreementID": SLAS,
        },
    },
    "Invoices": {
        "read_only": {
            "batchID", "companyID", "creatorResourceID", "dueDate", "fromDate", "invoiceDateTime",
            "invoiceEditorTemplateID", "invoiceNumber", "invoiceTotal", "isVoided", "orderNumber",
            "paymentTerm", "taxGroup", "taxRegionName", "toDate", "totalTaxValue",
            "voidedByResourceID", "voidedDate",
        },
        "refs": {"voidedByResourceID": "Resource", "invoiceEditorTemplateID": "InvoiceTemplate"},
        "lengths": {"invoiceNumber": 50, "comments": 1000, "orderNumber": 50,
                    "taxRegionName": 200},
        "picklists": {
            "paymentTerm": picklist(
                (1, "Due on receipt", ""), (2, "Net 15", ""), (3, "Net 30", "d"), (4, "Net 45", ""),
            ),
        },
    },
    "Projects": {
        "required": {"projectName", "companyID", "projectType", "startDateTime", "endDateTime",
                     "status"},
        "read_only": {
            "actualBilledHours", "actualHours", "completedDateTime", "completedPercentage",
            "duration", "estimatedTime", "laborEstimatedCosts", "laborEstimatedMarginPercentage",
            "laborEstimatedRevenue", "projectCostEstimatedMarginPercentage", "projectNumber",
            "statusDateTime",
        },
        "refs": {"companyOwnerResourceID": "Resource", "projectLeadResourceID": "Resource",
                 "department": "Department"},
        "lengths": {"projectName": 100, "projectNumber": 50, "description": 2000,
                    "statusDetail": 2000, "extProjectNumber": 50},
        "picklists": {
            "status": picklist(
                (1, "New", "ds"), (2, "Inactive", "s"), (5, "Complete", "s"),
                (8, "In Progress", ""), (9, "On Hold", ""), (10, "Waiting Customer", ""),
            ),
            "projectType": picklist(
                (3, "Template", "s"), (4, "Internal", "s"), (5, "Client", "ds"),
                (8, "Baseline", "s"),
            ),
            "lastActivityPersonType": PERSON_TYPES,
        },
    },
    "Phases": {
        "required": {"title", "projectID"},
        "read_only": {"phaseNumber"},
        "refs": {"parentPhaseID": "Phase"},
        "lengths": {"phaseNumber": 50},
    },
    "Tasks": {
        "required": {"projectID", "title", "taskType", "status"},
        "read_only": {"completedByResourceID", "completedByType", "completedDateTime",
                      "creatorType", "hoursToBeScheduled", "taskNumber"},
        "lengths": {"taskNumber": 50},
        "picklists": {
            "status": picklist(
                (1, "New", "ds"), (5, "Complete", "s"), (7, "Waiting Customer", "s"),
                (8, "In Progress", ""), (12, "Waiting Vendor", ""),
            ),
            "taskType": picklist((1, "Fixed Work", "ds"), (2, "Fixed Duration", "s")),
            "priorityLabel": PRIORITIES,
            "creatorType": PERSON_TYPES,
            "completedByType": PERSON_TYPES,
            "lastActivityPersonType": PERSON_TYPES,
        },
    },
    "TaskNotes": {
        "required": {"description", "noteType", "publish", "taskID", "title"},
        "lengths": {"title": 250, "description": 32000},
        "picklists": {"noteType": NOTE_TYPES, "publish": PUBLISH},
    },
    "ProjectNotes": {
        "required": {"description", "noteType", "publish", "projectID", "title"},
        "lengths": {"title": 250, "description": 32000},
        "picklists": {
            "noteType": picklist(
                (1, "General", ""), (2, "Status Update", ""), (3, "Issue", ""), (4, "Risk", ""),
            ),
            "publish": PUBLISH,
        },
    },
    "ConfigurationItems": {
        "required": {"companyID", "isActive", "productID"},
        "read_only_prefixes": ("datto", "rmm", "ssl"),
        "read_only": {"sourceChargeID", "sourceChargeType", "deviceNetworkingID"},
        "refs": {
            "configurationItemCategoryID": "ConfigurationItemCategory",
            "domainRegistrarID": "DomainRegistrar", "installedByContactID": "Contact",
            "installedByID": "Resource", "parentConfigurationItemID": "ConfigurationItem",
            "serviceBundleID": "ServiceBundle", "serviceID": "Service", "vendorID": "Company",
            "createdByPersonID": "Resource",
        },
        "lengths": {"referenceTitle": 200, "referenceNumber": 50, "serialNumber": 100,
                    "domain": 255},
        "picklists": {
            "configurationItemType": picklist(
                (1, "Workstation", ""), (2, "Laptop", ""), (3, "Server", ""), (4, "Firewall", ""),
                (5, "Switch", ""), (6, "Wireless Access Point", ""), (7, "Printer", ""),
                (8, "Storage", ""), (9, "Software Licence", ""), (10, "Mobile Device", "x"),
            ),
            "serviceLevelAgreementID": SLAS,
            "lastActivityPersonType": PERSON_TYPES,
        },
        "webhooks": True,
    },
    "Products": {
        "required": {"name", "isActive", "productBillingCodeID"},
        "refs": {"chargeBillingCodeID": "BillingCode", "productBillingCodeID": "BillingCode",
                 "defaultVendorID": "Company",
                 "defaultInstalledProductCategoryID": "ConfigurationItemCategory"},
        "lengths": {"description": 2000, "sku": 50, "vendorProductNumber": 50,
                    "externalProductID": 50, "link": 500},
    },
    "BillingCodes": {
        "required": {"name", "isActive"},
        "refs": {"department": "Department", "taxCategoryID": "TaxCategory"},
        "lengths": {"name": 200, "description": 500},
    },
    "TicketWebhookFields": {
        "required": {"fieldID", "isDisplayAlwaysField", "isSubscribedField", "webhookID"},
        "refs": {"webhookID": "TicketWebhook"},
        "picklists": {
            # API-NOTES §8.1: the ticket webhook field ids documented there, and the assigned
            # resource (every ticket field can be a webhook field; its id here is this demo
            # tenant's: clients look fields up by label)
            "fieldID": picklist(
                (1, "CompanyID", "s"), (2, "Title", "s"), (3, "ContactID", "s"),
                (4, "Description", "s"), (5, "Status", "s"), (6, "Priority", "s"),
                (7, "Source", "s"), (14, "QueueID", "s"), (85, "TicketNumber", "s"),
                (86, "AssignedResourceID", "s"),
            ),
        },
    },
    "TicketWebhookExcludedResources": {
        # API-NOTES §8.1: changes made by these resources do not fire the webhook
        "required": {"resourceID", "webhookID"},
        "refs": {"resourceID": "Resource", "webhookID": "TicketWebhook"},
    },
    "TicketNoteWebhookFields": {
        "required": {"fieldID", "isDisplayAlwaysField", "isSubscribedField", "webhookID"},
        "refs": {"webhookID": "TicketNoteWebhook"},
        "picklists": {
            # API-NOTES §8.1 names the entity, not its field ids: these are this demo tenant's,
            # one per TicketNotes field that supports webhooks (clients look them up by label)
            "fieldID": picklist(
                (1, "CreatedByContactID", "s"), (2, "Description", "s"), (3, "NoteType", "s"),
                (4, "Publish", "s"), (5, "TicketID", "s"), (6, "Title", "s"),
            ),
        },
    },
    "TicketNoteWebhookExcludedResources": {
        "required": {"resourceID", "webhookID"},
        "refs": {"resourceID": "Resource", "webhookID": "TicketNoteWebhook"},
    },
}  # fmt: skip

TICKET_PICKLISTS: dict[str, list[Field]] = {
    "status": picklist(
        (1, "New", "ds"), (8, "In Progress", ""), (10, "Dispatched", ""), (11, "Escalated", ""),
        (7, "Waiting Customer", "s"), (9, "Waiting Materials", ""), (12, "Waiting Vendor", ""),
        (13, "Waiting Approval", ""), (14, "On Hold", "x"), (5, "Complete", "s"),
    ),
    "priority": PRIORITIES,
    "queueID": QUEUES,
    "ticketType": picklist(
        (1, "Service Request", "ds"), (2, "Incident", "s"), (3, "Problem", "s"),
        (4, "Change Request", "s"), (5, "Alert", "s"),
    ),
    "source": picklist(
        (-1, "Client Portal", "s"), (-2, "Insourced", "s"), (1, "Other", "s"), (2, "Phone", "s"),
        (4, "Email", "s"), (5, "Web Portal", "s"), (6, "In Person/Onsite", "s"),
        (8, "Monitoring Alert", "s"), (11, "Exec Report", "s"), (12, "Automation", "s"),
    ),
    "ticketCategory": picklist(
        (3, "Standard", "ds"), (1, "Standard (non-editable)", "xs"), (2, "AEM Alert", "s"),
        (4, "Datto Alert", "s"), (5, "RMA", "s"), (6, "Datto Networking Alert", "s"),
    ),
    "issueType": _issue_types(),
    "subIssueType": _sub_issue_types(),
    "serviceLevelAgreementID": SLAS,
    "changeApprovalBoard": picklist((1, "Change Advisory Board", ""), (2, "Emergency CAB", "")),
    "apiVendorID": [],
}  # fmt: skip
TICKET_WEBHOOK_FIELDS = {
    "companyID", "title", "contactID", "description", "status", "priority", "source", "queueID",
    "ticketNumber", "assignedResourceID",
}  # fmt: skip
TENANT_PICKLIST_OVERRIDES: dict[str, dict[str, list[Field]]] = {
    "Tickets": TICKET_PICKLISTS,
    "Contacts": {"apiVendorID": []},
    "Resources": {"locationID": LOCATIONS},
}


# Tenant picklists that mix Autotask's own values with the tenant's: keep values up to the ceiling
# (Resources.userType: security levels 1-23 ship with Autotask, 24 and up are the tenant's own).
TENANT_PICKLIST_CEILINGS = {("Resources", "userType"): 23}


def udf(name: str, kind: str, *, length: int = 0, choices: tuple[str, ...] = ()) -> Field:
    """One user-defined field in Autotask's ``userDefinedFields`` shape (``type``, not dataType)."""
    values = [
        {"value": choice, "label": choice, "isDefaultValue": False, "sortOrder": order,
         "parentValue": "", "isActive": True, "isSystem": False}
        for order, choice in enumerate(choices)
    ]  # fmt: skip
    return {
        "name": name, "label": name, "type": kind, "length": length, "description": None,
        "isRequired": False, "isReadOnly": False, "isQueryable": True, "isReference": False,
        "referenceEntityType": None, "isPickList": bool(choices),
        "picklistValues": values or None, "picklistParentValueField": None, "defaultValue": "",
        "isSupportedWebhookField": False,
    }  # fmt: skip


UDFS: dict[str, list[Field]] = {
    "Companies": [
        udf("Backup Product", "string", length=8000,
            choices=("Datto BCDR", "Veeam Backup 365", "Acronis Cyber Protect", "None")),
        udf("Onboarded Date", "datetime"),
        udf("Number of Seats", "decimal"),
        udf("Account Notes", "string", length=8000),
    ],
    "Contacts": [
        udf("Support Contact Type", "string", length=8000,
            choices=("Primary", "Secondary", "Billing", "Technical")),
        udf("Preferred Contact Method", "string", length=8000,
            choices=("Email", "Phone", "Microsoft Teams")),
        udf("VIP", "string", length=8000, choices=("Yes", "No")),
    ],
    "Tickets": [
        udf("Customer Impact", "string", length=8000,
            choices=("Single user", "Department", "Whole company")),
        udf("Root Cause", "string", length=8000),
        udf("Follow-up Date", "datetime"),
    ],
    "ConfigurationItems": [
        udf("Warranty Provider", "string", length=8000,
            choices=("Dell ProSupport", "HP Care Pack", "Lenovo Premier", "Fortinet FortiCare",
                     "Cisco Smart Net", "Ubiquiti")),
        udf("Asset Tag", "string", length=8000),
        udf("Operating System", "string", length=8000),
    ],
    "Contracts": [],
    "Projects": [],
    "Tasks": [],
    "Products": [],
}  # fmt: skip

ENTITIES = (
    "Companies", "CompanyNotes", "Contacts", "Resources", "Roles", "Departments",
    "ResourceServiceDeskRoles", "ResourceRoleQueues", "Tickets", "TicketNotes", "TimeEntries",
    "Contracts", "Invoices", "Projects", "Phases", "Tasks", "TaskNotes", "ProjectNotes",
    "ConfigurationItems", "Products", "BillingCodes", "TicketWebhooks", "TicketWebhookFields",
    "TicketWebhookExcludedResources", "TicketNoteWebhooks", "TicketNoteWebhookFields",
    "TicketNoteWebhookExcludedResources",
)  # fmt: skip


def _data_type(schema: dict[str, Any]) -> str:
    kind = str(schema.get("type", "string"))
    return _TYPES.get(str(schema.get("format", "")), kind)


def _blank_field(name: str, data_type: str) -> Field:
    return {
        "name": name, "dataType": data_type, "length": 0, "isRequired": False,
        "isReadOnly": False, "isQueryable": True, "isReference": False,
        "referenceEntityType": "", "isPickList": False, "picklistValues": None,
        "picklistParentValueField": "", "isSupportedWebhookField": False,
    }  # fmt: skip


def _set_picklist(field: Field, values: list[Field] | None) -> None:
    field["isPickList"] = values is not None
    field["picklistValues"] = values


def _overlay_field(entity: str, name: str, data_type: str) -> Field:
    """A field of an entity without tenant metadata, from the overlay and the generic rules."""
    overlay = OVERLAY.get(entity, {})
    field = _blank_field(name, data_type)
    prefixes: tuple[str, ...] = overlay.get("read_only_prefixes", ())
    field["isRequired"] = name == "id" or name in overlay.get("required", set())
    read_only = name in _GENERIC_READ_ONLY or name in overlay.get("read_only", set())
    field["isReadOnly"] = read_only or name.startswith(prefixes)
    field["isQueryable"] = name not in _GENERIC_NOT_QUERYABLE
    target = overlay.get("refs", {}).get(name) or _GENERIC_REFS.get(name)
    field["isReference"] = target is not None
    field["referenceEntityType"] = target or ""
    if data_type == "string":
        lengths = {**_GENERIC_LENGTHS, **overlay.get("lengths", {})}
        field["length"] = lengths.get(name, _DEFAULT_LENGTH)
    _set_picklist(field, overlay.get("picklists", {}).get(name))
    if overlay.get("webhooks"):
        field["isSupportedWebhookField"] = not field["isReadOnly"]
    return field


def _tenant_field(entity: str, name: str, data_type: str, tenant: Field | None) -> Field:
    """A field of an entity with real tenant metadata: its flags, our picklists."""
    if tenant is None:
        raise SystemExit(f"{entity}.{name} is in the Swagger model but not in the tenant sample")
    field = _blank_field(name, data_type)
    for key in ("length", "isRequired", "isReadOnly", "isQueryable", "isReference",
                "referenceEntityType", "isSupportedWebhookField"):  # fmt: skip
        field[key] = tenant[key]
    overrides = TENANT_PICKLIST_OVERRIDES.get(entity, {})
    if name in overrides:
        _set_picklist(field, overrides[name])
    elif tenant["isPickList"]:
        values = tenant["picklistValues"] or []
        ceiling = TENANT_PICKLIST_CEILINGS.get((entity, name))
        if ceiling is not None:
            values = [v for v in values if int(v["value"]) <= ceiling]
        _set_picklist(field, values)
    if entity == "Tickets":
        field["isSupportedWebhookField"] = name in TICKET_WEBHOOK_FIELDS
        if name == "subIssueType":  # the real tenant's spelling (tenant sample), capital I
            field["picklistParentValueField"] = "IssueType"
    return field


def build_fields(entity: str, model: dict[str, Any], tenant: list[Field] | None) -> list[Field]:
    properties = {k: v for k, v in model["properties"].items() if k not in _SKIPPED}
    _check_overlay_names(entity, set(properties))
    by_name = {f["name"].lower(): f for f in tenant or []}
    fields = []
    for name in sorted(properties, key=str.lower):
        data_type = _data_type(properties[name])
        if tenant is None:
            fields.append(_overlay_field(entity, name, data_type))
        else:
            fields.append(_tenant_field(entity, name, data_type, by_name.get(name.lower())))
    return fields


def _check_overlay_names(entity: str, names: set[str]) -> None:
    overlay = OVERLAY.get(entity, {})
    named: set[str] = set(overlay.get("required", set())) | set(overlay.get("read_only", set()))
    for key in ("refs", "lengths", "picklists"):
        named |= set(overlay.get(key, {}))
    named |= set(TENANT_PICKLIST_OVERRIDES.get(entity, {}))
    unknown = named - names
    if unknown:
        raise SystemExit(f"overlay of {entity} names fields not in its model: {sorted(unknown)}")


def _models(catalogue: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["swagger_model"] for e in catalogue["entities"] if e["swagger_model"]}


def generate(shared: Path, out: Path) -> list[Path]:
    autotask = shared / "autotask"
    swagger = json.loads((autotask / "autotask-rest-swagger-v1-2022.json").read_text())
    catalogue = json.loads((REPO_ROOT / "autotask" / "catalogue.json").read_text())
    models = _models(catalogue)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for entity in ENTITIES:
        tenant = None
        if entity in _TENANT_FILES:
            path = (
                autotask
                / "tenant-sample"
                / f"{_TENANT_FILES[entity]}.entityInformation.fields.json"
            )
            tenant = json.loads(path.read_text())["fields"]
        fields = build_fields(entity, swagger["definitions"][models[entity]], tenant)
        written.append(_write(out / f"{entity}.fields.json", {"fields": fields}))
        if entity in UDFS:
            written.append(
                _write(out / f"{entity}.userDefinedFields.json", {"fields": UDFS[entity]})
            )
    return written


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    written = generate(args.shared, args.out)
    print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
