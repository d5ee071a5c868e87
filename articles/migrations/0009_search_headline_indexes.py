"""An index of each headline's words, newest first: the story a reader names by
its exact headline is found at once, however many other headlines share its
words (PostgreSQL; SQLite searches the text itself)."""

from django.db import migrations

# The expression articles.search.HEADLINE_WORDS writes: the headline's words
# without their positions, in the order PostgreSQL keeps them.
CREATE_INDEX = """
    CREATE INDEX IF NOT EXISTS article_headline_words
        ON articles_article ((strip(ts_filter(headline_vector, '{a}'))), publish_at DESC)
"""
DROP_INDEX = "DROP INDEX IF EXISTS article_headline_words"


def run_on_postgres(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_adslot_from_the_house")]

    operations = [migrations.RunPython(run_on_postgres(CREATE_INDEX), run_on_postgres(DROP_INDEX))]
