"""Embargo and takedown: the columns, and indexes for ArticleQuerySet.published() at 100,000 articles.

published() now also reads `embargo_until` and `taken_down_at`. On PostgreSQL the indexes published
articles are listed, counted and searched from carry both columns (INCLUDE), so that a section's article
count and the search's older headline matches (migration 0009) are still read from the index alone
instead of visiting every article's row. A small partial index finds the embargoes still to lift.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COVERING_INDEXES = [
    (
        "article_status_publish",
        "CREATE INDEX article_status_publish ON articles_article (status, publish_at DESC) "
        "INCLUDE (embargo_until, taken_down_at)",
        "CREATE INDEX article_status_publish ON articles_article (status, publish_at DESC)",
    ),
    (
        "article_section_publish",
        "CREATE INDEX article_section_publish ON articles_article (section_id, status, publish_at DESC) "
        "INCLUDE (embargo_until, taken_down_at)",
        "CREATE INDEX article_section_publish ON articles_article (section_id, status, publish_at DESC)",
    ),
    (
        "article_newest_headlines",
        "CREATE INDEX article_newest_headlines ON articles_article (status, publish_at DESC) "
        "INCLUDE (id, section_id, headline_vector, embargo_until, taken_down_at)",
        "CREATE INDEX article_newest_headlines ON articles_article (status, publish_at DESC) "
        "INCLUDE (id, section_id, headline_vector)",
    ),
]


def recreate_on_postgres(which):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, *statements in COVERING_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(statements[which])

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_notes_assignments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="embargo_until",
            field=models.DateTimeField(
                blank=True,
                help_text="Readers see nothing of the article before this time, even once it is published: not its page, nor any list, feed, sitemap or search.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="takedown_reason",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="taken_down_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When it was removed from the site for legal reasons; its address answers 410 Gone.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="taken_down_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("embargo_until__isnull", False)), fields=["embargo_until"], name="article_embargoed"
            ),
        ),
        migrations.RunPython(recreate_on_postgres(0), recreate_on_postgres(1)),
    ]
