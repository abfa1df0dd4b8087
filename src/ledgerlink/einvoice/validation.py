"""Internal: validate a UBL invoice or credit note as PEPPOL BIS Billing 3 does.

Three layers, as an access point checks them:

1. structure: the UBL 2.1 XSD (``lxml.etree.XMLSchema``);
2. the European norm: ``CEN-EN16931-UBL.sch``;
3. PEPPOL's additions and national rules: ``PEPPOL-EN16931-UBL.sch``.

The Schematron files need XPath 2 and ``xsl:function``, so they run on
saxonche (SaxonC-HE): the only XSLT 3 engine on PyPI that needs no Java
(lxml's ``isoschematron`` is XSLT 1 and cannot run them). Each rule file is
translated (:mod:`ledgerlink.einvoice.schematron`) and compiled once per
:class:`EInvoiceValidator`; validating a document then takes milliseconds.
saxonche is about 100 MB, so it comes with the optional ``einvoice`` extra.

The rules and XSDs are not shipped with ledgerlink (they are OpenPEPPOL's,
CEN's and OASIS's); the validator reads them from a directory laid out as the
published material is (see :data:`RULES_ENV`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs
from lxml import etree

from ledgerlink.einvoice.schematron import SVRL, to_xslt
from ledgerlink.errors import EInvoiceRulesError

if TYPE_CHECKING:
    from saxonche import PySaxonProcessor, PyXdmNode, PyXsltExecutable

__all__ = [
    "RULES_ENV",
    "EInvoiceValidator",
    "Finding",
    "ValidationReport",
]

#: Environment variable naming the rules directory: the folder holding
#: ``peppol-bis-billing-3/sch/`` and ``ubl-2.1-xsdrt/``.
RULES_ENV = "LEDGERLINK_EINVOICE_RULES"

#: Where each rule file lives inside the rules directory.
CEN_RULES = Path("peppol-bis-billing-3/sch/CEN-EN16931-UBL.sch")
PEPPOL_RULES = Path("peppol-bis-billing-3/sch/PEPPOL-EN16931-UBL.sch")
INVOICE_XSD = Path("ubl-2.1-xsdrt/maindoc/UBL-Invoice-2.1.xsd")
CREDIT_NOTE_XSD = Path("ubl-2.1-xsdrt/maindoc/UBL-CreditNote-2.1.xsd")

_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
_CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"

Layer = Literal["xsd", "cen", "peppol"]
Flag = Literal["fatal", "warning"]


@attrs.frozen
class Finding:
    """One failed assertion (or schema error) about a document.

    Attributes:
        layer: ``xsd``, ``cen`` (EN 16931) or ``peppol`` (PEPPOL and national rules).
        rule: the rule's id (``PEPPOL-COMMON-R042``, ``BR-CO-15``; ``XSD`` for schema errors).
        flag: ``fatal`` (the document is refused) or ``warning`` (advice).
        location: where in the document: an XPath, or ``line N`` for schema errors.
        message: the rule's text.
    """

    layer: Layer
    rule: str
    flag: Flag
    location: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.flag} at {self.location}: {self.message}"


@attrs.frozen
class ValidationReport:
    """Every finding about one document.

    Attributes:
        findings: schema errors first, then the CEN and the PEPPOL assertions.
    """

    findings: tuple[Finding, ...]

    @property
    def fatal(self) -> tuple[Finding, ...]:
        """The findings that make the document invalid."""
        return tuple(f for f in self.findings if f.flag == "fatal")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The advisory findings."""
        return tuple(f for f in self.findings if f.flag == "warning")

    @property
    def is_valid(self) -> bool:
        """True when no finding is fatal: an access point accepts the document."""
        return not self.fatal

    @property
    def rules(self) -> frozenset[str]:
        """The ids of every rule that fired."""
        return frozenset(f.rule for f in self.findings)

    def __str__(self) -> str:
        if not self.findings:
            return "valid: no findings"
        head = "valid" if self.is_valid else f"invalid: {len(self.fatal)} fatal"
        return "\n".join([head, *(f"  {f}" for f in self.findings)])


