from django.db import migrations, models
from django.db.models import Exists, OuterRef


def note_existing(apps, schema_editor):
    """The flags of every article as its rows say (articles.models.note_page_details)."""
    Article = apps.get_model("articles", "Article")
    Correction = apps.get_model("articles", "Correction")
    Article.objects.update(
        has_corrections=Exists(Correction.objects.filter(article=OuterRef("pk"))),
        pins_related=Exists(Article.related_articles.through.objects.filter(from_article=OuterRef("pk"))),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_live_coverage_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="has_corrections",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="pins_related",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(note_existing, migrations.RunPython.noop),
    ]
