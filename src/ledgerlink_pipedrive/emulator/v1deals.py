"""Deals as v1 answers them (read only): ``GET /v1/deals`` and ``GET /v1/deals/{id}``.

v1 differs from v2 (NOTES §5, ``deal.v1.nested.prismatic.json``): ``user_id``
and ``creator_user_id`` are user objects, ``person_id`` and ``org_id`` objects
with the id in ``value``; times are ``YYYY-MM-DD HH:MM:SS`` in UTC; custom
fields are top-level keys (their 40-hex codes). The list takes ``status``
(``open|won|lost|deleted|all_not_deleted``, the default), ``user_id``,
``sort`` (``"field ASC"``; one field of ``id, add_time, update_time, title``
here) and ``start``/``limit``. The user's name and e-mail, an organization's
``cc_email`` and the keys past the example's cut (``active`` on, ``status``,
``deleted``, ``won_time``...) are inferred.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ledgerlink.emulation import EmuResponse
from ledgerlink_pipedrive.emulator.paging import offset_page
from ledgerlink_pipedrive.emulator.records import Call, custom_values, find
from ledgerlink_pipedrive.emulator.state import Company
from ledgerlink_pipedrive.emulator.wire import PipedriveError, list_v1, single, v1_time

__all__ = ["v1_deal", "v1_deal_routes"]

#: What ``status`` may be on v1; ``all_not_deleted`` is the default.
V1_STATUSES = ("open", "won", "lost", "deleted", "all_not_deleted")
#: Fields ``sort`` may name here.
V1_SORTS = ("id", "add_time", "update_time", "title")
#: v2 keys copied as they are; the times among them are rewritten in v1's form.
PLAIN = ("stage_id", "title", "value", "currency", "add_time", "update_time",
         "stage_change_time", "status", "probability", "lost_reason", "close_time",
         "pipeline_id", "won_time", "lost_time", "expected_close_date", "label_ids")
TIMES = ("add_time", "update_time", "stage_change_time", "close_time", "won_time", "lost_time")


def _user(company: Company) -> dict[str, Any]:
    return {"id": company.user_id, "name": f"{company.name} Admin",
            "email": f"admin@{company.domain}.example", "has_pic": 0, "pic_hash": None,
            "active_flag": True, "value": company.user_id}


def _v1_time(text: str | None) -> str | None:
    return None if text is None else v1_time(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _person(company: Company, person_id: int | None) -> dict[str, Any] | None:
    person = company.tables["persons"].get(person_id) if person_id is not None else None
    if person is None:
        return None
    return {"active_flag": not person["is_deleted"], "name": person["name"],
            "email": person["emails"], "phone": person["phones"],
            "owner_id": person["owner_id"], "value": person["id"]}


def _organization(company: Company, org_id: int | None) -> dict[str, Any] | None:
    org = company.tables["organizations"].get(org_id) if org_id is not None else None
    if org is None:
        return None
    people = sum(1 for person in company.tables["persons"].values()
                 if person["org_id"] == org["id"])
    return {"name": org["name"], "people_count": people, "owner_id": org["owner_id"],
            "address": org["address"]["value"], "active_flag": not org["is_deleted"],
            "cc_email": f"{company.domain}@pipedrivemail.com", "label_ids": org["label_ids"],
            "owner_name": _user(company)["name"], "value": org["id"]}


def v1_deal(company: Company, deal: Mapping[str, Any]) -> dict[str, Any]:
    """A stored deal as v1 answers it."""
    user = _user(company)
    answer: dict[str, Any] = {
        "id": deal["id"], "creator_user_id": user, "user_id": user,
        "person_id": _person(company, deal["person_id"]),
        "org_id": _organization(company, deal["org_id"])}
    answer.update({key: _v1_time(deal[key]) if key in TIMES else deal[key] for key in PLAIN})
    answer.update(active=deal["status"] == "open" and not deal["is_deleted"],
                  deleted=deal["is_deleted"], visible_to=str(deal["visible_to"]),
                  products_count=sum(1 for item in company.tables["deal_products"].values()
                                     if item["deal_id"] == deal["id"]))
    answer.update(custom_values(company, "dealFields", deal["custom_fields"]))
    return answer


def _wanted(status: str) -> Callable[[Mapping[str, Any]], bool]:
    if status not in V1_STATUSES:
        raise PipedriveError(400, "Validation failed: status: must be one of "
                                  + ", ".join(V1_STATUSES))
    if status == "deleted":
        return lambda deal: bool(deal["is_deleted"])
    if status == "all_not_deleted":
        return lambda deal: not deal["is_deleted"]
    return lambda deal: not deal["is_deleted"] and deal["status"] == status


def listing(call: Call) -> EmuResponse:
    """``GET /v1/deals``: filtered, sorted by one field, ``start`` and ``limit`` at a time."""
    query = call.request.query
    wanted = _wanted(query.get("status", "all_not_deleted"))
    field, _, direction = query.get("sort", "id ASC").strip().partition(" ")
    if field not in V1_SORTS or direction.strip().upper() not in ("", "ASC", "DESC"):
        raise PipedriveError(400, "Validation failed: sort: one of " + ", ".join(V1_SORTS)
                                  + " with ASC or DESC")
    user = query.get("user_id")
    deals = [deal for deal in call.company.tables["deals"].values() if wanted(deal)
             and (user is None or str(deal["owner_id"]) == user)]
    deals.sort(key=lambda deal: (deal[field], deal["id"]),
               reverse=direction.strip().upper() == "DESC")
    items, start, limit, more = offset_page(deals, query)
    return list_v1([v1_deal(call.company, deal) for deal in items], start, limit, more)


def get(call: Call) -> EmuResponse:
    """``GET /v1/deals/{id}``."""
    return single(v1_deal(call.company, find(call.company, "deals", call.number(), "Deal")))


def v1_deal_routes() -> list[tuple[str, str, Callable[[Call], EmuResponse], bool]]:
    """Method, path template under a v1 root, handler and whether it writes."""
    return [("GET", "/deals", listing, False), ("GET", "/deals/{id}", get, False)]
