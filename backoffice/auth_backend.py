from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connections, router
from django.db.models import Q


class OneQueryPermissionBackend(ModelBackend):
    """ModelBackend, with a user's and their groups' permissions read in one query, not two.

    Every admin page checks permissions; this keeps the per-page query budget small.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = _permission_names(Permission.objects.all())
            else:
                rows = _user_permission_names(user_obj.pk)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache


def _permission_names(permissions):
    return permissions.values_list("content_type__app_label", "codename").order_by().distinct()


def _user_permission_names(user_id) -> list[tuple[str, str]]:
    """(app_label, codename) of the user's own and their groups' permissions. The query is the
    same for every user but its key: built and compiled by the ORM once per process (on every
    page that was more of the query's CPU than running it)."""
    sql = _user_permissions_sql()
    with connections[router.db_for_read(Permission)].cursor() as cursor:
        cursor.execute(sql, [user_id, user_id])
        return cursor.fetchall()


@cache
def _user_permissions_sql() -> str:
    query = _permission_names(Permission.objects.filter(Q(user=0) | Q(group__user=0))).query
    sql, params = query.sql_with_params()
    if list(params) != [0, 0]:  # the user's key, twice: what _user_permission_names passes
        raise RuntimeError(f"unexpected parameters in the permission query: {params!r}")
    return sql
