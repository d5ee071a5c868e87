"""The page cache looks up the next scheduled change after every invalidation (newsroom/cache.py): on a
desk that saves every second, that lookup must come from indexes, never a scan of the whole archive. At
100,000 articles one unindexed column of it cost 360 ms a save."""

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article
from newsroom import cache

ARCHIVE_SIZE = 5000

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans (make test-postgres)"),
]


def test_every_scheduled_change_is_found_from_an_index(make_article, section):
    now = timezone.now()
    make_article(publish_at=now + timezone.timedelta(hours=1))
    make_article(embargo_until=now + timezone.timedelta(hours=2))
    make_article(live_from=now - timezone.timedelta(hours=1), live_until=now + timezone.timedelta(hours=3))
    # An archive the planner would rather not read whole, and its statistics.
    Article.objects.bulk_create(
        Article(
            headline=f"Archived story {number}",
            slug=f"archived-story-{number}",
            section=section,
            standfirst="From the archive.",
            status=Article.Status.PUBLISHED,
            publish_at=now - timezone.timedelta(days=1, minutes=number),
        )
        for number in range(ARCHIVE_SIZE)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    plan = cache._upcoming_changes().explain()
    assert "Seq Scan on articles_article" not in plan, plan
    # Each kind from the few rows that have one, not by filtering every published article.
    for index in ("article_embargoed", "article_live_from", "article_live_until"):
        assert index in plan, plan


def test_the_next_scheduled_change_is_the_nearest_of_every_kind(make_article):
    now = timezone.now()
    make_article(publish_at=now + timezone.timedelta(hours=5))
    make_article(embargo_until=now + timezone.timedelta(hours=4))
    make_article(live_from=now - timezone.timedelta(hours=1), live_until=now + timezone.timedelta(hours=3))
    nearest = min(cache._upcoming_changes())
    assert abs((nearest - (now + timezone.timedelta(hours=3))).total_seconds()) < 1
