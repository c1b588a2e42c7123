"""Where a pasted identifier can live in the Fleet source (account emails are encrypted: never searchable)."""

from __future__ import annotations

import uuid

from django.db import connections

from backoffice.find import Finder, Hit, admin_url
from backoffice.search import TEXT, UUID
from monitoring.fleet.models import Account, Content, Device, Distribution, Platform

MODELS_BY_ID = {"device": Device, "account": Account, "content": Content, "distribution": Distribution}


def accounts_by_username(term: str) -> list[Hit]:
    # The service's unique key is (platform, username): naming every platform lets it serve the lookup.
    names = sorted({term.lstrip("@"), term.lstrip("@").lower()})
    accounts = Account.objects.filter(platform__in=Platform.values, username__in=names).only(
        "id", "platform", "username", "current_state", "last_activity_at", "deleted_at"
    )
    return [
        Hit(
            f"{a.platform} @{a.username}",
            admin_url(Account, a.pk),
            a.current_state,
            a.last_activity_at,
            "deleted" if a.deleted_at else "",
        )
        for a in accounts[:20]
    ]


def devices_by_udid(term: str) -> list[Hit]:
    devices = Device.objects.filter(udid__in=sorted({term, term.upper(), term.lower()})).only(
        "id", "name", "udid", "status", "connected_since"
    )
    return [Hit(d.name or d.udid, admin_url(Device, d.pk), d.status, d.connected_since, d.udid) for d in devices]


def by_id(term: str) -> list[Hit]:
    sql = " UNION ALL ".join(
        f"SELECT '{name}', id, created_at FROM {model._meta.db_table} WHERE id = %(key)s"
        for name, model in MODELS_BY_ID.items()
    )
    with connections["fleet"].cursor() as cursor:
        cursor.execute(sql, {"key": str(uuid.UUID(term))})
        rows = cursor.fetchall()
    return [Hit(f"{name} {pk}", admin_url(MODELS_BY_ID[name], pk), None, created_at) for name, pk, created_at in rows]


FINDERS = [
    Finder(
        "fleet",
        "Accounts by username",
        frozenset({TEXT}),
        "username on any platform (as typed or lower-case, without @)",
        accounts_by_username,
    ),
    Finder("fleet", "Devices by UDID", frozenset({TEXT}), "device UDID (any case)", devices_by_udid),
    Finder("fleet", "Rows by id", frozenset({UUID}), "exact device, account, content or distribution id", by_id),
]
