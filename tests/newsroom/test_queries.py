"""PreparedQuery: a query's SQL built once, run with each new value, as the ORM would run it."""

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Section
from newsroom.queries import PreparedQuery

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


def article_with_sections(slug):
    return Article.objects.select_related("section__parent").filter(slug=slug)


@pytest.fixture
def stories(make_article):
    desk = Section.objects.create(name="Politics", slug="politics")
    elections = Section.objects.create(name="Elections", slug="elections", parent=desk)
    return [
        make_article(slug="count-begins", headline="The count begins in the harbour wards", section=elections),
        make_article(slug="polls-close", headline="Polls close across the city at ten"),
    ]


def test_objects_are_the_querysets_own_with_the_relations_it_selects(stories):
    query = PreparedQuery(article_with_sections)
    for story in stories:
        [found] = query.objects(story.slug)
        expected = article_with_sections(story.slug).get()
        assert (found.pk, found.headline, found.publish_at) == (expected.pk, expected.headline, expected.publish_at)
        with CaptureQueriesContext(connection) as reads:
            names = (found.section.name, found.section.parent and found.section.parent.name)
        assert reads.captured_queries == []
        assert names == (expected.section.name, expected.section.parent and expected.section.parent.name)
    assert query.objects("no-such-story") == []


def test_the_sql_is_built_once_then_only_run(stories, monkeypatch):
    built = []
    query = PreparedQuery(lambda slug: built.append(slug) or article_with_sections(slug))
    query.objects(stories[0].slug)
    assert len(built) == 2, "built twice with two probes, to find where the value goes"
    with CaptureQueriesContext(connection) as reads:
        [again] = query.objects(stories[1].slug)
    assert len(built) == 2 and again.pk == stories[1].pk
    assert len(reads.captured_queries) == 1


def test_rows_are_converted_as_the_orm_converts_them(stories):
    def columns(pk):
        return Article.objects.filter(pk=pk).values_list("pk", "publish_at", "comments_enabled")

    story = stories[0]
    assert PreparedQuery(columns).rows(story.pk) == list(columns(story.pk))


def test_a_literal_percent_sign_survives(stories):
    def share(pk):
        return Article.objects.filter(pk=pk).annotate(share=RawSQL("'100%%'", ())).values_list("share")

    assert PreparedQuery(share).rows(stories[0].pk) == [("100%",)]


def test_a_query_that_does_not_use_its_value_is_refused(stories):
    with pytest.raises(ValueError, match="does not depend on its value"):
        PreparedQuery(lambda _pk: Article.objects.all()).objects(stories[0].pk)


@on_postgresql
def test_on_postgresql_each_connection_prepares_it_once(stories, settings):
    settings.PREPARED_STATEMENTS = True
    query = PreparedQuery(article_with_sections)
    with CaptureQueriesContext(connection) as reads:
        query.objects(stories[0].slug)
        query.objects(stories[1].slug)
    first, second = (read["sql"] for read in reads.captured_queries)
    assert first.startswith(f"PREPARE {query.statement} AS SELECT")
    assert second == f"EXECUTE {query.statement}('{stories[1].slug}')"
    assert query.statement.startswith("articles_article_")


@on_postgresql
def test_without_prepared_statements_the_sql_is_sent_as_it_is(stories, settings):
    settings.PREPARED_STATEMENTS = False
    query = PreparedQuery(article_with_sections)
    with CaptureQueriesContext(connection) as reads:
        [found] = query.objects(stories[0].slug)
    assert found.pk == stories[0].pk
    assert reads.captured_queries[0]["sql"].startswith("SELECT")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_it_again(stories, settings):
    settings.PREPARED_STATEMENTS = True
    query = PreparedQuery(article_with_sections)
    query.objects(stories[0].slug)
    connection.close()
    with CaptureQueriesContext(connection) as reads:
        [found] = query.objects(stories[1].slug)
    assert found.pk == stories[1].pk
    assert reads.captured_queries[0]["sql"].startswith(f"PREPARE {query.statement} AS")
