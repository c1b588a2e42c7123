"""User and role administration: only a superuser grants superuser or more than they hold.

The admin role manages staff accounts by giving them roles (groups). A user who is not a
superuser:

- cannot set `is_superuser` or per-user permissions (both shown read-only);
- can give only the roles whose every permission they hold themselves;
- cannot change, delete or reset the password of a superuser (they may look at one);
- cannot change roles: they are defined in code (backoffice.access.roles) and re-synced on
  every migrate.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from backoffice.access import tokens
from backoffice.access.models import ApiToken


def grantable_groups(user):
    """The groups whose every permission `user` holds (all of them for a superuser)."""
    groups = Group.objects.all()
    if user.is_superuser:
        return groups
    held = user.get_all_permissions()
    beyond = [
        pk
        for pk, app_label, codename in Group.objects.values_list(
            "pk", "permissions__content_type__app_label", "permissions__codename"
        )
        if codename is not None and f"{app_label}.{codename}" not in held
    ]
    return groups.exclude(pk__in=beyond)


for model in (User, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups" and request is not None:
            kwargs["queryset"] = grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # "Delete selected users" checks no object: refuse it when a superuser is among them.
        if not request.user.is_superuser and queryset.filter(is_superuser=True).exists():
            raise PermissionDenied("Only a superuser may delete a superuser.")
        super().delete_queryset(request, queryset)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# -- API tokens: each user manages their own; the raw token is shown once ---------------------------


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
