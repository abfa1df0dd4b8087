"""Provider wire formats: strict scalars, key styles, and malformed answers as ProviderError."""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from decimal import Decimal

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.http.wire import wire_format


@attrs.frozen
class Amount:
    Amount: Decimal
    Qty: int | None = None


@attrs.frozen
class Thing:
    Id: str
    Active: bool | None = None
    Lines: tuple[Amount, ...] = ()
    TxnDate: date | None = None
    Stamp: datetime | None = None
    Note: str | None = None


WIRE = wire_format("acme", (Amount, Thing))


def answer(body: bytes | str, status: int = 200, **headers: str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers=headers)


def read(body: bytes | str, **kwargs: object) -> Thing:
    return WIRE.read(answer(body), Thing, operation="read thing", key="Thing", **kwargs)


def test_a_well_formed_answer_is_read_with_exact_amounts() -> None:
    """Numbers with a fraction become Decimal with their digits; unknown fields are ignored."""
    thing = read('{"Thing": {"Id": "7", "Active": false, "Lines": [{"Amount": 12.50, "Qty": 2}],'
                 ' "TxnDate": "2024-05-01", "Extra": {"deep": [1]}}}')
    assert thing == Thing("7", False, (Amount(Decimal("12.50"), 2),), date(2024, 5, 1))
    assert str(thing.Lines[0].Amount) == "12.50"


def test_writes_leave_out_none_and_keep_exact_digits() -> None:
    """A write body carries only what is set, amounts as JSON numbers with their digits."""
    body = WIRE.dumps(Thing("1", Lines=(Amount(Decimal("0.10")),), TxnDate=date(2024, 1, 2)))
    assert body == b'{"Id":"1","Lines":[{"Amount":0.10}],"TxnDate":"2024-01-02"}'


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("Active", '"false"', "expected true or false"),
    ("Active", "0", "expected true or false"),
    ("TxnDate", '"20240501"', "not an ISO date"),
    ("TxnDate", '"2024-W18-3"', "not an ISO date"),
    ("Lines", '"abc"', "expected a list"),
    ("Lines", '{"Amount": 1}', "expected a list"),
    ("Note", "true", "expected text"),
    ("Stamp", '"2024-05-01T10:00:00"', "needs a UTC offset"),
])
def test_a_wrong_type_is_a_provider_error_naming_the_field(field: str, value: str,
                                                           expected: str) -> None:
    """`{"Active": "false"}` is not True, a compact date is not a date, and so on."""
    with pytest.raises(ProviderError) as caught:
        read(f'{{"Thing": {{"Id": "1", "{field}": {value}}}}}')
    assert f"field '{field}'" in str(caught.value)
    assert expected in str(caught.value)
    assert "read thing: malformed answer" in str(caught.value)


@pytest.mark.parametrize(("amount", "expected"), [
    ('"12.50"', "expected a number, got str"),
    ("true", "got bool"),
    ("null", "got null"),
])
def test_amounts_must_be_numbers(amount: str, expected: str) -> None:
    """A provider that writes amounts as numbers does not get text or a bool past."""
    with pytest.raises(ProviderError, match=expected):
        read(f'{{"Thing": {{"Id": "1", "Lines": [{{"Amount": {amount}}}]}}}}')


@pytest.mark.parametrize(("body", "expected"), [
    ("", "not JSON: an empty body"),
    ("<html><body>Gateway</body></html>", "not JSON: '<html>"),
    ("[]", "expected an object holding 'Thing', got a list"),
    ("null", "expected an object holding 'Thing', got null"),
    ('"ok"', "expected an object holding 'Thing', got a string"),
    ("{}", "'Thing' missing"),
    ('{"Thing": []}', "'Thing': expected an object, got a list"),
    ('{"Thing": {}}', "field 'Id': required field missing"),
    ("[" * 50_000, "not JSON"),
])
def test_malformed_answers_are_provider_errors(body: str, expected: str) -> None:
    """Every way an answer can be malformed names itself, with the status and request id."""
    with pytest.raises(ProviderError) as caught:
        WIRE.read(answer(body, **{"intuit_tid": "tid-9"}), Thing, operation="read thing",
                  key="Thing")
    assert expected in caught.value.message
    assert caught.value.status == 200
    assert caught.value.request_id == "tid-9"
    assert caught.value.provider == "acme"
    assert not isinstance(caught.value, TransientProviderError)


