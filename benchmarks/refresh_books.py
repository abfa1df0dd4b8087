"""The books the refresh benchmark (refresh.py) refreshes: one per built-in provider.

Each :class:`Book` holds a provider's emulator (in-process, latency 0, its
default rate limits), seeds N booked invoices and later pays some of them through
the emulator's own seeding helpers (no token, limit or record: not the refresh's
requests), builds the connector, and counts the requests the emulator answered.
What a seeded invoice looks like to the journal is what a run would have recorded
from its create and book answers: :class:`Seeded`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from email.utils import formatdate
from typing import Any

import attrs
import httpx

from ledgerlink.connector import BaseConnector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink_billy import BillyConnector
from ledgerlink_billy import emulator as billy_emulator
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero import emulator as dinero_emulator
from ledgerlink_dinero import settings as dinero_settings
from ledgerlink_dinero.statuses import version_bound
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic import emulator as economic_emulator
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import emulator as qbo_emulator
from ledgerlink_quickbooks import settings as qbo_settings

BASE = "https://emulator.test"
ISSUED = date(2026, 12, 1)
DUE = ISSUED + timedelta(days=30)
AMOUNT = Decimal(100)


@attrs.frozen
class Seeded:
    """One booked invoice as the emulator made it and a run would have journaled it."""

    provider_id: str
    key: str
    customer_ref: str
    currency: str
    total: Decimal
    version: str | None = None
    number: int = 0


class Book:
    """A provider's emulator, its seeded invoices and the connector on them."""

    name: str
    currency = "DKK"

    def seed(self, n: int) -> list[Seeded]:
        raise NotImplementedError

    def pay(self, invoices: list[Seeded]) -> None:
        raise NotImplementedError

    def connector(self, tokens: Store) -> BaseConnector:
        raise NotImplementedError

    def answered(self) -> int:
        """Requests the emulator has answered (its own record)."""
        raise NotImplementedError

    def page_size(self, connector: Any) -> int:
        return int(connector.api.page_size)


