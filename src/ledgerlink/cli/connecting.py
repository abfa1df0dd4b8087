"""Internal: opening the connector a command names: ``--connector`` and its ``-o KEY=VALUE``.

The plugin host is looked up on :mod:`ledgerlink.plugins` at call time, so
tests can replace it there.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ledgerlink import plugins
from ledgerlink.errors import ValidationError

if TYPE_CHECKING:
    from ledgerlink.connector import Connector

__all__ = ["SANDBOX_BOOK", "connect", "connector_options", "parse_options"]

#: The sandbox book the commands use when ``-o path=`` does not name one.
SANDBOX_BOOK = "ledgerlink-sandbox.db"


def parse_options(pairs: Sequence[str]) -> dict[str, str]:
    """The ``-o KEY=VALUE`` pairs as a dict (dashes in keys become underscores)."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError("connector options are KEY=VALUE", field="--option", value=pair)
        options[key.replace("-", "_")] = value
    return options


def connector_options(name: str, pairs: Sequence[str], store: str) -> dict[str, Any]:
    """The ``-o`` options with the command line's defaults, checked against the factory.

    ConnectorOptionError (bad input) names an unknown or missing option and
    lists the accepted ones.
    """
    options: dict[str, Any] = dict(parse_options(pairs))
    if name == "sandbox":
        options.setdefault("path", SANDBOX_BOOK)
    info = plugins.get_plugin_manager().connectors().get(name)
    if "store" in info.options.accepted:
        # Connectors that keep OAuth tokens keep them in the journal the run uses.
        options.setdefault("store", store)
    info.options.check(name, options)
    return _typed(info.factory, options, given=set(parse_options(pairs)))


#: Option types a command-line string is converted to, by the factory's annotation.
_SCALARS: dict[Any, Callable[[str], Any]] = {int: int, float: float}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _typed(factory: Callable[..., Any], options: dict[str, Any], *,
           given: set[str]) -> dict[str, Any]:
    """Convert the ``-o`` strings whose parameter is annotated int, float or bool (alone
    or with None); a value that does not convert is bad input naming the option."""
    target = factory.__init__ if isinstance(factory, type) else factory  # type: ignore[misc]
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # annotations this process cannot resolve: pass the strings on
        return options
    for key in given & set(options):
        kinds = [k for k in typing.get_args(hints.get(key)) or (hints.get(key),)
                 if k is not type(None)]
        if len(kinds) != 1 or not isinstance(options[key], str):
            continue  # not annotated, or str among the choices: the factory parses it
        text, kind = options[key].strip(), kinds[0]
        try:
            if kind is bool:
                if text.lower() not in _TRUE | _FALSE:
                    raise ValueError(text)
                options[key] = text.lower() in _TRUE
            elif kind in _SCALARS:
                options[key] = _SCALARS[kind](text)
        except ValueError:
            raise ValidationError(f"must be {'true or false' if kind is bool else 'a number'}",
                                  field=f"-o {key}", value=options[key]) from None
    return options


def connect(name: str, pairs: Sequence[str], store: str) -> Connector:
    """Open the connector ``name`` with the ``-o`` options, through ``api.connect``."""
    from ledgerlink import api

    return api.connect(name, **connector_options(name, pairs, store))
