from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="Access",
            fields=[("id", models.AutoField(primary_key=True, serialize=False))],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("view_pii", "See emails and other personal data unmasked"),
                    ("search_people", "Search a person across sources"),
                    ("export_rows", "Export rows"),
                    ("run_actions", "Run actions that call the owning services"),
                ],
            },
        ),
    ]
