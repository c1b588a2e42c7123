"""factory-boy base for source tables: rows go in through the seeding path, never the read-only alias."""

from __future__ import annotations

import factory

from tests import seeding


class SourceFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._insert(model_class, kwargs)

    @staticmethod
    def _insert(model_class, values: dict, raw_columns: dict | None = None):
        """INSERT through the seeding path; return a model instance built from the stored row."""
        row = seeding.insert_model(model_class, values, raw_columns)
        by_column = {f.column: f for f in model_class._meta.concrete_fields}
        instance = model_class()
        for column, value in row.items():
            field = by_column.get(column)
            if field is not None:
                setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = model_class._meta.app_label
        return instance
