from django.db import migrations


def create_site_settings(apps, schema_editor):
    apps.get_model("newsroom", "SiteSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0002_roles")]

    operations = [migrations.RunPython(create_site_settings, migrations.RunPython.noop)]
