"""QuickBooks webhook signatures and both payload formats."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError, WebhookSignatureError
from ledgerlink_quickbooks.webhooks import (
    EntityChange,
    check_signature,
    parse_notifications,
    sign,
    verify_signature,
)


def test_the_official_signature_test_vector_verifies(quickbooks_example: Any) -> None:
    """Intuit's published vector: the signature of the raw body with the verifier token."""
    vector = quickbooks_example("webhooks/signature-test-vector.json")
    body = vector["raw_body"].encode()
    assert sign(body, vector["verifier_token"]) == vector["expected_signature"]
    assert verify_signature(body, vector["expected_signature"], vector["verifier_token"])


def test_a_changed_byte_or_wrong_token_fails_verification(quickbooks_example: Any) -> None:
    """One byte of difference, another token, or no header: not verified."""
    vector = quickbooks_example("webhooks/signature-test-vector.json")
    body, token = vector["raw_body"].encode(), vector["verifier_token"]
    assert not verify_signature(body + b" ", vector["expected_signature"], token)
    assert not verify_signature(body, vector["expected_signature"], token + "x")
    assert not verify_signature(body, None, token)


@given(st.binary(max_size=300), st.text(min_size=1, max_size=40))
def test_sign_and_verify_agree(body: bytes, token: str) -> None:
    """What sign() produces, verify_signature() accepts for the same body and token."""
    assert verify_signature(body, sign(body, token), token)


def test_legacy_notifications_become_entity_changes(quickbooks_example: Any) -> None:
    """The eventNotifications format yields one change per entity with its realm."""
    body = json.dumps(quickbooks_example("webhooks/legacy.eventNotifications.json"), default=str)
    changes = parse_notifications(body)
    assert [(c.realm_id, c.entity, c.entity_id, c.operation) for c in changes] == [
        ("1269959970", "Vendor", "40", "Update"), ("1269959970", "Customer", "43", "Create")]
    assert changes[0].changed_at is not None
    assert changes[0].changed_at.year == 2016


@pytest.mark.parametrize("name", ["cloudevents.customer-created.json",
                                  "cloudevents.customer-merged.json",
                                  "cloudevents.account-created.blog.json",
                                  "cloudevents.class-created.alternative-ids.json"])
def test_cloudevents_become_entity_changes(quickbooks_example: Any, name: str) -> None:
    """Each official CloudEvents sample parses, routed by its own intuitaccountid."""
    events = quickbooks_example(f"webhooks/{name}")
    changes = parse_notifications(json.dumps(events, default=str))
    assert len(changes) == len(events)
    for change, event in zip(changes, events, strict=True):
        assert change.realm_id == event["intuitaccountid"]
        assert change.entity_id == event["intuitentityid"]
        assert change.entity.lower() == event["type"].split(".")[1]


def test_a_merge_carries_the_merged_away_id(quickbooks_example: Any) -> None:
    """A CloudEvents merge reports operation Merge and the id that disappeared."""
    merged = quickbooks_example("webhooks/cloudevents.customer-merged.json")
    [change] = parse_notifications(json.dumps(merged))
    assert change.operation == "Merge"
    assert change.deleted_id == "27"


def test_invoice_void_and_delete_events_map_to_operations() -> None:
    """qbo.invoice.voided.v1 / deleted.v1 become Void / Delete on an Invoice."""
    events = [{"specversion": "1.0", "type": f"qbo.invoice.{verb}.v1", "intuitentityid": "9",
               "intuitaccountid": "r1", "time": "2026-01-02T03:04:05Z", "data": {}}
              for verb in ("voided", "deleted")]
    changes = parse_notifications(json.dumps(events))
    assert [(c.entity, c.operation) for c in changes] == [("Invoice", "Void"),
                                                          ("Invoice", "Delete")]


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"eventNotifications":[{}]}',
                                  b'[{"type":"other.thing.created"}]'])
def test_malformed_payloads_are_refused_clearly(body: bytes) -> None:
    """Bodies in neither format, or missing required ids, raise ValidationError."""
    with pytest.raises(ValidationError, match="webhook payload"):
        parse_notifications(body)


TOKEN = "verifier-token"


@pytest.mark.parametrize(("body", "field"), [
    (b'{"eventNotifications": {"realmId": "1"}}', "eventNotifications"),
    (b'{"eventNotifications": ["x"]}', "eventNotifications[0]"),
    (b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": []}]}',
     "eventNotifications[0].dataChangeEvent"),
    (b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": "x"}}]}',
     "eventNotifications[0].dataChangeEvent.entities"),
    (b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [7]}}]}',
     "eventNotifications[0].dataChangeEvent.entities[0]"),
    (b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [{"name": '
     b'"Invoice", "id": "1", "operation": "Merge", "deletedId": {"x": 1}}]}}]}',
     "eventNotifications[0].dataChangeEvent.entities[0].deletedId"),
    (b'[{"type": "qbo.invoice.deleted.v1", "intuitaccountid": "1", "intuitentityid": "2", '
     b'"data": {"deletedid": [1]}}]', "[0].data.deletedid"),
    (b'[{"type": "qbo..v1", "intuitaccountid": "1", "intuitentityid": "2"}]', "[0].type"),
    (b"[" * 100_000 + b"]" * 100_000, None),
    (b"\xff\xfe\x00garbage", None),
])
def test_a_signed_but_malformed_body_is_a_validation_error_naming_it(
    body: bytes, field: str | None
) -> None:
    """Objects where lists belong and back, nesting too deep, bytes that are no text: a
    ValidationError naming the place, never AttributeError or RecursionError."""
    assert verify_signature(body, sign(body, TOKEN), TOKEN)
    with pytest.raises(ValidationError, match="webhook payload") as caught:
        parse_notifications(body)
    if field is not None:
        assert caught.value.field == field


@pytest.mark.parametrize("header", ["sïgnatüre", "✓", "abc\u0000", "not base64!", "Zm9v",
                                    " ", "=" * 8])
def test_a_header_that_is_no_signature_is_a_signature_error(header: str) -> None:
    """Non-ASCII, not base64, or the wrong length: WebhookSignatureError, not TypeError."""
    assert not verify_signature(b"{}", header, TOKEN)
    with pytest.raises(WebhookSignatureError, match="intuit-signature"):
        check_signature(b"{}", header, TOKEN)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["eventNotifications", "realmId", "dataChangeEvent", "entities", "name",
                         "id", "operation", "lastUpdated", "deletedId", "type", "data",
                         "intuitaccountid", "intuitentityid", "time", "deletedid"]),
        inner, max_size=4),
    max_leaves=15)


@given(st.one_of(st.binary(max_size=200), json_like.map(lambda v: json.dumps(v).encode())))
def test_any_signed_body_is_parsed_or_refused_as_invalid(body: bytes) -> None:
    """Any bytes with a valid signature: a list of changes or a ValidationError."""
    check_signature(body, sign(body, TOKEN), TOKEN)
    try:
        changes = parse_notifications(body)
    except ValidationError:
        return
    assert all(isinstance(c, EntityChange) and c.realm_id and c.entity_id for c in changes)


@given(st.binary(max_size=100), st.one_of(st.none(), st.text(max_size=60)))
def test_any_header_is_verified_or_a_signature_error(body: bytes, header: str | None) -> None:
    """Any header string (or none) is QuickBooks' signature or a WebhookSignatureError."""
    try:
        check_signature(body, header, TOKEN)
    except WebhookSignatureError:
        assert not verify_signature(body, header, TOKEN)
    else:
        assert header is not None and header.strip() == sign(body, TOKEN)
