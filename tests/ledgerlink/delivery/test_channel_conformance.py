"""The channel conformance suite catches real bugs: a channel that keeps the contract
passes it, and each broken variant (memory_channels.py) fails at the rule it breaks.

Each variant runs the whole suite in-process (pytest's ``pytester``) as a subclass of
the memory outbox's conformance class with the variant as its ``channel_class``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[3]

#: Each variant and exactly the suite's tests it must fail.
BROKEN = {
    "DeliversTwice": {"test_a_repeated_key_is_not_delivered_twice"},
    "MangledPdf": {"test_the_document_arrives_intact",
                   "test_deliveries_of_different_invoices_arrive_apart"},
    "LeaksPassword": {"test_no_secret_in_receipts_errors_or_repr"},
    "SilentOnBadData": {"test_undeliverable_data_is_a_validation_error_naming_the_field"},
    "VagueError": {"test_undeliverable_data_is_a_validation_error_naming_the_field"},
    "FailsEverything": {"test_a_delivery_returns_a_sent_receipt_and_arrives",
                        "test_the_document_arrives_intact",
                        "test_deliveries_of_different_invoices_arrive_apart",
                        "test_a_repeated_key_is_not_delivered_twice"},
}


def _failures(pytester: pytest.Pytester, channel_class: str | None) -> set[str]:
    """Run the memory outbox's conformance class (with ``channel_class`` from
    memory_channels.py, or as it is) and return the names of the failed tests."""
    setting = (f"from tests.ledgerlink.delivery.memory_channels import {channel_class}\n"
               if channel_class else "")
    pytester.makepyfile(test_variant=(
        f"{setting}from tests.ledgerlink.delivery.channel_suite_example import "
        "TestMemoryOutbox as Shipped\n\n\n"
        "class TestVariant(Shipped):\n"
        f"    channel_class = {channel_class or 'Shipped.channel_class'}\n"))
    recorded = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider")
    passed, skipped, failed = recorded.listoutcomes()
    assert not skipped
    assert passed or failed, "the suite ran no test"
    return {report.nodeid.split("::")[-1].split("[")[0] for report in failed}


@pytest.fixture(autouse=True)
def _project_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests package importable from pytester's temporary directory."""
    monkeypatch.syspath_prepend(str(ROOT))


def test_a_channel_that_keeps_the_contract_passes(pytester: pytest.Pytester) -> None:
    """The memory outbox fails no conformance test."""
    assert _failures(pytester, None) == set()


@pytest.mark.parametrize(("variant", "broken"), BROKEN.items(), ids=list(BROKEN))
def test_a_broken_channel_fails_the_rule_it_breaks(
        pytester: pytest.Pytester, variant: str, broken: set[str]) -> None:
    """Each broken variant fails exactly the conformance tests of the rule it breaks."""
    assert _failures(pytester, variant) == broken


def test_hooks_left_out_fail_rather_than_skip(pytester: pytest.Pytester) -> None:
    """A subclass that fills in no hook fails the suite's tests; none is skipped."""
    pytester.makepyfile(test_bare=(
        "from ledgerlink.testing.channels import ChannelConformance\n\n\n"
        "class TestBare(ChannelConformance):\n"
        "    knows_repeats = True\n"))
    recorded = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider")
    passed, skipped, failed = recorded.listoutcomes()
    assert (len(passed), len(skipped)) == (0, 0)
    assert len(failed) == 7


def _failures_declared(pytester: pytest.Pytester, channel_class: str) -> set[str]:
    """Like :func:`_failures`, with the class declaring it cannot know repeats."""
    pytester.makepyfile(test_variant=(
        f"from tests.ledgerlink.delivery.memory_channels import {channel_class}\n"
        "from tests.ledgerlink.delivery.channel_suite_example import "
        "TestMemoryOutbox as Shipped\n\n\n"
        "class TestVariant(Shipped):\n"
        "    knows_repeats = False\n"
        f"    channel_class = {channel_class}\n"))
    passed, skipped, failed = pytester.inline_run(
        "-p", "no:randomly", "-p", "no:cacheprovider").listoutcomes()
    assert passed and not skipped
    return {report.nodeid.split("::")[-1].split("[")[0] for report in failed}


def test_a_channel_that_cannot_know_repeats_is_held_to_what_it_says(
        pytester: pytest.Pytester) -> None:
    """Declared unable to know repeats: delivering twice passes, deduplicating fails (the
    declaration is checked, not taken on trust)."""
    assert _failures_declared(pytester, "DeliversTwice") == set()
    assert _failures_declared(pytester, "MemoryOutbox") == {
        "test_a_repeated_key_is_not_delivered_twice"}
