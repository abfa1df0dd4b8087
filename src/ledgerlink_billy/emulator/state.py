"""What one Billy organisation (company) holds, and the Danish defaults it starts with.

Records are kept as Billy answers them (wire keys, ``Decimal`` amounts) in one
table per resource, by id; keys starting with ``_`` are the emulator's own
(never answered). A new organisation gets DKK and a few other currencies, a
chart with a sales account, a bank account and a fee account, the Danish
sales tax rates and rulesets, an owner user, and the subject and body its
invoice e-mails default to. Billy's own names for its predefined rates and
rulesets are not in the official material: the ones below are (inferred).
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_billy.emulator.wire import new_id

__all__ = ["EU_COUNTRIES", "Organization", "new_organization"]

#: The EU member states (Denmark included), ISO 3166 codes: Billy's ``EU`` country group.
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
#: Countries a contact may be in: the EU and the usual trading partners outside it.
COUNTRIES = EU_COUNTRIES | {"GB", "NO", "IS", "CH", "US", "CA", "AU", "NZ", "JP", "CN",
                            "FO", "GL"}
#: Currencies with their rate to DKK (illustrative, fixed so amounts are reproducible).
CURRENCIES = {"DKK": Decimal(1), "EUR": Decimal("7.46"), "USD": Decimal("6.85"),
              "SEK": Decimal("0.65"), "NOK": Decimal("0.64"), "GBP": Decimal("8.70")}
BASE_CURRENCY = "DKK"
#: The default subject and body of an invoice e-mail (Billy's texts are (inferred)).
EMAIL_SUBJECT = "Faktura {invoiceNo} fra {organization}"
EMAIL_BODY = ("Kære {contact}\n\nHermed faktura {invoiceNo}. Beløbet forfalder {dueDate}.\n\n"
              "Med venlig hilsen\n{organization}")
#: The tables an organisation keeps, by resource name.
TABLES = ("accounts", "currencies", "taxRates", "salesTaxRulesets", "salesTaxRules",
          "contacts", "contactPersons", "products", "productPrices", "invoices",
          "invoiceLines", "bankPayments", "balanceModifiers")


@attrs.define
class Organization:
    """One Billy company, reached with its access token.

    Attributes:
        id: The organisation's id (``organizationId`` on every record).
        name: Its name.
        access_token: The ``X-Access-Token`` tied to it (tokens never expire [B1]).
        record: Its ``organization`` record as answered.
        tables: Records by resource name, then id.
        emails: The invoice e-mails sent (``invoiceId``, ``to``, ``subject``, ...).
        next_invoice_no: The number the next approval without ``invoiceNo`` takes.
        email_subject: The company's invoice e-mail subject template.
        email_body: Its body template.
        lock: Guards everything above.
    """

    id: str
    name: str
    access_token: str
    record: dict[str, Any]
    tables: dict[str, dict[str, dict[str, Any]]] = attrs.field(
        factory=lambda: {name: {} for name in TABLES})
    emails: list[dict[str, Any]] = attrs.field(factory=list)
    next_invoice_no: int = 1
    email_subject: str = EMAIL_SUBJECT
    email_body: str = EMAIL_BODY
    lock: threading.RLock = attrs.field(factory=threading.RLock)

    def add(self, resource: str, record: dict[str, Any]) -> dict[str, Any]:
        """Keep ``record`` (it has its ``id``) in ``resource``'s table; return it."""
        self.tables[resource][record["id"]] = record
        return record

    def rows(self, resource: str) -> list[dict[str, Any]]:
        """The records of ``resource`` in creation order."""
        return list(self.tables[resource].values())

    def default(self, role: str) -> str:
        """The id of the seeded record playing ``role`` (``bank``, ``sales``, ``ruleset``...)."""
        return str(self.record["_defaults"][role])


def _rate(org: Organization, name: str, abbreviation: str, rate: str) -> str:
    record = org.add("taxRates", {
        "id": new_id(), "organizationId": org.id, "name": name, "abbreviation": abbreviation,
        "description": "", "rate": Decimal(rate), "appliesToSales": True,
        "appliesToPurchases": False, "isPredefined": True, "isActive": True,
        "netAmountMetaFieldId": None})
    return str(record["id"])


