"""The demo MSP's contracts (some expiring soon, one lapsed) and monthly invoices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ._seed_content import EXTRA_CONTRACTS, MANAGED_ENDS, ContractSpec
from ._seed_state import DAY, Customer, SeedState, add_months, midnight, sla_of

__all__ = ["add_contracts", "add_invoices"]


def add_contracts(seed: SeedState) -> None:
    managed = [
        (
            index,
            "Managed Services",
            "Recurring Service",
            "Managed Services",
            end,
            38.0 * c.seats,
        )
        for index, (c, end) in enumerate(zip(seed.customers, MANAGED_ENDS, strict=True))
    ]
    for spec in (*managed, *EXTRA_CONTRACTS):
        _contract(seed, seed.next_id("Contracts", 29683601), spec)


def _contract(seed: SeedState, cid: int, spec: ContractSpec) -> None:
    index, name, kind, category, end_days, monthly = spec
    picks = seed.pick("Contracts")
    customer = seed.customers[index]
    end = midnight(seed.days(end_days))
    start = end - timedelta(days=364)
    while start > seed.days(-30):
        start -= timedelta(days=365)
    seed.table("Contracts").add(
        {
            "id": cid,
            "companyID": customer.id,
            "contractName": f"{customer.name} - {name}",
            "contractNumber": f"BW-{cid % 10000:04d}",
            "contractType": picks.by_label("contractType", kind),
            "contractCategory": picks.by_label("contractCategory", category),
            "status": picks.by_label("status", "Active" if end >= seed.now else "Inactive"),
            "startDate": seed.iso_date(start),
            "endDate": seed.iso_date(end),
            "description": f"{name} for {customer.name}",
            "contactID": customer.contacts[0],
            "contractPeriodType": picks.by_label("contractPeriodType", "Monthly")
            if kind == "Recurring Service"
            else None,
            "billingPreference": picks.by_label("billingPreference", "Manually"),
            "estimatedRevenue": round(monthly * 12, 2),
            "estimatedCost": round(monthly * 7, 2),
            "estimatedHours": 40.0 if kind == "Block Hours" else 0.0,
            "overageBillingRate": 110.0 if kind == "Block Hours" else None,
            "setupFee": 0.0,
            "serviceLevelAgreementID": sla_of(picks, customer),
            "isDefaultContract": name == "Managed Services",
            "isCompliant": True,
            "timeReportingRequiresStartAndStopTimes": 1,
        }
    )
    if name == "Managed Services":
        customer.contracts.append((cid, start, end))


def add_invoices(seed: SeedState) -> None:
    """One invoice per customer per month for the last six months (this month included)."""
    term = seed.pick("Invoices").by_label("paymentTerm", "Net 30")
    month = midnight(seed.now).replace(day=1)
    for back in range(5, -1, -1):
        issued = add_months(month, -back)
        if issued + timedelta(hours=6) <= seed.now:
            issued += timedelta(hours=6)
        for customer in seed.customers:
            _invoice(seed, customer, issued, add_months(month, -back - 1), term, 1006 - back)


def _invoice(
    seed: SeedState, customer: Customer, issued: datetime, period: datetime, term: Any, batch: int
) -> None:
    net = round(customer.seats * 38.0 + seed.rng.uniform(0, 650), 2)
    due = issued + timedelta(days=30)
    paid = issued + timedelta(days=seed.rng.uniform(5, 40))
    number = seed.next_id("Invoices", 10231)
    seed.table("Invoices").add(
        {
            "id": seed.next_id("Invoices", 29686001),
            "companyID": customer.id,
            "invoiceNumber": f"INV-{number}",
            "invoiceDateTime": seed.iso(issued),
            "createDateTime": seed.iso(issued),
            "creatorResourceID": seed.admin,
            "fromDate": seed.iso_date(period),
            "toDate": seed.iso_date(issued - DAY),
            "dueDate": seed.iso_date(due),
            "paidDate": seed.iso_date(paid) if paid < seed.now else None,
            "invoiceTotal": round(net * 1.2, 2),
            "totalTaxValue": round(net * 0.2, 2),
            "paymentTerm": term,
            "isVoided": False,
            "batchID": batch,
            "taxRegionName": "UK VAT (20%)",
        }
    )
