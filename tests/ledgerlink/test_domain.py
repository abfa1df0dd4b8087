"""Domain types: registration numbers, invoice totals, fingerprints, validators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ledgerlink.domain import (
    Address,
    Company,
    Customer,
    InvoiceDraft,
    InvoiceLine,
    Product,
    WorkLine,
    WorkOrder,
    WorkStatus,
    normalize_registration_number,
    vat_breakdown,
)
from ledgerlink.errors import ValidationError
from ledgerlink.money import round_money

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _customer(number: str | None, country: str = "DK") -> Customer:
    return Customer("c", "C", registration_number=number, address=Address(country=country))


# --- registration numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "country", "stored"),
    [
        ("DK12345674", "DK", "DK12345674"),
        ("12345674", "DK", "DK12345674"),
        ("DK 12 34 56 74", "DK", "DK12345674"),
        ("dk12345674", "DK", "DK12345674"),
        ("DE136695976", "DE", "DE136695976"),
        ("136695976", "DE", "DE136695976"),
        ("DE136695976", "DK", "DE136695976"),  # the prefix wins over the address
        ("SE556188840401", "SE", "SE556188840401"),
        ("NL004495445B01", "NL", "NL004495445B01"),
        ("FR40303265045", "FR", "FR40303265045"),
        ("ATU13585627", "AT", "ATU13585627"),
        ("12-3456789", "US", "12-3456789"),  # python-stdnum has no US VAT: kept
        ("12 345", "GL", "12345"),  # unknown countries are kept, compacted
    ],
)
def test_valid_registration_numbers_are_stored_compacted_with_prefix(
    number: str, country: str, stored: str
) -> None:
    """Valid numbers are stored compacted, with the country prefix where one applies."""
    assert _customer(number, country).registration_number == stored


@pytest.mark.parametrize(
    ("number", "country"),
    [
        ("DK12345675", "DK"),  # wrong check digit
        ("12345675", "DK"),
        ("1234567", "DK"),  # too short
        ("DE136695977", "DE"),
        ("SE556188840402", "DK"),
        ("ABC123", "DK"),
    ],
)
def test_invalid_registration_numbers_are_refused(number: str, country: str) -> None:
    """Numbers failing their country's check are refused naming the field and value."""
    with pytest.raises(ValidationError) as caught:
        _customer(number, country)
    assert caught.value.field == "registration_number"
    assert caught.value.value == number


@given(st.sampled_from([
    ("DK12345674", "DK"), ("10000009", "DK"), ("DE136695976", "DE"), ("SE556188840401", None),
    ("ATU13585627", "AT"), ("CHE-116.281.710 MWST", "CH"), ("12 345", "GL"),
]))
def test_normalising_is_idempotent(pair: tuple[str, str | None]) -> None:
    """A stored number normalises to itself, so saving and loading never changes it."""
    number, country = pair
    once = normalize_registration_number(number, country)
    assert normalize_registration_number(once, country) == once


def test_greek_vat_numbers_keep_the_el_prefix() -> None:
    """A Greek VAT number is stored with the EL prefix VIES and e-invoices use."""
    assert _customer("EL094259216", "GR").registration_number == "EL094259216"


# --- invoice totals ------------------------------------------------------------------------

lines = st.builds(
    InvoiceLine,
    description=st.just("line"),
    quantity=st.decimals(min_value=-1000, max_value=1000, places=3),
    unit_price=st.decimals(min_value=-10**5, max_value=10**5, places=4),
    vat_rate=st.sampled_from([Decimal(0), Decimal(12), Decimal("12.5"), Decimal(25)]),
)
currencies = st.sampled_from(["DKK", "JPY", "BHD"])


def _draft(invoice_lines: list[InvoiceLine], currency: str) -> InvoiceDraft:
    return InvoiceDraft("k", "c", currency, date(2024, 5, 1), date(2024, 5, 9), invoice_lines)


@given(st.lists(lines, max_size=8), currencies)
def test_gross_is_net_plus_vat(invoice_lines: list[InvoiceLine], currency: str) -> None:
    """An invoice's gross total is exactly its net plus its VAT, to the minor unit."""
    draft = _draft(invoice_lines, currency)
    assert draft.gross.amount == draft.net.amount + draft.vat.amount
    assert draft.net.amount == sum((ln.net(currency) for ln in invoice_lines), Decimal(0))


@given(st.lists(lines, max_size=8), currencies)
def test_vat_is_rounded_once_per_rate(invoice_lines: list[InvoiceLine], currency: str) -> None:
    """Each rate's VAT is its base (the sum of rounded line amounts) x rate, rounded once."""
    breakdown = vat_breakdown(invoice_lines, currency)
    rates = {ln.vat_rate for ln in invoice_lines}
    assert {v.rate for v in breakdown} == rates
    for total in breakdown:
        base = sum((ln.net(currency) for ln in invoice_lines if ln.vat_rate == total.rate),
                   Decimal(0))
        assert total.base.amount == base
        assert total.vat.amount == round_money(base * total.rate / 100, currency)
    assert _draft(invoice_lines, currency).vat.amount == sum(
        (v.vat.amount for v in breakdown), Decimal(0))


