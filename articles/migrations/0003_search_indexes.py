"""Fill the search fields of existing articles; on PostgreSQL, the indexes that
make search fast. SQLite searches the text itself and needs neither."""

import re

from django.db import migrations

from articles.html import readable_text

BATCH_SIZE = 1000
VOCABULARY_WORD = re.compile(r"[^\W\d_]+")

POSTGRES_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS article_search_vector ON articles_article USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS searchterm_word_trigram ON articles_searchterm USING gin (word gin_trgm_ops)",
]
DROP_POSTGRES_INDEXES = [
    "DROP INDEX IF EXISTS article_search_vector",
    "DROP INDEX IF EXISTS searchterm_word_trigram",
]
# The same document as ArticleQuerySet.refresh_search_index, written out so this
# migration keeps meaning what it meant when the model changes.
FILL_SEARCH_VECTORS = """
    UPDATE articles_article AS article SET search_vector =
        setweight(to_tsvector('english', coalesce(article.headline, '')), 'A')
        || setweight(to_tsvector('english', concat_ws(' ',
            article.alternative_headline,
            (SELECT string_agg(tag.name, ' ' ORDER BY tag.name)
               FROM taggit_tag AS tag
               JOIN taggit_taggeditem AS item ON item.tag_id = tag.id
               JOIN django_content_type AS type ON type.id = item.content_type_id
              WHERE type.app_label = 'articles' AND type.model = 'article' AND item.object_id = article.id),
            article.standfirst)), 'B')
        || setweight(to_tsvector('english', coalesce(article.body_text, '')), 'C')
"""


def fill_search_fields(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    SearchTerm = apps.get_model("articles", "SearchTerm")
    Tag = apps.get_model("taggit", "Tag")
    on_postgres = schema_editor.connection.vendor == "postgresql"
    words = set()
    batch = []
    rows = Article.objects.only("body", "headline", "alternative_headline", "standfirst").iterator(BATCH_SIZE)
    for article in rows:
        article.body_text = readable_text(article.body)
        batch.append(article)
        words.update(VOCABULARY_WORD.findall(f"{article.headline} {article.alternative_headline} {article.standfirst}"))
        if len(batch) == BATCH_SIZE:
            Article.objects.bulk_update(batch, ["body_text"])
            batch = []
    Article.objects.bulk_update(batch, ["body_text"], batch_size=BATCH_SIZE)
    if not on_postgres:
        return
    for name in Tag.objects.values_list("name", flat=True).iterator(BATCH_SIZE):
        words.update(VOCABULARY_WORD.findall(name))
    SearchTerm.objects.bulk_create(
        [SearchTerm(word=word) for word in sorted({word.lower() for word in words if 3 <= len(word) <= 40})],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    with schema_editor.connection.cursor() as cursor:
        for statement in [*POSTGRES_INDEXES, FILL_SEARCH_VECTORS]:
            cursor.execute(statement)


def drop_postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in DROP_POSTGRES_INDEXES:
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_search_fields"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(fill_search_fields, drop_postgres_indexes),
    ]
