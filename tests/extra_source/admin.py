from django.contrib import admin

from backoffice.admin_base import SourceModelAdmin
from backoffice.search import TEXT

from .models import Parcel


@admin.register(Parcel)
class ParcelAdmin(SourceModelAdmin):
    list_display = ("tracking_number", "status_badge", "created_at")
    list_columns = ("id", "tracking_number", "status", "created_at")
    identifier_fields = {"tracking_number": TEXT}
    ordering = ("-created_at",)

    @admin.display(description="status")
    def status_badge(self, obj):
        from backoffice.display import status_badge

        return status_badge(obj.status)
