"""A Billy product create whose answers are lost twice: made once, and found afterwards.

Billy dedupes nothing (a product's ``productNo`` need not be unique), so a create sent
again after its look-up found nothing must not be retried by the HTTP layer: that made
a second product under a sync with cut connections.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ledgerlink.domain import Product
from ledgerlink.errors import TransientProviderError
from ledgerlink_billy.emulator import BillyEmulator
from tests.ledgerlink_billy.support import Cutting, build_connector


def _product_posts(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/v2/products"


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once (the ledgerlink pytest plugin's fixture)."""


def test_a_product_created_again_after_its_look_up_is_sent_once(
        emulator: BillyEmulator, tmp_path: Path) -> None:
    """The first create is lost before it arrives, the second after Billy made it: the
    create raises for the run to settle, and the next look-up finds the one product made."""
    lost_twice = Cutting(Cutting(emulator.transport(), _product_posts), _product_posts,
                         before=True)
    product = Product("hours", "Arbejdstimer", unit_price=Decimal(450))
    with build_connector(emulator, tmp_path, transport=lost_twice) as billy:
        with pytest.raises(TransientProviderError):
            billy.create_product(product)
        found = billy.find_product(product)
        org = emulator.organizations[billy.organization_id]
    made = [row["id"] for row in org.rows("products") if row["productNo"] == product.id]
    assert found is not None and made == [found]