def _ruleset(org: Organization, name: str, abbreviation: str, fallback: str,
             rules: list[tuple[str | None, str | None, str | None, str]]) -> str:
    """A ruleset and its rules: (countryId, countryGroupId, contactType, taxRateId)."""
    ruleset = org.add("salesTaxRulesets", {
        "id": new_id(), "organizationId": org.id, "name": name, "abbreviation": abbreviation,
        "description": "", "fallbackTaxRateId": fallback, "isPredefined": True})
    for priority, (country, group, contact_type, rate) in enumerate(rules, start=1):
        org.add("salesTaxRules", {
            "id": new_id(), "rulesetId": ruleset["id"], "countryId": country, "stateId": None,
            "countryGroupId": group, "contactType": contact_type, "taxRateId": rate,
            "priority": priority})
    return str(ruleset["id"])


def _account(org: Organization, number: int, name: str, nature: str, *, tax_rate: str | None,
             bank: bool = False) -> str:
    record = org.add("accounts", {
        "id": new_id(), "organizationId": org.id, "name": name, "accountNo": number,
        "description": "", "groupId": None, "natureId": nature, "systemRole": None,
        "currencyId": BASE_CURRENCY if bank else None, "taxRateId": tax_rate,
        "isPaymentEnabled": bank, "isBankAccount": bank, "isArchived": False,
        "bankName": None, "bankRoutingNo": None, "bankAccountNo": None, "bankSwift": None,
        "bankIban": None})
    return str(record["id"])


def new_organization(name: str, access_token: str, created: str, today: date) -> Organization:
    """A Danish company with Billy's defaults (see the module docstring)."""
    org_id = new_id()
    org = Organization(org_id, name, access_token, {})
    for code, rate in CURRENCIES.items():
        org.add("currencies", {"id": code, "name": code, "exchangeRate": rate})
    domestic = _rate(org, "Salgsmoms 25%", "S25", "0.25")
    eu_services = _rate(org, "EU-salg af ydelser (omvendt betalingspligt)", "EUY", "0")
    export = _rate(org, "Salg til udlandet", "UDL", "0")
    exempt = _rate(org, "Momsfrit salg", "MF", "0")
    # Danish VAT to Danish and EU private customers, reverse charge to EU businesses,
    # none outside the EU (the fallback) [NOTES-danish 2.4]; the rule set is (inferred).
    standard = _ruleset(org, "Salgsmoms", "S", export, [
        ("DK", None, None, domestic),
        (None, "EU", "company", eu_services),
        (None, "EU", "person", domestic),
    ])
    _ruleset(org, "Momsfri", "MF", exempt, [])
    sales = _account(org, 1110, "Salg af ydelser", "revenue", tax_rate=None)
    bank = _account(org, 5710, "Bank", "asset", tax_rate=None, bank=True)
    fees = _account(org, 3620, "Gebyrer", "expense", tax_rate=None)
    owner = new_id()
    first_year = date(today.year, 1, 1)
    org.record = {
        "id": org_id, "ownerUserId": owner, "createdTime": created, "name": name,
        "url": None, "street": "", "zipcode": "", "city": "", "countryId": "DK", "phone": "",
        "fax": "", "email": "", "registrationNo": "", "baseCurrencyId": BASE_CURRENCY,
        "logoFileId": None, "logoPdfFileId": None, "logoUrl": None, "iconFileId": None,
        "iconUrl": None, "icon48Url": None, "fiscalYearEndMonth": 12,
        "firstFiscalYearStart": first_year.isoformat(),
        "firstFiscalYearEnd": date(today.year, 12, 31).isoformat(), "hasBillVoucherNo": False,
        "subscriptionCardType": None, "subscriptionCardNumber": None,
        "subscriptionCardExpires": None, "subscriptionTransactionId": None,
        "isSubscriptionBankPayer": False, "subscriptionPrice": None,
        "subscriptionPeriod": "monthly", "subscriptionDiscount": None,
        "subscriptionExpires": None, "isTrial": False, "isTerminated": False,
        "terminationTime": None, "localeId": "da_DK", "billEmailAddress": None,
        "isUnmigrated": False, "isLocked": False, "lockedCode": None, "lockedReason": None,
        "appUrl": None, "emailAttachmentDeliveryMode": "link", "hasVat": True,
        "vatPeriod": "quarterly", "defaultInvoiceBankAccountId": bank, "invoiceNoMode": "auto",
        "nextInvoiceNo": 1, "paymentTermsMode": "net", "paymentTermsDays": 8,
        "defaultTaxMode": "excl", "defaultSalesAccountId": sales,
        "defaultSalesTaxRulesetId": standard, "bankSyncStartDate": None,
        "defaultBankFeeAccountId": fees, "defaultBillBankAccountId": bank,
        "_defaults": {"bank": bank, "sales": sales, "fees": fees, "ruleset": standard,
                      "owner": owner},
    }
    return org
