"""Login throttling for HTTP logins (django-axes)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Refuses a locked-out username or address before any password is checked.

    Only HTTP logins carry a request, and only they are throttled: `authenticate()` without one
    (a shell, a management command, the test client's `login()`) goes straight to the next
    backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