def test_a_malformed_answer_to_a_write_is_unclear() -> None:
    """After a write the outcome is unknown: the error is transient, so the runner reconciles."""
    with pytest.raises(TransientProviderError, match="create thing: malformed answer"):
        WIRE.read(answer("<html>"), Thing, operation="create thing", key="Thing", unclear=True)


def test_required_refuses_a_missing_id_instead_of_asserting() -> None:
    """A created object with no id is an error naming what is missing."""
    with pytest.raises(TransientProviderError, match=r"Customer\.Id missing"):
        WIRE.required(None, "Customer.Id", operation="create customer", unclear=True)
    assert WIRE.required("5", "Customer.Id", operation="create customer") == "5"


def test_read_list_names_the_bad_item() -> None:
    """A list member of the wrong shape is named by its index."""
    data = json.loads('{"Rows": [{"Amount": 1}, {"Amount": "x"}]}')
    with pytest.raises(ProviderError, match=r"Rows\[1\]"):
        WIRE.read_list(data, Amount, operation="list", key="Rows")
    assert WIRE.read_list({}, Amount, operation="list", key="Rows") == []
    with pytest.raises(ProviderError, match="expected a list"):
        WIRE.read_list({"Rows": {}}, Amount, operation="list", key="Rows")


def test_pascal_keys_renames_and_naive_times() -> None:
    """A provider mixing camelCase and PascalCase, renaming on read, writing local times."""
    wire = wire_format("dk", (Amount, Thing), key_style="pascal", renames={"TimeStamp": "Stamp"},
                       naive_datetimes=True, amounts_as_text=True)
    thing = wire.structure({"id": 5, "active": True, "timeStamp": "2017-05-19T14:20:47.407",
                            "lines": [{"amount": "1.5"}]}, Thing, operation="read")
    assert thing == Thing("5", True, (Amount(Decimal("1.5")),),
                          Stamp=datetime(2017, 5, 19, 14, 20, 47, 407000))


def test_unknown_fields_can_be_refused() -> None:
    """A format configured to refuse unknown fields names the misspelt one."""
    wire = wire_format("strict", (Amount, Thing), unknown="refuse")
    with pytest.raises(ProviderError, match="Colour"):
        wire.structure({"Id": "1", "Colour": "red"}, Thing, operation="read")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["Id", "Active", "Lines", "Amount", "TxnDate", "Note", "x"]), inner,
        max_size=5),
    max_leaves=20,
)


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_as_provider_errors(body: bytes) -> None:
    """No body, however broken, escapes as anything but a ProviderError."""
    with contextlib.suppress(ProviderError):
        WIRE.read(answer(body), Thing, operation="read thing", key="Thing")


@given(json_values)
def test_any_json_is_read_or_refused_as_provider_errors(value: object) -> None:
    """Whatever JSON stands where a Thing belongs: a Thing or a ProviderError, nothing else."""
    try:
        thing = WIRE.structure(value, Thing, operation="read thing")
    except ProviderError:
        return
    assert isinstance(thing.Id, str)
    assert thing.Active is None or isinstance(thing.Active, bool)


def test_a_bound_format_never_quotes_the_connections_secrets() -> None:
    """An answer repeating the access token: the error names the problem, not the token."""
    from ledgerlink.http.redact import KnownSecrets

    secrets = KnownSecrets()
    secrets.add("access-token-0123456789")
    bound = WIRE.bound(secrets)
    body = '<html>your token access-token-0123456789 expired</html>'
    with pytest.raises(ProviderError) as caught:
        bound.read(answer(body), Thing, operation="read thing", key="Thing")
    assert "access-token-0123456789" not in str(caught.value)
    assert "not JSON" in caught.value.message
