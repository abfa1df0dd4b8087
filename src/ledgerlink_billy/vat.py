"""The VAT rate Billy will charge on a line, known before anything is written.

Billy computes a line's VAT itself: a line's ``taxRate`` and ``tax`` are
read-only [B1]; the rate comes from the product's sales tax ruleset together
with the contact. A ruleset holds rules (country or country group, contact type
→ tax rate, with a priority) and a fallback rate [B1]. So the connector reads
the rulesets' rules, the tax rates and (only when a rule names a group) the
country groups once per connector, works out the rate each line will get, and
refuses a line whose own VAT rate differs, naming both rates.

How a rule is chosen (inferred; Billy does not publish its order): the first
rule by ``priority`` that fits the contact (its country, if the rule names one;
a member of its country group, if it names one; its contact type, if it names
one), else the ruleset's fallback rate. The group ``EU`` is known here (the EU
member states); another group is read from ``/v2/countryGroups``. A tax
rate's ``rate`` is read as a fraction (0.25 = 25 %) (inferred); a
value above 1 is taken as a percent already.
"""

from __future__ import annotations

import threading
from decimal import Decimal

from ledgerlink.errors import ValidationError
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.wire import (
    BillyContact,
    BillyCountryGroup,
    BillySalesTaxRule,
    BillySalesTaxRuleset,
    BillyTaxRate,
)

__all__ = ["EU", "EU_COUNTRIES", "SalesTax", "percent"]

HUNDRED = Decimal(100)
#: The country group id of the European Union, and its member states (ISO 3166 codes).
EU = "EU"
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})


def percent(rate: Decimal) -> Decimal:
    """A tax rate's ``rate`` as a percent (a fraction ×100; a percent as it is)."""
    value = rate * HUNDRED if rate <= 1 else rate
    return value.normalize() if value == value.to_integral_value() else value


def _members(group: BillyCountryGroup) -> set[str]:
    ids = group.memberCountryIds
    if isinstance(ids, str):
        return {part.strip() for part in ids.split(",") if part.strip()}
    if isinstance(ids, list | tuple):
        return {str(part) for part in ids}
    return set()


class SalesTax:
    """The company's sales tax rulesets, rules, tax rates and country groups, read once.

    Args:
        api: the company's requests.
    """

    def __init__(self, api: BillyApi) -> None:
        self.api = api
        self._lock = threading.Lock()
        self._rulesets: dict[str, BillySalesTaxRuleset] | None = None
        self._rules: dict[str, list[BillySalesTaxRule]] = {}
        self._rates: dict[str, BillyTaxRate] = {}
        self._groups: dict[str, set[str]] | None = None

    def _load(self) -> dict[str, BillySalesTaxRuleset]:
        with self._lock:
            if self._rulesets is None:
                rulesets = {r.id: r for r in self.api.list(
                    "salesTaxRulesets", "salesTaxRulesets", BillySalesTaxRuleset,
                    operation="list sales tax rulesets") if r.id}
                for rule in self.api.list("salesTaxRules", "salesTaxRules", BillySalesTaxRule,
                                          operation="list sales tax rules"):
                    if rule.rulesetId:
                        self._rules.setdefault(rule.rulesetId, []).append(rule)
                self._rates = {r.id: r for r in self.api.list(
                    "taxRates", "taxRates", BillyTaxRate, operation="list tax rates") if r.id}
                self._rulesets = rulesets
            return self._rulesets

    def _group_members(self, group_id: str) -> set[str]:
        with self._lock:
            if self._groups is None:
                self._groups = {g.id: _members(g) for g in self.api.list(
                    "countryGroups", "countryGroups", BillyCountryGroup,
                    operation="list country groups") if g.id}
            return self._groups.get(group_id, set())

    def rulesets(self) -> dict[str, BillySalesTaxRuleset]:
        """Every ruleset by id."""
        return self._load()

    def _fits(self, rule: BillySalesTaxRule, contact: BillyContact) -> bool:
        if rule.contactType not in (None, "", contact.type):
            return False
        if rule.countryId and rule.countryId != contact.countryId:
            return False
        if rule.countryGroupId:
            members = EU_COUNTRIES if rule.countryGroupId == EU else self._group_members(
                rule.countryGroupId)
            return contact.countryId in members
        return True

    def rate_for(self, ruleset_id: str, contact: BillyContact) -> Decimal | None:
        """The percent Billy charges a line of a product with ``ruleset_id`` for ``contact``
        (None: the ruleset is unknown or names no rate)."""
        ruleset = self._load().get(ruleset_id)
        if ruleset is None:
            return None
        rules = sorted(self._rules.get(ruleset_id, ()), key=lambda rule: rule.priority or 0)
        chosen = next((rule.taxRateId for rule in rules if self._fits(rule, contact)), None)
        rate_id = chosen or ruleset.fallbackTaxRateId
        rate = self._rates.get(rate_id) if rate_id else None
        return None if rate is None or rate.rate is None else percent(rate.rate)

    def ruleset_for(self, vat_rate: Decimal, country: str) -> str | None:
        """A ruleset charging ``vat_rate`` to a company in ``country`` (a new product's)."""
        probe = BillyContact(type="company", countryId=country)
        for ruleset_id in self._load():
            if self.rate_for(ruleset_id, probe) == vat_rate:
                return ruleset_id
        return None

    def check(self, *, line: int, description: str, vat_rate: Decimal, ruleset_id: str | None,
              product_id: str, contact: BillyContact) -> None:
        """Refuse line ``line`` when Billy would charge another rate than ``vat_rate``."""
        charged = self.rate_for(ruleset_id, contact) if ruleset_id else None
        if charged is None:
            raise ValidationError(
                f"line {line} ({description!r}): the VAT Billy charges for product "
                f"{product_id} cannot be told (sales tax ruleset {ruleset_id!r} unknown or "
                "without a rate); the line's rate is {vat_rate} %",
                field=f"lines[{line - 1}].vat_rate", value=str(vat_rate))
        if charged != vat_rate:
            raise ValidationError(
                f"line {line} ({description!r}) has VAT {vat_rate} % but Billy charges "
                f"{charged} % for product {product_id} (its sales tax ruleset) and a "
                f"{contact.type or 'company'} contact in {contact.countryId}; link the line "
                "to a product with the right ruleset",
                field=f"lines[{line - 1}].vat_rate", value=str(vat_rate))
