"""Internal: ISO Schematron (``queryBinding="xslt2"``) translated into one XSLT 3.0 stylesheet.

The PEPPOL and CEN rule files are Schematron; an XSLT 3 engine (saxonche) runs
them once they are a stylesheet. The translation follows the usual skeleton:

- each ``pattern`` becomes a mode that walks the document's elements;
- each ``rule`` becomes a template of that mode matching the rule's
  ``context``, with a priority that falls with the rule's position, so within
  a pattern a node is checked by the first rule that matches it (the
  Schematron rule);
- each ``assert`` that fails (and each ``report`` that fires) writes a
  ``svrl:failed-assert`` / ``svrl:successful-report`` element with the
  assertion's ``id``, ``flag``, the node's location and the message;
- ``let`` becomes ``xsl:variable``: global for the schema's and the
  patterns' lets (they are evaluated against the document), local for a
  rule's;
- ``xsl:function`` elements are copied through;
- phases are ignored: every pattern runs (the rule files set no default phase,
  which means all of them).

Abstract patterns and ``include`` are not used by the rule files and are
refused with a clear error rather than half-supported.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from lxml import etree

__all__ = ["SVRL", "SchematronError", "to_xslt"]

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
#: Namespace of the helper function the stylesheet defines for locations.
_LOCAL = "urn:ledgerlink:schematron"
_XS = "http://www.w3.org/2001/XMLSchema"

_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"
_R = f"{{{SVRL}}}"


class SchematronError(ValueError):
    """A Schematron file uses a construct the translator does not handle."""


def to_xslt(schematron: Path) -> str:
    """The XSLT 3.0 stylesheet text that checks documents against ``schematron``."""
    schema = etree.parse(str(schematron)).getroot()
    if schema.tag != f"{_S}schema":
        raise SchematronError(f"{schematron}: the root element is not a Schematron schema")
    for unsupported in ("include", "extends"):
        if schema.find(f".//{_S}{unsupported}") is not None:
            raise SchematronError(f"{schematron}: sch:{unsupported} is not supported")
    if schema.find(f"{_S}pattern[@abstract='true']") is not None:
        raise SchematronError(f"{schematron}: abstract patterns are not supported")

    namespaces: dict[str | None, str] = {
        str(ns.get("prefix")): str(ns.get("uri")) for ns in schema.iterfind(f"{_S}ns")}
    namespaces.update({p: u for p, u in schema.nsmap.items() if p and u not in (SCH, XSL)})
    nsmap: dict[str | None, str] = {"xsl": XSL, "svrl": SVRL, "ll": _LOCAL, "xs": _XS,
                                    **namespaces}
    sheet = etree.Element(f"{_X}stylesheet", nsmap=nsmap, version="3.0")
    sheet.set("exclude-result-prefixes", "#all")
    etree.SubElement(sheet, f"{_X}output", method="xml", indent="no")
    sheet.append(_location_function())

    for function in schema.iterfind(f"{_X}function"):
        sheet.append(copy.deepcopy(function))
    for let in schema.iterfind(f"{_S}let"):
        sheet.append(_variable(let))
    patterns = list(schema.iterfind(f"{_S}pattern"))
    for pattern in patterns:
        for let in pattern.iterfind(f"{_S}let"):
            sheet.append(_variable(let))

    root = etree.SubElement(sheet, f"{_X}template", match="/")
    output = etree.SubElement(root, f"{_R}schematron-output")
    for index, pattern in enumerate(patterns):
        mode = f"pattern{index}"
        etree.SubElement(output, f"{_X}apply-templates", select="/", mode=mode)
        _translate_pattern(sheet, pattern, mode)
    return etree.tostring(sheet, encoding="unicode")


def _translate_pattern(sheet: etree._Element, pattern: etree._Element, mode: str) -> None:
    rules = list(pattern.iterfind(f"{_S}rule"))
    for position, rule in enumerate(rules):
        context = rule.get("context")
        if not context:
            raise SchematronError(f"a rule of pattern {pattern.get('id')!r} has no context")
        # Earlier rules win: highest priority first, all above the walker's.
        template = etree.SubElement(sheet, f"{_X}template", match=" ".join(context.split()),
                                    mode=mode, priority=str(len(rules) - position))
        for let in rule.iterfind(f"{_S}let"):
            template.append(_variable(let))
        for check in rule:
            if check.tag in (f"{_S}assert", f"{_S}report"):
                template.append(_check(check, rule))
        etree.SubElement(template, f"{_X}apply-templates", select="*", mode=mode)
    # Nodes no rule matches: keep walking down.
    walker = etree.SubElement(sheet, f"{_X}template", match="document-node() | *", mode=mode,
                              priority="-1")
    etree.SubElement(walker, f"{_X}apply-templates", select="*", mode=mode)


def _variable(let: etree._Element) -> etree._Element:
    value = let.get("value")
    if value is None:
        raise SchematronError(f"let {let.get('name')!r} has no value attribute")
    return etree.Element(f"{_X}variable", name=str(let.get("name")), select=value)


def _check(check: etree._Element, rule: etree._Element) -> etree._Element:
    test = " ".join(str(check.get("test", "")).split())
    is_assert = check.tag == f"{_S}assert"
    condition = etree.Element(f"{_X}if", test=f"not({test})" if is_assert else test)
    result = etree.SubElement(
        condition, f"{_R}failed-assert" if is_assert else f"{_R}successful-report")
    result.set("id", check.get("id", ""))
    result.set("flag", check.get("flag") or rule.get("flag") or "fatal")
    result.set("location", "{ll:location(.)}")
    text = etree.SubElement(result, f"{_R}text")
    _copy_message(check, text)
    return condition


def _copy_message(check: etree._Element, text: etree._Element) -> None:
    """The assertion's text, with ``name`` and ``value-of`` evaluated where it fires."""
    parts: list[str | etree._Element] = [check.text or ""]
    for child in check:
        if child.tag == f"{_S}name":
            parts.append(etree.Element(f"{_X}value-of",
                                       select=f"name({child.get('path', '.')})"))
        elif child.tag == f"{_S}value-of":
            parts.append(etree.Element(f"{_X}value-of", select=str(child.get("select"))))
        else:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    for part in parts:
        if isinstance(part, str):
            # Runs of white space become one space; the reader trims the ends.
            if part:
                etree.SubElement(text, f"{_X}text").text = re.sub(r"\s+", " ", part)
        else:
            text.append(part)


def _location_function() -> etree._Element:
    """``ll:location($node)``: the node's path, e.g. ``/Invoice/cac:Party[1]/cbc:ID[2]``."""
    function = etree.Element(f"{_X}function", {"name": "ll:location", "as": "xs:string"})
    etree.SubElement(function, f"{_X}param", {"name": "node", "as": "node()"})
    steps = ("for $n in $node/ancestor-or-self::* return concat('/', name($n), '[', "
             "count($n/preceding-sibling::*[node-name(.) = node-name($n)]) + 1, ']')")
    attribute = "if ($node instance of attribute()) then concat('/@', name($node)) else ''"
    etree.SubElement(function, f"{_X}sequence",
                     select=f"concat(string-join(({steps}), ''), {attribute})")
    return function
