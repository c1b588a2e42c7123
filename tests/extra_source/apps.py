"""The sixth source as the core sees it: the same declarations as monitoring/<source>/apps.py."""

from backoffice.source_app import SourceAppConfig


class ExtraConfig(SourceAppConfig):
    name = "tests.extra_source"
    label = "extra"

    status_tones = {"ok": frozenset({"delivered"}), "run": frozenset({"in_transit"}), "bad": frozenset({"lost"})}
    secret_columns = {"parcels": ["tracking_secret"]}
    service_indexes = [
        ("parcels", "tracking_number", "parcels_tracking_number_key"),
        ("parcels", "created_at DESC", "parcels_created_at"),
    ]
    recommended_indexes = [("parcels", "status, created_at DESC", "bo_parcels_status_created_at")]

    dashboard = "dashboard"
