"""The deal mapping: the file and the object, recipient fields, due days, exact line prices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.deal_mapping import (
    CustomerParty,
    DealMapping,
    FieldRef,
    line_amount,
    load_deal_mapping,
    map_deal,
    work_lines,
)
from ledgerlink.deals import Deal, DealLine, DealParty, DealStatus, PartyRole, TaxMethod
from ledgerlink.domain import Address, PartyKind
from ledgerlink.errors import ValidationError
from ledgerlink.money import EXACT

WON = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
ORG = DealParty("5", PartyRole.ORGANIZATION, "Acme ApS",
                address=Address("Havnegade 1", "8000", "Aarhus", "DK"),
                fields={"CVR number": "DK12345674", "Terms": "21", "Billing mail": "ap@acme.dk"})
PERSON = DealParty("9", PartyRole.PERSON, "Ida Jensen", email="ida@acme.dk",
                   fields={"Street": "Skolevej 3"})


def make_deal(*lines: DealLine, currency: str = "DKK", tax_method: TaxMethod = TaxMethod.EXCLUSIVE,
              organization: DealParty | None = ORG, person: DealParty | None = PERSON,
              fields: dict[str, object] | None = None) -> Deal:
    """A won deal with the given lines (one 2 x 500 line when none)."""
    return Deal("42", "New roof", DealStatus.WON, currency, Decimal(1000),
                lines or (DealLine("101", "Roof inspection", "2", "500"),),
                tax_method=tax_method, person=person, organization=organization, won_at=WON,
                fields=fields or {})


def test_a_mapping_file_fills_the_customer_and_the_due_days(tmp_path: Path) -> None:
    """The [deals] table names the tax id, e-mail and due-days fields; the customer has them."""
    path = tmp_path / "deals.toml"
    path.write_text('[deals]\ncustomer = "organization"\ndefault_tax_rate = "25"\n'
                    'due_days = "organization:Terms"\n[deals.fields]\n'
                    'registration_number = "organization:CVR number"\n'
                    'email = "organization:Billing mail"\n', encoding="utf-8")
    mapping = load_deal_mapping(path)
    assert mapping.fields["email"] == FieldRef("organization", "Billing mail")
    customer, order = map_deal(make_deal(), mapping)
    assert (customer.id, customer.name, customer.kind) == ("organization-5", "Acme ApS",
                                                           PartyKind.COMPANY)
    assert (customer.email, customer.registration_number) == ("ap@acme.dk", "DK12345674")
    assert customer.address == ORG.address
    assert customer.policy is not None and customer.policy.payment_terms_days == 21
    assert (order.id, order.customer_id, order.completed_at) == ("deal-42", customer.id, WON)


def test_the_policy_file_may_hold_the_deals_table(tmp_path: Path) -> None:
    """A policy file with a [deals] table still loads as a policy, and as a deal mapping."""
    from ledgerlink.loading import load_policy

    path = tmp_path / "policy.toml"
    path.write_text('[company]\nname = "Tag & Tæt ApS"\n[deals]\ndue_days = 10\n',
                    encoding="utf-8")
    assert load_policy(path).company.name == "Tag & Tæt ApS"
    assert load_deal_mapping(path).due_days == 10


@pytest.mark.parametrize(("text", "key"), [
    ('[deals]\ncolour = "red"\n', "deals.colour"),
    ('[deals]\n[deals.fields]\nemail = "boss:email"\n', "deals.fields.email"),
    ('[deals]\n[deals.fields]\nphone = "person:phone"\n', "deals.fields.phone"),
    ('[deals]\ndue_days = 1.5\n', "deals.due_days"),
    ('[deals]\ndue_days = 400\n', "deals.due_days"),
    ('[deals]\ncustomer = "owner"\n', "deals.customer"),
    ('[deals]\ndefault_tax_rate = "120"\n', "deals.default_tax_rate"),
    ('[policy]\n', "deals"),
])
def test_a_bad_mapping_file_names_the_file_and_the_key(tmp_path: Path, text: str,
                                                        key: str) -> None:
    """Every bad key is a ValidationError naming the file and the key."""
    path = tmp_path / "deals.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_deal_mapping(path)
    assert caught.value.source == str(path)
    assert caught.value.field == key


def test_the_customer_is_the_organization_else_the_person() -> None:
    """auto invoices the organisation when there is one, else the person (kind person)."""
    mapping = DealMapping()
    assert map_deal(make_deal(), mapping)[0].id == "organization-5"
    customer, _ = map_deal(make_deal(organization=None), mapping)
    assert (customer.id, customer.kind, customer.email) == ("person-9", PartyKind.PERSON,
                                                            "ida@acme.dk")
    fixed = DealMapping(customer=CustomerParty.PERSON)
    assert map_deal(make_deal(), fixed)[0].id == "person-9"
    with pytest.raises(ValidationError, match="deal 42: the deal has no person to invoice"):
        map_deal(make_deal(person=None), fixed)


def test_a_field_the_deal_lacks_names_the_deal_the_field_and_the_party() -> None:
    """A mapped field missing on the deal's party is refused naming all three."""
    mapping = DealMapping(fields={"registration_number": "person:CVR number"})
    with pytest.raises(ValidationError) as caught:
        map_deal(make_deal(), mapping)
    assert "deal 42" in caught.value.message
    assert "'CVR number'" in caught.value.message and "the person" in caught.value.message
    assert caught.value.field == "person:CVR number"


