"""Two indexes for finding stories by their headlines (PostgreSQL; SQLite
searches the text itself):

- each headline's words, newest first: the story a reader names by its exact
  headline is found at once, however many other headlines share its words;
- the headline vectors in publication order, newest first: the older headline
  matches of a search are read from the index alone, not from the articles.
"""

from django.db import migrations

# The words are what articles.search writes: the headline's own lexemes, without their positions.
CREATE_INDEXES = [
    """
    CREATE INDEX IF NOT EXISTS article_headline_words
        ON articles_article ((strip(ts_filter(headline_vector, '{a}'))), publish_at DESC)
    """,
    """
    CREATE INDEX IF NOT EXISTS article_newest_headlines
        ON articles_article (status, publish_at DESC) INCLUDE (id, section_id, headline_vector)
    """,
]
DROP_INDEXES = ["DROP INDEX IF EXISTS article_headline_words", "DROP INDEX IF EXISTS article_newest_headlines"]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_adslot_from_the_house")]

    operations = [migrations.RunPython(run_on_postgres(CREATE_INDEXES), run_on_postgres(DROP_INDEXES))]
