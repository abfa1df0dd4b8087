"""The ``pipedrive`` source: a Pipedrive company's deals, with products, person and organization.

``deals(status=WON, updated_since=...)`` reads ``GET /api/v2/deals`` with
``status`` and ``updated_since``, sorted by update time, 500 a page, following
``next_cursor`` (NOTES §4, §5's recipe); for each deal its products
(``/deals/{id}/products``, every page), its person and organization (each read
once per source) and the field lists (read once) that name the custom fields.
A deal the answer lists under another status is not handed over. Deals come
one at a time, so a caller that stops early reads no more pages.

The source holds no customers or work orders: a deal becomes a customer and an
invoice through the deal mapping.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from ledgerlink.deals import Deal, DealParty, DealStatus
from ledgerlink.errors import ValidationError
from ledgerlink.http.connection import DEFAULT_STORE
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink.sources import BaseSource
from ledgerlink_pipedrive import settings
from ledgerlink_pipedrive.client import Credentials, PipedriveApi, open_api
from ledgerlink_pipedrive.countries import country_code
from ledgerlink_pipedrive.fieldnames import FieldNames
from ledgerlink_pipedrive.mapping import deal_from, organization_from, person_from

__all__ = ["PipedriveSource"]

#: The field lists read, by the record kind they name fields of.
FIELD_LISTS = {"deal": "/dealFields", "person": "/personFields",
               "organization": "/organizationFields"}


def _rfc3339(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValidationError("must be timezone-aware", field="updated_since", value=moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PipedriveSource(BaseSource):
    """Won deals (or deals of another status) from one Pipedrive company.

    Every option may be given as text, as ``-o key=value`` passes them.

    Args:
        api_token: the user's API token for the company (sent as ``x-api-token``).
        access_token: an OAuth access token instead (sent as ``Bearer``).
        company: the company whose token is saved in the store (``pipedrive:<company>``);
            needed when no token is given.
        client_id: the OAuth app's client id, to refresh a saved OAuth token.
        client_secret: the OAuth app's client secret.
        token_store: where tokens are saved; default: the journal store at ``store``.
        store: the journal store path used when ``token_store`` is not given.
        base_url: another API host (the emulator on 127.0.0.1); default Pipedrive's, or a
            saved OAuth token's ``api_domain``.
        default_country: the ISO code of an organization address that names no country.
        page_size: items per page (1 to 500).
        transport: an httpx transport (the emulator in-process).
        limiters: a private limiter registry (default: the process-wide one).
        sleep: how the burst window is waited out (a test's fake clock).
    """

    name = settings.PROVIDER

    def __init__(
        self, *, api_token: str | None = None, access_token: str | None = None,
        company: str | None = None, client_id: str | None = None,
        client_secret: str | None = None, token_store: TokenStore | None = None,
        store: str | os.PathLike[str] = DEFAULT_STORE, base_url: str | None = None,
        default_country: str | None = None, page_size: int | str = settings.MAX_PAGE_SIZE,
        transport: httpx.BaseTransport | None = None, limiters: LimiterRegistry | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        try:
            size = int(page_size)
        except ValueError:
            size = 0
        if not 1 <= size <= settings.MAX_PAGE_SIZE:
            raise ValidationError(f"must be a whole number from 1 to {settings.MAX_PAGE_SIZE}",
                                  field="page_size", value=page_size)
        self.default_country = None
        if default_country:
            self.default_country = country_code(default_country)
            if self.default_country is None:
                raise ValidationError("no country known by that name or code",
                                      field="default_country", value=default_country)
        self.api: PipedriveApi = open_api(
            company=company, credentials=Credentials(api_token=api_token,
                                                     access_token=access_token),
            base_url=base_url, token_store=token_store, store=store, client_id=client_id,
            client_secret=client_secret, transport=transport, limiters=limiters, sleep=sleep)
        self.api.page_size = size
        self._names: dict[str, FieldNames] = {}
        self._parties: dict[tuple[str, int], DealParty] = {}

    def __repr__(self) -> str:
        return f"PipedriveSource(account={self.api.http.account!r})"

    def field_names(self, kind: str) -> FieldNames:
        """The custom fields of ``kind`` (``deal``, ``person``, ``organization``), read once."""
        if kind not in self._names:
            self._names[kind] = FieldNames(self.api.pages(FIELD_LISTS[kind]))
        return self._names[kind]

    def _party(self, kind: str, record_id: object) -> DealParty | None:
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            return None
        key = (kind, record_id)
        if key not in self._parties:
            names = self.field_names(kind)
            if kind == "person":
                self._parties[key] = person_from(self.api.get(f"/persons/{record_id}"), names)
            else:
                self._parties[key] = organization_from(
                    self.api.get(f"/organizations/{record_id}"), names, self.default_country)
        return self._parties[key]

    def deal(self, record: Mapping[str, Any]) -> Deal:
        """One v2 deal record with its products and parties read, as a Deal."""
        products = list(self.api.pages(f"/deals/{record['id']}/products"))
        return deal_from(record, products, self.field_names("deal"),
                         person=self._party("person", record.get("person_id")),
                         organization=self._party("organization", record.get("org_id")))

    def deals(self, *, status: DealStatus = DealStatus.WON,
              updated_since: datetime | None = None) -> Iterator[Deal]:
        """The company's deals in ``status`` changed at or after ``updated_since``, oldest
        change first.

        Raises:
            AuthError: Pipedrive refused the token (its message kept).
            QuotaExhaustedError: the company's daily token budget is spent.
            ProviderError: any other refusal, Pipedrive's message kept.
            ValidationError: a record the deal types refuse (an unknown country...).
        """
        params = {"status": DealStatus(status).value, "sort_by": "update_time"}
        if updated_since is not None:
            params["updated_since"] = _rfc3339(updated_since)
        wanted = DealStatus(status)
        for record in self.api.pages("/deals", params):
            listed = "deleted" if record.get("is_deleted") else record.get("status")
            if listed != wanted.value:
                continue  # never hand over a deal of a status not asked for
            yield self.deal(record)

    def close(self) -> None:
        """Close the HTTP client and the store opened for the tokens."""
        self.api.close()
