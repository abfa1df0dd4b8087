"""The CRM-neutral deal types."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ledgerlink.deals import Deal, DealLine, DealParty, DealStatus, PartyRole
from ledgerlink.errors import ValidationError


def test_a_deal_keeps_its_fields_read_only() -> None:
    """A deal's fields by name cannot be changed after the source made it."""
    deal = Deal("7", "Roof", DealStatus.WON, "DKK", Decimal("100"), fields={"CVR": "123"})
    with pytest.raises(TypeError):
        deal.fields["CVR"] = "456"  # type: ignore[index]
    assert deal.fields["CVR"] == "123"


def test_a_naive_won_time_is_refused() -> None:
    """A won time without a zone is refused, naming the field."""
    with pytest.raises(ValidationError, match="won_at"):
        Deal("7", "Roof", DealStatus.WON, "DKK", Decimal("100"), won_at=datetime(2026, 1, 1))
    won = datetime(2026, 1, 1, tzinfo=UTC)
    assert Deal("7", "Roof", DealStatus.WON, "DKK", Decimal("100"), won_at=won).won_at == won


def test_line_amounts_are_read_as_decimals_within_bounds() -> None:
    """A line's quantity and price are read exactly; an out-of-bounds price is refused."""
    line = DealLine("3", "Inspection", "1.5", "199.99")
    assert (line.quantity, line.unit_price) == (Decimal("1.5"), Decimal("199.99"))
    with pytest.raises(ValidationError):
        DealLine("3", "Inspection", "1", "1e40")


def test_a_party_needs_a_name() -> None:
    """A person or organisation without a name is refused."""
    with pytest.raises(ValidationError):
        DealParty("1", PartyRole.PERSON, " ")
