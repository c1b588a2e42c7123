from django.db import models


class Access(models.Model):
    """Holds the back office's own permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_pii", "See emails and other personal data unmasked"),
            ("search_people", "Search a person across sources"),
            ("export_rows", "Export rows"),
            ("run_actions", "Run actions that call the owning services"),
        ]


class ApiToken(models.Model):
    """A per-user, read-only key for the JSON stats API; only its SHA-256 is stored."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “Grafana panel”.")
    prefix = models.CharField(max_length=12, editable=False, help_text="The token's first characters.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        default_permissions = ("add", "view", "delete")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
