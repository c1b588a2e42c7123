"""The baseline: a stock Django admin over the same models, configured as a newcomer would.

Default paginator (full COUNT, twice), `icontains` search over the same fields, plain list
filters, full rows (payloads included), no select_related. Mounted only while benchmarking.
"""

from django.contrib import admin

from monitoring.posters.models import BatchJob, GeneratedPoster
from monitoring.wrapped.models import AppJob, AppUser, DeviceEmail, WrappedRun

stock_site = admin.AdminSite(name="stock")


class StockAdmin(admin.ModelAdmin):
    # Django's own templates, not the Backoffice overrides found by app/model name.
    change_list_template = "admin/change_list.html"
    change_form_template = "admin/change_form.html"


class StockRunAdmin(StockAdmin):
    list_display = ["id", "status", "updated_at", "app_user_id", "sec_user_id", "email"]
    list_filter = ["status", "updated_at"]
    search_fields = ["id", "app_user__app_user_id", "sec_user_id", "email"]
    ordering = ["-updated_at"]


class StockJobAdmin(StockAdmin):
    list_display = ["id", "task_name", "status", "attempts", "max_attempts", "not_before", "idempotency_key"]
    list_filter = ["status", "task_name"]
    search_fields = ["id", "idempotency_key"]
    ordering = ["-updated_at"]


class StockUserAdmin(StockAdmin):
    list_display = ["app_user_id", "platform_username", "latest_sec_user_id", "waitlist_opt_in", "created_at"]
    search_fields = ["app_user_id", "latest_sec_user_id", "platform_username"]
    ordering = ["-created_at"]


class StockDeviceAdmin(StockAdmin):
    list_display = ["device_id", "email", "waitlist_opt_in", "referred_by", "updated_at"]
    search_fields = ["device_id", "email"]
    ordering = ["-updated_at"]


stock_site.register(WrappedRun, StockRunAdmin)
stock_site.register(AppJob, StockJobAdmin)
stock_site.register(AppUser, StockUserAdmin)
stock_site.register(DeviceEmail, StockDeviceAdmin)


class StockBatchJobAdmin(StockAdmin):
    list_display = ["job_id", "campaign_name", "status", "total_items", "success_count", "failure_count", "created_at"]
    list_filter = ["status", "model", "created_at"]
    search_fields = ["job_id"]
    ordering = ["-created_at"]


class StockPosterAdmin(StockAdmin):
    list_display = ["id", "job", "username", "display_name", "status", "processing_time_ms", "created_at"]
    list_filter = ["status"]
    search_fields = ["username", "job__job_id"]
    ordering = ["-created_at"]


stock_site.register(BatchJob, StockBatchJobAdmin)
stock_site.register(GeneratedPoster, StockPosterAdmin)
