"""A Griffe extension that lets the API reference read ledgerlink's docstrings.

The docstrings are written for people reading the source and ``help()``: they
name code with Sphinx roles (``:class:`~ledgerlink.store.Store```) and end a
paragraph with ``::`` before an indented example. Markdown knows neither, so
the generated pages would show the markup. This extension rewrites each
docstring as it is loaded: a role becomes a code span of its target (the last
component with ``~``, the title of ``title <target>``), and ``::`` becomes ``:``
(the indented block after it is already a code block in Markdown).

It also shows a parameter's default by value where the code names a constant
(``batch_size=DEFAULT_BATCH_SIZE`` is shown as ``batch_size=1024``), so the
reader sees the number without looking the constant up. The source is not
changed.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import ExprName, Extension, Function, GriffeLoader, Object

#: ``:class:`target```, ``:func:`~a.b```, ``:meth:`title <a.b>``` and the like.
_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const|ref):`([^`]+)`")
#: A paragraph ending in ``::`` (a literal block follows), or a line of ``::`` alone.
_LITERAL = re.compile(r"(?m)(?<=\S)::$|^\s*::\s*$")


def _code_span(match: re.Match[str]) -> str:
    target = match[1].strip()
    titled = re.fullmatch(r"(.+?)\s*<(.+)>", target)
    if titled:
        return f"`{titled[1]}`"
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return f"`{target.lstrip('.')}`"


def markdown_docstring(text: str) -> str:
    """The docstring ``text`` with Sphinx roles and ``::`` made Markdown."""
    return _LITERAL.sub(":", _ROLE.sub(_code_span, text))


def _show_constant_defaults(function: Function, loader: GriffeLoader) -> None:
    for parameter in function.parameters:
        if not isinstance(parameter.default, ExprName):
            continue
        try:
            constant = loader.modules_collection[parameter.default.canonical_path]
            value = constant.final_target.value if constant.is_alias else constant.value
        except Exception:  # not a constant griffe loaded (a class, another package): keep the name
            continue
        if value is not None and constant.is_attribute:
            parameter.default = value


class SphinxRoles(Extension):
    """Rewrite every loaded docstring with :func:`markdown_docstring`, and show
    constant defaults by value."""

    def on_object(self, *, obj: Object, loader: GriffeLoader, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
        if isinstance(obj, Function):
            _show_constant_defaults(obj, loader)