def _number(amount: Decimal) -> int | float:
    """A JSON number for a seeding payload (the emulators refuse numbers as text)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _oauth(transport: httpx.BaseTransport, endpoints: Any, client: ClientCredentials,
           code: str, tokens: Store, key: str, provider: str) -> None:
    with httpx.Client(transport=transport, base_url=BASE) as http:
        exchange_code(http, endpoints, client, code=code, redirect_uri="https://x/cb",
                      store=tokens, key=key, provider=provider)


class QuickBooks(Book):
    name = "quickbooks"
    currency = "USD"
    realm = "9130350000000001"

    def __init__(self) -> None:
        self.emulator = qbo_emulator.QuickBooksEmulator()
        self.emulator.add_realm(self.realm)
        self.customer = self.emulator.seed(self.realm, "Customer", {"DisplayName": "Refresh"})
        self.item = self.emulator.seed(self.realm, "Item", {"Name": "Services",
                                                            "Type": "Service"})["Id"]

    def seed(self, n: int) -> list[Seeded]:
        made = []
        for i in range(n):
            key = f"inv:refresh-{i}"
            row = self.emulator.seed(self.realm, "Invoice", {
                "CustomerRef": {"value": self.customer["Id"]}, "DocNumber": f"R{i}",
                "TxnDate": ISSUED.isoformat(), "DueDate": DUE.isoformat(),
                "PrivateNote": f"ledgerlink:{key}",
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": AMOUNT,
                          "SalesItemLineDetail": {"ItemRef": {"value": self.item}}}]})
            made.append(Seeded(str(row["Id"]), key, self.customer["Id"], self.currency,
                               Decimal(str(row["TotalAmt"]))))
        return made

    def pay(self, invoices: list[Seeded]) -> None:
        for invoice in invoices:
            self.emulator.seed(self.realm, "Payment", {
                "CustomerRef": {"value": invoice.customer_ref}, "TotalAmt": invoice.total,
                "Line": [{"Amount": invoice.total, "LinkedTxn": [
                    {"TxnId": invoice.provider_id, "TxnType": "Invoice"}]}]})

    def connector(self, tokens: Store) -> BaseConnector:
        credentials = ClientCredentials(qbo_emulator.DEFAULT_CLIENT_ID,
                                        qbo_emulator.DEFAULT_CLIENT_SECRET)
        transport = self.emulator.transport()
        _oauth(transport, qbo_settings.endpoints_at(BASE), credentials,
               self.emulator.authorize(self.realm), tokens, f"quickbooks:{self.realm}",
               "quickbooks")
        return QuickBooksConnector(
            realm_id=self.realm, client_id=credentials.client_id,
            client_secret=credentials.client_secret, token_store=tokens, base_url=BASE,
            transport=transport, default_item=self.item, limiters=LimiterRegistry())

    def answered(self) -> int:
        return len(self.emulator.requests)


class Dinero(Book):
    name = "dinero"
    organisation = "720000001"

    def __init__(self) -> None:
        self.emulator = dinero_emulator.DineroEmulator()
        self.emulator.add_organisation(self.organisation)
        self.contact = self.emulator.seed(self.organisation, "contacts", {
            "Name": "Refresh ApS", "CountryKey": "DK", "IsPerson": False, "IsMember": False,
            "UseCvr": False, "PreferredInvoiceCurrencyKey": "DKK"})["ContactGuid"]

    def seed(self, n: int) -> list[Seeded]:
        made = []
        for i in range(n):
            key = f"inv:refresh-{i}"
            created = self.emulator.seed(self.organisation, "invoices", {
                "ContactGuid": self.contact, "Currency": "DKK", "Date": ISSUED.isoformat(),
                "PaymentConditionType": "Netto", "PaymentConditionNumberOfDays": 30,
                "ExternalReference": f"ledgerlink:{key}",
                "ProductLines": [{"Description": "Service", "Quantity": 1,
                                  "AccountNumber": 1000, "Unit": "hours",
                                  "BaseAmountValue": int(AMOUNT), "LineType": "Product"}]})
            guid = created["Guid"]
            self.emulator.seed(self.organisation, f"invoices/{guid}/book",
                               {"Timestamp": created["TimeStamp"]})
            # What the connector journals after booking: Dinero's Date header bound.
            answered = formatdate(self.emulator.clock(), usegmt=True)
            made.append(Seeded(guid, key, self.contact, self.currency, AMOUNT * Decimal("1.25"),
                               version_bound(answered)))
        return made

    def pay(self, invoices: list[Seeded]) -> None:
        organisation = self.emulator.organisations[self.organisation]
        for invoice in invoices:
            stamp = organisation.invoices[invoice.provider_id].timestamp_text
            self.emulator.seed(self.organisation, f"invoices/{invoice.provider_id}/payments", {
                "Timestamp": stamp, "Amount": _number(invoice.total),
                "PaymentDate": ISSUED.isoformat()})

    def connector(self, tokens: Store) -> BaseConnector:
        credentials = ClientCredentials(dinero_emulator.DEFAULT_CLIENT_ID,
                                        dinero_emulator.DEFAULT_CLIENT_SECRET)
        transport = self.emulator.transport()
        _oauth(transport, dinero_settings.endpoints_at(BASE), credentials,
               self.emulator.authorize(self.organisation), tokens,
               f"dinero:{self.organisation}", "dinero")
        return DineroConnector(organisation_id=self.organisation,
                               client_id=credentials.client_id,
                               client_secret=credentials.client_secret, token_store=tokens,
                               base_url=BASE, transport=transport, limiters=LimiterRegistry())

    def answered(self) -> int:
        return len(self.emulator.requests)


class Billy(Book):
    name = "billy"

    def __init__(self) -> None:
        self.emulator = billy_emulator.BillyEmulator()
        self.org = self.emulator.create_organization("Refresh ApS")
        self.product = self.emulator.seed(self.org.id, "POST", "/v2/products", {"product": {
            "name": "Service", "productNo": "service",
            "prices": [{"unitPrice": int(AMOUNT), "currencyId": "DKK"}]}})["products"][0]["id"]
        self.contact = self.emulator.seed(self.org.id, "POST", "/v2/contacts", {"contact": {
            "type": "company", "name": "Refresh ApS", "countryId": "DK",
            "paymentTermsDays": 30}})["contacts"][0]["id"]

    def seed(self, n: int) -> list[Seeded]:
        made = []
        for i in range(n):
            key = f"inv:refresh-{i}"
            answer = self.emulator.seed(self.org.id, "POST", "/v2/invoices", {"invoice": {
                "contactId": self.contact, "entryDate": ISSUED.isoformat(),
                "paymentTermsDays": 30, "currencyId": "DKK", "state": "approved",
                "contactMessage": key,
                "lines": [{"productId": self.product, "unitPrice": int(AMOUNT), "quantity": 1}]}})
            row = answer["invoices"][0]
            made.append(Seeded(row["id"], key, self.contact, self.currency,
                               Decimal(str(row["grossAmount"]))))
        return made

    def pay(self, invoices: list[Seeded]) -> None:
        account = next(a["id"] for a in self.org.rows("accounts") if a["isPaymentEnabled"])
        for invoice in invoices:
            self.emulator.seed(self.org.id, "POST", "/v2/bankPayments", {"bankPayment": {
                "entryDate": ISSUED.isoformat(), "cashAmount": _number(invoice.total),
                "cashSide": "debit", "cashAccountId": account,
                "associations": [{"subjectReference": f"invoice:{invoice.provider_id}"}]}})

    def connector(self, tokens: Store) -> BaseConnector:
        return BillyConnector(organization_id=self.org.id, access_token=self.org.access_token,
                              base_url=BASE, transport=self.emulator.transport(),
                              limiters=LimiterRegistry())

    def answered(self) -> int:
        return len(self.emulator.records)


class Economic(Book):
    name = "economic"

    def __init__(self) -> None:
        self.emulator = economic_emulator.EconomicEmulator()
        self.agreement = self.emulator.create_agreement("Refresh ApS")
        self.customer = self.emulator.seed(self.agreement, "POST", "/customers", {
            "name": "Refresh ApS", "currency": "DKK", "customerGroup": {"customerGroupNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1},
            "vatZone": {"vatZoneNumber": 1}})["customerNumber"]

    def seed(self, n: int) -> list[Seeded]:
        made = []
        for i in range(n):
            key = f"inv:refresh-{i}"
            draft = self.emulator.seed(self.agreement, "POST", "/invoices/drafts", {
                "date": ISSUED.isoformat(), "currency": "DKK",
                "customer": {"customerNumber": self.customer},
                "layout": {"layoutNumber": 19}, "paymentTerms": {"paymentTermsNumber": 1},
                "recipient": {"name": "Refresh ApS", "vatZone": {"vatZoneNumber": 1}},
                "references": {"other": key},
                "lines": [{"product": {"productNumber": "1"}, "quantity": 1,
                           "unitNetPrice": int(AMOUNT), "description": "Service"}]})
            booked = self.emulator.seed(self.agreement, "POST", "/invoices/booked", {
                "draftInvoice": {"draftInvoiceNumber": draft["draftInvoiceNumber"]}})
            number = int(booked["bookedInvoiceNumber"])
            # The connector's id of an invoice it made is its key (``references.other``).
            made.append(Seeded(key, key, str(self.customer), self.currency,
                               Decimal(str(booked["grossAmount"])), number=number))
        return made

    def pay(self, invoices: list[Seeded]) -> None:
        for invoice in invoices:
            self.emulator.pay(self.agreement, invoice.number, invoice.total)

    def connector(self, tokens: Store) -> BaseConnector:
        return EconomicConnector(
            agreement=str(self.agreement.agreement_number),
            app_secret_token=self.agreement.app_secret_token,
            grant_token=self.agreement.agreement_grant_token, base_url=BASE,
            transport=self.emulator.transport(), layout="19", rate_products="25=1",
            limiters=LimiterRegistry())

    def answered(self) -> int:
        return len(self.emulator.records)

    def page_size(self, connector: Any) -> int:
        return 1000


BOOKS: dict[str, type[Book]] = {book.name: book for book in (QuickBooks, Dinero, Billy,
                                                                Economic)}


def journal(store: Store, account: str, invoices: list[Seeded]) -> None:
    """The invoices as a run leaves them in the journal: created, booked, their facts from
    the create and book answers (one transaction, the Transaction API in bulk)."""
    with store.transaction(account) as tx:
        for invoice in invoices:
            tx.invoice(invoice.key, "refresh-customer", "book", False, invoice.currency,
                       pending=False, remote_id=invoice.provider_id, booked=True)
            tx.record_facts(invoice.key, RemoteInvoice(
                provider_id=invoice.provider_id, key=invoice.key,
                customer_ref=invoice.customer_ref, currency=invoice.currency,
                total=invoice.total, balance=invoice.total, issue_date=ISSUED, due_date=DUE,
                booked=True, version=invoice.version))

