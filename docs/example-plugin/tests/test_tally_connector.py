"""ledgerlink's conformance suite, run against the Tally connector on its emulator.

The fixtures come from ledgerlink's pytest plugin (installed with ledgerlink):
``ledgerlink_no_retry_waits`` turns retry waits off and ``ledgerlink_emulate``
runs the emulator for the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import httpx
import ledgerlink as ll
import pytest
from ledgerlink import Store
from ledgerlink.testing.conformance import ConnectorConformance
from ledgerlink.testing.emulators import IN_PROCESS_URL, EmulatorLink
from ledgerlink.testing.factories import make_customer, make_work_order

from ledgerlink_tally import DEFAULT_API_KEY, TallyConnector, TallyEmulator

#: The moment the example runs happen at.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class TestTallyConformance(ConnectorConformance):
    """Every conformance test, each on a fresh, empty Tally book."""

    http = True
    #: The connector under test (a subclass can test a variant of it).
    connector_class: ClassVar[type[TallyConnector]] = TallyConnector

    @pytest.fixture(autouse=True)
    def _no_waits(self, ledgerlink_no_retry_waits: None) -> None:
        """Retries run at once."""

    @pytest.fixture
    def connector(self, ledgerlink_emulate: Callable[..., EmulatorLink]
                  ) -> Iterator[TallyConnector]:
        """A connector on a fresh emulator, kept for :meth:`delivered`."""
        self.emulator = TallyEmulator()
        link = ledgerlink_emulate(self.emulator)
        connector = self.connector_class(DEFAULT_API_KEY, link.base_url, transport=link.transport)
        yield connector
        connector.close()

    def make_connector_on(self, tmp_path: Path,
                          transport: httpx.BaseTransport) -> TallyConnector:
        """A connector whose every request goes through ``transport``."""
        return self.connector_class(DEFAULT_API_KEY, IN_PROCESS_URL, transport=transport)

    def delivered(self, connector: object, provider_id: str, email: str) -> bool:
        """The emulator's outbox says whether the email went out."""
        return self.emulator.delivered(provider_id, email)


def test_the_connector_works_over_a_real_socket(
        ledgerlink_emulate: Callable[..., EmulatorLink]) -> None:
    """Served on 127.0.0.1, the emulator answers the connector as it does in-process."""
    link = ledgerlink_emulate(TallyEmulator(), served=True)
    assert link.transport is None
    assert link.base_url.startswith("http://127.0.0.1:")
    with TallyConnector(DEFAULT_API_KEY, link.base_url) as connector:
        customer = make_customer()
        ref = connector.create_customer(customer)
        assert connector.find_customer(customer) == ref


def test_a_wrong_api_key_is_an_auth_error(
        ledgerlink_emulate: Callable[..., EmulatorLink]) -> None:
    """Tally refuses another key with 401, which ledgerlink reports as AuthError."""
    from ledgerlink.errors import AuthError

    link = ledgerlink_emulate(TallyEmulator())
    with TallyConnector("wrong", link.base_url, transport=link.transport) as connector, \
            pytest.raises(AuthError) as caught:
        connector.find_customer(make_customer())
    assert "wrong" not in str(caught.value)


def test_a_run_invoices_once(ledgerlink_emulate: Callable[..., EmulatorLink],
                             ledgerlink_store: Store) -> None:
    """A whole ledgerlink run against Tally creates, books and emails each invoice, and a
    second run over the same work changes nothing."""
    emulator = TallyEmulator()
    link = ledgerlink_emulate(emulator)
    customers = [make_customer() for _ in range(3)]
    work = [make_work_order(customer=customer, completed_at=NOW - timedelta(hours=2))
            for customer in customers]
    company = ll.Company("Example ApS", policy=ll.BillingPolicy(send=True))
    with TallyConnector(DEFAULT_API_KEY, link.base_url, transport=link.transport) as book:
        first = ll.invoice(work, customers, company, book, now=NOW, store=ledgerlink_store)
        again = ll.invoice(work, customers, company, book, now=NOW, store=ledgerlink_store)
    assert first.summary["invoices_created"] == 3, first.summary
    assert {email for _, email in emulator.outbox} == {c.email for c in customers}
    assert again.summary.get("invoices_created", 0) == 0, again.summary
    assert not [o for o in again.outcomes if o.status != "already_done"], again.summary
    assert len(emulator.outbox) == 3