def test_address_parts_come_from_named_fields() -> None:
    """A street from a custom field replaces the party's street; the rest stays the party's."""
    mapping = DealMapping(customer=CustomerParty.PERSON,
                          fields={"street": "person:Street", "country": "organization:country"})
    customer, _ = map_deal(make_deal(), mapping)
    assert customer.address == Address("Skolevej 3", "", "", "DK")


def test_a_deal_without_currency_is_refused() -> None:
    """A deal whose currency the CRM left unset is refused, naming the deal."""
    with pytest.raises(ValidationError, match="deal 42: the deal has no currency"):
        map_deal(make_deal(currency=""), DealMapping())


def test_a_deal_that_is_not_won_is_refused() -> None:
    """Only won deals are invoiced."""
    deal = Deal("8", "Lost", DealStatus.LOST, "DKK", Decimal(1),
                (DealLine("1", "Item", "1", "1"),), organization=ORG)
    with pytest.raises(ValidationError, match="only a won deal"):
        map_deal(deal, DealMapping())


def test_inclusive_prices_that_have_no_exact_net_price_are_refused() -> None:
    """100 incl. 20% tax is 83.333...: refused naming the line, never rounded."""
    deal = make_deal(DealLine("7", "Gutter", "1", "100", tax_rate=Decimal(20)),
                     tax_method=TaxMethod.INCLUSIVE)
    with pytest.raises(ValidationError, match=r"deal 42 line 1 \('Gutter', product '7'\)"):
        map_deal(deal, DealMapping())


def test_inclusive_prices_at_25_percent_convert_exactly() -> None:
    """125 incl. 25% tax is 100 net, with the mapping's default rate."""
    deal = make_deal(DealLine("7", "Gutter", "3", "125"), tax_method=TaxMethod.INCLUSIVE)
    (line,) = work_lines(deal, DealMapping())
    assert (line.quantity, line.unit_price, line.vat_rate) == (3, Decimal(100), 25)


def test_a_net_unit_price_with_too_many_places_becomes_one_line_of_the_amount() -> None:
    """3 at 10 less 10 kr: 20/3 per unit is no exact price, so the line is 1 x 20."""
    deal = make_deal(DealLine("7", "Gutter", "3", "10", discount=Decimal(10),
                              discount_is_percentage=False))
    (line,) = work_lines(deal, DealMapping())
    assert (line.quantity, line.unit_price, line.description) == (1, 20, "Gutter (3 x)")


def test_no_tax_method_means_no_tax() -> None:
    """Lines of a deal without tax carry a 0% rate whatever their own rate says."""
    deal = make_deal(DealLine("7", "Gutter", "1", "10", tax_rate=Decimal(25)),
                     tax_method=TaxMethod.NONE)
    assert work_lines(deal, DealMapping())[0].vat_rate == 0


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)
quantities = st.decimals(min_value=Decimal("0.25"), max_value=Decimal(500), places=2)
percentages = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
rates = st.sampled_from([Decimal(0), Decimal(25), Decimal("12.5"), Decimal(20), Decimal(6)])


@st.composite
def deal_lines(draw: st.DrawFn) -> DealLine:
    """A line with a percentage or amount discount (never more than the line) and a rate."""
    quantity, price = draw(quantities), draw(prices)
    if draw(st.booleans()):
        discount, percentage = draw(percentages), True
    else:
        top = EXACT.multiply(quantity, price)
        discount = draw(st.decimals(min_value=Decimal(0), max_value=top, places=2))
        percentage = False
    return DealLine("7", "Item", quantity, price, discount=discount,
                    discount_is_percentage=percentage, tax_rate=draw(rates))


@given(st.lists(deal_lines(), min_size=1, max_size=5), st.sampled_from(list(TaxMethod)))
def test_line_totals_are_exact(lines: list[DealLine], method: TaxMethod) -> None:
    """Each work line's quantity x price with its tax is exactly the deal line's discounted
    amount (incl. tax as the tax method says), or the deal is refused as inexact."""
    deal = make_deal(*lines, tax_method=method)
    try:
        made = work_lines(deal, DealMapping())
    except ValidationError as err:
        refusal = err.message
    else:
        refusal = ""
    if refusal:
        assert method is TaxMethod.INCLUSIVE or "decimal places" in refusal
        return
    for line, work in zip(lines, made, strict=True):
        net = EXACT.multiply(work.quantity, work.unit_price)
        if method is TaxMethod.INCLUSIVE:
            gross = EXACT.divide(EXACT.multiply(net, 100 + work.vat_rate), Decimal(100))
            assert gross == line_amount(line)
        else:
            assert net == line_amount(line)
        expected_rate = 0 if method is TaxMethod.NONE else line.tax_rate
        assert work.vat_rate == expected_rate
