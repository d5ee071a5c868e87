"""Indexes for the admin's article list at a newsroom's scale: its newest-first
order, and (on PostgreSQL) trigram indexes for its headline and slug search,
which looks for the words anywhere in them. SQLite scans, as it always does."""

from django.conf import settings
from django.db import migrations, models

# The admin searches with UPPER(column) LIKE UPPER('%words%'): these indexes
# are on the same expressions.
POSTGRES_INDEXES = [
    "CREATE INDEX IF NOT EXISTS article_headline_trigram ON articles_article USING gin (upper(headline) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS article_slug_trigram ON articles_article USING gin (upper(slug) gin_trgm_ops)",
]
DROP_POSTGRES_INDEXES = [
    "DROP INDEX IF EXISTS article_headline_trigram",
    "DROP INDEX IF EXISTS article_slug_trigram",
]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

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
        migrations.RunPython(run_on_postgres(POSTGRES_INDEXES), run_on_postgres(DROP_POSTGRES_INDEXES)),
    ]
