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
