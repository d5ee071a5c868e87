"""Ad slots move from the site's furniture (newsroom) to the editorial room: the model's state
only. The table keeps its name, `newsroom_adslot`, and its rows; the content type is renamed, so
the permissions the roles grant follow the model."""

import django.core.validators
from django.db import migrations, models

import newsroom.uploads


def rename_content_type(apps, schema_editor, old="newsroom", new="articles"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="adslot").exists():
        ContentType.objects.filter(app_label=old, model="adslot").update(app_label=new)


def restore_content_type(apps, schema_editor):
    rename_content_type(apps, schema_editor, old="articles", new="newsroom")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_wordpress"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("newsroom", "0004_site_settings_links"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AdSlot",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(help_text="For the ad team; never shown to readers.", max_length=100)),
                        ("placement", models.CharField(choices=[("in_article", "Inside the article body")], default="in_article", max_length=20)),
                        ("image", models.ImageField(blank=True, upload_to="ads/", validators=[newsroom.uploads.validate_upload])),
                        ("image_alt", models.CharField(blank=True, help_text="Required with an image.", max_length=200)),
                        ("link_url", models.URLField(blank=True)),
                        ("html", models.TextField(blank=True, help_text="Instead of an image: the ad's markup (sanitised; no scripts).")),
                        ("is_active", models.BooleanField(default=True)),
                        ("starts_at", models.DateTimeField(blank=True, null=True)),
                        ("ends_at", models.DateTimeField(blank=True, null=True)),
                        ("max_per_article", models.PositiveSmallIntegerField(default=2, help_text="How many times this ad may appear in one article.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)])),
                        ("position", models.PositiveSmallIntegerField(default=0)),
                        ("modified_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={"db_table": "newsroom_adslot", "ordering": ["position", "id"]},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
