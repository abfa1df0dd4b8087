"""End to end over 127.0.0.1: won deals read from the Pipedrive emulator, invoiced in the
QuickBooks emulator, their statuses after a payment, a partial payment, a void and a delete."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ledgerlink as ll
from ledgerlink.deal_invoicing import DealState
from ledgerlink.deal_mapping import DealMapping, map_deal
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import MemoryTokenStore, Token
from ledgerlink.sources import open_source
from ledgerlink_pipedrive.emulator import PipedriveEmulator
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)
from tests.ledgerlink_quickbooks.support import fresh_realm

MAPPING = DealMapping(fields={"registration_number": "organization:CVR number",
                              "email": "person:email"}, due_days=14)


def test_won_deals_from_pipedrive_become_quickbooks_invoices(tmp_path: Path) -> None:
    """Each won deal (products, a custom tax-id field) is invoiced once to one linked
    customer with the mapped fields and due date; statuses follow what happens to them."""
    crm = PipedriveEmulator()
    seller = crm.create_company("Sælg ApS")
    cvr = crm.add_field(seller, "CVR number", "varchar", list_name="organizationFields")
    org = crm.seed_organization(seller, "Acme ApS", custom_fields={cvr["field_code"]:
                                                                   "DK12345674"},
                                address={"route": "Havnegade", "street_number": "1",
                                         "postal_code": "8000", "locality": "Aarhus",
                                         "country": "Denmark"})
    person = crm.seed_person(seller, "Ida Jensen", email="ida@acme.dk", org_id=org["id"])
    roof = crm.seed_product(seller, "Roof inspection", price=500)
    # 2 x 500 less 10 %, plus 25 % tax: 1125.00.
    line = {"product_id": roof["id"], "item_price": 500, "quantity": 2, "discount": 10,
            "discount_type": "percentage", "tax": 25}
    won = [crm.seed_deal(seller, f"Roof {n}", org_id=org["id"], person_id=person["id"],
                         currency="DKK", products=[line]) for n in range(4)]
    crm.seed_deal(seller, "Still talking", status="open", org_id=org["id"], currency="DKK")
    books = QuickBooksEmulator()
    realm = fresh_realm()
    books.add_realm(realm)
    books.seed(realm, "Item", {"Name": "Roof inspection", "Type": "Service"})
    tokens = MemoryTokenStore()
    tokens.save_token(f"quickbooks:{realm}", Token.from_response(
        books.connect(realm), now=time.time()).to_dict())
    store = tmp_path / "journal.db"
    with crm.serve() as crm_server, books.serve() as books_server:
        assert crm_server.base_url.startswith("http://127.0.0.1:")
        quickbooks = QuickBooksConnector(
            realm_id=realm, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET,
            token_store=tokens, base_url=books_server.base_url, limiters=LimiterRegistry())
        source = open_source("pipedrive", api_token=seller.api_token,
                             base_url=crm_server.base_url)
        try:
            deals = list(source.deals())
        finally:
            source.close()
        assert sorted(d.id for d in deals) == sorted(str(d["id"]) for d in won)
        mapped, _ = map_deal(deals[0], MAPPING)
        assert mapped.registration_number == "DK12345674"
        now = datetime.now(UTC) + timedelta(minutes=1)
        first = ll.invoice_deals(deals, MAPPING, quickbooks, ll.Company("Tag & Tæt ApS"),
                                 store=store, now=now)
        again = ll.invoice_deals(deals, MAPPING, quickbooks, ll.Company("Tag & Tæt ApS"),
                                 store=store, now=now)
        assert first.summary["invoiced"] == 4 and again.summary["already_invoiced"] == 4
        invoices = list(quickbooks.api.query_all("Invoice", []))
        customers = list(quickbooks.api.query_all("Customer", []))
        assert len(invoices) == 4 and len(customers) == 1
        (customer,) = customers
        assert customer["PrimaryEmailAddr"]["Address"] == "ida@acme.dk"
        assert customer["PrimaryTaxIdentifier"].endswith("45674")  # the custom CVR field
        assert customer["BillAddr"]["City"] == "Aarhus"
        assert {i["CustomerRef"]["value"] for i in invoices} == {customer["Id"]}
        issued = now.astimezone(ll.Company("x").zone).date()
        assert all(i["DueDate"] == (issued + timedelta(days=14)).isoformat()
                   for i in invoices)
        assert all(Decimal(str(i["TotalAmt"])) == Decimal("1125.00") for i in invoices)
        ids = [first.report(d.id).provider_id or "" for d in deals]
        quickbooks.register_payment(ids[0], Decimal("1125.00"), issued)
        quickbooks.register_payment(ids[1], Decimal("250.00"), issued)
        quickbooks.void(ids[2])
        quickbooks.delete(ids[3])
        listed = ll.contact_invoices(deals[0], MAPPING, quickbooks, date(2000, 1, 1),
                                     date(2100, 1, 1), store=store,
                                     today=issued + timedelta(days=30))
        quickbooks.close()
    assert {i.provider_id: i.flags for i in listed} == {
        ids[0]: ["paid"], ids[1]: ["open", "partially_paid", "overdue"], ids[2]: ["void"],
        ids[3]: ["deleted"]}
    assert listed.by_id(ids[0]).deal_id == deals[0].id
    assert [r.state for r in first.deals] == [DealState.INVOICED] * 4
