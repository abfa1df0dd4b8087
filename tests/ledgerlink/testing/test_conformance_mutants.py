"""The conformance suite catches real bugs: each broken variant of the example plugin
(tally_mutants.py beside it) fails the suite at the rule it breaks, and the plugin as
shipped passes it.

Each variant runs the whole suite in-process (pytest's ``pytester``), as the
example plugin's own test class with the variant as its ``connector_class``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.testing.conformance import GARBAGE
from tests.paths import DOCS

pytest_plugins = ["pytester"]

EXAMPLE = DOCS / "example-plugin"

#: Each variant and exactly the suite's tests it must fail.
MUTANTS = {
    "DuplicateOnRetry": {"test_create_retried_with_the_same_key_makes_one_invoice"},
    "FloatRounding": {"test_totals_round_each_line_then_vat_per_rate"},
    "NoLineRounding": {"test_totals_round_each_line_then_vat_per_rate"},
    "VoidedReportedAsPaid": {"test_void"},
    # It also "sends" drafts and deleted invoices without a word, and
    # answers garbage without reading it (it reads nothing).
    "SendDoesNothing": {"test_send_delivers", "test_drafts_are_not_sent",
                        "test_delete",
                        "test_malformed_answers_become_provider_errors"},
    "FindCustomerCreates": {"test_customer_is_found_by_its_id_after_creation",
                            "test_customers_are_not_confused",
                            "test_one_connector_serves_many_threads"},
    "MissingKey": {"test_invoice_carries_its_key",
                   "test_create_retried_with_the_same_key_makes_one_invoice",
                   "test_one_connector_serves_many_threads"},
}


def _failures(pytester: pytest.Pytester, connector_class: str | None) -> set[str]:
    """Run the example's conformance class (with ``connector_class`` from
    tally_mutants.py, or as shipped) and return the names of the failed tests."""
    setting = (f"from tally_mutants import {connector_class}\n" if connector_class else "")
    pytester.makepyfile(test_variant=(
        f"{setting}from test_tally_connector import TestTallyConformance as Shipped\n\n\n"
        "class TestVariant(Shipped):\n"
        f"    connector_class = {connector_class or 'Shipped.connector_class'}\n"))
    recorded = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider")
    passed, skipped, failed = recorded.listoutcomes()
    assert not skipped
    assert passed, "the suite ran no test"
    return {report.nodeid.split("::")[-1].split("[")[0] for report in failed}


@pytest.fixture
def example_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example plugin and its test module importable by name."""
    monkeypatch.syspath_prepend(str(EXAMPLE / "tests"))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(Path(__file__).parent))


@pytest.mark.usefixtures("example_on_path")
def test_the_shipped_plugin_passes(pytester: pytest.Pytester) -> None:
    """The example plugin as shipped fails no conformance test."""
    assert _failures(pytester, None) == set()


@pytest.mark.usefixtures("example_on_path")
@pytest.mark.parametrize(("mutant", "broken"), MUTANTS.items(), ids=list(MUTANTS))
def test_a_broken_connector_fails_the_rule_it_breaks(
        pytester: pytest.Pytester, mutant: str, broken: set[str]) -> None:
    """Each broken variant fails exactly the conformance tests of the rule it breaks."""
    assert _failures(pytester, mutant) == broken


MALFORMED = "test_malformed_answers_become_provider_errors"


@pytest.mark.usefixtures("example_on_path")
def test_an_undeclared_http_fails_instead_of_skipping(pytester: pytest.Pytester) -> None:
    """A suite subclass that does not say whether its connector talks HTTP fails the
    malformed-answer tests (all of them, none skipped)."""
    pytester.makepyfile(test_undeclared=(
        "from ledgerlink.sandbox import SandboxConnector\n"
        "from ledgerlink.testing.conformance import ConnectorConformance\n\n\n"
        "class TestUndeclared(ConnectorConformance):\n"
        "    def make_connector(self, tmp_path):\n"
        "        return SandboxConnector(tmp_path / 'book.db')\n"))
    recorded = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider")
    _, skipped, failed = recorded.listoutcomes()
    assert not skipped
    assert {r.nodeid.split("::")[-1] for r in failed} == {
        f"{MALFORMED}[{kind}]" for kind in GARBAGE}


@pytest.mark.usefixtures("example_on_path")
def test_an_http_connector_cannot_declare_itself_not_http(pytester: pytest.Pytester) -> None:
    """``http = False`` on a connector that holds an httpx client fails: the declaration
    is checked, not trusted."""
    pytester.makepyfile(test_false=(
        "from test_tally_connector import TestTallyConformance as Shipped\n"
        "from ledgerlink.testing.conformance.base import SuiteBase\n\n\n"
        "class TestFalse(Shipped):\n"
        "    http = False\n"
        "    make_connector_on = SuiteBase.make_connector_on\n"))
    recorded = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider",
                                   "-k", MALFORMED)
    passed, skipped, failed = recorded.listoutcomes()
    assert not passed
    assert not skipped
    assert len(failed) == len(GARBAGE)
