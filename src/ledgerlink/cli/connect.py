"""Pieces the connectors' ``connect|disconnect|status`` commands share.

An OAuth authorization-code connection from a terminal goes the same way for
every provider: print the consent URL, keep the ``state`` sent in the journal
store (so a second, non-interactive invocation can finish), take the URL the
browser was sent back to, check its ``state`` once, exchange the code. What
differs (which token key, what the callback carries besides the code, whether
the provider can revoke) stays in each connector's ``cli`` module.

Nothing here prints a secret: refusals pass through
:func:`~ledgerlink.http.redact.redact_text` and a store URL's password is
masked by :func:`display_store`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs
import click

from ledgerlink.cli.exits import EXIT_BAD_INPUT
from ledgerlink.errors import AuthError, LedgerlinkError, ValidationError
from ledgerlink.http.connection import DEFAULT_STORE
from ledgerlink.http.redact import redact_text
from ledgerlink.store import Store

__all__ = [
    "EXIT_REFUSED",
    "PENDING_TTL",
    "OAuthOptions",
    "Pending",
    "ask_redirect",
    "callback_url",
    "consume_pending",
    "display_store",
    "forget_token",
    "journal",
    "load_pending",
    "oauth_options",
    "refusals",
    "require_store",
    "save_pending",
    "say",
    "token_facts",
    "token_lifetime_lines",
    "token_status",
]

#: Seconds a started authorization may be finished in (authorization codes live minutes).
PENDING_TTL = 3600.0
#: Exit status when the provider or the store refused (as ``ledgerlink run`` uses 1).
EXIT_REFUSED = 1

F = TypeVar("F", bound=Callable[..., Any])
Option = Callable[[F], F]


@attrs.frozen
class OAuthOptions:
    """The click options every ``connect|disconnect|status`` group takes, for one provider.

    Attributes:
        client_id: ``--client-id`` (also from ``<PREFIX>_CLIENT_ID``).
        client_secret: ``--client-secret`` (environment, or asked for hidden).
        redirect_uri: ``--redirect-uri`` (also from ``<PREFIX>_REDIRECT_URI``).
        base_url: ``--base-url``, another host (an emulator).
        store: ``--store``, the journal store keeping the tokens.
        redirect_url: ``--redirect-url``, finishing a started connection.
        open_browser: ``--open``, opening the consent page.
    """

    client_id: Option[Any]
    client_secret: Option[Any]
    redirect_uri: Option[Any]
    base_url: Option[Any]
    store: Option[Any]
    redirect_url: Option[Any]
    open_browser: Option[Any]


def oauth_options(env_prefix: str, *, client_id_help: str, client_secret_help: str,
                  base_url_help: str) -> OAuthOptions:
    """The provider's option decorators; variables are ``{env_prefix}_CLIENT_ID`` and so on."""
    return OAuthOptions(
        client_id=click.option("--client-id", envvar=f"{env_prefix}_CLIENT_ID", required=True,
                               show_envvar=True, help=client_id_help),
        client_secret=click.option(
            "--client-secret", envvar=f"{env_prefix}_CLIENT_SECRET", required=True,
            show_envvar=True, prompt="Client secret", hide_input=True,
            help=f"{client_secret_help}; prefer the environment variable (a command line is "
                 "visible to other users). Asked for, hidden, when missing."),
        redirect_uri=click.option(
            "--redirect-uri", envvar=f"{env_prefix}_REDIRECT_URI", show_envvar=True,
            help="The redirect URI registered for the app (needed to start)."),
        base_url=click.option("--base-url", help=base_url_help),
        store=click.option("--store", default=DEFAULT_STORE, show_default=True,
                           help="Journal store (SQLite path or SQLAlchemy URL); it keeps "
                                "the tokens."),
        redirect_url=click.option(
            "--redirect-url",
            help="Finish a started connection with the URL the browser was sent back to."),
        open_browser=click.option("--open", "open_browser", is_flag=True,
                                  help="Open the consent page in a browser."),
    )


def display_store(target: str) -> str:
    """``target`` as it may be printed: a database URL's password is masked."""
    if "://" not in target:
        return target
    from sqlalchemy.engine import make_url

    return make_url(target).render_as_string(hide_password=True)


@contextmanager
def refusals(as_json: bool = False) -> Iterator[None]:
    """Print a refusal (the provider's words kept, secrets masked) and exit non-zero.

    With ``as_json`` the refusal is one JSON error object on stdout, as the core
    commands print it (:func:`ledgerlink.cli.errors.error_json`), every text in
    it masked. Bad input (a missing ``--yes``) exits 2, other refusals 1.
    """
    try:
        yield
    except LedgerlinkError as err:
        status = EXIT_BAD_INPUT if isinstance(err, ValidationError) else EXIT_REFUSED
        if as_json:
            from ledgerlink.cli.errors import error_json

            body = error_json(err, status)["error"]
            click.echo(json.dumps({"error": {key: redact_text(value) if isinstance(value, str)
                                             else value for key, value in body.items()}},
                                  indent=2, sort_keys=True, default=str))
        else:
            click.echo(f"error: {redact_text(str(err))}", err=True)
        raise SystemExit(status) from None


