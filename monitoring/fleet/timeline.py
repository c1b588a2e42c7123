"""The Fleet source's part of a person's timeline: accounts with their username, and what happened to them."""

from __future__ import annotations

from backoffice.find import admin_url, source_indexes
from backoffice.timeline import Entry, Person
from monitoring.fleet.models import Account, Distribution, Platform, SystemEvent

SOURCE = "fleet"


def resolve(person: Person) -> None:
    if not person.usernames:
        return
    accounts = Account.objects.filter(platform__in=Platform.values, username__in=sorted(person.usernames))
    person.ids_in(SOURCE).update(str(pk) for pk in accounts.values_list("id", flat=True)[:20])


def entries(person: Person, *, since, before, limit: int) -> list[Entry]:
    account_ids = sorted(person.ids_in(SOURCE))
    if not account_ids:
        return []
    found: list[Entry] = []
    accounts = Account.objects.filter(pk__in=account_ids).only(
        "id", "platform", "username", "current_state", "created_at", "last_post_at", "deleted_at"
    )
    for account in accounts:
        url = admin_url(Account, account.pk)
        handle = f"{account.platform} @{account.username}"
        found.append(Entry(account.created_at, SOURCE, "account", f"Fleet account {handle} created", None, url))
        if account.deleted_at:
            found.append(Entry(account.deleted_at, SOURCE, "account", f"Fleet account {handle} deleted", None, url))
    indexes = source_indexes(SOURCE)
    if "bo_distributions_account" in indexes:
        posts = (
            Distribution.objects.filter(account_id__in=account_ids, created_at__gte=since, created_at__lt=before)
            .only("id", "platform", "status", "created_at", "posted_at", "error_message")
            .order_by("-created_at")[:limit]
        )
        for post in posts:
            found.append(
                Entry(
                    post.posted_at or post.created_at,
                    SOURCE,
                    "distribution",
                    f"Post on {post.platform} {post.status}",
                    post.status,
                    admin_url(Distribution, post.pk),
                    post.error_message or "",
                )
            )
    if "bo_events_account" in indexes:
        events = (
            SystemEvent.objects.filter(account_id__in=account_ids, timestamp__gte=since, timestamp__lt=before)
            .only("id", "timestamp", "severity", "event_type", "message", "resolved")
            .order_by("-timestamp")[:limit]
        )
        for event in events:
            found.append(
                Entry(
                    event.timestamp,
                    SOURCE,
                    "event",
                    f"{event.event_type} ({event.severity})",
                    "resolved" if event.resolved else "open",
                    admin_url(SystemEvent, event.pk),
                    event.message,
                )
            )
    return found
