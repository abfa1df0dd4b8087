"""``ledgerlink economic``: connect an e-conomic agreement from the command line.

``connect`` needs the app's secret token (``$LEDGERLINK_ECONOMIC_APP_SECRET`` or
asked without echo) and the agreement's grant: given (``--grant-token`` or
``$LEDGERLINK_ECONOMIC_GRANT``, for scripts), or by the installation-URL flow
(:mod:`.grant`): the consent URL is printed (``--installation-url``), the person
signed in to e-conomic grants access, and the grant comes back to a local
127.0.0.1 callback. Both tokens are checked with ``GET /self`` (which names the
agreement) and saved in the journal store under ``economic:<agreement number>``;
neither is ever printed. ``status`` says what the store holds and the day's
fair-use calls used and left (no network); ``disconnect`` forgets the tokens
(revoke the grant in e-conomic too). Every command takes ``--json``.
"""

from __future__ import annotations

import os
import time

import click
import httpx

from ledgerlink.cli import connect as kit
from ledgerlink.errors import AuthError
from ledgerlink.http.client import make_client
from ledgerlink.http.connection import DEFAULT_STORE
from ledgerlink.http.redact import KnownSecrets, redact_text
from ledgerlink.http.token_header import TOKEN_FIELD
from ledgerlink_economic import settings
from ledgerlink_economic.connection import Tokens, load_usage, token_key
from ledgerlink_economic.faults import parse_fault
from ledgerlink_economic.grant import consent_url, receive_grant

__all__ = ["APP_SECRET_ENV", "GRANT_ENV", "check_tokens", "economic"]

APP_SECRET_ENV = "LEDGERLINK_ECONOMIC_APP_SECRET"
GRANT_ENV = "LEDGERLINK_ECONOMIC_GRANT"
INSTALLATION_URL_ENV = "LEDGERLINK_ECONOMIC_INSTALLATION_URL"

store_option = click.option("--store", default=DEFAULT_STORE, show_default=True,
                            help="The journal store the tokens are kept in.")
agreement_option = click.option("--agreement", required=True,
                                help="The agreement number, as connect printed it.")


