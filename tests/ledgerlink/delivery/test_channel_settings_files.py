"""The delivery settings in the input files: the customers' ``delivery`` column takes
every channel choice or a blank (the company's), the policy file's [company] table the
company's default and deliver_through_ledgerlink; bad values name file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.domain import Company, DeliveryChannel
from ledgerlink.errors import ValidationError
from ledgerlink.loading import PolicyFile, load_customers, load_policy, save_policy

HEADER = ("id,name,kind,email,street,postal_code,city,country,registration_number,currency,"
          "delivery\n")


def test_customers_take_every_channel_or_the_companys(tmp_path: Path) -> None:
    """Each DeliveryChannel value reads as itself; a blank cell is None (the company's)."""
    rows = "".join(f"c-{i},C,company,,,,,DK,,DKK,{channel.value}\n"
                   for i, channel in enumerate(DeliveryChannel))
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + rows + "c-x,C,company,,,,,DK,,DKK,\n", encoding="utf-8")
    loaded = load_customers(path)
    assert [c.delivery for c in loaded] == [*DeliveryChannel, None]


def test_a_bad_channel_names_file_row_and_column(tmp_path: Path) -> None:
    """An unknown channel in a customers CSV is a problem naming the file, row and column."""
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "c-1,C,company,,,,,DK,,DKK,fax\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    [problem] = caught.value.problems
    assert (problem.source, problem.row, problem.field) == (str(path), 2, "delivery")
    assert "provider_email" in problem.message and "auto" in problem.message


def test_the_policy_file_holds_the_companys_delivery(tmp_path: Path) -> None:
    """[company] delivery and deliver_through_ledgerlink load, and save back unchanged."""
    path = tmp_path / "policy.toml"
    path.write_text('[company]\nname = "Firma"\ndelivery = "auto"\n'
                    "deliver_through_ledgerlink = true\n", encoding="utf-8")
    loaded = load_policy(path)
    assert (loaded.company.delivery, loaded.company.deliver_through_ledgerlink) == (
        DeliveryChannel.AUTO, True)
    again = tmp_path / "again.toml"
    save_policy(loaded, again)
    assert load_policy(again) == loaded


def test_the_company_defaults_to_the_providers_email(tmp_path: Path) -> None:
    """Without the keys the provider e-mails, as before delivery channels existed."""
    path = tmp_path / "policy.toml"
    path.write_text('[company]\nname = "Firma"\n', encoding="utf-8")
    assert load_policy(path) == PolicyFile(Company("Firma"))
    assert Company("Firma").delivery is DeliveryChannel.PROVIDER_EMAIL


@pytest.mark.parametrize(("line", "field"), [
    ('delivery = "fax"', "company.delivery"),
    ('deliver_through_ledgerlink = "often"', "company.deliver_through_ledgerlink")])
def test_bad_company_delivery_settings_name_the_key(tmp_path: Path, line: str,
                                                    field: str) -> None:
    """A bad value in [company] is a problem naming the policy file and the key path."""
    path = tmp_path / "policy.toml"
    path.write_text(f'[company]\nname = "Firma"\n{line}\n', encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    [problem] = caught.value.problems
    assert (problem.source, problem.field) == (str(path), field)
