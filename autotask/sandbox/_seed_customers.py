"""The demo MSP's customers: companies, contacts, configuration items and account notes."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from ._seed_content import (
    BACKUP_PRODUCTS,
    CI_LAYOUT,
    CI_LOCATIONS,
    CI_NAMES,
    COMPANY_NOTES,
    CONTACT_TITLES,
    CUSTOMERS,
    FIRST_NAMES,
    LAST_NAMES,
    OPERATING_SYSTEMS,
    OTHER_COMPANIES,
    OWNER_DOMAIN,
    OWNER_NAME,
    PERSONAL_KINDS,
    SLA_BY_TIER,
    CustomerSpec,
)
from ._seed_state import Customer, Row, SeedState, midnight, sla_of, slug

__all__ = [
    "add_companies",
    "add_company_notes",
    "add_configuration_items",
    "add_contacts",
]


def add_companies(seed: SeedState) -> None:
    picks = seed.pick("Companies")
    customer_type = picks.by_label("companyType", "Customer")
    owner = _company(seed, 0, OWNER_NAME, OWNER_DOMAIN, "London", "+44 20 7946 0000", 2400)
    seed.table("Companies").add({**owner, "companyType": customer_type})
    for index, spec in enumerate(CUSTOMERS):
        _customer(seed, 174 + index, index, spec)
    for index, (name, kind, domain) in enumerate(OTHER_COMPANIES):
        cid = 174 + len(CUSTOMERS) + index
        phone = f"+44 20 7946 0{340 + index}"
        row = _company(seed, cid, name, domain, "London", phone, 40 + 25 * index)
        seed.table("Companies").add({**row, "companyType": picks.by_label("companyType", kind)})
        seed.vendors[name] = cid


def _customer(seed: SeedState, cid: int, index: int, spec: CustomerSpec) -> None:
    name, short, domain, city, phone, seats, tier, segment = spec
    picks = seed.pick("Companies")
    territories = picks.values("territoryID")
    row = _company(seed, cid, name, domain, city, phone, 300 + 97 * index)
    row.update(
        {
            "companyType": picks.by_label("companyType", "Customer"),
            "classification": picks.by_label("classification", tier),
            "marketSegmentID": picks.by_label("marketSegmentID", segment),
            "territoryID": territories[index % len(territories)][0] if territories else None,
            "isClientPortalActive": index % 3 != 2,
            "ownerResourceID": seed.techs[0 if index % 2 == 0 else 1].id,
        }
    )
    backup = BACKUP_PRODUCTS.get(tier, "None")
    udfs = {
        "Backup Product": backup,
        "Onboarded Date": str(row["createDate"])[:10],
        "Number of Seats": str(seats),
        "Account Notes": None,
    }
    seed.table("Companies").add(row, udfs)
    sla = seed.pick("Tickets").by_label("serviceLevelAgreementID", SLA_BY_TIER[tier])
    seed.customers.append(Customer(cid, name, short, domain, seats, sla))


def _company(
    seed: SeedState, cid: int, name: str, domain: str, city: str, phone: str, age: int
) -> Row:
    created = midnight(seed.days(-age)) + timedelta(hours=9, minutes=30)
    return {
        "id": cid,
        "companyName": name,
        "companyNumber": f"C{cid:05d}",
        "phone": phone,
        "webAddress": f"https://www.{domain}",
        "address1": f"{10 + cid % 80} High Street",
        "city": city,
        "postalCode": f"AB{cid % 9 + 1} {cid % 10}XY",
        "isActive": True,
        "ownerResourceID": seed.techs[0].id,
        "createDate": seed.iso(created),
        "createdByResourceID": seed.admin,
        "lastActivityDate": seed.iso(seed.days(-(cid % 9))),
        "lastTrackedModifiedDateTime": seed.iso(seed.days(-(cid % 9) - 1)),
        "isClientPortalActive": False,
        "isTaskFireActive": False,
        "isTaxExempt": False,
        "isEnabledForComanaged": False,
        "invoiceNonContractItemsToParentCompany": False,
        "isSample": False,
    }


def add_contacts(seed: SeedState) -> None:
    used: set[str] = set()
    for position, customer in enumerate(seed.customers):
        size = 3 + (customer.seats >= 20) + (customer.seats >= 45) + (customer.seats >= 90)
        for index in range(size):
            active = not (index == size - 1 and size > 3 and position % 3 == 1)
            contact = _contact(seed, customer.id, customer.domain, index, active, used)
            if active:
                customer.contacts.append(contact)
    for index, (_, kind, domain) in enumerate(OTHER_COMPANIES):
        if kind in ("Prospect", "Lead"):
            _contact(seed, 174 + len(CUSTOMERS) + index, domain, 0, True, used)


def _contact(
    seed: SeedState, company: int, domain: str, index: int, active: bool, used: set[str]
) -> int:
    first, last = seed.rng.choice(FIRST_NAMES), seed.rng.choice(LAST_NAMES)
    while f"{first}.{last}@{domain}" in used:
        first, last = seed.rng.choice(FIRST_NAMES), seed.rng.choice(LAST_NAMES)
    used.add(f"{first}.{last}@{domain}")
    cid = seed.next_id("Contacts", 30682101)
    title = CONTACT_TITLES[(cid + index) % len(CONTACT_TITLES)] if index else "Managing Director"
    udfs = {
        "Support Contact Type": ("Primary", "Billing", "Technical", "Secondary")[min(index, 3)],
        "Preferred Contact Method": ("Email", "Phone", "Microsoft Teams")[index % 3],
        "VIP": "Yes" if index == 0 else "No",
    }
    seed.table("Contacts").add(
        {
            "id": cid,
            "companyID": company,
            "firstName": first,
            "lastName": last,
            "title": title,
            "emailAddress": f"{slug(first)}.{slug(last)}@{domain}",
            "isActive": 1 if active else 0,
            "primaryContact": index == 0,
            "phone": f"+44 1632 960 {cid % 1000:03d}",
            "mobilePhone": f"+44 7700 900{(cid + 500) % 1000:03d}",
            "createDate": seed.iso(seed.days(-(cid % 700) - 30)),
            "lastActivityDate": seed.iso(seed.days(-(cid % 20))),
            "lastModifiedDate": seed.iso(seed.days(-(cid % 60))),
            "receivesEmailNotifications": True,
            "isOptedOutFromBulkEmail": False,
            "solicitationOptOut": False,
            "surveyOptOut": False,
        },
        udfs,
    )
    return cid


def add_configuration_items(seed: SeedState) -> None:
    for customer in seed.customers:
        size = "large" if customer.seats >= 80 else "medium" if customer.seats >= 30 else "small"
        counts: Counter[str] = Counter()
        for kind in CI_LAYOUT[size]:
            counts[kind] += 1
            _configuration_item(seed, customer, kind, counts[kind])


def _configuration_item(seed: SeedState, customer: Customer, kind: str, n: int) -> None:
    ci_id = seed.next_id("ConfigurationItems", 29690001)
    pid, (_, _, maker, type_label, *_, provider) = seed.products[kind]
    names = CI_NAMES.get(kind, ())
    title = f"{customer.short}-{names[n - 1] if n <= len(names) else f'{kind.upper()}{n:02d}'}"
    installed = midnight(seed.days(-seed.rng.randint(60, 1400)))
    active = ci_id % 13 != 0
    system = OPERATING_SYSTEMS.get(kind)
    picks = seed.pick("ConfigurationItems")
    row = {
        "id": ci_id,
        "companyID": customer.id,
        "productID": pid,
        "isActive": active,
        "configurationItemType": picks.by_label("configurationItemType", type_label),
        "referenceTitle": title,
        "serialNumber": _serial(seed, maker),
        "installDate": seed.iso_date(installed),
        "warrantyExpirationDate": seed.iso_date(installed + timedelta(days=3 * 365)),
        "contactID": seed.rng.choice(customer.contacts) if kind in PERSONAL_KINDS else None,
        "location": CI_LOCATIONS.get(kind),
        "contractID": customer.contract_at(seed.now),
        "serviceLevelAgreementID": sla_of(picks, customer),
        "createDate": seed.iso(installed + timedelta(hours=10)),
        "createdByPersonID": seed.techs[ci_id % len(seed.techs)].id,
        "lastModifiedTime": seed.iso(seed.days(-(ci_id % 30))),
        "rmmDeviceAuditHostname": title if system else None,
        "rmmDeviceAuditOperatingSystem": system,
    }
    udfs = {"Warranty Provider": provider, "Asset Tag": f"BW-{ci_id % 100000:05d}",
            "Operating System": system}  # fmt: skip
    seed.table("ConfigurationItems").add(row, udfs)
    if active:
        customer.cis.setdefault(kind, []).append((ci_id, title))


def _serial(seed: SeedState, maker: str) -> str:
    body = "".join(seed.rng.choice("0123456789BCDFGHJKLMNPQRSTVWXYZ") for _ in range(10))
    prefixes = {"Dell": body[:7], "Fortinet": f"FGT60F{body}", "Cisco": f"FOC{body[:8]}"}
    return prefixes.get(maker, body)


def add_company_notes(seed: SeedState) -> None:
    picks = seed.pick("CompanyNotes")
    for index, action, title, text, days_ago in COMPANY_NOTES:
        customer = seed.customers[index]
        start = midnight(seed.days(-days_ago)) + timedelta(hours=10)
        end = seed.iso(start + timedelta(hours=1))
        seed.table("CompanyNotes").add(
            {
                "id": seed.next_id("CompanyNotes", 29693001),
                "companyID": customer.id,
                "name": title,
                "note": text,
                "actionType": picks.by_label("actionType", action),
                "assignedResourceID": seed.techs[0].id,
                "contactID": customer.contacts[0],
                "startDateTime": seed.iso(start),
                "endDateTime": end,
                "completedDateTime": end,
                "createDateTime": seed.iso(start),
                "lastModifiedDate": end,
            }
        )
