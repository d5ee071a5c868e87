"""Indexes for a newsroom's archive of 100,000 articles and more.

- The admin's article list, newest first whatever the status.
- The front page's editors' picks, a few articles among all the others.
- On PostgreSQL, trigram indexes for the admin's headline and slug search,
  which looks for the words anywhere in them (UPPER(column) LIKE '%WORDS%',
  the expressions indexed here). SQLite scans, as it always does.
- On PostgreSQL, django-taggit's tagged-object id as the bigint its join to
  articles casts it to: the plain index on the integer column cannot serve
  that join, and a tag page for a tag on 25,000 articles took 150 ms to find
  its first 20.
"""

from django.conf import settings
from django.db import migrations, models

POSTGRES_INDEXES = [
    "CREATE INDEX IF NOT EXISTS article_headline_trigram ON articles_article USING gin (upper(headline) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS article_slug_trigram ON articles_article USING gin (upper(slug) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS taggeditem_object_as_bigint ON taggit_taggeditem (((object_id)::bigint), tag_id)",
]
DROP_POSTGRES_INDEXES = [
    "DROP INDEX IF EXISTS article_headline_trigram",
    "DROP INDEX IF EXISTS article_slug_trigram",
    "DROP INDEX IF EXISTS taggeditem_object_as_bigint",
]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_search_indexes"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["-publish_at", "-id"], name="article_publish_order"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("priority__gt", 0)),
                fields=["-priority", "-publish_at"],
                name="article_editors_picks",
            ),
        ),
        migrations.RunPython(run_on_postgres(POSTGRES_INDEXES), run_on_postgres(DROP_POSTGRES_INDEXES)),
    ]
