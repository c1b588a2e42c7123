"""Roles are groups; this module is the single statement of what each may do."""

from __future__ import annotations

from backoffice.sources import SOURCE_ALIASES

VIEWER, SUPPORT, OPERATOR, ADMIN = "viewer", "support", "operator", "admin"
ROLES = (VIEWER, SUPPORT, OPERATOR, ADMIN)

# Everyone may hold read-only API tokens of their own (the stats API); admins see all of them.
_EVERY_ROLE = {"access.add_apitoken", "access.view_apitoken", "access.delete_apitoken"}
_SUPPORT_EXTRA = {"access.view_pii", "access.search_people", "access.export_rows"}
_OPERATOR_EXTRA = {"access.run_actions", "bulk.view_bulkrun"}
_ADMIN_EXTRA = {
    "audit.view_actionrecord",
    *(f"auth.{verb}_{model}" for verb in ("add", "change", "delete", "view") for model in ("user", "group")),
    # Login lockouts (django-axes): see them, and unlock an account by deleting its attempts.
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accessfailurelog",
}


def _source_view_permissions(permission_model) -> set[str]:
    rows = permission_model.objects.filter(
        content_type__app_label__in=SOURCE_ALIASES, codename__startswith="view_"
    ).values_list("content_type__app_label", "codename")
    return {f"{app}.{codename}" for app, codename in rows}


def permissions_for(role: str, permission_model) -> set[str]:
    granted = _source_view_permissions(permission_model) | _EVERY_ROLE
    if role in (SUPPORT, OPERATOR, ADMIN):
        granted |= _SUPPORT_EXTRA
    if role in (OPERATOR, ADMIN):
        granted |= _OPERATOR_EXTRA
    if role == ADMIN:
        granted |= _ADMIN_EXTRA
    return granted


def sync_roles(group_model, permission_model) -> None:
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = permissions_for(role, permission_model)
        perms = [
            p
            for p in permission_model.objects.select_related("content_type")
            if f"{p.content_type.app_label}.{p.codename}" in wanted
        ]
        group.permissions.set(perms)


def ensure_permissions_exist() -> None:
    """Create content types and permissions for every installed app now (not after migrate)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)


def sync_after_migrate(sender, using="default", **kwargs):
    if using != "default":
        return
    from django.contrib.auth.models import Group, Permission

    ensure_permissions_exist()
    sync_roles(Group, Permission)
