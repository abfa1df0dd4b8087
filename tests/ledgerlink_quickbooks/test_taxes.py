"""VAT rate → TaxCode mapping (ledgerlink_quickbooks.taxes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.taxes import TaxCodes, parse_overrides
from tests.ledgerlink_quickbooks.taxes_support import Company

RATES = st.decimals(min_value=0, max_value=100, places=2)
CODE_IDS = st.text("ABCxyz0123456789-_", min_size=1, max_size=6)


def _show(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


class FakeCompany:
    """Answers TaxCode/TaxRate queries from a list of (code id, [rates], active, hidden)."""

    def __init__(self, codes: Sequence[tuple[str, Sequence[Decimal], bool, bool]]) -> None:
        self.calls: list[str] = []
        self.rates: list[dict[str, Any]] = []
        self.codes: list[dict[str, Any]] = []
        for code_id, rates, active, hidden in codes:
            details = []
            for rate in rates:
                rate_id = f"r{len(self.rates)}"
                self.rates.append({"Id": rate_id, "RateValue": rate, "Active": True})
                details.append({"TaxRateRef": {"value": rate_id}})
            self.codes.append({"Id": code_id, "Name": f"Code {code_id}", "Active": active,
                               "Hidden": hidden, "SalesTaxRateList": {"TaxRateDetail": details}})

    def query(self, entity: str, where: list[queries.Condition]) -> Sequence[Mapping[str, Any]]:
        self.calls.append(entity)
        return {"TaxCode": self.codes, "TaxRate": self.rates}[entity]


# --- the option ---------------------------------------------------------------------


@given(st.dictionaries(RATES, CODE_IDS, max_size=6), st.sampled_from(["", " ", "  "]))
def test_overrides_round_trip(mapping: dict[Decimal, str], space: str) -> None:
    """Any rate=code list, however spaced, parses back to the same mapping."""
    text = ",".join(f"{space}{_show(r)}{space}={space}{c}{space}" for r, c in mapping.items())
    assert parse_overrides(text) == mapping


BAD_PARTS = st.one_of(
    CODE_IDS.filter(lambda s: "=" not in s),  # no '='
    st.sampled_from(["abc=3", "101=3", "-1=3", "NaN=3", "Infinity=3", "=3", "25="]),
)


@given(st.dictionaries(RATES, CODE_IDS, max_size=3), BAD_PARTS, st.integers(0, 3))
def test_a_bad_part_is_named(mapping: dict[Decimal, str], bad: str, where: int) -> None:
    """One malformed part among good ones is a ValidationError that quotes that part."""
    parts = [f"{_show(r)}={c}" for r, c in mapping.items()]
    parts.insert(min(where, len(parts)), bad)
    with pytest.raises(ValidationError) as caught:
        parse_overrides(",".join(parts), option="qbo_tax_codes")
    assert repr(bad) in caught.value.message
    assert caught.value.field == "qbo_tax_codes"


def test_a_rate_mapped_twice_is_refused() -> None:
    """The same rate twice (25 and 25.0) is refused, naming the second part."""
    with pytest.raises(ValidationError, match=r"25\.0=4"):
        parse_overrides("25=3,25.0=4")
    assert parse_overrides(None) == {} == parse_overrides(" , ")


# --- matching -----------------------------------------------------------------------


@given(st.lists(st.tuples(st.lists(RATES, min_size=1, max_size=2), st.booleans()),
                max_size=8),
       RATES)
def test_the_single_matching_active_code_wins(
    specs: list[tuple[list[Decimal], bool]], wanted: Decimal
) -> None:
    """code_for answers the one active code whose rates sum to the rate, else names them all."""
    company = FakeCompany([(f"c{n}", rates, active, False)
                           for n, (rates, active) in enumerate(specs)])
    matches = [f"c{n}" for n, (rates, active) in enumerate(specs)
               if active and sum(rates, Decimal(0)) == wanted]
    codes = TaxCodes(company.query)
    if len(matches) == 1:
        assert codes.code_for(wanted) == matches[0]
        return
    with pytest.raises(ValidationError) as caught:
        codes.code_for(wanted)
    message = caught.value.message
    assert f"{_show(wanted)} %" in message and caught.value.field == "tax_codes"
    if matches:
        assert all(f"{m} (Code {m})" in message for m in matches)
    else:
        assert "no active QuickBooks tax code" in message


def test_codes_are_loaded_once_and_hidden_or_rateless_codes_ignored() -> None:
    """One TaxCode and one TaxRate query in all; hidden and rate-less codes never match."""
    company = FakeCompany([("1", [Decimal(25)], True, False), ("2", [Decimal(25)], True, True),
                           ("NON", [], True, False), ("TAX", [], True, False),
                           ("3", [Decimal(0)], True, False)])
    codes = TaxCodes(company.query)
    assert codes.code_for(Decimal("25.00")) == "1"
    assert codes.code_for(Decimal(0)) == "3"
    assert sorted(company.calls) == ["TaxCode", "TaxRate"]


def test_overrides_win_and_are_checked() -> None:
    """An override settles an ambiguous rate; an unknown or wrong-rate code is refused."""
    company = FakeCompany([("7", [Decimal(0)], True, False), ("8", [Decimal(0)], True, False),
                           ("9", [Decimal(12)], True, False), ("10", [], True, False)])
    with pytest.raises(ValidationError, match=r"7 \(Code 7\), 8 \(Code 8\)"):
        TaxCodes(company.query).code_for(Decimal(0))
    assert TaxCodes(company.query, "0=8").code_for(Decimal(0)) == "8"
    assert TaxCodes(company.query, {Decimal(0): "10"}).code_for(Decimal(0)) == "10"
    with pytest.raises(ValidationError, match="'12=99' names no active"):
        TaxCodes(company.query, "12=99").code_for(Decimal(12))
    with pytest.raises(ValidationError, match="applies 12 %"):
        TaxCodes(company.query, "25=9").code_for(Decimal(25))


def test_against_the_emulated_company(company: Company) -> None:
    """The emulator's seeded codes map 25/12/6/0 % to their VAT codes, through real queries."""
    codes = TaxCodes(company.query)
    names = {rate: company.emulator.realms[_realm(company)].entities["TaxCode"][
        codes.code_for(Decimal(rate))]["Name"] for rate in (25, 12, 6, 0)}
    assert names == {25: "VAT 25%", 12: "VAT 12%", 6: "VAT 6%", 0: "VAT 0%"}
    with pytest.raises(ValidationError, match="VAT rate 20 %"):
        codes.code_for(Decimal(20))


def _realm(company: Company) -> str:
    return next(iter(company.emulator.realms))
