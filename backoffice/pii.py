"""Personal data shown masked unless the user may see it."""

from __future__ import annotations


def can_see_pii(user) -> bool:
    return bool(user and user.has_perm("access.view_pii"))


def mask_email(value: str | None) -> str:
    if not value or not isinstance(value, str):
        return "—"
    local, _, domain = value.partition("@")
    if not domain:
        return local[:1] + "***"
    return f"{local[:1]}***@{domain}"


def email_for(user, value: str | None) -> str:
    if not value:
        return "—"
    return value if can_see_pii(user) else mask_email(value)
