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