def test_vat_on_the_sum_not_per_line() -> None:
    """Three lines of 0.10 at 25% carry 0.08 VAT (on 0.30), not 3 x 0.03 = 0.09."""
    draft = _draft([InvoiceLine("x", Decimal(1), Decimal("0.10"))] * 3, "DKK")
    assert draft.vat.amount == Decimal("0.08")
    assert draft.gross.amount == Decimal("0.38")


def test_line_amount_is_rounded_half_up_once() -> None:
    """quantity x unit price is rounded to the currency's minor unit once."""
    line = InvoiceLine("x", Decimal("3"), Decimal("0.335"))
    assert line.net("DKK") == Decimal("1.01")
    assert line.net("JPY") == Decimal("1")


def test_line_amount_is_not_double_rounded() -> None:
    """A product needing more than 28 digits is rounded once, not twice."""
    line = InvoiceLine("x", Decimal("0.4999999999999999999999999999999"), Decimal("0.01"))
    assert line.net("DKK") == Decimal("0.00")  # exact: 0.004999... rounds down


def test_due_date_before_issue_date_is_refused() -> None:
    """A draft due before it is issued is refused naming due_date."""
    with pytest.raises(ValidationError) as caught:
        InvoiceDraft("k", "c", "DKK", date(2024, 5, 9), date(2024, 5, 1), [])
    assert caught.value.field == "due_date"


# --- fingerprints ------------------------------------------------------------------------

work_lines = st.lists(st.from_type(WorkLine), max_size=3)
# Any text at all, separators and control characters included, and "" product ids.
_any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
awkward_lines = st.lists(st.builds(
    WorkLine,
    description=_any_text.filter(str.strip),
    quantity=st.sampled_from([Decimal(1), Decimal(25)]),
    unit_price=st.sampled_from([Decimal(1), Decimal(25)]),
    vat_rate=st.sampled_from([Decimal(1), Decimal(25)]),
    product_id=st.none() | _any_text,
), max_size=3)


@given(work_lines | awkward_lines, work_lines | awkward_lines)
def test_fingerprint_changes_iff_lines_change(a: list[WorkLine], b: list[WorkLine]) -> None:
    """Two work orders share a fingerprint exactly when their lines are equal."""
    first = WorkOrder("w", "c", a, completed_at=WHEN)
    second = WorkOrder("w", "c", b, completed_at=WHEN)
    assert (first.fingerprint() == second.fingerprint()) == (first.lines == second.lines)


@given(st.from_type(WorkOrder), st.sampled_from(WorkStatus))
def test_fingerprint_ignores_everything_but_lines(order: WorkOrder, status: WorkStatus) -> None:
    """Changing the customer, project or status does not change what would be billed."""
    changed = attrs.evolve(order, customer_id=order.customer_id + "x", project="other",
                           status=status, completed_at=WHEN)
    assert changed.fingerprint() == order.fingerprint()


@given(st.from_type(WorkOrder), st.data())
def test_fingerprint_sees_every_line_field(order: WorkOrder, data: st.DataObject) -> None:
    """Changing any one field of any one line changes the fingerprint."""
    assume(order.lines)
    index = data.draw(st.integers(0, len(order.lines) - 1))
    line = order.lines[index]
    changes = {
        "description": line.description + "!",
        "quantity": line.quantity + 1,
        "unit_price": line.unit_price + Decimal("0.01"),
        "vat_rate": Decimal(0) if line.vat_rate else Decimal(25),
        "product_id": (line.product_id or "") + "p",
    }
    name = data.draw(st.sampled_from(sorted(changes)))
    new_lines = list(order.lines)
    new_lines[index] = attrs.evolve(line, **{name: changes[name]})
    assert attrs.evolve(order, lines=new_lines).fingerprint() != order.fingerprint()