def require_store(store: str) -> None:
    """Refuse a journal path that does not exist (opening it would create an empty one)."""
    if "://" not in store and not os.path.exists(store):
        raise LedgerlinkError(f"no journal store at {store}")


def say(as_json: bool, document: Mapping[str, Any], text: str) -> None:
    """What a provider command says when it succeeds: ``document`` under --json, else ``text``."""
    if as_json:
        click.echo(json.dumps(document, indent=2, sort_keys=True, default=str))
    else:
        click.echo(text)


@contextmanager
def journal(path: str) -> Iterator[Store]:
    """The journal store at ``path``, closed afterwards."""
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


@attrs.frozen
class Pending:
    """A started authorization waiting for its callback.

    Attributes:
        state: the ``state`` sent with the consent URL.
        redirect_uri: the redirect URI sent (the code exchange must repeat it).
    """

    state: str
    redirect_uri: str


def save_pending(store: Store, key: str, *, state: str, redirect_uri: str,
                 clock: float | None = None) -> None:
    """Keep a started authorization's ``state`` under ``key`` until its callback arrives."""
    store.save_token(key, {"state": state, "redirect_uri": redirect_uri,
                           "started_at": time.time() if clock is None else clock})


def load_pending(store: Store, key: str, *, provider: str, start_hint: str,
                 now: float | None = None) -> Pending:
    """The authorization started under ``key``; AuthError when none is waiting or it is stale.

    ``start_hint`` names the command that starts one (``ledgerlink dinero connect``).
    """
    document = store.load_token(key) or {}
    state = document.get("state")
    moment = time.time() if now is None else now
    if not state or moment - float(document.get("started_at", 0)) > PENDING_TTL:
        raise AuthError(f"no connection was started with this client id and store (or it is "
                        f"over an hour old); run `{start_hint}` without --redirect-url first",
                        provider=provider)
    return Pending(str(state), str(document.get("redirect_uri") or ""))


def consume_pending(store: Store, key: str) -> None:
    """Forget the started authorization: the code is single-use, a replay must be refused."""
    store.save_token(key, {"state": None})


def callback_url(pasted: str, redirect_uri: str) -> str:
    """What the user pasted, as a URL whose query holds the callback's parameters.

    A pasted form body (``code=…&state=…``, what a ``response_mode=form_post``
    callback carries) is put on ``redirect_uri`` as its query.
    """
    text = pasted.strip()
    if "://" in text or "?" in text:
        return text
    return f"{redirect_uri or 'https://callback.invalid/'}?{text.lstrip('&')}"


def ask_redirect(finish_hint: str) -> str:
    """The redirect URL the user pastes; without one, say how to finish later and exit 1.

    ``finish_hint`` is the command that finishes (without ``--redirect-url``).
    """
    try:
        return str(click.prompt("Paste the URL your browser was sent to",
                                prompt_suffix=":\n", type=str))
    except click.Abort:
        click.echo(f"\nNot connected yet. Finish with: {finish_hint} --redirect-url 'URL'",
                   err=True)
        raise SystemExit(EXIT_REFUSED) from None


def forget_token(store: Store, key: str) -> None:
    """Remove the token under ``key``.

    The journal store has no delete yet, so the document is replaced by one
    without secrets that no connector can use (its access token is empty and
    expired, and there is no refresh token: the connector asks to reconnect).
    """
    delete = getattr(store, "delete_token", None)
    if callable(delete):
        delete(key)
        return
    store.save_token(key, {"access_token": "", "refresh_token": None, "expires_at": 0.0,
                           "disconnected_at": time.time()})


def token_facts(stored: Mapping[str, Any] | None, now: float) -> dict[str, Any]:
    """What ``status --json`` says of a stored token document, without any secret."""
    stored = stored or {}
    expires_at = stored.get("expires_at")
    return {"connected": bool(stored.get("refresh_token")),
            "access_token_expires_at": expires_at,
            "access_token_valid": expires_at is not None and float(expires_at) > now,
            "scope": stored.get("scope")}


def token_status(store: str, key: str, *, as_json: bool, ids: Mapping[str, str],
                 name: str) -> Mapping[str, Any] | None:
    """The token document under ``key``, for a ``status`` command to describe.

    None when everything is said already: under ``--json`` the
    :func:`token_facts` (with ``ids``) are printed, and a ``name`` not
    connected is said and exits 1.
    """
    with refusals(as_json):
        require_store(store)
        with journal(store) as opened:
            stored = opened.load_token(key)
    facts = {**ids, "store": display_store(store), **token_facts(stored, time.time())}
    if as_json or not stored or not facts["connected"]:
        say(as_json, facts, f"{name}: not connected in {display_store(store)}.")
        if not facts["connected"]:
            raise SystemExit(EXIT_REFUSED)
        return None
    return stored


def token_lifetime_lines(stored: Mapping[str, Any], now: float) -> list[str]:
    """What a stored token document says about its lifetime, without any secret."""
    lines = []
    expires_at = stored.get("expires_at")
    if expires_at is not None:
        left = float(expires_at) - now
        lines.append("  access token: " + (f"valid for {int(left // 60)} more minutes"
                                           if left > 0 else "expired (refreshed on next use)"))
    return lines