def check_tokens(tokens: Tokens, base_url: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> tuple[int, str]:
    """The agreement the tokens reach (number, company name), from ``GET /self``;
    AuthError if e-conomic refuses them."""
    secrets = KnownSecrets(tokens.app_secret, tokens.grant)
    with make_client((base_url or settings.API_ORIGIN).rstrip("/"), transport=transport,
                     headers={settings.APP_SECRET_HEADER: tokens.app_secret,
                              settings.GRANT_HEADER: tokens.grant}) as client:
        try:
            response = client.get("/self")
        except httpx.TransportError as exc:
            raise AuthError(f"e-conomic is unreachable ({type(exc).__name__}); nothing was "
                            "saved", provider=settings.PROVIDER) from exc
    fault = parse_fault(response)
    if fault is not None or not response.is_success:
        said = secrets.scrub(redact_text(fault.message if fault else response.reason_phrase))
        raise AuthError(f"e-conomic refused the tokens: {said}; nothing was saved",
                        provider=settings.PROVIDER, status=response.status_code)
    try:
        body = response.json()
        number = int(body["agreementNumber"])
        name = str((body.get("company") or {}).get("name") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AuthError("e-conomic answered no agreement number; nothing was saved",
                        provider=settings.PROVIDER) from None
    return number, name


@click.group("economic")
def economic() -> None:
    """Connect e-conomic agreements (the installation-URL grant); tokens live in the store."""


@economic.command()
@click.option("--installation-url", envvar=INSTALLATION_URL_ENV, default=None,
              help="The app's installation URL (from e-conomic's developer site).")
@click.option("--grant-token", default=None,
              help=f"The agreement's grant, for scripts (or ${GRANT_ENV}); skips the browser.")
@click.option("--port", default=0, show_default=True, help="The local callback's port.")
@click.option("--wait", default=300.0, show_default=True,
              help="Seconds to wait for the grant to come back.")
@click.option("--base-url", default=None, help="Another API host (an emulator).")
@store_option
@kit.json_option
def connect(installation_url: str | None, grant_token: str | None, port: int, wait: float,
            base_url: str | None, store: str, as_json: bool) -> None:
    """Get the agreement's grant, check both tokens with e-conomic and save them."""
    app_secret = os.environ.get(APP_SECRET_ENV) or click.prompt(
        "The app's secret token (X-AppSecretToken)", hide_input=True, err=True)
    grant = grant_token or os.environ.get(GRANT_ENV)
    with kit.refusals(as_json):
        if not grant:
            if not installation_url:
                raise click.UsageError("--installation-url (or $LEDGERLINK_ECONOMIC_"
                                       "INSTALLATION_URL) or --grant-token is needed")
            url = installation_url

            def show(callback: str) -> None:
                click.echo("Open this address, sign in to e-conomic and grant access:\n"
                           f"{consent_url(url, callback)}", err=True)

            grant = receive_grant(port=port, timeout=wait, ready=show)
        tokens = Tokens(str(app_secret).strip(), grant.strip())
        number, name = check_tokens(tokens, base_url)
        with kit.journal(store) as opened:
            opened.save_token(token_key(str(number)), {
                **tokens.document(), "agreement_name": name, "connected_at": time.time()})
    where = kit.display_store(store)
    kit.say(as_json, {"agreement": str(number), "agreement_name": name, "connected": True,
                  "store": where},
        f"Connected e-conomic agreement {number} ({name}); tokens saved in {where}.\n"
        f"Use it with: ledgerlink run --connector economic -o agreement={number} "
        f"--store {where} ...")


@economic.command()
@agreement_option
@store_option
@kit.json_option
def status(agreement: str, store: str, as_json: bool) -> None:
    """Say whether an agreement is connected and how much of today's fair-use budget this
    store's runs used (no network, no token shown). Exits 1 when not connected."""
    with kit.refusals(as_json):
        kit.require_store(store)
        with kit.journal(store) as opened:
            stored = dict(opened.load_token(token_key(agreement)) or {})
            usage = load_usage(opened, agreement)
    where = kit.display_store(store)
    if not stored.get(TOKEN_FIELD):
        kit.say(as_json, {"agreement": agreement, "connected": False, "store": where},
            f"e-conomic agreement {agreement}: not connected in {where}.")
        raise SystemExit(kit.EXIT_REFUSED)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    used = usage[1] if usage is not None and usage[0] == today else 0
    left = settings.FAIR_USE_PER_DAY - used
    kit.say(as_json, {"agreement": agreement, "agreement_name": stored.get("agreement_name"),
                  "connected": True, "store": where, "calls_today": used,
                  "calls_left_today": left, "fair_use_per_day": settings.FAIR_USE_PER_DAY},
        f"e-conomic agreement {agreement} ({stored.get('agreement_name')}): connected in "
        f"{where}.\nFair use today (UTC): {used} calls used, {left} of "
        f"{settings.FAIR_USE_PER_DAY} left (runs stop {settings.FAIR_USE_RESERVE} short).")


@economic.command(help="Forget an agreement's tokens in the journal store. The grant stays "
                       "valid until it is revoked in e-conomic (the app's access under the "
                       "agreement's settings). Asks first, or --yes.")
@agreement_option
@store_option
@kit.yes_option
@kit.json_option
def disconnect(agreement: str, store: str, yes: bool, as_json: bool) -> None:
    where, key = kit.display_store(store), token_key(agreement)
    with kit.refusals(as_json):
        kit.require_store(store)
        with kit.journal(store) as opened:
            if not (opened.load_token(key) or {}).get(TOKEN_FIELD):
                raise AuthError(f"no e-conomic agreement {agreement} is connected in {where}",
                                provider=settings.PROVIDER)
            kit.confirm(f"disconnect e-conomic agreement {agreement}", yes=yes, as_json=as_json,
                    detail=f"Its tokens are removed from {where}.")
            kit.forget_token(opened, key)
    kit.say(as_json, {"agreement": agreement, "disconnected": True, "revoked": False,
                  "store": where},
        f"Disconnected e-conomic agreement {agreement}; its tokens are removed from {where} "
        "(revoke the grant in e-conomic to end the app's access).")