def test_fingerprint_ignores_decimal_spelling() -> None:
    """2.50 and 2.5 are the same quantity, and the same fingerprint."""
    a = WorkOrder("w", "c", [WorkLine("x", Decimal("2.50"), Decimal("100"))], completed_at=WHEN)
    b = WorkOrder("w", "c", [WorkLine("x", Decimal("2.5"), Decimal("1E+2"))], completed_at=WHEN)
    assert a.lines == b.lines
    assert a.fingerprint() == b.fingerprint()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(
            [WorkLine("a", Decimal(1), Decimal(1), Decimal(25), "b\x1ed\x1f1\x1f1\x1f25\x1f")],
            [WorkLine("a", Decimal(1), Decimal(1), Decimal(25), "b"),
             WorkLine("d", Decimal(1), Decimal(1), Decimal(25))],
            id="separator-in-product-id",
        ),
        pytest.param(
            [WorkLine("a", Decimal(1), Decimal(1), Decimal(25), "")],
            [WorkLine("a", Decimal(1), Decimal(1), Decimal(25), None)],
            id="empty-vs-no-product-id",
        ),
        pytest.param(
            [WorkLine("a", Decimal(1), Decimal(1), Decimal(25), "p")],
            [WorkLine("a", Decimal(1), Decimal(1), Decimal(25), "q")],
            id="different-product-ids",
        ),
    ],
)
def test_fingerprint_has_no_collisions_between_different_lines(
    one: list[WorkLine], other: list[WorkLine]
) -> None:
    """Different lines never share a fingerprint, whatever characters their fields hold."""
    first = WorkOrder("w", "c", one, completed_at=WHEN)
    second = WorkOrder("w", "c", other, completed_at=WHEN)
    assert first.lines != second.lines
    assert first.fingerprint() != second.fingerprint()


# --- validators ----------------------------------------------------------------------------


def test_naive_completed_at_is_refused() -> None:
    """A completion time without a time zone is refused naming completed_at."""
    with pytest.raises(ValidationError) as caught:
        WorkOrder("w", "c", [], completed_at=datetime(2024, 5, 1, 12, 0))
    assert caught.value.field == "completed_at"


def test_completed_without_completed_at_is_refused() -> None:
    """A completed work order needs its completion time; a planned one does not."""
    with pytest.raises(ValidationError) as caught:
        WorkOrder("w", "c", [], status=WorkStatus.COMPLETED)
    assert caught.value.field == "completed_at"
    assert WorkOrder("w", "c", [], status=WorkStatus.PLANNED).completed_at is None


@pytest.mark.parametrize("email", ["billing.acme.dk", "", " a@b.dk", "a@b.dk\n"])
def test_bad_email_is_refused(email: str) -> None:
    """An email without @ or with surrounding whitespace is refused."""
    with pytest.raises(ValidationError) as caught:
        Customer("c", "C", email=email)
    assert caught.value.field == "email"


@pytest.mark.parametrize("currency", ["EURO", "eur", "ABC", "XAU", ""])
def test_bad_currency_is_refused(currency: str) -> None:
    """Customers and companies refuse codes that are not invoiceable ISO 4217 currencies."""
    with pytest.raises(ValidationError) as caught:
        Customer("c", "C", currency=currency)
    assert caught.value.field == "currency"
    with pytest.raises(ValidationError):
        Company("X", currency=currency)


@pytest.mark.parametrize("country", ["dk", "DNK", "D", "", "1K"])
def test_bad_country_is_refused(country: str) -> None:
    """Countries must be upper-case ISO 3166 alpha-2 codes."""
    with pytest.raises(ValidationError) as caught:
        Address(country=country)
    assert caught.value.field == "country"


@pytest.mark.parametrize("rate", ["-1", "100.01", "250"])
def test_vat_rate_outside_0_to_100_is_refused(rate: str) -> None:
    """A VAT rate is a percentage from 0 to 100."""
    with pytest.raises(ValidationError) as caught:
        WorkLine("x", Decimal(1), Decimal(1), Decimal(rate))
    assert caught.value.field == "vat_rate"


@pytest.mark.parametrize(("field", "value"), [("quantity", 1.5), ("unit_price", 0.1),
                                              ("vat_rate", 25.0)])
def test_floats_are_refused_in_work_lines(field: str, value: float) -> None:
    """Quantities, prices and VAT rates refuse floats."""
    wire = {"description": "x", "quantity": Decimal(1), "unit_price": Decimal(1), field: value}
    with pytest.raises(ValidationError) as caught:
        WorkLine(**wire)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_product_refuses_a_float_price() -> None:
    """A product's list price refuses floats like every other money field."""
    with pytest.raises(ValidationError):
        Product("p", "P", unit_price=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_ids_and_names_are_refused(blank: str) -> None:
    """Ids and names must hold something other than spaces."""
    with pytest.raises(ValidationError):
        Customer(blank, "C")
    with pytest.raises(ValidationError):
        Product("p", blank)
    with pytest.raises(ValidationError):
        WorkOrder(blank, "c", [], status=WorkStatus.PLANNED)


def test_unknown_time_zone_is_refused() -> None:
    """A company time zone must be an IANA zone name."""
    with pytest.raises(ValidationError) as caught:
        Company("X", time_zone="Europe/Atlantis")
    assert caught.value.field == "time_zone"
    assert Company("X").zone.key == "Europe/Copenhagen"


def test_northern_ireland_numbers_keep_the_xi_prefix() -> None:
    """A Northern Ireland VAT number stays XI-prefixed for a GB customer."""
    assert normalize_registration_number("XI980780684", "GB") == "XI980780684"
    assert normalize_registration_number("GB980780684", "GB") == "GB980780684"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Customer(id="a", name="b", kind="company"), "kind"),  # type: ignore[arg-type]
        (lambda: Customer(id="a", name="b", delivery="email"), "delivery"),  # type: ignore[arg-type]
        (lambda: WorkOrder(id="w", customer_id="c", lines=[], status="planned"), "status"),  # type: ignore[arg-type]
    ],
)
def test_plain_strings_are_not_enum_members(build: Any, field: str) -> None:
    """An enum field given a plain string is refused naming the field, not silently kept."""
    with pytest.raises(ValidationError) as caught:
        build()
    assert caught.value.field == field


