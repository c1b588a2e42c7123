"""API tokens in the admin: each user manages their own; the raw token is shown once."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse

from backoffice.access import tokens
from backoffice.access.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at"]
    fields = ["name"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    search_fields = ["name__exact", "prefix__exact"]  # an exact name or token prefix, nothing else

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return (
            queryset
            if request.user.is_superuser or request.user.has_perm("auth.view_user")
            else queryset.filter(user=request.user)
        )

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", "prefix", "created_at", "last_used_at"]

    def has_change_permission(self, request, obj=None):
        return False  # revoke (delete) and issue a new one instead

    def save_model(self, request, obj, form, change):
        obj.user = request.user
        request._issued_api_token = tokens.issue(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The raw token goes straight into this one response: never into a message cookie or a log.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "raw_token": request._issued_api_token,
            "title": "API token created",
        }
        response = TemplateResponse(request, "backoffice/api_token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response
