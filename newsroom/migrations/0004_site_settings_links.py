from django.db import migrations, models


def copy_links(apps, schema_editor):
    SiteSettings = apps.get_model("newsroom", "SiteSettings")
    SocialLink = apps.get_model("newsroom", "SocialLink")
    FooterLink = apps.get_model("newsroom", "FooterLink")
    SiteSettings.objects.filter(pk=1).update(
        links={
            "social": list(SocialLink.objects.filter(site=1).order_by("position", "id").values("network", "url")),
            "footer": list(FooterLink.objects.filter(site=1).order_by("position", "id").values("label", "url")),
        }
    )


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0003_site_settings_row")]

    operations = [
        migrations.AddField(model_name="sitesettings", name="links", field=models.JSONField(default=dict, editable=False)),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
    ]
