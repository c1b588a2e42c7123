"""Read-only API tokens: issued once, stored as a hash, sent as `Authorization: Bearer <token>`."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from backoffice.access.models import ApiToken

TOKEN_PREFIX = "bo_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(token: ApiToken) -> str:
    """Fill a new token's key; return the raw value, which is never stored or shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token.key_hash = _hash(raw)
    token.prefix = raw[:10]
    return raw


def user_for_request(request):
    """The active user a request's bearer token belongs to, or None."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    # At most one write a minute per token: polling clients must not write on every call.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
