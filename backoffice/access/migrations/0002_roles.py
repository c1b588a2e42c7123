"""Create the four role groups with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    # Real models, not historical ones: permissions of unmigrated source apps exist only there.
    from django.contrib.auth.models import Group, Permission

    from backoffice.access import roles

    roles.ensure_permissions_exist()
    roles.sync_roles(Group, Permission)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