@pytest.mark.parametrize("build", [
    lambda long: Customer(long, "Name"),
    lambda long: Product(long, "Name"),
    lambda long: WorkOrder(long, "c1", [], status=WorkStatus.PLANNED),
    lambda long: WorkOrder("w1", long, [], status=WorkStatus.PLANNED),
], ids=["customer", "product", "work order", "work order's customer"])
def test_an_id_longer_than_the_journal_keeps_is_refused_naming_the_field(build: Any) -> None:
    """An id one character past what the journal keeps is refused naming its field."""
    from ledgerlink.domain import MAX_ID_LENGTH

    build("x" * MAX_ID_LENGTH)  # the longest accepted
    with pytest.raises(ValidationError, match=f"at most {MAX_ID_LENGTH} characters") as caught:
        build("x" * (MAX_ID_LENGTH + 1))
    assert caught.value.field in ("id", "customer_id")


# --- amount bounds ------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "words"), [
    ("quantity", "1E+3", "exponent notation"),
    ("quantity", "1" + "0" * 400, "at most 10 digits"),
    ("quantity", Decimal("1E+12"), "at most 10 digits"),
    ("unit_price", "123456789012345678901234567890", "at most 12 digits"),
    ("unit_price", "1e400", "exponent notation"),
    ("unit_price", "Infinity", "finite"),
    ("vat_rate", "25.0000001", "at most 6 decimals"),
    ("vat_rate", "2.5e1", "exponent notation"),
])
def test_work_lines_refuse_amounts_beyond_their_bounds(field: str, value: object,
                                                       words: str) -> None:
    """A work line's quantity, price and VAT rate follow the amount rules, naming the field,
    however the line is made (here through the API, not a file)."""
    given_values: dict[str, Any] = {"quantity": "1", "unit_price": "100", "vat_rate": "25"}
    given_values[field] = value
    with pytest.raises(ValidationError) as caught:
        WorkLine("x", **given_values)
    assert caught.value.field == field
    assert words in caught.value.message


def test_product_list_prices_follow_the_unit_price_bound() -> None:
    """A product's list price is a unit price: 13 whole digits are refused naming unit_price."""
    with pytest.raises(ValidationError) as caught:
        Product("p", "P", unit_price="1234567890123")
    assert caught.value.field == "unit_price"
    assert Product("p", "P", unit_price="999999999999.999999").unit_price == Decimal(
        "999999999999.999999")


def test_largest_lines_still_add_up_exactly() -> None:
    """Lines at the largest quantity and price still give an exact, refusal-free invoice total."""
    line = WorkLine("x", "9999999999.999999", "999999999999.999999", "25")
    order = WorkOrder("w", "c", [line] * 100, completed_at=WHEN)
    net = line.net("BHD") * 100
    assert order.total("BHD").amount == net + round_money(net * Decimal("0.25"), "BHD")


def test_work_order_total_includes_vat_as_an_invoice_does() -> None:
    """A work order's total is net plus VAT per rate: +100 at 0% and -90 at 25% is -12.50."""
    order = WorkOrder("w", "c", [WorkLine("a", 1, 100, 0), WorkLine("b", 1, -90, 25)],
                      completed_at=WHEN)
    assert order.total("DKK").amount == Decimal("-12.50")


@given(st.lists(lines, max_size=6), currencies)
def test_work_order_total_is_the_gross_of_its_invoice(invoice_lines: list[InvoiceLine],
                                                      currency: str) -> None:
    """A work order totals exactly what an invoice of its lines would, VAT included."""
    work = [WorkLine(ln.description, ln.quantity, ln.unit_price, ln.vat_rate)
            for ln in invoice_lines]
    order = WorkOrder("w", "c", work, completed_at=WHEN)
    assert order.total(currency) == _draft(invoice_lines, currency).gross
