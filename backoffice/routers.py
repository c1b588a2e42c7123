"""Source models read from their own alias and can never be written or migrated there."""

from __future__ import annotations

from backoffice.sources import SOURCE_ALIASES


class SourceWriteRefused(RuntimeError):
    """Raised when code tries to write a source database through Django."""


class SourceRouter:
    def db_for_read(self, model, **hints):
        label = model._meta.app_label
        return label if label in SOURCE_ALIASES else None

    def db_for_write(self, model, **hints):
        label = model._meta.app_label
        if label in SOURCE_ALIASES:
            raise SourceWriteRefused(
                f"{model.__name__} lives in the {label!r} source, which the back office never writes; "
                "use the owning service's admin API"
            )
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return obj1._meta.app_label == obj2._meta.app_label or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in SOURCE_ALIASES or app_label in SOURCE_ALIASES:
            return False
        return None
