"""Helpers for the e-conomic connector tests: agreements on the emulator with their tokens
saved, product groups at 25, 12 and 0 % VAT and one product in each (the ``rate_products``
of lines naming no product)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.connection import Tokens, token_key
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.paths import SHARED

__all__ = ["BASE", "EXAMPLES", "GROUPS", "OPTIONS", "SCHEMAS",
           "assert_booked_once", "build_connector", "prepare_agreement", "require", "save_tokens",
           "served_agreement"]

BASE = "https://restapi.e-conomic.com"
ECONOMIC = SHARED / "providers" / "economic"
SCHEMAS = ECONOMIC / "json-schema"
EXAMPLES = ECONOMIC / "examples"
#: Product groups the tests add (group 1, 25 %, is a new agreement's).
GROUPS = {Decimal(12): 2, Decimal(0): 3}
#: The options every test connector takes: the layout (the emulator seeds three) and the
#: products and groups of each VAT rate.
OPTIONS = {"layout": "19", "rate_products": "25=vat-25,12=vat-12,0=vat-0",
           "product_groups": "25=1,12=2,0=3"}


def require(path: Path) -> Path:
    """``path``, or skip naming it when the official material is absent."""
    if not path.exists():
        pytest.skip(f"official e-conomic material not found at {path} (set LEDGERLINK_SHARED)")
    return path


def prepare_agreement(emulator: EconomicEmulator, name: str = "Tømrer ApS") -> Agreement:
    """A new agreement with product groups and one product per VAT rate (seeded: they
    count against no bucket)."""
    agreement = emulator.create_agreement(name)
    for rate, group in GROUPS.items():
        emulator.add_product_group(agreement, group, f"Ydelser {rate} %", rate)
    for rate, group in {Decimal(25): 1, **GROUPS}.items():
        emulator.seed(agreement, "POST", "/products", {
            "productNumber": f"vat-{rate}", "name": f"Ydelse {rate} %",
            "productGroup": {"productGroupNumber": group}})
    return agreement


def save_tokens(agreement: Agreement, store: Store) -> None:
    """Keep the agreement's tokens where ``ledgerlink economic connect`` keeps them."""
    store.save_token(token_key(str(agreement.agreement_number)), Tokens(
        agreement.app_secret_token, agreement.agreement_grant_token).document())


def build_connector(emulator: EconomicEmulator, tmp_path: Path, *,
                    agreement: Agreement | None = None, **options: Any) -> EconomicConnector:
    """A connector on a fresh (or the given) agreement of ``emulator``, its tokens in a store."""
    agreement = agreement or prepare_agreement(emulator)
    store = Store(tmp_path / f"tokens-{agreement.agreement_number}.db")
    save_tokens(agreement, store)
    transport = options.pop("transport", None) or emulator.transport()
    limiters = options.pop("limiters", None) or LimiterRegistry()
    return EconomicConnector(agreement=str(agreement.agreement_number), token_store=store,
                             base_url=BASE, transport=transport, limiters=limiters,
                             **{**OPTIONS, **options})


def assert_booked_once(emulator: EconomicEmulator, agreement: Agreement, orders: int
                       ) -> list[dict[str, Any]]:
    """As the emulator holds it: each work order ``WO-0``.. on exactly one booked invoice
    (its ``references.other``), numbered once, no draft left, each of the five customers
    ``c0``..``c4`` made once (their e-mails)."""
    booked = emulator.invoices(agreement)
    keys = Counter(str(row["references"]["other"]) for row in booked)
    assert keys == Counter({f"inv:WO-{i}": 1 for i in range(orders)})
    assert len({row["bookedInvoiceNumber"] for row in booked}) == orders
    assert emulator.drafts(agreement) == []
    with agreement.lock:
        emails = Counter(row.get("email") for row in agreement.rows("customers"))
    assert emails == Counter({f"c{i}@example.dk": 1 for i in range(5)})
    return booked


@contextmanager
def served_agreement(emulator: EconomicEmulator, journal: str | Path
                     ) -> Iterator[tuple[Agreement, str]]:
    """``emulator`` served on 127.0.0.1 with a prepared agreement whose tokens are kept in
    the journal at ``journal``: the agreement and the base URL."""
    agreement = prepare_agreement(emulator)
    with Store(journal) as store:
        save_tokens(agreement, store)
    with emulator.serve() as server:
        yield agreement, server.base_url
