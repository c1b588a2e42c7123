"""factory-boy base for source tables: rows go in through the seeding path, never the read-only alias."""

from __future__ import annotations

import factory

from backoffice import seeding


class SourceFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = seeding.insert_model(model_class, kwargs)
        by_column = {f.column: f for f in model_class._meta.concrete_fields}
        instance = model_class()
        for column, value in row.items():
            field = by_column.get(column)
            if field is not None:
                setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = model_class._meta.app_label
        return instance
