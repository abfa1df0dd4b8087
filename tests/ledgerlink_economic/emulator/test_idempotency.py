"""``Idempotency-Key``: the first answer replayed for an hour with X-ResultFromCache."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.emulator.support import (
    FakeClock,
    client_for,
    customer_body,
    draft_body,
)


def test_the_same_key_replays_the_first_answer_without_writing_again(
        client: httpx.Client, emu: EconomicEmulator) -> None:
    """A second POST with the key gets the same customer, marked, and no second customer."""
    first = client.post("/customers", json=customer_body(name="Ny"),
                        headers={"Idempotency-Key": "wo-7"})
    again = client.post("/customers", json=customer_body(name="Ny"),
                        headers={"Idempotency-Key": "wo-7"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["x-resultfromcache"] == "true"
    assert "x-resultfromcache" not in first.headers
    assert len(client.get("/customers").json()["collection"]) == 2
    assert emu.records[-2].from_cache is True


def test_a_different_body_under_a_used_key_is_refused(client: httpx.Client) -> None:
    """Another request under the same key answers 400 and writes nothing."""
    client.post("/customers", json=customer_body(name="A"), headers={"Idempotency-Key": "k"})
    refused = client.post("/customers", json=customer_body(name="B"),
                          headers={"Idempotency-Key": "k"})
    assert refused.status_code == 400
    assert [c["name"] for c in client.get("/customers").json()["collection"]] == [
        "Hansen ApS", "A"]


def test_a_key_is_kept_for_one_hour(client: httpx.Client, clock: FakeClock) -> None:
    """After an hour the same key writes again."""
    client.post("/customers", json=customer_body(name="A"), headers={"Idempotency-Key": "k"})
    clock.advance(3599)
    assert client.post("/customers", json=customer_body(name="A"),
                       headers={"Idempotency-Key": "k"}).headers.get("x-resultfromcache")
    clock.advance(2)
    fresh = client.post("/customers", json=customer_body(name="A"),
                        headers={"Idempotency-Key": "k"})
    assert "x-resultfromcache" not in fresh.headers
    assert fresh.json()["customerNumber"] == 3


def test_a_dropped_booking_is_replayed_to_the_retry(client: httpx.Client,
                                                    emu: EconomicEmulator) -> None:
    """The answer lost on the wire is what the retry with the same key gets: one invoice."""
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    body = {"draftInvoice": {"draftInvoiceNumber": number}}
    emu.faults.drop_after_commit()
    with pytest.raises(httpx.TransportError):
        client.post("/invoices/booked", json=body, headers={"Idempotency-Key": "book-1"})
    retry = client.post("/invoices/booked", json=body, headers={"Idempotency-Key": "book-1"})
    assert retry.status_code == 201 and retry.headers["x-resultfromcache"] == "true"
    assert retry.json()["bookedInvoiceNumber"] == 1
    assert len(emu.invoices(1_000_001)) == 1


def test_delete_is_replayed_too_and_keys_are_per_agreement(client: httpx.Client,
                                                            emu: EconomicEmulator) -> None:
    """A repeated DELETE with its key answers the first 200; another agreement's key is its own."""
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    first = client.delete(f"/invoices/drafts/{number}", headers={"Idempotency-Key": "d"})
    again = client.delete(f"/invoices/drafts/{number}", headers={"Idempotency-Key": "d"})
    assert first.status_code == again.status_code == 200
    assert again.headers["x-resultfromcache"] == "true"
    other = emu.create_agreement("Andet ApS")
    with client_for(emu, other) as second:
        made = second.post("/customers", json=customer_body(), headers={"Idempotency-Key": "d"})
    assert made.status_code == 201 and "x-resultfromcache" not in made.headers


def test_a_get_is_never_answered_from_the_cache(client: httpx.Client) -> None:
    """The key on a GET is ignored: the answer reflects a customer created in between."""
    first = client.get("/customers", headers={"Idempotency-Key": "g"})
    client.post("/customers", json=customer_body(name="Mellem"))
    second = client.get("/customers", headers={"Idempotency-Key": "g"})
    assert "x-resultfromcache" not in second.headers
    assert len(second.json()["collection"]) == len(first.json()["collection"]) + 1