def rules_directory(rules: str | os.PathLike[str] | None = None,
                    environ: Mapping[str, str] = os.environ) -> Path:
    """The rules directory: ``rules`` when given, else ``$LEDGERLINK_EINVOICE_RULES``."""
    raw = rules if rules is not None else environ.get(RULES_ENV, "").strip()
    if not raw:
        raise EInvoiceRulesError(
            f"no e-invoice rules directory: pass one or set {RULES_ENV} to the folder "
            f"holding {CEN_RULES.parent} and {INVOICE_XSD.parent.parent}")
    directory = Path(raw)
    for needed in (CEN_RULES, PEPPOL_RULES, INVOICE_XSD, CREDIT_NOTE_XSD):
        if not (directory / needed).is_file():
            raise EInvoiceRulesError(f"e-invoice rules directory {directory} lacks {needed}")
    return directory


def _saxon() -> PySaxonProcessor:
    try:
        from saxonche import PySaxonProcessor
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise EInvoiceRulesError(
            "Schematron validation needs saxonche: pip install 'ledgerlink[einvoice]'") from None
    return PySaxonProcessor(license=False)


class EInvoiceValidator:
    """Checks UBL invoices and credit notes against the XSD and both Schematron layers.

    Building one compiles the rules (about a second); keep it and validate many
    documents with :meth:`validate`. Not thread-safe: give each thread its own.
    """

    def __init__(self, rules: str | os.PathLike[str] | None = None) -> None:
        directory = rules_directory(rules)
        self.directory = directory
        self._schemas = {
            _INVOICE: etree.XMLSchema(etree.parse(str(directory / INVOICE_XSD))),
            _CREDIT_NOTE: etree.XMLSchema(etree.parse(str(directory / CREDIT_NOTE_XSD))),
        }
        self._processor = _saxon()
        compiler = self._processor.new_xslt30_processor()
        self._layers: dict[Layer, PyXsltExecutable] = {}
        layers: tuple[tuple[Layer, Path], ...] = (("cen", CEN_RULES), ("peppol", PEPPOL_RULES))
        for layer, path in layers:
            try:
                self._layers[layer] = compiler.compile_stylesheet(
                    stylesheet_text=to_xslt(directory / path))
            except Exception as err:  # saxonche raises its own PySaxonApiError
                raise EInvoiceRulesError(f"cannot compile {directory / path}: {err}") from err

    def validate(self, document: bytes | etree._Element | etree._ElementTree) -> ValidationReport:
        """Every finding about ``document`` (UBL XML bytes or a parsed lxml tree)."""
        if isinstance(document, bytes):
            try:
                root = etree.fromstring(document)
            except etree.XMLSyntaxError as err:
                return ValidationReport((Finding("xsd", "XML", "fatal", f"line {err.lineno}",
                                                 f"not well-formed XML: {err.msg}"),))
        else:
            root = document.getroot() if isinstance(document, etree._ElementTree) else document
        # Saxon reads text; lxml writes it back in whatever encoding the bytes had.
        text = etree.tostring(root, encoding="unicode")
        findings = list(self.check_schema(root))
        node = self._processor.parse_xml(xml_text=text)
        for layer in self._layers:
            findings.extend(self._check_layer(layer, node))
        return ValidationReport(tuple(findings))

    def check_schema(self, root: etree._Element) -> tuple[Finding, ...]:
        """The UBL 2.1 XSD's errors about ``root`` (an Invoice or a CreditNote)."""
        tag = str(root.tag)
        schema = self._schemas.get(tag)
        if schema is None:
            return (Finding("xsd", "XSD", "fatal", "/",
                            f"the root element {tag} is neither a UBL Invoice "
                            f"nor a UBL CreditNote"),)
        if schema.validate(root):
            return ()
        return tuple(Finding("xsd", "XSD", "fatal", f"line {error.line}", error.message)
                     for error in schema.error_log)

    def _check_layer(self, layer: Layer, node: PyXdmNode) -> list[Finding]:
        output = self._layers[layer].transform_to_string(xdm_node=node)
        if output is None:  # pragma: no cover - the stylesheet always writes a root
            raise EInvoiceRulesError(f"the {layer} rules produced no result")
        report = etree.fromstring(output.encode("utf-8"))
        findings = []
        for result in report:
            flag: Flag = "warning" if result.get("flag") == "warning" else "fatal"
            message = " ".join(result.findtext(f"{{{SVRL}}}text", "").split())
            findings.append(Finding(layer, result.get("id", ""), flag,
                                    result.get("location", ""), message))
        return findings
