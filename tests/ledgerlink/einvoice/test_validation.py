"""The validator against the official examples, and documents broken on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ledgerlink.einvoice import EInvoiceValidator, ValidationReport
from ledgerlink.einvoice.validation import RULES_ENV, rules_directory
from ledgerlink.errors import EInvoiceRulesError
from tests.ledgerlink.einvoice.conftest import RULES

EXAMPLES = RULES / "peppol-bis-billing-3" / "examples"
NORWEGIAN = RULES / "peppol-bis-billing-3" / "national-examples" / "NO" / "Norwegian-example-1.xml"
OFFICIAL = [*sorted(EXAMPLES.glob("*.xml")), NORWEGIAN]
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"


def _example(path: Path) -> etree._Element:
    if not path.is_file():
        pytest.skip(f"official example missing: {path}")
    return etree.parse(str(path)).getroot()


def _with_seller_endpoint(scheme: str, identifier: str) -> etree._Element:
    root = _example(EXAMPLES / "base-example.xml")
    endpoint = root.find(f"{{{CAC}}}AccountingSupplierParty/{{{CAC}}}Party/{{{CBC}}}EndpointID")
    assert endpoint is not None
    endpoint.set("schemeID", scheme)
    endpoint.text = identifier
    return root


def test_official_examples_are_nine_plus_the_norwegian_one() -> None:
    """The known-result set is complete: nine BIS 3 examples and one Norwegian."""
    if not EXAMPLES.is_dir():
        pytest.skip(f"official examples missing: {EXAMPLES}")
    assert len(OFFICIAL) == 10


@pytest.mark.parametrize("path", OFFICIAL, ids=lambda p: p.name)
def test_official_examples_have_no_fatal_findings(validator: EInvoiceValidator,
                                                  path: Path) -> None:
    """Every official example passes the XSD and both Schematron layers without a fatal finding."""
    report = validator.validate(etree.tostring(_example(path)))
    assert report.fatal == (), str(report)


def test_norwegian_example_has_the_known_cen_warning(validator: EInvoiceValidator) -> None:
    """The Norwegian example yields exactly one warning, UBL-CR-679 from the CEN layer."""
    report = validator.validate(_example(NORWEGIAN))
    assert [(f.layer, f.rule, f.flag) for f in report.findings] == [
        ("cen", "UBL-CR-679", "warning")]
    assert report.is_valid


@pytest.mark.parametrize(("scheme", "identifier", "rule"), [
    ("0184", "DK1234567", "PEPPOL-COMMON-R042"),
    ("0007", "5560360794", "PEPPOL-COMMON-R049"),
    ("0088", "5790000435976", "PEPPOL-COMMON-R040"),
    ("0192", "974760674", "PEPPOL-COMMON-R041"),
])
def test_bad_seller_endpoints_fire_their_rule(validator: EInvoiceValidator, scheme: str,
                                              identifier: str, rule: str) -> None:
    """A seller endpoint in the wrong format for its scheme fails that scheme's PEPPOL rule."""
    report = validator.validate(_with_seller_endpoint(scheme, identifier))
    fired = [f for f in report.fatal if f.rule == rule]
    assert fired, str(report)
    assert fired[0].layer == "peppol"
    assert "EndpointID" in fired[0].location
    assert not report.is_valid


def test_good_seller_endpoint_passes(validator: EInvoiceValidator) -> None:
    """The same edit with a valid GLN leaves the example valid (the rule, not the edit, fails)."""
    assert validator.validate(_with_seller_endpoint("0088", "5790000435975")).is_valid


def test_missing_buyer_reference_fires_peppol_r003(validator: EInvoiceValidator) -> None:
    """A document with neither buyer reference nor order reference fails PEPPOL-EN16931-R003."""
    root = _example(EXAMPLES / "base-example.xml")
    for name in ("BuyerReference",):
        element = root.find(f"{{{CBC}}}{name}")
        assert element is not None
        root.remove(element)
    order = root.find(f"{{{CAC}}}OrderReference")
    if order is not None:
        root.remove(order)
    assert "PEPPOL-EN16931-R003" in validator.validate(root).rules


def test_wrong_totals_fire_the_cen_rule(validator: EInvoiceValidator) -> None:
    """A payable amount that is not the total with VAT fails the EN 16931 layer (BR-CO-16)."""
    root = _example(EXAMPLES / "base-example.xml")
    payable = root.find(f"{{{CAC}}}LegalMonetaryTotal/{{{CBC}}}PayableAmount")
    assert payable is not None
    payable.text = "1.00"
    report = validator.validate(root)
    assert "BR-CO-16" in {f.rule for f in report.fatal if f.layer == "cen"}


def test_schema_errors_are_fatal_findings(validator: EInvoiceValidator) -> None:
    """An element the UBL schema does not allow is reported as a fatal XSD finding with its line."""
    root = _example(EXAMPLES / "base-example.xml")
    etree.SubElement(root, f"{{{CBC}}}NoSuchElement").text = "x"
    report = validator.validate(root)
    schema = [f for f in report.fatal if f.layer == "xsd"]
    assert schema
    assert "NoSuchElement" in schema[0].message


def test_other_documents_are_refused_by_the_schema_layer(validator: EInvoiceValidator) -> None:
    """A root that is neither a UBL Invoice nor a CreditNote is one fatal XSD finding."""
    report = validator.validate(b"<Order xmlns='urn:example'/>")
    assert [(f.layer, f.rule) for f in report.fatal][:1] == [("xsd", "XSD")]


def test_malformed_documents_are_one_fatal_finding(validator: EInvoiceValidator) -> None:
    """Bytes that are not well-formed XML give one fatal finding instead of an exception."""
    report = validator.validate(b"<Invoice><unclosed></Invoice>")
    assert [(f.layer, f.rule, f.flag) for f in report.findings] == [("xsd", "XML", "fatal")]


def test_documents_in_other_encodings_are_read(validator: EInvoiceValidator) -> None:
    """A document encoded as ISO-8859-1 is validated like its UTF-8 twin."""
    root = _example(EXAMPLES / "base-example.xml")
    name = root.find(f"{{{CAC}}}AccountingCustomerParty/{{{CAC}}}Party/{{{CAC}}}PartyName/"
                     f"{{{CBC}}}Name")
    assert name is not None
    name.text = "Købmand Ærø"
    latin = etree.tostring(root, encoding="ISO-8859-1", xml_declaration=True)
    assert validator.validate(latin).is_valid


def test_rules_directory_comes_from_the_environment(tmp_path: Path) -> None:
    """Without a path the directory is read from the environment variable, and checked."""
    with pytest.raises(EInvoiceRulesError, match=RULES_ENV):
        rules_directory(None, environ={})
    with pytest.raises(EInvoiceRulesError, match="lacks"):
        rules_directory(None, environ={RULES_ENV: str(tmp_path)})
    if RULES.is_dir():
        assert rules_directory(None, environ={RULES_ENV: str(RULES)}) == RULES


def test_report_summarises_its_findings() -> None:
    """A report without fatal findings is valid, and its text says so."""
    assert ValidationReport(()).is_valid
    assert str(ValidationReport(())) == "valid: no findings"
