"""The demo MSP itself: roles, departments, technicians, billing codes and products."""

from __future__ import annotations

from ._seed_content import (
    API_PERSON,
    API_USER,
    BILLING_CODES,
    DEPARTMENTS,
    FORMER_TECHNICIAN,
    LOCATION,
    OWNER_DOMAIN,
    OWNER_NAME,
    PRODUCTS,
    ROLES,
    TECHNICIANS,
    Product,
)
from ._seed_state import Row, SeedState, Tech, slug

__all__ = ["add_billing_codes_and_products", "add_resources", "add_roles_and_departments"]


def add_roles_and_departments(seed: SeedState) -> None:
    for index, (name, rate, factor) in enumerate(ROLES):
        seed.roles[name] = 29683451 + index
        seed.table("Roles").add(
            {
                "id": 29683451 + index,
                "name": name,
                "description": f"{name} (standard rate)",
                "hourlyRate": rate,
                "hourlyFactor": factor,
                "isActive": True,
                "isExcludedFromNewContracts": False,
                "isSystemRole": False,
            }
        )
    location = seed.pick("Departments").by_label("primaryLocationID", LOCATION)
    for index, (name, number) in enumerate(DEPARTMENTS):
        seed.departments[name] = 29682811 + index
        seed.table("Departments").add(
            {
                "id": 29682811 + index,
                "name": name,
                "number": number,
                "description": f"{OWNER_NAME} {name.lower()}",
                "primaryLocationID": location,
            }
        )


def _person(seed: SeedState, rid: int, names: tuple[str, str, str], user: str, licence: str) -> Row:
    picks = seed.pick("Resources")
    first, last, title = names
    login = f"{slug(first)}.{slug(last)}"
    return {
        "id": rid,
        "firstName": first,
        "lastName": last,
        "title": title,
        "userName": login,
        "email": f"{login}@{OWNER_DOMAIN}",
        "initials": first[0] + last[0],
        "officePhone": f"+44 20 7946 0{500 + rid % 100}",
        "mobilePhone": f"+44 7700 900{rid % 1000:03d}",
        "isActive": True,
        "userType": picks.by_label("userType", user),
        "licenseType": picks.by_label("licenseType", licence),
        "resourceType": picks.by_label("resourceType", "Employee"),
        "emailTypeCode": picks.by_label("emailTypeCode", "Primary e-mail address"),
        "payrollType": picks.by_label("payrollType", "Salary"),
        "numberFormat": picks.by_label("numberFormat", "X,XXX.XX"),
        "dateFormat": picks.by_label("dateFormat", "dd/MM/yyyy"),
        "timeFormat": picks.by_label("timeFormat", "HH:mm"),
        "locationID": picks.by_label("locationID", LOCATION),
        "hireDate": seed.iso_date(seed.days(-200 - (rid * 37) % 2400)),
        "internalCost": 28.0 + (rid % 7) * 3.5,
    }


def add_resources(seed: SeedState) -> None:
    table = seed.table("Resources")
    queues = seed.pick("ResourceRoleQueues")
    for index, (first, last, title, roles, labels, user, licence) in enumerate(TECHNICIANS):
        rid = 29682885 + index
        role_ids = [seed.roles[name] for name in roles]
        row = _person(seed, rid, (first, last, title), user, licence)
        table.add({**row, "defaultServiceDeskRoleID": role_ids[0]})
        queue_ids = list(dict.fromkeys(queues.by_label("queueID", q) for q in labels))
        seed.techs.append(Tech(rid, first, role_ids, queue_ids))
    seed.by_first = {tech.first: tech for tech in seed.techs}
    seed.admin = seed.by_first["Nina"].id
    seed.first_line = [t for t in seed.techs if seed.roles["Technician L1"] in t.roles]
    former = seed.next_id("Resources", 29682885)
    row = _person(seed, former, FORMER_TECHNICIAN, "Team Member", "Professional")
    table.add({**row, "isActive": False, "defaultServiceDeskRoleID": seed.first_line_role})
    seed.api_user = former + 1
    api = _person(seed, seed.api_user, API_PERSON, "API User (system)", "API User")
    table.add({**api, "userName": API_USER, "email": API_USER, "internalCost": None})
    _add_desk_roles(seed, former)


def _add_desk_roles(seed: SeedState, former: int) -> None:
    members = [(t.id, t.roles, t.queues, True) for t in seed.techs]
    members.append((former, [seed.first_line_role], [], False))
    for resource, roles, queue_ids, active in members:
        for position, role in enumerate(roles):
            seed.table("ResourceServiceDeskRoles").add(
                {
                    "id": seed.next_id("ResourceServiceDeskRoles", 29684001),
                    "resourceID": resource,
                    "roleID": role,
                    "isActive": active,
                    "isDefault": position == 0,
                }
            )
        for queue in queue_ids:
            seed.table("ResourceRoleQueues").add(
                {
                    "id": seed.next_id("ResourceRoleQueues", 29685001),
                    "resourceID": resource,
                    "queueID": queue,
                }
            )


def add_billing_codes_and_products(seed: SeedState) -> None:
    for index, (name, description, material) in enumerate(BILLING_CODES):
        seed.billing[name] = 29682861 + index
        seed.table("BillingCodes").add(
            {
                "id": 29682861 + index,
                "name": name,
                "description": description,
                "isActive": True,
                "isExcludedFromNewContracts": False,
                "department": None if material else seed.departments["Service Desk"],
            }
        )
    for index, product in enumerate(PRODUCTS):
        seed.products[product[0]] = (29682901 + index, product)
        seed.table("Products").add(_product(seed, 29682901 + index, product))


def _product(seed: SeedState, pid: int, product: Product) -> Row:
    key, name, maker, _, cost, price, software, _ = product
    vendor = {"Dell": "Dell Technologies", "Fortinet": "Fortinet"}.get(maker)
    return {
        "id": pid,
        "name": name,
        "description": name,
        "isActive": True,
        "productBillingCodeID": seed.billing["Software & Licensing" if software else "Hardware"],
        "unitCost": cost,
        "unitPrice": price,
        "msrp": round(price * 1.1, 2),
        "manufacturerName": maker,
        "manufacturerProductName": name,
        "sku": f"BW-{key.upper()}",
        "isSerialized": not software,
        "defaultVendorID": seed.vendors.get(vendor or ""),
        "doesNotRequireProcurement": software,
        "isEligibleForRma": not software,
    }
