"""Session idle timeout and maximum age for logged-in staff.

A session ends after settings.SESSION_IDLE_TIMEOUT seconds without a page request and, in any
case, settings.SESSION_MAX_AGE seconds after it began. htmx requests (the live panel polls every
few seconds) do not count as activity, so an open tab nobody looks at still times out. The last
activity is written at most once a minute, not on every request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import resolve_url

STARTED, LAST_SEEN = "_backoffice_session_started", "_backoffice_last_seen"
WRITE_EVERY = 60  # at most, seconds between two writes of the last activity


def start_session_clock(sender, request, user, **kwargs):
    """On login (user_logged_in): the session starts now, so the first page writes nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[LAST_SEEN] = time.time()


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self._touch(request)
            if ended and request.headers.get("HX-Request"):
                # A poll from a page left open: send the whole page to the login form.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                return response
        return self.get_response(request)

    @staticmethod
    def _touch(request) -> bool:
        """Record activity; log out and return True when the session has expired."""
        now = time.time()
        session = request.session
        started, last_seen = session.get(STARTED), session.get(LAST_SEEN)
        if started is None or last_seen is None:
            session[STARTED] = session[LAST_SEEN] = now
            return False
        if now - last_seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_MAX_AGE:
            logout(request)  # flushes the session; the view then asks for a login
            return True
        write_every = min(WRITE_EVERY, settings.SESSION_IDLE_TIMEOUT / 4)
        if not request.headers.get("HX-Request") and now - last_seen >= write_every:
            session[LAST_SEEN] = now
        return False
