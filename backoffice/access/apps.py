from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "backoffice.access"
    label = "access"
    verbose_name = "Access"

    def ready(self):
        from backoffice.access import roles

        # New source models appear after the data migration ran: keep groups in step.
        post_migrate.connect(roles.sync_after_migrate, sender=self)
