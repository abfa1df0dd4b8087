"""A customer's delivery channel in the policy file's [customers."ID"] tables: it loads,
saves back, names file, table and key when bad, and wins over the customers file's
``delivery`` column the way every other per-customer setting does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import Company, Customer, DeliveryChannel
from ledgerlink.errors import ValidationError
from ledgerlink.loading import (
    PolicyFile,
    apply_overrides,
    load_customers,
    load_policy,
    save_customers,
    save_policy,
)
from ledgerlink.policy import PolicyOverride, Posting

COMPANY = '[company]\nname = "Firma"\n'


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for every hypothesis example (each overwrites its own files)."""
    return tmp_path_factory.mktemp("delivery-precedence")


def test_a_customer_table_sets_the_customers_channel(tmp_path: Path) -> None:
    """delivery in [customers."c-17"] loads beside the billing settings, not into them."""
    path = tmp_path / "policy.toml"
    path.write_text(COMPANY + '[customers."c-17"]\ndelivery = "letter"\nposting = "draft"\n'
                    '[customers."c-18"]\ndelivery = "einvoice"\n', encoding="utf-8")
    loaded = load_policy(path)
    assert loaded.deliveries == {"c-17": DeliveryChannel.LETTER,
                                 "c-18": DeliveryChannel.EINVOICE}
    assert loaded.overrides == {"c-17": PolicyOverride(posting=Posting.DRAFT),
                                "c-18": PolicyOverride()}


@pytest.mark.parametrize("value", ['"fax"', "3", "true", '["email"]'])
def test_a_bad_channel_names_file_table_and_key(tmp_path: Path, value: str) -> None:
    """A value that is no channel is one problem naming the file and customers."c 1".delivery,
    listing the channels."""
    path = tmp_path / "policy.toml"
    path.write_text(COMPANY + f'[customers."c 1"]\ndelivery = {value}\n', encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    [problem] = caught.value.problems
    assert (problem.source, problem.field) == (str(path), 'customers."c 1".delivery')
    assert "provider_email" in problem.message and "auto" in problem.message


def test_a_bad_channel_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    """A bad delivery and a misspelt key in the same table are both reported at once."""
    path = tmp_path / "policy.toml"
    path.write_text(COMPANY + '[customers.c-1]\ndelivery = "fax"\npostng = "draft"\n',
                    encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    assert sorted(p.field or "" for p in caught.value.problems) == [
        "customers.c-1.delivery", "customers.c-1.postng"]


def test_a_channel_for_an_unknown_customer_is_an_error() -> None:
    """A delivery for a customer id not among the customers names the policy file and id."""
    with pytest.raises(ValidationError) as caught:
        apply_overrides([Customer("c-1", "C")], {}, source="policy.toml",
                        deliveries={"c-9": DeliveryChannel.LETTER})
    [problem] = caught.value.problems
    assert (problem.source, problem.field, problem.value) == ("policy.toml", "customers.c-9",
                                                              "c-9")


def test_saved_channels_load_back(tmp_path: Path) -> None:
    """save_policy writes each customer's delivery; load_policy reads the same file back."""
    policy = PolicyFile(Company("Firma"),
                        {"c-1": PolicyOverride(send=True), "c-2": PolicyOverride()},
                        {"c-2": DeliveryChannel.AUTO})
    save_policy(policy, tmp_path / "policy.toml")
    assert load_policy(tmp_path / "policy.toml") == policy


_channels = st.sampled_from(DeliveryChannel)


@given(st.lists(st.tuples(st.none() | _channels, st.none() | _channels), min_size=1,
                max_size=5))
def test_the_policy_file_wins_over_the_customers_file(
        files_dir: Path, settings: list[tuple[DeliveryChannel | None, DeliveryChannel | None]]
) -> None:
    """Through both files: a customer's channel is the policy file's when it sets one, else the
    customers file's, else None (the company's); the billing override is kept either way."""
    customers = [Customer(f"c-{i}", "C", delivery=own, policy=PolicyOverride(send=True))
                 for i, (own, _) in enumerate(settings)]
    save_customers(customers, files_dir / "customers.csv")
    chosen = {f"c-{i}": top for i, (_, top) in enumerate(settings) if top is not None}
    save_policy(PolicyFile(Company("Firma"), dict.fromkeys(chosen, PolicyOverride()), chosen),
                files_dir / "policy.toml")
    policy = load_policy(files_dir / "policy.toml")
    merged = apply_overrides(load_customers(files_dir / "customers.csv"), policy.overrides,
                             source="policy.toml", deliveries=policy.deliveries)
    assert [c.delivery for c in merged] == [top or own for own, top in settings]
    assert all(c.policy == PolicyOverride(send=True) for c in merged)
