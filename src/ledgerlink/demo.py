"""Internal: a sample company for ``ledgerlink demo``: customers, overrides and work orders.

The data is generated from a seed and a reference instant, so it is the same
every time for the same inputs; ``ledgerlink demo`` writes it to files once
and reuses them, so running the demo twice invoices nothing twice.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.domain import (
    Address,
    Company,
    Customer,
    DeliveryChannel,
    PartyKind,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting, Timing

__all__ = ["demo_company", "demo_customers", "demo_work_orders", "valid_cvr"]

_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_TOWNS = (("8000", "Aarhus C"), ("2100", "København Ø"), ("5000", "Odense C"),
          ("9000", "Aalborg"), ("7100", "Vejle"), ("4000", "Roskilde"))
_SERVICES = (("Service visit", "650"), ("Hours, technician", "575"), ("Call-out fee", "395"),
             ("Hours, apprentice", "325.50"))
_PARTS = (("Filter", "129.95"), ("Valve", "842"), ("Pump seal", "211.25"), ("Thermostat", "499"))


def valid_cvr(rng: random.Random) -> str:
    """A random Danish CVR number with a valid modulus-11 check."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        remainder = sum(d * w for d, w in zip(digits, _CVR_WEIGHTS, strict=False)) % 11
        check = (11 - remainder) % 11
        if check < 10:
            return "DK" + "".join(map(str, digits)) + str(check)


def demo_company() -> Company:
    """Nordlys VVS ApS: books and emails invoices when work completes, net 14 days."""
    policy = BillingPolicy(posting=Posting.BOOK, timing=Timing.ON_COMPLETION, send=True,
                           payment_terms_days=14)
    return Company("Nordlys VVS ApS", policy=policy, time_zone="Europe/Copenhagen",
                   currency="DKK")


def _override(index: int) -> PolicyOverride | None:
    # A spread of per-customer overrides, each field on its own.
    match index % 10:
        case 1:
            return PolicyOverride(posting=Posting.DRAFT)
        case 3:
            return PolicyOverride(timing=Timing.BEFORE_WORK)
        case 5:
            return PolicyOverride(send=False, payment_terms_days=30)
        case 7:
            return PolicyOverride(posting=Posting.NONE)
        case _:
            return None


def _delivery(index: int, company: bool) -> DeliveryChannel | None:
    # Most take the company's default (the accounting system e-mails them); a few
    # take letters, and some companies e-invoices.
    if index % 17 == 16:
        return DeliveryChannel.LETTER
    if company and index % 12 == 4:
        return DeliveryChannel.EINVOICE
    return None


def demo_channels(directory: str) -> dict[str, dict[str, Any]]:
    """The demo's ``[channels.*]`` tables: letters and e-invoices written into ``directory``
    (a letter folder and an e-invoice outbox), never sent anywhere."""
    address = {"street": "Havnegade 12", "postal_code": "8000", "city": "Aarhus C",
               "country": "DK"}
    return {
        "letter": {"use": "letter-folder", "folder": f"{directory}/letters",
                   "sender": {"name": "Nordlys VVS ApS", **address}},
        "einvoice": {"outbox": f"{directory}/einvoice-outbox",
                     "seller": {"name": "Nordlys VVS ApS", **address,
                                "vat_number": "DK13585628", "bank_registration": "1234",
                                "account": "0001234567"}},
    }


def demo_customers(count: int = 40, *, seed: int = 7) -> list[Customer]:
    """``count`` customers: companies with CVR numbers and people, some overrides."""
    rng = random.Random(seed)
    customers = []
    for index in range(count):
        company = index % 2 == 0
        postal, city = rng.choice(_TOWNS)
        name = f"Kunde {index:03d} ApS" if company else f"Person {index:03d}"
        customers.append(Customer(
            id=f"cust-{index:03d}",
            name=name,
            kind=PartyKind.COMPANY if company else PartyKind.PERSON,
            email=f"billing{index}@example.dk" if index % 13 else None,
            address=Address(f"Vej {rng.randint(1, 120)}", postal, city, "DK"),
            registration_number=valid_cvr(rng) if company else None,
            currency="DKK",
            delivery=_delivery(index, company),
            policy=_override(index),
        ))
    return customers


def demo_work_orders(
    customers: list[Customer], count: int = 300, *, now: datetime, seed: int = 7
) -> list[WorkOrder]:
    """``count`` work orders: most completed lately, some planned tomorrow, some cancelled."""
    rng = random.Random(seed)
    orders = []
    for index in range(count):
        customer = customers[index % len(customers)]
        roll = rng.random()
        lines = [WorkLine(**_pick(rng, _SERVICES), quantity=Decimal(rng.randint(1, 8)) / 2,
                          vat_rate=Decimal(25))]
        if rng.random() < 0.6:
            lines.append(WorkLine(**_pick(rng, _PARTS), quantity=Decimal(rng.randint(1, 3)),
                                  vat_rate=Decimal(25)))
        if roll < 0.75:
            status, completed = WorkStatus.COMPLETED, now - timedelta(hours=rng.randint(1, 72))
            planned = completed.date()
        elif roll < 0.92:
            status, completed = WorkStatus.PLANNED, None
            planned = (now + timedelta(days=1)).date()
        else:
            status, completed, planned = WorkStatus.CANCELLED, None, now.date()
        orders.append(WorkOrder(
            id=f"wo-{index:05d}", customer_id=customer.id, lines=lines, status=status,
            planned_date=planned, completed_at=completed, project=f"P-{index % 25:03d}",
            description=f"Job {index}",
        ))
    return orders


def _pick(rng: random.Random, choices: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    description, price = rng.choice(choices)
    return {"description": description, "unit_price": Decimal(price)}
