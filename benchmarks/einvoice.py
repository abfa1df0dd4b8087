"""Build and fully validate 1,000 PEPPOL BIS 3 e-invoices (XSD + CEN + PEPPOL Schematron).

Target: >= 20 invoices/s for building and all three validation layers together,
with the validators compiled once (compiling is reported apart).
Needs the ``einvoice`` extra and the official rules: ``--rules`` or
``$LEDGERLINK_EINVOICE_RULES`` (the folder holding ``peppol-bis-billing-3/`` and
``ubl-2.1-xsdrt/``).
Run: python benchmarks/einvoice.py [--invoices N] [--rules DIR]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from ledgerlink.domain import Address, Company, Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.einvoice import (
    INTRA_COMMUNITY,
    REVERSE_CHARGE,
    EInvoice,
    EInvoiceValidator,
    PaymentAccount,
    Seller,
    VatExemption,
    build_einvoice,
    exempt,
)

ISSUED = date(2026, 11, 30)
COMPANY = Company("Bench ApS", currency="DKK")
SELLER = Seller("Bench ApS", Address("Havnegade 12", "8000", "Aarhus C", "DK"),
                vat_number="DK13585628", payment=PaymentAccount.danish("1234", "1234567"))
CUSTOMERS = [
    (Customer("dk", "Nordisk Byg A/S", registration_number="DK10150817",
              address=Address("Vestergade 3", "5000", "Odense C", "DK")),
     exempt("VATEX-EU-132", "Medical care")),
    (Customer("se", "Svensk Bygg AB", currency="SEK", registration_number="SE556036079301",
              address=Address("Storgatan 1", "111 22", "Stockholm", "SE")), INTRA_COMMUNITY),
    (Customer("no", "Norsk Bygg AS", currency="NOK", registration_number="NO974760673MVA",
              address=Address("Storgata 5", "0155", "Oslo", "NO")), REVERSE_CHARGE),
]
RATES = (Decimal(25), Decimal(12), Decimal(0))


def invoice(i: int) -> tuple[InvoiceDraft, RemoteInvoice, Customer, VatExemption]:
    """Invoice number ``i``: 1-8 lines over three rates, one customer of three countries."""
    customer, exemption = CUSTOMERS[i % len(CUSTOMERS)]
    lines = tuple(
        InvoiceLine(f"Line {n} of work order {i}: service and parts", Decimal(n % 4 + 1),
                    Decimal(f"{(i * 37 + n * 101) % 5000}.{n * 7 % 100:02d}"),
                    RATES[(i + n) % len(RATES)])
        for n in range(i % 8 + 1))
    draft = InvoiceDraft(f"inv:w{i}:r1", customer.id, customer.currency, ISSUED,
                         ISSUED + timedelta(days=14), lines, reference=f"Work order {i}")
    booked = RemoteInvoice(f"P-{i}", draft.key, "C-1", draft.currency, draft.gross.amount,
                           draft.gross.amount, ISSUED, draft.due_date, number=str(10_000 + i),
                           booked=True)
    return draft, booked, customer, exemption


def build(i: int) -> EInvoice:
    draft, booked, customer, exemption = invoice(i)
    return build_einvoice(draft, booked, company=COMPANY, seller=SELLER, customer=customer,
                          exemption=exemption, exchange_rate=Decimal("0.68"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000)
    parser.add_argument("--rules", default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    validator = EInvoiceValidator(args.rules)
    compile_s = time.perf_counter() - started

    build_s = validate_s = 0.0
    fatal = warnings = 0
    for i in range(args.invoices):
        started = time.perf_counter()
        document = build(i)
        built = time.perf_counter()
        report = validator.validate(document.xml)
        validate_s += time.perf_counter() - built
        build_s += built - started
        fatal += len(report.fatal)
        warnings += len(report.warnings)
    total_s = build_s + validate_s
    figures = {
        "invoices": args.invoices,
        "compile_s": round(compile_s, 3),
        "build_s": round(build_s, 3),
        "validate_s": round(validate_s, 3),
        "ms_per_invoice": round(1000 * total_s / args.invoices, 2),
        "invoices_per_s": round(args.invoices / total_s, 1),
        "fatal_findings": fatal,
        "warnings": warnings,
        "target_invoices_per_s": 20,
    }
    print(f"compiled the rules in {compile_s:.2f} s; built {args.invoices:,} invoices in "
          f"{build_s:.2f} s and validated them (XSD + CEN + PEPPOL) in {validate_s:.2f} s: "
          f"{figures['invoices_per_s']} invoices/s; {fatal} fatal findings, "
          f"{warnings} warnings", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
