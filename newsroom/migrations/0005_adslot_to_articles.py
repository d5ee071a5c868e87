"""Ad slots now belong to the editorial room (articles/migrations/0008): the model leaves this
app's state, its table stays where it is; the roles grant its permissions under their new app."""

from django.db import migrations

from newsroom.roles import sync_roles


def apply_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0004_site_settings_links"),
        ("articles", "0008_adslot_from_the_house"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AdSlot")], database_operations=[]),
        migrations.RunPython(apply_roles, migrations.RunPython.noop),
    ]
