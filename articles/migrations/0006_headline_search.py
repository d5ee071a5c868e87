"""The headlines' own search vector, so that a story is found by its headline
however many newer stories share its words.

On PostgreSQL the vector of every existing article is filled and indexed
(GIN); SQLite searches the text itself and leaves it empty.
"""

import django.contrib.postgres.search
from django.db import migrations

# The same document as ArticleQuerySet.refresh_search_index, written out so this
# migration keeps meaning what it meant when the model changes.
FILL_HEADLINE_VECTORS = """
    UPDATE articles_article SET headline_vector =
        setweight(to_tsvector('english', coalesce(headline, '')), 'A')
        || setweight(to_tsvector('english', coalesce(alternative_headline, '')), 'B')
"""
CREATE_INDEX = "CREATE INDEX IF NOT EXISTS article_headline_vector ON articles_article USING gin (headline_vector)"
DROP_INDEX = "DROP INDEX IF EXISTS article_headline_vector"


def run_on_postgres(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_image_ownership_and_renditions")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="headline_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(run_on_postgres(FILL_HEADLINE_VECTORS, CREATE_INDEX), run_on_postgres(DROP_INDEX)),
    ]
