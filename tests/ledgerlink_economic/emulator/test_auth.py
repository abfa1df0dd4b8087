"""The two tokens, the read-only demo agreement and e-conomic's 401 shape."""

from __future__ import annotations

import httpx

from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.emulator.support import BASE_URL, customer_body, error_fields


def _raw(emu: EconomicEmulator, **headers: str) -> httpx.Client:
    return httpx.Client(transport=emu.transport(), base_url=BASE_URL, headers=headers)


def test_both_tokens_reach_the_agreement(client: httpx.Client) -> None:
    """With the app's secret and the agreement's grant the customers are listed."""
    response = client.get("/customers")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["collection"]] == ["Hansen ApS"]


def test_missing_tokens_are_refused_in_the_rest_error_shape(emu: EconomicEmulator) -> None:
    """No tokens answer 401 "Login to API server failed." with developerHint and logId."""
    response = _raw(emu).get("/customers")
    assert response.status_code == 401
    error_fields(response)
    assert response.json()["message"] == "Login to API server failed."


def test_a_wrong_grant_or_a_wrong_app_secret_is_refused(emu: EconomicEmulator,
                                                         agreement: Agreement) -> None:
    """Each token alone, or with the other one wrong, answers 401."""
    right = {"X-AppSecretToken": agreement.app_secret_token,
             "X-AgreementGrantToken": agreement.agreement_grant_token}
    for wrong in ({**right, "X-AgreementGrantToken": "nope"},
                  {**right, "X-AppSecretToken": "nope"},
                  {"X-AgreementGrantToken": agreement.agreement_grant_token}):
        assert _raw(emu, **wrong).get("/customers").status_code == 401


def test_the_demo_agreement_reads_but_never_writes(emu: EconomicEmulator) -> None:
    """``demo`` for both tokens (or ``?demo=true``) may GET; a POST answers 403."""
    demo = _raw(emu, **{"X-AppSecretToken": "demo", "X-AgreementGrantToken": "demo"})
    assert demo.get("/vat-zones").status_code == 200
    assert _raw(emu).get("/layouts", params={"demo": "true"}).status_code == 200
    refused = demo.post("/customers", json=customer_body())
    assert refused.status_code == 403
    error_fields(refused)
    assert emu.demo.tables["customers"] == {}


def test_an_unknown_path_answers_404_and_a_wrong_method_405(client: httpx.Client) -> None:
    """A path nothing serves is 404 "Resource not found."; DELETE on a collection 405."""
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404 and missing.json()["message"] == "Resource not found."
    assert client.delete("/customers").status_code == 405


def test_self_names_the_agreement_the_tokens_reach(client: httpx.Client,
                                                   agreement: Agreement) -> None:
    """GET /self answers the agreement's number and company name (what connect saves)."""
    body = client.get("/self").json()
    assert (body["agreementNumber"], body["company"]["name"]) == (
        agreement.agreement_number, "Firma ApS")
