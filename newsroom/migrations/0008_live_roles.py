from django.db import migrations

from newsroom.roles import sync_roles


def apply_roles(apps, schema_editor):
    """Editors and reporters get the updates of live coverage."""
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0007_site_settings_furniture"),
        ("articles", "0013_live_coverage"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
