"""The Schematron → XSLT 3 translation, on small rule files whose results are known."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from saxonche import PySaxonProcessor

from ledgerlink.einvoice.schematron import SVRL, SchematronError, to_xslt

RULES = """<?xml version="1.0"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2" xmlns:u="utils">
  <ns prefix="t" uri="urn:test"/>
  <let name="limit" value="3"/>
  <function xmlns="http://www.w3.org/1999/XSL/Transform" name="u:double" as="xs:integer"
            xmlns:xs="http://www.w3.org/2001/XMLSchema">
    <param name="n" as="xs:integer"/>
    <sequence select="$n * 2"/>
  </function>
  <pattern id="first">
    <let name="count" value="count(//t:item)"/>
    <rule context="t:item[@special]">
      <assert id="SPECIAL" flag="warning" test="false()">special <value-of select="@id"/></assert>
    </rule>
    <rule context="t:item">
      <let name="twice" value="u:double(xs:integer(.))"/>
      <assert id="SMALL" flag="fatal" test="$twice &lt;= $limit * 2">item <name/> too large</assert>
    </rule>
  </pattern>
  <pattern id="second">
    <rule context="t:item">
      <report id="SEEN" flag="warning" test="$count &gt; 2">seen</report>
    </rule>
  </pattern>
</schema>
"""
DOCUMENT = """<t:list xmlns:t="urn:test"><t:item id="a">1</t:item><t:item id="b">5</t:item>
<t:item id="c" special="yes">9</t:item></t:list>"""


def _run(schematron: Path, document: str) -> list[tuple[str, str, str, str]]:
    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_text=to_xslt(schematron))
    output = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=document))
    assert output is not None
    return [(etree.QName(e).localname, e.get("id", ""), e.get("location", ""),
             e.findtext(f"{{{SVRL}}}text", "")) for e in etree.fromstring(output.encode())]


def test_rules_fire_in_document_order_with_first_match_per_pattern(tmp_path: Path) -> None:
    """Each pattern checks a node with its first matching rule only; reports fire when true."""
    path = tmp_path / "rules.sch"
    path.write_text(RULES)
    results = _run(path, DOCUMENT)
    assert [(kind, rule) for kind, rule, _, _ in results] == [
        ("failed-assert", "SMALL"), ("failed-assert", "SPECIAL"),
        ("successful-report", "SEEN"), ("successful-report", "SEEN"),
        ("successful-report", "SEEN")]


def test_messages_evaluate_name_and_value_of(tmp_path: Path) -> None:
    """``name`` and ``value-of`` in a message are evaluated at the failing node."""
    path = tmp_path / "rules.sch"
    path.write_text(RULES)
    texts = {rule: text for _, rule, _, text in _run(path, DOCUMENT)}
    assert texts["SMALL"] == "item t:item too large"
    assert texts["SPECIAL"] == "special c"


def test_locations_are_paths_with_positions(tmp_path: Path) -> None:
    """A failure's location is the element's path with its position among like siblings."""
    path = tmp_path / "rules.sch"
    path.write_text(RULES)
    locations = {rule: where for _, rule, where, _ in _run(path, DOCUMENT)}
    assert locations["SMALL"] == "/t:list[1]/t:item[2]"


def test_abstract_patterns_are_refused(tmp_path: Path) -> None:
    """A construct the translator does not handle is an error, not a silent skip."""
    path = tmp_path / "abstract.sch"
    path.write_text('<schema xmlns="http://purl.oclc.org/dsdl/schematron">'
                    '<pattern abstract="true" id="a"/></schema>')
    with pytest.raises(SchematronError, match="abstract"):
        to_xslt(path)
