"""The client's address for login throttling, behind TRUSTED_PROXY_COUNT reverse proxies."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the outermost trusted proxy saw when proxies are declared.

    Each proxy appends the address it received from to X-Forwarded-For, so with N trusted proxies
    the client is the N-th entry from the right; entries further left come from the client and
    prove nothing.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
