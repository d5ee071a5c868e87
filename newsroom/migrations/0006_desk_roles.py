from django.db import migrations

from newsroom.roles import sync_roles


def apply_roles(apps, schema_editor):
    """Editors and reporters get the editorial notes and assignments; editors the comment queue too."""
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0005_adslot_to_articles"),
        ("articles", "0011_notes_assignments"),
        ("comments", "0003_wordpress"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
