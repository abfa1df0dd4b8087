"""Generated invoices: whatever the lines, rates, texts and currency, the document is valid."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.domain import Customer, InvoiceLine
from ledgerlink.einvoice import (
    EXPORT,
    INTRA_COMMUNITY,
    NOT_SUBJECT,
    REVERSE_CHARGE,
    ZERO_RATED,
    EInvoiceValidator,
    VatExemption,
    build_einvoice,
    exempt,
)
from ledgerlink.einvoice.writer import clean
from tests.ledgerlink.einvoice.invoices import (
    COMPANY,
    DANISH,
    NORWEGIAN,
    SELLER,
    SWEDISH,
    booked_pair,
)

# Any text but lone surrogates (not UTF-8); control characters included, as data has them.
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=240).filter(
    lambda s: clean(s).strip() != "")
_RATES = st.sampled_from([Decimal(r) for r in ("25", "12.5", "12", "6", "0")])


def _decimal(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False,
                       allow_infinity=False)


_LINES = st.lists(st.builds(
    InvoiceLine, description=_TEXT, quantity=_decimal("-50", "1000", 3),
    unit_price=_decimal("-2000", "100000", 4), vat_rate=_RATES), min_size=1, max_size=6)

#: For each buyer, the zero-VAT treatments that fit it.
_EXEMPTIONS: dict[str, list[VatExemption]] = {
    "c-dk": [ZERO_RATED, exempt("VATEX-EU-132", "Medical care"), NOT_SUBJECT],
    "c-se": [INTRA_COMMUNITY, REVERSE_CHARGE, ZERO_RATED],
    "c-no": [EXPORT, REVERSE_CHARGE, exempt("VATEX-EU-F")],
}


_Case = tuple[Customer, list[InvoiceLine], VatExemption, bool]


@st.composite
def _cases(draw: st.DrawFn) -> _Case:
    customer = draw(st.sampled_from([DANISH, SWEDISH, NORWEGIAN]))
    customer = attrs.evolve(customer, name=draw(_TEXT))
    exemption = draw(st.sampled_from(_EXEMPTIONS[customer.id]))
    lines = draw(_LINES)
    if exemption is NOT_SUBJECT:  # BR-O-11: nothing else on the invoice
        lines = [attrs.evolve(ln, vat_rate=Decimal(0)) for ln in lines]
    credit = draw(st.booleans())
    return customer, lines, exemption, credit


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases(), rate=_decimal("0.01", "20", 6), allowances=st.booleans())
def test_generated_invoices_have_no_fatal_findings(validator: EInvoiceValidator, case: _Case,
                                                   rate: Decimal, allowances: bool) -> None:
    """Generated invoices and credit notes in several currencies pass all three layers."""
    customer, lines, exemption, credit = case
    draft, invoice = booked_pair(lines, customer=customer, number="1001")
    booked, credited = invoice, None
    if credit and draft.gross.amount >= 0:
        draft, booked = booked_pair(lines, customer=customer, number="1002", credit_for="P-1001")
        credited = invoice
    document = build_einvoice(draft, booked, company=COMPANY, seller=SELLER, customer=customer,
                              exemption=exemption, exchange_rate=rate, credited=credited,
                              discounts_as_allowances=allowances)
    report = validator.validate(document.xml)
    assert report.fatal == (), f"{report}\n{document.xml.decode()}"
