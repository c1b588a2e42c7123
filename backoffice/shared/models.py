from django.conf import settings
from django.db import models


class SharedView(models.Model):
    """A list, search or timeline as someone saw it: its parameters and the moment, behind a token.

    The link carries only the token; the parameters (which may hold an email typed in a search
    box) stay here. Opening it needs a login and the same permissions as the page itself.
    """

    token = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=500)
    query = models.TextField(blank=True)  # the page's query string, without page or cursor
    as_of = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.path} as of {self.as_of:%Y-%m-%d %H:%M} UTC"
