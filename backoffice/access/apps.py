from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "backoffice.access"
    label = "access"
    verbose_name = "Access"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from backoffice.access import checks, roles, sessions  # noqa: F401 - checks registers a deploy check

        # New source models appear after the data migration ran: keep groups in step.
        post_migrate.connect(roles.sync_after_migrate, sender=self)
        post_migrate.connect(lock_own_database_after_migrate, sender=self)
        user_logged_in.connect(sessions.start_session_clock, dispatch_uid="backoffice.start_session_clock")


def lock_own_database_after_migrate(sender, using="default", **kwargs):
    """Embedded server: the source reader role may not connect to the own database (or its test copy)."""
    from django.conf import settings
    from django.db import connections

    if using != "default" or not settings.EMBEDDED:
        return
    from backoffice import embedded

    with connections[using].cursor() as cursor:
        embedded.lock_own_database(cursor)
